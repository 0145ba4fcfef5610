//! Placing an order: the checks that depend on state, matching, and resting what is left.

use clobkit_core::types::{OrderType, Side};

use crate::arena::Resting;
use crate::book::{Level, yes_space};
use crate::engine::Engine;
use crate::event::{CancelReason, Event, Placed, Reject};
use crate::ledger::{COLLATERAL, Slot};
use crate::matching::Simulation;
use crate::rules::{GTD_THRESHOLD_SECS, check_terms};
use crate::types::{FeeBasis, LOT, MarketStatus, ONE, OrderSpec, PIPS_PER_UNIT, Pips, tick_pips};

/// Where an accepted order goes in the book: its market, whether its token is the first, and its
/// limit price in its own token (for FOK/FAK the worst acceptable price).
struct Placement {
    market: u32,
    yes: bool,
    price: Pips,
}

impl Engine {
    /// Checks an order against the market and the ledger; for FOK/FAK the price is the worst
    /// acceptable one, rounded toward the taker.
    fn validate(&self, s: &OrderSpec, acct: u32) -> Result<Placement, Reject> {
        let t = &s.terms;
        let &(mi, yes) = self
            .market_by_token
            .get(&t.token)
            .ok_or(Reject::UnknownToken)?;
        let m = &self.markets[mi as usize];
        if m.status != MarketStatus::Open {
            return Err(Reject::MarketNotOpen);
        }
        if self.orders.knows(&t.id) {
            return Err(Reject::Duplicated);
        }
        check_terms(s, m.spec.fee_rate_bps, self.now)?;
        let (m_amt, t_amt) = (u128::from(t.maker_amount), u128::from(t.taker_amount));
        if m_amt == 0 || t_amt == 0 {
            return Err(Reject::InvalidAmounts);
        }
        // price = collateral / shares
        let (coll, shares) = match t.side {
            Side::Buy => (m_amt, t_amt),
            Side::Sell => (t_amt, m_amt),
        };
        if coll >= shares {
            return Err(Reject::InvalidAmounts);
        }
        let scaled = coll * u128::from(PIPS_PER_UNIT);
        let tick = tick_pips(m.spec.tick_size);
        let price = if t.order_type.rests() {
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
            let p = match t.side {
                Side::Buy => scaled.div_ceil(shares),
                Side::Sell => scaled / shares,
            };
            Pips::try_from(p).map_err(|_| Reject::InvalidAmounts)?
        };
        if !t.sized_in_collateral() && !t.shares().is_multiple_of(LOT) {
            return Err(Reject::InvalidAmounts);
        }
        if t.sized_in_collateral() {
            if t.maker_amount < ONE {
                return Err(Reject::MarketBuyBelowOneDollar {
                    amount: t.maker_amount,
                });
            }
        } else if t.shares() < m.spec.min_order_size {
            return Err(Reject::BelowMinimumSize {
                size: t.shares(),
                min: m.spec.min_order_size,
            });
        }
        let slot = Slot {
            account: acct,
            asset: match t.side {
                Side::Buy => COLLATERAL,
                Side::Sell => m.assets[usize::from(!yes)],
            },
        };
        if self.ledger.at(slot).available() < t.maker_amount {
            return Err(Reject::NotEnoughBalance);
        }
        Ok(Placement {
            market: mi,
            yes,
            price,
        })
    }

    /// Every check of placing `s` for the funder at ledger index `acct`, in order: the terms and
    /// the balance, then what matching would do (fees, post-only, FOK, FAK).
    fn checks(&self, s: &OrderSpec, acct: u32) -> Result<Placement, Reject> {
        let t = &s.terms;
        let at = self.validate(s, acct)?;
        let fillable = self.simulate(at.market, at.yes, t);
        if !self.affords_fees(s, acct, &at, &fillable) {
            return Err(Reject::NotEnoughBalance);
        }
        if s.post_only && fillable.crosses {
            return Err(Reject::PostOnlyCrosses);
        }
        match t.order_type {
            OrderType::Fok if !fillable.complete => Err(Reject::FokNotFilled),
            OrderType::Fak if fillable.shares == 0 => Err(Reject::FakNoMatch),
            _ => Ok(at),
        }
    }

    /// Why placing `s` at time `now` would be refused, found without changing anything, so the
    /// exchange can answer without journaling a command that would change nothing. `None` when
    /// it would be accepted, and when orders are due to expire first (which could change the
    /// answer): then the command is applied as usual.
    pub fn refusal(&self, s: &OrderSpec, now: u64) -> Option<Reject> {
        if self
            .orders
            .next_expiry()
            .is_some_and(|at| at <= now.max(self.now))
        {
            return None;
        }
        // an account the ledger never saw holds nothing: any index past the end reads as empty
        let acct = self.ledger.find(s.terms.maker).unwrap_or(u32::MAX);
        self.checks(s, acct).err()
    }

