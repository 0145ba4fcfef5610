//! Exact order amounts.
//!
//! The official clients compute `makerAmount`/`takerAmount` with IEEE-754 doubles. We compute the
//! same rules in integers (6-decimal base units, `u128` intermediates), so every result is exact:
//!
//! * **Limit orders** ([`limit_amounts`]): the size is truncated to 2 decimals; the other amount is
//!   `size × price`, which is always exact at `price decimals + 2` decimals.
//! * **Market orders** ([`market_amounts`]): BUY spends a USDC amount (truncated to 2 decimals)
//!   and receives `amount / price` shares; SELL gives shares (2 decimals) and receives
//!   `shares × price` USDC. The received amount follows the clients' rule, ceiling at `d + 4`
//!   decimals then flooring at `d`, but with `d` capped at 4, because the exchange accepts market
//!   orders only with maker ≤ 2 and taker ≤ 4 decimals (the clients use 5 and 6 on the 0.001 and
//!   0.0001 ticks and produce orders the server rejects).
//! * **Prices** must be a whole number of ticks, in `[tick, 1 − tick]`. The V1 clients silently
//!   round an off-tick price (Python half-to-even, TypeScript half-up or down depending on the
//!   call); they disagree, so we refuse the ambiguity and report it. On V2's 0.005 and 0.0025
//!   ticks both official V2 clients sign a price that has the tick's decimals but lies between two
//!   ticks (`0.051` on `0.005`); the exchange cannot fill it at that price, and we refuse it. A V2
//!   market order's price is first rounded down to the tick's decimals, as V2's clients do
//!   ([`market_order_price`]).
//!
//! Where the Python client's float arithmetic differs from this (for example
//! `round_down(0.57, 2) = 0.56`), we are exact; the conformance vectors record each such class.

mod error;
mod limit;
mod market;
mod units;
mod walk;

pub use error::AmountError;
pub use limit::limit_amounts;
pub use market::{
    MARKET_MAKER_DECIMALS, MARKET_TAKER_DECIMALS, market_amounts, market_amounts_for,
    market_order_price, market_received_decimals,
};
pub use units::{
    AMOUNT_DECIMALS, BASE_UNIT, OrderAmounts, Price, check_price, from_base_units, implied_price,
    to_base_units,
};
pub use walk::{market_buy_price, market_price, market_sell_price};
