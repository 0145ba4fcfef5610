//! The engine: state, and how each command changes it.

use std::collections::BTreeSet;

use clobkit_core::Address;
use clobkit_core::types::{ConditionId, OrderId, OrderType, Side, TokenId};
use clobkit_core::wire::TradeStatus;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::book::{Book, yes_space};
use crate::command::{Command, Stamped};
use crate::event::{CancelReason, Event, NotCancelled, Reject};
use crate::ledger::{Ledger, LedgerError};
use crate::types::{
    Asset, LOT, MAX_FEE_RATE_BPS, MarketSpec, MarketStatus, ONE, OrderSpec, Owner, OwnerId,
    PIPS_PER_UNIT, Pips, TradeId, tick_pips,
};

/// A command that could not be applied; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// No such market.
    #[error("market not found: {0}")]
    UnknownMarket(ConditionId),
    /// A market with this condition id exists already.
    #[error("market {0} exists already")]
    MarketExists(ConditionId),
    /// A token is already registered in another market, or the two tokens are equal.
    #[error("invalid market: {0}")]
    InvalidMarket(String),
    /// The market is closed or resolved.
    #[error("market {0} is not open")]
    MarketNotOpen(ConditionId),
    /// No such trade.
    #[error("trade not found: {0}")]
    UnknownTrade(u64),
    /// The trade cannot move to that status.
    #[error("trade {trade} cannot move from {from} to {to}")]
    BadTransition {
        /// The trade.
        trade: u64,
        /// Its status.
        from: TradeStatus,
        /// The status asked for.
        to: TradeStatus,
    },
    /// A balance would go negative or overflow.
    #[error("{0}")]
    Ledger(#[from] LedgerError),
    /// A zero amount where a positive one is needed.
    #[error("amount must be positive")]
    ZeroAmount,
}

/// A market and its book.
#[derive(Debug, Clone)]
pub(crate) struct MarketState {
    pub spec: MarketSpec,
    pub status: MarketStatus,
    pub book: Book,
    /// Price of the last trade in YES pips, and the taker side in YES space.
    pub last_trade: Option<(Pips, Side)>,
    /// Every owner that ever had an order here (market-resolved notifications).
    pub owners: BTreeSet<OwnerId>,
    /// Interned ledger asset of each token.
    pub assets: [u32; 2],
}

/// An order on the book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resting {
    /// The order id.
    pub id: OrderId,
    /// Its owner.
    pub owner: OwnerId,
    /// Its funder.
    pub maker: Address,
    /// Its token.
    pub token: TokenId,
    /// BUY or SELL.
    pub side: Side,
    /// Signed maker amount.
    pub maker_amount: u64,
    /// Signed taker amount.
    pub taker_amount: u64,
    /// Signed fee rate.
    pub fee_rate_bps: u32,
    /// GTC or GTD.
    pub order_type: OrderType,
    /// Signed expiration (0 for none).
    pub expiration: u64,
    /// Its market's index.
    pub market: u32,
    /// Whether its token is the market's first ("YES").
    pub yes: bool,
    /// Limit price in its own token, pips.
    pub price: Pips,
    /// Open shares, base units.
    pub remaining: u64,
    /// Shares matched so far.
    pub matched: u64,
    /// Acceptance sequence (time priority).
    pub seq: u64,
    /// When it stops being valid (unix seconds), if ever.
    pub expires_at: Option<u64>,
    /// Its neighbours in the level and owner lists (rebuilt on restore).
    #[serde(skip)]
    pub(crate) links: crate::links::Links,
    /// Its funder's interned ledger account (rebuilt on restore).
    #[serde(skip)]
    pub(crate) acct: u32,
}

impl Resting {
    /// What it reserves: collateral `remaining × price` for a BUY, the shares for a SELL.
    pub fn reservation(&self) -> (Asset, u64) {
        match self.side {
            Side::Buy => (
                Asset::Collateral,
                self.remaining / LOT * u64::from(self.price),
            ),
            Side::Sell => (Asset::Token(self.token), self.remaining),
        }
    }
}

