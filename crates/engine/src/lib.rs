//! # clobkit-engine
//!
//! The matching engine and ledger of the clobkit local exchange, for binary outcome markets.
//! A pure library: no I/O, no async, no clock reads, no randomness. It takes a sequence of
//! [`Stamped`] commands (each with the time it is applied at) and returns [`Event`]s; the same
//! commands always give the same state and the same [`Engine::state_hash`].
//!
//! Decisions (each tested):
//! * **One book per market**, in the price space of its first token; price priority across
//!   COMPLEMENTARY, MINT and MERGE together, then acceptance order (the `book` module).
//! * **Lots of 0.01 share.** Limit orders and SELLs must be whole lots (the exchange's 2-decimal
//!   share precision); market BUYs buy whole lots. Every maker is then filled at exactly its price
//!   with no rounding; fees are the only floor division ([`ledger::fee`]).
//! * **Fees**, paid to the operator account, makers at their own price and the taker at each
//!   fill's actual price. A V1 order signs the market's `feeRateBps` and pays the CTF Exchange
//!   formula in the asset it receives. A V2 order signs no fee: it pays the market's platform fee
//!   ([`clobkit_core::fees`]) in collateral, a BUY on top of its price (so a BUY needs, and a
//!   resting BUY whose makers pay reserves, the price plus the most its fees can be), a SELL out
//!   of its proceeds.
//! * **GTD** orders stop being valid 60 s before their `expiration` (the exchange's security
//!   threshold); other types must carry expiration 0. Every command first expires what is due.
//! * **Minimum size** applies in shares to limit orders and SELLs; a market BUY must spend at
//!   least $1.
//! * **Resolution** cancels the market's orders and redeems every holder at once: the winner at 1,
//!   the loser at 0.
//! * **Self-trades** are allowed (the contract does not forbid them).

mod arena;
mod book;
mod cancel;
mod command;
mod engine;
mod event;
pub mod ledger;
mod markets;
mod matching;
mod place;
mod rules;
mod seen;
mod settlement;
mod snapshot;
mod types;
mod views;

pub use arena::Resting;
pub use command::{Command, Stamped};
pub use engine::{CommandError, Engine};
pub use event::{CancelReason, Event, MakerFill, MarketRef, NotCancelled, Placed, Reject, Trade};
pub use rules::{GTD_THRESHOLD_SECS, check_terms};
pub use seen::fingerprint as order_id_fingerprint;
pub use snapshot::{Snapshot, SnapshotError};
pub use types::{
    Asset, Builder, FeeBasis, LOT, MAX_FEE_RATE_BPS, MarketSpec, MarketStatus, MatchType, ONE,
    OrderSpec, OrderTerms, Owner, OwnerId, PIPS_PER_UNIT, Pips, TradeId, in_other_token,
    pips_to_decimal, tick_pips, units_to_decimal,
};
pub use views::{BookView, MarketView};
