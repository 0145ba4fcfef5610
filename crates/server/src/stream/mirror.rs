//! The streams' own copy of the books: each token's levels, kept from the records' level
//! changes as they are published, so books, hashes and best prices are computed off the
//! sequencer and show only durable state.

use std::collections::{BTreeMap, HashMap};

use clobkit_core::Decimal;
use clobkit_core::book::{BookFields, Fixed, OrderBookSummary, PriceLevel, hash_book};
use clobkit_core::types::{ConditionId, Side, TickSize, TokenId};
use clobkit_core::wire::stream::{
    BookMessage, EventMessage, MarketResolvedMessage, NewMarketMessage,
};
use clobkit_engine::{
    MarketStatus, PIPS_PER_UNIT, Pips, in_other_token, pips_to_decimal, units_to_decimal,
};

use super::feed::{MarketState, Seed};

/// A token's best bid and best ask, if any.
pub type Best = (Option<Pips>, Option<Pips>);

/// Decimal places of a price in pips.
const PIPS_SCALE: u32 = PIPS_PER_UNIT.ilog10();
/// Decimal places of an amount in base units.
const UNITS_SCALE: u32 = clobkit_core::amounts::AMOUNT_DECIMALS;

/// Where a token is: its market's index and its index in the market (0: first token).
pub type Place = (usize, usize);

/// One token's levels in its own prices.
#[derive(Debug, Clone, Default)]
struct TokenBook {
    bids: BTreeMap<Pips, u64>,
    asks: BTreeMap<Pips, u64>,
}

impl TokenBook {
    fn from_levels(bids: &[(Pips, u64)], asks: &[(Pips, u64)]) -> TokenBook {
        TokenBook {
            bids: bids.iter().copied().collect(),
            asks: asks.iter().copied().collect(),
        }
    }
}

#[derive(Debug, Clone)]
struct MarketMirror {
    state: MarketState,
    books: [TokenBook; 2],
    last_trade: [Option<(Pips, Side)>; 2],
}

/// What a market's new state changed, for the messages it implies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarketChange {
    /// The market is new.
    Created(usize),
    /// Its tick size changed.
    Tick {
        /// The market.
        market: usize,
        /// Before.
        old: TickSize,
        /// Now.
        new: TickSize,
    },
    /// It resolved.
    Resolved {
        /// The market.
        market: usize,
        /// The winning token.
        winner: TokenId,
    },
}

/// Every market's books as the streams last published them.
#[derive(Debug, Default)]
pub struct Mirror {
    markets: Vec<MarketMirror>,
    by_token: HashMap<TokenId, Place>,
    by_condition: HashMap<ConditionId, usize>,
}

impl Mirror {
    /// The books recovery left.
    pub fn from_seed(seed: Seed) -> Mirror {
        let mut m = Mirror::default();
        for s in seed.markets {
            let i = m.add(s.state);
            let mm = &mut m.markets[i];
            for (book, (bids, asks)) in mm.books.iter_mut().zip(s.levels.iter()) {
                *book = TokenBook::from_levels(bids, asks);
            }
            mm.last_trade = s.last_trade;
        }
        m
    }

    fn add(&mut self, state: MarketState) -> usize {
        let i = self.markets.len();
        for (ti, t) in state.spec.tokens.iter().enumerate() {
            self.by_token.insert(*t, (i, ti));
        }
        self.by_condition.insert(state.spec.condition_id, i);
        self.markets.push(MarketMirror {
            state,
            books: Default::default(),
            last_trade: [None, None],
        });
        i
    }

    /// Where `token` is.
    pub fn locate(&self, token: &TokenId) -> Option<Place> {
        self.by_token.get(token).copied()
    }

    /// A market's two tokens.
    pub fn tokens(&self, market: usize) -> [TokenId; 2] {
        self.markets
            .get(market)
            .map_or([TokenId::default(); 2], |m| m.state.spec.tokens)
    }

    /// A market's condition id.
    pub fn condition(&self, market: usize) -> ConditionId {
        self.markets
            .get(market)
            .map(|m| m.state.spec.condition_id)
            .unwrap_or_default()
    }