/// The matching engine and ledger of a set of binary markets.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) operator: Address,
    pub(crate) markets: Vec<MarketState>,
    pub(crate) market_by_condition: FxHashMap<ConditionId, u32>,
    pub(crate) market_by_token: FxHashMap<TokenId, (u32, bool)>,
    pub(crate) slab: Vec<Option<Resting>>,
    pub(crate) free: Vec<u32>,
    /// Live orders by id fingerprint → slab key.
    pub(crate) live: crate::seen::ByFingerprint<u32>,
    pub(crate) seen: crate::seen::Seen,
    pub(crate) owner_ids: FxHashMap<Owner, OwnerId>,
    pub(crate) owner_keys: Vec<Owner>,
    /// Each owner's resting orders as a linked list `(oldest, newest)`, indexed by owner id.
    pub(crate) by_owner: Vec<(u32, u32)>,
    pub(crate) expiries: BTreeSet<(u64, u64, u32)>,
    pub(crate) ledger: Ledger,
    /// Status of trade `i + 1` at index `i` (trade ids are sequential).
    pub(crate) trades: Vec<TradeStatus>,
    pub(crate) next_seq: u64,
    pub(crate) next_trade: u64,
    pub(crate) next_notification: u64,
    pub(crate) now: u64,
}

impl Engine {
    /// An empty engine whose fees are paid to `operator`.
    pub fn new(operator: Address) -> Engine {
        let mut ledger = Ledger::default();
        // the operator is account 0 (fees are credited to it by index)
        ledger.account_id(operator);
        Engine {
            operator,
            markets: Vec::new(),
            market_by_condition: FxHashMap::default(),
            market_by_token: FxHashMap::default(),
            slab: Vec::new(),
            free: Vec::new(),
            live: Default::default(),
            seen: crate::seen::Seen::default(),
            owner_ids: FxHashMap::default(),
            owner_keys: Vec::new(),
            by_owner: Vec::new(),
            expiries: BTreeSet::new(),
            ledger,
            trades: Vec::new(),
            next_seq: 1,
            next_trade: 1,
            next_notification: 1,
            now: 0,
        }
    }

    /// Applies a command, appending what happened to `out`. An `Err` means nothing changed
    /// (order rejections are not errors: they are an [`Event::OrderRejected`]).
    pub fn apply_into(&mut self, cmd: &Stamped, out: &mut Vec<Event>) -> Result<(), CommandError> {
        // Time never runs backwards inside the engine.
        self.now = self.now.max(cmd.now);
        self.expire_due(out);
        match &cmd.command {
            Command::CreateMarket(spec) => self.create_market(spec, out),
            Command::SetTickSize { market, tick_size } => {
                let mi = self.market_index(market)?;
                self.markets[mi as usize].spec.tick_size = *tick_size;
                out.push(Event::Market { market: *market });
                Ok(())
            }
            Command::CloseMarket { market } => {
                let mi = self.market_index(market)?;
                self.cancel_market_orders(mi, CancelReason::MarketClosed, out);
                let m = &mut self.markets[mi as usize];
                if m.status == MarketStatus::Open {
                    m.status = MarketStatus::Closed;
                }
                out.push(Event::Market { market: *market });
                Ok(())
            }
            Command::ResolveMarket { market, winner } => self.resolve(market, *winner, out),
            Command::Deposit { account, amount } => {
                let h = self.ledger.credit(*account, Asset::Collateral, *amount)?;
                self.push_balance(*account, Asset::Collateral, h, out);
                Ok(())
            }
            Command::Withdraw { account, amount } => {
                let h = self
                    .ledger
                    .debit_available(*account, Asset::Collateral, *amount)?;
                self.push_balance(*account, Asset::Collateral, h, out);
                Ok(())
            }
            Command::Split {
                account,
                market,
                amount,
            } => self.split(*account, market, *amount, out),
            Command::Merge {
                account,
                market,
                amount,
            } => self.merge(*account, market, *amount, out),
            Command::Place(spec) => {
                self.place(spec, out);
                Ok(())
            }
            Command::Cancel { owner, orders } => {
                let owner = self.owner_ids.get(owner).copied();
                self.cancel_ids(owner, orders, out);
                Ok(())
            }
            Command::CancelAll { owner } => {
                let owner = self.owner_ids.get(owner).copied();
                self.cancel_where(owner, |_| true, out);
                Ok(())
            }
            Command::CancelMarket {
                owner,
                market,
                token,
            } => {
                let mi = market.and_then(|m| self.market_by_condition.get(&m).copied());
                if market.is_some() && mi.is_none() {
                    out.push(Event::CancelResult {
                        canceled: Vec::new(),
                        not_canceled: Vec::new(),
                    });
                    return Ok(());
                }
                let token = *token;
                let owner = self.owner_ids.get(owner).copied();
                self.cancel_where(
                    owner,
                    |r| mi.is_none_or(|m| r.market == m) && token.is_none_or(|t| r.token == t),
                    out,
                );
                Ok(())
            }
            Command::AdvanceTrade { trade, status } => {
                self.advance_trade(*trade, status.clone(), out)
            }
            Command::Tick => Ok(()),
        }
    }

