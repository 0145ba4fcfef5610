//! Matching an incoming order against the book.
//!
//! The taker walks the opposite side of the one YES-space book, best price first, oldest order
//! first within a price. Each maker is filled at exactly its own limit price; the taker gets the
//! price improvement. Fills are whole lots of 0.01 share, so every maker's collateral,
//! `lots × price in pips`, is an exact number of base units and no rounding is ever needed
//! except in fees (floor, as the contract).
//!
//! | taker | maker | match | collateral |
//! |---|---|---|---|
//! | BUY t | SELL t | COMPLEMENTARY | taker pays the maker's price |
//! | SELL t | BUY t | COMPLEMENTARY | taker receives the maker's price |
//! | BUY t | BUY t' | MINT | maker pays its price, taker the rest of 1 per set |
//! | SELL t | SELL t' | MERGE | maker receives its price, taker the rest of 1 per set |
//!
//! Sizing: a limit order (and any SELL) is sized in shares and buys or sells exactly that many,
//! a limit BUY paying less collateral when it improves; a market BUY (FOK/FAK) is sized in
//! collateral and receives as many whole lots as it can afford, more shares when it improves.

use clobkit_core::types::{OrderId, Side};
use clobkit_core::wire::TradeStatus;

use clobkit_core::B256;
use clobkit_core::fees::{FillFee, PlatformFee};

use crate::arena::reservation_of;
use crate::engine::Engine;
use crate::event::{Event, MakerFill, Trade};
use crate::ledger::{COLLATERAL, Slot, fee};
use crate::types::{Asset, FeeBasis, LOT, MatchType, OrderTerms, OwnerId, PIPS_PER_UNIT, Pips};

/// What the taker got at once.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Fill {
    /// Shares traded.
    pub shares: u64,
    /// What it gave (BUY: collateral, SELL: shares).
    pub making: u64,
    /// What it received before fees (BUY: shares, SELL: collateral).
    pub taking: u64,
}

/// What matching would do, without doing it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Simulation {
    /// The best opposite level crosses.
    pub crosses: bool,
    /// Shares that would trade.
    pub shares: u64,
    /// The order would fill completely (for a market BUY: less than one lot's cost at its limit
    /// price would be left).
    pub complete: bool,
    /// Fees a V2 BUY would pay on top of its price for these fills.
    pub fee_on_top: u64,
}

/// The taker's limit and what it still wants.
struct Taker {
    yes: bool,
    side: Side,
    maker_amount: u128,
    taker_amount: u128,
    /// Market BUY: collateral left; otherwise shares left.
    left: u64,
    in_collateral: bool,
}

impl Taker {
    fn new(yes: bool, s: &OrderTerms) -> Taker {
        Taker {
            yes,
            side: s.side,
            maker_amount: u128::from(s.maker_amount),
            taker_amount: u128::from(s.taker_amount),
            left: if s.sized_in_collateral() {
                s.maker_amount
            } else {
                s.shares()
            },
            in_collateral: s.sized_in_collateral(),
        }
    }
    /// The YES-space side it takes from: bids when selling YES-space.
    fn takes_bids(&self) -> bool {
        (self.yes && self.side == Side::Sell) || (!self.yes && self.side == Side::Buy)
    }
    /// The price of a YES-space level in the taker's token.
    fn eff(&self, yes_price: Pips) -> Pips {
        if self.yes {
            yes_price
        } else {
            PIPS_PER_UNIT as Pips - yes_price
        }
    }
    /// Whether a level at `eff` (taker-token pips) is within the taker's limit.
    fn crosses(&self, eff: Pips) -> bool {
        let e = u128::from(eff);
        let d = u128::from(PIPS_PER_UNIT);
        match self.side {
            Side::Buy => e * self.taker_amount <= self.maker_amount * d,
            Side::Sell => e * self.maker_amount >= self.taker_amount * d,
        }
    }
    /// Shares to trade with a maker that has `open` shares at taker price `eff`.
    fn shares_with(&self, open: u64, eff: Pips) -> u64 {
        if self.in_collateral {
            // one lot costs `eff` base units (0.01 share × price in pips of 0.0001)
            open.min(self.left / u64::from(eff.max(1)) * LOT)
        } else {
            open.min(self.left)
        }
    }
    fn consume(&mut self, shares: u64, collateral: u64) {
        self.left -= if self.in_collateral {
            collateral
        } else {
            shares
        };
    }
    /// Whether nothing more can trade.
    fn done(&self) -> bool {
        self.left == 0
    }
    /// For a market BUY: the cost of one lot at its limit price.
    fn lot_cost_at_limit(&self) -> u128 {
        (self.maker_amount * u128::from(PIPS_PER_UNIT)).div_ceil(self.taker_amount)
    }
}

