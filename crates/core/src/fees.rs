//! V2 platform fees: what the operator charges a fill, in collateral.
//!
//! A V2 order signs no fee. The operator charges each fill at match time, in collateral, with the
//! market's parameters from `GET /clob-markets/{condition_id}` (`fd: {r, e, to}`):
//!
//! ```text
//! fee = shares × r × (p × (1 − p))^e        capped at  cash × maxFeeRateBps / 10 000
//! ```
//!
//! where `p` is the fill's price and `cash` the fill's collateral (what a BUY pays, what a SELL
//! receives). The cap is the V2 exchange contract's only check (`FeeExceedsMaxRate`, default
//! 500 bps). A BUY pays its fee on top of its price; a SELL's fee comes out of its proceeds.
//! With `to` (taker only) makers pay nothing.
//!
//! Decisions where the sources are silent [?]: the fee is floored to 5 decimals of collateral
//! (0.00001, as third-party documentation describes it; never more than the formula), computed
//! exactly in integers; the exponent is at most [`MAX_FEE_EXPONENT`]; when `to` is false makers
//! pay by the same formula at their own price.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::U256;

/// Fees are floored to this many decimals of collateral.
pub const FEE_DECIMALS: u32 = 5;
/// The smallest fee step in base units (`10^(6 − FEE_DECIMALS)`).
const FEE_STEP: u64 = 10;
/// The V2 exchange contract's default `maxFeeRateBps`.
pub const DEFAULT_MAX_FEE_RATE_BPS: u32 = 500;
/// The contract refuses a `maxFeeRateBps` of 10 000 or more.
pub const MAX_FEE_RATE_LIMIT_BPS: u32 = 10_000;
/// The largest fee exponent accepted (production uses 1 and 2).
pub const MAX_FEE_EXPONENT: u8 = 4;
/// Prices in these formulas are in pips of 0.0001.
const PIPS: u64 = 10_000;
/// Millionths in one.
const PPM: u64 = 1_000_000;

/// A fee parameter that cannot be charged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeeError {
    /// The rate is negative, above 1 or finer than a millionth.
    #[error("invalid fee rate {0}: expected a decimal between 0 and 1 with at most 6 decimals")]
    Rate(Decimal),
    /// The exponent is too large.
    #[error("invalid fee exponent {0}: expected an integer from 0 to {MAX_FEE_EXPONENT}")]
    Exponent(u8),
    /// A builder fee rate above [`MAX_BUILDER_FEE_RATE_BPS`].
    #[error("invalid builder fee rate {0} bps: expected at most {MAX_BUILDER_FEE_RATE_BPS}")]
    BuilderRate(u32),
    /// The cap is not below 100 %.
    #[error("invalid max fee rate {0} bps: expected less than {MAX_FEE_RATE_LIMIT_BPS}")]
    MaxRate(u32),
}

/// The platform fee rate `r`, exactly, in millionths (`0.02` is 20 000).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FeeRate(u32);

impl FeeRate {
    /// No fee.
    pub const ZERO: FeeRate = FeeRate(0);

    /// The rate of a decimal in `[0, 1]` with at most 6 decimals.
    pub fn new(rate: Decimal) -> Result<FeeRate, FeeError> {
        let ppm = rate * Decimal::from(PPM);
        if rate.is_sign_negative() || rate > Decimal::ONE || ppm.fract() != Decimal::ZERO {
            return Err(FeeError::Rate(rate));
        }
        u32::try_from(ppm)
            .map(FeeRate)
            .map_err(|_| FeeError::Rate(rate))
    }
    /// The rate in millionths.
    pub fn ppm(self) -> u32 {
        self.0
    }
    /// The rate as a decimal (`0.02`).
    pub fn as_decimal(self) -> Decimal {
        Decimal::new(i64::from(self.0), 6).normalize()
    }
    /// The rate in whole basis points, rounded down (how trade reports state it).
    pub fn bps_floor(self) -> u32 {
        self.0 / 100
    }
}

impl fmt::Display for FeeRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_decimal().fmt(f)
    }
}

impl Serialize for FeeRate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::serde_util::decimal_str::serialize(&self.as_decimal(), s)
    }
}

