//! Which order ids were accepted already: the memory of the duplicate check.
//!
//! An order id is refused as a duplicate when it rests in the arena or is in this set. The set
//! holds a 64-bit fingerprint of each id (a quarter of the memory of full ids, with which the
//! engine's load bench took about 28% longer per command), in generations:
//!
//! * **The engine alone never forgets.** Every accepted id goes in at acceptance, so without a
//!   host that forgets, the set holds every id ever accepted (the model tests rely on it).
//! * **A host that stores ended orders elsewhere may forget.** The server keeps every ended
//!   order in its history database. It seals a generation at a record boundary
//!   ([`crate::Engine::seal_seen`]) and forgets the oldest one
//!   ([`crate::Engine::forget_oldest_seen`]) once the database holds every record up to that
//!   boundary; from then on the host must also look new ids up in its store. For that to cover
//!   every accepted id, once forgetting has begun an order that leaves the book is put back into
//!   the newest generation when it leaves (the arena's retire), so an id is at every moment
//!   resting, in an unforgotten generation, or ended at a record the host has stored.
//!
//! The set is what bounds the engine's memory under endless traffic: without forgetting it grew
//! by about 18 MiB per million orders.
//!
//! **Decision: fingerprints.** Distinct ids share a fingerprint with probability 2⁻⁶⁴ per pair,
//! so a new order is wrongly refused as a duplicate with probability about n/2⁶⁴, n the ids
//! remembered (a few thousand in the server, which forgets; 10⁻¹³ after a million orders in an
//! engine that never does). Every word of the id goes through MurmurHash3's 64-bit finalizer
//! before the words are combined, so structured ids (counters, padded numbers) spread as digests
//! do: an earlier fingerprint that combined raw words first made two such ids collide.

use std::collections::VecDeque;

use clobkit_core::types::OrderId;
use rustc_hash::{FxHashMap, FxHashSet};

/// MurmurHash3's 64-bit finalizer: a bijection in which every input bit reaches every output
/// bit.
fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The fingerprint of an order id (see the module's decision): each word mixed on its own with
/// a constant of its place (so the four mixes run side by side), then the four combined. Public
/// because a host keying ended orders by id (the server's history database) needs a short key
/// that spreads structured ids as well as digests.
pub fn fingerprint(id: &OrderId) -> u64 {
    const PLACES: [u64; 4] = [
        0x9e37_79b9_7f4a_7c15,
        0xbf58_476d_1ce4_e5b9,
        0x94d0_49bb_1331_11eb,
        0x2545_f491_4f6c_dd1d,
    ];
    let mut h = 0u64;
    for (i, word) in id.0.chunks_exact(8).enumerate() {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        h ^= fmix64(u64::from_le_bytes(w) ^ PLACES[i]).rotate_left(16 * i as u32);
    }
    h
}

/// A map keyed by order id (the arena's live-order index).
pub type ByOrderId<V> = FxHashMap<OrderId, V>;

/// Fingerprints of accepted order ids in generations, oldest first (never empty: the last one
/// takes inserts).
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    generations: VecDeque<FxHashSet<u64>>,
    /// Whether a generation was ever forgotten (until then every accepted id is here).
    forgetting: bool,
}

impl Default for Seen {
    fn default() -> Self {
        Seen {
            generations: VecDeque::from([FxHashSet::default()]),
            forgetting: false,
        }
    }
}

impl Seen {
    /// Whether the id is remembered.
    pub(crate) fn contains(&self, id: &OrderId) -> bool {
        let f = fingerprint(id);
        self.generations.iter().any(|g| g.contains(&f))
    }

    /// Remembers an id in the newest generation.
    pub(crate) fn insert(&mut self, id: &OrderId) {
        if let Some(g) = self.generations.back_mut() {
            g.insert(fingerprint(id));
        }
    }

    /// Whether a generation was ever forgotten: until then every accepted id is here, and an id
    /// leaving the book needs no remembering again.
    pub(crate) fn forgetting(&self) -> bool {
        self.forgetting
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
        self.forgetting = true;
        true
    }

    /// How many ids are remembered (an id in two generations counts twice).
    pub(crate) fn len(&self) -> usize {
        self.generations.iter().map(|g| g.len()).sum()
    }

    /// Every remembered fingerprint, sorted, once each (snapshots).
    pub(crate) fn sorted(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.generations.iter().flatten().copied().collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// A set of one generation holding these fingerprints (restoring a snapshot); `forgetting`
    /// as the snapshotted set was.
    pub(crate) fn from_fingerprints(v: Vec<u64>, forgetting: bool) -> Seen {
        Seen {
            generations: VecDeque::from([v.into_iter().collect()]),
            forgetting,
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
        seen.insert(&structured(412_161, 0));
        assert!(!seen.contains(&structured(10_000_052, 1)));
        for n in 0u64..200_000 {
            for k in 0..2 {
                assert!(!seen.contains(&structured(n, k)), "{n} {k}");
                seen.insert(&structured(n, k));
            }
        }
        for n in 0u64..100_000 {
            assert!(!seen.contains(&id(n)), "{n}");
            seen.insert(&id(n));
        }
        assert!(seen.contains(&id(99_999)));
    }

    #[test]
    fn generations_are_forgotten_oldest_first_and_the_open_one_never() {
        let mut seen = Seen::default();
        seen.insert(&id(1));
        seen.seal();
        seen.seal(); // an empty generation: forgotten in its turn
        seen.insert(&id(2));
        assert_eq!(seen.len(), 2);
        assert!(!seen.forgetting());
        assert!(seen.forget_oldest());
        assert!(seen.forgetting());
        assert!(!seen.contains(&id(1)) && seen.contains(&id(2)));
        assert!(seen.forget_oldest(), "the empty one");
        assert!(seen.contains(&id(2)));
        assert!(!seen.forget_oldest(), "the open generation stays");
        assert!(seen.contains(&id(2)));
        seen.insert(&id(2));
        assert_eq!(seen.sorted(), vec![fingerprint(&id(2))]);
    }
}
