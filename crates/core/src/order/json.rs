//! The JSON form of a signed order: the `order` object of `POST /order`.
//!
//! Serialization writes the Python client's form of the order's protocol version. Deserialization
//! accepts what either official client (and the Go exchange) accepts: keys in any order and letter
//! case, unknown keys ignored, `uint256` fields as decimal strings or JSON integers (never through a
//! float), `side` as `"BUY"`/`"SELL"` or 0/1, `signatureType` as a number or a decimal string.
//! Each field is parsed straight into its type as it is read: no intermediate JSON tree.
//!
//! **The version is read from the keys**: `timestamp`, `metadata` or `builder` make a V2 order;
//! `taker`, `nonce` or `feeRateBps` a V1 order; an object with keys of both is refused. An object
//! with neither is a V1 order (V1 clients may leave out the fields that default to zero; every V2
//! client sends all three V2 keys).

use std::borrow::Cow;
use std::fmt;

use alloy_primitives::{Address, B256, U256};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use super::OrderSignature;
use super::{Order, OrderVersion, SignedOrder};
use crate::protocol::ProtocolVersion;
use crate::types::{Side, SignatureType, TokenId, parse_address};

/// The keys of the order object, in the order the Python client sends them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Salt,
    Maker,
    Signer,
    Taker,
    TokenId,
    MakerAmount,
    TakerAmount,
    Expiration,
    Nonce,
    FeeRateBps,
    Side,
    SignatureType,
    Timestamp,
    Metadata,
    Builder,
    Signature,
}

impl Field {
    const ALL: [Field; 16] = [
        Field::Salt,
        Field::Maker,
        Field::Signer,
        Field::Taker,
        Field::TokenId,
        Field::MakerAmount,
        Field::TakerAmount,
        Field::Expiration,
        Field::Nonce,
        Field::FeeRateBps,
        Field::Side,
        Field::SignatureType,
        Field::Timestamp,
        Field::Metadata,
        Field::Builder,
        Field::Signature,
    ];

    /// The key as the clients write it.
    const fn key(self) -> &'static str {
        match self {
            Field::Salt => "salt",
            Field::Maker => "maker",
            Field::Signer => "signer",
            Field::Taker => "taker",
            Field::TokenId => "tokenId",
            Field::MakerAmount => "makerAmount",
            Field::TakerAmount => "takerAmount",
            Field::Expiration => "expiration",
            Field::Nonce => "nonce",
            Field::FeeRateBps => "feeRateBps",
            Field::Side => "side",
            Field::SignatureType => "signatureType",
            Field::Timestamp => "timestamp",
            Field::Metadata => "metadata",
            Field::Builder => "builder",
            Field::Signature => "signature",
        }
    }

    /// The protocol version whose orders alone carry this key (`None`: both carry it).
    const fn only_in(self) -> Option<ProtocolVersion> {
        match self {
            Field::Taker | Field::Nonce | Field::FeeRateBps => Some(ProtocolVersion::V1),
            Field::Timestamp | Field::Metadata | Field::Builder => Some(ProtocolVersion::V2),
            _ => None,
        }
    }

    /// The field a key names, ignoring letter case (the Go server matches keys that way).
    fn of(key: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|f| f.key().eq_ignore_ascii_case(key))
    }
}

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

/// A `U256` as a decimal string.
struct DecU256<'a>(&'a U256);

impl Serialize for DecU256<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

impl Serialize for SignedOrder {
    /// The Python client's form of the order's version: every `uint256` a decimal string except
    /// `salt` (a JSON number), `side` as `"BUY"`/`"SELL"`, `signatureType` a number, addresses
    /// EIP-55 checksummed, V2's `metadata` and `builder` as `0x` + 64 hex digits. Keys in the
    /// Python client's order (V1: the struct's; V2: `expiration` after `side`).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let o = &self.order;
        let mut st = s.serialize_struct("Order", 13)?;
        st.serialize_field(Field::Salt.key(), &SaltNumber(o.salt))?;
        st.serialize_field(Field::Maker.key(), &o.maker.to_checksum(None))?;
        st.serialize_field(Field::Signer.key(), &o.signer.to_checksum(None))?;
        match &o.version {
            OrderVersion::V1 {
                taker,
                nonce,
                fee_rate_bps,
            } => {
                st.serialize_field(Field::Taker.key(), &taker.to_checksum(None))?;
                st.serialize_field(Field::TokenId.key(), &o.token_id)?;
                st.serialize_field(Field::MakerAmount.key(), &DecU256(&o.maker_amount))?;
                st.serialize_field(Field::TakerAmount.key(), &DecU256(&o.taker_amount))?;
                st.serialize_field(Field::Expiration.key(), &DecU256(&o.expiration))?;
                st.serialize_field(Field::Nonce.key(), &DecU256(nonce))?;
                st.serialize_field(Field::FeeRateBps.key(), &DecU256(fee_rate_bps))?;
                st.serialize_field(Field::Side.key(), &o.side)?;
                st.serialize_field(Field::SignatureType.key(), &o.signature_type)?;
            }
            OrderVersion::V2 {
                timestamp,
                metadata,
                builder,
            } => {
                st.serialize_field(Field::TokenId.key(), &o.token_id)?;
                st.serialize_field(Field::MakerAmount.key(), &DecU256(&o.maker_amount))?;
                st.serialize_field(Field::TakerAmount.key(), &DecU256(&o.taker_amount))?;
                st.serialize_field(Field::Side.key(), &o.side)?;
                st.serialize_field(Field::Expiration.key(), &DecU256(&o.expiration))?;
                st.serialize_field(Field::SignatureType.key(), &o.signature_type)?;
                st.serialize_field(Field::Timestamp.key(), &DecU256(timestamp))?;
                st.serialize_field(Field::Metadata.key(), metadata)?;
                st.serialize_field(Field::Builder.key(), builder)?;
            }
        }
        st.serialize_field(Field::Signature.key(), &self.signature)?;
        st.end()
    }
}

