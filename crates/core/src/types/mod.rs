//! Domain values of the CLOB protocol, each with its exact wire form.

mod address;
mod enums;
mod ids;
mod tick;

pub use address::{AddressError, parse_address};
pub use enums::{AssetType, OrderType, ParseEnumError, Side, SignatureType};
pub use ids::{ApiKey, ConditionId, IdError, OrderId, TokenId};
pub use tick::{RoundConfig, TickSize};
