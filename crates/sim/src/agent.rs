//! What each kind of agent does when its turn comes: a pure function of its random generator
//! and what it sees (the fair value and the best prices), so the same seed and the same
//! exchange events give the same decisions.

use clobkit_core::Decimal;
use clobkit_core::types::Side;
use rand::RngExt as _;
use rand_pcg::Pcg64Mcg;

use crate::config::{Informed, Makers, Noise};

/// What an agent sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    /// The fair value of the first token, in ticks.
    pub fair_ticks: u32,
    /// Ticks in one unit of price.
    pub per_unit: u32,
    /// The tick.
    pub tick: Decimal,
    /// The first token's best bid.
    pub best_bid: Option<Decimal>,
    /// Its best ask.
    pub best_ask: Option<Decimal>,
}

impl View {
    fn price(&self, ticks: u32) -> Decimal {
        Decimal::from(ticks) * self.tick
    }

    /// `ticks` clamped inside the tradable range `[1, per_unit − 1]`.
    fn inside(&self, ticks: i64) -> u32 {
        u32::try_from(ticks.clamp(1, i64::from(self.per_unit) - 1)).unwrap_or(1)
    }
}

/// What an agent does on its turn (on the market's first token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Cancel its orders in the market, then rest these post-only quotes: `(price, size)`.
    Requote {
        /// Bids.
        bids: Vec<(Decimal, Decimal)>,
        /// Asks.
        asks: Vec<(Decimal, Decimal)>,
    },
    /// A GTC limit order.
    Limit {
        /// Side.
        side: Side,
        /// Price.
        price: Decimal,
        /// Shares.
        size: Decimal,
    },
    /// A FAK market order: `amount` is collateral for a BUY, shares for a SELL; `worst` the
    /// worst price accepted.
    Market {
        /// Side.
        side: Side,
        /// Amount.
        amount: Decimal,
        /// Worst price.
        worst: Decimal,
    },
}

/// A market maker's quotes around the fair value.
pub fn maker(m: &Makers, v: &View) -> Action {
    let fair = i64::from(v.fair_ticks);
    let mut bids = Vec::new();
    let mut asks = Vec::new();
    for level in 0..i64::from(m.levels) {
        let away = i64::from(m.spread_ticks) + level;
        let (b, a) = (fair - away, fair + away);
        if b >= 1 {
            bids.push((v.price(v.inside(b)), m.size));
        }
        if a < i64::from(v.per_unit) {
            asks.push((v.price(v.inside(a)), m.size));
        }
    }
    Action::Requote { bids, asks }
}

/// A whole number of shares in `[min, max]`.
fn size_between(rng: &mut Pcg64Mcg, min: Decimal, max: Decimal) -> Decimal {
    let lo = u64::try_from(min.ceil()).unwrap_or(1).max(1);
    let hi = u64::try_from(max.trunc()).unwrap_or(lo).max(lo);
    Decimal::from(rng.random_range(lo..=hi))
}

/// A BUY's collateral for `size` at `price`: cents, at least the $1 a marketable BUY needs.
fn collateral(size: Decimal, price: Decimal) -> Decimal {
    (size * price).round_dp(2).max(Decimal::ONE)
}

/// A noise taker's order: a random side and size; a market order (when the side it takes has
/// liquidity) or a limit order a few ticks around the fair value.
pub fn noise(n: &Noise, rng: &mut Pcg64Mcg, v: &View) -> Action {
    let side = if rng.random_range(0..2) == 0 {
        Side::Buy
    } else {
        Side::Sell
    };
    let size = size_between(rng, n.min_size, n.max_size);
    let market = rng.random_range(0..100) < n.market_percent;
    let offset: i64 = rng.random_range(-3..=3);
    let slippage = 5i64;
    match (market, side, v.best_ask, v.best_bid) {
        (true, Side::Buy, Some(ask), _) => {
            let worst = v.inside(i64::from(v.fair_ticks).max(ticks_of(ask, v)) + slippage);
            Action::Market {
                side,
                amount: collateral(size, ask),
                worst: v.price(worst),
            }
        }
        (true, Side::Sell, _, Some(bid)) => {
            let worst = v.inside(i64::from(v.fair_ticks).min(ticks_of(bid, v)) - slippage);
            Action::Market {
                side,
                amount: size,
                worst: v.price(worst),
            }
        }
        _ => Action::Limit {
            side,
            price: v.price(v.inside(i64::from(v.fair_ticks) + offset)),
            size,
        },
    }
}

