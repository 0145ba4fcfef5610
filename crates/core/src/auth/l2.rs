//! L2 authentication: HMAC-SHA256 over `timestamp ‖ METHOD ‖ path ‖ body`.
//!
//! * `path` is the endpoint path only (`/order`, `/data/order/0x…`): never the query string.
//! * `body` is the exact bytes sent, appended only when non-empty.
//! * The signature is URL-safe base64 **with** `=` padding (44 characters).
//!
//! [`L2Auth`] decodes the secret and keys the HMAC once; each request clones the keyed state, so
//! the secret is never re-decoded and the key block never re-hashed.

use std::fmt;

use alloy_primitives::Address;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::credentials::decode_b64_lenient;
use super::{
    ApiCredentials, AuthError, POLY_ADDRESS, POLY_API_KEY, POLY_PASSPHRASE, POLY_SIGNATURE,
    POLY_TIMESTAMP, decode_secret,
};

type HmacSha256 = Hmac<Sha256>;

/// An API key ready to sign (client) or verify (exchange) L2 requests.
#[derive(Clone)]
pub struct L2Auth {
    creds: ApiCredentials,
    address: Address,
    address_text: String,
    keyed: HmacSha256,
}

impl fmt::Debug for L2Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("L2Auth")
            .field("api_key", &self.creds.api_key)
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

/// The five L2 headers of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L2Headers<'a> {
    /// `POLY_ADDRESS`: the signer's checksummed address.
    pub address: &'a str,
    /// `POLY_SIGNATURE`: the HMAC, URL-safe base64 with padding.
    pub signature: String,
    /// `POLY_TIMESTAMP`: unix seconds.
    pub timestamp: String,
    /// `POLY_API_KEY`.
    pub api_key: &'a str,
    /// `POLY_PASSPHRASE`.
    pub passphrase: &'a str,
}

impl L2Headers<'_> {
    /// `(name, value)` pairs, in the order the official clients send them.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            (POLY_ADDRESS, self.address),
            (POLY_SIGNATURE, self.signature.as_str()),
            (POLY_TIMESTAMP, self.timestamp.as_str()),
            (POLY_API_KEY, self.api_key),
            (POLY_PASSPHRASE, self.passphrase),
        ]
        .into_iter()
    }
}

impl L2Auth {
    /// Prepares `creds`, which belong to the wallet `address`. Fails on an undecodable secret.
    pub fn new(creds: ApiCredentials, address: Address) -> Result<L2Auth, AuthError> {
        let key = decode_secret(&creds.secret)?;
        let keyed = HmacSha256::new_from_slice(&key)
            .map_err(|_| AuthError::Secret("unusable key length".into()))?;
        Ok(L2Auth {
            creds,
            address,
            address_text: address.to_checksum(None),
            keyed,
        })
    }
    /// The credentials.
    pub fn credentials(&self) -> &ApiCredentials {
        &self.creds
    }
    /// The wallet address the key belongs to.
    pub fn address(&self) -> Address {
        self.address
    }

    fn mac(&self, timestamp: &str, method: &str, path: &str, body: &[u8]) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(timestamp.as_bytes());
        mac.update(method.as_bytes());
        mac.update(path.as_bytes());
        mac.update(body);
        mac
    }

    /// The `POLY_SIGNATURE` of a request (`body` empty when there is none).
    pub fn signature(&self, timestamp: &str, method: &str, path: &str, body: &[u8]) -> String {
        URL_SAFE.encode(
            self.mac(timestamp, method, path, body)
                .finalize()
                .into_bytes(),
        )
    }

    /// The five headers of a request at `timestamp` (unix seconds).
    pub fn headers(&self, timestamp: u64, method: &str, path: &str, body: &[u8]) -> L2Headers<'_> {
        let ts = timestamp.to_string();
        L2Headers {
            address: &self.address_text,
            signature: self.signature(&ts, method, path, body),
            timestamp: ts,
            api_key: self.creds.api_key.as_str(),
            passphrase: &self.creds.passphrase,
        }
    }

    /// Verifies a request's HMAC in constant time.
    ///
    /// The Python client signs its body with every `'` replaced by `"` (the bytes it sends are
    /// unchanged), so when the raw body does not verify and contains an apostrophe, the replaced
    /// form is tried too.
    pub fn verify(
        &self,
        timestamp: &str,
        method: &str,
        path: &str,
        body: &[u8],
        signature: &str,
    ) -> Result<(), AuthError> {
        let provided = decode_b64_lenient(signature)
            .filter(|b| b.len() == 32)
            .ok_or(AuthError::HmacFormat)?;
        if self
            .mac(timestamp, method, path, body)
            .verify_slice(&provided)
            .is_ok()
        {
            return Ok(());
        }
        if body.contains(&b'\'') {
            let replaced: Vec<u8> = body
                .iter()
                .map(|&b| if b == b'\'' { b'"' } else { b })
                .collect();
            if self
                .mac(timestamp, method, path, &replaced)
                .verify_slice(&provided)
                .is_ok()
            {
                return Ok(());
            }
        }
        Err(AuthError::HmacMismatch)
    }

    /// Checks the passphrase in constant time.
    pub fn verify_passphrase(&self, passphrase: &str) -> Result<(), AuthError> {
        same_secret(&self.creds.passphrase, passphrase)
            .then_some(())
            .ok_or(AuthError::Passphrase)
    }

    /// Checks the secret in constant time: the user channel's subscription carries the
    /// credentials in clear instead of an HMAC.
    pub fn verify_secret(&self, secret: &str) -> Result<(), AuthError> {
        same_secret(&self.creds.secret, secret)
            .then_some(())
            .ok_or(AuthError::SecretMismatch)
    }
}

