//! What the history holds: orders, trades and notifications as the API reports them, and the
//! changes the exchange emits to it (one list per journaled record).

use clobkit_core::B256;
use clobkit_core::Decimal;
use clobkit_core::types::{ConditionId, OrderId, TokenId};
use clobkit_core::wire::{OrderStatus, TradeStatus};
use clobkit_engine::{OrderSpec, Pips, Trade};
use serde::{Deserialize, Serialize};

/// An order as the API reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRow {
    /// The order as placed.
    pub spec: OrderSpec,
    /// Its market.
    pub market: ConditionId,
    /// Its outcome name.
    pub outcome: String,
    /// Limit price (pips); for FOK/FAK the worst price accepted.
    pub price: Pips,
    /// Its state.
    pub status: OrderStatus,
    /// Shares matched.
    pub size_matched: u64,
    /// Trades it took part in.
    pub trades: Vec<u64>,
    /// Unix seconds of acceptance.
    pub created_at: u64,
}

/// A trade and what its views need besides the match itself, fixed when it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeRow {
    /// The match.
    pub trade: Trade,
    /// The taker's and maker's outcome names.
    pub outcomes: (String, String),
    /// Unix seconds of the last status change.
    pub last_update: u64,
    /// The API keys of the taker's and the maker's orders.
    #[serde(default)]
    pub owners: (String, String),
    /// Whether the taker's and the maker's tokens are their market's first token (outcome
    /// index 0).
    #[serde(default)]
    pub first_token: (bool, bool),
    /// The builder codes the taker's and the maker's orders carried (zero: none).
    #[serde(default)]
    pub builders: (B256, B256),
}

/// A notification for one API key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRow {
    /// Id.
    pub id: u64,
    /// 1 cancelled, 2 filled, 4 market resolved.
    pub kind: u32,
    /// Details.
    pub payload: Payload,
    /// Unix seconds.
    pub timestamp: u64,
}

/// A notification's details as JSON text: written once when the notification is made, stored
/// as is, and parsed only when a client reads it. (Held as a `serde_json::Value` map, the
/// details of one notification cost about two dozen allocations on the sequencer, each key and
/// each value a string of its own plus the map's nodes; as text, one allocation.)
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Payload(Box<serde_json::value::RawValue>);

impl Payload {
    /// The JSON text of a notification's details.
    pub fn of(details: &NoticeDetails<'_>) -> Payload {
        // strings and displayed values only: serializing cannot fail (`null` if it ever did)
        serde_json::value::to_raw_value(details)
            .map(Payload)
            .unwrap_or_else(|_| Payload(serde_json::value::RawValue::NULL.to_owned()))
    }

    /// The JSON text.
    pub fn text(&self) -> &str {
        self.0.get()
    }

    /// The details as a JSON value, for an API answer.
    pub fn to_value(&self) -> serde_json::Value {
        // the text is valid JSON: `RawValue` checked it when the payload was made or read
        serde_json::from_str(self.0.get()).unwrap_or_default()
    }
}

/// Two payloads are equal when their texts are.
impl PartialEq for Payload {
    fn eq(&self, other: &Payload) -> bool {
        self.text() == other.text()
    }
}

impl Eq for Payload {}

/// The payload fields of the official notifications that the exchange fills, each written as
/// the official payload writes it (a string), in the order of their names (the order in which
/// they were stored before they were typed).
#[derive(Debug, Serialize)]
pub struct NoticeDetails<'a> {
    /// The order's token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_id: Option<Shown<TokenId>>,
    /// The market.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition_id: Option<Shown<ConditionId>>,
    /// The market, again under the name the official payload also uses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market: Option<Shown<ConditionId>>,
    /// Shares matched so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched_size: Option<Shown<Decimal>>,
    /// The order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<Shown<OrderId>>,
    /// Shares ordered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_size: Option<Shown<Decimal>>,
    /// The order's outcome name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'a str>,
    /// The order's limit price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Shown<Decimal>>,
    /// Shares still open (0 for an order sized in collateral).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_size: Option<Shown<Decimal>>,
    /// BUY or SELL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<&'static str>,
    /// The trade, for a fill.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_id: Option<String>,
    /// The order type (GTC, FOK, …).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
}

/// A value written as its `Display` text (a JSON string).
#[derive(Debug, Clone, Copy)]
pub struct Shown<T>(pub T);

impl<T: std::fmt::Display> Serialize for Shown<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// One change to the history, emitted by the exchange while it applies a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// An order that ended (fully matched, cancelled, killed): its final row. Live orders are in
    /// memory, not here.
    OrderEnded(Box<OrderRow>),
    /// A new trade.
    Trade(std::sync::Arc<TradeRow>),
    /// A trade moved through settlement.
    TradeStatus {
        /// The trade.
        id: u64,
        /// Its new status.
        status: TradeStatus,
        /// Unix seconds of the change.
        at: u64,
    },
    /// A notification for `owner`.
    Notification {
        /// The API key.
        owner: String,
        /// The notification.
        row: NotificationRow,
    },
    /// Notifications dismissed by their owner.
    DropNotifications {
        /// The API key.
        owner: String,
        /// Their ids (others' ids are ignored).
        ids: Vec<u64>,
    },
}
