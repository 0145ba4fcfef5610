//! What signs an order: a plain ECDSA signature (signature types 0–2), or, for V2's POLY_1271
//! deposit wallets (type 3), the wallet owner's signature wrapped in the ERC-7739 nested
//! typed-data form that the official V2 clients build (Solady's `TypedDataSign`).
//!
//! The POLY_1271 owner does not sign the order's digest. It signs
//! `keccak256(0x1901 ‖ exchangeDomainSeparator ‖ hashStruct(TypedDataSign))`, where
//! `TypedDataSign(Order contents, string name, string version, uint256 chainId,
//! address verifyingContract, bytes32 salt)` names the order's struct hash, the deposit wallet's
//! own domain (`"DepositWallet"`, `"1"`, the chain, the wallet, a zero salt). The wire signature is
//! `ownerSig(65) ‖ exchangeDomainSeparator(32) ‖ hashStruct(order)(32) ‖ typeString(186) ‖
//! uint16be(186)`: 317 bytes. The order id stays the order's own EIP-712 digest.

use std::fmt;

use alloy_primitives::{B256, U256, hex, keccak256};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{ORDER_TYPE_STRING_V2, Order};
use crate::eip712::{ExchangeDomain, signing_digest};
use crate::signer::Signature;

/// `name` of a deposit wallet's EIP-712 domain.
pub const DEPOSIT_WALLET_NAME: &str = "DepositWallet";
/// `version` of a deposit wallet's EIP-712 domain.
pub const DEPOSIT_WALLET_VERSION: &str = "1";
/// The prefix of the nested type string; the order's type string follows it.
const TYPED_DATA_SIGN: &str = "TypedDataSign(Order contents,string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)";
/// Bytes of a POLY_1271 wire signature.
pub const POLY_1271_LEN: usize = 65 + 32 + 32 + ORDER_TYPE_STRING_V2.len() + 2;

/// A deposit wallet's signature of a V2 order, as its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Poly1271Signature {
    /// The wallet owner's ECDSA signature of [`poly1271_digest`].
    pub owner: Signature,
    /// The exchange's domain separator the wallet signed for (the app domain).
    pub app_domain: B256,
    /// `hashStruct(order)` (the contents).
    pub contents_hash: B256,
}

/// Why bytes are not a POLY_1271 signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Poly1271Error {
    /// Not 317 bytes.
    #[error("a POLY_1271 signature is {POLY_1271_LEN} bytes, got {0}")]
    Length(usize),
    /// The embedded type string or its length is not the V2 order's.
    #[error("the POLY_1271 signature does not carry the V2 order type string")]
    ContentsType,
}

impl Poly1271Signature {
    /// The 317 wire bytes.
    pub fn to_bytes(&self) -> [u8; POLY_1271_LEN] {
        let mut out = [0u8; POLY_1271_LEN];
        let t = ORDER_TYPE_STRING_V2.as_bytes();
        out[..65].copy_from_slice(&self.owner.0);
        out[65..97].copy_from_slice(self.app_domain.as_slice());
        out[97..129].copy_from_slice(self.contents_hash.as_slice());
        out[129..129 + t.len()].copy_from_slice(t);
        out[129 + t.len()..].copy_from_slice(&(t.len() as u16).to_be_bytes());
        out
    }

    /// Reads the wire bytes, checking the embedded type string (the rest is checked against an
    /// order by [`crate::verify`]).
    pub fn from_bytes(b: &[u8]) -> Result<Poly1271Signature, Poly1271Error> {
        if b.len() != POLY_1271_LEN {
            return Err(Poly1271Error::Length(b.len()));
        }
        let t = ORDER_TYPE_STRING_V2.as_bytes();
        if &b[129..129 + t.len()] != t || b[129 + t.len()..] != (t.len() as u16).to_be_bytes() {
            return Err(Poly1271Error::ContentsType);
        }
        let mut owner = [0u8; 65];
        owner.copy_from_slice(&b[..65]);
        Ok(Poly1271Signature {
            owner: Signature(owner),
            app_domain: B256::from_slice(&b[65..97]),
            contents_hash: B256::from_slice(&b[97..129]),
        })
    }
}

