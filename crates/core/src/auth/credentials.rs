//! API credentials (`apiKey`, `secret`, `passphrase`) and the decoding of the secret.

use std::fmt;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Serialize};

use super::AuthError;
use crate::types::ApiKey;

/// L2 credentials as `/auth/api-key` and `/auth/derive-api-key` return them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiCredentials {
    /// The API key (the orders' `owner`).
    #[serde(rename = "apiKey")]
    pub api_key: ApiKey,
    /// The HMAC secret, URL-safe base64.
    pub secret: String,
    /// The passphrase sent with every L2 request.
    pub passphrase: String,
}

impl fmt::Debug for ApiCredentials {
    /// Shows the key only; the secret and passphrase are never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiCredentials")
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

/// Standard alphabet, padding optional, trailing bits tolerated (like Python's decoder and `atob`).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Decodes base64 in either alphabet (URL-safe `-_` or standard `+/`), with or without `=`
/// padding, into bytes.
///
/// Decision: the Python client accepts both alphabets but insists on padding; the TypeScript
/// client also drops any character outside the alphabet. We accept both alphabets and optional
/// padding, but refuse other characters: a secret with junk in it is far more likely a paste
/// error than intended.
pub(crate) fn decode_b64_lenient(text: &str) -> Option<Vec<u8>> {
    let mut s = String::with_capacity(text.len());
    for c in text.trim().trim_end_matches('=').chars() {
        s.push(match c {
            '-' => '+',
            '_' => '/',
            'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' => c,
            _ => return None,
        });
    }
    LENIENT.decode(s).ok()
}

/// Decodes an API secret into the HMAC key bytes.
pub fn decode_secret(secret: &str) -> Result<Vec<u8>, AuthError> {
    if secret.trim().is_empty() {
        return Err(AuthError::Secret(
            "it is empty; expected URL-safe base64".into(),
        ));
    }
    match decode_b64_lenient(secret) {
        Some(key) if !key.is_empty() => Ok(key),
        _ => Err(AuthError::Secret(
            "expected base64 (URL-safe `-_` or standard `+/` alphabet, `=` padding optional)"
                .into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_alphabets_and_padding() {
        let zero = vec![0u8; 32];
        assert_eq!(
            decode_secret("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").ok(),
            Some(zero.clone())
        );
        assert_eq!(
            decode_secret("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").ok(),
            Some(zero)
        );
        let a = decode_secret("++/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        let b = decode_secret("--_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        assert!(a.is_ok());
        assert_eq!(a, b);
        assert!(decode_secret("").is_err());
        assert!(decode_secret("AAAA^^AAAA").is_err());
        assert!(decode_secret("A").is_err());
    }

    #[test]
    fn debug_hides_secrets() {
        let c = ApiCredentials {
            api_key: ApiKey::new("k").unwrap_or_else(|_| unreachable!()),
            secret: "s3cr3t".into(),
            passphrase: "pp".into(),
        };
        let d = format!("{c:?}");
        assert!(!d.contains("s3cr3t") && !d.contains("pp\""), "{d}");
    }
}