impl<'de> Deserialize<'de> for FeeRate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FeeRate, D::Error> {
        let rate = crate::serde_util::decimal_str::deserialize(d)?;
        FeeRate::new(rate).map_err(serde::de::Error::custom)
    }
}

/// What one side of a V2 fill pays, in collateral base units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FillFee {
    /// To the operator: the market's platform fee.
    pub platform: u64,
    /// To the builder whose code the order carries.
    pub builder: u64,
}

impl FillFee {
    /// Both together.
    pub fn total(&self) -> u64 {
        self.platform.saturating_add(self.builder)
    }
}

/// The highest builder fee rate accepted, in basis points.
pub const MAX_BUILDER_FEE_RATE_BPS: u32 = 1000;

/// A builder's fee rates (`GET /fees/builder-fees/{code}`): the share of each fill's collateral
/// an order carrying its code pays it, as a maker and as a taker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuilderRates {
    /// As a maker, basis points.
    #[serde(rename = "builder_maker_fee_rate_bps", default)]
    pub maker_bps: u32,
    /// As a taker, basis points.
    #[serde(rename = "builder_taker_fee_rate_bps", default)]
    pub taker_bps: u32,
}

impl BuilderRates {
    /// Checks both rates against [`MAX_BUILDER_FEE_RATE_BPS`].
    pub fn validate(&self) -> Result<(), FeeError> {
        match [self.maker_bps, self.taker_bps]
            .into_iter()
            .find(|&b| b > MAX_BUILDER_FEE_RATE_BPS)
        {
            Some(b) => Err(FeeError::BuilderRate(b)),
            None => Ok(()),
        }
    }
    /// The rate of one role.
    pub fn bps(&self, taker: bool) -> u32 {
        if taker {
            self.taker_bps
        } else {
            self.maker_bps
        }
    }
}

/// A market's V2 platform fee: the formula's parameters and the contract's cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformFee {
    /// `r`: the rate.
    #[serde(default)]
    pub rate: FeeRate,
    /// `e`: the exponent of `p × (1 − p)`.
    #[serde(default = "one")]
    pub exponent: u8,
    /// `to`: only takers pay.
    #[serde(default = "yes")]
    pub taker_only: bool,
    /// The contract's `maxFeeRateBps`: no fill pays more than this share of its collateral.
    #[serde(default = "default_cap")]
    pub max_fee_rate_bps: u32,
}

fn one() -> u8 {
    1
}
fn yes() -> bool {
    true
}
fn default_cap() -> u32 {
    DEFAULT_MAX_FEE_RATE_BPS
}

impl Default for PlatformFee {
    /// No fee (rate 0), exponent 1, takers only, the contract's default cap.
    fn default() -> Self {
        PlatformFee {
            rate: FeeRate::ZERO,
            exponent: 1,
            taker_only: true,
            max_fee_rate_bps: DEFAULT_MAX_FEE_RATE_BPS,
        }
    }
}

impl PlatformFee {
    /// Checks that every fill can be charged (exponent and cap in range).
    pub fn validate(&self) -> Result<(), FeeError> {
        if self.exponent > MAX_FEE_EXPONENT {
            return Err(FeeError::Exponent(self.exponent));
        }
        if self.max_fee_rate_bps >= MAX_FEE_RATE_LIMIT_BPS {
            return Err(FeeError::MaxRate(self.max_fee_rate_bps));
        }
        Ok(())
    }

    /// Whether any fill pays a fee.
    pub fn charges(&self) -> bool {
        self.rate != FeeRate::ZERO && self.max_fee_rate_bps > 0
    }

    /// Whether a fill's maker (`taker == false`) or taker pays.
    pub fn applies_to(&self, taker: bool) -> bool {
        self.charges() && (taker || !self.taker_only)
    }

    /// The fee, in collateral base units, of a fill of `shares` (base units) at `price` (pips of
    /// 0.0001) whose collateral is `cash` base units: the formula floored to [`FEE_DECIMALS`],
    /// then the contract's cap.
    pub fn charge(&self, shares: u64, price: u32, cash: u64) -> u64 {
        if !self.charges() || shares == 0 {
            return 0;
        }
        let p = u64::from(price).min(PIPS);
        // shares × r × (p(1−p))^e with r = ppm / 10⁶ and p = pips / 10⁴, all in one fraction
        let base = U256::from(p * (PIPS - p));
        let num =
            U256::from(shares) * U256::from(self.rate.ppm()) * base.pow(U256::from(self.exponent));
        let den = U256::from(PPM) * U256::from(PIPS * PIPS).pow(U256::from(self.exponent));
        let formula = u64::try_from(num / den).unwrap_or(u64::MAX);
        let floored = formula - formula % FEE_STEP;
        floored.min(self.cap(cash))
    }

