//! The engine's state, and which command changes it how: each command's work lives in the module
//! named after it ([`crate::markets`], [`crate::place`], [`crate::cancel`], [`crate::matching`]).

use std::collections::{BTreeMap, BTreeSet};

use clobkit_core::types::{ConditionId, OrderId, Side, TokenId};
use clobkit_core::wire::TradeStatus;
use clobkit_core::{Address, B256};
use rustc_hash::FxHashMap;

use crate::arena::{OrderArena, Resting};
use crate::book::Book;
use crate::command::{Command, Stamped};
use crate::event::{CancelReason, Event};
use crate::ledger::{Ledger, LedgerError};
use crate::settlement::Settlement;
use crate::types::{
    Asset, Builder, MarketSpec, MarketStatus, Owner, OwnerId, PIPS_PER_UNIT, Pips, TradeId,
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
    /// A builder code registered already with other terms, or rates out of range.
    #[error("invalid builder: {0}")]
    InvalidBuilder(String),
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

/// The matching engine and ledger of a set of binary markets.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) operator: Address,
    pub(crate) markets: Vec<MarketState>,
    pub(crate) market_by_condition: FxHashMap<ConditionId, u32>,
    pub(crate) market_by_token: FxHashMap<TokenId, (u32, bool)>,
    /// Resting orders and their indexes.
    pub(crate) orders: OrderArena,
    pub(crate) owner_ids: FxHashMap<Owner, OwnerId>,
    pub(crate) owner_keys: Vec<Owner>,
    pub(crate) ledger: Ledger,
    /// Trade ids and the statuses of trades that left MATCHED.
    pub(crate) trades: Settlement,
    /// Registered builder codes.
    pub(crate) builders: BTreeMap<B256, Builder>,
    pub(crate) next_seq: u64,
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
            orders: OrderArena::default(),
            owner_ids: FxHashMap::default(),
            owner_keys: Vec::new(),
            ledger,
            trades: Settlement::default(),
            builders: BTreeMap::new(),
            next_seq: 1,
            next_notification: 1,
            now: 0,
        }
    }

    /// Starts a new generation of the duplicate check's memory. A host that stores ended orders
    /// elsewhere calls it at a record boundary, and later forgets the generation with
    /// [`Engine::forget_oldest_seen`] once its store holds everything up to that boundary.
    pub fn seal_seen(&mut self) {
        self.orders.seen_mut().seal();
    }

    /// Forgets the oldest sealed generation of the duplicate check's memory (`false`: none is
    /// sealed). From the first call on, an id that is neither resting nor remembered may still
    /// have been accepted: the caller must look it up where it keeps ended orders (the server's
    /// history database) before placing an order. Orders that ended within a generation are
    /// forgotten with it; orders still resting were put back in the newest one when they leave.
    pub fn forget_oldest_seen(&mut self) -> bool {
        self.orders.seen_mut().forget_oldest()
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
                if *amount == 0 {
                    return Err(CommandError::ZeroAmount);
                }
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
            Command::RegisterBuilder { code, builder } => self.register_builder(*code, *builder),
            Command::CutOver => {
                self.cancel_v1_orders(out);
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
                    |r| {
                        mi.is_none_or(|m| r.market == m) && token.is_none_or(|t| r.terms.token == t)
                    },
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

    /// What a resting order reserves, under its market's fee and its builder's maker rate.
    pub(crate) fn reservation(&self, r: &Resting) -> (Asset, u64) {
        let builder_bps = self.builder_bps(&r.terms, false);
        r.reservation(
            &self.markets[r.market as usize].spec.platform_fee,
            builder_bps,
        )
    }

    /// The builder fee rate an order pays in one role (0 without a registered code).
    pub(crate) fn builder_bps(&self, terms: &crate::types::OrderTerms, taker: bool) -> u32 {
        if terms.builder.is_zero() {
            return 0;
        }
        self.builders
            .get(&terms.builder)
            .map_or(0, |b| b.rates.bps(taker))
    }

    /// When the first resting order stops being valid (unix seconds), if any will: the exchange
    /// applies a [`Command::Tick`] then, so an expired order leaves the book on time.
    pub fn next_expiry(&self) -> Option<u64> {
        self.orders.next_expiry()
    }

    /// The builder registered for `code`.
    pub fn builder(&self, code: &B256) -> Option<&Builder> {
        self.builders.get(code)
    }

    fn register_builder(&mut self, code: B256, builder: Builder) -> Result<(), CommandError> {
        if code.is_zero() {
            return Err(CommandError::InvalidBuilder(
                "the zero code means no builder".into(),
            ));
        }
        builder
            .rates
            .validate()
            .map_err(|e| CommandError::InvalidBuilder(e.to_string()))?;
        match self.builders.get(&code) {
            Some(b) if *b != builder => Err(CommandError::InvalidBuilder(format!(
                "code {code} is registered already with other terms"
            ))),
            Some(_) => Ok(()),
            None => {
                self.builders.insert(code, builder);
                Ok(())
            }
        }
    }

    /// The ledger slot a resting order reserves in.
    pub(crate) fn reservation_slot(&self, r: &Resting) -> crate::ledger::Slot {
        let asset = match r.terms.side {
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
