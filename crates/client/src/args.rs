//! Arguments of the order and query methods, with the official clients' defaults.
//!
//! Every struct here is `#[non_exhaustive]`: build it with its constructor (or `Default`) and the
//! chainable setters, so that a field added for a later protocol version (V2's `builder` and
//! `metadata`, say) is not a breaking change for code written today.

use clobkit_core::types::{
    AssetType, ConditionId, OrderId, OrderType, Side, SignatureType, TickSize, TokenId,
};
use clobkit_core::{Address, B256, Decimal};

/// A limit order: `size` shares at `price` (exact decimals).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrderArgs {
    /// The outcome token.
    pub token_id: TokenId,
    /// Limit price; must be on the market's tick.
    pub price: Decimal,
    /// Size in shares (truncated to 2 decimals, like the official clients).
    pub size: Decimal,
    /// BUY or SELL.
    pub side: Side,
    /// V1: fee rate to sign; `None` uses the market's (looked up). V2 orders sign no fee rate.
    pub fee_rate_bps: Option<u32>,
    /// V1: exchange nonce (default 0). V2 orders sign no nonce.
    pub nonce: u64,
    /// Unix seconds for GTD orders (0 = none).
    pub expiration: u64,
    /// V1: only this address may fill it (zero = anyone). V2 orders are always public.
    pub taker: Address,
    /// V2: the builder code credited with the order.
    pub builder_code: Option<B256>,
    /// V2: 32 bytes of the author's own.
    pub metadata: Option<B256>,
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
            builder_code: None,
            metadata: None,
        }
    }

    /// Signs this fee rate instead of looking up the market's.
    pub fn fee_rate_bps(mut self, bps: u32) -> OrderArgs {
        self.fee_rate_bps = Some(bps);
        self
    }

    /// Expires at unix second `at` (for GTD orders; the exchange adds a 60 s safety margin).
    pub fn expiration(mut self, at: u64) -> OrderArgs {
        self.expiration = at;
        self
    }

    /// Signs this exchange nonce (orders with an older nonce can be cancelled on chain at once).
    pub fn nonce(mut self, nonce: u64) -> OrderArgs {
        self.nonce = nonce;
        self
    }

    /// Only `taker` may fill it.
    pub fn taker(mut self, taker: Address) -> OrderArgs {
        self.taker = taker;
        self
    }

    /// Credits a builder code (V2).
    pub fn builder_code(mut self, code: B256) -> OrderArgs {
        self.builder_code = Some(code);
        self
    }

    /// Signs these metadata (V2).
    pub fn metadata(mut self, metadata: B256) -> OrderArgs {
        self.metadata = Some(metadata);
        self
    }
}

/// A market order: BUY spends `amount` USDC, SELL sells `amount` shares.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MarketOrderArgs {
    /// The outcome token.
    pub token_id: TokenId,
    /// USDC to spend (BUY) or shares to sell (SELL).
    pub amount: Decimal,
    /// BUY or SELL.
    pub side: Side,
    /// Worst acceptable price; `None` walks the book for it. V2 rounds it down to the tick's
    /// decimals, as V2's clients do.
    pub price: Option<Decimal>,
    /// V1: fee rate to sign; `None` uses the market's. V2 orders sign no fee rate.
    pub fee_rate_bps: Option<u32>,
    /// V1: exchange nonce (default 0).
    pub nonce: u64,
    /// V1: only this address may fill it.
    pub taker: Address,
    /// FOK (default) or FAK: decides how the book walk treats a thin book.
    pub order_type: OrderType,
    /// V2: the builder code credited with the order.
    pub builder_code: Option<B256>,
    /// V2: 32 bytes of the author's own.
    pub metadata: Option<B256>,
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
            builder_code: None,
            metadata: None,
        }
    }

    /// Signs `price` as the worst acceptable price instead of walking the book for it.
    pub fn price(mut self, price: Decimal) -> MarketOrderArgs {
        self.price = Some(price);
        self
    }

    /// Signs this fee rate instead of looking up the market's.
    pub fn fee_rate_bps(mut self, bps: u32) -> MarketOrderArgs {
        self.fee_rate_bps = Some(bps);
        self
    }

    /// Signs this exchange nonce.
    pub fn nonce(mut self, nonce: u64) -> MarketOrderArgs {
        self.nonce = nonce;
        self
    }

    /// Only `taker` may fill it.
    pub fn taker(mut self, taker: Address) -> MarketOrderArgs {
        self.taker = taker;
        self
    }

    /// FOK (the default) or FAK.
    pub fn order_type(mut self, order_type: OrderType) -> MarketOrderArgs {
        self.order_type = order_type;
        self
    }

    /// Credits a builder code (V2).
    pub fn builder_code(mut self, code: B256) -> MarketOrderArgs {
        self.builder_code = Some(code);
        self
    }

    /// Signs these metadata (V2).
    pub fn metadata(mut self, metadata: B256) -> MarketOrderArgs {
        self.metadata = Some(metadata);
        self
    }
}