    /// The contract's cap on one fill: `cash × maxFeeRateBps / 10 000`, rounded down.
    pub fn cap(&self, cash: u64) -> u64 {
        let c = u128::from(cash) * u128::from(self.max_fee_rate_bps) / 10_000;
        u64::try_from(c).unwrap_or(u64::MAX)
    }

    /// Everything one side of a fill pays (V2): the platform fee if its role pays it, and
    /// `builder_bps` of the fill's collateral (rounded down) to the builder whose code its order
    /// carries; together never more than the contract's cap, the platform's share first.
    pub fn fill_fee(
        &self,
        taker: bool,
        builder_bps: u32,
        shares: u64,
        price: u32,
        cash: u64,
    ) -> FillFee {
        let cap = self.cap(cash);
        let platform = if self.applies_to(taker) {
            self.charge(shares, price, cash)
        } else {
            0
        };
        let builder = u128::from(cash) * u128::from(builder_bps) / 10_000;
        let builder = u64::try_from(builder)
            .unwrap_or(u64::MAX)
            .min(cap - platform);
        FillFee { platform, builder }
    }

    /// The most a resting BUY of `shares` at `price`, carrying a builder code worth
    /// `builder_bps` to makers, can pay as a maker over all its fills. It fills at exactly its
    /// price, and the fee of a part is never more than that of the whole (every term and the cap
    /// are floors of quantities that add up), so this bounds any sequence of partial fills.
    pub fn maker_reserve(&self, builder_bps: u32, shares: u64, price: u32) -> u64 {
        let cash = u128::from(shares) * u128::from(price) / u128::from(PIPS);
        let cash = u64::try_from(cash).unwrap_or(u64::MAX);
        self.fill_fee(false, builder_bps, shares, price, cash)
            .total()
    }

