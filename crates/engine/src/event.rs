//! What commands produce: events the server persists, answers with and streams.

use clobkit_core::Address;
use clobkit_core::types::{ConditionId, OrderId, Side, TickSize, TokenId};
use clobkit_core::wire::{InsertStatus, TradeStatus};

/// A market by its index in the engine (creation order): events carry this 4-byte handle;
/// [`crate::Engine::market_at`] gives the market.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MarketRef(pub u32);

/// What happened to an order at insertion, in one byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Placed {
    /// Nothing matched at once; it rests.
    Live,
    /// Something matched at once.
    Matched,
}

impl Placed {
    /// The API's insert status (`live` / `matched`).
    pub fn insert_status(self) -> InsertStatus {
        match self {
            Placed::Live => InsertStatus::Live,
            Placed::Matched => InsertStatus::Matched,
        }
    }
}
use serde::{Deserialize, Serialize};

use crate::types::{Asset, MatchType, OwnerId, Pips, TradeId, pips_to_decimal, units_to_decimal};

/// Why an order was refused. Nothing changed when an order is rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reject {
    /// No market trades this token.
    UnknownToken,
    /// The market is closed or resolved.
    MarketNotOpen,
    /// An order with this id was accepted before.
    Duplicated,
    /// Expired at arrival (GTD: within the 60 s security threshold), or an expiration on a type
    /// that cannot carry one.
    InvalidExpiration,
    /// The implied price is not a whole number of ticks inside `[tick, 1 − tick]`.
    BreaksTick {
        /// The implied price, in pips (rounded down when not whole).
        price: Pips,
        /// The market's tick size.
        tick: TickSize,
    },
    /// Fewer shares than the market's minimum.
    BelowMinimumSize {
        /// The order's size in base units.
        size: u64,
        /// The minimum in base units.
        min: u64,
    },
    /// A marketable BUY spending less than one dollar.
    MarketBuyBelowOneDollar {
        /// The collateral amount in base units.
        amount: u64,
    },
    /// Zero amounts, a price outside (0, 1), or a size that is not whole lots of 0.01 share.
    InvalidAmounts,
    /// The signed fee rate is not the market's.
    FeeRate {
        /// What the order signed.
        signed: u32,
        /// What the market requires.
        required: u32,
    },
    /// Available balance (after reservations) below what the order may spend.
    NotEnoughBalance,
    /// A post-only order would cross.
    PostOnlyCrosses,
    /// Post-only on a FOK/FAK order.
    PostOnlyType,
    /// A FOK order the book cannot fill completely.
    FokNotFilled,
    /// A FAK order that matched nothing.
    FakNoMatch,
}

impl Reject {
    /// The exact error string of the official exchange for this rejection of order `id` (the
    /// wording lives in `clobkit_core::wire::errors`, shared with the server and the client).
    pub fn message(&self, id: &OrderId) -> String {
        use clobkit_core::wire::errors as msg;
        match self {
            Reject::UnknownToken => msg::INVALID_TOKEN_ID.into(),
            Reject::MarketNotOpen => msg::MARKET_NOT_READY.into(),
            Reject::Duplicated => msg::duplicated(id),
            Reject::InvalidExpiration => msg::INVALID_EXPIRATION.into(),
            Reject::BreaksTick { price, tick } => {
                msg::breaks_tick(id, pips_to_decimal(*price), *tick)
            }
            Reject::BelowMinimumSize { size, min } => {
                msg::below_minimum_size(id, units_to_decimal(*size), units_to_decimal(*min))
            }
            Reject::MarketBuyBelowOneDollar { amount } => {
                msg::market_buy_below_one_dollar(units_to_decimal(*amount))
            }
            Reject::InvalidAmounts => msg::not_whole_lots(id),
            Reject::FeeRate { signed, required } => msg::fee_rate_mismatch(signed, required),
            Reject::NotEnoughBalance => msg::NOT_ENOUGH_BALANCE.into(),
            Reject::PostOnlyCrosses => msg::POST_ONLY_CROSSES.into(),
            Reject::PostOnlyType => msg::POST_ONLY_TYPE.into(),
            Reject::FokNotFilled => msg::FOK_NOT_FILLED.into(),
            Reject::FakNoMatch => msg::FAK_NO_MATCH.into(),
        }
    }
}

/// Why an order left the book without filling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CancelReason {
    /// Its owner cancelled it.
    Owner,
    /// GTD expiration reached.
    Expired,
    /// The unfilled rest of a FAK order.
    FakRemainder,
    /// Its market was closed.
    MarketClosed,
    /// Its market resolved.
    MarketResolved,
    /// The venue cut over to a protocol version it was not signed for.
    ProtocolCutover,
}

/// Why a cancel request left an order alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotCancelled {
    /// Unknown, already cancelled, fully matched, or not the requester's.
    NotFound,
}

impl NotCancelled {
    /// The reason string of `not_canceled`.
    pub fn message(&self) -> &'static str {
        clobkit_core::wire::errors::CANNOT_CANCEL
    }
}

/// One maker's part of a trade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MakerFill {
    /// The resting order.
    pub order: OrderId,
    /// Its owner.
    pub owner: OwnerId,
    /// Its funder.
    pub maker: Address,
    /// Its token (the complement of the taker's for MINT/MERGE).
    pub token: TokenId,
    /// Its side.
    pub side: Side,
    /// Its limit price, in its own token.
    pub price: Pips,
    /// Shares matched, base units.
    pub shares: u64,
    /// Collateral it paid (BUY) or received (SELL), before fees.
    pub collateral: u64,
    /// Its fee: V1 in what it received; V2 in collateral (a BUY paid it on top of `collateral`).
    pub fee: u64,
    /// What it paid its order's builder (V2, collateral, like `fee`).
    #[serde(default)]
    pub builder_fee: u64,
    /// Its fee rate.
    pub fee_rate_bps: u32,
}