    /// Applies a command and returns its events.
    pub fn apply(&mut self, cmd: &Stamped) -> Result<Vec<Event>, CommandError> {
        let mut out = Vec::new();
        self.apply_into(cmd, &mut out)?;
        Ok(out)
    }

    pub(crate) fn market_index(&self, market: &ConditionId) -> Result<u32, CommandError> {
        self.market_by_condition
            .get(market)
            .copied()
            .ok_or(CommandError::UnknownMarket(*market))
    }

    fn create_market(
        &mut self,
        spec: &MarketSpec,
        out: &mut Vec<Event>,
    ) -> Result<(), CommandError> {
        if self.market_by_condition.contains_key(&spec.condition_id) {
            return Err(CommandError::MarketExists(spec.condition_id));
        }
        if spec.tokens[0] == spec.tokens[1] {
            return Err(CommandError::InvalidMarket(
                "the two outcome tokens must differ".into(),
            ));
        }
        if let Some(t) = spec
            .tokens
            .iter()
            .find(|t| self.market_by_token.contains_key(t))
        {
            return Err(CommandError::InvalidMarket(format!(
                "token {t} belongs to another market"
            )));
        }
        if spec.fee_rate_bps > MAX_FEE_RATE_BPS {
            return Err(CommandError::InvalidMarket(format!(
                "fee rate {} bps is above the maximum {MAX_FEE_RATE_BPS}",
                spec.fee_rate_bps
            )));
        }
        let mi = u32::try_from(self.markets.len())
            .map_err(|_| CommandError::InvalidMarket("too many markets".into()))?;
        self.markets.push(MarketState {
            spec: spec.clone(),
            status: MarketStatus::Open,
            book: Book::default(),
            assets: [
                self.ledger.asset_id(Asset::Token(spec.tokens[0])),
                self.ledger.asset_id(Asset::Token(spec.tokens[1])),
            ],
            last_trade: None,
            owners: BTreeSet::new(),
        });
        self.market_by_condition.insert(spec.condition_id, mi);
        self.market_by_token.insert(spec.tokens[0], (mi, true));
        self.market_by_token.insert(spec.tokens[1], (mi, false));
        out.push(Event::Market {
            market: spec.condition_id,
        });
        Ok(())
    }

    fn open_market(&self, market: &ConditionId) -> Result<u32, CommandError> {
        let mi = self.market_index(market)?;
        if self.markets[mi as usize].status != MarketStatus::Open {
            return Err(CommandError::MarketNotOpen(*market));
        }
        Ok(mi)
    }

    /// The two tokens of an open market, for a split or merge of a positive `amount`.
    fn set_tokens(&self, market: &ConditionId, amount: u64) -> Result<[TokenId; 2], CommandError> {
        let mi = self.open_market(market)?;
        if amount == 0 {
            return Err(CommandError::ZeroAmount);
        }
        Ok(self.markets[mi as usize].spec.tokens)
    }

    fn split(
        &mut self,
        account: Address,
        market: &ConditionId,
        amount: u64,
        out: &mut Vec<Event>,
    ) -> Result<(), CommandError> {
        let [a, b] = self.set_tokens(market, amount)?;
        let h = self
            .ledger
            .debit_available(account, Asset::Collateral, amount)?;
        self.push_balance(account, Asset::Collateral, h, out);
        for t in [a, b] {
            let h = self.ledger.credit(account, Asset::Token(t), amount)?;
            self.push_balance(account, Asset::Token(t), h, out);
        }
        Ok(())
    }

