//! Arguments of the order and query methods, with the official clients' defaults.

use clobkit_core::types::{
    AssetType, ConditionId, OrderId, OrderType, Side, SignatureType, TickSize, TokenId,
};
use clobkit_core::{Address, Decimal};

/// A limit order: `size` shares at `price` (exact decimals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderArgs {
    /// The outcome token.
    pub token_id: TokenId,
    /// Limit price; must be on the market's tick.
    pub price: Decimal,
    /// Size in shares (truncated to 2 decimals, like the official clients).
    pub size: Decimal,
    /// BUY or SELL.
    pub side: Side,
    /// Fee rate to sign; `None` uses the market's (looked up).
    pub fee_rate_bps: Option<u32>,
    /// Exchange nonce (default 0).
    pub nonce: u64,
    /// Unix seconds for GTD orders (0 = none).
    pub expiration: u64,
    /// Only this address may fill it (zero = anyone).
    pub taker: Address,
}

impl OrderArgs {
    /// A public, non-expiring order at the market's fee rate.
    pub fn new(token_id: TokenId, price: Decimal, size: Decimal, side: Side) -> OrderArgs {
        OrderArgs {
            token_id,
            price,
            size,
            side,
            fee_rate_bps: None,
            nonce: 0,
            expiration: 0,
            taker: Address::ZERO,
        }
    }
}

/// A market order: BUY spends `amount` USDC, SELL sells `amount` shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketOrderArgs {
    /// The outcome token.
    pub token_id: TokenId,
    /// USDC to spend (BUY) or shares to sell (SELL).
    pub amount: Decimal,
    /// BUY or SELL.
    pub side: Side,
    /// Worst acceptable price; `None` walks the book for it.
    pub price: Option<Decimal>,
    /// Fee rate to sign; `None` uses the market's.
    pub fee_rate_bps: Option<u32>,
    /// Exchange nonce (default 0).
    pub nonce: u64,
    /// Only this address may fill it.
    pub taker: Address,
    /// FOK (default) or FAK: decides how the book walk treats a thin book.
    pub order_type: OrderType,
}

impl MarketOrderArgs {
    /// A FOK market order priced by walking the book.
    pub fn new(token_id: TokenId, amount: Decimal, side: Side) -> MarketOrderArgs {
        MarketOrderArgs {
            token_id,
            amount,
            side,
            price: None,
            fee_rate_bps: None,
            nonce: 0,
            taker: Address::ZERO,
            order_type: OrderType::Fok,
        }
    }
}

/// Market parameters; what is not given is looked up (and cached).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CreateOrderOptions {
    /// Tick size; may be coarser than the market's, not finer.
    pub tick_size: Option<TickSize>,
    /// Whether the market is neg-risk (selects the exchange signed for).
    pub neg_risk: Option<bool>,
}

/// One entry of `post_orders`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostOrdersArgs {
    /// The signed order, with its id (what `create_order` returns).
    pub order: clobkit_core::order::PreparedOrder,
    /// Its type.
    pub order_type: OrderType,
    /// Reject instead of crossing.
    pub post_only: bool,
}

/// Filters of `get_open_orders`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenOrderParams {
    /// Only this order.
    pub id: Option<OrderId>,
    /// Only this market.
    pub market: Option<ConditionId>,
    /// Only this token.
    pub asset_id: Option<TokenId>,
}

/// Filters of `get_trades`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TradeParams {
    /// Only this trade.
    pub id: Option<String>,
    /// Only trades reported for this funder.
    pub maker_address: Option<Address>,
    /// Only this market.
    pub market: Option<ConditionId>,
    /// Only this token.
    pub asset_id: Option<TokenId>,
    /// Matched at or before (unix seconds).
    pub before: Option<u64>,
    /// Matched at or after (unix seconds).
    pub after: Option<u64>,
}

/// What `get_balance_allowance` reports on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceAllowanceParams {
    /// Collateral or an outcome token.
    pub asset_type: AssetType,
    /// The token, for `Conditional`.
    pub token_id: Option<TokenId>,
    /// Whose funder (default: the client's signature type).
    pub signature_type: Option<SignatureType>,
}

impl BalanceAllowanceParams {
    /// Collateral of the client's funder.
    pub fn collateral() -> Self {
        BalanceAllowanceParams {
            asset_type: AssetType::Collateral,
            token_id: None,
            signature_type: None,
        }
    }
    /// A token of the client's funder.
    pub fn conditional(token: TokenId) -> Self {
        BalanceAllowanceParams {
            asset_type: AssetType::Conditional,
            token_id: Some(token),
            signature_type: None,
        }
    }
}

/// One page of trades with its cursor (`get_trades_paginated`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradesPage {
    /// The trades.
    pub trades: Vec<clobkit_core::wire::Trade>,
    /// Cursor of the next page (`LTE=` on the last).
    pub next_cursor: String,
    /// Page size used by the server.
    pub limit: u64,
    /// Trades in this page.
    pub count: u64,
}