/// Market parameters; what is not given is looked up (and cached).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateOrderOptions {
    /// Tick size; may be coarser than the market's, not finer.
    pub tick_size: Option<TickSize>,
    /// Whether the market is neg-risk (selects the exchange signed for).
    pub neg_risk: Option<bool>,
}

impl CreateOrderOptions {
    /// Signs on this tick instead of looking it up.
    pub fn tick_size(mut self, tick: TickSize) -> CreateOrderOptions {
        self.tick_size = Some(tick);
        self
    }

    /// Signs for the neg-risk exchange (`true`) or the normal one, instead of looking it up.
    pub fn neg_risk(mut self, neg_risk: bool) -> CreateOrderOptions {
        self.neg_risk = Some(neg_risk);
        self
    }
}

/// Whether an order may take liquidity when it is posted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PostMode {
    /// Matches what it crosses and rests the remainder (every order type).
    #[default]
    Normal,
    /// Refused instead of crossing, so it only ever makes liquidity (GTC and GTD only).
    PostOnly,
}

impl PostMode {
    /// The body's `postOnly` flag.
    pub fn is_post_only(self) -> bool {
        self == PostMode::PostOnly
    }
}

/// How many pages a listing call fetches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Pages {
    /// Follows `next_cursor` to the end.
    #[default]
    All,
    /// Stops after the first page.
    First,
}

/// One entry of `post_orders`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PostOrdersArgs {
    /// The signed order, with its id (what `create_order` returns).
    pub order: clobkit_core::order::PreparedOrder,
    /// Its type.
    pub order_type: OrderType,
    /// Whether it may take liquidity.
    pub mode: PostMode,
}

impl PostOrdersArgs {
    /// A signed order to post with type `order_type`, taking what it crosses.
    pub fn new(order: clobkit_core::order::PreparedOrder, order_type: OrderType) -> PostOrdersArgs {
        PostOrdersArgs {
            order,
            order_type,
            mode: PostMode::Normal,
        }
    }

    /// Posts it post-only: refused instead of crossing.
    pub fn post_only(mut self) -> PostOrdersArgs {
        self.mode = PostMode::PostOnly;
        self
    }
}

/// Filters of `get_open_orders`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OpenOrderParams {
    /// Only this order.
    pub id: Option<OrderId>,
    /// Only this market.
    pub market: Option<ConditionId>,
    /// Only this token.
    pub asset_id: Option<TokenId>,
}

impl OpenOrderParams {
    /// Only this order.
    pub fn id(mut self, id: OrderId) -> OpenOrderParams {
        self.id = Some(id);
        self
    }

    /// Only this market.
    pub fn market(mut self, market: ConditionId) -> OpenOrderParams {
        self.market = Some(market);
        self
    }

    /// Only this token.
    pub fn asset_id(mut self, token: TokenId) -> OpenOrderParams {
        self.asset_id = Some(token);
        self
    }
}

/// Filters of `get_trades`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
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

impl TradeParams {
    /// Only this trade.
    pub fn id(mut self, id: impl Into<String>) -> TradeParams {
        self.id = Some(id.into());
        self
    }

    /// Only trades reported for this funder.
    pub fn maker_address(mut self, maker: Address) -> TradeParams {
        self.maker_address = Some(maker);
        self
    }

    /// Only this market.
    pub fn market(mut self, market: ConditionId) -> TradeParams {
        self.market = Some(market);
        self
    }

    /// Only this token.
    pub fn asset_id(mut self, token: TokenId) -> TradeParams {
        self.asset_id = Some(token);
        self
    }

    /// Matched at or before unix second `t`.
    pub fn before(mut self, t: u64) -> TradeParams {
        self.before = Some(t);
        self
    }

    /// Matched at or after unix second `t`.
    pub fn after(mut self, t: u64) -> TradeParams {
        self.after = Some(t);
        self
    }
}

/// What `get_balance_allowance` reports on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
    /// Reports on the funder of `signature_type` instead of the client's.
    pub fn signature_type(mut self, signature_type: SignatureType) -> Self {
        self.signature_type = Some(signature_type);
        self
    }
}

/// One page of trades with its cursor (`get_trades_paginated`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
