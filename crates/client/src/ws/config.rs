//! How a stream behaves: keepalive, reconnection, the staleness watchdog, sharding.

use std::time::Duration;

/// What the staleness watchdog does when an asset has been silent too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnStale {
    /// Report it ([`super::StreamItem::Stale`]) and carry on.
    Report,
    /// Report it, then drop the connection and reconnect for fresh snapshots (what a silent
    /// freeze, PONG still answering and data stopped, needs).
    Reconnect,
}

/// A stream's settings. [`StreamConfig::default`] suits production; tests shorten the times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamConfig {
    /// How often a text `PING` is sent (production asks for one at least every 10 s).
    pub heartbeat_interval: Duration,
    /// How long without a `PONG` before the connection counts as dead and is replaced.
    pub heartbeat_timeout: Duration,
    /// How long a connection attempt (TCP, TLS and the WebSocket handshake) may take.
    pub connect_timeout: Duration,
    /// The first reconnection delay; it doubles per failed attempt up to `backoff_max`, and each
    /// delay is drawn at random between half and all of it (jitter).
    pub backoff_initial: Duration,
    /// The longest reconnection delay.
    pub backoff_max: Duration,
    /// An asset that received its snapshot and then nothing for this long, or whose snapshot
    /// has not come this long after it was asked for, is reported stale (`None`: never; a quiet
    /// market is often silent for minutes, so set it above the quiet you expect).
    pub stale_after: Option<Duration>,
    /// What a stale asset triggers.
    pub on_stale: OnStale,
    /// Assets per socket on the market channel: more are spread over further sockets (shards).
    pub max_assets_per_socket: usize,
    /// Items buffered between the sockets and the reader: a reader that falls further behind
    /// slows the sockets, and the exchange then drops them as too slow (reported as a gap).
    pub buffer: usize,
}

impl Default for StreamConfig {
    /// PING every 5 s, dead after 15 s without PONG, 10 s to connect, backoff 1 s doubling to
    /// 60 s, no staleness watchdog, 200 assets per socket (what nautilus uses after freezes were
    /// reported at 250), a buffer of 16,384 items.
    fn default() -> Self {
        StreamConfig {
            heartbeat_interval: Duration::from_secs(5),
            heartbeat_timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(10),
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            stale_after: None,
            on_stale: OnStale::Report,
            max_assets_per_socket: 200,
            buffer: 16_384,
        }
    }
}

impl StreamConfig {
    /// The delay before reconnection attempt `attempt` (1, 2, …): `backoff_initial × 2^(attempt
    /// − 1)`, capped at `backoff_max`, times a random factor in [1/2, 1].
    pub fn backoff(&self, attempt: u32) -> Duration {
        let base = self.backoff_initial.as_millis();
        let doubled = base.saturating_mul(1u128 << attempt.saturating_sub(1).min(30));
        let capped = doubled.min(self.backoff_max.as_millis()).max(1);
        let mut r = [0u8; 8];
        // without randomness the delay is the full one: still bounded, only not spread
        let spread = match getrandom::fill(&mut r) {
            Ok(()) => u128::from(u64::from_le_bytes(r)) % (capped / 2 + 1),
            Err(_) => 0,
        };
        let ms = capped - spread;
        Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let c = StreamConfig {
            backoff_initial: Duration::from_millis(100),
            backoff_max: Duration::from_millis(1000),
            ..StreamConfig::default()
        };
        for _ in 0..200 {
            let d1 = c.backoff(1).as_millis();
            assert!((50..=100).contains(&d1), "{d1}");
            let d3 = c.backoff(3).as_millis();
            assert!((200..=400).contains(&d3), "{d3}");
            let d20 = c.backoff(20).as_millis();
            assert!((500..=1000).contains(&d20), "{d20}");
        }
        let spread: std::collections::HashSet<u128> =
            (0..50).map(|_| c.backoff(5).as_millis()).collect();
        assert!(spread.len() > 5, "jittered: {spread:?}");
    }
}
