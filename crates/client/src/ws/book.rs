//! Order books kept from the market channel: replaced by each `book`, changed by each
//! `price_change`, and marked unusable across a gap until the fresh snapshot arrives.
//!
//! Levels live in ordered maps keyed by exact decimal price, so the best bid is the highest key
//! and the best ask the lowest whatever order the wire used (websocket.md §1.5: the exchange sends
//! the best level last; the official Rust SDK's midpoint reads the first, the worst, levels).

use std::collections::{BTreeMap, HashMap};

use clobkit_core::Decimal;
use clobkit_core::book::{OrderBookSummary, PriceLevel};
use clobkit_core::types::{Side, TickSize, TokenId};
use clobkit_core::wire::stream::StreamEvent;

use super::StreamItem;

/// One token's book.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalBook {
    bids: BTreeMap<Decimal, Decimal>,
    asks: BTreeMap<Decimal, Decimal>,
    /// The hash the exchange last sent for this book (a change marker).
    pub hash: String,
    /// Unix milliseconds of the last change.
    pub timestamp: u64,
    /// False from a gap on its socket until its next snapshot: do not trade on it then.
    pub fresh: bool,
    /// The market's tick size, from the snapshot and `tick_size_change` events.
    pub tick_size: Option<TickSize>,
}

impl LocalBook {
    /// The highest bid, with its size.
    pub fn best_bid(&self) -> Option<(Decimal, Decimal)> {
        self.bids.iter().next_back().map(|(p, s)| (*p, *s))
    }

    /// The lowest ask, with its size.
    pub fn best_ask(&self) -> Option<(Decimal, Decimal)> {
        self.asks.iter().next().map(|(p, s)| (*p, *s))
    }

    /// Exactly halfway between the best bid and the best ask (both needed).
    pub fn midpoint(&self) -> Option<Decimal> {
        let (b, a) = (self.best_bid()?.0, self.best_ask()?.0);
        Some(((b + a) / Decimal::TWO).normalize())
    }

    /// Best ask minus best bid (both needed).
    pub fn spread(&self) -> Option<Decimal> {
        Some(self.best_ask()?.0 - self.best_bid()?.0)
    }

    /// Bids, best first.
    pub fn bids(&self) -> impl Iterator<Item = (Decimal, Decimal)> + '_ {
        self.bids.iter().rev().map(|(p, s)| (*p, *s))
    }

    /// Asks, best first.
    pub fn asks(&self) -> impl Iterator<Item = (Decimal, Decimal)> + '_ {
        self.asks.iter().map(|(p, s)| (*p, *s))
    }

    /// Where this book and a REST `/book` answer differ, if they do (levels compared by exact
    /// value, so `"0.50"` and `"0.5"` agree).
    pub fn differences(&self, rest: &OrderBookSummary) -> Vec<String> {
        let side = |levels: &[PriceLevel]| -> BTreeMap<Decimal, Decimal> {
            levels
                .iter()
                .map(|l| (l.price.normalize(), l.size.normalize()))
                .collect()
        };
        let norm = |m: &BTreeMap<Decimal, Decimal>| -> BTreeMap<Decimal, Decimal> {
            m.iter()
                .map(|(p, s)| (p.normalize(), s.normalize()))
                .collect()
        };
        let mut out = Vec::new();
        for (name, mine, theirs) in [
            ("bids", norm(&self.bids), side(&rest.bids)),
            ("asks", norm(&self.asks), side(&rest.asks)),
        ] {
            if mine != theirs {
                out.push(format!("{name}: stream {mine:?}, REST {theirs:?}"));
            }
        }
        out
    }

    fn replace(&mut self, bids: &[PriceLevel], asks: &[PriceLevel]) {
        self.bids = bids.iter().map(|l| (l.price, l.size)).collect();
        self.asks = asks.iter().map(|l| (l.price, l.size)).collect();
        self.bids.retain(|_, s| !s.is_zero());
        self.asks.retain(|_, s| !s.is_zero());
    }

    fn set(&mut self, side: Side, price: Decimal, size: Decimal) {
        let levels = match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        if size.is_zero() {
            levels.remove(&price);
        } else {
            levels.insert(price, size);
        }
    }
}

/// Every book a market stream follows.
#[derive(Debug, Clone, Default)]
pub struct OrderBooks {
    books: HashMap<TokenId, LocalBook>,
    shard_of: HashMap<TokenId, usize>,
}

impl OrderBooks {
    /// No books yet.
    pub fn new() -> OrderBooks {
        OrderBooks::default()
    }

    /// A token's book, once its first snapshot arrived.
    pub fn get(&self, token: &TokenId) -> Option<&LocalBook> {
        self.books.get(token)
    }

