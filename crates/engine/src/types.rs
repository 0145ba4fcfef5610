//! Values the engine works in: prices in pips, sizes in base units and lots, assets, owners.

use std::fmt;
use std::sync::Arc;

use clobkit_core::fees::{BuilderRates, PlatformFee};
use clobkit_core::types::{ConditionId, OrderId, OrderType, Side, TickSize, TokenId};
use clobkit_core::{Address, B256, Decimal};
use serde::{Deserialize, Serialize};

/// One whole token (collateral or outcome share) in base units (6 decimals).
pub const ONE: u64 = 1_000_000;
/// The trading lot: 0.01 share. Every fill is a whole number of lots, so the collateral of a fill
/// at an on-tick price (`lots × price`) is always an exact number of base units.
pub const LOT: u64 = 10_000;
/// Price denominator: prices are integers in pips of 0.0001 (the finest tick), 1.0 = 10 000.
pub const PIPS_PER_UNIT: u64 = 10_000;
/// Highest fee rate the CTF Exchange accepts, in basis points.
pub const MAX_FEE_RATE_BPS: u32 = 1000;

/// The API key that owns orders. Cheap to clone (shared string).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Owner(pub Arc<str>);

impl Owner {
    /// An owner from its API key.
    pub fn new(key: &str) -> Owner {
        Owner(Arc::from(key))
    }
    /// The API key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An owner interned inside the engine: events carry this (a copy), and
/// [`crate::Engine::owner_key`] gives the API key back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OwnerId(pub u32);

/// What a balance is held in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Asset {
    /// The collateral (USDC).
    Collateral,
    /// An outcome token.
    Token(TokenId),
}

/// A trade's id: a sequence number, rendered by the server as it likes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TradeId(pub u64);

/// How a maker and the taker settle (the CTF Exchange's match types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MatchType {
    /// Same token, opposite sides: a plain transfer.
    Complementary,
    /// Two BUYs of complementary tokens: both buyers' collateral mints full sets.
    Mint,
    /// Two SELLs of complementary tokens: both sellers' tokens merge into collateral.
    Merge,
}

/// A price in pips (0.0001), strictly between 0 and 1.
pub type Pips = u32;

/// A trade's price and taker side in terms of the other token of its market: a buy of one
/// token at `p` is a sell of the other at `1 − p`.
pub fn in_other_token(
    price: Pips,
    side: clobkit_core::types::Side,
) -> (Pips, clobkit_core::types::Side) {
    (PIPS_PER_UNIT as Pips - price, side.opposite())
}

/// The exact decimal of a price in pips.
pub fn pips_to_decimal(p: Pips) -> Decimal {
    Decimal::new(i64::from(p), 4).normalize()
}

/// The exact decimal of base units.
pub fn units_to_decimal(u: u64) -> Decimal {
    clobkit_core::amounts::from_base_units(u)
}

/// The tick size in pips.
pub fn tick_pips(t: TickSize) -> Pips {
    t.pips()
}

/// Everything that defines a market.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketSpec {
    /// The CTF condition id.
    pub condition_id: ConditionId,
    /// The two outcome tokens; `tokens[0]` is the one whose prices the book is kept in ("YES").
    pub tokens: [TokenId; 2],
    /// Outcome names, in the same order.
    pub outcomes: [String; 2],
    /// Minimum price increment.
    pub tick_size: TickSize,
    /// Minimum order size in base units of shares.
    pub min_order_size: u64,
    /// Whether orders are signed for the neg-risk exchange.
    pub neg_risk: bool,
    /// The fee rate V1 orders must sign (basis points, at most 1000).
    pub fee_rate_bps: u32,
    /// The fee the operator charges V2 orders' fills (which sign none).
    #[serde(default)]
    pub platform_fee: PlatformFee,
}

impl MarketSpec {
    /// A market with the exchange's defaults (the admin route's too): outcomes "Yes"/"No", tick
    /// 0.01, minimum size 5 shares, not neg-risk, no fee. Change fields with struct update syntax.
    pub fn yes_no(condition_id: ConditionId, yes: TokenId, no: TokenId) -> MarketSpec {
        MarketSpec {
            condition_id,
            tokens: [yes, no],
            outcomes: ["Yes".into(), "No".into()],
            tick_size: TickSize::Hundredth,
            min_order_size: 5 * ONE,
            neg_risk: false,
            fee_rate_bps: 0,
            platform_fee: PlatformFee::default(),
        }
    }
}

/// Where a market is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MarketStatus {
    /// Accepting orders.
    Open,
    /// Not accepting orders; resting orders were cancelled.
    Closed,
    /// Resolved: the winning token redeemed at 1, the other at 0.
    Resolved {
        /// The winning token.
        winner: TokenId,
    },
}

/// What an order's signature covers that the engine acts on: the same in an order being placed
/// ([`OrderSpec`]), one resting on the book ([`crate::Resting`]) and one the exchange reports, so
/// the terms move between those as one `Copy` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderTerms {
    /// The order id (EIP-712 digest).
    pub id: OrderId,
    /// The funder whose balances it spends.
    pub maker: Address,
    /// The token traded.
    pub token: TokenId,
    /// BUY or SELL.
    pub side: Side,
    /// What the maker gives, base units (BUY: collateral, SELL: shares).
    pub maker_amount: u64,
    /// What the maker receives, base units.
    pub taker_amount: u64,
    /// The fee rate a V1 order signed (0 for a V2 order).
    pub fee_rate_bps: u32,
    /// Which fee its fills pay.
    #[serde(default)]
    pub fees: FeeBasis,
    /// The builder code it carries (V2; zero for none): that builder collects its builder fee.
    #[serde(default, skip_serializing_if = "B256::is_zero")]
    pub builder: B256,
    /// GTC, GTD, FOK or FAK.
    pub order_type: OrderType,
    /// Unix seconds; 0 for none (V2 carries it in the body only).
    pub expiration: u64,
}

impl OrderTerms {
    /// Shares the order is sized in: what a limit or SELL order trades. For a market BUY (sized
    /// in collateral) this is the minimum it must receive.
    pub fn shares(&self) -> u64 {
        match self.side {
            Side::Buy => self.taker_amount,
            Side::Sell => self.maker_amount,
        }
    }
    /// Whether the order is sized in collateral (a FOK/FAK BUY) rather than shares.
    pub fn sized_in_collateral(&self) -> bool {
        self.side == Side::Buy && !self.order_type.rests()
    }
}

/// A builder the operator registered: who collects the builder fee of orders carrying its code,
/// and at which rates. The rates of a code never change once registered, so what a resting
/// order reserved for its fees stays right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Builder {
    /// Where its fees are credited (collateral).
    pub address: Address,
    /// Its maker and taker rates.
    pub rates: BuilderRates,
}

/// Which fee an order's fills pay: the protocol version decides, not the order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FeeBasis {
    /// V1: the CTF Exchange's formula at the signed `feeRateBps`, taken out of what the order
    /// receives ([`crate::ledger::fee`]).
    #[default]
    Signed,
    /// V2: the market's [`PlatformFee`], in collateral: a BUY pays it on top of its price, a SELL
    /// out of its proceeds.
    Operator,
}

/// A signed order as the engine needs it (the server has checked the signature and the
/// owner; the engine checks everything that depends on state).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSpec {
    /// The signed terms.
    #[serde(flatten)]
    pub terms: OrderTerms,
    /// The API key that placed it.
    pub owner: Owner,
    /// Reject instead of crossing.
    pub post_only: bool,
}
