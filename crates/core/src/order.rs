//! The CTF Exchange order: what is signed, and its JSON wire form.

use std::borrow::Cow;
use std::fmt;

use alloy_primitives::{Address, U256};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use crate::amounts::OrderAmounts;
use crate::eip712::ExchangeDomain;
use crate::signer::{Signature, Signer, SignerError};
use crate::types::{OrderId, Side, SignatureType, TokenId};

/// An order exactly as the CTF Exchange hashes it (field order is the EIP-712 struct order).
///
/// All `uint256` fields are kept as `U256` so that an order received from any client hashes to
/// the digest that client signed, whatever values it chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Order {
    /// Random entropy that makes otherwise equal orders distinct.
    pub salt: U256,
    /// The funder: holds the funds (the signer, its proxy wallet or its Safe).
    pub maker: Address,
    /// The EOA that signs.
    pub signer: Address,
    /// Zero for a public order, else the only address allowed to fill it.
    pub taker: Address,
    /// The outcome token traded.
    pub token_id: TokenId,
    /// What the maker gives, in base units (USDC for a BUY, shares for a SELL).
    pub maker_amount: U256,
    /// What the maker receives, in base units.
    pub taker_amount: U256,
    /// Unix seconds after which the order is void; 0 for none.
    pub expiration: U256,
    /// The maker's exchange nonce (on-chain cancellation of every order with a lower nonce).
    pub nonce: U256,
    /// Fee rate in basis points (the market's `base_fee`; at most 1000 on-chain).
    pub fee_rate_bps: U256,
    /// BUY or SELL.
    pub side: Side,
    /// How `maker` relates to `signer`.
    pub signature_type: SignatureType,
}

impl Order {
    /// A public order (zero taker, no expiration, nonce 0, no fee) for the given amounts.
    pub fn new(
        salt: u64,
        maker: Address,
        signer: Address,
        token_id: TokenId,
        amounts: OrderAmounts,
        signature_type: SignatureType,
    ) -> Order {
        Order {
            salt: U256::from(salt),
            maker,
            signer,
            taker: Address::ZERO,
            token_id,
            maker_amount: U256::from(amounts.maker),
            taker_amount: U256::from(amounts.taker),
            expiration: U256::ZERO,
            nonce: U256::ZERO,
            fee_rate_bps: U256::ZERO,
            side: amounts.side,
            signature_type,
        }
    }
    /// Sets the expiration (unix seconds; 0 = none).
    pub fn with_expiration(mut self, expiration: u64) -> Order {
        self.expiration = U256::from(expiration);
        self
    }
    /// Sets the exchange nonce.
    pub fn with_nonce(mut self, nonce: U256) -> Order {
        self.nonce = nonce;
        self
    }
    /// Sets the fee rate in basis points.
    pub fn with_fee_rate_bps(mut self, bps: u64) -> Order {
        self.fee_rate_bps = U256::from(bps);
        self
    }
    /// Sets the only taker allowed (zero for public).
    pub fn with_taker(mut self, taker: Address) -> Order {
        self.taker = taker;
        self
    }
    /// The maker amount, if it fits in `u64` base units.
    pub fn maker_amount_u64(&self) -> Option<u64> {
        u64::try_from(self.maker_amount).ok()
    }
    /// The taker amount, if it fits in `u64` base units.
    pub fn taker_amount_u64(&self) -> Option<u64> {
        u64::try_from(self.taker_amount).ok()
    }
    /// Signs the order in `domain`. Fails if `signer` is not the order's `signer` field.
    pub fn sign<S: Signer + ?Sized>(
        self,
        domain: &ExchangeDomain,
        signer: &S,
    ) -> Result<SignedOrder, SignerError> {
        let address = signer.address();
        if address != self.signer {
            return Err(SignerError::SignerMismatch {
                order_signer: self.signer,
                key: address,
            });
        }
        let signature = signer.sign_hash(&domain.order_digest(&self))?;
        Ok(SignedOrder {
            order: self,
            signature,
        })
    }
}

/// An order with its signature: the `order` object of `POST /order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignedOrder {
    /// The signed fields.
    pub order: Order,
    /// The signer's ECDSA signature over the order digest.
    pub signature: Signature,
}

impl SignedOrder {
    /// The order id in `domain` (the EIP-712 digest).
    pub fn id(&self, domain: &ExchangeDomain) -> OrderId {
        domain.order_id(&self.order)
    }
}

/// Keys of the order object, in the order the Python client sends them.
const FIELDS: &[&str] = &[
    "salt",
    "maker",
    "signer",
    "taker",
    "tokenId",
    "makerAmount",
    "takerAmount",
    "expiration",
    "nonce",
    "feeRateBps",
    "side",
    "signatureType",
    "signature",
];

/// A `U256` as a JSON number where it fits `u64`/`u128` (the `salt`), else as a string.
struct SaltNumber(U256);

impl Serialize for SaltNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Ok(v) = u64::try_from(self.0) {
            s.serialize_u64(v)
        } else if let Ok(v) = u128::try_from(self.0) {
            s.serialize_u128(v)
        } else {
            s.collect_str(&self.0)
        }
    }
}

struct DecU256<'a>(&'a U256);

impl Serialize for DecU256<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

