//! The depth chart of one token's book: cumulative shares on each side of the spread, bids to
//! the left of the best bid, asks to the right of the best ask, over the price range 0 to 1.

use clobkit_core::Decimal;
use clobkit_core::book::PriceLevel;
use plotters::prelude::*;

use crate::chart::{ASK, BID, ChartError, INK, SIZE, coord};

/// The outline of one side: `(price, cumulative shares)` in drawing order, a step per level,
/// from the best price (at zero depth) outwards. `levels` are in wire order (best last).
pub fn steps(levels: &[PriceLevel]) -> Vec<(Decimal, Decimal)> {
    let mut out = Vec::with_capacity(levels.len() * 2 + 1);
    let mut total = Decimal::ZERO;
    for level in levels.iter().rev() {
        out.push((level.price, total));
        total += level.size;
        out.push((level.price, total));
    }
    out
}

/// The deepest cumulative size of either side (the y axis's top is a tenth above it).
fn deepest(bids: &[PriceLevel], asks: &[PriceLevel]) -> Decimal {
    let side = |levels: &[PriceLevel]| levels.iter().map(|l| l.size).sum::<Decimal>();
    side(bids).max(side(asks))
}

/// Draws the chart of a book whose `bids` and `asks` are in wire order (best last). An empty
/// book gives the empty axes.
pub fn svg(bids: &[PriceLevel], asks: &[PriceLevel]) -> Result<String, ChartError> {
    let top = (deepest(bids, asks) * Decimal::new(11, 1)).max(Decimal::ONE);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(ChartError::from_plotters)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption("Depth", ("sans-serif", 18).into_font().color(&INK))
            .x_label_area_size(32)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..1f64, 0f64..coord(top))
            .map_err(ChartError::from_plotters)?;
        chart
            .configure_mesh()
            .x_desc("price")
            .y_desc("shares")
            .label_style(("sans-serif", 12).into_font().color(&INK))
            .light_line_style(WHITE)
            .draw()
            .map_err(ChartError::from_plotters)?;
        for (levels, colour, name) in [(bids, BID, "bids"), (asks, ASK, "asks")] {
            let points: Vec<(f64, f64)> = steps(levels)
                .into_iter()
                .map(|(p, q)| (coord(p), coord(q)))
                .collect();
            if points.is_empty() {
                continue;
            }
            chart
                .draw_series(
                    AreaSeries::new(points, 0.0, colour.mix(0.25))
                        .border_style(colour.stroke_width(2)),
                )
                .map_err(ChartError::from_plotters)?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled())
                });
        }
        if !(bids.is_empty() && asks.is_empty()) {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(INK)
                .label_font(("sans-serif", 12).into_font().color(&INK))
                .draw()
                .map_err(ChartError::from_plotters)?;
        }
        root.present().map_err(ChartError::from_plotters)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(price: &str, size: &str) -> PriceLevel {
        PriceLevel {
            price: price.parse().unwrap_or_default(),
            size: size.parse().unwrap_or_default(),
        }
    }

    #[test]
    fn steps_accumulate_from_the_best_level_outwards() {
        // bids in wire order: worst first, best last
        let bids = [level("0.40", "5"), level("0.45", "10.5")];
        let s = steps(&bids);
        let d = |x: &str| x.parse::<Decimal>().unwrap_or_default();
        assert_eq!(
            s,
            vec![
                (d("0.45"), d("0")),
                (d("0.45"), d("10.5")),
                (d("0.40"), d("10.5")),
                (d("0.40"), d("15.5")),
            ]
        );
    }

    #[test]
    fn a_book_draws_both_sides_and_an_empty_book_draws_axes() {
        let bids = [level("0.40", "5"), level("0.45", "10")];
        let asks = [level("0.60", "7"), level("0.55", "3")];
        let drawn = svg(&bids, &asks).unwrap_or_default();
        assert!(drawn.starts_with("<svg"), "{drawn:.80}");
        assert!(drawn.contains("bids") && drawn.contains("asks"));
        // one filled polygon per side, in the side's colour
        assert!(
            drawn.contains("#16A34A") && drawn.contains("#DC2626"),
            "{drawn}"
        );
        let empty = svg(&[], &[]).unwrap_or_default();
        assert!(empty.starts_with("<svg") && empty.contains("Depth"));
        assert!(!empty.contains("#16A34A") && !empty.contains("#DC2626"));
    }
}
