//! The hub: one thread that receives each record's facts from the sequencer, holds them until
//! the journal says the record is durable, turns them into channel messages (each serialized
//! once) and hands every message to the bounded queues of the connections that want it.
//!
//! The sequencer never waits for it (an unbounded hand-off of compact facts), and it never
//! waits for a connection: a queue that is full means the consumer fell behind, and it is
//! disconnected ([`SLOW_CONSUMER`]) instead of slowing anyone else.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak, mpsc};

use axum::extract::ws::Utf8Bytes;
use clobkit_core::Decimal;
use clobkit_core::types::{ConditionId, Side, TokenId};
use clobkit_core::wire::stream::{
    BestBidAskMessage, BookMessage, LastTradeMessage, Operation, OrderMessage, PriceChangeEntry,
    PriceChangeMessage, StreamEvent, TickSizeChangeMessage, TradeMessage,
};
use clobkit_core::wire::{TradeStatus, TraderSide};
use clobkit_engine::{Pips, pips_to_decimal, units_to_decimal};

use super::feed::{Batch, Feed, OrderState, Seed};
use super::mirror::{Best, MarketChange, Mirror, Place};
use crate::faults::{ChannelScope, FaultKind};
use crate::history::History;
use crate::history::rows::TradeRow;
use crate::ids::{trade_tx_hash, trade_uuid};

/// A serialized message, shared by every connection it goes to.
pub type Frame = Utf8Bytes;

/// The close reason of a connection whose queue filled up.
pub const SLOW_CONSUMER: &str = "consumer too slow: its queue of unsent messages is full";

/// How many recent trades the hub remembers for their status messages (older ones are read
/// from the history database).
const RECENT_TRADES: usize = 16_384;

/// A connection's identity in the hub.
pub type ConnId = u64;

/// What the connections ask of the hub.
#[derive(Debug)]
pub enum Control {
    /// A connection opens: where its messages go, and where the hub leaves the reason when it
    /// drops it. `owner` is the API key of a user-channel connection.
    Join {
        /// The connection.
        id: ConnId,
        /// Its queue.
        tx: tokio::sync::mpsc::Sender<Frame>,
        /// Set before the hub drops the connection's queue.
        kicked: Arc<OnceLock<String>>,
        /// The API key (user channel), or `None` (market channel).
        owner: Option<String>,
    },
    /// Market channel: (un)subscribe assets.
    Assets {
        /// The connection.
        id: ConnId,
        /// Add or remove.
        op: Operation,
        /// The tokens.
        assets: Vec<TokenId>,
        /// Send each added asset's book now.
        dump: bool,
        /// Turn custom features on or off (`None`: unchanged).
        custom: Option<bool>,
    },
    /// User channel: (un)subscribe markets (none: every market).
    Markets {
        /// The connection.
        id: ConnId,
        /// Add or remove.
        op: Operation,
        /// The condition ids.
        markets: Vec<ConditionId>,
    },
    /// The connection closed.
    Leave {
        /// The connection.
        id: ConnId,
    },
    /// A fault drill that acts once on the open connections (see [`crate::faults`]).
    Inject {
        /// `Burst`, `DuplicateSnapshot`, `StaleSnapshot` or `UnknownEvent`.
        kind: FaultKind,
        /// Which channels.
        channel: ChannelScope,
        /// Copies of each book (`Burst`).
        copies: u32,
    },
}

/// What the hub's thread receives.
#[derive(Debug)]
pub enum Msg {
    /// A record's facts.
    Batch(Batch),
    /// The journal is durable through this record.
    Durable(u64),
    /// A connection's request.
    Control(Control),
    /// Stop (the exchange is shutting down).
    Stop,
}

/// Counters of the hub (benches and tests).
#[derive(Debug, Default)]
pub struct HubStats {
    /// Messages handed to connection queues.
    pub deliveries: AtomicU64,
    /// Connections dropped for falling behind.
    pub slow_consumers: AtomicU64,
}

struct Conn {
    tx: tokio::sync::mpsc::Sender<Frame>,
    kicked: Arc<OnceLock<String>>,
    /// Market channel: the assets; user channel: empty.
    assets: HashSet<TokenId>,
    /// Market channel: custom features on.
    custom: bool,
    /// User channel: the owner and the markets (empty: all).
    owner: Option<String>,
    markets: HashSet<ConditionId>,
    /// The last message number delivered (a message for two assets goes once).
    stamp: u64,
}

