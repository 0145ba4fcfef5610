//! The WebSocket channels: a stream a bot can trust.
//!
//! - [`MarketStream`]: books, level changes, trades' prices, tick sizes (and, with custom
//!   features, best prices, new and resolved markets) of chosen assets, spread over sockets of
//!   at most [`StreamConfig::max_assets_per_socket`] assets each, with the books kept
//!   ([`OrderBooks`]: best bid and ask from the best levels, exact midpoint).
//! - [`UserStream`]: the credentials' owner's orders and trades.
//!
//! Each socket yields its events in the order the exchange sent them, and says what happened to
//! the connection: [`StreamItem::Gap`] when it is lost (closed, broken, no `PONG` within the
//! heartbeat timeout, or an asset silent past the staleness limit), then
//! [`StreamItem::Reconnected`] once a new connection has asked again for everything (fresh
//! snapshots follow). Nothing is skipped silently: an event type this version does not know
//! arrives as [`clobkit_core::wire::stream::StreamEvent::Unknown`], a non-event text as
//! [`StreamItem::Notice`]. Reconnection waits a jittered, exponentially growing delay.

mod book;
mod config;
mod item;
mod market;
mod shard;
mod user;

pub use book::{LocalBook, OrderBooks, StaleSnapshot};
pub use config::{OnStale, StreamConfig};
pub use item::{GapReason, StreamItem};
pub use market::MarketStream;
pub use user::UserStream;

/// Production's WebSocket host.
pub const PRODUCTION_WS: &str = "wss://ws-subscriptions-clob.polymarket.com";

/// The URL of `channel` (`market` or `user`) at `base`: `http(s)` becomes `ws(s)`, and a
/// `/ws/...` suffix or trailing slash is replaced.
pub(crate) fn channel_url(base: &str, channel: &str) -> String {
    let mut b = base.trim().trim_end_matches('/').to_owned();
    for suffix in ["/ws/market", "/ws/user", "/ws"] {
        if let Some(s) = b.strip_suffix(suffix) {
            b = s.to_owned();
            break;
        }
    }
    let b = if let Some(rest) = b.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = b.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        b
    };
    format!("{b}/ws/{channel}")
}

#[cfg(test)]
mod tests {
    use super::channel_url;

    #[test]
    fn channel_urls() {
        assert_eq!(
            channel_url("wss://ws-subscriptions-clob.polymarket.com", "market"),
            "wss://ws-subscriptions-clob.polymarket.com/ws/market"
        );
        assert_eq!(
            channel_url("http://127.0.0.1:8080/", "user"),
            "ws://127.0.0.1:8080/ws/user"
        );
        assert_eq!(
            channel_url("wss://x.example/ws/market", "user"),
            "wss://x.example/ws/user"
        );
    }
}
