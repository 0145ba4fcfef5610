//! Balances and reservations per funder address.
//!
//! Every account holds collateral and outcome tokens, in base units. Open orders reserve what they
//! may spend; a new order needs `balance − reserved`. Nothing is created or destroyed except by
//! deposits, withdrawals and resolution: matching only moves value, mints full sets from
//! collateral or merges them back.

use std::collections::BTreeMap;

use clobkit_core::Address;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::types::Asset;

/// One account's holding of one asset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holding {
    /// Total held.
    pub balance: u64,
    /// Part of `balance` promised to open orders.
    pub reserved: u64,
}

impl Holding {
    /// What new orders may use.
    pub fn available(&self) -> u64 {
        self.balance.saturating_sub(self.reserved)
    }
}

/// A balance operation that would go below zero or overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// Not enough available (unreserved) balance.
    #[error("not enough balance: {available} available, {needed} needed")]
    Insufficient {
        /// What is available.
        available: u64,
        /// What was asked for.
        needed: u64,
    },
    /// A balance would exceed `u64::MAX`.
    #[error("balance overflow")]
    Overflow,
}

/// All holdings.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    holdings: FxHashMap<(Address, Asset), Holding>,
}

impl Ledger {
    /// The holding of `account` in `asset` (zero if none).
    pub fn get(&self, account: Address, asset: Asset) -> Holding {
        self.holdings
            .get(&(account, asset))
            .copied()
            .unwrap_or_default()
    }

    fn entry(&mut self, account: Address, asset: Asset) -> &mut Holding {
        self.holdings.entry((account, asset)).or_default()
    }

    /// Adds to a balance.
    pub fn credit(
        &mut self,
        account: Address,
        asset: Asset,
        amount: u64,
    ) -> Result<Holding, LedgerError> {
        let h = self.entry(account, asset);
        h.balance = h.balance.checked_add(amount).ok_or(LedgerError::Overflow)?;
        Ok(*h)
    }

    /// Removes from the available balance.
    pub fn debit_available(
        &mut self,
        account: Address,
        asset: Asset,
        amount: u64,
    ) -> Result<Holding, LedgerError> {
        let h = self.entry(account, asset);
        if h.available() < amount {
            return Err(LedgerError::Insufficient {
                available: h.available(),
                needed: amount,
            });
        }
        h.balance -= amount;
        Ok(*h)
    }

    /// Reserves part of the available balance.
    pub fn reserve(
        &mut self,
        account: Address,
        asset: Asset,
        amount: u64,
    ) -> Result<Holding, LedgerError> {
        let h = self.entry(account, asset);
        if h.available() < amount {
            return Err(LedgerError::Insufficient {
                available: h.available(),
                needed: amount,
            });
        }
        h.reserved += amount;
        Ok(*h)
    }

    /// Releases a reservation (never below zero).
    pub fn release(&mut self, account: Address, asset: Asset, amount: u64) -> Holding {
        let h = self.entry(account, asset);
        h.reserved = h.reserved.saturating_sub(amount);
        *h
    }

    /// Spends reserved balance: both the reservation and the balance go down.
    pub fn spend_reserved(
        &mut self,
        account: Address,
        asset: Asset,
        amount: u64,
    ) -> Result<Holding, LedgerError> {
        let h = self.entry(account, asset);
        if h.reserved < amount || h.balance < amount {
            return Err(LedgerError::Insufficient {
                available: h.reserved.min(h.balance),
                needed: amount,
            });
        }
        h.reserved -= amount;
        h.balance -= amount;
        Ok(*h)
    }

    /// Every non-zero holding, sorted (for snapshots and hashes).
    pub fn sorted(&self) -> BTreeMap<(Address, Asset), Holding> {
        self.holdings
            .iter()
            .filter(|(_, h)| h.balance != 0 || h.reserved != 0)
            .map(|(k, v)| (*k, *v))
            .collect()
    }

    /// Every holding of `asset` with a non-zero balance.
    pub fn holders(&self, asset: Asset) -> Vec<(Address, Holding)> {
        let mut v: Vec<_> = self
            .holdings
            .iter()
            .filter(|((_, a), h)| *a == asset && h.balance > 0)
            .map(|((acc, _), h)| (*acc, *h))
            .collect();
        v.sort_by_key(|(a, _)| *a);
        v
    }

    /// Sum of balances of one asset over all accounts.
    pub fn total(&self, asset: Asset) -> u128 {
        self.holdings
            .iter()
            .filter(|((_, a), _)| *a == asset)
            .map(|(_, h)| u128::from(h.balance))
            .sum()
    }

    /// Rebuilds a ledger from sorted holdings.
    pub fn from_sorted(h: BTreeMap<(Address, Asset), Holding>) -> Ledger {
        Ledger {
            holdings: h.into_iter().collect(),
        }
    }
}

/// Fees of one fill, as the CTF Exchange computes them (`CalculatorHelper.calculateFee`), in the
/// asset the order receives, floor division throughout.
///
/// * BUY receiving `tokens` for `usdc`: `bps/10⁴ · min(p, 1−p) · tokens / p` tokens, with
///   `p = usdc / tokens`, i.e. `bps · min(usdc, tokens − usdc) · tokens / (usdc · 10⁴)`.
/// * SELL giving `tokens` for `usdc`: `bps/10⁴ · min(p, 1−p) · tokens` collateral, i.e.
///   `bps · min(usdc, tokens − usdc) / 10⁴`.
pub fn fee(buy: bool, bps: u32, tokens: u64, usdc: u64) -> u64 {
    if bps == 0 || tokens == 0 || usdc == 0 {
        return 0;
    }
    let m = u128::from(usdc.min(tokens.saturating_sub(usdc)));
    let bps = u128::from(bps);
    let f = if buy {
        bps * m * u128::from(tokens) / (u128::from(usdc) * 10_000)
    } else {
        bps * m / 10_000
    };
    u64::try_from(f).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CTF Exchange documentation's worked examples at 2 %.
    #[test]
    fn reference_fee_examples() {
        let one = 1_000_000u64;
        assert_eq!(fee(true, 200, 100 * one, 50 * one), 2 * one); // BUY 100 @ 0.50 → 2 tokens
        assert_eq!(fee(true, 200, 100 * one, 10 * one), 2 * one); // BUY 100 @ 0.10 → 2 tokens
        assert_eq!(fee(true, 200, 100 * one, 90 * one), 222_222); // BUY 100 @ 0.90 → 0.222 tokens
        assert_eq!(fee(false, 200, 100 * one, 90 * one), 200_000); // SELL 100 @ 0.90 → $0.20
        assert_eq!(fee(false, 0, 100 * one, 90 * one), 0);
    }

    #[test]
    fn reservations() {
        let mut l = Ledger::default();
        let a = Address::repeat_byte(1);
        l.credit(a, Asset::Collateral, 100).unwrap();
        l.reserve(a, Asset::Collateral, 60).unwrap();
        assert_eq!(l.get(a, Asset::Collateral).available(), 40);
        assert!(l.reserve(a, Asset::Collateral, 41).is_err());
        assert!(l.debit_available(a, Asset::Collateral, 41).is_err());
        l.spend_reserved(a, Asset::Collateral, 10).unwrap();
        assert_eq!(
            l.get(a, Asset::Collateral),
            Holding {
                balance: 90,
                reserved: 50
            }
        );
        l.release(a, Asset::Collateral, 50);
        assert_eq!(l.get(a, Asset::Collateral).available(), 90);
    }
}
