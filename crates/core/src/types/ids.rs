//! Identifiers: outcome token ids, order ids, condition ids and API keys.

use std::fmt;
use std::str::FromStr;

use alloy_primitives::{B256, U256};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An identifier that did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// A token id must be a decimal integer below 2^256.
    #[error("invalid token id {0:?}: expected a decimal integer below 2^256")]
    TokenId(String),
    /// A 32-byte hash id must be `0x` followed by 64 hex digits.
    #[error("invalid {kind} {got:?}: expected 0x followed by 64 hex digits")]
    Hash32 {
        /// "order id" or "condition id".
        kind: &'static str,
        /// The rejected input.
        got: String,
    },
    /// An API key may not be empty.
    #[error("invalid API key: expected a non-empty key (a UUID)")]
    EmptyApiKey,
}

/// An ERC-1155 outcome token id (a CTF position id): a `uint256`, written in decimal on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TokenId(pub U256);

impl TokenId {
    /// The `uint256` value signed in the order struct.
    pub const fn as_u256(&self) -> U256 {
        self.0
    }
}

impl From<u64> for TokenId {
    fn from(v: u64) -> Self {
        TokenId(U256::from(v))
    }
}

impl FromStr for TokenId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::TokenId(s.to_owned()));
        }
        U256::from_str_radix(s, 10)
            .map(TokenId)
            .map_err(|_| IdError::TokenId(s.to_owned()))
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Parses `0x` + 64 hex digits (either case).
fn parse_hash32(s: &str, kind: &'static str) -> Result<B256, IdError> {
    let err = || IdError::Hash32 {
        kind,
        got: s.to_owned(),
    };
    let hex = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .ok_or_else(err)?;
    if hex.len() != 64 {
        return Err(err());
    }
    B256::from_str(hex).map_err(|_| err())
}

macro_rules! hash_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub B256);

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_hash32(s, $kind).map($name)
            }
        }

        impl fmt::Display for $name {
            /// `0x` + 64 lower-case hex digits, as the API writes it.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:#x}", self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

hash_id!(
    /// An order's id: its full EIP-712 digest (what `CTFExchange.hashOrder` returns).
    OrderId,
    "order id"
);
hash_id!(
    /// A market's CTF condition id (`market` on the wire).
    ConditionId,
    "condition id"
);

impl Serialize for TokenId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TokenId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// An L2 API key (the `owner` of orders; UUID-shaped, but not necessarily a valid v4 UUID).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key; it must not be empty.
    pub fn new(key: impl Into<String>) -> Result<Self, IdError> {
        let key = key.into();
        if key.is_empty() {
            Err(IdError::EmptyApiKey)
        } else {
            Ok(ApiKey(key))
        }
    }
    /// The key as sent in `POLY_API_KEY` and as the order `owner`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ApiKey {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApiKey::new(s)
    }
}

impl<'de> Deserialize<'de> for ApiKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ApiKey::new(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_id_round_trip() {
        let s = "71321045679252212594626385532706912750332728571942532289631379312455583992563";
        let t: TokenId = s.parse().unwrap_or_default();
        assert_eq!(t.to_string(), s);
        assert_eq!(serde_json::to_string(&t).ok(), Some(format!("\"{s}\"")));
        assert!("0x12".parse::<TokenId>().is_err());
        assert!("".parse::<TokenId>().is_err());
        assert!("-1".parse::<TokenId>().is_err());
        // 2^256 does not fit.
        let too_big =
            "115792089237316195423570985008687907853269984665640564039457584007913129639936";
        assert!(too_big.parse::<TokenId>().is_err());
    }

    #[test]
    fn order_id_is_lower_hex() {
        let s = "0xAB4E69EFE3068F9BA4FE0070599C64E484119777062F96D2B255BF1EA3D38D25";
        let id: OrderId = s.parse().unwrap_or_default();
        assert_eq!(
            id.to_string(),
            "0xab4e69efe3068f9ba4fe0070599c64e484119777062f96d2b255bf1ea3d38d25"
        );
        assert!("0xab".parse::<OrderId>().is_err());
        assert!(
            "ab4e69efe3068f9ba4fe0070599c64e484119777062f96d2b255bf1ea3d38d25"
                .parse::<OrderId>()
                .is_err()
        );
        assert!(ApiKey::new("").is_err());
    }
}
