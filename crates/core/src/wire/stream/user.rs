//! The user channel's events (`/ws/user`): the subscriber's own orders and trades, with the
//! fields of websocket.md §2.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Address;
use crate::serde_util::{decimal_or_zero, decimal_str, u64_str, unix_millis_str};
use crate::types::{ConditionId, OrderId, OrderType, Side, TokenId};
use crate::wire::{MakerOrder, OrderStatus, TradeStatus, TraderSide};

crate::wire::status::open_enum!(
    /// What happened to an order (`order.type`).
    OrderEventKind {
        /// It was accepted.
        Placement = "PLACEMENT",
        /// Some of it matched.
        Update = "UPDATE",
        /// It left the book unfilled or partly filled.
        Cancellation = "CANCELLATION",
    }
);

/// One of the subscriber's orders changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderMessage {
    /// PLACEMENT, UPDATE or CANCELLATION.
    #[serde(rename = "type")]
    pub kind: OrderEventKind,
    /// The order id.
    pub id: OrderId,
    /// The API key that placed it.
    #[serde(default)]
    pub owner: String,
    /// The same key (the field production also sends).
    #[serde(default)]
    pub order_owner: String,
    /// The condition id.
    pub market: ConditionId,
    /// The token.
    pub asset_id: TokenId,
    /// BUY or SELL.
    pub side: Side,
    /// The limit price.
    #[serde(with = "decimal_str")]
    pub price: Decimal,
    /// Size at placement, in shares.
    #[serde(with = "decimal_or_zero", default)]
    pub original_size: Decimal,
    /// Shares matched so far (`""` reads as 0).
    #[serde(with = "decimal_or_zero", default)]
    pub size_matched: Decimal,
    /// The outcome name.
    #[serde(default)]
    pub outcome: String,
    /// Trades it took part in (`null` reads as none).
    #[serde(default, deserialize_with = "crate::serde_util::null_as_empty")]
    pub associate_trades: Vec<String>,
    /// LIVE, MATCHED, CANCELED, …
    pub status: OrderStatus,
    /// The funder.
    pub maker_address: Address,
    /// GTC, GTD, FOK or FAK.
    #[serde(default)]
    pub order_type: OrderType,
    /// Unix seconds, `"0"` for none.
    #[serde(with = "u64_str", default)]
    pub expiration: u64,
    /// Unix milliseconds of acceptance.
    #[serde(with = "unix_millis_str", default)]
    pub created_at: u64,
    /// Unix milliseconds of this change.
    #[serde(with = "unix_millis_str", default)]
    pub timestamp: u64,
}

/// A trade the subscriber took part in, once per status change (MATCHED → MINED → CONFIRMED, or
/// RETRYING → MINED/FAILED). Top-level fields describe the taker's order even when the
/// subscriber is a maker, which finds its own fill in `maker_orders`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeMessage {
    /// Always `TRADE`.
    #[serde(rename = "type", default = "trade_kind")]
    pub kind: String,
    /// Trade id.
    pub id: String,
    /// The taker's order.
    pub taker_order_id: OrderId,
    /// The condition id.
    pub market: ConditionId,
    /// The taker's token.
    pub asset_id: TokenId,
    /// The taker's side.
    pub side: Side,
    /// Shares traded.
    #[serde(with = "decimal_str")]
    pub size: Decimal,
    /// Price in the taker's token.
    #[serde(with = "decimal_str")]
    pub price: Decimal,
    /// The taker's fee rate.
    #[serde(with = "decimal_or_zero", default)]
    pub fee_rate_bps: Decimal,
    /// Settlement state.
    pub status: TradeStatus,
    /// Unix milliseconds of the match (`match_time` is read too).
    #[serde(with = "unix_millis_str", default, alias = "match_time")]
    pub matchtime: u64,
    /// Unix milliseconds of the last status change.
    #[serde(with = "unix_millis_str", default)]
    pub last_update: u64,
    /// Unix milliseconds of this message.
    #[serde(with = "unix_millis_str", default)]
    pub timestamp: u64,
    /// The taker's outcome name.
    #[serde(default)]
    pub outcome: String,
    /// The API key of the subscriber this copy is for.
    #[serde(default)]
    pub owner: String,
    /// The taker's API key.
    #[serde(default)]
    pub trade_owner: String,
    /// The funder of the subscriber this copy is for.
    pub maker_address: Address,
    /// The makers matched.
    #[serde(default, deserialize_with = "crate::serde_util::null_as_empty")]
    pub maker_orders: Vec<MakerOrder>,
    /// The settlement transaction (`""` until mined).
    #[serde(default)]
    pub transaction_hash: String,
    /// Whether the subscriber was the taker or a maker.
    pub trader_side: TraderSide,
    /// Index among the trades one taker order was split into.
    #[serde(with = "u64_str", default)]
    pub bucket_index: u64,
}

fn trade_kind() -> String {
    "TRADE".into()
}