    fn merge(
        &mut self,
        account: Address,
        market: &ConditionId,
        amount: u64,
        out: &mut Vec<Event>,
    ) -> Result<(), CommandError> {
        let [a, b] = self.set_tokens(market, amount)?;
        let (ha, hb) = (
            self.ledger.get(account, Asset::Token(a)),
            self.ledger.get(account, Asset::Token(b)),
        );
        let needed = amount;
        if ha.available() < needed || hb.available() < needed {
            return Err(LedgerError::Insufficient {
                available: ha.available().min(hb.available()),
                needed,
            }
            .into());
        }
        for t in [a, b] {
            let h = self
                .ledger
                .debit_available(account, Asset::Token(t), amount)?;
            self.push_balance(account, Asset::Token(t), h, out);
        }
        let h = self.ledger.credit(account, Asset::Collateral, amount)?;
        self.push_balance(account, Asset::Collateral, h, out);
        Ok(())
    }

    fn resolve(
        &mut self,
        market: &ConditionId,
        winner: TokenId,
        out: &mut Vec<Event>,
    ) -> Result<(), CommandError> {
        let mi = self.market_index(market)?;
        let m = &self.markets[mi as usize];
        if !m.spec.tokens.contains(&winner) {
            return Err(CommandError::InvalidMarket(format!(
                "token {winner} is not an outcome of market {market}"
            )));
        }
        if matches!(m.status, MarketStatus::Resolved { .. }) {
            return Err(CommandError::MarketNotOpen(*market));
        }
        self.cancel_market_orders(mi, CancelReason::MarketResolved, out);
        let m = &mut self.markets[mi as usize];
        m.status = MarketStatus::Resolved { winner };
        let tokens = m.spec.tokens;
        let owners: Vec<OwnerId> = m.owners.iter().copied().collect();
        // Redeem: the winner at 1 collateral, the loser at 0.
        for t in tokens {
            for (account, h) in self.ledger.holders(Asset::Token(t)) {
                let after = self
                    .ledger
                    .debit_available(account, Asset::Token(t), h.balance)?;
                self.push_balance(account, Asset::Token(t), after, out);
                if t == winner {
                    let c = self.ledger.credit(account, Asset::Collateral, h.balance)?;
                    self.push_balance(account, Asset::Collateral, c, out);
                }
            }
        }
        for owner in owners {
            self.notify(owner, 4, None, mi, None, out);
        }
        out.push(Event::Market { market: *market });
        Ok(())
    }

    fn advance_trade(
        &mut self,
        trade: TradeId,
        to: TradeStatus,
        out: &mut Vec<Event>,
    ) -> Result<(), CommandError> {
        let slot = usize::try_from(trade.0).ok().and_then(|i| i.checked_sub(1));
        let from = slot
            .and_then(|i| self.trades.get(i))
            .cloned()
            .ok_or(CommandError::UnknownTrade(trade.0))?;
        use TradeStatus as S;
        let ok = matches!(
            (&from, &to),
            (
                S::Matched,
                S::Mined | S::Confirmed | S::Retrying | S::Failed
            ) | (S::Mined, S::Confirmed | S::Retrying | S::Failed)
                | (S::Retrying, S::Mined | S::Confirmed | S::Failed)
        );
        if !ok {
            return Err(CommandError::BadTransition {
                trade: trade.0,
                from,
                to,
            });
        }
        if let Some(st) = slot.and_then(|i| self.trades.get_mut(i)) {
            *st = to.clone();
        }
        out.push(Event::TradeStatusChanged { trade, status: to });
        Ok(())
    }

    pub(crate) fn push_balance(
        &self,
        account: Address,
        asset: Asset,
        h: crate::ledger::Holding,
        out: &mut Vec<Event>,
    ) {
        out.push(Event::Balance {
            account,
            asset,
            balance: h.balance,
            reserved: h.reserved,
        });
    }

    pub(crate) fn notify(
        &mut self,
        owner: OwnerId,
        kind: u32,
        order: Option<OrderId>,
        market: u32,
        trade: Option<TradeId>,
        out: &mut Vec<Event>,
    ) {
        let id = self.next_notification;
        self.next_notification += 1;
        out.push(Event::Notification {
            id,
            owner,
            kind,
            order,
            market: crate::event::MarketRef(market),
            trade,
        });
    }

