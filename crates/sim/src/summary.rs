//! What a simulation reports when it stops: its seed, each market's fair value path ends, and
//! each agent's orders, fills and profit and loss, exact (decimals, no floats).

use std::time::Duration;

use clobkit_core::Decimal;
use clobkit_core::types::{ConditionId, TokenId};
use serde::Serialize;

/// The report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// The seed that fixed every decision.
    pub seed: u64,
    /// How long it ran, milliseconds.
    pub ran_ms: u64,
    /// The markets.
    pub markets: Vec<MarketReport>,
    /// The agents.
    pub agents: Vec<AgentReport>,
    /// Orders accepted, all agents.
    pub orders: u64,
    /// Trades the agents were part of (a trade between two agents counts twice).
    pub fills: u64,
    /// The sum of every agent's profit: zero up to rounding when fees are off, since trades only
    /// move value between agents.
    #[serde(with = "clobkit_core::serde_util::decimal_str")]
    pub total_pnl: Decimal,
}

/// One market.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MarketReport {
    /// The market.
    pub condition_id: ConditionId,
    /// Its starting fair value.
    #[serde(with = "clobkit_core::serde_util::decimal_str")]
    pub fair_start: Decimal,
    /// Its last fair value.
    #[serde(with = "clobkit_core::serde_util::decimal_str")]
    pub fair_end: Decimal,
    /// The winning token, if it resolved.
    pub winner: Option<TokenId>,
}

/// One agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentReport {
    /// `maker-0-1` (kind, market, number).
    pub name: String,
    /// `maker`, `noise` or `informed`.
    pub kind: &'static str,
    /// Its wallet.
    pub address: String,
    /// Orders accepted.
    pub orders: u64,
    /// Orders refused (post-only quotes that would cross, FAK orders with nothing to take, …).
    pub refused: u64,
    /// Trades it took part in.
    pub fills: u64,
    /// Collateral at the end.
    #[serde(with = "clobkit_core::serde_util::decimal_str")]
    pub collateral: Decimal,
    /// First-token shares at the end.
    #[serde(with = "clobkit_core::serde_util::decimal_str")]
    pub yes: Decimal,
    /// Second-token shares at the end.
    #[serde(with = "clobkit_core::serde_util::decimal_str")]
    pub no: Decimal,
    /// Collateral plus shares marked at the fair value (first token at `fair`, second at
    /// `1 − fair`).
    #[serde(with = "clobkit_core::serde_util::decimal_str")]
    pub value: Decimal,
    /// `value` less the collateral it was funded with.
    #[serde(with = "clobkit_core::serde_util::decimal_str")]
    pub pnl: Decimal,
}

impl AgentReport {
    /// An agent's report from its end balances, marked at `fair`.
    #[expect(
        clippy::too_many_arguments,
        reason = "one field each, named at the call"
    )]
    pub fn new(
        name: String,
        kind: &'static str,
        address: String,
        orders: u64,
        refused: u64,
        fills: u64,
        (collateral, yes, no): (Decimal, Decimal, Decimal),
        fair: Decimal,
        funded: Decimal,
    ) -> AgentReport {
        let value = collateral + yes * fair + no * (Decimal::ONE - fair);
        AgentReport {
            name,
            kind,
            address,
            orders,
            refused,
            fills,
            collateral,
            yes,
            no,
            value: value.normalize(),
            pnl: (value - funded).normalize(),
        }
    }
}

impl Summary {
    /// The report of a run.
    pub fn new(
        seed: u64,
        ran: Duration,
        markets: Vec<MarketReport>,
        agents: Vec<AgentReport>,
    ) -> Summary {
        Summary {
            seed,
            ran_ms: ran.as_millis() as u64,
            orders: agents.iter().map(|a| a.orders).sum(),
            fills: agents.iter().map(|a| a.fills).sum(),
            total_pnl: agents.iter().map(|a| a.pnl).sum::<Decimal>().normalize(),
            markets,
            agents,
        }
    }

    /// A few lines for a terminal.
    pub fn render(&self) -> String {
        let mut out = format!(
            "simulation: seed {}, {:.1} s, {} orders accepted, {} fills, total P&L {}\n",
            self.seed,
            self.ran_ms as f64 / 1000.0,
            self.orders,
            self.fills,
            self.total_pnl
        );
        for m in &self.markets {
            out.push_str(&format!(
                "  market {}: fair {} -> {}{}\n",
                m.condition_id,
                m.fair_start,
                m.fair_end,
                m.winner
                    .map_or(String::new(), |w| format!(", resolved to {w}"))
            ));
        }
        for a in &self.agents {
            out.push_str(&format!(
                "  {:<14} orders {:>6} refused {:>5} fills {:>6}  P&L {}\n",
                a.name, a.orders, a.refused, a.fills, a.pnl
            ));
        }
        out
    }
}

/// A running simulation's state now (the dashboard's agents panel): cheap, from counters the
/// agents keep (balances are the exchange's to tell).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// The seed that fixes every decision.
    pub seed: u64,
    /// Milliseconds since it started.
    pub running_ms: u64,
    /// Orders accepted so far, all agents.
    pub orders: u64,
    /// The markets.
    pub markets: Vec<MarketStatus>,
    /// The agents.
    pub agents: Vec<AgentStatus>,
}

/// One market of a running simulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MarketStatus {
    /// The market.
    pub condition_id: ConditionId,
    /// Its first token (the one the fair value prices).
    pub yes: TokenId,
    /// Its fair value now.
    #[serde(with = "clobkit_core::serde_util::decimal_str")]
    pub fair: Decimal,
    /// The winning token, once resolved.
    pub winner: Option<TokenId>,
}

/// One agent of a running simulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentStatus {
    /// `maker-0-1` (kind, market, number).
    pub name: String,
    /// `maker`, `noise` or `informed`.
    pub kind: &'static str,
    /// The market it trades.
    pub market: ConditionId,
    /// Its wallet (the accounts panel shows its balances and orders).
    pub address: String,
    /// Orders accepted so far.
    pub orders: u64,
    /// Orders refused so far.
    pub refused: u64,
}