fn ticks_of(price: Decimal, v: &View) -> i64 {
    i64::try_from((price / v.tick).trunc()).unwrap_or(i64::from(v.fair_ticks))
}

/// An informed trader's order: it buys what is offered `edge_ticks` below the fair value and
/// sells into bids as far above it (nothing when the book is fair).
pub fn informed(i: &Informed, v: &View) -> Option<Action> {
    let fair = i64::from(v.fair_ticks);
    let edge = i64::from(i.edge_ticks);
    if let Some(ask) = v.best_ask
        && ticks_of(ask, v) <= fair - edge
    {
        return Some(Action::Market {
            side: Side::Buy,
            amount: collateral(i.size, ask),
            worst: v.price(v.inside(fair - edge)),
        });
    }
    if let Some(bid) = v.best_bid
        && ticks_of(bid, v) >= fair + edge
    {
        return Some(Action::Market {
            side: Side::Sell,
            amount: i.size,
            worst: v.price(v.inside(fair + edge)),
        });
    }
    None
}

/// The wait before an agent's next turn: uniform in `[0, 2 × mean]` milliseconds, so turns
/// come `per_min` times a minute on average.
pub fn next_wait_ms(rng: &mut Pcg64Mcg, per_min: u32) -> u64 {
    let mean = 60_000 / u64::from(per_min.max(1));
    rng.random_range(0..=2 * mean.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng as _;

    fn view(fair: u32, bid: Option<&str>, ask: Option<&str>) -> View {
        View {
            fair_ticks: fair,
            per_unit: 100,
            tick: Decimal::new(1, 2),
            best_bid: bid.map(|b| b.parse().unwrap_or_default()),
            best_ask: ask.map(|a| a.parse().unwrap_or_default()),
        }
    }

    #[test]
    fn makers_quote_around_the_fair_value_inside_the_price_range() {
        let m = Makers {
            count: 1,
            spread_ticks: 2,
            levels: 3,
            size: Decimal::from(10),
            refresh_ms: 100,
        };
        let Action::Requote { bids, asks } = maker(&m, &view(50, None, None)) else {
            panic!("a requote")
        };
        let prices =
            |q: &[(Decimal, Decimal)]| q.iter().map(|(p, _)| p.to_string()).collect::<Vec<_>>();
        assert_eq!(prices(&bids), ["0.48", "0.47", "0.46"]);
        assert_eq!(prices(&asks), ["0.52", "0.53", "0.54"]);
        let Action::Requote { bids, asks } = maker(&m, &view(98, None, None)) else {
            panic!("a requote")
        };
        assert_eq!(asks.len(), 0, "nothing at or above 1: {asks:?}");
        assert_eq!(bids.len(), 3);
    }

    #[test]
    fn informed_traders_take_only_mispriced_liquidity() {
        let i = Informed {
            count: 1,
            orders_per_min: 60,
            edge_ticks: 2,
            size: Decimal::from(20),
        };
        assert_eq!(informed(&i, &view(50, Some("0.49"), Some("0.51"))), None);
        assert!(matches!(
            informed(&i, &view(60, Some("0.49"), Some("0.51"))),
            Some(Action::Market {
                side: Side::Buy,
                ..
            })
        ));
        assert!(matches!(
            informed(&i, &view(40, Some("0.49"), Some("0.51"))),
            Some(Action::Market {
                side: Side::Sell,
                ..
            })
        ));
    }

    /// The same seed and the same views give the same decisions.
    #[test]
    fn decisions_are_reproducible_from_the_seed() {
        let n = Noise {
            count: 1,
            orders_per_min: 600,
            min_size: Decimal::from(5),
            max_size: Decimal::from(40),
            market_percent: 40,
        };
        let run = |seed: u64| {
            let mut rng = Pcg64Mcg::seed_from_u64(seed);
            (0..200)
                .map(|k| {
                    let v = view(30 + k % 40, Some("0.30"), Some("0.70"));
                    (
                        noise(&n, &mut rng, &v),
                        next_wait_ms(&mut rng, n.orders_per_min),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        for (a, wait) in run(9) {
            assert!(wait <= 200);
            match a {
                Action::Market {
                    side: Side::Buy,
                    amount,
                    ..
                } => assert!(amount >= Decimal::ONE),
                Action::Limit { price, size, .. } => {
                    assert!(price > Decimal::ZERO && price < Decimal::ONE);
                    assert!(size >= Decimal::from(5) && size <= Decimal::from(40));
                }
                _ => {}
            }
        }
    }
}
