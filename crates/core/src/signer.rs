//! ECDSA signatures and the signers that make them.
//!
//! [`Signer`] is synchronous: a local key signs in tens of microseconds and needs no executor.
//! [`AsyncSigner`] is the seam for remote signers (a KMS, a hardware wallet); every [`Signer`] is
//! also an [`AsyncSigner`].

use std::fmt;
use std::future::Future;
use std::str::FromStr;

use alloy_primitives::{Address, B256, hex, keccak256};
use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use secp256k1::{Message, PublicKey, SECP256K1, SecretKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why signing, or reading a key or signature, failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignerError {
    /// The private key text is not 32 bytes of hex.
    #[error(
        "invalid private key: expected 64 hex digits (optionally 0x-prefixed), got {len} characters"
    )]
    KeyFormat {
        /// Length of the rejected text (the key itself is never echoed).
        len: usize,
    },
    /// The 32 bytes are not a valid secp256k1 secret (zero, or not below the curve order).
    #[error("invalid private key: not a valid secp256k1 secret (zero or above the curve order)")]
    KeyRange,
    /// The order names another signer than the key that is asked to sign it.
    #[error(
        "signer does not match: the order's signer is {order_signer} but the key's address is {key}"
    )]
    SignerMismatch {
        /// The order's `signer` field.
        order_signer: Address,
        /// The address of the signing key.
        key: Address,
    },
    /// An order of one protocol version asked to be signed in another version's domain (its
    /// digest would be of the wrong struct).
    #[error("order is a {order} order but the exchange domain is {domain}'s")]
    VersionMismatch {
        /// The order's version.
        order: crate::protocol::ProtocolVersion,
        /// The domain's version.
        domain: crate::protocol::ProtocolVersion,
    },
    /// A POLY_1271 signature for an order that is not a V2 order of a deposit wallet (maker and
    /// signer both the wallet).
    #[error("POLY_1271 orders are V2 orders whose maker and signer are the deposit wallet")]
    Poly1271Order,
    /// A signature string is not `0x` + 130 hex digits.
    #[error("invalid signature {0:?}: expected 0x followed by 130 hex digits (r ‖ s ‖ v)")]
    SignatureFormat(String),
    /// The signature's recovery id cannot be written as v = 27/28 (r overflowed the curve order).
    #[error("signature not representable with v = 27/28 (recovery id above 1)")]
    Unencodable,
    /// A remote signer failed.
    #[error("remote signer failed: {0}")]
    Remote(String),
}

/// A 65-byte recoverable ECDSA signature, `r ‖ s ‖ v` with `v` = 27 or 28 as the clients send it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature(pub [u8; 65]);

impl Signature {
    /// `r`.
    pub fn r(&self) -> &[u8] {
        &self.0[..32]
    }
    /// `s`.
    pub fn s(&self) -> &[u8] {
        &self.0[32..64]
    }
    /// `v` as sent (27/28, or 0/1 from some signers).
    pub const fn v(&self) -> u8 {
        self.0[64]
    }
}

impl fmt::Display for Signature {
    /// `0x` + 130 lower-case hex digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 132];
        buf[0] = b'0';
        buf[1] = b'x';
        // encode_to_slice cannot fail: the output is exactly twice the input.
        let _ = hex::encode_to_slice(self.0, &mut buf[2..]);
        f.write_str(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({self})")
    }
}

impl FromStr for Signature {
    type Err = SignerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let h = s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .unwrap_or(s);
        let mut out = [0u8; 65];
        if h.len() != 130 || hex::decode_to_slice(h, &mut out).is_err() {
            return Err(SignerError::SignatureFormat(s.chars().take(140).collect()));
        }
        Ok(Signature(out))
    }
}

impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Something that signs 32-byte digests for one address, synchronously.
pub trait Signer: Send + Sync {
    /// The address whose key signs.
    fn address(&self) -> Address;
    /// Signs a digest (an EIP-712 signing hash), returning `r ‖ s ‖ v` with v = 27/28.
    fn sign_hash(&self, digest: &B256) -> Result<Signature, SignerError>;
}

/// A signer that answers asynchronously (KMS, HSM, hardware wallet, another process).
pub trait AsyncSigner: Send + Sync {
    /// The address whose key signs.
    fn signer_address(&self) -> Address;
    /// Signs a digest, returning `r ‖ s ‖ v` with v = 27/28.
    fn sign_hash_async(
        &self,
        digest: B256,
    ) -> impl Future<Output = Result<Signature, SignerError>> + Send;
}

impl<T: Signer> AsyncSigner for T {
    fn signer_address(&self) -> Address {
        self.address()
    }
    fn sign_hash_async(
        &self,
        digest: B256,
    ) -> impl Future<Output = Result<Signature, SignerError>> + Send {
        std::future::ready(self.sign_hash(&digest))
    }
}

