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
        let level = |l: &PriceLevel| (l.price, l.size);
        hash_book(&BookFields {
            market: &self.market,
            asset_id: &self.asset_id,
            timestamp: &self.timestamp,
            bids: self.bids.iter().map(level),
            asks: self.asks.iter().map(level),
            min_order_size: self.min_order_size,
            tick_size: self.tick_size,
            neg_risk: self.neg_risk,
            last_trade_price: self.last_trade_price,
        })
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

/// What a book's hash covers, in the wire order of [`OrderBookSummary`]; prices and sizes are
/// anything that writes itself as a decimal (a `Decimal`, or a [`Fixed`] kept as an integer).
#[derive(Debug, Clone)]
pub struct BookFields<'a, B, A> {
    /// The condition id, as the summary carries it.
    pub market: &'a str,
    /// The token id.
    pub asset_id: &'a str,
    /// Unix milliseconds, as a string.
    pub timestamp: &'a str,
    /// Bids, ascending (best last).
    pub bids: B,
    /// Asks, descending (best last).
    pub asks: A,
    /// Minimum order size.
    pub min_order_size: Decimal,
    /// Tick size.
    pub tick_size: TickSize,
    /// Neg-risk.
    pub neg_risk: bool,
    /// The last trade price (`None`: `""`).
    pub last_trade_price: Option<Decimal>,
}

/// The book hash of [`OrderBookSummary::compute_hash`], written straight into the digest: the
/// one place the hashed layout is written, used by summaries and by the exchange's streams
/// (which hash a book at every change without building a summary).
pub fn hash_book<'a, P, S, B, A>(f: &BookFields<'a, B, A>) -> String
where
    P: std::fmt::Display,
    S: std::fmt::Display,
    B: Iterator<Item = (P, S)> + Clone,
    A: Iterator<Item = (P, S)> + Clone,
{
    use std::fmt::Write as _;
    let mut out = String::with_capacity(256);
    let quoted = |out: &mut String, s: &str| {
        // serde_json's escaping, so any id a client sent hashes as the clients hash it
        out.push_str(&serde_json::to_string(s).unwrap_or_default());
    };
    fn levels<P: std::fmt::Display, S: std::fmt::Display>(
        out: &mut String,
        levels: impl Iterator<Item = (P, S)>,
    ) {
        out.push('[');
        for (i, (p, s)) in levels.enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, r#"{{"price":"{p}","size":"{s}"}}"#);
        }
        out.push(']');
    }
    out.push_str(r#"{"market":"#);
    quoted(&mut out, f.market);
    out.push_str(r#","asset_id":"#);
    quoted(&mut out, f.asset_id);
    out.push_str(r#","timestamp":"#);
    quoted(&mut out, f.timestamp);
    out.push_str(r#","hash":"","bids":"#);
    levels(&mut out, f.bids.clone());
    out.push_str(r#","asks":"#);
    levels(&mut out, f.asks.clone());
    let last = f
        .last_trade_price
        .map(|d| d.to_string())
        .unwrap_or_default();
    let _ = write!(
        out,
        r#","min_order_size":"{}","tick_size":"{}","neg_risk":{},"last_trade_price":"{last}"}}"#,
        f.min_order_size,
        f.tick_size.as_str(),
        f.neg_risk,
    );
    sha1_hex(out.as_bytes())
}

/// A non-negative fixed-point number (`value / 10^scale`) that writes itself as its normalized
/// decimal, as `Decimal::normalize` then `Display` would (`0.4`, `10`, `0.0001`), without
/// building a `Decimal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fixed {
    /// The integer value.
    pub value: u64,
    /// Its decimal places.
    pub scale: u32,
}

impl std::fmt::Display for Fixed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let unit = 10u64.pow(self.scale.min(19));
        let (int, mut frac) = (self.value / unit, self.value % unit);
        if frac == 0 {
            return write!(f, "{int}");
        }
        let mut places = self.scale.min(19) as usize;
        while frac % 10 == 0 {
            frac /= 10;
            places -= 1;
        }
        write!(f, "{int}.{frac:0places$}")
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

    /// `Fixed` writes what a normalized `Decimal` writes.
    #[test]
    fn fixed_point_writes_as_normalized_decimals() {
        for (value, scale) in [
            (0, 6),
            (4000, 4),
            (10_000_000, 6),
            (1, 4),
            (10_500_000, 6),
            (123_456_789, 6),
            (5, 0),
            (100, 2),
        ] {
            let d = Decimal::from_i128_with_scale(i128::from(value), scale).normalize();
            assert_eq!(
                Fixed { value, scale }.to_string(),
                d.to_string(),
                "{value} / 10^{scale}"
            );
        }
    }

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
        // the layout written by hand is byte for byte serde's
        if let Ok(b) = serde_json::from_str::<OrderBookSummary>(json) {
            let serde = serde_json::to_string(&b).unwrap_or_default();
            assert_eq!(sha1_hex(serde.as_bytes()), b.compute_hash());
        }
        let book: Result<OrderBookSummary, _> = serde_json::from_str(empty);
        assert_eq!(
            book.map(|b| b.compute_hash()).ok().as_deref(),
            Some("74c6a7c81c1d572f1c877b7d3e25b80c336d8a6e")
        );
    }
}
