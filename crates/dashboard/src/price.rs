//! The price chart of one token: its trades' prices over time, a line through every trade and a
//! dot per trade coloured by the taker's side.

use clobkit_core::Decimal;
use clobkit_core::types::Side;
use plotters::prelude::*;

use crate::chart::{ASK, BID, ChartError, INK, LINE, SIZE, coord};

/// One trade as the chart draws it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// When it matched, Unix seconds.
    pub at: u64,
    /// Its price, in the charted token's terms.
    pub price: Decimal,
    /// The taker's side, in the charted token's terms.
    pub side: Side,
}

/// `HH:MM:SS` (UTC) of a Unix time, for the time axis.
fn clock(t: u64) -> String {
    format!("{:02}:{:02}:{:02}", (t / 3600) % 24, (t / 60) % 60, t % 60)
}

/// The price axis: the traded range widened by 0.05 each way, within 0 to 1 (the full range
/// when there is no trade).
fn price_range(ticks: &[Tick]) -> (Decimal, Decimal) {
    let margin = Decimal::new(5, 2);
    let low = ticks.iter().map(|t| t.price).min();
    let high = ticks.iter().map(|t| t.price).max();
    match (low, high) {
        (Some(l), Some(h)) => (
            (l - margin).max(Decimal::ZERO),
            (h + margin).min(Decimal::ONE),
        ),
        _ => (Decimal::ZERO, Decimal::ONE),
    }
}

/// Draws `ticks` (oldest first). The time axis spans the first to the last trade, at least ten
/// seconds.
pub fn svg(ticks: &[Tick]) -> Result<String, ChartError> {
    let first = ticks.first().map_or(0, |t| t.at);
    let last = ticks
        .last()
        .map_or(0, |t| t.at)
        .max(first.saturating_add(10));
    let (low, high) = price_range(ticks);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(ChartError::from_plotters)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption("Price", ("sans-serif", 18).into_font().color(&INK))
            .x_label_area_size(32)
            .y_label_area_size(60)
            .build_cartesian_2d(first..last, coord(low)..coord(high))
            .map_err(ChartError::from_plotters)?;
        chart
            .configure_mesh()
            .x_desc("time (UTC)")
            .y_desc("price")
            .x_labels(5)
            .x_label_formatter(&|t| clock(*t))
            .label_style(("sans-serif", 12).into_font().color(&INK))
            .light_line_style(WHITE)
            .draw()
            .map_err(ChartError::from_plotters)?;
        if !ticks.is_empty() {
            chart
                .draw_series(LineSeries::new(
                    ticks.iter().map(|t| (t.at, coord(t.price))),
                    LINE.stroke_width(2),
                ))
                .map_err(ChartError::from_plotters)?;
            chart
                .draw_series(ticks.iter().map(|t| {
                    let colour = match t.side {
                        Side::Buy => BID,
                        Side::Sell => ASK,
                    };
                    Circle::new((t.at, coord(t.price)), 3, colour.filled())
                }))
                .map_err(ChartError::from_plotters)?;
        }
        root.present().map_err(ChartError::from_plotters)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tick(at: u64, price: &str, side: Side) -> Tick {
        Tick {
            at,
            price: price.parse().unwrap_or_default(),
            side,
        }
    }

    #[test]
    fn the_price_axis_hugs_the_traded_range_within_zero_and_one() {
        let d = |x: &str| x.parse::<Decimal>().unwrap_or_default();
        assert_eq!(price_range(&[]), (d("0"), d("1")));
        let ticks = [tick(10, "0.42", Side::Buy), tick(20, "0.98", Side::Sell)];
        assert_eq!(price_range(&ticks), (d("0.37"), d("1")));
        assert_eq!(clock(3600 * 25 + 61), "01:01:01");
    }

    #[test]
    fn trades_draw_a_line_and_a_dot_per_trade() {
        let ticks = [
            tick(1_700_000_000, "0.42", Side::Buy),
            tick(1_700_000_030, "0.45", Side::Sell),
            tick(1_700_000_090, "0.44", Side::Buy),
        ];
        let drawn = svg(&ticks).unwrap_or_default();
        assert!(drawn.starts_with("<svg") && drawn.contains("Price"));
        assert_eq!(drawn.matches("<circle").count(), 3, "{drawn}");
        assert!(drawn.contains("<polyline"), "{drawn}");
        assert!(drawn.contains("22:13:20"), "time labels in UTC: {drawn}");
        let empty = svg(&[]).unwrap_or_default();
        assert_eq!(empty.matches("<circle").count(), 0);
    }
}