/// A private key held in memory, signing with libsecp256k1 (deterministic RFC 6979 nonces,
/// low-s, as the official clients' signers do, so signatures are reproducible byte for byte).
#[derive(Clone)]
pub struct LocalSigner {
    key: SecretKey,
    address: Address,
}

impl LocalSigner {
    /// A signer from 32 secret bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<LocalSigner, SignerError> {
        let key = SecretKey::from_byte_array(*bytes).map_err(|_| SignerError::KeyRange)?;
        let address = public_key_address(&PublicKey::from_secret_key(SECP256K1, &key));
        Ok(LocalSigner { key, address })
    }
    /// A signer from hex text (64 digits, `0x` optional, surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<LocalSigner, SignerError> {
        let t = text.trim();
        let h = t
            .strip_prefix("0x")
            .or_else(|| t.strip_prefix("0X"))
            .unwrap_or(t);
        let mut bytes = [0u8; 32];
        if h.len() != 64 || hex::decode_to_slice(h, &mut bytes).is_err() {
            return Err(SignerError::KeyFormat { len: t.len() });
        }
        LocalSigner::from_bytes(&bytes)
    }
}

impl FromStr for LocalSigner {
    type Err = SignerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LocalSigner::from_hex(s)
    }
}

impl fmt::Debug for LocalSigner {
    /// Shows the address only; the key is never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSigner")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl Signer for LocalSigner {
    fn address(&self) -> Address {
        self.address
    }
    fn sign_hash(&self, digest: &B256) -> Result<Signature, SignerError> {
        let msg = Message::from_digest(digest.0);
        let sig = SECP256K1.sign_ecdsa_recoverable(msg, &self.key);
        let (rec, rs) = sig.serialize_compact();
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&rs);
        out[64] = match rec {
            RecoveryId::Zero => 27,
            RecoveryId::One => 28,
            // Ids 2 and 3 need r ≥ n (probability about 2^-127) and have no v = 27/28 encoding.
            _ => return Err(SignerError::Unencodable),
        };
        Ok(Signature(out))
    }
}

/// The Ethereum address of a public key: the last 20 bytes of keccak256 of its 64-byte form.
pub(crate) fn public_key_address(pk: &PublicKey) -> Address {
    let uncompressed = pk.serialize_uncompressed();
    Address::from_slice(&keccak256(&uncompressed[1..])[12..])
}

/// Recovers the address that produced `sig` over `digest` (None if the signature is malformed).
pub(crate) fn recover(digest: &B256, sig: &Signature) -> Option<Address> {
    let rec = match sig.v() {
        0 | 27 => RecoveryId::Zero,
        1 | 28 => RecoveryId::One,
        _ => return None,
    };
    let rs = RecoverableSignature::from_compact(&sig.0[..64], rec).ok()?;
    let pk = SECP256K1
        .recover_ecdsa(Message::from_digest(digest.0), &rs)
        .ok()?;
    Some(public_key_address(&pk))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    const HARDHAT0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    #[test]
    fn key_parsing() {
        let s = LocalSigner::from_hex(HARDHAT0);
        assert_eq!(
            s.as_ref().map(|s| s.address()).ok(),
            Some(address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"))
        );
        assert_eq!(
            LocalSigner::from_hex("0x12").err(),
            Some(SignerError::KeyFormat { len: 4 })
        );
        assert!(matches!(
            LocalSigner::from_hex(&"zz".repeat(32)),
            Err(SignerError::KeyFormat { .. })
        ));
        assert_eq!(
            LocalSigner::from_hex(&"00".repeat(32)).err(),
            Some(SignerError::KeyRange)
        );
        assert_eq!(
            LocalSigner::from_hex(&"ff".repeat(32)).err(),
            Some(SignerError::KeyRange)
        );
        let dbg = format!("{:?}", s);
        assert!(!dbg.contains("ac0974"), "{dbg}");
    }

    #[test]
    fn signature_text() {
        let text = format!("0x{}1b", "ab".repeat(64));
        let sig: Result<Signature, _> = text.parse();
        assert_eq!(sig.as_ref().map(|s| s.to_string()).ok(), Some(text));
        assert_eq!(sig.map(|s| s.v()).ok(), Some(27));
        assert!("0x1234".parse::<Signature>().is_err());
        assert!(
            format!("0x{}", "zz".repeat(65))
                .parse::<Signature>()
                .is_err()
        );
    }

    #[test]
    fn sign_then_recover() {
        let s = LocalSigner::from_hex(HARDHAT0).unwrap();
        let digest = keccak256(b"clobkit");
        let sig = s.sign_hash(&digest);
        assert!(matches!(sig.as_ref().map(|s| s.v()), Ok(27 | 28)));
        if let Ok(sig) = sig {
            assert_eq!(recover(&digest, &sig), Some(s.address()));
            let mut v01 = sig;
            v01.0[64] -= 27;
            assert_eq!(recover(&digest, &v01), Some(s.address()));
            let mut bad = sig;
            bad.0[64] = 29;
            assert_eq!(recover(&digest, &bad), None);
        }
    }
}
