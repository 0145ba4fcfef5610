//! Request authentication.
//!
//! * **L1** ([`l1`]): an EIP-712 `ClobAuth` signature by the wallet's key. Used to create and
//!   derive API keys.
//! * **L2** ([`l2`]): an HMAC-SHA256 over `timestamp ‖ METHOD ‖ path ‖ body` with the API secret.
//!   Used for every trading call.
//!
//! Both sides are here: the client builds headers, the exchange verifies them with the same code.

mod credentials;
mod error;
pub mod l1;
pub mod l2;

pub use credentials::{ApiCredentials, decode_secret};
pub use error::AuthError;
pub use l1::{L1Headers, l1_headers, verify_l1};
pub use l2::{L2Auth, L2Headers};

/// The signer's address (L1 and L2).
pub const POLY_ADDRESS: &str = "POLY_ADDRESS";
/// The signature: `0x…` ECDSA (L1) or URL-safe base64 HMAC (L2).
pub const POLY_SIGNATURE: &str = "POLY_SIGNATURE";
/// Unix seconds, decimal (L1 and L2).
pub const POLY_TIMESTAMP: &str = "POLY_TIMESTAMP";
/// The `ClobAuth` nonce (L1 only, default `0`).
pub const POLY_NONCE: &str = "POLY_NONCE";
/// The API key (L2 only).
pub const POLY_API_KEY: &str = "POLY_API_KEY";
/// The API passphrase (L2 only).
pub const POLY_PASSPHRASE: &str = "POLY_PASSPHRASE";

/// Checks that a header timestamp (decimal unix seconds) is within `window` seconds of `now`.
pub fn check_timestamp(timestamp: &str, now: u64, window: u64) -> Result<u64, AuthError> {
    let ts: u64 = timestamp
        .trim()
        .parse()
        .map_err(|_| AuthError::TimestampFormat(timestamp.to_owned()))?;
    if ts.abs_diff(now) > window {
        return Err(AuthError::StaleTimestamp {
            timestamp: ts,
            now,
            window,
        });
    }
    Ok(ts)
}
