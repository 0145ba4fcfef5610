//! Where resting orders live: an arena of slots, with every index over them kept in one place.
//!
//! A resting order sits in a slot named by a `u32` key. Through the slots run two kinds of
//! intrusive doubly-linked lists: each price level's queue (time priority) and each owner's
//! orders. Appending and unlinking are O(1) with no allocation, so a cancel in the middle of a
//! long level costs the same as one at its front. The arena also keeps the live-order index by id,
//! the duplicate check's memory and the expiry schedule, and updates all of them together: no other module touches
//! a slot's links or an index.
//!
//! The arena does not know the book: a level hands in its [`Queue`] (the ends of its list), so the
//! book depends on the arena and never the other way round.

use std::collections::BTreeSet;

use clobkit_core::fees::PlatformFee;
use clobkit_core::types::{OrderId, Side};
use serde::{Deserialize, Serialize};

use crate::seen::{ByOrderId, Seen};
use crate::types::{Asset, FeeBasis, LOT, OrderTerms, OwnerId, Pips};

/// "No order": the end of a list.
pub(crate) const NIL: u32 = u32::MAX;

/// The two ends of a list through the arena (oldest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queue {
    /// Key of the oldest order, or `u32::MAX` for none.
    pub head: u32,
    /// Key of the newest order, or `u32::MAX` for none.
    pub tail: u32,
}

impl Queue {
    /// A list with no orders.
    pub const EMPTY: Queue = Queue {
        head: NIL,
        tail: NIL,
    };

    /// Whether the list holds no order.
    pub fn is_empty(&self) -> bool {
        self.head == NIL
    }
}

/// A resting order's neighbours in its level and in its owner's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Links {
    /// Older order at the same level.
    prev: u32,
    /// Newer order at the same level.
    next: u32,
    /// Older order of the same owner.
    owner_prev: u32,
    /// Newer order of the same owner.
    owner_next: u32,
}

impl Default for Links {
    fn default() -> Self {
        Links {
            prev: NIL,
            next: NIL,
            owner_prev: NIL,
            owner_next: NIL,
        }
    }
}

/// An order on the book: what was signed, and its state while it rests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resting {
    /// The signed terms, exactly as accepted.
    #[serde(flatten)]
    pub terms: OrderTerms,
    /// Its owner.
    pub owner: OwnerId,
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
    pub(crate) links: Links,
    /// Its funder's interned ledger account (rebuilt on restore).
    #[serde(skip)]
    pub(crate) acct: u32,
}

impl Resting {
    /// What it reserves in a market charging `fee`, its builder taking `builder_bps` of a
    /// maker fill (see [`reservation_of`]).
    pub fn reservation(&self, fee: &PlatformFee, builder_bps: u32) -> (Asset, u64) {
        reservation_of(&self.terms, self.price, self.remaining, fee, builder_bps)
    }
}

/// What an order at `price` with `remaining` open shares reserves in a market charging `fee`:
/// collateral `remaining × price` for a BUY, plus, for a V2 BUY, the most its maker fills can pay
/// in fees (platform fee if makers pay it, `builder_bps` to its builder); the shares for a SELL.
pub(crate) fn reservation_of(
    terms: &OrderTerms,
    price: Pips,
    remaining: u64,
    fee: &PlatformFee,
    builder_bps: u32,
) -> (Asset, u64) {
    match terms.side {
        Side::Buy => {
            let cost = remaining / LOT * u64::from(price);
            let fees = match terms.fees {
                FeeBasis::Signed => 0,
                FeeBasis::Operator => fee.maker_reserve(builder_bps, remaining, price),
            };
            (Asset::Collateral, cost.saturating_add(fees))
        }
        Side::Sell => (Asset::Token(terms.token), remaining),
    }
}

/// The slots of resting orders and every index over them.
#[derive(Debug, Clone, Default)]
pub(crate) struct OrderArena {
    slots: Vec<Option<Resting>>,
    free: Vec<u32>,
    /// Live orders by id → key.
    by_id: ByOrderId<u32>,
    /// Ids of accepted orders, remembered for the duplicate check (see [`Seen`]): every id
    /// goes in when accepted, and again when its order leaves the arena once generations are
    /// forgotten.
    seen: Seen,
    /// Each owner's orders, indexed by owner id.
    by_owner: Vec<Queue>,
    /// `(expires_at, seq, key)` of every order that expires.
    expiries: BTreeSet<(u64, u64, u32)>,
}

impl OrderArena {
    /// The order in slot `key`.
    pub(crate) fn get(&self, key: u32) -> Option<&Resting> {
        self.slots.get(key as usize)?.as_ref()
    }

    /// The order in slot `key`, to change its fill state (never its links).
    pub(crate) fn fill(&mut self, key: u32, shares: u64) -> Option<&Resting> {
        let r = self.slots.get_mut(key as usize)?.as_mut()?;
        r.remaining -= shares.min(r.remaining);
        r.matched += shares;
        Some(r)
    }

    /// The key of a live order.
    pub(crate) fn key_of(&self, id: &OrderId) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    /// Whether `id` rests in the arena.
    pub(crate) fn contains(&self, id: &OrderId) -> bool {
        self.by_id.contains_key(id)
    }

    /// Whether an order with this id was accepted and is still remembered: it rests, or is in
    /// a generation of [`Seen`] not yet forgotten.
    pub(crate) fn knows(&self, id: &OrderId) -> bool {
        // until a generation is forgotten every accepted id is remembered: one lookup
        self.seen.contains(id) || (self.seen.forgetting() && self.by_id.contains_key(id))
    }

    /// Remembers an accepted order's id.
    pub(crate) fn note_accepted(&mut self, id: &OrderId) {
        self.seen.insert(id);
    }