impl Serialize for SignedOrder {
    /// The Python client's form: every `uint256` a decimal string except `salt` (a JSON number),
    /// `side` as `"BUY"`/`"SELL"`, `signatureType` a number, addresses EIP-55 checksummed.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let o = &self.order;
        let mut st = s.serialize_struct("Order", FIELDS.len())?;
        st.serialize_field("salt", &SaltNumber(o.salt))?;
        st.serialize_field("maker", &o.maker.to_checksum(None))?;
        st.serialize_field("signer", &o.signer.to_checksum(None))?;
        st.serialize_field("taker", &o.taker.to_checksum(None))?;
        st.serialize_field("tokenId", &o.token_id)?;
        st.serialize_field("makerAmount", &DecU256(&o.maker_amount))?;
        st.serialize_field("takerAmount", &DecU256(&o.taker_amount))?;
        st.serialize_field("expiration", &DecU256(&o.expiration))?;
        st.serialize_field("nonce", &DecU256(&o.nonce))?;
        st.serialize_field("feeRateBps", &DecU256(&o.fee_rate_bps))?;
        st.serialize_field("side", &o.side)?;
        st.serialize_field("signatureType", &o.signature_type)?;
        st.serialize_field("signature", &self.signature)?;
        st.end()
    }
}

/// Parses a `uint256` given as a decimal string or a JSON integer (never through a float).
fn parse_u256<E: de::Error>(field: &'static str, v: &serde_json::Value) -> Result<U256, E> {
    let bad = || {
        E::custom(format!(
            "invalid {field} {v}: expected an unsigned integer (decimal string or JSON integer)"
        ))
    };
    match v {
        serde_json::Value::String(s) => {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            U256::from_str_radix(s, 10).map_err(|_| bad())
        }
        serde_json::Value::Number(n) => n.as_u64().map(U256::from).ok_or_else(bad),
        _ => Err(bad()),
    }
}

fn parse_address<E: de::Error>(field: &'static str, v: &serde_json::Value) -> Result<Address, E> {
    let s = v
        .as_str()
        .ok_or_else(|| E::custom(format!("invalid {field}: expected a 0x address string")))?;
    crate::verify::parse_address(s).map_err(|e| E::custom(format!("invalid {field}: {e}")))
}

impl<'de> Deserialize<'de> for SignedOrder {
    /// Accepts either client's key order, keys in any letter case (the Go server matches keys
    /// case-insensitively), unknown keys ignored; `salt` as a JSON integer or decimal string;
    /// addresses in any case (a mixed-case address must carry a valid EIP-55 checksum).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SignedOrder;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a signed order object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SignedOrder, A::Error> {
                let mut vals: [Option<serde_json::Value>; 13] = Default::default();
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    match FIELDS.iter().position(|f| f.eq_ignore_ascii_case(&key)) {
                        Some(i) => vals[i] = Some(map.next_value()?),
                        None => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                let get = |i: usize| {
                    vals[i]
                        .as_ref()
                        .ok_or_else(|| de::Error::missing_field(FIELDS[i]))
                };
                let side = match get(10)? {
                    serde_json::Value::String(s) => s.parse::<Side>().map_err(de::Error::custom)?,
                    serde_json::Value::Number(n) => n
                        .as_u64()
                        .and_then(|v| u8::try_from(v).ok())
                        .and_then(Side::from_u8)
                        .ok_or_else(|| de::Error::custom("invalid side: expected BUY or SELL"))?,
                    _ => return Err(de::Error::custom("invalid side: expected BUY or SELL")),
                };
                let signature_type = match get(11)? {
                    serde_json::Value::Number(n) => n.as_u64(),
                    serde_json::Value::String(s) => s.parse().ok(),
                    _ => None,
                }
                .and_then(|v| u8::try_from(v).ok())
                .and_then(SignatureType::from_u8)
                .ok_or_else(|| de::Error::custom("invalid signatureType: expected 0, 1 or 2"))?;
                let signature = get(12)?
                    .as_str()
                    .ok_or_else(|| {
                        de::Error::custom("invalid signature: expected a 0x hex string")
                    })?
                    .parse::<Signature>()
                    .map_err(de::Error::custom)?;
                let token = parse_u256("tokenId", get(4)?)?;
                let order = Order {
                    salt: parse_u256("salt", get(0)?)?,
                    maker: parse_address("maker", get(1)?)?,
                    signer: parse_address("signer", get(2)?)?,
                    taker: match vals[3].as_ref() {
                        Some(v) => parse_address("taker", v)?,
                        None => Address::ZERO,
                    },
                    token_id: TokenId(token),
                    maker_amount: parse_u256("makerAmount", get(5)?)?,
                    taker_amount: parse_u256("takerAmount", get(6)?)?,
                    expiration: match vals[7].as_ref() {
                        Some(v) => parse_u256("expiration", v)?,
                        None => U256::ZERO,
                    },
                    nonce: match vals[8].as_ref() {
                        Some(v) => parse_u256("nonce", v)?,
                        None => U256::ZERO,
                    },
                    fee_rate_bps: match vals[9].as_ref() {
                        Some(v) => parse_u256("feeRateBps", v)?,
                        None => U256::ZERO,
                    },
                    side,
                    signature_type,
                };
                Ok(SignedOrder { order, signature })
            }
        }
        d.deserialize_map(V)
    }
}
