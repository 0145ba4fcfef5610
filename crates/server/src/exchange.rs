//! The exchange as a deterministic state machine over journaled [`Record`]s.
//!
//! The engine owns matching and balances; this layer adds what the API needs on top: API keys,
//! the rows of open orders, deposit wallets, the cutover. Everything here changes only by applying
//! a record, so replaying the journal rebuilds it exactly. What becomes history (orders that
//! ended, trades, notifications) is not kept: applying a record emits it as [`Change`]s, which
//! the server hands to the history database ([`crate::history`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use clobkit_core::auth::{ApiCredentials, L2Auth};
use clobkit_core::protocol::ProtocolVersion;
use clobkit_core::types::OrderId;
use clobkit_core::types::TokenId;
use clobkit_core::wire::OrderStatus;
use clobkit_core::wire::stream::OrderEventKind;
use clobkit_core::{Address, B256};
use clobkit_engine::{
    CancelReason, Command, CommandError, Engine, Event, OrderSpec, Owner, Pips, Placed, Reject,
    Snapshot, SnapshotError, Stamped, TradeId,
};
use serde::{Deserialize, Serialize};

use crate::stream::feed::{Feed, MarketState, OrderState, Seed, SeedMarket};

/// One journaled state change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Record {
    /// A command for the engine (orders, cancels, markets, balances), with its time.
    Engine(Stamped),
    /// A new API key for `(address, nonce)`.
    CreateApiKey {
        /// Unix seconds.
        now: u64,
        /// The wallet it belongs to.
        address: Address,
        /// The L1 nonce it was created with (decimal).
        nonce: String,
        /// The generated credentials.
        creds: ApiCredentials,
    },
    /// An API key deleted by its owner.
    DeleteApiKey {
        /// Unix seconds.
        now: u64,
        /// The key.
        key: String,
    },
    /// A V2 deposit wallet (a POLY_1271 maker) and the key that owns it: an exchange without a
    /// chain cannot ask the wallet contract, so the operator registers the pair.
    RegisterDepositWallet {
        /// Unix seconds.
        now: u64,
        /// The wallet: maker and signer of its orders.
        wallet: Address,
        /// The EOA whose signatures the wallet accepts.
        owner: Address,
    },
    /// Notifications dismissed by their owner.
    DropNotifications {
        /// Unix seconds.
        now: u64,
        /// The API key.
        owner: String,
        /// Notification ids (empty: none).
        ids: Vec<u64>,
    },
}

/// An API key and what it authenticates.
#[derive(Debug, Clone)]
pub struct KeyEntry {
    /// The wallet.
    pub address: Address,
    /// The L1 nonce.
    pub nonce: String,
    /// Verifier of its L2 headers (secret decoded once).
    pub auth: L2Auth,
}

pub use crate::history::rows::{Change, NotificationRow, OrderRow, TradeRow};
use crate::history::rows::{NoticeDetails, Payload, Shown};

/// What became of one placed order, gathered while its command's events are absorbed: the answer
/// to `POST /order` is built from it without walking the events again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaceOutcome {
    /// Why the engine refused it, if it did.
    pub rejected: Option<Reject>,
    /// Accepted: live or matched, what it gave and what it received (base units).
    pub accepted: Option<(Placed, u64, u64)>,
    /// The trades it took, as the taker.
    pub trades: Vec<TradeId>,
}

/// Why a record could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExchangeError {
    /// The engine refused the command (nothing changed).
    #[error("{0}")]
    Engine(#[from] CommandError),
    /// Creating a key that exists.
    #[error("Could not create api key")]
    KeyExists,
    /// A key whose secret does not decode.
    #[error("invalid API credentials: {0}")]
    BadCredentials(String),
    /// A cutover on an exchange that speaks V2 already.
    #[error("the exchange speaks V2 already: there is nothing to cut over")]
    AlreadyV2,
    /// A deposit wallet registered to another owner already.
    #[error("deposit wallet {wallet} is registered to {owner} already")]
    WalletTaken {
        /// The wallet.
        wallet: Address,
        /// Its registered owner.
        owner: Address,
    },
}