/// The digest a deposit wallet's owner signs for `order` (whose `signer` is the wallet) in the
/// exchange `domain`.
pub fn poly1271_digest(domain: &ExchangeDomain, order: &Order) -> B256 {
    let mut type_string = String::with_capacity(TYPED_DATA_SIGN.len() + ORDER_TYPE_STRING_V2.len());
    type_string.push_str(TYPED_DATA_SIGN);
    type_string.push_str(ORDER_TYPE_STRING_V2);
    let mut buf = [0u8; 32 * 7];
    let mut wallet = [0u8; 32];
    wallet[12..].copy_from_slice(order.signer.as_slice());
    let words: [[u8; 32]; 7] = [
        keccak256(type_string.as_bytes()).0,
        order.struct_hash().0,
        keccak256(DEPOSIT_WALLET_NAME).0,
        keccak256(DEPOSIT_WALLET_VERSION).0,
        U256::from(domain.chain_id()).to_be_bytes(),
        wallet,
        [0u8; 32],
    ];
    for (i, w) in words.iter().enumerate() {
        buf[32 * i..32 * (i + 1)].copy_from_slice(w);
    }
    signing_digest(&domain.separator(), &keccak256(buf))
}

/// The signature of a signed order, in the form its signature type uses.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderSignature {
    /// `r ‖ s ‖ v` by the order's signer (EOA, POLY_PROXY, POLY_GNOSIS_SAFE).
    Ecdsa(Signature),
    /// A deposit wallet owner's wrapped signature (POLY_1271, V2 only).
    Poly1271(Poly1271Signature),
}

impl OrderSignature {
    /// The ECDSA signature inside: the signer's, or the deposit wallet owner's.
    pub const fn ecdsa(&self) -> &Signature {
        match self {
            OrderSignature::Ecdsa(s) => s,
            OrderSignature::Poly1271(p) => &p.owner,
        }
    }
}

impl From<Signature> for OrderSignature {
    fn from(s: Signature) -> OrderSignature {
        OrderSignature::Ecdsa(s)
    }
}

impl fmt::Display for OrderSignature {
    /// `0x` + lower-case hex of the wire bytes (130 digits, or 634 for POLY_1271).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OrderSignature::Ecdsa(s) => fmt::Display::fmt(s, f),
            OrderSignature::Poly1271(p) => write!(f, "0x{}", hex::encode(p.to_bytes())),
        }
    }
}

impl fmt::Debug for OrderSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OrderSignature({self})")
    }
}

/// Text that is not an order signature (the text is shown cut to 140 characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderSignatureError {
    /// 130 hex digits that are not an ECDSA signature.
    #[error("{0}")]
    Ecdsa(#[from] crate::signer::SignerError),
    /// Not hexadecimal.
    #[error("invalid signature {0:?}: not hex")]
    NotHex(String),
    /// Hex of a length or layout no signature has.
    #[error(
        "invalid signature {shown:?}: expected 65 bytes (r ‖ s ‖ v) or a POLY_1271 signature ({why})"
    )]
    Form {
        /// The text given.
        shown: String,
        /// Why it is not a POLY_1271 signature either.
        why: Poly1271Error,
    },
}

impl std::str::FromStr for OrderSignature {
    type Err = OrderSignatureError;
    /// 65 bytes are an ECDSA signature, 317 a POLY_1271 one; anything else is refused.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let h = s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .unwrap_or(s);
        if h.len() == 130 {
            return Ok(OrderSignature::Ecdsa(s.parse()?));
        }
        let shown = || s.chars().take(140).collect::<String>();
        let bytes = hex::decode(h).map_err(|_| OrderSignatureError::NotHex(shown()))?;
        Poly1271Signature::from_bytes(&bytes)
            .map(OrderSignature::Poly1271)
            .map_err(|why| OrderSignatureError::Form {
                shown: shown(),
                why,
            })
    }
}

impl Serialize for OrderSignature {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for OrderSignature {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each malformed signature says what was wrong and what was expected.
    #[test]
    fn malformed_signatures_say_why() {
        let parse = |t: &str| t.parse::<OrderSignature>();
        assert!(matches!(parse("0xzz"), Err(OrderSignatureError::NotHex(_))));
        assert!(matches!(
            parse(&format!("0x{}", "ab".repeat(66))),
            Err(OrderSignatureError::Form {
                why: Poly1271Error::Length(66),
                ..
            })
        ));
        let wrong_type = format!("0x{}", "00".repeat(POLY_1271_LEN));
        let e = parse(&wrong_type).unwrap_err();
        assert_eq!(
            e,
            OrderSignatureError::Form {
                shown: wrong_type.chars().take(140).collect(),
                why: Poly1271Error::ContentsType
            }
        );
        assert!(
            e.to_string()
                .contains("expected 65 bytes (r ‖ s ‖ v) or a POLY_1271 signature")
        );
        // a well-formed wrapper round-trips through its text
        let p = Poly1271Signature {
            owner: Signature([7; 65]),
            app_domain: B256::repeat_byte(1),
            contents_hash: B256::repeat_byte(2),
        };
        let text = OrderSignature::Poly1271(p).to_string();
        assert_eq!(text.len(), 2 + 2 * POLY_1271_LEN);
        assert_eq!(parse(&text), Ok(OrderSignature::Poly1271(p)));
    }
}
