//! One logical book per market, kept in the price space of its first token ("YES").
//!
//! A BUY of the second token ("NO") at `q` is an ask on YES at `1 − q`; a SELL of NO at `q` is a
//! bid on YES at `1 − q`. Keeping every order in one space gives price priority across all three
//! match types at once (COMPLEMENTARY, MINT, MERGE), and time priority (acceptance order) inside a
//! price regardless of the token. Each token's book is a view: the NO book is the YES book
//! mirrored, with the same sizes.

use std::collections::BTreeMap;

use clobkit_core::types::Side;
use serde::{Deserialize, Serialize};

use crate::arena::Queue;
use crate::types::{PIPS_PER_UNIT, Pips};

/// The orders resting at one price (a list through the order arena, oldest first) and their
/// total open shares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// The ends of its time-priority queue.
    pub queue: Queue,
    /// Total open shares, base units.
    pub size: u64,
}

impl Level {
    /// A level with no orders.
    pub fn empty() -> Level {
        Level {
            queue: Queue::EMPTY,
            size: 0,
        }
    }
}

/// Bids and asks in YES-price space (pips).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Book {
    /// YES bids: BUY YES at p, SELL NO at 1 − p. Best is the highest.
    pub bids: BTreeMap<Pips, Level>,
    /// YES asks: SELL YES at p, BUY NO at 1 − p. Best is the lowest.
    pub asks: BTreeMap<Pips, Level>,
}

/// Price levels `(price, size)` of one side of a token's book, in wire order.
pub type Levels = Vec<(Pips, u64)>;

/// Which YES-space side an order rests on, and at what YES price.
pub fn yes_space(yes: bool, side: Side, price: Pips) -> (bool, Pips) {
    let bid = (yes && side == Side::Buy) || (!yes && side == Side::Sell);
    (
        bid,
        if yes {
            price
        } else {
            PIPS_PER_UNIT as Pips - price
        },
    )
}

impl Book {
    /// The side map.
    pub fn side_mut(&mut self, bid: bool) -> &mut BTreeMap<Pips, Level> {
        if bid { &mut self.bids } else { &mut self.asks }
    }

    /// The best level of a side: highest bid or lowest ask.
    pub fn best(&self, bid: bool) -> Option<(Pips, &Level)> {
        if bid {
            self.bids.iter().next_back().map(|(p, l)| (*p, l))
        } else {
            self.asks.iter().next().map(|(p, l)| (*p, l))
        }
    }

    /// Levels of one token's book as the API orders them: bids ascending and asks descending
    /// (best last), as `(price in that token, size)`.
    pub fn token_view(&self, yes: bool) -> (Levels, Levels) {
        let mirror = |p: Pips| PIPS_PER_UNIT as Pips - p;
        if yes {
            let bids = self.bids.iter().map(|(p, l)| (*p, l.size)).collect();
            let asks = self.asks.iter().rev().map(|(p, l)| (*p, l.size)).collect();
            (bids, asks)
        } else {
            // NO bids mirror YES asks; ascending NO price = descending YES price.
            let bids = self
                .asks
                .iter()
                .rev()
                .map(|(p, l)| (mirror(*p), l.size))
                .collect();
            let asks = self
                .bids
                .iter()
                .map(|(p, l)| (mirror(*p), l.size))
                .collect();
            (bids, asks)
        }
    }

    /// The best bid and best ask of one token's book, in that token's price: what `token_view`
    /// would put last on each side, without building the levels.
    pub fn token_best(&self, yes: bool) -> (Option<Pips>, Option<Pips>) {
        let mirror = |p: Pips| PIPS_PER_UNIT as Pips - p;
        let (bid, ask) = (self.best(true).map(|b| b.0), self.best(false).map(|a| a.0));
        if yes {
            (bid, ask)
        } else {
            (ask.map(mirror), bid.map(mirror))
        }
    }

    /// Whether the best bid is at or above the best ask (must never hold after a command).
    pub fn is_crossed(&self) -> bool {
        match (self.best(true), self.best(false)) {
            (Some((b, _)), Some((a, _))) => b >= a,
            _ => false,
        }
    }
}
