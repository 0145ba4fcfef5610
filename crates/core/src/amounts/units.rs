//! Base units, prices and the conversions between them.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::AmountError;
use crate::types::{Side, TickSize};

/// Decimals of both collateral (USDC) and outcome tokens.
pub const AMOUNT_DECIMALS: u32 = 6;
/// One whole token in base units.
pub const BASE_UNIT: u64 = 1_000_000;

/// The two signed amounts of an order, in base units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrderAmounts {
    /// Which way the order trades.
    pub side: Side,
    /// What the maker gives: USDC for a BUY, shares for a SELL.
    pub maker: u64,
    /// What the maker receives: shares for a BUY, USDC for a SELL.
    pub taker: u64,
}

/// A price strictly between 0 and 1, exact. Use [`check_price`] to also check the tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Price(Decimal);

impl Serialize for Price {
    /// A decimal string, as prices are on the wire.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::serde_util::decimal_str::serialize(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for Price {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = crate::serde_util::decimal_str::deserialize(d)?;
        Price::new(v).map_err(serde::de::Error::custom)
    }
}

impl Price {
    /// A price in `(0, 1)`.
    pub fn new(d: Decimal) -> Result<Price, AmountError> {
        if d <= Decimal::ZERO || d >= Decimal::ONE {
            return Err(AmountError::PriceOutOfRange {
                price: d,
                min: Decimal::ZERO,
                max: Decimal::ONE,
            });
        }
        Ok(Price(d.normalize()))
    }
    /// The exact value.
    pub const fn get(self) -> Decimal {
        self.0
    }
}

impl TryFrom<Decimal> for Price {
    type Error = AmountError;
    fn try_from(d: Decimal) -> Result<Self, Self::Error> {
        Price::new(d)
    }
}

