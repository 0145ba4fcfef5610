//! The whole state as data: snapshot, restore, and a stable hash.

use std::collections::BTreeSet;

use clobkit_core::Address;
use clobkit_core::types::{OrderId, Side};
use clobkit_core::wire::TradeStatus;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::arena::Resting;
use crate::book::Book;
use crate::engine::{Engine, MarketState};
use crate::ledger::{Holding, Ledger};
use crate::settlement::Settlement;
use crate::types::{Asset, MarketSpec, MarketStatus, Owner, OwnerId, Pips, TradeId};

/// One market in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketSnapshot {
    /// Definition.
    pub spec: MarketSpec,
    /// State.
    pub status: MarketStatus,
    /// Last trade (YES pips, YES-space taker side).
    pub last_trade: Option<(Pips, Side)>,
    /// Owners (ids into [`Snapshot::owners`]) that ever had an order here.
    pub owners: BTreeSet<OwnerId>,
}

/// Everything the engine knows, in a canonical order: equal states give equal snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Fee collector.
    pub operator: Address,
    /// Owner API keys, indexed by [`OwnerId`].
    pub owners: Vec<Owner>,
    /// Markets in creation order.
    pub markets: Vec<MarketSnapshot>,
    /// Resting orders in acceptance order.
    pub resting: Vec<Resting>,
    /// Fingerprints of the ids the duplicate check remembers, sorted (see the `seen` module:
    /// every id ever accepted, unless the host forgets generations). Snapshots written before
    /// generations kept fingerprints of another function under `seen`: they are not read.
    #[serde(default)]
    pub remembered: Vec<u64>,
    /// Whether generations were forgotten, so that `remembered` may lack accepted ids (then
    /// resting orders are checked too, and ids leaving the book are remembered again). Absent
    /// from older snapshots, whose `remembered` is empty: true.
    #[serde(default = "incomplete")]
    pub forgetting: bool,
    /// Non-zero holdings, sorted.
    pub holdings: Vec<((Address, Asset), Holding)>,
    /// The trades whose status left MATCHED (every other trade below `next_trade` is MATCHED),
    /// by id. Absent from older snapshots, which have `trades` instead.
    #[serde(default)]
    pub moved_trades: Vec<(TradeId, TradeStatus)>,
    /// Every trade's status, trade `i + 1` at index `i`: what snapshots held before
    /// `moved_trades`. Read from them, never written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trades: Vec<TradeStatus>,
    /// Next acceptance sequence.
    pub next_seq: u64,
    /// Next trade id.
    pub next_trade: u64,
    /// Next notification id.
    pub next_notification: u64,
    /// The engine clock.
    pub now: u64,
    /// Registered builder codes (absent from snapshots written before builder fees).
    #[serde(default)]
    pub builders: Vec<(clobkit_core::B256, crate::types::Builder)>,
}

/// A snapshot without the `forgetting` field remembers nothing it can use.
fn incomplete() -> bool {
    true
}

/// A snapshot that does not describe a consistent state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// A resting order refers to a market that does not exist.
    #[error("resting order {0} refers to unknown market index {1}")]
    UnknownMarket(OrderId, u32),
    /// A resting order refers to an owner id that does not exist.
    #[error("resting order {0} refers to unknown owner index {1}")]
    UnknownOwner(OrderId, u32),
}

impl Engine {
    /// The whole state.
    pub fn snapshot(&self) -> Snapshot {
        let remembered = self.orders.seen().sorted();
        let forgetting = self.orders.seen().forgetting();
        Snapshot {
            operator: self.operator,
            owners: self.owner_keys.clone(),
            markets: self
                .markets
                .iter()
                .map(|m| MarketSnapshot {
                    spec: m.spec.clone(),
                    status: m.status,
                    last_trade: m.last_trade,
                    owners: m.owners.clone(),
                })
                .collect(),
            resting: self.all_resting().into_iter().cloned().collect(),
            remembered,
            forgetting,
            holdings: self.ledger.sorted().into_iter().collect(),
            moved_trades: self.trades.moved().map(|(id, s)| (id, s.clone())).collect(),
            trades: Vec::new(),
            next_seq: self.next_seq,
            next_trade: self.trades.next(),
            next_notification: self.next_notification,
            now: self.now,
            builders: self.builders.iter().map(|(c, b)| (*c, *b)).collect(),
        }
    }

    /// Rebuilds an engine from a snapshot (books in acceptance order, so time priority holds).
    pub fn restore(s: Snapshot) -> Result<Engine, SnapshotError> {
        let mut e = Engine::new(s.operator);
        for o in &s.owners {
            e.intern(o);
        }
        for (i, m) in s.markets.into_iter().enumerate() {
            let mi = i as u32;
            e.market_by_condition.insert(m.spec.condition_id, mi);
            e.market_by_token.insert(m.spec.tokens[0], (mi, true));
            e.market_by_token.insert(m.spec.tokens[1], (mi, false));
            e.markets.push(MarketState {
                spec: m.spec,
                status: m.status,
                book: Book::default(),
                assets: [0, 0],
                last_trade: m.last_trade,
                owners: m.owners,
            });
        }
        e.ledger = Ledger::from_sorted(s.operator, s.holdings.into_iter().collect());
        for m in &mut e.markets {
            m.assets = [
                e.ledger
                    .asset_id(crate::types::Asset::Token(m.spec.tokens[0])),
                e.ledger
                    .asset_id(crate::types::Asset::Token(m.spec.tokens[1])),
            ];
        }
        for r in s.resting {
            if e.markets.get(r.market as usize).is_none() {
                return Err(SnapshotError::UnknownMarket(r.terms.id, r.market));
            }
            if r.owner.0 as usize >= e.owner_keys.len() {
                return Err(SnapshotError::UnknownOwner(r.terms.id, r.owner.0));
            }
            let acct = e.ledger.account_id(r.terms.maker);
            e.shelve(Resting {
                links: Default::default(),
                acct,
                ..r
            });
        }
        *e.orders.seen_mut() = crate::seen::Seen::from_fingerprints(s.remembered, s.forgetting);
        e.builders = s.builders.into_iter().collect();
        let legacy = (1..).map(TradeId).zip(s.trades);
        e.trades = Settlement::restore(s.next_trade, legacy.chain(s.moved_trades));
        e.next_seq = s.next_seq;
        e.next_notification = s.next_notification;
        e.now = s.now;
        Ok(e)
    }

    /// SHA-256 of the canonical snapshot: equal for equal states, whatever the history of slab
    /// slots or hash-map layouts.
    pub fn state_hash(&self) -> [u8; 32] {
        let bytes = serde_json::to_vec(&self.snapshot()).unwrap_or_default();
        Sha256::digest(bytes).into()
    }
}