impl Engine {
    /// What matching `s` would do.
    pub(crate) fn simulate(&self, mi: u32, yes: bool, s: &OrderTerms) -> Simulation {
        let t = Taker::new(yes, s);
        let market = &self.markets[mi as usize];
        let fees = TakerFees {
            terms: s,
            platform: &market.spec.platform_fee,
            builder_bps: self.builder_bps(s, true),
        };
        let book = &market.book;
        if t.takes_bids() {
            self.walk(t, yes, fees, book.bids.iter().rev())
        } else {
            self.walk(t, yes, fees, book.asks.iter())
        }
    }

    fn walk<'a>(
        &self,
        mut t: Taker,
        yes: bool,
        fees: TakerFees<'_>,
        levels: impl Iterator<Item = (&'a Pips, &'a crate::book::Level)>,
    ) -> Simulation {
        let mut sim = Simulation::default();
        'levels: for (i, (&yp, level)) in levels.enumerate() {
            let eff = t.eff(yp);
            if !t.crosses(eff) {
                break;
            }
            if i == 0 {
                sim.crosses = true;
            }
            for (_, r) in self.orders.walk(level.queue) {
                let n = t.shares_with(r.remaining, eff);
                if n == 0 {
                    break 'levels;
                }
                let coll = taker_collateral(r.yes == yes, n, r.price);
                sim.fee_on_top += fees.on_top(n, eff, coll);
                sim.shares += n;
                t.consume(n, coll);
                if t.done() {
                    break 'levels;
                }
            }
        }
        sim.complete = if t.in_collateral {
            u128::from(t.left) < t.lot_cost_at_limit()
        } else {
            t.left == 0
        };
        sim
    }

    /// Matches `s` against the book, settling every fill.
    pub(crate) fn match_taker(
        &mut self,
        mi: u32,
        yes: bool,
        s: &OrderTerms,
        owner: OwnerId,
        out: &mut Vec<Event>,
    ) -> Fill {
        let mut t = Taker::new(yes, s);
        let mut fill = Fill::default();
        let bid_side = t.takes_bids();
        let market = self.markets[mi as usize].spec.condition_id;
        let platform = self.markets[mi as usize].spec.platform_fee;
        let t_builder_bps = self.builder_bps(s, true);
        let taker_token = s.token;
        let mut bucket = 0u32;
        let mut last_trade = None;
        let (t_gives, t_gets) = match s.side {
            Side::Buy => (Asset::Collateral, Asset::Token(taker_token)),
            Side::Sell => (Asset::Token(taker_token), Asset::Collateral),
        };
        // Ledger slots resolved once: the taker's, and each token's asset index.
        let assets = self.markets[mi as usize].assets;
        let t_acct = self.ledger.account_id(s.maker);
        let t_tok = assets[usize::from(!yes)];
        let (t_give_slot, t_get_slot) = match s.side {
            Side::Buy => (
                Slot {
                    account: t_acct,
                    asset: COLLATERAL,
                },
                Slot {
                    account: t_acct,
                    asset: t_tok,
                },
            ),
            Side::Sell => (
                Slot {
                    account: t_acct,
                    asset: t_tok,
                },
                Slot {
                    account: t_acct,
                    asset: COLLATERAL,
                },
            ),
        };
        // One level at a time: take the best level once, fill its queue from the front, then fix
        // the level up once (new head, size) and report it.
        let mut stop = false;
        while !stop {
            let book = &self.markets[mi as usize].book;
            let best = if bid_side {
                book.bids.iter().next_back()
            } else {
                book.asks.iter().next()
            };
            let Some((&yp, level)) = best else { break };
            let eff = t.eff(yp);
            if !t.crosses(eff) {
                break;
            }
            let mut key = level.queue.head;
            let mut consumed = 0u64;
            while let Some(r) = self.orders.get(key) {
                let next = self.orders.next_in_level(key);
                let shares = t.shares_with(r.remaining, eff);
                if shares == 0 {
                    stop = true;
                    break;
                }
                let same_token = r.yes == yes;
                let match_type = match (same_token, s.side) {
                    (true, _) => MatchType::Complementary,
                    (false, Side::Buy) => MatchType::Mint,
                    (false, Side::Sell) => MatchType::Merge,
                };
                let maker_coll = shares / LOT * u64::from(r.price);
                let taker_coll = taker_collateral(same_token, shares, r.price);
                let m_builder_bps = self.builder_bps(&r.terms, false);
                let maker_fee = side_fee(
                    &r.terms,
                    &platform,
                    (false, m_builder_bps),
                    shares,
                    r.price,
                    maker_coll,
                );
                let taker_fee =
                    side_fee(s, &platform, (true, t_builder_bps), shares, eff, taker_coll);
                let maker_reserved = self.reservation(r).1;
                let (m_acct, m_yes) = (r.acct, r.yes);
                let m_terms = r.terms;
                let (m_owner, m_addr, m_token, m_side, m_price, m_id) = (
                    r.owner,
                    r.terms.maker,
                    r.terms.token,
                    r.terms.side,
                    r.price,
                    r.terms.id,
                );
                let m_bps = fee_rate_bps(&m_terms, &platform);
                // A V2 BUY pays its fee in collateral on top of its price; every other fee comes
                // out of what the order receives.
                let (t_extra, t_cut) = split_fee(s, taker_fee.total());
                let (m_extra, m_cut) = split_fee(&m_terms, maker_fee.total());

                // The taker: it was checked for the whole order, so these cannot fail; stop rather
                // than settle half a fill if they ever would. Its balances are reported once, at the end.
                let (t_give_amt, t_get_amt) = match s.side {
                    Side::Buy => (taker_coll, shares),
                    Side::Sell => (shares, taker_coll),
                };
                if self
                    .ledger
                    .debit_available_at(t_give_slot, t_give_amt + t_extra)
                    .is_err()
                {
                    stop = true;
                    break;
                }
                self.credit_slot(t_get_slot, t_get_amt, t_cut, None, out);
                let t_fee_asset = if t_extra > 0 {
                    COLLATERAL
                } else {
                    t_get_slot.asset
                };
                self.collect_fees(t_fee_asset, taker_fee, &s.builder, out);

                // The maker: spends what its order reserved.
                let (m_gives, m_gets, m_give_amt, m_get_amt) = match m_side {
                    Side::Buy => (Asset::Collateral, Asset::Token(m_token), maker_coll, shares),
                    Side::Sell => (Asset::Token(m_token), Asset::Collateral, shares, maker_coll),
                };
                let m_tok = assets[usize::from(!m_yes)];
                let (m_give_slot, m_get_slot) = match m_side {
                    Side::Buy => (
                        Slot {
                            account: m_acct,
                            asset: COLLATERAL,
                        },
                        Slot {
                            account: m_acct,
                            asset: m_tok,
                        },
                    ),
                    Side::Sell => (
                        Slot {
                            account: m_acct,
                            asset: m_tok,
                        },
                        Slot {
                            account: m_acct,
                            asset: COLLATERAL,
                        },
                    ),
                };
                // Order state: a filled maker leaves the queue's front.
                let (m_matched, m_left) = self
                    .orders
                    .fill(key, shares)
                    .map_or((shares, 0), |r| (r.matched, r.remaining));
                // What it spends leaves its reservation; a V2 maker's fee reservation for the
                // filled part may exceed the fee it paid, and that excess is released.
                let spent = m_give_amt + m_extra;
                let still = reservation_of(&m_terms, m_price, m_left, &platform, m_builder_bps).1;
                let excess = maker_reserved.saturating_sub(still).saturating_sub(spent);
                if let Ok(h) = self.ledger.spend_reserved_at(m_give_slot, spent) {
                    let h = if excess > 0 {
                        self.ledger.release_at(m_give_slot, excess)
                    } else {
                        h
                    };
                    self.push_balance(m_addr, m_gives, h, out);
                }
                self.credit_slot(m_get_slot, m_get_amt, m_cut, Some((m_addr, m_gets)), out);
                let m_fee_asset = if m_extra > 0 {
                    COLLATERAL
                } else {
                    m_get_slot.asset
                };
                self.collect_fees(m_fee_asset, maker_fee, &m_terms.builder, out);
                consumed += shares;
                let filled_key = key;
                if m_left == 0 {
                    // the caller's loop moves the level's head past it (below)
                    self.orders.retire(filled_key);
                    key = next;
                }
                let trade = self.trades.open();
                t.consume(shares, taker_coll);
                fill.shares += shares;
                fill.making += t_give_amt;
                fill.taking += t_get_amt;
                let yes_side = if bid_side { Side::Sell } else { Side::Buy };
                self.markets[mi as usize].last_trade = Some((yp, yes_side));
                out.push(Event::Trade(Box::new(Trade {
                    id: trade,
                    market,
                    taker_order: s.id,
                    taker_owner: owner,
                    taker: s.maker,
                    token: taker_token,
                    side: s.side,
                    price: eff,
                    shares,
                    collateral: taker_coll,
                    taker_fee: taker_fee.platform,
                    taker_builder_fee: taker_fee.builder,
                    fee_rate_bps: fee_rate_bps(s, &platform),
                    match_type,
                    maker: MakerFill {
                        order: m_id,
                        owner: m_owner,
                        maker: m_addr,
                        token: m_token,
                        side: m_side,
                        price: m_price,
                        shares,
                        collateral: maker_coll,
                        fee: maker_fee.platform,
                        builder_fee: maker_fee.builder,
                        fee_rate_bps: m_bps,
                    },
                    bucket_index: bucket,
                    match_time: self.now,
                    status: TradeStatus::Matched,
                })));
                bucket += 1;
                out.push(Event::OrderFilled {
                    order: m_id,
                    owner: m_owner,
                    size_matched: m_matched,
                    remaining: m_left,
                    trade,
                });
                last_trade = Some(trade);
                self.notify(m_owner, 2, Some(m_id), mi, Some(trade), out);
                self.notify(owner, 2, Some(s.id), mi, Some(trade), out);
                if t.done() || m_left > 0 {
                    stop = true;
                    break;
                }
            }
            // The level's new head is `key` (none when its whole queue was consumed).
            let side = self.markets[mi as usize].book.side_mut(bid_side);
            let mut size = 0;
            if let Some(level) = side.get_mut(&yp) {
                level.size -= consumed.min(level.size);
                self.orders.set_head(&mut level.queue, key);
                if level.queue.is_empty() {
                    side.remove(&yp);
                } else {
                    size = level.size;
                }
            }
            self.push_level(mi, bid_side, yp, size, out);
        }
        if let Some(trade) = last_trade {
            // the taker's state once, after all its fills (each Trade names it too)
            let remaining = if t.in_collateral {
                0
            } else {
                s.shares() - fill.shares
            };
            out.push(Event::OrderFilled {
                order: s.id,
                owner,
                size_matched: fill.shares,
                remaining,
                trade,
            });
        }
        if fill.shares > 0 {
            for (asset, slot) in [(t_gives, t_give_slot), (t_gets, t_get_slot)] {
                let h = self.ledger.at(slot);
                self.push_balance(s.maker, asset, h, out);
            }
        }
        fill
    }

    /// Credits `amount − fee` at `slot` (reported when `report` names it); the fee is collected
    /// by [`Engine::collect_fees`]. No fee is ever above what it comes out of (V1's formula takes
    /// at most 10 %, V2's cap is below 100 %).
    fn credit_slot(
        &mut self,
        slot: Slot,
        amount: u64,
        fee: u64,
        report: Option<(clobkit_core::Address, Asset)>,
        out: &mut Vec<Event>,
    ) {
        let fee = fee.min(amount);
        let credited = self.ledger.credit_at(slot, amount - fee);
        if let (Ok(h), Some((account, asset))) = (credited, report) {
            self.push_balance(account, asset, h, out);
        }
    }

    /// Credits one side's fees in the interned `asset`: the platform's (or V1's) part to the
    /// operator (account 0), the builder's part to the builder of `code`; each reported.
    fn collect_fees(&mut self, asset: u32, fee: SideFee, code: &B256, out: &mut Vec<Event>) {
        // the operator is account 0; a builder is interned on its first fee (and looked up only
        // when there is one to pay: not on a V1 fill)
        let builder = (fee.builder > 0)
            .then(|| self.builders.get(code).map(|b| b.address))
            .flatten();
        let parts = [(Some(self.operator), fee.platform), (builder, fee.builder)];
        for (i, (to, amount)) in parts.into_iter().enumerate() {
            let Some(to) = to.filter(|_| amount > 0) else {
                continue;
            };
            let account = if i == 0 {
                0
            } else {
                self.ledger.account_id(to)
            };
            let slot = Slot { account, asset };
            if let Ok(h) = self.ledger.credit_at(slot, amount) {
                let (_, a) = self.ledger.describe(slot);
                self.push_balance(to, a, h, out);
            }
        }
    }

    /// Whether `id` is resting on the book.
    pub fn is_live(&self, id: &OrderId) -> bool {
        self.orders.contains(id)
    }
}