    /// Records a market's state; says what changed.
    pub fn set_market(&mut self, state: MarketState) -> Option<MarketChange> {
        let Some(&i) = self.by_condition.get(&state.spec.condition_id) else {
            return Some(MarketChange::Created(self.add(state)));
        };
        let m = &mut self.markets[i];
        let old = std::mem::replace(&mut m.state, state);
        let now = &m.state;
        if old.spec.tick_size != now.spec.tick_size {
            return Some(MarketChange::Tick {
                market: i,
                old: old.spec.tick_size,
                new: now.spec.tick_size,
            });
        }
        match (old.status, now.status) {
            (MarketStatus::Resolved { .. }, _) => None,
            (_, MarketStatus::Resolved { winner }) => {
                Some(MarketChange::Resolved { market: i, winner })
            }
            _ => None,
        }
    }

    /// Sets one level of one token.
    pub fn set_level(&mut self, at: Place, side: Side, price: Pips, size: u64) {
        let Some(book) = self.markets.get_mut(at.0).map(|m| &mut m.books[at.1]) else {
            return;
        };
        let levels = match side {
            Side::Buy => &mut book.bids,
            Side::Sell => &mut book.asks,
        };
        if size == 0 {
            levels.remove(&price);
        } else {
            levels.insert(price, size);
        }
    }

    /// Records a trade at `price` (in the taker's token, `side` the taker's) on both tokens.
    pub fn set_last_trade(&mut self, at: Place, price: Pips, side: Side) {
        if let Some(m) = self.markets.get_mut(at.0) {
            m.last_trade[at.1] = Some((price, side));
            m.last_trade[1 - at.1] = Some(in_other_token(price, side));
        }
    }

    /// A token's best bid and ask.
    pub fn best(&self, at: Place) -> Best {
        self.markets.get(at.0).map_or((None, None), |m| {
            let b = &m.books[at.1];
            (
                b.bids.keys().next_back().copied(),
                b.asks.keys().next().copied(),
            )
        })
    }

    /// A token's book as `/book` would show it at `ts_ms`, hashed.
    pub fn summary(&self, at: Place, ts_ms: u64) -> Option<OrderBookSummary> {
        let m = self.markets.get(at.0)?;
        let b = &m.books[at.1];
        let level = |(p, s): (&Pips, &u64)| PriceLevel {
            price: pips_to_decimal(*p),
            size: units_to_decimal(*s),
        };
        Some(
            OrderBookSummary {
                market: m.state.spec.condition_id.to_string(),
                asset_id: m.state.spec.tokens[at.1].to_string(),
                timestamp: ts_ms.to_string(),
                hash: String::new(),
                bids: b.bids.iter().map(level).collect(),
                asks: b.asks.iter().rev().map(level).collect(),
                min_order_size: units_to_decimal(m.state.spec.min_order_size),
                tick_size: m.state.spec.tick_size,
                neg_risk: m.state.spec.neg_risk,
                last_trade_price: Some(self.last_price(at)),
            }
            .with_hash(),
        )
    }

    /// A token's book hash at `ts_ms` (what [`Mirror::summary`] would carry), written straight
    /// from the levels: the streams hash a book at every change.
    pub fn hash(&self, at: Place, ts_ms: u64) -> String {
        let Some(m) = self.markets.get(at.0) else {
            return String::new();
        };
        let b = &m.books[at.1];
        let fixed = |(p, s): (&Pips, &u64)| {
            (
                Fixed {
                    value: u64::from(*p),
                    scale: PIPS_SCALE,
                },
                Fixed {
                    value: *s,
                    scale: UNITS_SCALE,
                },
            )
        };
        let (market, asset) = (
            m.state.spec.condition_id.to_string(),
            m.state.spec.tokens[at.1].to_string(),
        );
        hash_book(&BookFields {
            market: &market,
            asset_id: &asset,
            timestamp: &ts_ms.to_string(),
            bids: b.bids.iter().map(fixed),
            asks: b.asks.iter().rev().map(fixed),
            min_order_size: units_to_decimal(m.state.spec.min_order_size),
            tick_size: m.state.spec.tick_size,
            neg_risk: m.state.spec.neg_risk,
            last_trade_price: Some(self.last_price(at)),
        })
    }

