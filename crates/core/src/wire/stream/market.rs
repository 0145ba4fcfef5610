//! The market channel's events (`/ws/market`), field for field as websocket.md §1.5 describes
//! them: every number a string, `timestamp` in unix milliseconds (a string), books with their
//! best level **last** (bids ascending, asks descending), as `/book` sends them.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::book::PriceLevel;
use crate::serde_util::{decimal_str, opt_decimal_str, unix_millis_str};
use crate::types::{ConditionId, Side, TickSize, TokenId};

/// A token's whole book: sent for every asset on subscribe (with `tick_size` and
/// `last_trade_price`), and again after a trade touched it (without them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookMessage {
    /// The condition id.
    pub market: ConditionId,
    /// The token.
    pub asset_id: TokenId,
    /// Unix milliseconds of the change this book follows.
    #[serde(with = "unix_millis_str", default)]
    pub timestamp: u64,
    /// SHA-1 of the book's `/book` summary at this timestamp (see
    /// [`crate::book::OrderBookSummary::compute_hash`]): a client cannot recompute it from the
    /// message alone (it lacks `min_order_size` and `neg_risk`), so it is a change marker.
    #[serde(default)]
    pub hash: String,
    /// Bids, ascending (best last).
    #[serde(default)]
    pub bids: Vec<PriceLevel>,
    /// Asks, descending (best last).
    #[serde(default)]
    pub asks: Vec<PriceLevel>,
    /// The market's tick size (the subscribe snapshot only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tick_size: Option<TickSize>,
    /// The last trade's price in this token (the subscribe snapshot only; `"0.5"` before any
    /// trade, as `/book` says).
    #[serde(
        default,
        with = "opt_decimal_str",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_trade_price: Option<Decimal>,
}

/// One level of one token changed: the new aggregate size there (`"0"`: the level is gone),
/// with that token's best bid and ask and book hash after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceChangeEntry {
    /// The token.
    pub asset_id: TokenId,
    /// The level's price.
    #[serde(with = "decimal_str")]
    pub price: Decimal,
    /// The new total size at that price (not a delta).
    #[serde(with = "decimal_str")]
    pub size: Decimal,
    /// BUY for a bid level, SELL for an ask level.
    pub side: Side,
    /// The token's book hash after the change.
    #[serde(default)]
    pub hash: String,
    /// The token's best bid after the change (`"0"` on the wire when there is none).
    #[serde(with = "price_or_zero", default)]
    pub best_bid: Option<Decimal>,
    /// The token's best ask after the change (`"0"` on the wire when there is none).
    #[serde(with = "price_or_zero", default)]
    pub best_ask: Option<Decimal>,
}

/// Levels changed by one order event: each change comes with its mirror in the other token of
/// the market (a YES bid at p is a NO ask at 1 − p, with the same size).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceChangeMessage {
    /// The condition id.
    pub market: ConditionId,
    /// The changes, in the order they happened.
    #[serde(default)]
    pub price_changes: Vec<PriceChangeEntry>,
    /// Unix milliseconds.
    #[serde(with = "unix_millis_str", default)]
    pub timestamp: u64,
}

/// A fill: the price the token last traded at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastTradeMessage {
    /// The token.
    pub asset_id: TokenId,
    /// The condition id.
    pub market: ConditionId,
    /// The price, in this token.
    #[serde(with = "decimal_str")]
    pub price: Decimal,
    /// The side of the taker, in this token.
    pub side: Side,
    /// Shares traded.
    #[serde(with = "decimal_str")]
    pub size: Decimal,
    /// The taker's fee rate.
    #[serde(with = "decimal_str", default)]
    pub fee_rate_bps: Decimal,
    /// Unix milliseconds.
    #[serde(with = "unix_millis_str", default)]
    pub timestamp: u64,
    /// The settlement transaction (`""` until mined).
    #[serde(default)]
    pub transaction_hash: String,
}

