//! L1 authentication: the `ClobAuth` EIP-712 signature in four headers.

use alloy_primitives::{Address, U256};

use super::{AuthError, POLY_ADDRESS, POLY_NONCE, POLY_SIGNATURE, POLY_TIMESTAMP};
use crate::eip712::{ClobAuth, ClobAuthDomain};
use crate::signer::{Signature, Signer, SignerError};
use crate::types::parse_address;
use crate::verify::verify_signer;

/// The four L1 headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L1Headers {
    /// `POLY_ADDRESS`: the signer's checksummed address.
    pub address: String,
    /// `POLY_SIGNATURE`: `0x` + 130 hex.
    pub signature: String,
    /// `POLY_TIMESTAMP`: unix seconds.
    pub timestamp: String,
    /// `POLY_NONCE`: decimal.
    pub nonce: String,
}

impl L1Headers {
    /// `(name, value)` pairs, in the order the official clients send them.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            (POLY_ADDRESS, self.address.as_str()),
            (POLY_SIGNATURE, self.signature.as_str()),
            (POLY_TIMESTAMP, self.timestamp.as_str()),
            (POLY_NONCE, self.nonce.as_str()),
        ]
        .into_iter()
    }
}

/// Signs a `ClobAuth` for `timestamp` and `nonce` and returns the headers.
pub fn l1_headers<S: Signer + ?Sized>(
    signer: &S,
    domain: &ClobAuthDomain,
    timestamp: u64,
    nonce: U256,
) -> Result<L1Headers, SignerError> {
    let ts = timestamp.to_string();
    let address = signer.address();
    let digest = domain.digest(&ClobAuth {
        address,
        timestamp: &ts,
        nonce,
    });
    let sig = signer.sign_hash(&digest)?;
    Ok(L1Headers {
        address: address.to_checksum(None),
        signature: sig.to_string(),
        timestamp: ts,
        nonce: nonce.to_string(),
    })
}

/// Verifies L1 headers: rebuilds the digest from them, recovers the key, and compares it with
/// `POLY_ADDRESS`. A missing nonce means `0`. Returns the authenticated address and the nonce.
///
/// The timestamp's freshness is the caller's to check ([`super::check_timestamp`]); here it is
/// only the signed string.
pub fn verify_l1(
    domain: &ClobAuthDomain,
    address: &str,
    signature: &str,
    timestamp: &str,
    nonce: Option<&str>,
) -> Result<(Address, U256), AuthError> {
    let address = parse_address(address)?;
    let nonce = match nonce.map(str::trim) {
        None | Some("") => U256::ZERO,
        Some(n) if n.bytes().all(|b| b.is_ascii_digit()) => {
            U256::from_str_radix(n, 10).map_err(|_| AuthError::NonceFormat(n.to_owned()))?
        }
        Some(n) => return Err(AuthError::NonceFormat(n.to_owned())),
    };
    let sig: Signature = signature.parse()?;
    let digest = domain.digest(&ClobAuth {
        address,
        timestamp,
        nonce,
    });
    verify_signer(&digest, &sig, address)?;
    Ok((address, nonce))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signer::LocalSigner;
    use crate::verify::SignatureError;

    const HARDHAT0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    /// protocol.md §8.1
    #[test]
    fn reference_signatures() {
        let s = LocalSigner::from_hex(HARDHAT0).unwrap();
        let rows: &[(u64, u64, u64, &str)] = &[
            (
                80002,
                10000000,
                23,
                "0xf62319a987514da40e57e2f4d7529f7bac38f0355bd88bb5adbb3768d80de6c1682518e0af677d5260366425f4361e7b70c25ae232aff0ab2331e2b164a1aedc1b",
            ),
            (
                137,
                1700000000,
                0,
                "0x659ed4b28ae28e0f038fdf0023c00863c9559caacb9ebc83f44eea87059a099a36f1e1dee110e7faa1c4f65d17489b2da1333ebef78bbe2116d81207b975052d1c",
            ),
            (
                80002,
                1700000000,
                0,
                "0xd5b20a55fe51f11c940c58e655bab4f75f22d5e182b8cc8d61f428940c72f6f02025751a47308c46c07fbf48ad31a3e79a06c9d339c7de674368a7253c6c50631b",
            ),
            (
                137,
                10000000,
                23,
                "0x1a7118db6100dfd8efd102be36f472b59475dcac56eb4c9a2a94748d3655ba7c3c89deb8c19ee79eceb0a531122fbfbe88ed118034f9d8212e2b725e7b296b9d1c",
            ),
        ];
        for &(chain, ts, nonce, sig) in rows {
            let d = ClobAuthDomain::new(chain);
            let h = l1_headers(&s, &d, ts, U256::from(nonce)).unwrap();
            assert_eq!(h.signature, sig);
            assert_eq!(h.address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
            let ok = verify_l1(&d, &h.address, &h.signature, &h.timestamp, Some(&h.nonce));
            assert_eq!(ok, Ok((s.address(), U256::from(nonce))));
        }
    }

    #[test]
    fn rejects_tampering() {
        let s = LocalSigner::from_hex(HARDHAT0).unwrap();
        let d = ClobAuthDomain::new(137);
        let h = l1_headers(&s, &d, 1700000000, U256::ZERO).unwrap();
        // another timestamp, another nonce, another chain, another address
        assert!(matches!(
            verify_l1(&d, &h.address, &h.signature, "1700000001", None),
            Err(AuthError::Signature(SignatureError::WrongSigner { .. }))
        ));
        assert!(matches!(
            verify_l1(&d, &h.address, &h.signature, &h.timestamp, Some("1")),
            Err(AuthError::Signature(_))
        ));
        assert!(
            verify_l1(
                &ClobAuthDomain::new(80002),
                &h.address,
                &h.signature,
                &h.timestamp,
                None
            )
            .is_err()
        );
        assert!(
            verify_l1(
                &d,
                "0x0000000000000000000000000000000000000001",
                &h.signature,
                &h.timestamp,
                None
            )
            .is_err()
        );
        assert!(matches!(
            verify_l1(&d, &h.address, "0x12", &h.timestamp, None),
            Err(AuthError::SignatureFormat(_))
        ));
        assert!(matches!(
            verify_l1(&d, &h.address, &h.signature, &h.timestamp, Some("-1")),
            Err(AuthError::NonceFormat(_))
        ));
        assert_eq!(
            verify_l1(&d, &h.address, &h.signature, &h.timestamp, Some("0")).map(|r| r.0),
            Ok(s.address())
        );
    }
}
