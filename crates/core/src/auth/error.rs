//! Why authentication failed.

use alloy_primitives::Address;

use crate::signer::SignerError;
use crate::types::AddressError;
use crate::verify::SignatureError;

/// A credential or header that does not authenticate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The API secret is not base64 of a non-empty key.
    #[error("invalid API secret: {0}")]
    Secret(String),
    /// A required header is missing.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// The timestamp header is not a decimal number of seconds.
    #[error("invalid POLY_TIMESTAMP {0:?}: expected unix seconds as a decimal integer")]
    TimestampFormat(String),
    /// The timestamp is too far from the server's clock.
    #[error(
        "stale POLY_TIMESTAMP {timestamp}: more than {window} s away from the server time {now}"
    )]
    StaleTimestamp {
        /// The header's value.
        timestamp: u64,
        /// The server's clock.
        now: u64,
        /// The allowed distance.
        window: u64,
    },
    /// The nonce header is not a decimal `uint256`.
    #[error("invalid POLY_NONCE {0:?}: expected a decimal unsigned integer")]
    NonceFormat(String),
    /// The HMAC signature header is not base64 of 32 bytes.
    #[error("invalid POLY_SIGNATURE: expected URL-safe base64 of a 32-byte HMAC-SHA256")]
    HmacFormat,
    /// The HMAC does not match the request.
    #[error("invalid POLY_SIGNATURE: the HMAC does not match the request")]
    HmacMismatch,
    /// The passphrase does not match the API key's.
    #[error("invalid POLY_PASSPHRASE for this API key")]
    Passphrase,
    /// The secret does not match the API key's (the user channel sends it in clear).
    #[error("invalid secret for this API key")]
    SecretMismatch,
    /// The address header is not the API key's address.
    #[error("POLY_ADDRESS {header} is not the address {expected} this API key belongs to")]
    AddressMismatch {
        /// The header's address.
        header: Address,
        /// The key's address.
        expected: Address,
    },
    /// The address header is not an address.
    #[error("invalid POLY_ADDRESS: {0}")]
    Address(#[from] AddressError),
    /// The L1 signature is malformed or was made by another key.
    #[error("invalid L1 signature: {0}")]
    Signature(#[from] SignatureError),
    /// The L1 signature header is not `0x` + 130 hex digits.
    #[error("invalid L1 POLY_SIGNATURE: {0}")]
    SignatureFormat(#[from] SignerError),
}
