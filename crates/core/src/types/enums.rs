//! Small closed enums of the protocol: side, signature type, order type, asset type.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A string that is not one of an enum's wire names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} {got:?}: expected one of {expected}")]
pub struct ParseEnumError {
    /// What was being parsed (e.g. "side").
    pub kind: &'static str,
    /// The rejected input.
    pub got: String,
    /// The accepted spellings.
    pub expected: &'static str,
}

/// Which way an order trades: BUY pays collateral for outcome tokens, SELL the reverse.
///
/// On the wire it is the string `"BUY"`/`"SELL"`; inside the EIP-712 struct it is the
/// `uint8` 0/1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    /// Give collateral, receive outcome tokens.
    Buy,
    /// Give outcome tokens, receive collateral.
    Sell,
}

impl Side {
    /// The wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "BUY",
            Side::Sell => "SELL",
        }
    }
    /// The `uint8` value signed in the EIP-712 order struct.
    pub const fn as_u8(self) -> u8 {
        match self {
            Side::Buy => 0,
            Side::Sell => 1,
        }
    }
    /// The other side.
    pub const fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
    /// Parses the `uint8` form (0 = BUY, 1 = SELL).
    pub fn from_u8(v: u8) -> Option<Side> {
        match v {
            0 => Some(Side::Buy),
            1 => Some(Side::Sell),
            _ => None,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Side {
    type Err = ParseEnumError;
    /// Case-insensitive, like the official server (Go) and clients.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("BUY") {
            Ok(Side::Buy)
        } else if s.eq_ignore_ascii_case("SELL") {
            Ok(Side::Sell)
        } else {
            Err(ParseEnumError {
                kind: "side",
                got: s.to_owned(),
                expected: "BUY, SELL",
            })
        }
    }
}

/// How the order's signature relates its `signer` (an EOA) to its `maker` (the funder).
///
/// A JSON number on the wire (`0`, `1`, `2`) and a `uint8` in the signed struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SignatureType {
    /// The signer holds the funds itself: `maker == signer`.
    Eoa,
    /// The maker is the signer's Polymarket proxy wallet (CREATE2 from the proxy factory).
    PolyProxy,
    /// The maker is the signer's 1-of-1 Gnosis Safe (CREATE2 from the Safe factory).
    PolyGnosisSafe,
    /// V2 only: the maker and signer are a deposit wallet (a smart contract, ERC-1271), whose
    /// owner signs the order in the wrapped form of [`crate::order::Poly1271Signature`].
    Poly1271,
}

impl SignatureType {
    /// The numeric wire and struct value.
    pub const fn as_u8(self) -> u8 {
        match self {
            SignatureType::Eoa => 0,
            SignatureType::PolyProxy => 1,
            SignatureType::PolyGnosisSafe => 2,
            SignatureType::Poly1271 => 3,
        }
    }
    /// Parses the numeric value; `None` for anything but 0, 1, 2, 3.
    pub fn from_u8(v: u8) -> Option<SignatureType> {
        match v {
            0 => Some(SignatureType::Eoa),
            1 => Some(SignatureType::PolyProxy),
            2 => Some(SignatureType::PolyGnosisSafe),
            3 => Some(SignatureType::Poly1271),
            _ => None,
        }
    }
    /// The name used by the official clients' constants.
    pub const fn name(self) -> &'static str {
        match self {
            SignatureType::Eoa => "EOA",
            SignatureType::PolyProxy => "POLY_PROXY",
            SignatureType::PolyGnosisSafe => "POLY_GNOSIS_SAFE",
            SignatureType::Poly1271 => "POLY_1271",
        }
    }
}

impl fmt::Display for SignatureType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SignatureType {
    type Err = ParseEnumError;
    /// Accepts the number (`"0"`) or the constant name (`"POLY_PROXY"`, case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let parsed = match t.to_ascii_uppercase().as_str() {
            "0" | "EOA" => Some(SignatureType::Eoa),
            "1" | "POLY_PROXY" | "PROXY" => Some(SignatureType::PolyProxy),
            "2" | "POLY_GNOSIS_SAFE" | "GNOSIS_SAFE" | "SAFE" => {
                Some(SignatureType::PolyGnosisSafe)
            }
            "3" | "POLY_1271" | "DEPOSIT_WALLET" => Some(SignatureType::Poly1271),
            _ => None,
        };
        parsed.ok_or_else(|| ParseEnumError {
            kind: "signature type",
            got: s.to_owned(),
            expected: "0 (EOA), 1 (POLY_PROXY), 2 (POLY_GNOSIS_SAFE), 3 (POLY_1271)",
        })
    }
}

