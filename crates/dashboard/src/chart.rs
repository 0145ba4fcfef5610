//! What both charts share: their size, colours, the SVG they are drawn into, and their error.
//!
//! Why plotters, on the server: it is the maintained Rust plotting library, its SVG backend
//! needs no font files and no native code, and drawing on the server keeps the page free of a
//! JavaScript build (no npm step to serve the dashboard) while the page stays a thin view that
//! swaps in a new picture when the data changes.
//!
//! Amounts stay exact up to the drawing: sums of sizes and axis bounds are computed in decimals,
//! and turned into the backend's `f64` pixels coordinates only at the end.

use clobkit_core::Decimal;
use plotters::style::RGBColor;

/// Width and height of a chart, pixels (the page scales the SVG to its box).
pub const SIZE: (u32, u32) = (640, 300);
/// The colour of bids, buys and the price line.
pub const BID: RGBColor = RGBColor(22, 163, 74);
/// The colour of asks and sells.
pub const ASK: RGBColor = RGBColor(220, 38, 38);
/// The colour of the price line.
pub const LINE: RGBColor = RGBColor(37, 99, 235);
/// Axis and label colour.
pub const INK: RGBColor = RGBColor(55, 65, 81);

/// A chart could not be drawn (the SVG backend failed to write).
#[derive(Debug, thiserror::Error)]
#[error("the chart could not be drawn: {0}")]
pub struct ChartError(pub String);

impl ChartError {
    /// From any plotters error.
    pub(crate) fn from_plotters(e: impl std::fmt::Display) -> ChartError {
        ChartError(e.to_string())
    }
}

/// A decimal as a drawing coordinate (exact decimals up to here; the backend draws in `f64`).
pub(crate) fn coord(d: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().unwrap_or(0.0)
}