    /// Checks an order against the market and the ledger; returns its market, token flag and
    /// limit price in pips (for FOK/FAK: the worst acceptable price, rounded toward the taker).
    fn validate(&self, s: &OrderSpec, acct: u32) -> Result<(u32, bool, Pips), Reject> {
        let &(mi, yes) = self
            .market_by_token
            .get(&s.token)
            .ok_or(Reject::UnknownToken)?;
        let m = &self.markets[mi as usize];
        if m.status != MarketStatus::Open {
            return Err(Reject::MarketNotOpen);
        }
        if self.seen.contains(&s.id) {
            return Err(Reject::Duplicated);
        }
        crate::rules::check_terms(s, m.spec.fee_rate_bps, self.now)?;
        let (m_amt, t_amt) = (u128::from(s.maker_amount), u128::from(s.taker_amount));
        if m_amt == 0 || t_amt == 0 {
            return Err(Reject::InvalidAmounts);
        }
        // price = collateral / shares
        let (coll, shares) = match s.side {
            Side::Buy => (m_amt, t_amt),
            Side::Sell => (t_amt, m_amt),
        };
        if coll >= shares {
            return Err(Reject::InvalidAmounts);
        }
        let scaled = coll * u128::from(PIPS_PER_UNIT);
        let tick = tick_pips(m.spec.tick_size);
        let price = if s.order_type.rests() {
            let p = Pips::try_from(scaled / shares).map_err(|_| Reject::InvalidAmounts)?;
            if scaled % shares != 0 || p % tick != 0 || p < tick || p > PIPS_PER_UNIT as Pips - tick
            {
                return Err(Reject::BreaksTick {
                    price: p,
                    tick: m.spec.tick_size,
                });
            }
            p
        } else {
            // worst acceptable price, rounded toward the taker: up for a BUY, down for a SELL
            let p = match s.side {
                Side::Buy => scaled.div_ceil(shares),
                Side::Sell => scaled / shares,
            };
            Pips::try_from(p).map_err(|_| Reject::InvalidAmounts)?
        };
        if !s.sized_in_collateral() && !s.shares().is_multiple_of(LOT) {
            return Err(Reject::InvalidAmounts);
        }
        if s.sized_in_collateral() {
            if s.maker_amount < ONE {
                return Err(Reject::MarketBuyBelowOneDollar {
                    amount: s.maker_amount,
                });
            }
        } else if s.shares() < m.spec.min_order_size {
            return Err(Reject::BelowMinimumSize {
                size: s.shares(),
                min: m.spec.min_order_size,
            });
        }
        let slot = crate::ledger::Slot {
            account: acct,
            asset: match s.side {
                Side::Buy => crate::ledger::COLLATERAL,
                Side::Sell => m.assets[usize::from(!yes)],
            },
        };
        if self.ledger.at(slot).available() < s.maker_amount {
            return Err(Reject::NotEnoughBalance);
        }
        Ok((mi, yes, price))
    }

