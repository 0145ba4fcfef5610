//! Markets and starting balances declared in a TOML file (`clobkit serve --seed FILE`).
//!
//! **Decision:** a seed is applied to a new data folder only (nothing journaled yet, no
//! snapshot). Restarting with the same file therefore never creates a market twice or credits a
//! balance twice; to change a running exchange, use the admin API.
//!
//! ```toml
//! [[market]]
//! condition_id = "0x…"            # 32 bytes hex
//! tokens = ["1001", "1002"]        # the two outcome token ids (decimal)
//! outcomes = ["Yes", "No"]         # optional, default Yes/No
//! tick_size = "0.01"               # optional, default 0.01
//! min_order_size = "5"             # optional, shares, default 5
//! neg_risk = false                 # optional
//! fee_rate_bps = 0                 # optional
//!
//! [[fund]]
//! address = "0x…"
//! amount = "1000"                  # USDC
//! split = [{ market = "0x…", amount = "100" }]   # optional: turn USDC into YES+NO pairs
//! ```

use clobkit_core::amounts::to_base_units;
use clobkit_core::fees::PlatformFee;
use clobkit_core::types::parse_address;
use clobkit_core::types::{ConditionId, TickSize, TokenId};
use clobkit_core::{Address, Decimal};
use clobkit_engine::{Command, MarketSpec};
use serde::Deserialize;

use crate::app::AppState;

/// Why a seed file was refused.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// Not valid TOML or not the expected shape.
    #[error("seed file: {0}")]
    Parse(String),
    /// A value is out of range.
    #[error("seed file: {0}")]
    Value(String),
    /// The exchange refused an entry.
    #[error("seed file: {0}")]
    Apply(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    market: Vec<SeedMarket>,
    #[serde(default)]
    fund: Vec<SeedFund>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedMarket {
    condition_id: ConditionId,
    tokens: [TokenId; 2],
    #[serde(default)]
    outcomes: Option<[String; 2]>,
    #[serde(default)]
    tick_size: Option<TickSize>,
    #[serde(default)]
    min_order_size: Option<String>,
    #[serde(default)]
    neg_risk: bool,
    #[serde(default)]
    fee_rate_bps: u32,
    /// V2's platform fee (rate, exponent, taker only, cap); none by default.
    #[serde(default)]
    platform_fee: PlatformFee,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedFund {
    address: String,
    amount: String,
    #[serde(default)]
    split: Vec<SeedSplit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedSplit {
    market: ConditionId,
    amount: String,
}

/// A parsed seed: the commands it stands for, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    /// Markets, deposits and splits.
    pub commands: Vec<Command>,
}

fn units(text: &str, what: &str) -> Result<u64, SeedError> {
    let d: Decimal = text
        .trim()
        .parse()
        .map_err(|_| SeedError::Value(format!("{what} {text:?} is not a decimal number")))?;
    to_base_units(d, "amount").map_err(|e| SeedError::Value(format!("{what}: {e}")))
}

fn address(text: &str) -> Result<Address, SeedError> {
    parse_address(text).map_err(|e| SeedError::Value(e.to_string()))
}

impl Seed {
    /// Parses a seed file's text.
    pub fn parse(text: &str) -> Result<Seed, SeedError> {
        let f: File = toml::from_str(text).map_err(|e| SeedError::Parse(e.to_string()))?;
        Seed::of(f)
    }

    /// The same seed written as JSON (`{"market": [...], "fund": [...]}`), as programs build it
    /// (the Python package's `LocalExchange(seed={...})`).
    pub fn from_json(text: &str) -> Result<Seed, SeedError> {
        let f: File = serde_json::from_str(text).map_err(|e| SeedError::Parse(e.to_string()))?;
        Seed::of(f)
    }

    fn of(f: File) -> Result<Seed, SeedError> {
        let mut commands = Vec::new();
        for m in f.market {
            commands.push(Command::CreateMarket(Box::new(MarketSpec {
                condition_id: m.condition_id,
                tokens: m.tokens,
                outcomes: m.outcomes.unwrap_or_else(|| ["Yes".into(), "No".into()]),
                tick_size: m.tick_size.unwrap_or(TickSize::Hundredth),
                min_order_size: units(
                    m.min_order_size.as_deref().unwrap_or("5"),
                    "min_order_size",
                )?,
                neg_risk: m.neg_risk,
                fee_rate_bps: m.fee_rate_bps,
                platform_fee: m.platform_fee,
            })));
        }
        for f in f.fund {
            let account = address(&f.address)?;
            commands.push(Command::Deposit {
                account,
                amount: units(&f.amount, "amount")?,
            });
            for s in f.split {
                commands.push(Command::Split {
                    account,
                    market: s.market,
                    amount: units(&s.amount, "split amount")?,
                });
            }
        }
        Ok(Seed { commands })
    }

    /// Applies the seed through the journal, in order; stops at the first refusal.
    pub async fn apply(&self, state: &AppState) -> Result<usize, SeedError> {
        for (i, c) in self.commands.iter().enumerate() {
            state
                .engine(c.clone())
                .await
                .map_err(|e| SeedError::Apply(e.message))?
                .map_err(|e| SeedError::Apply(format!("entry {}: {e}", i + 1)))?;
        }
        Ok(self.commands.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_sample_and_refuses_mistakes() {
        let sample = include_str!("../../../examples/markets.toml");
        let s = Seed::parse(sample).unwrap();
        assert!(s.commands.len() >= 4, "{s:?}");
        assert!(matches!(s.commands[0], Command::CreateMarket(_)));
        let Command::CreateMarket(m) = &s.commands[1] else {
            panic!("the second command is the second market: {s:?}");
        };
        assert_eq!(m.platform_fee.rate.ppm(), 20_000, "its V2 platform fee");
        for bad in [
            // a platform fee the contract could not charge, or a misspelt key
            "[[market]]\ncondition_id = \"0x5eed000000000000000000000000000000000000000000000000000000000009\"\ntokens = [\"1\", \"2\"]\nplatform_fee = { rate = \"1.5\" }\n",
            "[[market]]\ncondition_id = \"0x5eed000000000000000000000000000000000000000000000000000000000009\"\ntokens = [\"1\", \"2\"]\nplatform_fee = { rte = \"0.1\" }\n",
            "[[market]]\ncondition_id = \"0x12\"\ntokens = [\"1\", \"2\"]\n",
            "[[fund]]\naddress = \"0xnothex\"\namount = \"5\"\n",
            "[[fund]]\naddress = \"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\"\namount = \"1.0000001\"\n",
            "[[markets]]\n",
            "not toml",
        ] {
            assert!(Seed::parse(bad).is_err(), "{bad}");
        }
    }
}