    /// Places an order: refuses it, or matches it and rests what is left, reporting each step.
    pub(crate) fn place(&mut self, s: &OrderSpec, out: &mut Vec<Event>) {
        let t = &s.terms;
        // the funder's ledger index, resolved once for the whole order
        let acct = self.ledger.account_id(t.maker);
        let at = match self.checks(s, acct) {
            Ok(at) => at,
            Err(reason) => {
                return out.push(Event::OrderRejected {
                    order: t.id,
                    reason,
                });
            }
        };
        self.orders.note_accepted(&t.id);
        let owner = self.intern(&s.owner);
        self.markets[at.market as usize].owners.insert(owner);
        let first = out.len();
        let fill = self.match_taker(at.market, at.yes, t, owner, out);
        let remaining = if t.sized_in_collateral() {
            0
        } else {
            t.shares() - fill.shares
        };
        let rests = t.order_type.rests() && remaining > 0;
        if rests {
            let seq = self.next_seq;
            self.next_seq += 1;
            let expires_at =
                (t.order_type == OrderType::Gtd).then(|| t.expiration - GTD_THRESHOLD_SECS);
            let r = Resting {
                terms: *t,
                owner,
                market: at.market,
                yes: at.yes,
                price: at.price,
                remaining,
                matched: fill.shares,
                seq,
                expires_at,
                links: Default::default(),
                acct,
            };
            self.rest(r, out);
        } else if remaining > 0 && fill.shares > 0 {
            // FAK remainder (FOK never gets here with a remainder)
            out.push(Event::OrderCancelled {
                order: t.id,
                owner,
                reason: CancelReason::FakRemainder,
                remaining,
            });
        }
        let status = if fill.shares > 0 {
            Placed::Matched
        } else {
            Placed::Live
        };
        out.insert(
            first,
            Event::OrderAccepted {
                order: t.id,
                owner,
                status,
                price: at.price,
                making: fill.making,
                taking: fill.taking,
                rests,
                created_at: self.now,
            },
        );
    }

    /// Whether a V2 BUY can also pay its fees, which come on top of its price: those of the fills
    /// it takes now and, for what would rest, the most its maker fills could pay.
    /// [`Engine::validate`] checked the price part; every other order has nothing more to pay.
    fn affords_fees(
        &self,
        s: &OrderSpec,
        acct: u32,
        at: &Placement,
        fillable: &Simulation,
    ) -> bool {
        let t = &s.terms;
        if t.fees != FeeBasis::Operator || t.side != Side::Buy {
            return true;
        }
        let platform = &self.markets[at.market as usize].spec.platform_fee;
        let rest = if t.order_type.rests() {
            t.shares().saturating_sub(fillable.shares)
        } else {
            0
        };
        let fees = fillable.fee_on_top.saturating_add(platform.maker_reserve(
            self.builder_bps(t, false),
            rest,
            at.price,
        ));
        if fees == 0 {
            return true;
        }
        let slot = Slot {
            account: acct,
            asset: COLLATERAL,
        };
        self.ledger.at(slot).available() >= t.maker_amount.saturating_add(fees)
    }

    /// Reserves what a resting order may still spend and puts it at the back of its level.
    fn rest(&mut self, r: Resting, out: &mut Vec<Event>) {
        let (asset, amount) = self.reservation(&r);
        let slot = self.reservation_slot(&r);
        // validate() checked the available balance for the whole order; the remainder is less.
        if let Ok(h) = self.ledger.reserve_at(slot, amount) {
            self.push_balance(r.terms.maker, asset, h, out);
        }
        let (mi, bid, yp, size) = self.shelve(r);
        self.push_level(mi, bid, yp, size, out);
    }

    /// Puts an order at the back of its level (creating the level) and returns where it went:
    /// market, YES-space side and price, and the level's new size.
    pub(crate) fn shelve(&mut self, r: Resting) -> (u32, bool, Pips, u64) {
        let (bid, yp) = yes_space(r.yes, r.terms.side, r.price);
        let (mi, remaining) = (r.market, r.remaining);
        let level = self.markets[mi as usize]
            .book
            .side_mut(bid)
            .entry(yp)
            .or_insert_with(Level::empty);
        self.orders.insert(r, &mut level.queue);
        level.size += remaining;
        (mi, bid, yp, level.size)
    }
}