impl Serialize for SignatureType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.as_u8())
    }
}

impl<'de> Deserialize<'de> for SignatureType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u64::deserialize(d)?;
        u8::try_from(n).ok().and_then(SignatureType::from_u8).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid signatureType {n}: expected 0 (EOA), 1 (POLY_PROXY), 2 (POLY_GNOSIS_SAFE) or 3 (POLY_1271)"
            ))
        })
    }
}

/// How long an order lives and whether it may rest on the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OrderType {
    /// Good-til-cancelled: rests until filled or cancelled. The default for limit orders.
    #[default]
    Gtc,
    /// Good-til-date: rests until its `expiration`.
    Gtd,
    /// Fill-or-kill: fills completely at once or not at all. The default for market orders.
    Fok,
    /// Fill-and-kill: fills what it can at once, the rest is cancelled.
    Fak,
}

impl OrderType {
    /// The wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            OrderType::Gtc => "GTC",
            OrderType::Gtd => "GTD",
            OrderType::Fok => "FOK",
            OrderType::Fak => "FAK",
        }
    }
    /// Whether orders of this type may rest on the book (and so may be post-only).
    pub const fn rests(self) -> bool {
        matches!(self, OrderType::Gtc | OrderType::Gtd)
    }
}

impl fmt::Display for OrderType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderType {
    type Err = ParseEnumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "GTC" => Ok(OrderType::Gtc),
            "GTD" => Ok(OrderType::Gtd),
            "FOK" => Ok(OrderType::Fok),
            "FAK" => Ok(OrderType::Fak),
            _ => Err(ParseEnumError {
                kind: "order type",
                got: s.to_owned(),
                expected: "GTC, GTD, FOK, FAK",
            }),
        }
    }
}

/// Which balance `/balance-allowance` reports: collateral (USDC) or an outcome token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssetType {
    /// The collateral token (USDC.e).
    Collateral,
    /// A conditional (outcome) token; needs a token id.
    Conditional,
}

impl AssetType {
    /// The wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            AssetType::Collateral => "COLLATERAL",
            AssetType::Conditional => "CONDITIONAL",
        }
    }
}

impl fmt::Display for AssetType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AssetType {
    type Err = ParseEnumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "COLLATERAL" => Ok(AssetType::Collateral),
            "CONDITIONAL" => Ok(AssetType::Conditional),
            _ => Err(ParseEnumError {
                kind: "asset type",
                got: s.to_owned(),
                expected: "COLLATERAL, CONDITIONAL",
            }),
        }
    }
}

/// Serde through `as_str`/`FromStr` for the string-valued enums.
macro_rules! serde_via_str {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    )*};
}
serde_via_str!(Side, OrderType, AssetType);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_forms() {
        assert_eq!(
            serde_json::to_string(&Side::Buy).ok().as_deref(),
            Some("\"BUY\"")
        );
        assert_eq!(
            serde_json::to_string(&SignatureType::PolyGnosisSafe)
                .ok()
                .as_deref(),
            Some("2")
        );
        assert_eq!(
            serde_json::from_str::<OrderType>("\"fak\"").ok(),
            Some(OrderType::Fak)
        );
        // 3 is V2's POLY_1271; nothing above it exists
        assert_eq!(
            serde_json::from_str::<SignatureType>("3").ok(),
            Some(SignatureType::Poly1271)
        );
        assert!(serde_json::from_str::<SignatureType>("4").is_err());
        assert!(serde_json::from_str::<Side>("\"HOLD\"").is_err());
        assert_eq!(Side::Sell.as_u8(), 1);
        assert_eq!(
            "poly_proxy".parse::<SignatureType>().ok(),
            Some(SignatureType::PolyProxy)
        );
    }

    #[test]
    fn errors_say_what_is_expected() {
        let e = "HOLD"
            .parse::<Side>()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(e, "invalid side \"HOLD\": expected one of BUY, SELL");
    }
}