/// API keys, open orders, deposit wallets and the cutover over the engine.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The matching engine and ledger.
    pub engine: Engine,
    keys: BTreeMap<String, KeyEntry>,
    key_by_wallet: BTreeMap<(Address, String), String>,
    /// The rows of the orders resting on a book (an order's row leaves when it ends).
    orders: BTreeMap<OrderId, OrderRow>,
    /// History emitted by the records applied since the last [`Exchange::take_changes`].
    changes: Vec<Change>,
    /// What the streams show of the records applied since the last [`Exchange::take_feed`].
    feed: Vec<Feed>,
    /// Whether records note what the streams show (off while recovery replays the journal:
    /// what was streamed before the restart is not streamed again).
    streaming: bool,
    /// Whether records note the history's changes (off while recovery replays records the
    /// history database holds already: their changes would be thrown away, and building them
    /// (rows, notification payloads) was a third of a long replay's time).
    noting_history: bool,
    /// V2 deposit wallets → the key that owns each.
    deposit_wallets: BTreeMap<Address, Address>,
    /// The protocol it started with (the configuration's, not journaled).
    start_protocol: ProtocolVersion,
    /// The cutover, once it happened: its time and the V1 orders it cancelled, by owner.
    cutover: Option<Cutover>,
}

/// A V1 exchange's move to V2 (`POST /admin/cutover`): when, and the resting V1 orders it
/// cancelled, per API key, oldest first (what `GET /data/pre-migration-orders` lists).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cutover {
    /// Unix seconds.
    pub at: u64,
    /// The cancelled V1 orders by owner.
    pub orders: BTreeMap<String, Vec<OrderId>>,
}

/// An order's row as its stream message shows it after a change of `kind`.
fn order_state(row: &OrderRow, kind: OrderEventKind) -> Box<OrderState> {
    let t = &row.spec.terms;
    Box::new(OrderState {
        kind,
        id: t.id,
        owner: row.spec.owner.as_str().to_owned(),
        maker: t.maker,
        market: row.market,
        token: t.token,
        side: t.side,
        price: row.price,
        original_size: t.shares(),
        size_matched: row.size_matched,
        outcome: row.outcome.clone(),
        trades: row.trades.clone(),
        status: row.status.clone(),
        order_type: t.order_type,
        expiration: t.expiration,
        created_at: row.created_at,
    })
}

/// One point of a token's price history: (unix seconds, price in pips).
pub type PricePoint = (u64, Pips);

/// The whole exchange as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeSnapshot {
    /// The engine.
    pub engine: Snapshot,
    /// Keys: (key, address, nonce, credentials).
    pub keys: Vec<(Address, String, ApiCredentials)>,
    /// The open orders' rows. (Snapshots written before the history database held every order
    /// ever accepted here; restoring one moves the ended ones to the history.)
    pub orders: Vec<OrderRow>,
    /// Every trade: only in snapshots written before the history database (restoring one moves
    /// them to it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trades: Vec<TradeRow>,
    /// Notifications by owner: only in snapshots written before the history database.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub notifications: BTreeMap<String, Vec<NotificationRow>>,
    /// Deposit wallets and their owners (absent from snapshots written before V2).
    #[serde(default)]
    pub deposit_wallets: BTreeMap<Address, Address>,
    /// The cutover to V2, if it happened.
    #[serde(default)]
    pub cutover: Option<Cutover>,
    /// Whether the history (ended orders, trades, notifications) is in the history database
    /// rather than in this snapshot (false in snapshots written before it existed).
    #[serde(default)]
    pub history_apart: bool,
}

