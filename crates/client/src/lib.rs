//! # clobkit-client
//!
//! A Rust SDK for Polymarket's CLOB API (V2, as production speaks it, and V1) with every method
//! of the official clients' L2 interface, plus the L1 and public calls they need. Orders are
//! built with exact amounts and signed byte-for-byte like the official Python and TypeScript
//! clients (see `clobkit-core`), for the protocol version the exchange names.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use clobkit_client::{ClobClient, CreateOrderOptions, OrderArgs};
//! use clobkit_core::chain::Chain;
//! use clobkit_core::signer::LocalSigner;
//! use clobkit_core::types::{OrderType, Side, TokenId};
//!
//! let signer = LocalSigner::from_hex(&std::env::var("PRIVATE_KEY")?)?;
//! let l1 = ClobClient::new("https://clob.polymarket.com", Chain::Polygon)?.with_signer(signer)?;
//! let creds = l1.create_or_derive_api_key(None).await?;
//! let client = l1.with_credentials(creds)?;
//! let token: TokenId = "1234".parse()?;
//! // a price or size that does not parse is an error, never a silent zero
//! let args = OrderArgs::new(token, "0.5".parse()?, "10".parse()?, Side::Buy);
//! let resp = client.create_and_post_order(&args, CreateOrderOptions::default(), OrderType::Gtc).await?;
//! println!("{}", resp.order_id);
//! # Ok(()) }
//! ```
//!
//! Authentication levels are types: [`Public`] → [`L1`] (a signer: API keys, signing) → [`L2`]
//! (credentials: trading and queries). Errors are [`ClientError`], with the exchange's messages
//! mapped to [`ApiErrorKind`]. GETs are retried with backoff on connection errors, 5xx and 429
//! (honouring `Retry-After`); order posts never are: after an ambiguous failure you get
//! [`ClientError::Ambiguous`] with the order id to look up (`AmbiguousBatch` with every id for a
//! batch).
//!
//! Naming: methods keep the official clients' names (`get_midpoint`, `get_order_book`, …) rather
//! than the Rust guideline's getter style, so code ports line by line from Python and
//! TypeScript.

mod args;
mod client;
mod error;
mod transport;
pub mod ws;

pub use args::{
    BalanceAllowanceParams, CreateOrderOptions, MarketOrderArgs, OpenOrderParams, OrderArgs, Pages,
    PostMode, PostOrdersArgs, TradeParams, TradesPage,
};
pub use client::{ClientBuilder, ClobClient, HasSigner, Heartbeat, L1, L2, MAX_BATCH, Public};
pub use error::{ApiErrorKind, ClientError};
pub use transport::{RetryPolicy, install_crypto_provider};
