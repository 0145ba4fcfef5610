//! Amounts of market (FOK/FAK) orders: BUY sized in USDC, SELL sized in shares.

use rust_decimal::Decimal;

use super::units::{scaled_to_units, truncate_to};
use super::{AmountError, OrderAmounts, check_price};
use crate::protocol::ProtocolVersion;
use crate::types::{Side, TickSize};

/// The worst price a market order of protocol `version` signs, from the price given or walked.
///
/// V2's clients round it **down** to the tick's decimals before computing the amounts (both
/// official V2 clients; V1's Python client rounded to nearest, and we refuse an off-tick V1 price
/// instead of guessing which rounding the caller meant). The result must still be a whole number
/// of ticks: `0.517` on a `0.005` tick is refused by [`market_amounts`], not signed.
pub fn market_order_price(version: ProtocolVersion, price: Decimal, tick: TickSize) -> Decimal {
    match version {
        ProtocolVersion::V1 => price,
        _ => price.trunc_with_scale(tick.decimals()),
    }
}

/// Most decimals the exchange accepts in a market order's maker amount.
pub const MARKET_MAKER_DECIMALS: u32 = 2;
/// Most decimals the exchange accepts in a market order's taker amount.
pub const MARKET_TAKER_DECIMALS: u32 = 4;

/// Maker and taker amounts of a market order.
///
/// * BUY: `amount` is the USDC to spend, truncated to 2 decimals; the shares received are
///   `amount / price`.
/// * SELL: `amount` is the shares to sell, truncated to 2 decimals; the USDC received is
///   `shares × price`.
///
/// The received amount is rounded by the clients' rule, ceiling at `d + 4` decimals (the clients
/// use this to absorb float noise such as `9.999600000000001`) then flooring at `d`, here done in
/// exact integers, with `d = min(tick decimals + 2, 4)`: on the 0.001 and 0.0001 ticks the clients
/// keep 5 and 6 decimals, which the exchange rejects (`taker amount a max of 4 decimals`).
pub fn market_amounts(
    side: Side,
    amount: Decimal,
    price: Decimal,
    tick: TickSize,
) -> Result<OrderAmounts, AmountError> {
    market_amounts_for(ProtocolVersion::V1, side, amount, price, tick)
}

/// Decimals the received amount of a market order of `version` keeps on `tick`: the clients'
/// `tick decimals + 2`, capped at 4 for V1 (the V1 exchange's rule). **Decision [?]:** V2 is not
/// capped. The V2 clients send 5 decimals on the 0.005 tick (and 6 on 0.0025) for every market
/// BUY, the V2 exchange's source is not public, and a cap would refuse every such order of the
/// official clients; we follow the clients.
pub const fn market_received_decimals(version: ProtocolVersion, tick: TickSize) -> u32 {
    let d = tick.decimals() + 2;
    match version {
        ProtocolVersion::V1 if d > MARKET_TAKER_DECIMALS => MARKET_TAKER_DECIMALS,
        _ => d,
    }
}