/// The market's tick size changed (sent for each of its tokens).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TickSizeChangeMessage {
    /// The token.
    pub asset_id: TokenId,
    /// The condition id.
    pub market: ConditionId,
    /// The tick size before.
    pub old_tick_size: TickSize,
    /// The tick size now.
    pub new_tick_size: TickSize,
    /// Unix milliseconds.
    #[serde(with = "unix_millis_str", default)]
    pub timestamp: u64,
}

/// A token's best bid or ask changed (custom feature).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BestBidAskMessage {
    /// The condition id.
    pub market: ConditionId,
    /// The token.
    pub asset_id: TokenId,
    /// The best bid (`"0"` on the wire when there is none).
    #[serde(with = "price_or_zero", default)]
    pub best_bid: Option<Decimal>,
    /// The best ask (`"0"` on the wire when there is none).
    #[serde(with = "price_or_zero", default)]
    pub best_ask: Option<Decimal>,
    /// Ask minus bid (`"0"` unless both exist).
    #[serde(with = "decimal_str", default)]
    pub spread: Decimal,
    /// Unix milliseconds.
    #[serde(with = "unix_millis_str", default)]
    pub timestamp: u64,
}

/// The event a market belongs to, as `new_market` and `market_resolved` carry it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventMessage {
    /// Event id.
    #[serde(default)]
    pub id: String,
    /// Ticker.
    #[serde(default)]
    pub ticker: String,
    /// Slug.
    #[serde(default)]
    pub slug: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
}

/// A market was created (custom feature; sent to every connection that asked for custom
/// features, whatever it subscribed to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMarketMessage {
    /// The market's id.
    #[serde(default)]
    pub id: String,
    /// The question.
    #[serde(default)]
    pub question: String,
    /// The condition id.
    pub market: ConditionId,
    /// Slug.
    #[serde(default)]
    pub slug: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Its tokens (`asset_ids` is read too).
    #[serde(rename = "assets_ids", alias = "asset_ids", default)]
    pub assets_ids: Vec<TokenId>,
    /// Outcome names, in token order.
    #[serde(default)]
    pub outcomes: Vec<String>,
    /// Its event.
    #[serde(default)]
    pub event_message: EventMessage,
    /// Unix milliseconds.
    #[serde(with = "unix_millis_str", default)]
    pub timestamp: u64,
    /// The tick size.
    #[serde(
        default,
        with = "opt_decimal_str",
        skip_serializing_if = "Option::is_none"
    )]
    pub order_price_min_tick_size: Option<Decimal>,
}

/// A market resolved (custom feature, global like `new_market`; production is reported never to
/// send it, the local exchange does).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketResolvedMessage {
    /// The market's id.
    #[serde(default)]
    pub id: String,
    /// The question.
    #[serde(default)]
    pub question: String,
    /// The condition id.
    pub market: ConditionId,
    /// Slug.
    #[serde(default)]
    pub slug: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Its tokens.
    #[serde(rename = "assets_ids", alias = "asset_ids", default)]
    pub assets_ids: Vec<TokenId>,
    /// Outcome names, in token order.
    #[serde(default)]
    pub outcomes: Vec<String>,
    /// The token that won.
    pub winning_asset_id: TokenId,
    /// Its outcome name.
    #[serde(default)]
    pub winning_outcome: String,
    /// Its event.
    #[serde(default)]
    pub event_message: EventMessage,
    /// Unix milliseconds.
    #[serde(with = "unix_millis_str", default)]
    pub timestamp: u64,
}

/// A best price that may be missing, written `"0"` when it is (decision, websocket.md leaves it
/// open: an empty string breaks the official Rust SDK's parse of the whole frame, and 0 is never
/// a price a level can have); `""`, `"0"`, `null` and a missing key read as `None`.
pub(crate) mod price_or_zero {
    use rust_decimal::Decimal;
    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.collect_str(d),
            None => s.serialize_str("0"),
        }
    }
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Decimal>, D::Error> {
        Ok(crate::serde_util::opt_decimal_str::deserialize(d)?.filter(|p| !p.is_zero()))
    }
}
