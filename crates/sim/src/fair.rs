//! The fair value of a market's first token: a random walk on the tick grid with occasional
//! jumps, in whole ticks (integers), reproducible from its seed.

use clobkit_core::Decimal;
use clobkit_core::types::TickSize;
use rand::RngExt as _;
use rand_pcg::Pcg64Mcg;

use crate::config::MarketSim;

/// A market's fair value process.
#[derive(Debug, Clone)]
pub struct FairWalk {
    rng: Pcg64Mcg,
    /// The fair value, in ticks.
    ticks: u32,
    /// Ticks in one unit of price (100 for 0.01).
    per_unit: u32,
    tick: TickSize,
    volatility: u32,
    jump_per_mille: u32,
    jump: u32,
}

impl FairWalk {
    /// The process of `m`, from `rng`.
    pub fn new(m: &MarketSim, rng: Pcg64Mcg) -> FairWalk {
        let tick = m.tick_size.as_decimal();
        let per_unit = u32::try_from((Decimal::ONE / tick).trunc()).unwrap_or(100);
        let ticks = u32::try_from((m.fair / tick).trunc()).unwrap_or(per_unit / 2);
        FairWalk {
            rng,
            ticks,
            per_unit,
            tick: m.tick_size,
            volatility: m.volatility_ticks,
            jump_per_mille: m.jump_per_mille,
            jump: m.jump_ticks,
        }
    }

    /// One step; returns the new fair value.
    pub fn step(&mut self) -> Decimal {
        let v = i64::from(self.volatility);
        let mut delta = if v > 0 {
            self.rng.random_range(-v..=v)
        } else {
            0
        };
        if self.jump_per_mille > 0 && self.rng.random_range(0..1000) < self.jump_per_mille {
            let j = i64::from(self.jump);
            delta += if self.rng.random_range(0..2) == 0 {
                j
            } else {
                -j
            };
        }
        // a fair value stays at least two ticks inside (0, 1), so quotes around it fit
        let lo = 2i64;
        let hi = i64::from(self.per_unit) - 2;
        self.ticks = u32::try_from((i64::from(self.ticks) + delta).clamp(lo, hi.max(lo)))
            .unwrap_or(self.ticks);
        self.value()
    }

    /// The fair value now.
    pub fn value(&self) -> Decimal {
        Decimal::from(self.ticks) * self.tick.as_decimal()
    }

    /// The fair value in ticks.
    pub fn ticks(&self) -> u32 {
        self.ticks
    }

    /// Ticks in one unit of price.
    pub fn per_unit(&self) -> u32 {
        self.per_unit
    }
}