/// The hub's state, owned by its thread.
pub struct Hub {
    mirror: Mirror,
    durable: u64,
    pending: VecDeque<Batch>,
    conns: HashMap<ConnId, Conn>,
    by_asset: HashMap<TokenId, Vec<ConnId>>,
    by_owner: HashMap<String, Vec<ConnId>>,
    custom: HashSet<ConnId>,
    stamp: u64,
    last_ts: u64,
    /// Each asset's first subscribe snapshot (what a stale-snapshot drill sends again).
    first_snapshots: HashMap<TokenId, BookMessage>,
    trades: HashMap<u64, Arc<TradeRow>>,
    trade_order: VecDeque<u64>,
    history: Weak<History>,
    stats: Arc<HubStats>,
}

impl Hub {
    /// A hub starting from `seed` (everything in it is durable).
    pub fn new(seed: Seed, history: Weak<History>, stats: Arc<HubStats>) -> Hub {
        Hub {
            durable: seed.seq,
            mirror: Mirror::from_seed(seed),
            pending: VecDeque::new(),
            conns: HashMap::new(),
            by_asset: HashMap::new(),
            by_owner: HashMap::new(),
            custom: HashSet::new(),
            stamp: 0,
            last_ts: 0,
            first_snapshots: HashMap::new(),
            trades: HashMap::new(),
            trade_order: VecDeque::new(),
            history,
            stats,
        }
    }

    /// Runs until [`Msg::Stop`] or until every sender is gone; connections still open are
    /// dropped (they close with "going away").
    pub fn run(mut self, rx: mpsc::Receiver<Msg>) {
        while let Ok(msg) = rx.recv() {
            match msg {
                Msg::Batch(b) => self.pending.push_back(b),
                Msg::Durable(seq) => self.durable = self.durable.max(seq),
                Msg::Control(c) => self.control(c),
                Msg::Stop => break,
            }
            while self.pending.front().is_some_and(|b| b.seq <= self.durable) {
                if let Some(b) = self.pending.pop_front() {
                    self.publish(b);
                }
            }
        }
    }

    fn control(&mut self, c: Control) {
        match c {
            Control::Join {
                id,
                tx,
                kicked,
                owner,
            } => {
                if let Some(o) = &owner {
                    self.by_owner.entry(o.clone()).or_default().push(id);
                }
                self.conns.insert(
                    id,
                    Conn {
                        tx,
                        kicked,
                        assets: HashSet::new(),
                        custom: false,
                        owner,
                        markets: HashSet::new(),
                        stamp: 0,
                    },
                );
            }
            Control::Assets {
                id,
                op,
                assets,
                dump,
                custom,
            } => self.assets(id, op, assets, dump, custom),
            Control::Markets { id, op, markets } => {
                if let Some(c) = self.conns.get_mut(&id) {
                    match op {
                        Operation::Subscribe => c.markets.extend(markets),
                        Operation::Unsubscribe => {
                            for m in &markets {
                                c.markets.remove(m);
                            }
                        }
                    }
                }
            }
            Control::Leave { id } => self.drop_conn(id, None),
            Control::Inject {
                kind,
                channel,
                copies,
            } => self.inject(kind, channel, copies),
        }
    }