impl Exchange {
    /// An empty exchange whose fees go to `operator`, speaking V2 (see
    /// [`Exchange::starting_with`]).
    pub fn new(operator: Address) -> Exchange {
        Exchange {
            engine: Engine::new(operator),
            keys: BTreeMap::new(),
            key_by_wallet: BTreeMap::new(),
            orders: BTreeMap::new(),
            changes: Vec::new(),
            feed: Vec::new(),
            streaming: true,
            noting_history: true,
            deposit_wallets: BTreeMap::new(),
            start_protocol: ProtocolVersion::V2,
            cutover: None,
        }
    }

    /// The same exchange, speaking `protocol` until a cutover (the configuration decides where
    /// a data folder starts; a journaled cutover is V2 for good).
    pub fn starting_with(mut self, protocol: ProtocolVersion) -> Exchange {
        self.start_protocol = protocol;
        self
    }

    /// The protocol version whose orders it accepts now.
    pub fn protocol(&self) -> ProtocolVersion {
        if self.cutover.is_some() {
            ProtocolVersion::V2
        } else {
            self.start_protocol
        }
    }

    /// The cutover, if it happened.
    pub fn cutover(&self) -> Option<&Cutover> {
        self.cutover.as_ref()
    }

    /// The ids of the V1 orders of `owner` that the cutover cancelled, oldest first (their
    /// rows are in the history).
    pub fn pre_migration_ids(&self, owner: &str) -> &[OrderId] {
        self.cutover
            .as_ref()
            .and_then(|c| c.orders.get(owner))
            .map_or(&[], Vec::as_slice)
    }

