//! JSON shapes of every request and response of the CLOB v1 API.
//!
//! Deserialization tolerates unknown fields (the server may add some) and keeps every number
//! exact: amounts, prices and sizes are decimal strings parsed into `Decimal`, never `f64`.
//! Server-defined strings (statuses) parse into enums with an `Unknown` variant, so a new value
//! never breaks a response.

pub mod errors;
mod markets;
mod orders;
mod page;
mod status;
pub mod stream;
mod user;

pub use errors::{MAX_BATCH, MessageKind};
pub use markets::{
    ClobMarketInfo, ClobMarketToken, FeeDetails, FeeRateResponse, LastTradePrice, Market,
    MarketByToken, MarketToken, MidpointResponse, NegRiskResponse, PriceHistory, PriceHistoryPoint,
    PriceResponse, Rewards, SimplifiedMarket, SpreadResponse, TickSizeResponse,
};
pub use orders::{
    BuilderTrade, CancelResponse, MakerOrder, OpenOrder, OrderResponse, PostOrder, Trade,
};
pub use page::{Cursor, Page};
pub use status::{InsertStatus, OrderStatus, TradeStatus, TraderSide};
pub use user::{
    ApiKeysResponse, BalanceAllowance, BanStatus, ErrorBody, HeartbeatRequest, HeartbeatResponse,
    Notification, OrderScoring,
};
