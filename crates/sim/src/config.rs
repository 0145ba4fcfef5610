//! The simulation file (`clobkit serve --simulate FILE.toml`): the seed, and per market its
//! fair value process and its agents. Prices and sizes are decimal strings, rates and chances
//! integers: nothing is a float.

use std::path::Path;

use clobkit_core::Decimal;
use clobkit_core::types::{ConditionId, TickSize, TokenId};
use serde::Deserialize;

/// A simulation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    /// Fixes every agent's decisions and the fair values.
    pub seed: u64,
    /// Milliseconds between two steps of the fair values.
    #[serde(default = "default_step_ms")]
    pub step_ms: u64,
    /// The markets (created by the simulation if the exchange lacks them).
    #[serde(rename = "market")]
    pub markets: Vec<MarketSim>,
}

/// A decimal written as a string (`"0.50"`) or an integer, read exactly; a float is refused
/// (TOML floats are binary, `0.1` is not a tenth).
fn decimal<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Whole(i64),
        Float(f64),
    }
    match Raw::deserialize(d)? {
        Raw::Text(t) => t.trim().parse().map_err(|e| {
            serde::de::Error::custom(format!(
                "invalid decimal {t:?} ({e}): expected digits such as \"0.50\""
            ))
        }),
        Raw::Whole(n) => Ok(Decimal::from(n)),
        Raw::Float(f) => Err(serde::de::Error::custom(format!(
            "{f} is a binary float: write it as a string, \"0.50\""
        ))),
    }
}

fn default_step_ms() -> u64 {
    250
}

/// One simulated market.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketSim {
    /// The condition id.
    pub condition_id: ConditionId,
    /// The first outcome token (its price is the fair value).
    pub yes: TokenId,
    /// The second.
    pub no: TokenId,
    /// Its tick size.
    #[serde(default = "default_tick")]
    pub tick_size: TickSize,
    /// The starting fair value of the first token.
    #[serde(deserialize_with = "decimal")]
    pub fair: Decimal,
    /// Each step the fair value moves by a whole number of ticks in `-volatility_ticks ..=
    /// volatility_ticks`.
    #[serde(default = "one")]
    pub volatility_ticks: u32,
    /// Chance per step, per thousand, of a jump.
    #[serde(default)]
    pub jump_per_mille: u32,
    /// A jump's size in ticks (up or down).
    #[serde(default)]
    pub jump_ticks: u32,
    /// Seconds after which the market resolves toward its fair value (the first token wins
    /// above 0.5); absent: never.
    #[serde(default)]
    pub resolve_after_secs: Option<u64>,
    /// Market makers.
    #[serde(default)]
    pub makers: Option<Makers>,
    /// Noise takers.
    #[serde(default)]
    pub noise: Option<Noise>,
    /// Informed traders.
    #[serde(default)]
    pub informed: Option<Informed>,
}

fn default_tick() -> TickSize {
    TickSize::Hundredth
}

fn one() -> u32 {
    1
}

/// Market makers: quote both sides around the fair value and requote on a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Makers {
    /// How many.
    pub count: u32,
    /// Ticks from the fair value to each side's first quote.
    #[serde(default = "one")]
    pub spread_ticks: u32,
    /// Price levels quoted per side.
    #[serde(default = "one")]
    pub levels: u32,
    /// Shares per quote.
    #[serde(deserialize_with = "decimal")]
    pub size: Decimal,
    /// Milliseconds between requotes.
    #[serde(default = "default_refresh")]
    pub refresh_ms: u64,
}

fn default_refresh() -> u64 {
    1000
}

/// Noise takers: buy or sell at random times and sizes, by market order or by limit order near
/// the middle of the book.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Noise {
    /// How many.
    pub count: u32,
    /// Orders per minute, each.
    pub orders_per_min: u32,
    /// Smallest order, shares.
    #[serde(deserialize_with = "decimal")]
    pub min_size: Decimal,
    /// Largest order, shares.
    #[serde(deserialize_with = "decimal")]
    pub max_size: Decimal,
    /// Percent of orders sent as market (FAK) orders; the rest are limit orders.
    #[serde(default = "half")]
    pub market_percent: u32,
}

fn half() -> u32 {
    50
}

/// Informed traders: take the book when it is far enough from the fair value.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Informed {
    /// How many.
    pub count: u32,
    /// Looks per minute, each.
    pub orders_per_min: u32,
    /// Ticks the best price must be away from the fair value to trade.
    #[serde(default = "one")]
    pub edge_ticks: u32,
    /// Shares per order.
    #[serde(deserialize_with = "decimal")]
    pub size: Decimal,
}

/// A simulation file that cannot run.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Unreadable.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Not the expected TOML.
    #[error("invalid simulation file: {0}")]
    Parse(String),
    /// A value out of range.
    #[error("market {market}: {what}")]
    Invalid {
        /// The market.
        market: ConditionId,
        /// What is wrong and what was expected.
        what: String,
    },
}

/// Most agents of one kind in one market.
pub const MAX_AGENTS: u32 = 64;

impl SimConfig {
    /// Reads and checks a simulation file.
    pub fn load(path: &Path) -> Result<SimConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        SimConfig::parse(&text)
    }

    /// Parses and checks a simulation from TOML text.
    pub fn parse(text: &str) -> Result<SimConfig, ConfigError> {
        let c: SimConfig = toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        if c.markets.is_empty() {
            return Err(ConfigError::Parse("no [[market]]".into()));
        }
        if c.step_ms == 0 {
            return Err(ConfigError::Parse("step_ms must be at least 1".into()));
        }
        for m in &c.markets {
            m.check()?;
        }
        Ok(c)
    }
}

impl MarketSim {
    fn check(&self) -> Result<(), ConfigError> {
        let bad = |what: String| ConfigError::Invalid {
            market: self.condition_id,
            what,
        };
        let tick = self.tick_size.as_decimal();
        if self.fair <= Decimal::ZERO || self.fair >= Decimal::ONE || !(self.fair % tick).is_zero()
        {
            return Err(bad(format!(
                "fair {} must be a multiple of the tick {tick} strictly between 0 and 1",
                self.fair
            )));
        }
        if self.yes == self.no {
            return Err(bad("yes and no must be different tokens".into()));
        }
        let counts = [
            self.makers.as_ref().map(|a| a.count),
            self.noise.as_ref().map(|a| a.count),
            self.informed.as_ref().map(|a| a.count),
        ];
        if counts.iter().flatten().any(|&n| n > MAX_AGENTS) {
            return Err(bad(format!("at most {MAX_AGENTS} agents of a kind")));
        }
        if let Some(n) = &self.noise {
            if n.orders_per_min == 0 || n.min_size <= Decimal::ZERO || n.max_size < n.min_size {
                return Err(bad(
                    "noise: orders_per_min > 0 and 0 < min_size <= max_size".into(),
                ));
            }
            if n.market_percent > 100 {
                return Err(bad("noise: market_percent is at most 100".into()));
            }
        }
        if let Some(m) = &self.makers
            && (m.size <= Decimal::ZERO || m.levels == 0 || m.levels > 10 || m.refresh_ms == 0)
        {
            return Err(bad(
                "makers: size > 0, 1 to 10 levels, refresh_ms > 0".into()
            ));
        }
        if let Some(i) = &self.informed
            && (i.orders_per_min == 0 || i.size <= Decimal::ZERO)
        {
            return Err(bad("informed: orders_per_min > 0 and size > 0".into()));
        }
        Ok(())
    }
}
