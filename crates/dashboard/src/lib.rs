//! The local exchange's web dashboard, served by `clobkit serve` at `/ui/`.
//!
//! Two jobs, one module each:
//! - [`assets`]: the page, its script and its style, embedded in the binary at build time, so
//!   the dashboard works from a fresh clone with no build step and no network;
//! - [`depth`] and [`price`]: the depth chart of a book and the price chart of a token's trades,
//!   drawn as SVG by [plotters](https://docs.rs/plotters) on the server (see [`chart`] for why).
//!
//! The page itself is live: it keeps the book ladder and the trade tape from the exchange's own
//! market channel (`/ws/market`), and reloads the charts when they change. This crate knows
//! nothing of the exchange: it draws what it is given (`clobkit-server` reads the state).

pub mod assets;
pub mod chart;
pub mod depth;
pub mod price;

pub use chart::ChartError;
