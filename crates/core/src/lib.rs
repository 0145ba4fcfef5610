//! # clobkit-core
//!
//! The Polymarket CLOB protocol, V1 and V2 (see [`protocol`]), with no I/O: domain and wire
//! types, exact order amounts, EIP-712 order and `ClobAuth` signing, signature recovery and the
//! maker/signer rules of the CTF Exchange (with V2's POLY_1271 deposit wallets), CREATE2 wallet
//! derivation, and the L1/L2 authentication headers.
//!
//! Every rule lives here once, so that the client (which builds orders) and the local exchange
//! (which verifies them) can never disagree. The crate is pinned against the official Python and
//! TypeScript clients by the vectors in `conformance/vectors/`.
//!
//! Money is never a float: amounts are 6-decimal base units (`u64`) or exact
//! [`rust_decimal::Decimal`]s.

pub mod amounts;
pub mod auth;
pub mod book;
pub mod chain;
pub mod clock;
pub mod eip712;
pub mod fees;
pub mod order;
pub mod protocol;
pub mod serde_util;
pub mod signer;
pub mod types;
pub mod verify;
pub mod wallet;
pub mod wire;

pub use alloy_primitives::{Address, B256, U256};
pub use rust_decimal::Decimal;