/// A match between the taker and one maker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    /// Trade id.
    pub id: TradeId,
    /// The market.
    pub market: ConditionId,
    /// The taker order.
    pub taker_order: OrderId,
    /// The taker's owner.
    pub taker_owner: OwnerId,
    /// The taker's funder.
    pub taker: Address,
    /// The taker's token.
    pub token: TokenId,
    /// The taker's side.
    pub side: Side,
    /// Execution price in the taker's token, pips (the maker's price, or 1 − it for MINT/MERGE).
    pub price: Pips,
    /// Shares matched, base units.
    pub shares: u64,
    /// Collateral the taker paid (BUY) or received (SELL), before fees.
    pub collateral: u64,
    /// The taker's fee: V1 in what it received; V2 in collateral (a BUY paid it on top).
    pub taker_fee: u64,
    /// What the taker paid its order's builder (V2, collateral, like `taker_fee`).
    #[serde(default)]
    pub taker_builder_fee: u64,
    /// The taker's fee rate.
    pub fee_rate_bps: u32,
    /// How it settles.
    pub match_type: MatchType,
    /// The maker.
    pub maker: MakerFill,
    /// Position among the trades of one taker order (0, 1, …).
    pub bucket_index: u32,
    /// Unix seconds of the match.
    pub match_time: u64,
    /// Settlement state.
    pub status: TradeStatus,
}

impl Trade {
    /// The trade's price and taker side in terms of the taker's token (`same_token`) or of
    /// the other token of its market, where a buy at `p` is a sell at `1 − p`: the market
    /// channel's `last_trade_price` for each token, and the dashboard's tape.
    pub fn seen_from(&self, same_token: bool) -> (Pips, Side) {
        if same_token {
            (self.price, self.side)
        } else {
            crate::types::in_other_token(self.price, self.side)
        }
    }

    /// One side of the trade in the shape of a maker's part: the taker's (`taker`) or the
    /// maker's, so views can read either side the same way.
    pub fn side(&self, taker: bool) -> MakerFill {
        if !taker {
            return self.maker.clone();
        }
        MakerFill {
            order: self.taker_order,
            owner: self.taker_owner,
            maker: self.taker,
            token: self.token,
            side: self.side,
            price: self.price,
            shares: self.shares,
            collateral: self.collateral,
            fee: self.taker_fee,
            builder_fee: self.taker_builder_fee,
            fee_rate_bps: self.fee_rate_bps,
        }
    }
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// A market was created or changed (tick size, status).
    Market {
        /// The market.
        market: ConditionId,
    },
    /// An order was accepted; `status` says whether it matched at once and/or rests.
    OrderAccepted {
        /// The order (the command that placed it has its every field).
        order: OrderId,
        /// Its owner.
        owner: OwnerId,
        /// `live` (resting, nothing matched) or `matched` (something matched at once).
        status: Placed,
        /// Limit price in pips for limit orders; for FOK/FAK the worst price it accepts (rounded
        /// toward the taker).
        price: Pips,
        /// What it gave at once (BUY: collateral, SELL: shares), base units.
        making: u64,
        /// What it received at once, before fees.
        taking: u64,
        /// Whether a remainder rests on the book.
        rests: bool,
        /// Unix seconds of acceptance.
        created_at: u64,
    },
    /// An order was refused; nothing changed.
    OrderRejected {
        /// The order id.
        order: OrderId,
        /// Why.
        reason: Reject,
    },
    /// An order filled, partly or fully: a resting order after each fill, the incoming order
    /// once after all of its fills (with its last trade).
    OrderFilled {
        /// The order.
        order: OrderId,
        /// Its owner.
        owner: OwnerId,
        /// Total shares matched so far.
        size_matched: u64,
        /// Shares still open (0 when fully matched).
        remaining: u64,
        /// The trade that filled it.
        trade: TradeId,
    },
    /// An order left the book unfilled (or partly filled).
    OrderCancelled {
        /// The order.
        order: OrderId,
        /// Its owner.
        owner: OwnerId,
        /// Why.
        reason: CancelReason,
        /// Shares that were still open.
        remaining: u64,
    },
    /// A cancel request's results.
    CancelResult {
        /// Ids cancelled.
        canceled: Vec<OrderId>,
        /// Ids not cancelled, with the reason.
        not_canceled: Vec<(OrderId, NotCancelled)>,
    },
    /// A match.
    Trade(Box<Trade>),
    /// A trade changed settlement state.
    TradeStatusChanged {
        /// The trade.
        trade: TradeId,
        /// Its new state.
        status: TradeStatus,
    },
    /// The aggregate size at one price of one token's book changed.
    BookLevel {
        /// The token whose book this is.
        token: TokenId,
        /// BUY for bids, SELL for asks.
        side: Side,
        /// The price in that token, pips.
        price: Pips,
        /// The new aggregate size, base units (0 = level gone).
        size: u64,
    },
    /// A holding changed.
    Balance {
        /// The account.
        account: Address,
        /// The asset.
        asset: Asset,
        /// New balance.
        balance: u64,
        /// New reservation.
        reserved: u64,
    },
    /// A notification for an owner.
    Notification {
        /// Sequential id.
        id: u64,
        /// Who it is for.
        owner: OwnerId,
        /// 1 = order cancelled, 2 = order filled, 4 = market resolved.
        kind: u32,
        /// The order concerned (kinds 1 and 2).
        order: Option<OrderId>,
        /// The market concerned.
        market: MarketRef,
        /// The trade concerned (kind 2).
        trade: Option<TradeId>,
    },
}