/// [`market_amounts`] for an order of protocol `version` (see [`market_received_decimals`]).
pub fn market_amounts_for(
    version: ProtocolVersion,
    side: Side,
    amount: Decimal,
    price: Decimal,
    tick: TickSize,
) -> Result<OrderAmounts, AmountError> {
    let price_ticks = u128::from(check_price(price, tick)?);
    let pd = tick.decimals();
    let d = market_received_decimals(version, tick);
    let what = match side {
        Side::Buy => "amount",
        Side::Sell => "size",
    };
    // what is given, in units of 10^-2
    let given = truncate_to(amount, MARKET_MAKER_DECIMALS, what)?;
    let received = match side {
        Side::Buy => {
            // shares = given·10^-2 / (price_ticks·10^-pd); at scale 10^(d+4):
            // given · 10^(pd + d + 2) / price_ticks, rounded up.
            let num = given
                .checked_mul(10u128.pow(pd + d + 2))
                .ok_or(AmountError::TooLarge {
                    what,
                    value: amount,
                })?;
            num.div_ceil(price_ticks) / 10u128.pow(4)
        }
        Side::Sell => {
            // collateral = given · price_ticks at scale 10^(2 + pd); exact, so only the floor to
            // d decimals can change it.
            let exact = given * price_ticks;
            exact / 10u128.pow(2 + pd - d)
        }
    };
    let maker = scaled_to_units(given, MARKET_MAKER_DECIMALS, what)?;
    let taker = scaled_to_units(received, d, "amount received")?;
    if taker == 0 {
        return Err(AmountError::RoundsToZero {
            what: "amount received",
            value: amount,
            decimals: d,
        });
    }
    Ok(OrderAmounts { side, maker, taker })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// V2 rounds a market price down to the tick's decimals; V1 leaves it to the tick check.
    #[test]
    fn v2_market_price_rounds_down() {
        let v2 = |p: &str, t| market_order_price(ProtocolVersion::V2, d(p), t);
        assert_eq!(v2("0.5299", TickSize::Hundredth), d("0.52"));
        assert_eq!(v2("0.5177", TickSize::HalfCent), d("0.517"));
        assert!(matches!(
            market_amounts(
                Side::Buy,
                d("10"),
                v2("0.5177", TickSize::HalfCent),
                TickSize::HalfCent
            ),
            Err(AmountError::PriceOffTick { .. })
        ));
        assert_eq!(
            market_amounts(
                Side::Buy,
                d("10"),
                v2("0.5159", TickSize::HalfCent),
                TickSize::HalfCent
            )
            .map(|a| a.maker),
            Ok(10_000_000)
        );
        assert_eq!(
            market_order_price(ProtocolVersion::V1, d("0.5299"), TickSize::Hundredth),
            d("0.5299")
        );
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    /// protocol.md §8.5 market BUY rows (Python = TS) on the 0.1 and 0.01 ticks, where the
    /// clients' precision is within the exchange's limits and we must agree exactly.
    #[test]
    fn reference_vectors_coarse_ticks() {
        let rows: &[(TickSize, &str, &str, u64, u64)] = &[
            (TickSize::Tenth, "0.7", "119", 119000000, 170000000),
            (TickSize::Tenth, "0.8", "82.8", 82800000, 103500000),
            (TickSize::Tenth, "0.7", "9.9996", 9990000, 14271000),
            (TickSize::Tenth, "0.3", "949.9971", 949990000, 3166633000),
            (TickSize::Tenth, "0.5", "1", 1000000, 2000000),
            (TickSize::Tenth, "0.5", "100", 100000000, 200000000),
            (TickSize::Hundredth, "0.07", "119", 119000000, 1700000000),
            (TickSize::Hundredth, "0.82", "82.82", 82820000, 101000000),
            (TickSize::Hundredth, "0.78", "9.9996", 9990000, 12807600),
            (
                TickSize::Hundredth,
                "0.39",
                "949.9971",
                949990000,
                2435871700,
            ),
            (TickSize::Hundredth, "0.56", "1", 1000000, 1785700),
            (TickSize::Hundredth, "0.57", "1", 1000000, 1754300),
        ];
        for &(tick, p, a, maker, taker) in rows {
            assert_eq!(
                market_amounts(Side::Buy, d(a), d(p), tick),
                Ok(OrderAmounts {
                    side: Side::Buy,
                    maker,
                    taker
                }),
                "BUY ${a} @ {p}"
            );
        }
    }

    /// On the fine ticks the clients keep 5 or 6 taker decimals, which the exchange rejects; we
    /// floor to 4 (the rows are protocol.md §8.5; the clients' takers are in the comments).
    #[test]
    fn fine_ticks_respect_exchange_precision() {
        let rows: &[(TickSize, &str, &str, u64, u64)] = &[
            (TickSize::Thousandth, "0.082", "82.82", 82820000, 1010000000), // same as clients
            (TickSize::Thousandth, "0.078", "9.9996", 9990000, 128076900),  // clients 128076920
            (
                TickSize::Thousandth,
                "0.039",
                "949.9971",
                949990000,
                24358717900,
            ), // clients …940
            (TickSize::Thousandth, "0.056", "1", 1000000, 17857100),        // clients 17857140
            (
                TickSize::TenThousandth,
                "0.0078",
                "9.9996",
                9990000,
                1280769200,
            ), // clients …230
            (
                TickSize::TenThousandth,
                "0.0039",
                "949.9971",
                949990000,
                243587179400,
            ), // …487
            (TickSize::TenThousandth, "0.0057", "1", 1000000, 175438500),   // clients 175438596
            (TickSize::Thousandth, "0.985", "9.98", 9980000, 10131900),     // clients 10131970
        ];
        for &(tick, p, a, maker, taker) in rows {
            let got = market_amounts(Side::Buy, d(a), d(p), tick);
            assert_eq!(
                got,
                Ok(OrderAmounts {
                    side: Side::Buy,
                    maker,
                    taker
                }),
                "BUY ${a} @ {p}"
            );
            assert_eq!(maker % 10_000, 0, "maker has at most 2 decimals");
            assert_eq!(taker % 100, 0, "taker has at most 4 decimals");
        }
        let sell = market_amounts(Side::Sell, d("10.01"), d("0.0123"), TickSize::TenThousandth);
        // 10.01 × 0.0123 = 0.123123 → 0.1231
        assert_eq!(
            sell,
            Ok(OrderAmounts {
                side: Side::Sell,
                maker: 10010000,
                taker: 123100
            })
        );
    }

    /// Python's float `round_down(2.03, 2)` is 2.02; we spend the 2.03 asked for (like TS).
    #[test]
    fn exact_where_python_floats_are_not() {
        let a = market_amounts(Side::Buy, d("2.03"), d("0.58"), TickSize::Hundredth);
        assert_eq!(
            a,
            Ok(OrderAmounts {
                side: Side::Buy,
                maker: 2030000,
                taker: 3500000
            })
        );
    }

    #[test]
    fn sell_is_sized_in_shares() {
        let a = market_amounts(Side::Sell, d("100"), d("0.5"), TickSize::Hundredth);
        assert_eq!(
            a,
            Ok(OrderAmounts {
                side: Side::Sell,
                maker: 100000000,
                taker: 50000000
            })
        );
        assert!(matches!(
            market_amounts(Side::Sell, d("0.001"), d("0.5"), TickSize::Hundredth),
            Err(AmountError::RoundsToZero { .. })
        ));
        assert!(matches!(
            market_amounts(Side::Buy, d("5"), d("1"), TickSize::Hundredth),
            Err(AmountError::PriceOutOfRange { .. })
        ));
    }
}

#[cfg(test)]
mod version_tests {
    use super::*;
    use std::str::FromStr;

    /// A V2 market BUY on the 0.005 tick keeps the clients' 5 decimals (V1 caps at 4).
    #[test]
    fn v2_keeps_the_clients_decimals() {
        let d = |s: &str| Decimal::from_str(s).unwrap_or_default();
        let v1 = market_amounts(Side::Buy, d("5"), d("0.515"), TickSize::HalfCent);
        let v2 = market_amounts_for(
            ProtocolVersion::V2,
            Side::Buy,
            d("5"),
            d("0.515"),
            TickSize::HalfCent,
        );
        assert_eq!(v1.map(|a| a.taker), Ok(9_708_700));
        assert_eq!(v2.map(|a| a.taker), Ok(9_708_730));
        assert_eq!(
            market_received_decimals(ProtocolVersion::V2, TickSize::QuarterCent),
            6
        );
        assert_eq!(
            market_received_decimals(ProtocolVersion::V1, TickSize::TenThousandth),
            4
        );
    }
}
