//! The market price of a market order: walk the book from the best level until it can fill.

use rust_decimal::Decimal;

use super::AmountError;
use crate::book::PriceLevel;
use crate::types::{OrderType, Side};

/// The worst price a market BUY of `usdc` must accept, from the asks as the API returns them
/// (descending, best ask last).
///
/// Walking from the best level, the running notional (`size × price`) is compared with the
/// amount; the first level where it is reached gives the price. If the whole side is not enough,
/// FOK fails with [`AmountError::CannotFill`] and FAK takes the worst level. Exact sums, where the
/// clients add doubles.
pub fn market_buy_price(
    asks: &[PriceLevel],
    usdc: Decimal,
    order_type: OrderType,
) -> Result<Decimal, AmountError> {
    walk(asks, usdc, order_type, "asks", "USDC", |l| {
        l.size.checked_mul(l.price)
    })
}

/// The worst price a market SELL of `shares` must accept, from the bids as the API returns them
/// (ascending, best bid last). Same rules as [`market_buy_price`], summing sizes.
pub fn market_sell_price(
    bids: &[PriceLevel],
    shares: Decimal,
    order_type: OrderType,
) -> Result<Decimal, AmountError> {
    walk(bids, shares, order_type, "bids", "shares", |l| Some(l.size))
}

/// [`market_buy_price`] or [`market_sell_price`] by side; `levels` is the side the order takes
/// from (asks for a BUY, bids for a SELL).
pub fn market_price(
    side: Side,
    levels: &[PriceLevel],
    amount: Decimal,
    order_type: OrderType,
) -> Result<Decimal, AmountError> {
    match side {
        Side::Buy => market_buy_price(levels, amount, order_type),
        Side::Sell => market_sell_price(levels, amount, order_type),
    }
}

fn walk(
    levels: &[PriceLevel],
    amount: Decimal,
    order_type: OrderType,
    wanted: &'static str,
    unit: &'static str,
    weight: impl Fn(&PriceLevel) -> Option<Decimal>,
) -> Result<Decimal, AmountError> {
    let Some(worst) = levels.first() else {
        return Err(AmountError::EmptyBook { wanted });
    };
    let mut sum = Decimal::ZERO;
    for level in levels.iter().rev() {
        let w = weight(level).ok_or(AmountError::TooLarge {
            what: "book level",
            value: level.size,
        })?;
        sum = sum.checked_add(w).ok_or(AmountError::TooLarge {
            what: "book depth",
            value: sum,
        })?;
        if sum >= amount {
            return Ok(level.price);
        }
    }
    match order_type {
        OrderType::Fok => Err(AmountError::CannotFill {
            amount,
            unit,
            order_type,
        }),
        _ => Ok(worst.price),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn book(levels: &[(&str, &str)]) -> Vec<PriceLevel> {
        levels
            .iter()
            .map(|(p, s)| PriceLevel {
                price: Decimal::from_str(p).unwrap_or_default(),
                size: Decimal::from_str(s).unwrap_or_default(),
            })
            .collect()
    }
    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    /// protocol.md §8.8
    #[test]
    fn reference_walks() {
        let fok = OrderType::Fok;
        let fak = OrderType::Fak;
        let asks = book(&[("0.5", "100"), ("0.4", "100"), ("0.3", "100")]);
        assert_eq!(market_buy_price(&asks, d("100"), fok), Ok(d("0.5")));
        let asks = book(&[("0.5", "100"), ("0.4", "200"), ("0.3", "100")]);
        assert_eq!(market_buy_price(&asks, d("100"), fok), Ok(d("0.4")));
        let asks = book(&[("0.5", "120"), ("0.4", "100"), ("0.3", "100")]);
        assert_eq!(market_buy_price(&asks, d("100"), fok), Ok(d("0.5")));
        let asks = book(&[("0.5", "100"), ("0.4", "100")]);
        assert!(matches!(
            market_buy_price(&asks, d("100"), fok),
            Err(AmountError::CannotFill { .. })
        ));
        assert_eq!(market_buy_price(&asks, d("100"), fak), Ok(d("0.5")));
        assert_eq!(
            market_buy_price(&[], d("100"), fak),
            Err(AmountError::EmptyBook { wanted: "asks" })
        );

        let bids = book(&[("0.3", "100"), ("0.4", "100"), ("0.5", "100")]);
        assert_eq!(market_sell_price(&bids, d("100"), fok), Ok(d("0.5")));
        let bids = book(&[("0.3", "100"), ("0.4", "300"), ("0.5", "10")]);
        assert_eq!(market_sell_price(&bids, d("100"), fok), Ok(d("0.4")));
        let bids = book(&[("0.3", "300"), ("0.4", "100"), ("0.5", "100")]);
        assert_eq!(market_sell_price(&bids, d("200"), fok), Ok(d("0.4")));
        let bids = book(&[("0.3", "334"), ("0.4", "100"), ("0.5", "100")]);
        assert_eq!(market_sell_price(&bids, d("300"), fok), Ok(d("0.3")));
        let bids = book(&[("0.4", "10"), ("0.5", "10")]);
        assert!(matches!(
            market_sell_price(&bids, d("100"), fok),
            Err(AmountError::CannotFill { .. })
        ));
        assert_eq!(market_sell_price(&bids, d("100"), fak), Ok(d("0.4")));
    }

    /// Three levels of 0.1 × 1 sum to exactly 0.3 here; with doubles, 0.1 + 0.1 + 0.1 < 0.3.
    #[test]
    fn exact_sums() {
        let asks = book(&[("0.1", "1"), ("0.1", "1"), ("0.1", "1")]);
        assert_eq!(
            market_buy_price(&asks, d("0.3"), OrderType::Fok),
            Ok(d("0.1"))
        );
    }
}