    fn place(&mut self, s: &OrderSpec, out: &mut Vec<Event>) {
        // the funder's ledger index, resolved once for the whole order
        let acct = self.ledger.account_id(s.maker);
        let (mi, yes, price) = match self.validate(s, acct) {
            Ok(v) => v,
            Err(reason) => {
                out.push(Event::OrderRejected {
                    order: s.id,
                    reason,
                });
                return;
            }
        };
        let fillable = self.simulate(mi, yes, s);
        if s.post_only && fillable.crosses {
            out.push(Event::OrderRejected {
                order: s.id,
                reason: Reject::PostOnlyCrosses,
            });
            return;
        }
        match s.order_type {
            OrderType::Fok if !fillable.complete => {
                out.push(Event::OrderRejected {
                    order: s.id,
                    reason: Reject::FokNotFilled,
                });
                return;
            }
            OrderType::Fak if fillable.shares == 0 => {
                out.push(Event::OrderRejected {
                    order: s.id,
                    reason: Reject::FakNoMatch,
                });
                return;
            }
            _ => {}
        }
        self.seen.insert(&s.id);
        let owner = self.intern(&s.owner);
        self.markets[mi as usize].owners.insert(owner);
        let at = out.len();
        let fill = self.match_taker(mi, yes, s, owner, out);
        let remaining = if s.sized_in_collateral() {
            0
        } else {
            s.shares() - fill.shares
        };
        let rests = s.order_type.rests() && remaining > 0;
        if rests {
            self.rest(
                mi,
                yes,
                price,
                s,
                (owner, acct),
                fill.shares,
                remaining,
                out,
            );
        } else if remaining > 0 && fill.shares > 0 {
            // FAK remainder (FOK never gets here with a remainder)
            out.push(Event::OrderCancelled {
                order: s.id,
                owner,
                reason: CancelReason::FakRemainder,
                remaining,
            });
        }
        let status = if fill.shares > 0 {
            crate::event::Placed::Matched
        } else {
            crate::event::Placed::Live
        };
        out.insert(
            at,
            Event::OrderAccepted {
                order: s.id,
                owner,
                status,
                price,
                making: fill.making,
                taking: fill.taking,
                rests,
                created_at: self.now,
            },
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn rest(
        &mut self,
        mi: u32,
        yes: bool,
        price: Pips,
        s: &OrderSpec,
        (owner, acct): (OwnerId, u32),
        matched: u64,
        remaining: u64,
        out: &mut Vec<Event>,
    ) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let expires_at = (s.order_type == OrderType::Gtd)
            .then(|| s.expiration - crate::rules::GTD_THRESHOLD_SECS);
        let r = Resting {
            id: s.id,
            owner,
            maker: s.maker,
            token: s.token,
            side: s.side,
            maker_amount: s.maker_amount,
            taker_amount: s.taker_amount,
            fee_rate_bps: s.fee_rate_bps,
            order_type: s.order_type,
            expiration: s.expiration,
            market: mi,
            yes,
            price,
            remaining,
            matched,
            seq,
            expires_at,
            links: crate::links::Links::default(),
            acct,
        };
        let (asset, amount) = r.reservation();
        let slot = self.reservation_slot(&r);
        // validate() checked the available balance for the whole order; the remainder is less.
        if let Ok(h) = self.ledger.reserve_at(slot, amount) {
            self.push_balance(s.maker, asset, h, out);
        }
        let key = match self.free.pop() {
            Some(k) => {
                self.slab[k as usize] = Some(r);
                k
            }
            None => {
                self.slab.push(Some(r));
                (self.slab.len() - 1) as u32
            }
        };
        self.live.insert(crate::seen::fingerprint(&s.id), key);
        if let Some(e) = expires_at {
            self.expiries.insert((e, seq, key));
        }
        let size = self.link(key);
        let (bid, yp) = yes_space(yes, s.side, price);
        self.push_level(mi, bid, yp, size, out);
    }

    /// Emits the level change for both tokens' views.
    pub(crate) fn push_level(
        &self,
        mi: u32,
        bid: bool,
        yes_price: Pips,
        size: u64,
        out: &mut Vec<Event>,
    ) {
        let [yes_token, no_token] = self.markets[mi as usize].spec.tokens;
        out.push(Event::BookLevel {
            token: yes_token,
            side: if bid { Side::Buy } else { Side::Sell },
            price: yes_price,
            size,
        });
        out.push(Event::BookLevel {
            token: no_token,
            side: if bid { Side::Sell } else { Side::Buy },
            price: PIPS_PER_UNIT as Pips - yes_price,
            size,
        });
    }

    /// Removes a resting order from the book and releases its reservation.
    pub(crate) fn unrest(&mut self, key: u32, out: &mut Vec<Event>) -> Option<Resting> {
        self.slab.get(key as usize)?.as_ref()?;
        let size = self.unlink(key);
        let r = self.slab.get_mut(key as usize)?.take()?;
        self.free.push(key);
        self.live.remove(&crate::seen::fingerprint(&r.id));
        if let Some(e) = r.expires_at {
            self.expiries.remove(&(e, r.seq, key));
        }
        let (bid, yp) = yes_space(r.yes, r.side, r.price);
        self.push_level(r.market, bid, yp, size, out);
        let (asset, amount) = r.reservation();
        let slot = self.reservation_slot(&r);
        let h = self.ledger.release_at(slot, amount);
        self.push_balance(r.maker, asset, h, out);
        Some(r)
    }

    fn cancel_key(
        &mut self,
        key: u32,
        reason: CancelReason,
        out: &mut Vec<Event>,
    ) -> Option<OrderId> {
        let r = self.unrest(key, out)?;
        let market = r.market;
        out.push(Event::OrderCancelled {
            order: r.id,
            owner: r.owner,
            reason,
            remaining: r.remaining,
        });
        self.notify(r.owner, 1, Some(r.id), market, None, out);
        Some(r.id)
    }

    fn cancel_ids(&mut self, owner: Option<OwnerId>, ids: &[OrderId], out: &mut Vec<Event>) {
        let (mut canceled, mut not_canceled) = (Vec::new(), Vec::new());
        for id in ids {
            let key = self
                .live
                .get(&crate::seen::fingerprint(id))
                .copied()
                .filter(|&k| {
                    self.slab
                        .get(k as usize)
                        .and_then(|r| r.as_ref())
                        .is_some_and(|r| Some(r.owner) == owner)
                });
            match key.and_then(|k| self.cancel_key(k, CancelReason::Owner, out)) {
                Some(id) => canceled.push(id),
                None if canceled.contains(id) => {}
                None => not_canceled.push((*id, NotCancelled::NotFound)),
            }
        }
        out.push(Event::CancelResult {
            canceled,
            not_canceled,
        });
    }

    fn cancel_where(
        &mut self,
        owner: Option<OwnerId>,
        keep: impl Fn(&Resting) -> bool,
        out: &mut Vec<Event>,
    ) {
        let keys: Vec<u32> = owner
            .map(|o| self.owner_keys_of(o.0 as usize))
            .unwrap_or_default()
            .into_iter()
            .filter(|&k| self.slab[k as usize].as_ref().is_some_and(&keep))
            .collect();
        let canceled = keys
            .into_iter()
            .filter_map(|k| self.cancel_key(k, CancelReason::Owner, out))
            .collect();
        out.push(Event::CancelResult {
            canceled,
            not_canceled: Vec::new(),
        });
    }

    fn cancel_market_orders(&mut self, mi: u32, reason: CancelReason, out: &mut Vec<Event>) {
        let mut keys: Vec<(u64, u32)> = self
            .slab
            .iter()
            .enumerate()
            .filter_map(|(k, r)| {
                r.as_ref()
                    .filter(|r| r.market == mi)
                    .map(|r| (r.seq, k as u32))
            })
            .collect();
        keys.sort_unstable();
        for (_, k) in keys {
            self.cancel_key(k, reason, out);
        }
    }

    fn expire_due(&mut self, out: &mut Vec<Event>) {
        while let Some(&(at, seq, key)) = self.expiries.first() {
            if at > self.now {
                break;
            }
            self.expiries.remove(&(at, seq, key));
            self.cancel_key(key, CancelReason::Expired, out);
        }
    }

    /// The ledger slot a resting order reserves in.
    pub(crate) fn reservation_slot(&self, r: &Resting) -> crate::ledger::Slot {
        let asset = match r.side {
            Side::Buy => crate::ledger::COLLATERAL,
            Side::Sell => self.markets[r.market as usize].assets[usize::from(!r.yes)],
        };
        crate::ledger::Slot {
            account: r.acct,
            asset,
        }
    }

    /// The id of an owner, interning it on first sight.
    pub(crate) fn intern(&mut self, owner: &Owner) -> OwnerId {
        if let Some(&id) = self.owner_ids.get(owner) {
            return id;
        }
        let id = OwnerId(self.owner_keys.len() as u32);
        self.owner_ids.insert(owner.clone(), id);
        self.owner_keys.push(owner.clone());
        self.by_owner.push((crate::links::NIL, crate::links::NIL));
        id
    }

    /// The API key of an owner id found in an event.
    pub fn owner_key(&self, id: OwnerId) -> Option<&Owner> {
        self.owner_keys.get(id.0 as usize)
    }

    /// The id events use for an owner, if it ever placed an order.
    pub fn owner_id(&self, owner: &Owner) -> Option<OwnerId> {
        self.owner_ids.get(owner).copied()
    }

    /// The operator account that collects fees.
    pub fn operator(&self) -> Address {
        self.operator
    }

    /// The engine's clock: the latest `now` it was given.
    pub fn now(&self) -> u64 {
        self.now
    }
}
