//! Intrusive doubly-linked lists through the order slab: each price level's queue (time
//! priority) and each owner's orders. Appending and unlinking are O(1) with no allocation, so a
//! cancel in the middle of a long level costs the same as one at its front.

use crate::book::{Level, yes_space};
use crate::engine::Engine;

/// "No order": the end of a list.
pub(crate) const NIL: u32 = u32::MAX;

/// A resting order's neighbours in its level and in its owner's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Links {
    /// Older order at the same level.
    pub prev: u32,
    /// Newer order at the same level.
    pub next: u32,
    /// Older order of the same owner.
    pub owner_prev: u32,
    /// Newer order of the same owner.
    pub owner_next: u32,
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

impl Engine {
    /// Appends the order in slab slot `key` to the tail of its level and of its owner's list, and
    /// adds its open size to the level. Returns the level's new size.
    pub(crate) fn link(&mut self, key: u32) -> u64 {
        let Some(r) = self.slab.get(key as usize).and_then(Option::as_ref) else {
            return 0;
        };
        let (market, owner, remaining) = (r.market as usize, r.owner.0 as usize, r.remaining);
        let (bid, yp) = yes_space(r.yes, r.side, r.price);
        let level = self.markets[market]
            .book
            .side_mut(bid)
            .entry(yp)
            .or_insert_with(Level::empty);
        let level_tail = level.tail;
        if level_tail == crate::links::NIL {
            level.head = key;
        }
        level.tail = key;
        level.size += remaining;
        let size = level.size;
        if self.by_owner.len() <= owner {
            self.by_owner.resize(owner + 1, (NIL, NIL));
        }
        let owner_tail = self.by_owner[owner].1;
        if owner_tail == NIL {
            self.by_owner[owner].0 = key;
        }
        self.by_owner[owner].1 = key;
        if let Some(Some(prev)) = self.slab.get_mut(level_tail as usize) {
            prev.links.next = key;
        }
        if let Some(Some(prev)) = self.slab.get_mut(owner_tail as usize) {
            prev.links.owner_next = key;
        }
        if let Some(Some(r)) = self.slab.get_mut(key as usize) {
            r.links = Links {
                prev: level_tail,
                next: NIL,
                owner_prev: owner_tail,
                owner_next: NIL,
            };
        }
        size
    }

    /// Unlinks the order in slot `key` from its level and its owner's list, subtracts its open
    /// size from the level (dropping the level when it empties). Returns the level's new size.
    pub(crate) fn unlink(&mut self, key: u32) -> u64 {
        let Some(r) = self.slab.get(key as usize).and_then(Option::as_ref) else {
            return 0;
        };
        let (market, remaining, l) = (r.market as usize, r.remaining, r.links);
        let (bid, yp) = yes_space(r.yes, r.side, r.price);
        // level list
        if let Some(Some(p)) = self.slab.get_mut(l.prev as usize) {
            p.links.next = l.next;
        }
        if let Some(Some(n)) = self.slab.get_mut(l.next as usize) {
            n.links.prev = l.prev;
        }
        let side = self.markets[market].book.side_mut(bid);
        let mut size = 0;
        if let Some(level) = side.get_mut(&yp) {
            if level.head == key {
                level.head = l.next;
            }
            if level.tail == key {
                level.tail = l.prev;
            }
            level.size -= remaining.min(level.size);
            size = level.size;
            if level.head == NIL {
                side.remove(&yp);
                size = 0;
            }
        }
        self.unlink_owner(key);
        if let Some(Some(r)) = self.slab.get_mut(key as usize) {
            r.links.prev = NIL;
            r.links.next = NIL;
        }
        size
    }

    /// Unlinks the order in slot `key` from its owner's list only.
    pub(crate) fn unlink_owner(&mut self, key: u32) {
        let Some(r) = self.slab.get(key as usize).and_then(Option::as_ref) else {
            return;
        };
        let (owner, l) = (r.owner.0 as usize, r.links);
        if let Some(Some(p)) = self.slab.get_mut(l.owner_prev as usize) {
            p.links.owner_next = l.owner_next;
        }
        if let Some(Some(n)) = self.slab.get_mut(l.owner_next as usize) {
            n.links.owner_prev = l.owner_prev;
        }
        if let Some(ends) = self.by_owner.get_mut(owner) {
            if ends.0 == key {
                ends.0 = l.owner_next;
            }
            if ends.1 == key {
                ends.1 = l.owner_prev;
            }
        }
        if let Some(Some(r)) = self.slab.get_mut(key as usize) {
            r.links.owner_prev = NIL;
            r.links.owner_next = NIL;
        }
    }

    /// Slab keys of an owner's resting orders, oldest first.
    pub(crate) fn owner_keys_of(&self, owner: usize) -> Vec<u32> {
        let mut keys = Vec::new();
        let mut k = self.by_owner.get(owner).map_or(NIL, |e| e.0);
        while let Some(Some(r)) = self.slab.get(k as usize) {
            keys.push(k);
            k = r.links.owner_next;
        }
        keys
    }
}
