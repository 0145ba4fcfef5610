//! # clobkit-sim
//!
//! A living market for the local exchange: simulated participants that trade through the
//! exchange's own public API (their own wallets and API keys, real signatures, journaled like any
//! order), so the market channel, the user channels and the REST views all show them.
//!
//! - [`config`]: the simulation file (`clobkit serve --simulate FILE.toml`);
//! - [`fair`]: each market's fair value, a random walk on the tick grid with jumps;
//! - [`agent`]: what market makers, noise takers and informed traders decide, from their random
//!   generator and what they see;
//! - [`run`]: setting the agents up and running them;
//! - [`summary`]: what a run reports (seed, fills, each agent's profit and loss), and its
//!   state while it runs;
//! - [`record`] and [`replay`]: a venue's market channel to a file, and that file back as the
//!   house's liquidity on the local exchange.
//!
//! Reproducible: one seed fixes the fair values and every agent's generator, so the same
//! sequence of exchange events gives the same decisions. Never against a real venue: it needs the
//! exchange's admin token to fund its agents, which only a local exchange gives.

#![allow(clippy::float_arithmetic)]

pub mod agent;
pub mod config;
pub mod fair;
pub mod record;
pub mod replay;
pub mod run;
pub mod summary;

pub use config::SimConfig;
pub use run::{SimError, Simulation, Watch};
pub use summary::Summary;
