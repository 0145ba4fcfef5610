//! What the exchange hands the streams for each record it applies: compact facts gathered while
//! the record's events are absorbed (under the sequencer lock, so nothing here is serialized or
//! hashed). The hub turns them into channel messages once the record is durable.

use std::sync::Arc;

use clobkit_core::Address;
use clobkit_core::types::{ConditionId, OrderId, OrderType, Side, TokenId};
use clobkit_core::wire::stream::OrderEventKind;
use clobkit_core::wire::{OrderStatus, TradeStatus};
use clobkit_engine::{MarketSpec, MarketStatus, Pips};

use crate::history::rows::TradeRow;

/// One fact a record produced, in the order its events came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feed {
    /// A market was created or changed (tick size, closed, resolved): its whole state now.
    Market(Box<MarketState>),
    /// The aggregate size at one price of one token's book (the engine emits each change for
    /// both tokens, one after the other).
    Level {
        /// The token.
        token: TokenId,
        /// BUY for a bid level, SELL for an ask level.
        side: Side,
        /// The price in that token.
        price: Pips,
        /// The new aggregate size, base units (0: the level is gone).
        size: u64,
    },
    /// A match (shared with the history's row).
    Trade(Arc<TradeRow>),
    /// A trade moved through settlement.
    TradeStatus {
        /// The trade.
        id: u64,
        /// Its new state.
        status: TradeStatus,
    },
    /// An order was placed, matched (partly or fully) or left the book.
    Order(Box<OrderState>),
}

/// A market as the streams describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketState {
    /// Its definition.
    pub spec: MarketSpec,
    /// Open, closed or resolved.
    pub status: MarketStatus,
}

/// An order at one change, with what its `order` message shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderState {
    /// What happened.
    pub kind: OrderEventKind,
    /// The order.
    pub id: OrderId,
    /// The API key that placed it.
    pub owner: String,
    /// Its funder.
    pub maker: Address,
    /// Its market.
    pub market: ConditionId,
    /// Its token.
    pub token: TokenId,
    /// Its side.
    pub side: Side,
    /// Its limit price (pips).
    pub price: Pips,
    /// Shares at placement.
    pub original_size: u64,
    /// Shares matched so far.
    pub size_matched: u64,
    /// Its outcome name.
    pub outcome: String,
    /// The trades it took part in.
    pub trades: Vec<u64>,
    /// Its state after the change.
    pub status: OrderStatus,
    /// GTC, GTD, FOK or FAK.
    pub order_type: OrderType,
    /// Unix seconds, 0 for none.
    pub expiration: u64,
    /// Unix seconds of acceptance.
    pub created_at: u64,
}

/// A record's facts, with its sequence number and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The journal record.
    pub seq: u64,
    /// Its unix seconds.
    pub now: u64,
    /// What it produced.
    pub items: Vec<Feed>,
}

/// One side of a token's book: `(price, size)` levels.
pub type Levels = Vec<(Pips, u64)>;

/// The streams' starting point: every market and its books, as recovery left them.
#[derive(Debug, Clone, Default)]
pub struct Seed {
    /// The last record applied.
    pub seq: u64,
    /// Each market, its tokens' levels (`(bids, asks)` per token, `(price, size)` in that
    /// token) and last trade per token.
    pub markets: Vec<SeedMarket>,
}

/// One market of a [`Seed`].
#[derive(Debug, Clone)]
pub struct SeedMarket {
    /// The market.
    pub state: MarketState,
    /// Per token (in the spec's order): bids and asks.
    pub levels: [(Levels, Levels); 2],
    /// Per token: the last trade's price and side in that token.
    pub last_trade: [Option<(Pips, Side)>; 2],
}
