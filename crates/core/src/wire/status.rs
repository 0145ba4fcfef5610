//! Server-defined status strings, forward-compatible.

macro_rules! open_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $var:ident = $wire:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vdoc])* $var,)*
            /// A value this version does not know, kept verbatim.
            Unknown(String),
        }
        impl $name {
            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$var => $wire,)*
                    $name::Unknown(s) => s,
                }
            }
            /// Parses a wire spelling (case-insensitive; the v2-era `ORDER_STATUS_`/`TRADE_STATUS_`
            /// prefixes are accepted); never fails.
            pub fn parse(s: &str) -> $name {
                let bare = s.strip_prefix("ORDER_STATUS_").or_else(|| s.strip_prefix("TRADE_STATUS_")).unwrap_or(s);
                $(if bare.eq_ignore_ascii_case($wire) { return $name::$var; })*
                $name::Unknown(s.to_owned())
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize<'de>>::deserialize(d)?;
                Ok($name::parse(&s))
            }
        }
    };
}
pub(crate) use open_enum;

open_enum!(
    /// What happened to an order when it was posted (`OrderResponse.status`, lower-case).
    InsertStatus {
        /// Resting on the book.
        Live = "live",
        /// Matched against resting orders at once.
        Matched = "matched",
        /// Marketable, subject to a matching delay.
        Delayed = "delayed",
        /// Marketable, the delay failed, placement succeeded.
        Unmatched = "unmatched",
    }
);

open_enum!(
    /// An order's state in `/data/order(s)` (upper-case).
    OrderStatus {
        /// On the book.
        Live = "LIVE",
        /// Fully matched.
        Matched = "MATCHED",
        /// Cancelled (by its owner, a heartbeat timeout, expiry, or a FAK remainder).
        Canceled = "CANCELED",
        /// Waiting out a matching delay.
        Delayed = "DELAYED",
        /// Delay failed, placement successful.
        Unmatched = "UNMATCHED",
        /// Cancelled because its market resolved.
        CanceledMarketResolved = "CANCELED_MARKET_RESOLVED",
        /// Refused by the exchange.
        Invalid = "INVALID",
    }
);

open_enum!(
    /// A trade's settlement state.
    TradeStatus {
        /// Matched, sent to the executor.
        Matched = "MATCHED",
        /// Included in a block.
        Mined = "MINED",
        /// Final and successful.
        Confirmed = "CONFIRMED",
        /// The transaction failed and is being retried.
        Retrying = "RETRYING",
        /// Final failure.
        Failed = "FAILED",
    }
);

open_enum!(
    /// Whether the user was the taker or a maker of a trade.
    TraderSide {
        /// The incoming order.
        Taker = "TAKER",
        /// A resting order.
        Maker = "MAKER",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_survive() {
        assert_eq!(OrderStatus::parse("LIVE"), OrderStatus::Live);
        assert_eq!(OrderStatus::parse("ORDER_STATUS_LIVE"), OrderStatus::Live);
        assert_eq!(
            TradeStatus::parse("TRADE_STATUS_CONFIRMED"),
            TradeStatus::Confirmed
        );
        assert_eq!(InsertStatus::parse("live"), InsertStatus::Live);
        let u: OrderStatus = serde_json::from_str("\"PAUSED\"").unwrap();
        assert_eq!(u, OrderStatus::Unknown("PAUSED".into()));
        assert_eq!(serde_json::to_string(&u).unwrap(), "\"PAUSED\"");
    }
}