    /// The history emitted since the last call, in the order it happened.
    pub fn take_changes(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.changes)
    }

    /// Turns the streams' notes on or off (recovery replays the journal with them off).
    pub fn set_streaming(&mut self, on: bool) {
        self.streaming = on;
    }

    /// Turns the history's notes on or off: off, the records applied note no [`Change`] (the
    /// orders that end still leave the open orders' rows). For recovery, while it replays
    /// records the history database holds.
    pub fn set_noting_history(&mut self, on: bool) {
        self.noting_history = on;
    }

    /// Notes a change for the history, built only while the history's notes are on (see
    /// [`Exchange::set_noting_history`]).
    fn note(&mut self, change: impl FnOnce(&Exchange) -> Change) {
        if self.noting_history {
            let c = change(self);
            self.changes.push(c);
        }
    }

    /// What the streams show of the records applied since the last call, in order.
    pub fn take_feed(&mut self) -> Vec<Feed> {
        std::mem::take(&mut self.feed)
    }

    /// The streams' starting point: every market, its books and last trades now.
    pub fn stream_seed(&self, seq: u64) -> Seed {
        let markets = self
            .engine
            .markets()
            .map(|m| {
                let [yes, no] = m.spec.tokens;
                let book = |t: &TokenId| {
                    self.engine
                        .book(t)
                        .map(|b| ((b.bids, b.asks), b.last_trade))
                        .unwrap_or_default()
                };
                let ((yes_levels, yes_last), (no_levels, no_last)) = (book(&yes), book(&no));
                SeedMarket {
                    state: MarketState {
                        spec: m.spec.clone(),
                        status: m.status,
                    },
                    levels: [yes_levels, no_levels],
                    last_trade: [yes_last, no_last],
                }
            })
            .collect();
        Seed { seq, markets }
    }

    /// Applies a record; returns the engine's events. An error means nothing changed. The record
    /// is consumed: an accepted order's spec moves into its [`OrderRow`] without a copy.
    pub fn apply(&mut self, rec: Record) -> Result<Vec<Event>, ExchangeError> {
        match rec {
            Record::Engine(cmd) => self.apply_engine(cmd, None),
            Record::CreateApiKey {
                address,
                nonce,
                creds,
                ..
            } => {
                if self.key_by_wallet.contains_key(&(address, nonce.clone())) {
                    return Err(ExchangeError::KeyExists);
                }
                let key = creds.api_key.as_str().to_owned();
                let auth = L2Auth::new(creds, address)
                    .map_err(|e| ExchangeError::BadCredentials(e.to_string()))?;
                self.key_by_wallet
                    .insert((address, nonce.clone()), key.clone());
                self.keys.insert(
                    key,
                    KeyEntry {
                        address,
                        nonce,
                        auth,
                    },
                );
                Ok(Vec::new())
            }
            Record::DeleteApiKey { key, .. } => {
                if let Some(e) = self.keys.remove(&key) {
                    self.key_by_wallet.remove(&(e.address, e.nonce));
                }
                Ok(Vec::new())
            }
            Record::RegisterDepositWallet { wallet, owner, .. } => {
                match self.deposit_wallets.get(&wallet) {
                    Some(&o) if o != owner => {
                        return Err(ExchangeError::WalletTaken { wallet, owner: o });
                    }
                    _ => {
                        self.deposit_wallets.insert(wallet, owner);
                    }
                }
                Ok(Vec::new())
            }
            Record::DropNotifications { owner, ids, .. } => {
                if !ids.is_empty() {
                    self.note(|_| Change::DropNotifications { owner, ids });
                }
                Ok(Vec::new())
            }
        }
    }

    /// Applies a record that places one order (anything else is applied as [`Exchange::apply`]
    /// and yields an empty outcome), and returns what became of the order.
    pub fn apply_place(&mut self, rec: Record) -> Result<PlaceOutcome, ExchangeError> {
        let Record::Engine(cmd) = rec else {
            return self.apply(rec).map(|_| PlaceOutcome::default());
        };
        let mut outcome = PlaceOutcome::default();
        self.apply_engine(cmd, Some(&mut outcome))?;
        Ok(outcome)
    }

    /// Applies an engine command and absorbs its events (gathering a placed order's outcome
    /// into `outcome` when asked).
    fn apply_engine(
        &mut self,
        cmd: Stamped,
        outcome: Option<&mut PlaceOutcome>,
    ) -> Result<Vec<Event>, ExchangeError> {
        let cutover = matches!(cmd.command, Command::CutOver);
        if cutover && self.protocol() == ProtocolVersion::V2 {
            return Err(ExchangeError::AlreadyV2);
        }
        let events = self.engine.apply(&cmd)?;
        if cutover {
            let mut orders: BTreeMap<String, Vec<OrderId>> = BTreeMap::new();
            for ev in &events {
                if let Event::OrderCancelled { order, owner, .. } = ev {
                    orders
                        .entry(self.owner_name(*owner))
                        .or_default()
                        .push(*order);
                }
            }
            self.cutover = Some(Cutover {
                at: cmd.now,
                orders,
            });
        }
        let placed = match cmd.command {
            Command::Place(spec) => Some(spec),
            _ => None,
        };
        self.absorb(cmd.now, placed, &events, outcome);
        Ok(events)
    }

    fn owner_name(&self, id: clobkit_engine::OwnerId) -> String {
        self.engine
            .owner_key(id)
            .map(|o| o.as_str().to_owned())
            .unwrap_or_default()
    }

    fn outcome_of(&self, token: &clobkit_core::types::TokenId) -> String {
        match self.engine.market_of(token) {
            Some((m, yes)) => m.spec.outcomes[usize::from(!yes)].clone(),
            None => String::new(),
        }
    }

    /// Updates the open orders' rows from a command's events, emits the history they imply, and
    /// gathers the placed order's outcome into `outcome` when asked.
    fn absorb(
        &mut self,
        now: u64,
        mut placed: Option<Box<OrderSpec>>,
        events: &[Event],
        mut outcome: Option<&mut PlaceOutcome>,
    ) {
        let placed_id = placed.as_ref().map(|s| s.terms.id);
        // orders whose row changed: those no longer resting afterwards go to the history
        let mut touched: Vec<OrderId> = Vec::new();
        for ev in events {
            match ev {
                Event::OrderRejected { order, reason } if Some(*order) == placed_id => {
                    if let Some(o) = outcome.as_deref_mut() {
                        o.rejected = Some(reason.clone());
                    }
                }
                Event::OrderAccepted {
                    order,
                    price,
                    created_at,
                    rests,
                    status,
                    making,
                    taking,
                    ..
                } => {
                    let Some(spec) = placed.take_if(|s| s.terms.id == *order) else {
                        continue;
                    };
                    if let Some(o) = outcome.as_deref_mut() {
                        o.accepted = Some((*status, *making, *taking));
                    }
                    let market = self
                        .engine
                        .market_of(&spec.terms.token)
                        .map(|(m, _)| m.spec.condition_id)
                        .unwrap_or_default();
                    let outcome = self.outcome_of(&spec.terms.token);
                    let status = if *rests {
                        OrderStatus::Live
                    } else {
                        OrderStatus::Matched
                    };
                    touched.push(*order);
                    let row = OrderRow {
                        spec: *spec,
                        market,
                        outcome,
                        price: *price,
                        status,
                        size_matched: 0,
                        trades: Vec::new(),
                        created_at: *created_at,
                    };
                    if self.streaming {
                        self.feed
                            .push(Feed::Order(order_state(&row, OrderEventKind::Placement)));
                    }
                    self.orders.insert(*order, row);
                }
                Event::OrderFilled {
                    order,
                    size_matched,
                    remaining,
                    ..
                } => {
                    touched.push(*order);
                    if let Some(row) = self.orders.get_mut(order) {
                        row.size_matched = *size_matched;
                        if *remaining == 0 {
                            row.status = OrderStatus::Matched;
                        }
                        if self.streaming {
                            self.feed
                                .push(Feed::Order(order_state(row, OrderEventKind::Update)));
                        }
                    }
                }
                Event::OrderCancelled { order, reason, .. } => {
                    touched.push(*order);
                    if let Some(row) = self.orders.get_mut(order) {
                        row.status = match reason {
                            // a FAK that matched something is reported as matched, its rest killed
                            CancelReason::FakRemainder => OrderStatus::Matched,
                            CancelReason::MarketResolved => OrderStatus::CanceledMarketResolved,
                            _ => OrderStatus::Canceled,
                        };
                        if self.streaming {
                            self.feed
                                .push(Feed::Order(order_state(row, OrderEventKind::Cancellation)));
                        }
                    }
                }
                Event::Trade(t) => {
                    if let Some(o) = outcome
                        .as_deref_mut()
                        .filter(|_| Some(t.taker_order) == placed_id)
                    {
                        o.trades.push(t.id);
                    }
                    let mut builders = (B256::ZERO, B256::ZERO);
                    for (id, code) in [
                        (t.taker_order, &mut builders.0),
                        (t.maker.order, &mut builders.1),
                    ] {
                        if let Some(row) = self.orders.get_mut(&id) {
                            row.trades.push(t.id.0);
                            *code = row.spec.terms.builder;
                        }
                    }
                    if !self.streaming && !self.noting_history {
                        continue;
                    }
                    let owners = (
                        self.owner_name(t.taker_owner),
                        self.owner_name(t.maker.owner),
                    );
                    let outcomes = (self.outcome_of(&t.token), self.outcome_of(&t.maker.token));
                    let first =
                        |x: &Exchange, token| x.engine.market_of(token).is_none_or(|(_, yes)| yes);
                    let first_token = (first(self, &t.token), first(self, &t.maker.token));
                    let row = Arc::new(TradeRow {
                        trade: (**t).clone(),
                        outcomes,
                        last_update: now,
                        owners,
                        first_token,
                        builders,
                    });
                    if self.streaming {
                        self.feed.push(Feed::Trade(row.clone()));
                    }
                    self.note(|_| Change::Trade(row));
                }
                Event::TradeStatusChanged { trade, status } => {
                    if self.streaming {
                        self.feed.push(Feed::TradeStatus {
                            id: trade.0,
                            status: status.clone(),
                        });
                    }
                    self.note(|_| Change::TradeStatus {
                        id: trade.0,
                        status: status.clone(),
                        at: now,
                    });
                }
                Event::BookLevel {
                    token,
                    side,
                    price,
                    size,
                } if self.streaming => {
                    self.feed.push(Feed::Level {
                        token: *token,
                        side: *side,
                        price: *price,
                        size: *size,
                    });
                }
                Event::Market { market } => {
                    if let Some(m) = self.engine.market(market).filter(|_| self.streaming) {
                        self.feed.push(Feed::Market(Box::new(MarketState {
                            spec: m.spec.clone(),
                            status: m.status,
                        })));
                    }
                }
                Event::Notification {
                    id,
                    owner,
                    kind,
                    order,
                    market,
                    trade,
                } => self.note(|x| Change::Notification {
                    owner: x.owner_name(*owner),
                    row: NotificationRow {
                        id: *id,
                        kind: *kind,
                        payload: x.notification_payload(order.as_ref(), *market, *trade),
                        timestamp: now,
                    },
                }),
                _ => {}
            }
        }
        for id in touched {
            if self.engine.resting(&id).is_none()
                && let Some(row) = self.orders.remove(&id)
            {
                self.note(|_| Change::OrderEnded(Box::new(row)));
            }
        }
    }

    /// The payload fields of the official notifications that we can fill.
    fn notification_payload(
        &self,
        order: Option<&OrderId>,
        market: clobkit_engine::MarketRef,
        trade: Option<clobkit_engine::TradeId>,
    ) -> Payload {
        let condition = self.engine.market_at(market).map(|m| m.spec.condition_id);
        let row = order.and_then(|o| self.orders.get(o));
        let details = NoticeDetails {
            asset_id: row.map(|r| Shown(r.spec.terms.token)),
            condition_id: condition.map(Shown),
            market: condition.map(Shown),
            matched_size: row.map(|r| Shown(clobkit_engine::units_to_decimal(r.size_matched))),
            order_id: row.map(|r| Shown(r.spec.terms.id)),
            original_size: row
                .map(|r| Shown(clobkit_engine::units_to_decimal(r.spec.terms.shares()))),
            outcome: row.map(|r| r.outcome.as_str()),
            price: row.map(|r| Shown(clobkit_engine::pips_to_decimal(r.price))),
            remaining_size: row.map(|r| {
                let t = &r.spec.terms;
                let left = if t.sized_in_collateral() {
                    0
                } else {
                    t.shares().saturating_sub(r.size_matched)
                };
                Shown(clobkit_engine::units_to_decimal(left))
            }),
            side: row.map(|r| r.spec.terms.side.as_str()),
            trade_id: trade.map(|t| crate::ids::trade_uuid(t.0)),
            kind: row.map(|r| r.spec.terms.order_type.as_str()),
        };
        Payload::of(&details)
    }

    /// The key record of an API key.
    pub fn key(&self, key: &str) -> Option<&KeyEntry> {
        self.keys.get(key)
    }

    /// Every API key with its record.
    pub fn keys(&self) -> impl Iterator<Item = (&str, &KeyEntry)> {
        self.keys.iter().map(|(k, e)| (k.as_str(), e))
    }

    /// The key of `(address, nonce)`.
    pub fn key_for(&self, address: Address, nonce: &str) -> Option<&str> {
        self.key_by_wallet
            .get(&(address, nonce.to_owned()))
            .map(String::as_str)
    }

    /// Every key of a wallet.
    pub fn keys_of(&self, address: Address) -> Vec<String> {
        self.keys
            .iter()
            .filter(|(_, e)| e.address == address)
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// An open order's row (an order that ended is in the history).
    pub fn live_order(&self, id: &OrderId) -> Option<&OrderRow> {
        self.orders.get(id)
    }

    /// An owner's open orders, oldest first.
    pub fn open_orders(&self, owner: &str) -> Vec<&OrderRow> {
        self.engine
            .resting_of(&Owner::new(owner))
            .iter()
            .filter_map(|r| self.orders.get(&r.terms.id))
            .collect()
    }

    /// The whole state as data.
    pub fn snapshot(&self) -> ExchangeSnapshot {
        ExchangeSnapshot {
            engine: self.engine.snapshot(),
            keys: self
                .keys
                .values()
                .map(|e| (e.address, e.nonce.clone(), e.auth.credentials().clone()))
                .collect(),
            orders: self.orders.values().cloned().collect(),
            trades: Vec::new(),
            notifications: BTreeMap::new(),
            history_apart: true,
            deposit_wallets: self.deposit_wallets.clone(),
            cutover: self.cutover.clone(),
        }
    }

    /// The deposit wallet registered to `owner` (the lowest address if it has several): what a
    /// POLY_1271 caller's balance queries are about.
    pub fn deposit_wallet_of(&self, owner: &Address) -> Option<Address> {
        self.deposit_wallets
            .iter()
            .find(|(_, o)| *o == owner)
            .map(|(w, _)| *w)
    }

    /// The key that owns deposit wallet `wallet`, if it is registered.
    pub fn deposit_wallet_owner(&self, wallet: &Address) -> Option<Address> {
        self.deposit_wallets.get(wallet).copied()
    }

    /// Rebuilds the exchange from a snapshot.
    pub fn restore(s: ExchangeSnapshot) -> Result<Exchange, RestoreError> {
        let mut x = Exchange::new(s.engine.operator);
        x.engine = Engine::restore(s.engine)?;
        for (address, nonce, creds) in s.keys {
            let auth = L2Auth::new(creds.clone(), address)
                .map_err(|e| RestoreError::Key(e.to_string()))?;
            let key = creds.api_key.as_str().to_owned();
            x.key_by_wallet
                .insert((address, nonce.clone()), key.clone());
            x.keys.insert(
                key,
                KeyEntry {
                    address,
                    nonce,
                    auth,
                },
            );
        }
        x.deposit_wallets = s.deposit_wallets;
        x.cutover = s.cutover;
        // a snapshot from before the history database: its ended orders, trades and
        // notifications become changes, which the server writes if the database lacks them
        let builder_of: BTreeMap<OrderId, B256> = s
            .orders
            .iter()
            .map(|r| (r.spec.terms.id, r.spec.terms.builder))
            .collect();
        for mut row in s.trades {
            let t = &row.trade;
            row.owners = (x.owner_name(t.taker_owner), x.owner_name(t.maker.owner));
            let first = |token| x.engine.market_of(token).is_none_or(|(_, yes)| yes);
            row.first_token = (first(&t.token), first(&t.maker.token));
            let code = |id| builder_of.get(id).copied().unwrap_or_default();
            row.builders = (code(&t.taker_order), code(&t.maker.order));
            x.changes.push(Change::Trade(std::sync::Arc::new(row)));
        }
        for row in s.orders {
            if x.engine.resting(&row.spec.terms.id).is_some() {
                x.orders.insert(row.spec.terms.id, row);
            } else {
                x.changes.push(Change::OrderEnded(Box::new(row)));
            }
        }
        for (owner, list) in s.notifications {
            for row in list {
                x.changes.push(Change::Notification {
                    owner: owner.clone(),
                    row,
                });
            }
        }
        Ok(x)
    }
}

/// A snapshot that cannot be restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    /// The engine part is inconsistent.
    #[error("{0}")]
    Engine(#[from] SnapshotError),
    /// A stored key does not decode.
    #[error("stored API key unusable: {0}")]
    Key(String),
}
