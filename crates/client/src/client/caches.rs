//! What the client remembers about the exchange so that building an order does not ask it again:
//! the protocol version it speaks (until it says otherwise), tick sizes (for a time to live,
//! because the exchange can change a market's tick), and the neg-risk flag and fee rate (fixed for
//! a market's life).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use clobkit_core::protocol::ProtocolVersion;
use clobkit_core::types::{TickSize, TokenId};

/// The per-token caches, shared by every clone of a client.
#[derive(Debug)]
pub(super) struct MarketCaches {
    protocol: Mutex<Option<ProtocolVersion>>,
    tick_ttl: Duration,
    ticks: Mutex<HashMap<TokenId, (TickSize, Instant)>>,
    neg_risk: Mutex<HashMap<TokenId, bool>>,
    fees: Mutex<HashMap<TokenId, u32>>,
}

/// A poisoned lock only means another thread panicked while holding it; the maps stay valid.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl MarketCaches {
    /// Empty caches whose tick sizes expire after `tick_ttl`, knowing the protocol version if it
    /// was chosen.
    pub(super) fn new(tick_ttl: Duration, protocol: Option<ProtocolVersion>) -> MarketCaches {
        MarketCaches {
            protocol: Mutex::new(protocol),
            tick_ttl,
            ticks: Mutex::new(HashMap::new()),
            neg_risk: Mutex::new(HashMap::new()),
            fees: Mutex::new(HashMap::new()),
        }
    }

    /// The protocol version orders are signed for, if known.
    pub(super) fn protocol(&self) -> Option<ProtocolVersion> {
        *lock(&self.protocol)
    }

    /// Remembers the exchange's protocol version.
    pub(super) fn set_protocol(&self, version: ProtocolVersion) {
        *lock(&self.protocol) = Some(version);
    }

    /// Forgets the protocol version (the exchange refused an order as of another version).
    pub(super) fn forget_protocol(&self) {
        *lock(&self.protocol) = None;
    }

    /// The token's tick size, if it was learned within the time to live.
    pub(super) fn tick(&self, token: &TokenId) -> Option<TickSize> {
        let (t, at) = lock(&self.ticks).get(token).copied()?;
        (at.elapsed() < self.tick_ttl).then_some(t)
    }

    /// Remembers a tick size the exchange just reported.
    pub(super) fn set_tick(&self, token: TokenId, tick: TickSize) {
        lock(&self.ticks).insert(token, (tick, Instant::now()));
    }

    /// Forgets the tick size of one token, or of all.
    pub(super) fn forget_ticks(&self, token: Option<&TokenId>) {
        let mut t = lock(&self.ticks);
        match token {
            Some(tok) => {
                t.remove(tok);
            }
            None => t.clear(),
        }
    }

    /// Whether the token's market is neg-risk, if known.
    pub(super) fn neg_risk(&self, token: &TokenId) -> Option<bool> {
        lock(&self.neg_risk).get(token).copied()
    }

    /// Remembers a market's neg-risk flag.
    pub(super) fn set_neg_risk(&self, token: TokenId, neg_risk: bool) {
        lock(&self.neg_risk).insert(token, neg_risk);
    }

    /// The token's fee rate in bps, if known.
    pub(super) fn fee(&self, token: &TokenId) -> Option<u32> {
        lock(&self.fees).get(token).copied()
    }

    /// Remembers a market's fee rate.
    pub(super) fn set_fee(&self, token: TokenId, bps: u32) {
        lock(&self.fees).insert(token, bps);
    }
}

impl Clone for MarketCaches {
    /// A copy of what is known now; the two then evolve apart.
    fn clone(&self) -> MarketCaches {
        MarketCaches {
            protocol: Mutex::new(self.protocol()),
            tick_ttl: self.tick_ttl,
            ticks: Mutex::new(lock(&self.ticks).clone()),
            neg_risk: Mutex::new(lock(&self.neg_risk).clone()),
            fees: Mutex::new(lock(&self.fees).clone()),
        }
    }
}
