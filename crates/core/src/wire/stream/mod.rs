//! The WebSocket channels' messages, shared by the local exchange (which writes them) and the
//! SDK's stream client (which reads them), so the two cannot disagree about a field.
//!
//! A frame is one JSON object or an array of them, each routed by its `event_type`
//! ([`parse_frame`]). Reading is tolerant the way production requires (numbers as strings or
//! numbers, `""` for "none", timestamps in seconds or milliseconds, unknown fields ignored), and
//! an event type this version does not know is kept as [`StreamEvent::Unknown`], never dropped.

mod market;
mod request;
mod user;

pub use market::{
    BestBidAskMessage, BookMessage, EventMessage, LastTradeMessage, MarketResolvedMessage,
    NewMarketMessage, PriceChangeEntry, PriceChangeMessage, TickSizeChangeMessage,
};
pub use request::{ChannelKind, Operation, StreamAuth, SubscribeRequest};
pub use user::{OrderEventKind, OrderMessage, TradeMessage};

use serde::Serialize;

/// The text a server sends for a message it cannot act on (what production answers).
pub const INVALID_OPERATION: &str = "INVALID OPERATION";
/// The keepalive a client sends as text.
pub const PING: &str = "PING";
/// The server's answer to [`PING`].
pub const PONG: &str = "PONG";

/// One event of either channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event_type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum StreamEvent {
    /// A token's whole book.
    Book(BookMessage),
    /// Level changes.
    PriceChange(PriceChangeMessage),
    /// A fill's price.
    LastTradePrice(LastTradeMessage),
    /// A tick size change.
    TickSizeChange(TickSizeChangeMessage),
    /// Best bid and ask (custom feature).
    BestBidAsk(BestBidAskMessage),
    /// A new market (custom feature).
    NewMarket(NewMarketMessage),
    /// A resolution (custom feature).
    MarketResolved(MarketResolvedMessage),
    /// One of the subscriber's orders.
    Order(OrderMessage),
    /// One of the subscriber's trades.
    Trade(TradeMessage),
    /// An event this version does not know, or a known one whose fields did not read (then
    /// `error` says why), kept whole.
    #[serde(skip)]
    Unknown {
        /// Its `event_type` (`""` when it had none).
        event_type: String,
        /// Why a known type did not read, if that is why it is here.
        error: Option<String>,
        /// The event as received.
        raw: serde_json::Value,
    },
}

impl StreamEvent {
    /// Its `event_type`.
    pub fn event_type(&self) -> &str {
        match self {
            StreamEvent::Book(_) => "book",
            StreamEvent::PriceChange(_) => "price_change",
            StreamEvent::LastTradePrice(_) => "last_trade_price",
            StreamEvent::TickSizeChange(_) => "tick_size_change",
            StreamEvent::BestBidAsk(_) => "best_bid_ask",
            StreamEvent::NewMarket(_) => "new_market",
            StreamEvent::MarketResolved(_) => "market_resolved",
            StreamEvent::Order(_) => "order",
            StreamEvent::Trade(_) => "trade",
            StreamEvent::Unknown { event_type, .. } => event_type,
        }
    }

    /// Reads one event from its JSON object.
    pub fn from_value(v: serde_json::Value) -> StreamEvent {
        let kind = v
            .get("event_type")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned();
        fn typed<T: serde::de::DeserializeOwned>(
            v: serde_json::Value,
            kind: String,
            wrap: fn(T) -> StreamEvent,
        ) -> StreamEvent {
            match serde_json::from_value::<T>(v.clone()) {
                Ok(m) => wrap(m),
                Err(e) => StreamEvent::Unknown {
                    event_type: kind,
                    error: Some(e.to_string()),
                    raw: v,
                },
            }
        }
        match kind.as_str() {
            "book" => typed(v, kind, StreamEvent::Book),
            "price_change" => typed(v, kind, StreamEvent::PriceChange),
            "last_trade_price" => typed(v, kind, StreamEvent::LastTradePrice),
            "tick_size_change" => typed(v, kind, StreamEvent::TickSizeChange),
            "best_bid_ask" => typed(v, kind, StreamEvent::BestBidAsk),
            "new_market" => typed(v, kind, StreamEvent::NewMarket),
            "market_resolved" => typed(v, kind, StreamEvent::MarketResolved),
            "order" => typed(v, kind, StreamEvent::Order),
            "trade" => typed(v, kind, StreamEvent::Trade),
            _ => StreamEvent::Unknown {
                event_type: kind,
                error: None,
                raw: v,
            },
        }
    }
}

/// A text frame that is not a JSON object or array of objects (the caller decides what it is:
/// `PONG`, `INVALID OPERATION`, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an event frame: {reason} (got {excerpt:?})")]
pub struct NotEvents {
    /// Why.
    pub reason: String,
    /// The frame's first 64 characters.
    pub excerpt: String,
}