/// Compares two secrets in time that depends on their lengths only.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut diff = u8::from(a.len() != b.len());
    for (x, y) in a.iter().zip(b.iter()) {
        diff |= x ^ y;
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ApiKey;
    use alloy_primitives::address;

    fn auth(secret: &str) -> L2Auth {
        let creds = ApiCredentials {
            api_key: ApiKey::new("000000000-0000-0000-0000-000000000000").unwrap(),
            secret: secret.into(),
            passphrase: "a".repeat(64),
        };
        L2Auth::new(
            creds,
            address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
        )
        .unwrap()
    }
    const ZERO: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    /// protocol.md §8.2
    #[test]
    fn reference_vectors() {
        let a = auth(ZERO);
        let rows: &[(&str, &str, &str, &str, &str)] = &[
            (
                "1000000",
                "test-sign",
                "/orders",
                r#"{"hash": "0x123"}"#,
                "ZwAdJKvoYRlEKDkNMwd5BuwNNtg93kNaR_oU2HrfVvc=",
            ),
            (
                "1",
                "GET",
                "/",
                "",
                "eHaylCwqRSOa2LFD77Nt_SaTpbsxzN8eTEI3LryhEj4=",
            ),
            (
                "1000000",
                "GET",
                "/data/orders",
                "",
                "9-I3DmVY9ObJ6EVf_KvrHpUWMOQJXiAjR5z7fO8qnPw=",
            ),
            (
                "1700000000",
                "DELETE",
                "/order",
                r#"{"orderID":"0xab4e69efe3068f9ba4fe0070599c64e484119777062f96d2b255bf1ea3d38d25"}"#,
                "O7bn1PQHQH_keWrNMANls82nKCUKG2NYfkCrCclc1tc=",
            ),
            (
                "1700000000",
                "GET",
                "/data/order/0xab4e69efe3068f9ba4fe0070599c64e484119777062f96d2b255bf1ea3d38d25",
                "",
                "JcqYmnXrQVDvEP5LydlahP25MWdYRcV1AL78PGRI96Y=",
            ),
            (
                "1700000000",
                "POST",
                "/v1/heartbeats",
                r#"{"heartbeat_id":null}"#,
                "qvnkQS_4GzErcw8gQUjidnM6V5zGRecrRO71VUMiGtU=",
            ),
        ];
        for &(ts, m, p, b, sig) in rows {
            assert_eq!(a.signature(ts, m, p, b.as_bytes()), sig, "{m} {p}");
            assert_eq!(a.verify(ts, m, p, b.as_bytes(), sig), Ok(()));
        }
        let tolerant = auth("++/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        assert_eq!(
            tolerant.signature("1000000", "test-sign", "/orders", br#"{"hash": "0x123"}"#),
            "HNo0ctLa8EfeOxYf0wiNci4JqCwLiVWsubxySKwD1cs="
        );
    }

    #[test]
    fn headers_and_failures() {
        let a = auth(ZERO);
        let h = a.headers(
            1700000000,
            "POST",
            "/v1/heartbeats",
            br#"{"heartbeat_id":null}"#,
        );
        let v: Vec<_> = h.iter().collect();
        assert_eq!(
            v[0],
            ("POLY_ADDRESS", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        );
        assert_eq!(
            v[1],
            (
                "POLY_SIGNATURE",
                "qvnkQS_4GzErcw8gQUjidnM6V5zGRecrRO71VUMiGtU="
            )
        );
        assert_eq!(v[2], ("POLY_TIMESTAMP", "1700000000"));
        assert_eq!(v[3].0, "POLY_API_KEY");
        assert_eq!(v[4], ("POLY_PASSPHRASE", "a".repeat(64).as_str()));
        // tampered body, wrong method, garbage signature
        assert_eq!(
            a.verify("1700000000", "POST", "/v1/heartbeats", b"{}", &h.signature),
            Err(AuthError::HmacMismatch)
        );
        assert_eq!(
            a.verify(
                "1700000000",
                "GET",
                "/v1/heartbeats",
                br#"{"heartbeat_id":null}"#,
                &h.signature
            ),
            Err(AuthError::HmacMismatch)
        );
        assert_eq!(
            a.verify("1", "GET", "/", b"", "nope"),
            Err(AuthError::HmacFormat)
        );
        assert_eq!(a.verify_passphrase(&"a".repeat(64)), Ok(()));
        assert_eq!(a.verify_passphrase("a"), Err(AuthError::Passphrase));
    }

    /// Python signs `'`→`"` but sends the raw body; TS signs the raw body. Both verify.
    #[test]
    fn apostrophe_quirk() {
        let a = auth(ZERO);
        let raw = br#"{"note":"it's"}"#;
        let python_signed = a.signature("5", "POST", "/order", br#"{"note":"it"s"}"#);
        let ts_signed = a.signature("5", "POST", "/order", raw);
        assert_ne!(python_signed, ts_signed);
        assert_eq!(a.verify("5", "POST", "/order", raw, &python_signed), Ok(()));
        assert_eq!(a.verify("5", "POST", "/order", raw, &ts_signed), Ok(()));
    }
}