/// What one side of a fill pays: `platform` goes to the operator, `builder` to the builder of
/// the order's code.
type SideFee = FillFee;

/// The fees one side of a fill pays: a V1 order's by the CTF formula at its signed rate (in what
/// it receives); a V2 order's platform fee if its role pays it and its builder's rate (in
/// collateral). `role` is (taker?, the builder's rate for that role); `price` is the side's own
/// price, `coll` its collateral in the fill.
fn side_fee(
    terms: &OrderTerms,
    platform: &PlatformFee,
    role: (bool, u32),
    shares: u64,
    price: Pips,
    coll: u64,
) -> SideFee {
    match terms.fees {
        FeeBasis::Signed => FillFee {
            platform: fee(terms.side == Side::Buy, terms.fee_rate_bps, shares, coll),
            builder: 0,
        },
        FeeBasis::Operator => platform.fill_fee(role.0, role.1, shares, price, coll),
    }
}

/// Splits a side's fee into what it pays on top of its price (a V2 BUY's collateral fee) and what
/// comes out of what it receives (every other fee).
fn split_fee(terms: &OrderTerms, fee: u64) -> (u64, u64) {
    match (terms.fees, terms.side) {
        (FeeBasis::Operator, Side::Buy) => (fee, 0),
        _ => (0, fee),
    }
}

