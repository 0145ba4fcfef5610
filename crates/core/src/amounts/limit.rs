//! Amounts of limit (GTC/GTD) orders, sized in shares.

use rust_decimal::Decimal;

use super::units::{scaled_to_units, truncate_to};
use super::{AmountError, OrderAmounts, check_price};
use crate::types::{Side, TickSize};

/// Maker and taker amounts of a limit order for `size` shares at `price`.
///
/// The size is truncated to 2 decimals (as both official clients do); the collateral amount is
/// `size × price`, exact at `tick decimals + 2` decimals, so no further rounding ever happens.
/// BUY gives the collateral and receives the shares; SELL the reverse.
pub fn limit_amounts(
    side: Side,
    price: Decimal,
    size: Decimal,
    tick: TickSize,
) -> Result<OrderAmounts, AmountError> {
    let price_ticks = u128::from(check_price(price, tick)?);
    let cfg = tick.round_config();
    // shares in units of 10^-2
    let shares = truncate_to(size, cfg.size, "size")?;
    // collateral in units of 10^-(2 + price decimals) = 10^-amount
    let collateral = shares * price_ticks;
    let shares = scaled_to_units(shares, cfg.size, "size")?;
    let collateral = scaled_to_units(collateral, cfg.amount, "size × price")?;
    Ok(match side {
        Side::Buy => OrderAmounts {
            side,
            maker: collateral,
            taker: shares,
        },
        Side::Sell => OrderAmounts {
            side,
            maker: shares,
            taker: collateral,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// The V2 ticks: on the grid the amounts are exact; `0.051` on `0.005` (which both official V2
    /// clients sign, v2.md §8.2) is refused.
    #[test]
    fn v2_ticks() {
        assert_eq!(
            limit_amounts(Side::Buy, d("0.515"), d("100"), TickSize::HalfCent),
            Ok(OrderAmounts {
                side: Side::Buy,
                maker: 51_500_000,
                taker: 100_000_000
            })
        );
        assert_eq!(
            limit_amounts(Side::Sell, d("0.0025"), d("12.34"), TickSize::QuarterCent),
            Ok(OrderAmounts {
                side: Side::Sell,
                maker: 12_340_000,
                taker: 30_850
            })
        );
        assert!(matches!(
            limit_amounts(Side::Buy, d("0.051"), d("100"), TickSize::HalfCent),
            Err(AmountError::PriceOffTick { .. })
        ));
        assert!(matches!(
            limit_amounts(Side::Buy, d("0.5"), d("0.001"), TickSize::HalfCent),
            Err(AmountError::RoundsToZero { .. })
        ));
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    /// protocol.md §8.5, the TypeScript "real cases" (Python agrees on all of them).
    #[test]
    fn reference_vectors() {
        let rows: &[(TickSize, &str, &str, u64, u64)] = &[
            (TickSize::Tenth, "0.7", "170", 119000000, 170000000),
            (TickSize::Tenth, "0.8", "101", 80800000, 101000000),
            (TickSize::Tenth, "0.7", "12.8205", 8974000, 12820000),
            (TickSize::Tenth, "0.3", "2435.89", 730767000, 2435890000),
            (TickSize::Hundredth, "0.82", "101", 82820000, 101000000),
            (TickSize::Hundredth, "0.78", "12.8205", 9999600, 12820000),
            (
                TickSize::Hundredth,
                "0.39",
                "2435.89",
                949997100,
                2435890000,
            ),
            (TickSize::Hundredth, "0.24", "15", 3600000, 15000000),
            (
                TickSize::Hundredth,
                "0.58",
                "18233.33",
                10575331400,
                18233330000,
            ),
            (TickSize::Thousandth, "0.007", "170", 1190000, 170000000),
            (TickSize::Thousandth, "0.082", "101", 8282000, 101000000),
            (TickSize::Thousandth, "0.078", "12.8205", 999960, 12820000),
            (
                TickSize::Thousandth,
                "0.039",
                "2435.89",
                94999710,
                2435890000,
            ),
            (TickSize::TenThousandth, "0.0007", "170", 119000, 170000000),
            (TickSize::TenThousandth, "0.0082", "101", 828200, 101000000),
            (
                TickSize::TenThousandth,
                "0.0078",
                "12.8205",
                99996,
                12820000,
            ),
            (
                TickSize::TenThousandth,
                "0.0039",
                "2435.89",
                9499971,
                2435890000,
            ),
            (TickSize::Tenth, "0.5", "21.04", 10520000, 21040000),
            (TickSize::Hundredth, "0.56", "21.04", 11782400, 21040000),
        ];
        for &(tick, p, s, maker, taker) in rows {
            let a = limit_amounts(Side::Buy, d(p), d(s), tick);
            assert_eq!(
                a,
                Ok(OrderAmounts {
                    side: Side::Buy,
                    maker,
                    taker
                }),
                "BUY {s} @ {p}"
            );
            let a = limit_amounts(Side::Sell, d(p), d(s), tick);
            assert_eq!(
                a,
                Ok(OrderAmounts {
                    side: Side::Sell,
                    maker: taker,
                    taker: maker
                }),
                "SELL {s} @ {p}"
            );
        }
        let sell = limit_amounts(Side::Sell, d("0.43"), d("19.1"), TickSize::Hundredth);
        assert_eq!(
            sell,
            Ok(OrderAmounts {
                side: Side::Sell,
                maker: 19100000,
                taker: 8213000
            })
        );
    }

    /// Python's `round_down(0.57, 2)` is 0.56 (0.57 × 100 = 56.99999…); we are exact, like TS.
    #[test]
    fn exact_where_python_floats_are_not() {
        let a = limit_amounts(Side::Buy, d("0.5"), d("0.57"), TickSize::Hundredth);
        assert_eq!(
            a,
            Ok(OrderAmounts {
                side: Side::Buy,
                maker: 285000,
                taker: 570000
            })
        );
        let a = limit_amounts(Side::Buy, d("0.6"), d("291.84"), TickSize::Tenth);
        assert_eq!(
            a,
            Ok(OrderAmounts {
                side: Side::Buy,
                maker: 175104000,
                taker: 291840000
            })
        );
    }

    #[test]
    fn refuses_what_cannot_be_signed() {
        assert!(matches!(
            limit_amounts(Side::Buy, d("0.5"), d("0.0000001"), TickSize::Hundredth),
            Err(AmountError::RoundsToZero { .. })
        ));
        assert!(matches!(
            limit_amounts(Side::Buy, d("0.5"), d("0"), TickSize::Hundredth),
            Err(AmountError::NotPositive { .. })
        ));
        assert!(matches!(
            limit_amounts(Side::Buy, d("0.5"), d("-3"), TickSize::Hundredth),
            Err(AmountError::NotPositive { .. })
        ));
        assert!(matches!(
            limit_amounts(Side::Buy, d("0.555"), d("10"), TickSize::Hundredth),
            Err(AmountError::PriceOffTick { .. })
        ));
        assert!(matches!(
            limit_amounts(
                Side::Buy,
                d("0.5"),
                d("100000000000000000000"),
                TickSize::Hundredth
            ),
            Err(AmountError::TooLarge { .. })
        ));
        assert!(matches!(
            limit_amounts(Side::Buy, d("0.5"), Decimal::MAX, TickSize::Hundredth),
            Err(AmountError::TooLarge { .. })
        ));
    }
}