    /// The duplicate check's memory.
    pub(crate) fn seen(&self) -> &Seen {
        &self.seen
    }

    /// The duplicate check's memory, to seal or forget generations or restore it.
    pub(crate) fn seen_mut(&mut self) -> &mut Seen {
        &mut self.seen
    }

    /// Every resting order with its key, in slot order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &Resting)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(k, r)| r.as_ref().map(|r| (k as u32, r)))
    }

    /// The orders of a list, oldest first.
    pub(crate) fn walk(&self, queue: Queue) -> impl Iterator<Item = (u32, &Resting)> {
        let mut key = queue.head;
        std::iter::from_fn(move || {
            let r = self.get(key)?;
            let here = key;
            key = r.links.next;
            Some((here, r))
        })
    }

    /// The order after `key` in its level, or [`NIL`].
    pub(crate) fn next_in_level(&self, key: u32) -> u32 {
        self.get(key).map_or(NIL, |r| r.links.next)
    }

    /// Keys of an owner's resting orders, oldest first.
    pub(crate) fn owner_keys(&self, owner: OwnerId) -> Vec<u32> {
        let mut keys = Vec::new();
        let mut k = self.by_owner.get(owner.0 as usize).map_or(NIL, |q| q.head);
        while let Some(r) = self.get(k) {
            keys.push(k);
            k = r.links.owner_next;
        }
        keys
    }

    /// Puts an order in a free slot, indexes it, and appends it to the tail of `level` and of its
    /// owner's list. Returns its key.
    pub(crate) fn insert(&mut self, mut r: Resting, level: &mut Queue) -> u32 {
        let owner = r.owner.0 as usize;
        if self.by_owner.len() <= owner {
            self.by_owner.resize(owner + 1, Queue::EMPTY);
        }
        let owner_tail = self.by_owner[owner].tail;
        r.links = Links {
            prev: level.tail,
            next: NIL,
            owner_prev: owner_tail,
            owner_next: NIL,
        };
        let (id, expiry) = (r.terms.id, r.expires_at.map(|at| (at, r.seq)));
        let key = match self.free.pop() {
            Some(k) => {
                self.slots[k as usize] = Some(r);
                k
            }
            None => {
                self.slots.push(Some(r));
                (self.slots.len() - 1) as u32
            }
        };
        if let Some(prev) = self.slot_mut(level.tail) {
            prev.links.next = key;
        }
        if let Some(prev) = self.slot_mut(owner_tail) {
            prev.links.owner_next = key;
        }
        if level.is_empty() {
            level.head = key;
        }
        level.tail = key;
        let ends = &mut self.by_owner[owner];
        if ends.head == NIL {
            ends.head = key;
        }
        ends.tail = key;
        self.by_id.insert(id, key);
        if let Some((at, seq)) = expiry {
            self.expiries.insert((at, seq, key));
        }
        key
    }

    /// Takes the order in slot `key` out of `level`, its owner's list and every index, and frees
    /// the slot.
    pub(crate) fn remove(&mut self, key: u32, level: &mut Queue) -> Option<Resting> {
        let l = self.get(key)?.links;
        if let Some(p) = self.slot_mut(l.prev) {
            p.links.next = l.next;
        }
        if let Some(n) = self.slot_mut(l.next) {
            n.links.prev = l.prev;
        }
        if level.head == key {
            level.head = l.next;
        }
        if level.tail == key {
            level.tail = l.prev;
        }
        self.retire(key)
    }

    /// Takes the order in slot `key` out of its owner's list and every index and frees the slot,
    /// leaving its level's links to the caller: the matcher consumes a level's queue from the
    /// front and then moves the head once with [`OrderArena::set_head`].
    pub(crate) fn retire(&mut self, key: u32) -> Option<Resting> {
        let l = self.get(key)?.links;
        let owner = self.get(key)?.owner.0 as usize;
        if let Some(p) = self.slot_mut(l.owner_prev) {
            p.links.owner_next = l.owner_next;
        }
        if let Some(n) = self.slot_mut(l.owner_next) {
            n.links.owner_prev = l.owner_prev;
        }
        if let Some(ends) = self.by_owner.get_mut(owner) {
            if ends.head == key {
                ends.head = l.owner_next;
            }
            if ends.tail == key {
                ends.tail = l.owner_prev;
            }
        }
        let r = self.slots.get_mut(key as usize)?.take()?;
        self.free.push(key);
        self.by_id.remove(&r.terms.id);
        // it leaves the book now: once generations are forgotten, remembered in the newest one
        // (see `Seen`)
        if self.seen.forgetting() {
            self.seen.insert(&r.terms.id);
        }
        if let Some(at) = r.expires_at {
            self.expiries.remove(&(at, r.seq, key));
        }
        Some(r)
    }

    /// Makes `key` the front of `level` after the orders before it were retired ([`NIL`]: the
    /// level is empty).
    pub(crate) fn set_head(&mut self, level: &mut Queue, key: u32) {
        level.head = key;
        match self.slot_mut(key) {
            Some(r) => r.links.prev = NIL,
            None => level.tail = NIL,
        }
    }

    /// When the first order expires (unix seconds), if any does.
    pub(crate) fn next_expiry(&self) -> Option<u64> {
        self.expiries.first().map(|&(at, _, _)| at)
    }

    /// The key of the first order whose expiry is at or before `now`, taken off the schedule.
    pub(crate) fn take_due(&mut self, now: u64) -> Option<u32> {
        let &(at, seq, key) = self.expiries.first()?;
        if at > now {
            return None;
        }
        self.expiries.remove(&(at, seq, key));
        Some(key)
    }

    fn slot_mut(&mut self, key: u32) -> Option<&mut Resting> {
        self.slots.get_mut(key as usize)?.as_mut()
    }
}