/// A `uint256` read from a decimal string or a JSON integer.
struct WireU256(U256);

impl<'de> Deserialize<'de> for WireU256 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = WireU256;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an unsigned integer (decimal string or JSON integer)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<WireU256, E> {
                Ok(WireU256(U256::from(v)))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<WireU256, E> {
                Ok(WireU256(U256::from(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<WireU256, E> {
                u64::try_from(v)
                    .map(|v| WireU256(U256::from(v)))
                    .map_err(|_| E::custom(format!("{v} is negative")))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<WireU256, E> {
                if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(E::custom(format!("{s:?} is not a decimal integer")));
                }
                U256::from_str_radix(s, 10)
                    .map(WireU256)
                    .map_err(|_| E::custom(format!("{s:?} does not fit in 256 bits")))
            }
        }
        d.deserialize_any(V)
    }
}

/// A `bytes32` read from `0x` + 64 hex digits.
struct WireB256(B256);

impl<'de> Deserialize<'de> for WireB256 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <Cow<'de, str>>::deserialize(d)?;
        let hex = s.strip_prefix("0x").unwrap_or(&s);
        if hex.len() != 64 {
            return Err(de::Error::custom(format!(
                "{s:?} is not 32 bytes: expected 0x followed by 64 hex digits"
            )));
        }
        hex.parse::<B256>()
            .map(WireB256)
            .map_err(|_| de::Error::custom(format!("{s:?} is not hexadecimal")))
    }
}

/// An address read from its string form (EIP-55 checked when mixed-case).
struct WireAddress(Address);

impl<'de> Deserialize<'de> for WireAddress {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <Cow<'de, str>>::deserialize(d)?;
        parse_address(&s)
            .map(WireAddress)
            .map_err(de::Error::custom)
    }
}

/// A side read from `"BUY"`/`"SELL"` or its struct value 0/1.
struct WireSide(Side);

impl<'de> Deserialize<'de> for WireSide {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = WireSide;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("BUY or SELL")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<WireSide, E> {
                u8::try_from(v)
                    .ok()
                    .and_then(Side::from_u8)
                    .map(WireSide)
                    .ok_or_else(|| E::custom("expected BUY or SELL"))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<WireSide, E> {
                s.parse().map(WireSide).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A signature type read from its number, or the number written as a string.
struct WireSignatureType(SignatureType);

impl<'de> Deserialize<'de> for WireSignatureType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = WireSignatureType;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("0, 1, 2 or 3")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<WireSignatureType, E> {
                u8::try_from(v)
                    .ok()
                    .and_then(SignatureType::from_u8)
                    .map(WireSignatureType)
                    .ok_or_else(|| E::custom("expected 0, 1, 2 or 3"))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<WireSignatureType, E> {
                let n = s
                    .parse::<u64>()
                    .map_err(|_| E::custom("expected 0, 1, 2 or 3"))?;
                self.visit_u64(n)
            }
        }
        d.deserialize_any(V)
    }
}

/// The fields read so far; `None` until a key is seen (a repeated key keeps the last value).
#[derive(Default)]
struct Fields {
    salt: Option<U256>,
    maker: Option<Address>,
    signer: Option<Address>,
    taker: Option<Address>,
    token_id: Option<U256>,
    maker_amount: Option<U256>,
    taker_amount: Option<U256>,
    expiration: Option<U256>,
    nonce: Option<U256>,
    fee_rate_bps: Option<U256>,
    side: Option<Side>,
    signature_type: Option<SignatureType>,
    timestamp: Option<U256>,
    metadata: Option<B256>,
    builder: Option<B256>,
    signature: Option<OrderSignature>,
    /// The version each version-specific key seen so far belongs to.
    saw_v1: bool,
    saw_v2: bool,
}

/// Reads the value of `field` as `T`, naming the field in the error.
fn value<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    field: Field,
) -> Result<T, A::Error> {
    map.next_value::<T>()
        .map_err(|e| de::Error::custom(format_args!("invalid {}: {e}", field.key())))
}

