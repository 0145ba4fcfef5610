//! Programs running in the exchange's process beside it (the simulator's agents), which the
//! dashboard shows: each reports its state on demand as JSON, under a name.
//!
//! The exchange knows nothing of what a companion is (the simulator depends on the client, not
//! on the server): the program that starts both attaches one to the other.

use std::sync::{Arc, RwLock};

use serde::Serialize;

/// Something running beside the exchange that reports its state.
pub trait Companion: Send + Sync {
    /// Its name (`simulation`).
    fn name(&self) -> &str;
    /// Its state now, cheap to compute (it is read on each dashboard refresh).
    fn report(&self) -> serde_json::Value;
}

/// One companion's report, as `GET /admin/companions` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompanionReport {
    /// The companion's name.
    pub name: String,
    /// What it reported.
    pub report: serde_json::Value,
}

/// The companions attached to an exchange.
#[derive(Default)]
pub struct Companions(RwLock<Vec<Arc<dyn Companion>>>);

impl Companions {
    /// Attaches `c`; it is reported until the exchange stops.
    pub fn attach(&self, c: Arc<dyn Companion>) {
        self.0.write().unwrap_or_else(|p| p.into_inner()).push(c);
    }

    /// Every companion's report, in the order they were attached.
    pub fn reports(&self) -> Vec<CompanionReport> {
        let all = self.0.read().unwrap_or_else(|p| p.into_inner()).clone();
        all.iter()
            .map(|c| CompanionReport {
                name: c.name().to_owned(),
                report: c.report(),
            })
            .collect()
    }
}
