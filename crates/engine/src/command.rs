//! What the engine is asked to do. Every command carries the time it is applied at, so that
//! replaying the same commands always gives the same state.

use clobkit_core::Address;
use clobkit_core::types::{ConditionId, OrderId, TickSize, TokenId};
use clobkit_core::wire::TradeStatus;
use serde::{Deserialize, Serialize};

use crate::types::{MarketSpec, OrderSpec, Owner};

/// A command and the time (unix seconds) it is applied at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamped {
    /// Unix seconds, as the server's clock read it when it sequenced the command.
    pub now: u64,
    /// The command.
    pub command: Command,
}

/// Everything that changes the engine's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// Registers a market and its two tokens.
    CreateMarket(Box<MarketSpec>),
    /// Changes a market's tick size (resting orders stay).
    SetTickSize {
        /// The market.
        market: ConditionId,
        /// The new tick.
        tick_size: TickSize,
    },
    /// Stops a market: cancels its orders and refuses new ones.
    CloseMarket {
        /// The market.
        market: ConditionId,
    },
    /// Resolves a market: cancels its orders, redeems the winner at 1 and the loser at 0.
    ResolveMarket {
        /// The market.
        market: ConditionId,
        /// The winning token.
        winner: TokenId,
    },
    /// Adds collateral to an account.
    Deposit {
        /// The account.
        account: Address,
        /// Base units.
        amount: u64,
    },
    /// Removes available collateral from an account.
    Withdraw {
        /// The account.
        account: Address,
        /// Base units.
        amount: u64,
    },
    /// Turns collateral into as many full sets (one of each outcome token).
    Split {
        /// The account.
        account: Address,
        /// The market.
        market: ConditionId,
        /// Base units of collateral (= sets).
        amount: u64,
    },
    /// Turns full sets back into collateral.
    Merge {
        /// The account.
        account: Address,
        /// The market.
        market: ConditionId,
        /// Sets (base units).
        amount: u64,
    },
    /// Places an order.
    Place(Box<OrderSpec>),
    /// Cancels the listed orders of `owner`.
    Cancel {
        /// Who asks.
        owner: Owner,
        /// Which orders.
        orders: Vec<OrderId>,
    },
    /// Cancels every open order of `owner`.
    CancelAll {
        /// Who asks.
        owner: Owner,
    },
    /// Cancels `owner`'s open orders in a market and/or of a token.
    CancelMarket {
        /// Who asks.
        owner: Owner,
        /// Only this market, if set.
        market: Option<ConditionId>,
        /// Only this token, if set.
        token: Option<TokenId>,
    },
    /// Moves a trade along MATCHED → MINED → CONFIRMED (or RETRYING/FAILED).
    AdvanceTrade {
        /// The trade.
        trade: crate::types::TradeId,
        /// Its new status.
        status: TradeStatus,
    },
    /// The venue moves from V1 to V2: every resting V1 order (one that signed its fee,
    /// [`crate::FeeBasis::Signed`]) is cancelled with [`crate::CancelReason::ProtocolCutover`],
    /// in acceptance order. Balances, positions and V2 orders are untouched.
    CutOver,
    /// Registers a builder code (V2 attribution): the fees of orders carrying it go to the
    /// builder. The same registration again changes nothing; other rates or another address for
    /// a registered code are refused.
    RegisterBuilder {
        /// The code (bytes32), as orders sign it.
        code: clobkit_core::B256,
        /// Who collects, and how much.
        builder: crate::types::Builder,
    },
    /// Nothing but the passage of time (expires due GTD orders).
    Tick,
}