    /// Carries out a fault drill on the open connections of `channel`.
    fn inject(&mut self, kind: FaultKind, channel: ChannelScope, copies: u32) {
        use clobkit_core::wire::stream::ChannelKind;
        let ids: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| {
                channel.covers(if c.owner.is_some() {
                    ChannelKind::User
                } else {
                    ChannelKind::Market
                })
            })
            .map(|(id, _)| *id)
            .collect();
        let ts = self.published_ms();
        for id in ids {
            let frames: Vec<Frame> = match kind {
                FaultKind::UnknownEvent => serialize(&serde_json::json!({
                    "event_type": "clobkit_unknown_event",
                    "note": "a fault drill: an event type no client knows",
                    "timestamp": ts.to_string(),
                }))
                .into_iter()
                .collect(),
                FaultKind::Burst | FaultKind::DuplicateSnapshot | FaultKind::StaleSnapshot => {
                    let assets: Vec<TokenId> = self
                        .conns
                        .get(&id)
                        .map(|c| c.assets.iter().copied().collect())
                        .unwrap_or_default();
                    let books: Vec<StreamEvent> = assets
                        .iter()
                        .filter_map(|a| {
                            if kind == FaultKind::StaleSnapshot {
                                return self.first_snapshots.get(a).cloned();
                            }
                            let at = self.mirror.locate(a)?;
                            self.mirror.book_message(at, ts, true)
                        })
                        .map(StreamEvent::Book)
                        .collect();
                    let n = if kind == FaultKind::Burst {
                        copies.max(1)
                    } else {
                        1
                    };
                    match serialize(&books) {
                        Some(f) if !books.is_empty() => (0..n).map(|_| f.clone()).collect(),
                        _ => Vec::new(),
                    }
                }
                _ => Vec::new(),
            };
            for f in &frames {
                self.send_to(id, f);
            }
        }
    }

    fn assets(
        &mut self,
        id: ConnId,
        op: Operation,
        assets: Vec<TokenId>,
        dump: bool,
        custom: Option<bool>,
    ) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        if let Some(on) = custom {
            c.custom = on;
            if on {
                self.custom.insert(id);
            } else {
                self.custom.remove(&id);
            }
        }
        match op {
            Operation::Subscribe => {
                for a in &assets {
                    if c.assets.insert(*a) {
                        self.by_asset.entry(*a).or_default().push(id);
                    }
                }
                if dump {
                    // one array frame with every known asset's book, at the state published so
                    // far (the messages after it follow in order)
                    let ts = self.published_ms();
                    let books: Vec<BookMessage> = assets
                        .iter()
                        .filter_map(|a| self.mirror.locate(a))
                        .filter_map(|at| self.mirror.book_message(at, ts, true))
                        .collect();
                    for b in &books {
                        self.first_snapshots
                            .entry(b.asset_id)
                            .or_insert_with(|| b.clone());
                    }
                    let books: Vec<StreamEvent> =
                        books.into_iter().map(StreamEvent::Book).collect();
                    if !books.is_empty()
                        && let Some(frame) = serialize(&books)
                    {
                        self.send_to(id, &frame);
                    }
                }
            }
            Operation::Unsubscribe => {
                for a in &assets {
                    if c.assets.remove(a)
                        && let Some(v) = self.by_asset.get_mut(a)
                    {
                        v.retain(|x| *x != id);
                    }
                }
            }
        }
    }

    /// The time a subscription's snapshot carries: the last published change's (the books have
    /// not changed since), or now before the first.
    fn published_ms(&self) -> u64 {
        if self.last_ts > 0 {
            self.last_ts
        } else {
            clobkit_core::clock::unix_millis()
        }
    }

    fn drop_conn(&mut self, id: ConnId, reason: Option<&str>) {
        let Some(c) = self.conns.remove(&id) else {
            return;
        };
        if let Some(r) = reason {
            let _ = c.kicked.set(r.to_owned());
            self.stats.slow_consumers.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(conn = id, reason = r, "stream connection dropped");
        }
        for a in &c.assets {
            if let Some(v) = self.by_asset.get_mut(a) {
                v.retain(|x| *x != id);
            }
        }
        if let Some(o) = &c.owner
            && let Some(v) = self.by_owner.get_mut(o)
        {
            v.retain(|x| *x != id);
            if v.is_empty() {
                self.by_owner.remove(o);
            }
        }
        self.custom.remove(&id);
    }

    /// Queues `frame` on one connection; a full queue drops the connection.
    fn send_to(&mut self, id: ConnId, frame: &Frame) {
        let Some(c) = self.conns.get(&id) else {
            return;
        };
        match c.tx.try_send(frame.clone()) {
            Ok(()) => {
                self.stats.deliveries.fetch_add(1, Ordering::Relaxed);
            }
            Err(tokio::sync::mpsc::error::TrySendError::Full(_)) => {
                self.drop_conn(id, Some(SLOW_CONSUMER));
            }
            Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => self.drop_conn(id, None),
        }
    }

    /// The market-channel connections subscribed to any of `assets` (each once), optionally
    /// only those with custom features.
    fn market_audience(&mut self, assets: &[TokenId], custom_only: bool) -> Vec<ConnId> {
        self.stamp += 1;
        let mut out = Vec::new();
        for a in assets {
            for id in self.by_asset.get(a).map_or(&[][..], Vec::as_slice) {
                if let Some(c) = self.conns.get_mut(id)
                    && c.stamp != self.stamp
                    && (!custom_only || c.custom)
                {
                    c.stamp = self.stamp;
                    out.push(*id);
                }
            }
        }
        out
    }

    /// The user-channel connections of `owner` that follow `market`.
    fn user_audience(&self, owner: &str, market: &ConditionId) -> Vec<ConnId> {
        self.by_owner
            .get(owner)
            .map(|ids| {
                ids.iter()
                    .filter(|id| {
                        self.conns
                            .get(id)
                            .is_some_and(|c| c.markets.is_empty() || c.markets.contains(market))
                    })
                    .copied()
                    .collect()
            })
            .unwrap_or_default()
    }

    fn broadcast(&mut self, ids: Vec<ConnId>, event: impl FnOnce() -> Option<StreamEvent>) {
        if ids.is_empty() {
            return;
        }
        let Some(frame) = event().and_then(|e| serialize(&e)) else {
            return;
        };
        for id in ids {
            self.send_to(id, &frame);
        }
    }

    /// Turns one durable record's facts into messages.
    fn publish(&mut self, b: Batch) {
        let ts = b.now.saturating_mul(1000);
        self.last_ts = ts;
        let mut changes: Vec<PriceChangeEntry> = Vec::new();
        let mut change_market: Option<usize> = None;
        let mut traded: Vec<usize> = Vec::new();
        let mut best_before: Vec<(Place, Best)> = Vec::new();
        for item in b.items {
            if !matches!(item, Feed::Level { .. }) || changes.len() >= 2 {
                self.flush_changes(&mut changes, change_market.take(), ts);
            }
            match item {
                Feed::Level {
                    token,
                    side,
                    price,
                    size,
                } => {
                    let Some(at) = self.mirror.locate(&token) else {
                        continue;
                    };
                    if change_market.is_some_and(|m| m != at.0) {
                        self.flush_changes(&mut changes, change_market.take(), ts);
                    }
                    if !best_before.iter().any(|(p, _)| *p == at) {
                        best_before.push((at, self.mirror.best(at)));
                    }
                    self.mirror.set_level(at, side, price, size);
                    change_market = Some(at.0);
                    if self.has_market_audience(at.0) {
                        changes.push(self.change_entry(at, token, side, price, size, ts));
                    }
                }
                Feed::Trade(row) => {
                    self.trade(&row, ts, &mut traded);
                    self.remember_trade(row);
                }
                Feed::TradeStatus { id, status } => self.trade_status(id, status, b.seq, ts),
                Feed::Order(o) => self.order(&o, ts),
                Feed::Market(state) => match self.mirror.set_market(*state) {
                    Some(MarketChange::Created(m)) => {
                        let ids: Vec<ConnId> = self.custom.iter().copied().collect();
                        let msg = self.mirror.new_market(m, ts);
                        self.broadcast(ids, || msg.map(StreamEvent::NewMarket));
                    }
                    Some(MarketChange::Tick { market, old, new }) => {
                        for t in self.mirror.tokens(market) {
                            let ids = self.market_audience(&[t], false);
                            let condition = self.mirror.condition(market);
                            self.broadcast(ids, || {
                                Some(StreamEvent::TickSizeChange(TickSizeChangeMessage {
                                    asset_id: t,
                                    market: condition,
                                    old_tick_size: old,
                                    new_tick_size: new,
                                    timestamp: ts,
                                }))
                            });
                        }
                    }
                    Some(MarketChange::Resolved { market, winner }) => {
                        let ids: Vec<ConnId> = self.custom.iter().copied().collect();
                        let msg = self.mirror.resolved(market, winner, ts);
                        self.broadcast(ids, || msg.map(StreamEvent::MarketResolved));
                    }
                    None => {}
                },
            }
        }
        self.flush_changes(&mut changes, change_market.take(), ts);
        for m in traded {
            for t in self.mirror.tokens(m) {
                let Some(at) = self.mirror.locate(&t) else {
                    continue;
                };
                let ids = self.market_audience(&[t], false);
                let msg = self.mirror.book_message(at, ts, false);
                self.broadcast(ids, || msg.map(StreamEvent::Book));
            }
        }
        for (at, before) in best_before {
            let after = self.mirror.best(at);
            if after == before {
                continue;
            }
            let token = self.mirror.tokens(at.0)[at.1];
            let ids = self.market_audience(&[token], true);
            let market = self.mirror.condition(at.0);
            self.broadcast(ids, || {
                let (bid, ask) = (after.0.map(pips_to_decimal), after.1.map(pips_to_decimal));
                let spread = match (bid, ask) {
                    (Some(b), Some(a)) => a - b,
                    _ => Decimal::ZERO,
                };
                Some(StreamEvent::BestBidAsk(BestBidAskMessage {
                    market,
                    asset_id: token,
                    best_bid: bid,
                    best_ask: ask,
                    spread,
                    timestamp: ts,
                }))
            });
        }
    }

    fn has_market_audience(&self, market: usize) -> bool {
        self.mirror
            .tokens(market)
            .iter()
            .any(|t| self.by_asset.get(t).is_some_and(|v| !v.is_empty()))
    }

    fn change_entry(
        &self,
        at: Place,
        token: TokenId,
        side: Side,
        price: Pips,
        size: u64,
        ts: u64,
    ) -> PriceChangeEntry {
        let (bid, ask) = self.mirror.best(at);
        PriceChangeEntry {
            asset_id: token,
            price: pips_to_decimal(price),
            size: units_to_decimal(size),
            side,
            hash: self.mirror.hash(at, ts),
            best_bid: bid.map(pips_to_decimal),
            best_ask: ask.map(pips_to_decimal),
        }
    }

    /// Sends the level changes gathered for one market as one `price_change`.
    fn flush_changes(
        &mut self,
        changes: &mut Vec<PriceChangeEntry>,
        market: Option<usize>,
        ts: u64,
    ) {
        let (Some(m), false) = (market, changes.is_empty()) else {
            changes.clear();
            return;
        };
        let entries = std::mem::take(changes);
        let tokens = self.mirror.tokens(m);
        let ids = self.market_audience(&tokens, false);
        let condition = self.mirror.condition(m);
        self.broadcast(ids, || {
            Some(StreamEvent::PriceChange(PriceChangeMessage {
                market: condition,
                price_changes: entries,
                timestamp: ts,
            }))
        });
    }

    /// A match: `last_trade_price` for both tokens, the trade to both owners.
    fn trade(&mut self, row: &TradeRow, ts: u64, traded: &mut Vec<usize>) {
        let t = &row.trade;
        if let Some(at) = self.mirror.locate(&t.token) {
            self.mirror.set_last_trade(at, t.price, t.side);
            if !traded.contains(&at.0) {
                traded.push(at.0);
            }
            let tokens = self.mirror.tokens(at.0);
            for (ti, token) in tokens.iter().enumerate() {
                let (price, side) = t.seen_from(ti == at.1);
                let ids = self.market_audience(&[*token], false);
                self.broadcast(ids, || {
                    Some(StreamEvent::LastTradePrice(LastTradeMessage {
                        asset_id: *token,
                        market: t.market,
                        price: pips_to_decimal(price),
                        side,
                        size: units_to_decimal(t.shares),
                        fee_rate_bps: Decimal::from(t.fee_rate_bps),
                        timestamp: ts,
                        transaction_hash: String::new(),
                    }))
                });
            }
        }
        self.trade_to_owners(row, ts);
    }

    /// The `trade` message of `row` to its taker's and its maker's connections.
    fn trade_to_owners(&mut self, row: &TradeRow, ts: u64) {
        for taker in [true, false] {
            let owner = if taker { &row.owners.0 } else { &row.owners.1 };
            let ids = self.user_audience(owner, &row.trade.market);
            self.broadcast(ids, || {
                Some(StreamEvent::Trade(trade_message(row, taker, ts)))
            });
        }
    }

    fn remember_trade(&mut self, row: Arc<TradeRow>) {
        let id = row.trade.id.0;
        self.trades.insert(id, row);
        self.trade_order.push_back(id);
        while self.trade_order.len() > RECENT_TRADES {
            if let Some(old) = self.trade_order.pop_front() {
                self.trades.remove(&old);
            }
        }
    }

    /// A trade's status change, to its owners: the row from memory, or from the history
    /// database for a trade older than the hub remembers.
    fn trade_status(&mut self, id: u64, status: TradeStatus, seq: u64, ts: u64) {
        let row = match self.trades.get(&id) {
            Some(r) => Some((**r).clone()),
            None => self.stored_trade(id, seq),
        };
        let Some(mut row) = row else {
            tracing::warn!(
                trade = id,
                "a trade status change for a trade the streams cannot find"
            );
            return;
        };
        row.trade.status = status;
        row.last_update = ts / 1000;
        let row = Arc::new(row);
        if self.trades.contains_key(&id) {
            self.trades.insert(id, row.clone());
        }
        self.trade_to_owners(&row, ts);
    }

    /// Reads a trade from the history database once it holds the records before `seq` (it
    /// is at most a bounded number of records behind; this waits for it, rarely: only status
    /// changes of trades older than [`RECENT_TRADES`] come here).
    fn stored_trade(&self, id: u64, seq: u64) -> Option<TradeRow> {
        let history = self.history.upgrade()?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let caught_up = history.applied() + 1 >= seq;
            if let Ok(Some(row)) = history.query_here(|r| r.trade(id)) {
                return Some(row);
            }
            if caught_up
                || std::time::Instant::now() > deadline
                || history.point().failure.is_some()
            {
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    /// An order's change, to its owner's connections.
    fn order(&mut self, o: &OrderState, ts: u64) {
        let ids = self.user_audience(&o.owner, &o.market);
        self.broadcast(ids, || {
            Some(StreamEvent::Order(OrderMessage {
                kind: o.kind.clone(),
                id: o.id,
                owner: o.owner.clone(),
                order_owner: o.owner.clone(),
                market: o.market,
                asset_id: o.token,
                side: o.side,
                price: pips_to_decimal(o.price),
                original_size: units_to_decimal(o.original_size),
                size_matched: units_to_decimal(o.size_matched),
                outcome: o.outcome.clone(),
                associate_trades: o.trades.iter().map(|t| trade_uuid(*t)).collect(),
                status: o.status.clone(),
                maker_address: o.maker,
                order_type: o.order_type,
                expiration: o.expiration,
                created_at: o.created_at.saturating_mul(1000),
                timestamp: ts,
            }))
        });
    }
}

/// A trade as its taker (`taker`) or its maker receives it.
fn trade_message(row: &TradeRow, taker: bool, ts: u64) -> TradeMessage {
    let t = &row.trade;
    let mined = matches!(t.status, TradeStatus::Mined | TradeStatus::Confirmed);
    TradeMessage {
        kind: "TRADE".into(),
        id: trade_uuid(t.id.0),
        taker_order_id: t.taker_order,
        market: t.market,
        asset_id: t.token,
        side: t.side,
        size: units_to_decimal(t.shares),
        price: pips_to_decimal(t.price),
        fee_rate_bps: Decimal::from(t.fee_rate_bps),
        status: t.status.clone(),
        matchtime: t.match_time.saturating_mul(1000),
        last_update: row.last_update.saturating_mul(1000),
        timestamp: ts,
        outcome: row.outcomes.0.clone(),
        owner: if taker {
            row.owners.0.clone()
        } else {
            row.owners.1.clone()
        },
        trade_owner: row.owners.0.clone(),
        maker_address: if taker { t.taker } else { t.maker.maker },
        maker_orders: vec![clobkit_core::wire::MakerOrder {
            order_id: t.maker.order,
            owner: row.owners.1.clone(),
            maker_address: t.maker.maker,
            matched_amount: units_to_decimal(t.maker.shares),
            price: pips_to_decimal(t.maker.price),
            fee_rate_bps: Decimal::from(t.maker.fee_rate_bps),
            asset_id: t.maker.token,
            outcome: row.outcomes.1.clone(),
            side: t.maker.side,
        }],
        transaction_hash: if mined {
            trade_tx_hash(t.id.0)
        } else {
            String::new()
        },
        trader_side: if taker {
            TraderSide::Taker
        } else {
            TraderSide::Maker
        },
        bucket_index: u64::from(t.bucket_index),
    }
}

/// Serializes a message once (serializing these types cannot fail; if it did, the message is
/// skipped and logged rather than sent broken).
fn serialize<T: serde::Serialize>(v: &T) -> Option<Frame> {
    match serde_json::to_string(v) {
        Ok(s) => Some(Frame::from(s)),
        Err(e) => {
            tracing::error!(error = %e, "a stream message did not serialize");
            None
        }
    }
}
