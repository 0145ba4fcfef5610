//! The exchange as a deterministic state machine over journaled [`Record`]s.
//!
//! The engine owns matching and balances; this layer adds what the API needs on top: API keys,
//! every order ever accepted with its status (for `/data/order`), trades seen from each side (for
//! `/data/trades`), and notifications. Everything here changes only by applying a record, so
//! replaying the journal rebuilds it exactly.

use std::collections::BTreeMap;

use clobkit_core::auth::{ApiCredentials, L2Auth};
use clobkit_core::protocol::ProtocolVersion;
use clobkit_core::types::{ConditionId, OrderId};
use clobkit_core::wire::OrderStatus;
use clobkit_core::{Address, B256};
use clobkit_engine::{
    CancelReason, Command, CommandError, Engine, Event, OrderSpec, Owner, Pips, Placed, Reject,
    Snapshot, SnapshotError, Stamped, Trade, TradeId,
};
use serde::{Deserialize, Serialize};

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

/// An order as the API reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRow {
    /// The order as placed.
    pub spec: OrderSpec,
    /// Its market.
    pub market: ConditionId,
    /// Its outcome name.
    pub outcome: String,
    /// Limit price (pips); for FOK/FAK the worst price accepted.
    pub price: Pips,
    /// Its state.
    pub status: OrderStatus,
    /// Shares matched.
    pub size_matched: u64,
    /// Trades it took part in.
    pub trades: Vec<u64>,
    /// Unix seconds of acceptance.
    pub created_at: u64,
}

/// A trade and its settlement state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeRow {
    /// The match.
    pub trade: Trade,
    /// The taker's and maker's outcome names.
    pub outcomes: (String, String),
    /// Unix seconds of the last status change.
    pub last_update: u64,
}

/// A notification for one API key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRow {
    /// Id.
    pub id: u64,
    /// 1 cancelled, 2 filled, 4 market resolved.
    pub kind: u32,
    /// Details.
    pub payload: serde_json::Value,
    /// Unix seconds.
    pub timestamp: u64,
}

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

/// Where trade `id` sits in the trade list: trade ids count from 1 in the order trades happened
/// (`None` for 0 and for ids beyond the address space).
fn trade_slot(id: u64) -> Option<usize> {
    usize::try_from(id).ok()?.checked_sub(1)
}

/// API keys, orders, trades and notifications over the engine.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The matching engine and ledger.
    pub engine: Engine,
    keys: BTreeMap<String, KeyEntry>,
    key_by_wallet: BTreeMap<(Address, String), String>,
    orders: BTreeMap<OrderId, OrderRow>,
    trades: Vec<TradeRow>,
    trades_by_owner: BTreeMap<String, Vec<u64>>,
    /// For each builder code, the trades whose taker (`true`) or maker order carried it.
    trades_by_builder: BTreeMap<B256, Vec<(u64, bool)>>,
    notifications: BTreeMap<String, Vec<NotificationRow>>,
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

/// One point of a token's price history: (unix seconds, price in pips).
pub type PricePoint = (u64, Pips);

