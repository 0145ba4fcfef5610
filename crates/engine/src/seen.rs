//! Which order ids were accepted already: the memory of the duplicate check.
//!
//! An order id is refused as a duplicate when it rests in the arena or is in this set. The set
//! holds full ids (no fingerprints: two distinct ids never compare equal), in generations:
//!
//! * **The engine alone never forgets.** Every accepted id goes in at acceptance, so without a
//!   host that forgets, the set holds every id ever accepted (the model tests rely on it).
//! * **A host that stores ended orders elsewhere may forget.** The server keeps every ended
//!   order in its history database. It seals a generation at a record boundary
//!   ([`crate::Engine::seal_seen`]) and forgets the oldest one
//!   ([`crate::Engine::forget_oldest_seen`]) once the database holds every record up to that
//!   boundary; from then on the host must also look new ids up in its store. For that to cover
//!   every accepted id, an order that leaves the book is put back into the newest generation
//!   when it leaves ([`Seen::insert`] from the arena's retire), so an id is at every moment
//!   resting, in an unforgotten generation, or ended at a record the host has stored.
//!
//! The set is what bounds the engine's memory under endless traffic: without forgetting it grew
//! by about 18 MiB per million orders.

use std::collections::VecDeque;

use clobkit_core::types::OrderId;
use rustc_hash::{FxHashMap, FxHashSet};

/// A map keyed by order id (the arena's live-order index).
pub type ByOrderId<V> = FxHashMap<OrderId, V>;

/// Accepted order ids in generations, oldest first (never empty: the last one takes inserts).
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    generations: VecDeque<FxHashSet<OrderId>>,
}

impl Default for Seen {
    fn default() -> Self {
        Seen {
            generations: VecDeque::from([FxHashSet::default()]),
        }
    }
}

impl Seen {
    /// Whether the id is remembered.
    pub(crate) fn contains(&self, id: &OrderId) -> bool {
        self.generations.iter().any(|g| g.contains(id))
    }

    /// Remembers an id in the newest generation.
    pub(crate) fn insert(&mut self, id: OrderId) {
        if let Some(g) = self.generations.back_mut() {
            g.insert(id);
        }
    }

    /// Starts a new generation (even if the newest is empty: the host counts seals and
    /// forgets as many).
    pub(crate) fn seal(&mut self) {
        self.generations.push_back(FxHashSet::default());
    }

    /// Forgets the oldest sealed generation; `false` if only the open one is left.
    pub(crate) fn forget_oldest(&mut self) -> bool {
        if self.generations.len() < 2 {
            return false;
        }
        self.generations.pop_front();
        true
    }

    /// How many ids are remembered (an id in two generations counts twice).
    pub(crate) fn len(&self) -> usize {
        self.generations.iter().map(|g| g.len()).sum()
    }

    /// Every remembered id, sorted, once each (snapshots).
    pub(crate) fn sorted(&self) -> Vec<OrderId> {
        let mut v: Vec<OrderId> = self.generations.iter().flatten().copied().collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// A set of one generation holding `ids` (restoring a snapshot).
    pub(crate) fn from_ids(ids: Vec<OrderId>) -> Seen {
        Seen {
            generations: VecDeque::from([ids.into_iter().collect()]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clobkit_core::B256;

    fn id(n: u64) -> OrderId {
        OrderId(B256::left_padding_from(&n.to_be_bytes()))
    }

    #[test]
    fn structured_ids_are_told_apart() {
        // the layout that collided under the 64-bit fingerprint this set used to keep
        let structured = |n: u64, k: u8| {
            let mut b = [0u8; 32];
            b[..8].copy_from_slice(&n.to_be_bytes());
            b[8] = k + 1;
            b[9] = (7001u64 % 256) as u8;
            OrderId(B256::from(b))
        };
        let mut seen = Seen::default();
        seen.insert(structured(412_161, 0));
        assert!(!seen.contains(&structured(10_000_052, 1)));
        for n in 0u64..100_000 {
            assert!(!seen.contains(&id(n)), "{n}");
            seen.insert(id(n));
        }
        assert!(seen.contains(&id(99_999)));
    }

    #[test]
    fn generations_are_forgotten_oldest_first_and_the_open_one_never() {
        let mut seen = Seen::default();
        seen.insert(id(1));
        seen.seal();
        seen.seal(); // an empty generation: forgotten in its turn
        seen.insert(id(2));
        assert_eq!(seen.len(), 2);
        assert!(seen.forget_oldest());
        assert!(!seen.contains(&id(1)) && seen.contains(&id(2)));
        assert!(seen.forget_oldest(), "the empty one");
        assert!(seen.contains(&id(2)));
        assert!(!seen.forget_oldest(), "the open generation stays");
        assert!(seen.contains(&id(2)));
        seen.insert(id(2));
        assert_eq!(seen.sorted(), vec![id(2)]);
    }
}