    /// The parameters as `/clob-markets` sends them (`fd`), or `None` for a market without fees.
    pub fn details(&self) -> Option<crate::wire::FeeDetails> {
        self.charges().then(|| crate::wire::FeeDetails {
            r: self.rate.as_decimal(),
            e: self.exponent,
            to: self.taker_only,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fee(rate: &str, e: u8, cap: u32) -> PlatformFee {
        PlatformFee {
            rate: FeeRate::new(rate.parse().unwrap()).unwrap(),
            exponent: e,
            taker_only: true,
            max_fee_rate_bps: cap,
        }
    }

    const ONE: u64 = 1_000_000;

    #[test]
    fn the_formula_in_integers() {
        // 100 shares at 0.50, r = 0.02, e = 1: 100 × 0.02 × 0.25 = 0.5
        assert_eq!(
            fee("0.02", 1, 500).charge(100 * ONE, 5000, 50 * ONE),
            ONE / 2
        );
        // e = 2 at 0.54, r = 0.25: 100 × 0.25 × (0.2484)² = 1.542564 → floored to 1.54256
        assert_eq!(
            fee("0.25", 2, 9999).charge(100 * ONE, 5400, 54 * ONE),
            1_542_560
        );
        // r = 0.0175, e = 1, 10 shares at 0.3: 10 × 0.0175 × 0.21 = 0.03675
        assert_eq!(
            fee("0.0175", 1, 500).charge(10 * ONE, 3000, 3 * ONE),
            36_750
        );
        // zero rate or zero shares: nothing
        assert_eq!(fee("0", 1, 500).charge(100 * ONE, 5000, 50 * ONE), 0);
        assert_eq!(fee("0.02", 1, 500).charge(0, 5000, 0), 0);
    }

    #[test]
    fn capped_like_the_contract() {
        // 100 shares at 0.01, r = 0.25, e = 1: 100 × 0.25 × 0.0099 = 0.2475, but the cap is 5 %
        // of the $1 paid = 0.05
        assert_eq!(fee("0.25", 1, 500).charge(100 * ONE, 100, ONE), ONE / 20);
        assert_eq!(fee("0.25", 1, 0).charge(100 * ONE, 100, ONE), 0);
    }

    #[test]
    fn floors_to_five_decimals() {
        // 1 share at 0.5, r = 0.000004: 0.000001 → 0
        assert_eq!(fee("0.000004", 1, 500).charge(ONE, 5000, ONE / 2), 0);
        // 0.01 share at 0.5, r = 0.2: 0.0005 exactly
        assert_eq!(fee("0.2", 1, 9999).charge(10_000, 5000, 5_000), 500);
    }

    #[test]
    fn the_largest_inputs_do_not_overflow() {
        let f = fee("1", MAX_FEE_EXPONENT, 9999);
        let v = f.charge(u64::MAX, 5000, u64::MAX);
        assert!(v > 0);
    }

    #[test]
    fn a_part_never_pays_more_than_the_whole() {
        let f = PlatformFee {
            taker_only: false,
            ..fee("0.0313", 2, 500)
        };
        for price in [100u32, 2500, 4999, 5000, 7300, 9900] {
            let whole = f.maker_reserve(30, 1_000 * ONE, price);
            let mut parts = 0;
            let mut left = 1_000 * ONE;
            for n in [3 * 10_000u64, 17 * ONE, 250 * ONE + 40_000] {
                let cash = n / 10_000 * u64::from(price);
                parts += f.fill_fee(false, 30, n, price, cash).total();
                left -= n;
            }
            parts += f.maker_reserve(30, left, price);
            assert!(parts <= whole, "price {price}: {parts} > {whole}");
        }
    }

    #[test]
    fn builder_fees_share_the_cap_after_the_platform() {
        let f = fee("0.02", 1, 100);
        // $50 at 0.50, 100 shares: platform $0.50 = the 1 % cap, nothing left for the builder
        let all = f.fill_fee(true, 50, 100 * ONE, 5000, 50 * ONE);
        assert_eq!((all.platform, all.builder), (ONE / 2, 0));
        // at 0.10 under a 5 % cap ($0.50 of $10): platform 100 × 0.02 × 0.09 = $0.18, builder
        // 0.5 % of $10 = $0.05; under a 2 % cap ($0.20) the builder gets the $0.02 left
        let low = fee("0.02", 1, 500).fill_fee(true, 50, 100 * ONE, 1000, 10 * ONE);
        assert_eq!((low.platform, low.builder), (180_000, 50_000));
        let tight = fee("0.02", 1, 200).fill_fee(true, 50, 100 * ONE, 1000, 10 * ONE);
        assert_eq!((tight.platform, tight.builder), (180_000, 20_000));
        // makers of a takers-only market pay only the builder
        let maker = fee("0.02", 1, 500).fill_fee(false, 20, 100 * ONE, 5000, 50 * ONE);
        assert_eq!((maker.platform, maker.builder), (0, 100_000));
        assert!(
            BuilderRates {
                maker_bps: 0,
                taker_bps: 1001
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn rates_are_exact_or_refused() {
        assert_eq!(
            FeeRate::new("0.0175".parse().unwrap()).unwrap().ppm(),
            17_500
        );
        assert_eq!(
            FeeRate::new("0.02".parse().unwrap()).unwrap().to_string(),
            "0.02"
        );
        for bad in ["-0.01", "1.5", "0.0000001"] {
            assert!(FeeRate::new(bad.parse().unwrap()).is_err(), "{bad}");
        }
        let err = fee("0.1", 9, 500).validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid fee exponent 9: expected an integer from 0 to 4"
        );
        assert!(fee("0.1", 1, 10_000).validate().is_err());
    }

    #[test]
    fn serde_reads_numbers_and_strings() {
        let f: PlatformFee = serde_json::from_str(r#"{"rate":0.02,"exponent":2}"#).unwrap();
        assert_eq!(f.rate.ppm(), 20_000);
        assert!(f.taker_only);
        assert_eq!(f.max_fee_rate_bps, 500);
        let g: PlatformFee = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
        assert_eq!(f, g);
        assert!(serde_json::from_str::<PlatformFee>(r#"{"rate":"2"}"#).is_err());
    }
}