/// Reads a text frame: one event object, or an array of them (each read on its own, so one bad
/// element does not lose the others). Anything else is [`NotEvents`].
pub fn parse_frame(text: &str) -> Result<Vec<StreamEvent>, NotEvents> {
    let not = |reason: String| NotEvents {
        reason,
        excerpt: text.chars().take(64).collect(),
    };
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| not(e.to_string()))?;
    match v {
        serde_json::Value::Array(items) => {
            Ok(items.into_iter().map(StreamEvent::from_value).collect())
        }
        v @ serde_json::Value::Object(_) => Ok(vec![StreamEvent::from_value(v)]),
        _ => Err(not("expected a JSON object or array".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A live capture's shapes (websocket.md §1.5, nautilus fixtures): numbers as strings, best
    /// levels last, mirrored entries.
    #[test]
    fn captured_market_frames_read() {
        let frame = r#"[{"event_type":"book","market":"0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1","asset_id":"1234","timestamp":"1757908892351","hash":"0xabc","bids":[{"price":"0.01","size":"10"},{"price":".48","size":"5"}],"asks":[{"price":"0.99","size":"3"},{"price":"0.52","size":"25"}],"tick_size":"0.01","last_trade_price":"0.5"},
          {"event_type":"price_change","market":"0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1","price_changes":[{"asset_id":"1234","price":"0.5","size":"200","side":"BUY","hash":"56621a12","best_bid":"0.5","best_ask":"1"},{"asset_id":"5678","price":"0.5","size":"0","side":"SELL","hash":"1895759e","best_bid":"0","best_ask":""}],"timestamp":"1757908892351"},
          {"event_type":"something_new","x":1}]"#;
        let events = parse_frame(frame);
        assert!(events.is_ok(), "{events:?}");
        let events = events.unwrap_or_default();
        assert_eq!(events.len(), 3);
        match &events[0] {
            StreamEvent::Book(b) => {
                assert_eq!(b.timestamp, 1_757_908_892_351);
                assert_eq!(b.bids[1].price.to_string(), "0.48");
                assert_eq!(
                    b.asks.last().map(|l| l.price.to_string()).as_deref(),
                    Some("0.52")
                );
                assert!(b.tick_size.is_some());
            }
            other => panic!("expected a book, got {other:?}"),
        }
        match &events[1] {
            StreamEvent::PriceChange(p) => {
                assert_eq!(p.price_changes.len(), 2);
                assert_eq!(p.price_changes[1].best_bid, None, "\"0\" reads as none");
                assert_eq!(p.price_changes[1].best_ask, None, "\"\" reads as none");
            }
            other => panic!("expected a price change, got {other:?}"),
        }
        assert_eq!(events[2].event_type(), "something_new");
        assert!(matches!(
            &events[2],
            StreamEvent::Unknown { error: None, .. }
        ));
    }

    /// A known event with a broken field is kept with the reason, never dropped.
    #[test]
    fn a_broken_known_event_is_kept_with_its_error() {
        let events = parse_frame(r#"{"event_type":"book","market":"nope","asset_id":"1"}"#)
            .unwrap_or_default();
        match events.as_slice() {
            [
                StreamEvent::Unknown {
                    event_type,
                    error: Some(e),
                    ..
                },
            ] => {
                assert_eq!(event_type, "book");
                assert!(e.contains("condition id"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        assert!(parse_frame("PONG").is_err());
        assert!(parse_frame("42").is_err());
    }

    /// What the official Rust SDK sends (type, operation and both lists on every message), and
    /// what poly-websockets sends (an empty typed first message, then typeless operations).
    #[test]
    fn real_clients_subscriptions_read() {
        let rs = r#"{"type":"market","operation":"subscribe","markets":[],"assets_ids":["1","2"],"initial_dump":true}"#;
        let r: Result<SubscribeRequest, _> = serde_json::from_str(rs);
        assert!(
            r.as_ref().is_ok_and(|r| r.assets_ids.len() == 2
                && r.channel == Some(ChannelKind::Market)
                && r.operation == Some(Operation::Subscribe)),
            "{r:?}"
        );
        let first: Result<SubscribeRequest, _> =
            serde_json::from_str(r#"{"assets_ids":[],"type":"MARKET"}"#);
        assert!(first.is_ok_and(|r| r.assets_ids.is_empty()));
        let later: Result<SubscribeRequest, _> =
            serde_json::from_str(r#"{"operation":"unsubscribe","asset_ids":["3"]}"#);
        assert!(
            later.is_ok_and(|r| r.operation == Some(Operation::Unsubscribe) && r.channel.is_none())
        );
        let user = r#"{"auth":{"apiKey":"k","secret":"s","passphrase":"p"},"markets":["0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1"],"type":"user"}"#;
        let u: Result<SubscribeRequest, _> = serde_json::from_str(user);
        assert!(
            u.as_ref()
                .is_ok_and(|u| u.auth.as_ref().is_some_and(|a| a.api_key == "k"))
        );
        assert!(
            !format!("{u:?}").contains("\"s\""),
            "the secret never reaches a log"
        );
    }

    /// The user channel's captured shapes, `""` for amounts and seconds for times included.
    #[test]
    fn captured_user_frames_read() {
        let order = r#"{"event_type":"order","type":"CANCELLATION","id":"0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1","owner":"k","order_owner":"k","market":"0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1","asset_id":"1","side":"BUY","price":"0.5","original_size":"10","size_matched":"","outcome":"","associate_trades":null,"status":"CANCELED","maker_address":"0x0000000000000000000000000000000000000001","created_at":"","timestamp":"1672290701"}"#;
        match parse_frame(order).unwrap_or_default().as_slice() {
            [StreamEvent::Order(o)] => {
                assert!(o.size_matched.is_zero());
                assert_eq!(
                    o.timestamp, 1_672_290_701_000,
                    "seconds read as milliseconds"
                );
                assert!(o.associate_trades.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }
}
