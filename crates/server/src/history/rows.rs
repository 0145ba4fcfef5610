//! What the history holds: orders, trades and notifications as the API reports them, and the
//! changes the exchange emits to it (one list per journaled record).

use clobkit_core::B256;
use clobkit_core::types::ConditionId;
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
    pub payload: serde_json::Value,
    /// Unix seconds.
    pub timestamp: u64,
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