    /// Every book.
    pub fn iter(&self) -> impl Iterator<Item = (&TokenId, &LocalBook)> {
        self.books.iter()
    }

    /// Takes one stream item into account: snapshots replace, changes update, a gap marks the
    /// books of its socket unusable until their next snapshot. A snapshot older than the book
    /// it would replace (a stale snapshot: its timestamp is before the book's) is not taken; it
    /// is returned so the stream can say so.
    pub fn apply(&mut self, item: &StreamItem) -> Option<StaleSnapshot> {
        match item {
            StreamItem::Event { shard, event } => return self.apply_event(*shard, event),
            StreamItem::Gap { shard, .. } => {
                for (token, book) in self.books.iter_mut() {
                    if self.shard_of.get(token) == Some(shard) {
                        book.fresh = false;
                    }
                }
            }
            _ => {}
        }
        None
    }

    fn apply_event(&mut self, shard: usize, event: &StreamEvent) -> Option<StaleSnapshot> {
        match event {
            StreamEvent::Book(b) => {
                self.shard_of.insert(b.asset_id, shard);
                let book = self.books.entry(b.asset_id).or_default();
                if b.timestamp < book.timestamp {
                    return Some(StaleSnapshot {
                        asset: b.asset_id,
                        snapshot: b.timestamp,
                        book: book.timestamp,
                    });
                }
                book.replace(&b.bids, &b.asks);
                book.hash = b.hash.clone();
                book.timestamp = b.timestamp;
                book.fresh = true;
                if b.tick_size.is_some() {
                    book.tick_size = b.tick_size;
                }
            }
            StreamEvent::TickSizeChange(t) => {
                if let Some(book) = self.books.get_mut(&t.asset_id) {
                    book.tick_size = Some(t.new_tick_size);
                }
            }
            StreamEvent::PriceChange(p) => {
                for c in &p.price_changes {
                    // a change for a book without a snapshot cannot be placed: skipped (the
                    // snapshot that follows a subscription covers it)
                    if let Some(book) = self.books.get_mut(&c.asset_id) {
                        book.set(c.side, c.price, c.size);
                        book.hash = c.hash.clone();
                        book.timestamp = p.timestamp;
                    }
                }
            }
            _ => {}
        }
        None
    }
}

/// A snapshot that was not taken because the book it would replace is newer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaleSnapshot {
    /// The asset.
    pub asset: TokenId,
    /// The snapshot's timestamp (unix ms).
    pub snapshot: u64,
    /// The kept book's timestamp.
    pub book: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clobkit_core::wire::stream::parse_frame;

    /// The best levels are the highest bid and lowest ask whatever order the frame used, and
    /// the midpoint is exact (the official SDK's reads the first, worst, levels).
    #[test]
    fn best_prices_and_midpoint_come_from_the_best_levels() {
        let frame = r#"{"event_type":"book","market":"0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1","asset_id":"1","timestamp":"1","hash":"h","bids":[{"price":"0.01","size":"5"},{"price":"0.47","size":"10"}],"asks":[{"price":"0.99","size":"5"},{"price":"0.52","size":"10"}]}"#;
        let mut books = OrderBooks::new();
        for e in parse_frame(frame).unwrap_or_default() {
            books.apply(&StreamItem::Event { shard: 0, event: e });
        }
        let b = books.get(&TokenId::from(1)).cloned().unwrap_or_default();
        assert_eq!(
            b.best_bid().map(|x| x.0.to_string()).as_deref(),
            Some("0.47")
        );
        assert_eq!(
            b.best_ask().map(|x| x.0.to_string()).as_deref(),
            Some("0.52")
        );
        assert_eq!(
            b.midpoint().map(|x| x.to_string()).as_deref(),
            Some("0.495")
        );
        let change = r#"{"event_type":"price_change","market":"0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1","timestamp":"2","price_changes":[{"asset_id":"1","price":"0.52","size":"0","side":"SELL","hash":"h2"},{"asset_id":"1","price":"0.50","size":"3","side":"SELL","hash":"h3"}]}"#;
        for e in parse_frame(change).unwrap_or_default() {
            books.apply(&StreamItem::Event { shard: 0, event: e });
        }
        let b = books.get(&TokenId::from(1)).cloned().unwrap_or_default();
        assert_eq!(
            b.best_ask().map(|x| x.0.to_string()).as_deref(),
            Some("0.50")
        );
        assert_eq!(b.hash, "h3");
        books.apply(&StreamItem::Gap {
            shard: 0,
            reason: super::super::GapReason::HeartbeatTimeout,
        });
        assert!(!books.get(&TokenId::from(1)).is_some_and(|b| b.fresh));
    }
}