fn required<T, E: de::Error>(v: Option<T>, field: Field) -> Result<T, E> {
    v.ok_or_else(|| E::missing_field(field.key()))
}

impl<'de> Deserialize<'de> for SignedOrder {
    /// Accepts either client's key order, keys in any letter case (the Go server matches keys
    /// case-insensitively), unknown keys ignored; `salt` as a JSON integer or decimal string;
    /// addresses in any case (a mixed-case address must carry a valid EIP-55 checksum). The
    /// version comes from the keys (module docs). `taker`, `expiration`, `nonce` and `feeRateBps`
    /// of V1 and `expiration`, `metadata` and `builder` of V2 default to zero when absent; V2's
    /// `timestamp` is required.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SignedOrder;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a signed order object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SignedOrder, A::Error> {
                let mut f = Fields::default();
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    let Some(field) = Field::of(&key) else {
                        map.next_value::<de::IgnoredAny>()?;
                        continue;
                    };
                    match field.only_in() {
                        Some(ProtocolVersion::V2) => f.saw_v2 = true,
                        Some(_) => f.saw_v1 = true,
                        None => {}
                    }
                    let u256 = |map: &mut A| value::<A, WireU256>(map, field).map(|v| Some(v.0));
                    let b256 = |map: &mut A| value::<A, WireB256>(map, field).map(|v| Some(v.0));
                    let addr = |map: &mut A| value::<A, WireAddress>(map, field).map(|v| Some(v.0));
                    match field {
                        Field::Salt => f.salt = u256(&mut map)?,
                        Field::Maker => f.maker = addr(&mut map)?,
                        Field::Signer => f.signer = addr(&mut map)?,
                        Field::Taker => f.taker = addr(&mut map)?,
                        Field::TokenId => f.token_id = u256(&mut map)?,
                        Field::MakerAmount => f.maker_amount = u256(&mut map)?,
                        Field::TakerAmount => f.taker_amount = u256(&mut map)?,
                        Field::Expiration => f.expiration = u256(&mut map)?,
                        Field::Nonce => f.nonce = u256(&mut map)?,
                        Field::FeeRateBps => f.fee_rate_bps = u256(&mut map)?,
                        Field::Side => f.side = Some(value::<A, WireSide>(&mut map, field)?.0),
                        Field::SignatureType => {
                            f.signature_type =
                                Some(value::<A, WireSignatureType>(&mut map, field)?.0)
                        }
                        Field::Timestamp => f.timestamp = u256(&mut map)?,
                        Field::Metadata => f.metadata = b256(&mut map)?,
                        Field::Builder => f.builder = b256(&mut map)?,
                        Field::Signature => f.signature = Some(value(&mut map, field)?),
                    }
                }
                if f.saw_v1 && f.saw_v2 {
                    return Err(de::Error::custom(
                        "order mixes V1 keys (taker, nonce, feeRateBps) and V2 keys (timestamp, metadata, builder)",
                    ));
                }
                let version = if f.saw_v2 {
                    OrderVersion::V2 {
                        timestamp: required(f.timestamp, Field::Timestamp)?,
                        metadata: f.metadata.unwrap_or(B256::ZERO),
                        builder: f.builder.unwrap_or(B256::ZERO),
                    }
                } else {
                    OrderVersion::V1 {
                        taker: f.taker.unwrap_or(Address::ZERO),
                        nonce: f.nonce.unwrap_or(U256::ZERO),
                        fee_rate_bps: f.fee_rate_bps.unwrap_or(U256::ZERO),
                    }
                };
                let order = Order {
                    salt: required(f.salt, Field::Salt)?,
                    maker: required(f.maker, Field::Maker)?,
                    signer: required(f.signer, Field::Signer)?,
                    token_id: TokenId(required(f.token_id, Field::TokenId)?),
                    maker_amount: required(f.maker_amount, Field::MakerAmount)?,
                    taker_amount: required(f.taker_amount, Field::TakerAmount)?,
                    expiration: f.expiration.unwrap_or(U256::ZERO),
                    side: required(f.side, Field::Side)?,
                    signature_type: required(f.signature_type, Field::SignatureType)?,
                    version,
                };
                let signature = required(f.signature, Field::Signature)?;
                Ok(SignedOrder { order, signature })
            }
        }
        d.deserialize_map(V)
    }
}
