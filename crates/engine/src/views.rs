//! Read-only views of the state, for queries.

use clobkit_core::Address;
use clobkit_core::types::{ConditionId, OrderId, Side, TokenId};

use crate::arena::Resting;
use crate::engine::Engine;
use crate::ledger::Holding;
use crate::types::{Asset, MarketSpec, MarketStatus, Owner, Pips, TradeId};
use clobkit_core::wire::TradeStatus;

/// One token's book as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookView {
    /// Bids `(price, size)`, ascending (best last).
    pub bids: Vec<(Pips, u64)>,
    /// Asks `(price, size)`, descending (best last).
    pub asks: Vec<(Pips, u64)>,
    /// Price of the last trade in this token, if any.
    pub last_trade: Option<(Pips, Side)>,
}

/// A market's definition and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketView<'a> {
    /// Definition.
    pub spec: &'a MarketSpec,
    /// Open, closed or resolved.
    pub status: MarketStatus,
}

impl Engine {
    /// The market trading `token`, and whether `token` is its first token.
    pub fn market_of(&self, token: &TokenId) -> Option<(MarketView<'_>, bool)> {
        let &(mi, yes) = self.market_by_token.get(token)?;
        let m = &self.markets[mi as usize];
        Some((
            MarketView {
                spec: &m.spec,
                status: m.status,
            },
            yes,
        ))
    }

    /// A market by condition id.
    pub fn market(&self, id: &ConditionId) -> Option<MarketView<'_>> {
        let &mi = self.market_by_condition.get(id)?;
        let m = &self.markets[mi as usize];
        Some(MarketView {
            spec: &m.spec,
            status: m.status,
        })
    }

    /// The market an event's [`crate::MarketRef`] names.
    pub fn market_at(&self, m: crate::MarketRef) -> Option<MarketView<'_>> {
        let m = self.markets.get(m.0 as usize)?;
        Some(MarketView {
            spec: &m.spec,
            status: m.status,
        })
    }

    /// Every market, in creation order.
    pub fn markets(&self) -> impl Iterator<Item = MarketView<'_>> {
        self.markets.iter().map(|m| MarketView {
            spec: &m.spec,
            status: m.status,
        })
    }

    /// `token`'s book.
    pub fn book(&self, token: &TokenId) -> Option<BookView> {
        let &(mi, yes) = self.market_by_token.get(token)?;
        let m = &self.markets[mi as usize];
        let (bids, asks) = m.book.token_view(yes);
        let last_trade = m.last_trade.map(|(p, side)| {
            if yes {
                (p, side)
            } else {
                crate::types::in_other_token(p, side)
            }
        });
        Some(BookView {
            bids,
            asks,
            last_trade,
        })
    }

    /// `token`'s best bid and best ask (what `/price`, `/midpoint` and `/spread` read), without
    /// building the book.
    pub fn best(&self, token: &TokenId) -> Option<(Option<Pips>, Option<Pips>)> {
        let &(mi, yes) = self.market_by_token.get(token)?;
        Some(self.markets[mi as usize].book.token_best(yes))
    }

    /// A holding.
    pub fn holding(&self, account: Address, asset: Asset) -> Holding {
        self.ledger.get(account, asset)
    }

    /// A resting order.
    pub fn resting(&self, id: &OrderId) -> Option<&Resting> {
        self.orders.get(self.orders.key_of(id)?)
    }

    /// An owner's resting orders, oldest first.
    pub fn resting_of(&self, owner: &Owner) -> Vec<&Resting> {
        self.owner_ids
            .get(owner)
            .map(|&o| self.orders.owner_keys(o))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|k| self.orders.get(k))
            .collect()
    }

    /// Every resting order, oldest first.
    pub fn all_resting(&self) -> Vec<&Resting> {
        let mut v: Vec<&Resting> = self.orders.iter().map(|(_, r)| r).collect();
        v.sort_by_key(|r| r.seq);
        v
    }

    /// Whether an order id was accepted and is still remembered by the duplicate check (every
    /// id ever accepted, unless generations were forgotten: see [`Engine::forget_oldest_seen`]).
    pub fn was_accepted(&self, id: &OrderId) -> bool {
        self.orders.knows(id)
    }

    /// How many ids the duplicate check remembers besides resting orders (benches, tests).
    pub fn remembered_ids(&self) -> usize {
        self.orders.seen().len()
    }

    /// A trade's settlement status.
    pub fn trade_status(&self, id: TradeId) -> Option<TradeStatus> {
        self.trades.status(id)
    }

    /// Total supply of an asset over all accounts.
    pub fn total(&self, asset: Asset) -> u128 {
        self.ledger.total(asset)
    }

    /// Every non-zero holding, sorted.
    pub fn holdings(&self) -> std::collections::BTreeMap<(Address, Asset), Holding> {
        self.ledger.sorted()
    }

    /// Whether any market's book is crossed (never true after a command).
    pub fn any_crossed(&self) -> bool {
        self.markets.iter().any(|m| m.book.is_crossed())
    }
}
