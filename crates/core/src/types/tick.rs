//! Tick sizes and the rounding configuration each one implies.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ParseEnumError;

/// A market's minimum price increment. Exactly six values exist: the four of V1 and the two V2
/// added (0.005 and 0.0025), which are not powers of ten, so a price must be a whole number of
/// ticks, not merely have the tick's decimals.
///
/// The `/tick-size` route returns it as a JSON *number* (`0.01`) and the clients print it, so it
/// must render exactly as `0.1`, `0.01`, `0.005`, `0.0025`, `0.001`, `0.0001`. We serialize it as
/// a string (the form `/book` uses) and accept both forms. Declared coarsest first, so the derived
/// order compares coarseness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TickSize {
    /// 0.1
    Tenth,
    /// 0.01
    Hundredth,
    /// 0.005 (V2)
    HalfCent,
    /// 0.0025 (V2)
    QuarterCent,
    /// 0.001
    Thousandth,
    /// 0.0001
    TenThousandth,
}

/// How many decimals the official clients keep for prices, sizes and amounts at a tick size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundConfig {
    /// Decimals of a price (equal to the tick's).
    pub price: u32,
    /// Decimals of a size in shares (always 2).
    pub size: u32,
    /// Decimals of a computed amount (`price + size`).
    pub amount: u32,
}

impl TickSize {
    /// All tick sizes, coarsest first.
    pub const ALL: [TickSize; 6] = [
        TickSize::Tenth,
        TickSize::Hundredth,
        TickSize::HalfCent,
        TickSize::QuarterCent,
        TickSize::Thousandth,
        TickSize::TenThousandth,
    ];

    /// Decimals a price on this tick has (1 to 4): the tick's own decimals.
    pub const fn decimals(self) -> u32 {
        match self {
            TickSize::Tenth => 1,
            TickSize::Hundredth => 2,
            TickSize::HalfCent | TickSize::Thousandth => 3,
            TickSize::QuarterCent | TickSize::TenThousandth => 4,
        }
    }
    /// The tick in units of its last decimal (`10^-decimals`): 1 for the powers of ten, 5 for
    /// 0.005, 25 for 0.0025. A price is on the grid when its value in those units is a multiple.
    pub const fn step(self) -> u32 {
        match self {
            TickSize::HalfCent => 5,
            TickSize::QuarterCent => 25,
            _ => 1,
        }
    }
    /// The tick in ten-thousandths (pips): 1000, 100, 50, 25, 10, 1.
    pub const fn pips(self) -> u32 {
        self.step() * 10u32.pow(4 - self.decimals())
    }
    /// The tick as an exact decimal.
    pub fn as_decimal(self) -> Decimal {
        Decimal::new(i64::from(self.step()), self.decimals())
    }
    /// The canonical spelling (`"0.01"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            TickSize::Tenth => "0.1",
            TickSize::Hundredth => "0.01",
            TickSize::HalfCent => "0.005",
            TickSize::QuarterCent => "0.0025",
            TickSize::Thousandth => "0.001",
            TickSize::TenThousandth => "0.0001",
        }
    }
    /// The rounding table row shared by both official clients.
    pub const fn round_config(self) -> RoundConfig {
        let p = self.decimals();
        RoundConfig {
            price: p,
            size: 2,
            amount: p + 2,
        }
    }
    /// The tick equal to `d` (any scale: `0.010` is `0.01`).
    pub fn from_decimal(d: Decimal) -> Option<TickSize> {
        TickSize::ALL.into_iter().find(|t| t.as_decimal() == d)
    }
}

impl fmt::Display for TickSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TickSize {
    type Err = ParseEnumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decimal::from_str(s.trim())
            .ok()
            .and_then(TickSize::from_decimal)
            .ok_or_else(|| ParseEnumError {
                kind: "tick size",
                got: s.to_owned(),
                expected: "0.1, 0.01, 0.005, 0.0025, 0.001, 0.0001",
            })
    }
}

impl Serialize for TickSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TickSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = TickSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a tick size: 0.1, 0.01, 0.005, 0.0025, 0.001 or 0.0001 (string or number)",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<TickSize, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<TickSize, E> {
                // A JSON number is parsed to the nearest double; its shortest round-trip text is
                // the text that was sent for every valid tick, so no arithmetic is needed.
                self.visit_str(&v.to_string())
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_parses_both_forms() {
        for t in TickSize::ALL {
            assert_eq!(serde_json::from_str::<TickSize>(t.as_str()).ok(), Some(t));
            assert_eq!(
                serde_json::from_str::<TickSize>(&format!("\"{t}\"")).ok(),
                Some(t)
            );
            assert_eq!(t.as_decimal().to_string(), t.as_str());
        }
        assert!(serde_json::from_str::<TickSize>("0.05").is_err());
        assert_eq!(
            serde_json::from_str::<TickSize>("0.0025").ok(),
            Some(TickSize::QuarterCent)
        );
        let pips: Vec<u32> = TickSize::ALL.iter().map(|t| t.pips()).collect();
        assert_eq!(pips, [1000, 100, 50, 25, 10, 1]);
        assert_eq!(
            TickSize::HalfCent.round_config(),
            RoundConfig {
                price: 3,
                size: 2,
                amount: 5
            }
        );
        assert!(serde_json::from_str::<TickSize>("\"0.02\"").is_err());
        assert_eq!(
            TickSize::Hundredth.round_config(),
            RoundConfig {
                price: 2,
                size: 2,
                amount: 4
            }
        );
        assert_eq!(
            TickSize::TenThousandth.round_config(),
            RoundConfig {
                price: 4,
                size: 2,
                amount: 6
            }
        );
    }
}