    /// The last trade's price in a token (`0.5` before any, as `/book` says).
    fn last_price(&self, at: Place) -> Decimal {
        self.markets
            .get(at.0)
            .and_then(|m| m.last_trade[at.1])
            .map_or(Decimal::new(5, 1), |(p, _)| pips_to_decimal(p))
    }

    /// A token's `book` message at `ts_ms`; the subscribe snapshot (`initial`) also carries the
    /// tick size and the last trade price.
    pub fn book_message(&self, at: Place, ts_ms: u64, initial: bool) -> Option<BookMessage> {
        let s = self.summary(at, ts_ms)?;
        let m = self.markets.get(at.0)?;
        Some(BookMessage {
            market: m.state.spec.condition_id,
            asset_id: m.state.spec.tokens[at.1],
            timestamp: ts_ms,
            hash: s.hash,
            bids: s.bids,
            asks: s.asks,
            tick_size: initial.then_some(s.tick_size),
            last_trade_price: initial.then(|| self.last_price(at)),
        })
    }

    /// The `new_market` message of a market.
    pub fn new_market(&self, market: usize, ts_ms: u64) -> Option<NewMarketMessage> {
        let m = self.markets.get(market)?;
        let spec = &m.state.spec;
        Some(NewMarketMessage {
            id: spec.condition_id.to_string(),
            question: question(&spec.outcomes),
            market: spec.condition_id,
            slug: String::new(),
            description: String::new(),
            assets_ids: spec.tokens.to_vec(),
            outcomes: spec.outcomes.to_vec(),
            event_message: EventMessage::default(),
            timestamp: ts_ms,
            order_price_min_tick_size: Some(spec.tick_size.as_decimal()),
        })
    }

    /// The `market_resolved` message of a market won by `winner`.
    pub fn resolved(
        &self,
        market: usize,
        winner: TokenId,
        ts_ms: u64,
    ) -> Option<MarketResolvedMessage> {
        let m = self.markets.get(market)?;
        let spec = &m.state.spec;
        let wi = spec.tokens.iter().position(|t| *t == winner).unwrap_or(0);
        Some(MarketResolvedMessage {
            id: spec.condition_id.to_string(),
            question: question(&spec.outcomes),
            market: spec.condition_id,
            slug: String::new(),
            description: String::new(),
            assets_ids: spec.tokens.to_vec(),
            outcomes: spec.outcomes.to_vec(),
            winning_asset_id: winner,
            winning_outcome: spec.outcomes[wi].clone(),
            event_message: EventMessage::default(),
            timestamp: ts_ms,
        })
    }
}

/// The question a local market shows (the same words `/markets` uses).
pub fn question(outcomes: &[String; 2]) -> String {
    format!("{} / {}", outcomes[0], outcomes[1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use clobkit_engine::MarketSpec;

    /// The hash written from the levels is the summary's.
    #[test]
    fn the_fast_hash_is_the_summary_hash() {
        let spec = MarketSpec::yes_no(ConditionId::default(), TokenId::from(1), TokenId::from(2));
        let mut m = Mirror::default();
        m.set_market(MarketState {
            spec,
            status: MarketStatus::Open,
        });
        let yes = (0, 0);
        for (side, price, size) in [
            (Side::Buy, 4000, 10_000_000),
            (Side::Buy, 4100, 2_500_000),
            (Side::Sell, 6000, 1_230_000),
            (Side::Sell, 9900, 5),
        ] {
            m.set_level(yes, side, price, size);
        }
        m.set_last_trade(yes, 4100, Side::Buy);
        for at in [(0, 0), (0, 1)] {
            let summary = m.summary(at, 1_700_000_000_000).map(|s| s.hash);
            assert_eq!(Some(m.hash(at, 1_700_000_000_000)), summary);
        }
    }
}