impl From<Price> for Decimal {
    fn from(p: Price) -> Decimal {
        p.0
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Checks `tick ≤ price ≤ 1 − tick` and that `price` is a whole number of ticks; returns the
/// price in units of the tick's last decimal (`0.52` at tick `0.01` → 52; `0.515` at `0.005` →
/// 515). Both official V2 clients sign `0.051` on a `0.005` tick (they only round to the tick's
/// decimals); the Rust SDK refuses it, and so do we.
pub fn check_price(price: Decimal, tick: TickSize) -> Result<u32, AmountError> {
    let t = tick.as_decimal();
    let max = Decimal::ONE - t;
    if price < t || price > max {
        return Err(AmountError::PriceOutOfRange { price, min: t, max });
    }
    let scaled = price * Decimal::from(10u64.pow(tick.decimals()));
    if scaled.fract() != Decimal::ZERO {
        return Err(AmountError::PriceOffTick { price, tick });
    }
    let units = u32::try_from(scaled).map_err(|_| AmountError::PriceOffTick { price, tick })?;
    if !units.is_multiple_of(tick.step()) {
        return Err(AmountError::PriceOffTick { price, tick });
    }
    Ok(units)
}

/// Converts a non-negative decimal with at most 6 decimals into base units, exactly.
pub fn to_base_units(value: Decimal, what: &'static str) -> Result<u64, AmountError> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(AmountError::NotPositive { what, value });
    }
    let v = value.normalize();
    if v.scale() > AMOUNT_DECIMALS {
        return Err(AmountError::TooManyDecimals {
            what,
            value,
            max: AMOUNT_DECIMALS,
        });
    }
    let mantissa =
        u128::try_from(v.mantissa()).map_err(|_| AmountError::NotPositive { what, value })?;
    let units = mantissa
        .checked_mul(10u128.pow(AMOUNT_DECIMALS - v.scale()))
        .ok_or(AmountError::TooLarge { what, value })?;
    u64::try_from(units).map_err(|_| AmountError::TooLarge { what, value })
}

/// Base units as an exact, normalized decimal (`50000000` → `50`).
pub fn from_base_units(units: u64) -> Decimal {
    Decimal::from_i128_with_scale(i128::from(units), AMOUNT_DECIMALS).normalize()
}

/// The limit price an order's amounts imply: `maker / taker` for a BUY, `taker / maker` for a
/// SELL. `None` when the denominator is zero.
pub fn implied_price(side: Side, maker: u64, taker: u64) -> Option<Decimal> {
    let (num, den) = match side {
        Side::Buy => (maker, taker),
        Side::Sell => (taker, maker),
    };
    if den == 0 {
        return None;
    }
    Decimal::from(num)
        .checked_div(Decimal::from(den))
        .map(|d| d.normalize())
}

/// Truncates a positive value to `decimals` decimals and returns it as an integer count of
/// `10^-decimals` (`12.8205` at 2 → 1282).
pub(super) fn truncate_to(
    value: Decimal,
    decimals: u32,
    what: &'static str,
) -> Result<u128, AmountError> {
    if value <= Decimal::ZERO {
        return Err(AmountError::NotPositive { what, value });
    }
    let scaled = value
        .checked_mul(Decimal::from(10u64.pow(decimals)))
        .ok_or(AmountError::TooLarge { what, value })?
        .trunc();
    let n = u128::try_from(scaled).map_err(|_| AmountError::TooLarge { what, value })?;
    if n == 0 {
        return Err(AmountError::RoundsToZero {
            what,
            value,
            decimals,
        });
    }
    Ok(n)
}

/// Converts a count of `10^-decimals` (decimals ≤ 6) into `u64` base units.
pub(super) fn scaled_to_units(
    n: u128,
    decimals: u32,
    what: &'static str,
) -> Result<u64, AmountError> {
    let units = n.checked_mul(10u128.pow(AMOUNT_DECIMALS - decimals));
    units
        .and_then(|u| u64::try_from(u).ok())
        .ok_or(AmountError::TooLarge {
            what,
            value: Decimal::from_i128_with_scale(i128::try_from(n).unwrap_or(i128::MAX), decimals),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn price_checks() {
        assert_eq!(check_price(d("0.52"), TickSize::Hundredth), Ok(52));
        assert_eq!(check_price(d("0.520"), TickSize::Hundredth), Ok(52));
        assert!(matches!(
            check_price(d("0.525"), TickSize::Hundredth),
            Err(AmountError::PriceOffTick { .. })
        ));
        // protocol.md §8.9
        for (p, t, ok) in [
            ("0.0001", TickSize::TenThousandth, true),
            ("0.9999", TickSize::TenThousandth, true),
            ("0.00001", TickSize::TenThousandth, false),
            ("0.99999", TickSize::TenThousandth, false),
            ("0.001", TickSize::Thousandth, true),
            ("0.999", TickSize::Thousandth, true),
            ("0.0001", TickSize::Thousandth, false),
            ("0.9999", TickSize::Thousandth, false),
            ("0.01", TickSize::Hundredth, true),
            ("0.99", TickSize::Hundredth, true),
            ("0.001", TickSize::Hundredth, false),
            ("0.999", TickSize::Hundredth, false),
            ("0.1", TickSize::Tenth, true),
            ("0.9", TickSize::Tenth, true),
            ("0.01", TickSize::Tenth, false),
            ("0.99", TickSize::Tenth, false),
        ] {
            assert_eq!(check_price(d(p), t).is_ok(), ok, "{p} at {t}");
        }
        let e = check_price(d("1.2"), TickSize::Hundredth)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("invalid price (1.2), min: 0.01 - max: 0.99")
        );
    }

    #[test]
    fn base_units() {
        assert_eq!(to_base_units(d("12.82"), "x"), Ok(12_820_000));
        assert_eq!(to_base_units(d("0.000001"), "x"), Ok(1));
        assert!(matches!(
            to_base_units(d("0.0000001"), "x"),
            Err(AmountError::TooManyDecimals { .. })
        ));
        assert!(matches!(
            to_base_units(d("-1"), "x"),
            Err(AmountError::NotPositive { .. })
        ));
        assert!(matches!(
            to_base_units(d("18446744073710"), "x"),
            Err(AmountError::TooLarge { .. })
        ));
        assert_eq!(from_base_units(50_000_000).to_string(), "50");
        assert_eq!(from_base_units(9_999_600).to_string(), "9.9996");
        assert_eq!(
            implied_price(Side::Buy, 50_000_000, 100_000_000),
            Some(d("0.5"))
        );
        assert_eq!(
            implied_price(Side::Sell, 21_040_000, 10_940_800),
            Some(d("0.52"))
        );
        assert_eq!(implied_price(Side::Sell, 0, 1), None);
        assert!(Price::new(d("1")).is_err());
        assert!(Price::new(d("0")).is_err());
    }
}
