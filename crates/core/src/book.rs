//! The order book summary of `/book` and `/books`, and the SHA-1 hash the clients check.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use crate::serde_util::{decimal_str, opt_decimal_str};
use crate::types::TickSize;

/// One price level: a price and the total size resting there, both in human units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceLevel {
    /// The price.
    #[serde(with = "decimal_str")]
    pub price: Decimal,
    /// Total shares at that price.
    #[serde(with = "decimal_str")]
    pub size: Decimal,
}

/// A token's order book as the API returns it.
///
/// Field order is the wire order (the Go server's struct order). It matters: both clients hash
/// this object's compact JSON, and the Python client requires every key. `bids` ascend and `asks`
/// descend, so the best level of each is the **last** element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderBookSummary {
    /// The condition id (`0x…`), kept as sent.
    pub market: String,
    /// The token id, kept as sent.
    pub asset_id: String,
    /// Unix milliseconds, as a string.
    pub timestamp: String,
    /// Lower-case hex SHA-1 of this object's compact JSON with `hash` set to `""`.
    pub hash: String,
    /// Bids, ascending by price (best last).
    pub bids: Vec<PriceLevel>,
    /// Asks, descending by price (best last).
    pub asks: Vec<PriceLevel>,
    /// Minimum order size in shares.
    #[serde(with = "decimal_str")]
    pub min_order_size: Decimal,
    /// The market's tick size.
    pub tick_size: TickSize,
    /// Whether the market is neg-risk.
    pub neg_risk: bool,
    /// The last trade price (`"0.5"` by convention when none).
    /// The last trade's price; `None` before the first (the exchange sends `""`, and the hash
    /// is computed over `""` then, as the official clients compute it).
    #[serde(with = "opt_decimal_str", default)]
    pub last_trade_price: Option<Decimal>,
}

impl OrderBookSummary {
    /// The hash of this summary as the official clients compute it: SHA-1 of the compact JSON in
    /// wire order with `"hash":""`, as lower-case hex.
    pub fn compute_hash(&self) -> String {
        #[derive(Serialize)]
        struct Hashed<'a> {
            market: &'a str,
            asset_id: &'a str,
            timestamp: &'a str,
            hash: &'static str,
            bids: &'a [PriceLevel],
            asks: &'a [PriceLevel],
            #[serde(with = "decimal_str")]
            min_order_size: Decimal,
            tick_size: TickSize,
            neg_risk: bool,
            #[serde(with = "opt_decimal_str")]
            last_trade_price: Option<Decimal>,
        }
        let h = Hashed {
            market: &self.market,
            asset_id: &self.asset_id,
            timestamp: &self.timestamp,
            hash: "",
            bids: &self.bids,
            asks: &self.asks,
            min_order_size: self.min_order_size,
            tick_size: self.tick_size,
            neg_risk: self.neg_risk,
            last_trade_price: self.last_trade_price,
        };
        // Serializing plain strings, decimals and bools cannot fail.
        let json = serde_json::to_vec(&h).unwrap_or_default();
        sha1_hex(&json)
    }

    /// Sets `hash` to [`compute_hash`](Self::compute_hash) (what a server does before sending).
    pub fn with_hash(mut self) -> Self {
        self.hash = self.compute_hash();
        self
    }

    /// Whether the carried `hash` matches the content.
    pub fn hash_is_valid(&self) -> bool {
        self.hash == self.compute_hash()
    }

    /// The best (highest) bid, if any.
    pub fn best_bid(&self) -> Option<&PriceLevel> {
        self.bids.last()
    }

    /// The best (lowest) ask, if any.
    pub fn best_ask(&self) -> Option<&PriceLevel> {
        self.asks.last()
    }
}

/// Lower-case hex SHA-1 of bytes.
pub fn sha1_hex(bytes: &[u8]) -> String {
    let digest = Sha1::digest(bytes);
    alloy_primitives::hex::encode(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// protocol.md §8.6 (the Python client's tests).
    #[test]
    fn reference_hashes() {
        let json = r#"{"market":"0xaabbcc","asset_id":"100","timestamp":"123456789","hash":"","bids":[{"price":"0.3","size":"100"},{"price":"0.4","size":"100"}],"asks":[{"price":"0.6","size":"100"},{"price":"0.7","size":"100"}],"min_order_size":"100","tick_size":"0.01","neg_risk":false,"last_trade_price":"0.5"}"#;
        let book: Result<OrderBookSummary, _> = serde_json::from_str(json);
        assert!(book.is_ok(), "{book:?}");
        if let Ok(book) = book {
            assert_eq!(
                book.compute_hash(),
                "0458ea5755c9f73d64a14636fa5c36ed460ec394"
            );
            assert_eq!(
                sha1_hex(json.as_bytes()),
                "0458ea5755c9f73d64a14636fa5c36ed460ec394"
            );
            assert_eq!(serde_json::to_string(&book).ok().as_deref(), Some(json));
            assert_eq!(
                book.best_bid().map(|l| l.price.to_string()).as_deref(),
                Some("0.4")
            );
            // best = last element, whatever order a test fixture uses
            assert_eq!(
                book.best_ask().map(|l| l.price.to_string()).as_deref(),
                Some("0.7")
            );
            assert!(book.clone().with_hash().hash_is_valid());
        }
        let empty = r#"{"market":"0xaabbcc","asset_id":"100","timestamp":"","hash":"","bids":[],"asks":[],"min_order_size":"100","tick_size":"0.01","neg_risk":false,"last_trade_price":"0.5"}"#;
        let book: Result<OrderBookSummary, _> = serde_json::from_str(empty);
        assert_eq!(
            book.map(|b| b.compute_hash()).ok().as_deref(),
            Some("74c6a7c81c1d572f1c877b7d3e25b80c336d8a6e")
        );
    }
}