/// The whole exchange as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeSnapshot {
    /// The engine.
    pub engine: Snapshot,
    /// Keys: (key, address, nonce, credentials).
    pub keys: Vec<(Address, String, ApiCredentials)>,
    /// Every accepted order.
    pub orders: Vec<OrderRow>,
    /// Every trade, by id (also the source of price history).
    pub trades: Vec<TradeRow>,
    /// Notifications by owner.
    pub notifications: BTreeMap<String, Vec<NotificationRow>>,
    /// Deposit wallets and their owners (absent from snapshots written before V2).
    #[serde(default)]
    pub deposit_wallets: BTreeMap<Address, Address>,
    /// The cutover to V2, if it happened.
    #[serde(default)]
    pub cutover: Option<Cutover>,
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
            trades: Vec::new(),
            trades_by_owner: BTreeMap::new(),
            trades_by_builder: BTreeMap::new(),
            notifications: BTreeMap::new(),
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

    /// The V1 orders of `owner` that the cutover cancelled, oldest first.
    pub fn pre_migration_orders(&self, owner: &str) -> impl Iterator<Item = &OrderRow> {
        self.cutover
            .iter()
            .filter_map(move |c| c.orders.get(owner))
            .flatten()
            .filter_map(|id| self.orders.get(id))
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
                if let Some(list) = self.notifications.get_mut(&owner) {
                    list.retain(|n| !ids.contains(&n.id));
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

    /// Updates the query tables from a command's events, and gathers the placed order's outcome
    /// into `outcome` when asked.
    fn absorb(
        &mut self,
        now: u64,
        mut placed: Option<Box<OrderSpec>>,
        events: &[Event],
        mut outcome: Option<&mut PlaceOutcome>,
    ) {
        let placed_id = placed.as_ref().map(|s| s.terms.id);
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
                    self.orders.insert(
                        *order,
                        OrderRow {
                            spec: *spec,
                            market,
                            outcome,
                            price: *price,
                            status,
                            size_matched: 0,
                            trades: Vec::new(),
                            created_at: *created_at,
                        },
                    );
                }
                Event::OrderFilled {
                    order,
                    size_matched,
                    remaining,
                    ..
                } => {
                    if let Some(row) = self.orders.get_mut(order) {
                        row.size_matched = *size_matched;
                        if *remaining == 0 {
                            row.status = OrderStatus::Matched;
                        }
                    }
                }
                Event::OrderCancelled { order, reason, .. } => {
                    if let Some(row) = self.orders.get_mut(order) {
                        row.status = match reason {
                            // a FAK that matched something is reported as matched, its rest killed
                            CancelReason::FakRemainder => OrderStatus::Matched,
                            CancelReason::MarketResolved => OrderStatus::CanceledMarketResolved,
                            _ => OrderStatus::Canceled,
                        };
                    }
                }
                Event::Trade(t) => {
                    if let Some(o) = outcome
                        .as_deref_mut()
                        .filter(|_| Some(t.taker_order) == placed_id)
                    {
                        o.trades.push(t.id);
                    }
                    let taker_owner = self.owner_name(t.taker_owner);
                    let maker_owner = self.owner_name(t.maker.owner);
                    let outcomes = (self.outcome_of(&t.token), self.outcome_of(&t.maker.token));
                    for (id, taker) in [(t.taker_order, true), (t.maker.order, false)] {
                        if let Some(row) = self.orders.get_mut(&id) {
                            row.trades.push(t.id.0);
                            let code = row.spec.terms.builder;
                            if !code.is_zero() {
                                let list = self.trades_by_builder.entry(code).or_default();
                                list.push((t.id.0, taker));
                            }
                        }
                    }
                    self.trades_by_owner
                        .entry(taker_owner.clone())
                        .or_default()
                        .push(t.id.0);
                    if maker_owner != taker_owner {
                        self.trades_by_owner
                            .entry(maker_owner)
                            .or_default()
                            .push(t.id.0);
                    }
                    self.trades.push(TradeRow {
                        trade: (**t).clone(),
                        outcomes,
                        last_update: now,
                    });
                }
                Event::TradeStatusChanged { trade, status } => {
                    if let Some(row) = trade_slot(trade.0).and_then(|i| self.trades.get_mut(i)) {
                        row.trade.status = status.clone();
                        row.last_update = now;
                    }
                }
                Event::Notification {
                    id,
                    owner,
                    kind,
                    order,
                    market,
                    trade,
                } => {
                    let owner = self.owner_name(*owner);
                    let payload = self.notification_payload(*kind, order.as_ref(), *market, *trade);
                    self.notifications
                        .entry(owner)
                        .or_default()
                        .push(NotificationRow {
                            id: *id,
                            kind: *kind,
                            payload,
                            timestamp: now,
                        });
                }
                _ => {}
            }
        }
    }

    /// The payload fields of the official notifications that we can fill.
    fn notification_payload(
        &self,
        kind: u32,
        order: Option<&OrderId>,
        market: clobkit_engine::MarketRef,
        trade: Option<clobkit_engine::TradeId>,
    ) -> serde_json::Value {
        let mut p = serde_json::Map::new();
        if let Some(m) = self.engine.market_at(market) {
            p.insert(
                "condition_id".into(),
                m.spec.condition_id.to_string().into(),
            );
            p.insert("market".into(), m.spec.condition_id.to_string().into());
        }
        if let Some(row) = order.and_then(|o| self.orders.get(o)) {
            p.insert("order_id".into(), row.spec.terms.id.to_string().into());
            p.insert("asset_id".into(), row.spec.terms.token.to_string().into());
            p.insert("outcome".into(), row.outcome.clone().into());
            p.insert("side".into(), row.spec.terms.side.as_str().into());
            p.insert(
                "price".into(),
                clobkit_engine::pips_to_decimal(row.price)
                    .to_string()
                    .into(),
            );
            p.insert("type".into(), row.spec.terms.order_type.as_str().into());
            p.insert(
                "original_size".into(),
                clobkit_engine::units_to_decimal(row.spec.terms.shares())
                    .to_string()
                    .into(),
            );
            p.insert(
                "matched_size".into(),
                clobkit_engine::units_to_decimal(row.size_matched)
                    .to_string()
                    .into(),
            );
            let remaining = if row.spec.terms.sized_in_collateral() {
                0
            } else {
                row.spec.terms.shares().saturating_sub(row.size_matched)
            };
            p.insert(
                "remaining_size".into(),
                clobkit_engine::units_to_decimal(remaining)
                    .to_string()
                    .into(),
            );
        }
        if let Some(t) = trade {
            p.insert("trade_id".into(), crate::ids::trade_uuid(t.0).into());
        }
        let _ = kind;
        serde_json::Value::Object(p)
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

    /// An order accepted at any time.
    pub fn order(&self, id: &OrderId) -> Option<&OrderRow> {
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

    /// Trades an owner took part in, oldest first.
    pub fn trades_of(&self, owner: &str) -> Vec<&TradeRow> {
        self.trades_by_owner
            .get(owner)
            .map(|ids| {
                ids.iter()
                    .filter_map(|&i| trade_slot(i).and_then(|i| self.trades.get(i)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The trades one of whose orders carried builder `code`, oldest first, each with whether
    /// it was the taker's order (`true`) or the maker's.
    pub fn builder_trades(&self, code: &B256) -> impl Iterator<Item = (&TradeRow, bool)> {
        self.trades_by_builder
            .get(code)
            .into_iter()
            .flatten()
            .filter_map(|&(id, taker)| Some((self.trades.get(trade_slot(id)?)?, taker)))
    }

    /// Trade prices of a token over time (the taker's side of each trade in that token, and
    /// the maker's side for MINT/MERGE makers), oldest first.
    pub fn price_history(&self, token: &clobkit_core::types::TokenId) -> Vec<PricePoint> {
        self.trades
            .iter()
            .filter_map(|r| {
                let t = &r.trade;
                if t.token == *token {
                    Some((t.match_time, t.price))
                } else if t.maker.token == *token {
                    Some((t.match_time, t.maker.price))
                } else {
                    None
                }
            })
            .collect()
    }

    /// An owner's notifications.
    pub fn notifications_of(&self, owner: &str) -> &[NotificationRow] {
        self.notifications.get(owner).map_or(&[], Vec::as_slice)
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
            trades: self.trades.clone(),
            notifications: self.notifications.clone(),
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
        for row in s.orders {
            x.orders.insert(row.spec.terms.id, row);
        }
        x.deposit_wallets = s.deposit_wallets;
        x.cutover = s.cutover;
        for row in &s.trades {
            let t = &row.trade;
            let taker = x.owner_name(t.taker_owner);
            let maker = x.owner_name(t.maker.owner);
            x.trades_by_owner
                .entry(taker.clone())
                .or_default()
                .push(t.id.0);
            if maker != taker {
                x.trades_by_owner.entry(maker).or_default().push(t.id.0);
            }
            for (id, taker) in [(t.taker_order, true), (t.maker.order, false)] {
                let code = x.orders.get(&id).map(|r| r.spec.terms.builder);
                if let Some(code) = code.filter(|c| !c.is_zero()) {
                    x.trades_by_builder
                        .entry(code)
                        .or_default()
                        .push((t.id.0, taker));
                }
            }
        }
        x.trades = s.trades;
        x.notifications = s.notifications;
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