/// The fee rate a trade reports for one side: the signed rate (V1), the platform rate in whole
/// basis points (V2).
fn fee_rate_bps(terms: &OrderTerms, platform: &PlatformFee) -> u32 {
    match terms.fees {
        FeeBasis::Signed => terms.fee_rate_bps,
        FeeBasis::Operator => platform.rate.bps_floor(),
    }
}

/// The taker's side of the fee rules, for the simulation.
#[derive(Clone, Copy)]
struct TakerFees<'a> {
    terms: &'a OrderTerms,
    platform: &'a PlatformFee,
    builder_bps: u32,
}

impl TakerFees<'_> {
    /// What a fill of `shares` at `price` for `coll` costs the taker on top of its price.
    fn on_top(&self, shares: u64, price: Pips, coll: u64) -> u64 {
        let role = (true, self.builder_bps);
        let fee = side_fee(self.terms, self.platform, role, shares, price, coll);
        split_fee(self.terms, fee.total()).0
    }
}

/// Collateral the taker pays (BUY) or receives (SELL) for `shares` against a maker at `price`:
/// the maker's price for a COMPLEMENTARY match, the rest of 1 per set for MINT and MERGE.
fn taker_collateral(same_token: bool, shares: u64, maker_price: Pips) -> u64 {
    let maker = shares / LOT * u64::from(maker_price);
    if same_token { maker } else { shares - maker }
}
