//! Taking orders off the book: by their owner, by market, when they expire, when their market
//! closes or resolves.

use clobkit_core::types::OrderId;

use crate::arena::Resting;
use crate::book::yes_space;
use crate::engine::Engine;
use crate::event::{CancelReason, Event, NotCancelled};
use crate::types::{FeeBasis, OwnerId};

/// Which of an owner's orders a cancel command takes.
type Keep<'a> = dyn Fn(&Resting) -> bool + 'a;

impl Engine {
    /// Removes a resting order from the book and releases its reservation.
    pub(crate) fn unrest(&mut self, key: u32, out: &mut Vec<Event>) -> Option<Resting> {
        let r = self.orders.get(key)?;
        let (bid, yp) = yes_space(r.yes, r.terms.side, r.price);
        let (mi, remaining) = (r.market as usize, r.remaining);
        let side = self.markets[mi].book.side_mut(bid);
        let level = side.get_mut(&yp)?;
        let r = self.orders.remove(key, &mut level.queue)?;
        level.size -= remaining.min(level.size);
        let size = if level.queue.is_empty() {
            side.remove(&yp);
            0
        } else {
            level.size
        };
        self.push_level(r.market, bid, yp, size, out);
        let (asset, amount) = self.reservation(&r);
        let slot = self.reservation_slot(&r);
        let h = self.ledger.release_at(slot, amount);
        self.push_balance(r.terms.maker, asset, h, out);
        Some(r)
    }

    fn cancel_key(
        &mut self,
        key: u32,
        reason: CancelReason,
        out: &mut Vec<Event>,
    ) -> Option<OrderId> {
        let r = self.unrest(key, out)?;
        out.push(Event::OrderCancelled {
            order: r.terms.id,
            owner: r.owner,
            reason,
            remaining: r.remaining,
        });
        self.notify(r.owner, 1, Some(r.terms.id), r.market, None, out);
        Some(r.terms.id)
    }

    /// Cancels the listed orders of `owner`; the others are reported as not found.
    pub(crate) fn cancel_ids(
        &mut self,
        owner: Option<OwnerId>,
        ids: &[OrderId],
        out: &mut Vec<Event>,
    ) {
        let (mut canceled, mut not_canceled) = (Vec::new(), Vec::new());
        for id in ids {
            let key = self
                .orders
                .key_of(id)
                .filter(|&k| self.orders.get(k).is_some_and(|r| Some(r.owner) == owner));
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

    /// Cancels every order of `owner` that `keep` selects, oldest first.
    pub(crate) fn cancel_where(
        &mut self,
        owner: Option<OwnerId>,
        keep: impl Fn(&Resting) -> bool,
        out: &mut Vec<Event>,
    ) {
        let keys: Vec<u32> = owner
            .map(|o| self.orders.owner_keys(o))
            .unwrap_or_default()
            .into_iter()
            .filter(|&k| self.orders.get(k).is_some_and(&keep))
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

    /// Whether an owner's cancel command would cancel anything (a command that cannot is not
    /// worth journaling: its answer is "nothing cancelled", and the listed ids not found). Any
    /// other command is assumed to change something.
    pub fn would_cancel(&self, command: &crate::Command) -> bool {
        use crate::Command;
        let (owner, keep): (&crate::Owner, Box<Keep<'_>>) = match command {
            Command::Cancel { owner, orders } => {
                (owner, Box::new(move |r| orders.contains(&r.terms.id)))
            }
            Command::CancelAll { owner } => (owner, Box::new(|_| true)),
            Command::CancelMarket {
                owner,
                market,
                token,
            } => {
                let mi = market.map(|m| self.market_by_condition.get(&m).copied());
                (
                    owner,
                    Box::new(move |r| {
                        mi.is_none_or(|m| m == Some(r.market))
                            && token.is_none_or(|t| r.terms.token == t)
                    }),
                )
            }
            _ => return true,
        };
        self.owner_ids.get(owner).is_some_and(|&o| {
            self.orders
                .owner_keys(o)
                .into_iter()
                .any(|k| self.orders.get(k).is_some_and(&keep))
        })
    }

    /// Cancels every order of market `mi` in acceptance order.
    pub(crate) fn cancel_market_orders(
        &mut self,
        mi: u32,
        reason: CancelReason,
        out: &mut Vec<Event>,
    ) {
        let mut keys: Vec<(u64, u32)> = self
            .orders
            .iter()
            .filter(|(_, r)| r.market == mi)
            .map(|(k, r)| (r.seq, k))
            .collect();
        keys.sort_unstable();
        for (_, k) in keys {
            self.cancel_key(k, reason, out);
        }
    }

    /// Cancels every resting V1 order (the cutover to V2), oldest first.
    pub(crate) fn cancel_v1_orders(&mut self, out: &mut Vec<Event>) {
        let mut keys: Vec<(u64, u32)> = self
            .orders
            .iter()
            .filter(|(_, r)| r.terms.fees == FeeBasis::Signed)
            .map(|(k, r)| (r.seq, k))
            .collect();
        keys.sort_unstable();
        for (_, k) in keys {
            self.cancel_key(k, CancelReason::ProtocolCutover, out);
        }
    }

    /// Cancels every order whose time ran out by the engine's clock.
    pub(crate) fn expire_due(&mut self, out: &mut Vec<Event>) {
        while let Some(key) = self.orders.take_due(self.now) {
            self.cancel_key(key, CancelReason::Expired, out);
        }
    }
}
