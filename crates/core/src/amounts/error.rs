//! Why an amount or price was refused.

use rust_decimal::Decimal;

use crate::types::{OrderType, TickSize};

/// An amount or price the protocol cannot express, or a book that cannot fill an order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// The price is outside `[tick, 1 − tick]`.
    #[error("invalid price ({price}), min: {min} - max: {max}")]
    PriceOutOfRange {
        /// The rejected price.
        price: Decimal,
        /// The lowest valid price (the tick).
        min: Decimal,
        /// The highest valid price (1 − tick).
        max: Decimal,
    },
    /// The price is not a whole number of ticks.
    #[error("invalid price ({price}): expected a multiple of the tick size {tick}")]
    PriceOffTick {
        /// The rejected price.
        price: Decimal,
        /// The market's tick size.
        tick: TickSize,
    },
    /// A size or amount that must be positive is zero or negative.
    #[error("invalid {what} ({value}): expected a positive number")]
    NotPositive {
        /// "size", "amount", …
        what: &'static str,
        /// The rejected value.
        value: Decimal,
    },
    /// A positive size or amount becomes zero once truncated to the protocol's decimals.
    #[error("invalid {what} ({value}): it rounds down to 0 at {decimals} decimals")]
    RoundsToZero {
        /// "size", "amount", …
        what: &'static str,
        /// The rejected value.
        value: Decimal,
        /// The decimals kept.
        decimals: u32,
    },
    /// A value has more decimals than 6-decimal base units can hold.
    #[error("invalid {what} ({value}): expected at most {max} decimals")]
    TooManyDecimals {
        /// What the value is.
        what: &'static str,
        /// The rejected value.
        value: Decimal,
        /// The most decimals allowed.
        max: u32,
    },
    /// A value does not fit in `u64` base units.
    #[error("invalid {what} ({value}): too large, expected at most 18446744073709.551615")]
    TooLarge {
        /// What the value is.
        what: &'static str,
        /// The rejected value.
        value: Decimal,
    },
    /// The book side is empty.
    #[error("no match: the book has no {wanted} to trade against")]
    EmptyBook {
        /// "asks" for a BUY, "bids" for a SELL.
        wanted: &'static str,
    },
    /// A FOK order cannot be filled by the whole visible book.
    #[error(
        "no match: the book cannot fill {amount} {unit} ({order_type} orders fill completely or not at all)"
    )]
    CannotFill {
        /// The amount asked for.
        amount: Decimal,
        /// "USDC" for a BUY, "shares" for a SELL.
        unit: &'static str,
        /// The order type (FOK).
        order_type: OrderType,
    },
}
