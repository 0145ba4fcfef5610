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

    /// Fails unless `amount` is available.
    fn ensure_available(&self, amount: u64) -> Result<(), LedgerError> {
        if self.available() < amount {
            return Err(LedgerError::Insufficient {
                available: self.available(),
                needed: amount,
            });
        }
        Ok(())
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

/// A resolved (account, asset) pair: indexes straight into the ledger, no hashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Slot {
    /// Interned account.
    pub account: u32,
    /// Interned asset.
    pub asset: u32,
}

/// The collateral's interned asset index (interned first).
pub const COLLATERAL: u32 = 0;

/// All holdings, as a dense table `[account][asset]` over interned accounts and assets. Hot paths
/// resolve a [`Slot`] once and then index; the address-based methods resolve on each call.
#[derive(Debug, Clone)]
pub struct Ledger {
    account_ids: FxHashMap<Address, u32>,
    accounts: Vec<Address>,
    asset_ids: FxHashMap<Asset, u32>,
    assets: Vec<Asset>,
    rows: Vec<Vec<Holding>>,
}

impl Default for Ledger {
    fn default() -> Self {
        let mut l = Ledger {
            account_ids: FxHashMap::default(),
            accounts: Vec::new(),
            asset_ids: FxHashMap::default(),
            assets: Vec::new(),
            rows: Vec::new(),
        };
        l.asset_id(Asset::Collateral);
        l
    }
}

impl Ledger {
    /// The interned index of an account (interned on first sight).
    pub fn account_id(&mut self, account: Address) -> u32 {
        if let Some(&i) = self.account_ids.get(&account) {
            return i;
        }
        let i = self.accounts.len() as u32;
        self.account_ids.insert(account, i);
        self.accounts.push(account);
        self.rows.push(Vec::new());
        i
    }

    /// The interned index of an account, if it was ever seen.
    pub fn find(&self, account: Address) -> Option<u32> {
        self.account_ids.get(&account).copied()
    }

    /// The interned index of an asset (interned on first sight).
    pub fn asset_id(&mut self, asset: Asset) -> u32 {
        if let Some(&i) = self.asset_ids.get(&asset) {
            return i;
        }
        let i = self.assets.len() as u32;
        self.asset_ids.insert(asset, i);
        self.assets.push(asset);
        i
    }

    /// The slot of (account, asset), interning both.
    pub fn slot(&mut self, account: Address, asset: Asset) -> Slot {
        Slot {
            account: self.account_id(account),
            asset: self.asset_id(asset),
        }
    }

    /// The account and asset of a slot.
    pub fn describe(&self, s: Slot) -> (Address, Asset) {
        (
            self.accounts
                .get(s.account as usize)
                .copied()
                .unwrap_or_default(),
            self.assets
                .get(s.asset as usize)
                .copied()
                .unwrap_or(Asset::Collateral),
        )
    }

    /// The holding at a slot.
    pub fn at(&self, s: Slot) -> Holding {
        self.rows
            .get(s.account as usize)
            .and_then(|r| r.get(s.asset as usize))
            .copied()
            .unwrap_or_default()
    }

    fn at_mut(&mut self, s: Slot) -> &mut Holding {
        let (a, i) = (s.account as usize, s.asset as usize);
        if self.rows.len() <= a {
            self.rows.resize_with(a + 1, Vec::new);
        }
        let row = &mut self.rows[a];
        if row.len() <= i {
            row.resize(i + 1, Holding::default());
        }
        &mut row[i]
    }

    /// The holding of `account` in `asset` (zero if none).
    pub fn get(&self, account: Address, asset: Asset) -> Holding {
        match (self.account_ids.get(&account), self.asset_ids.get(&asset)) {
            (Some(&account), Some(&asset)) => self.at(Slot { account, asset }),
            _ => Holding::default(),
        }
    }

    /// Adds to a balance.
    pub fn credit_at(&mut self, s: Slot, amount: u64) -> Result<Holding, LedgerError> {
        let h = self.at_mut(s);
        h.balance = h.balance.checked_add(amount).ok_or(LedgerError::Overflow)?;
        Ok(*h)
    }

    /// Removes from the available balance.
    pub fn debit_available_at(&mut self, s: Slot, amount: u64) -> Result<Holding, LedgerError> {
        let h = self.at_mut(s);
        h.ensure_available(amount)?;
        h.balance -= amount;
        Ok(*h)
    }

    /// Reserves part of the available balance.
    pub fn reserve_at(&mut self, s: Slot, amount: u64) -> Result<Holding, LedgerError> {
        let h = self.at_mut(s);
        h.ensure_available(amount)?;
        h.reserved += amount;
        Ok(*h)
    }

    /// Releases a reservation (never below zero).
    pub fn release_at(&mut self, s: Slot, amount: u64) -> Holding {
        let h = self.at_mut(s);
        h.reserved = h.reserved.saturating_sub(amount);
        *h
    }

    /// Spends reserved balance: both the reservation and the balance go down.
    pub fn spend_reserved_at(&mut self, s: Slot, amount: u64) -> Result<Holding, LedgerError> {
        let h = self.at_mut(s);
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

    /// [`credit_at`](Self::credit_at) by address.
    pub fn credit(
        &mut self,
        account: Address,
        asset: Asset,
        amount: u64,
    ) -> Result<Holding, LedgerError> {
        let s = self.slot(account, asset);
        self.credit_at(s, amount)
    }

    /// [`debit_available_at`](Self::debit_available_at) by address.
    pub fn debit_available(
        &mut self,
        account: Address,
        asset: Asset,
        amount: u64,
    ) -> Result<Holding, LedgerError> {
        let s = self.slot(account, asset);
        self.debit_available_at(s, amount)
    }

    fn each(&self) -> impl Iterator<Item = ((Address, Asset), Holding)> + '_ {
        self.rows.iter().enumerate().flat_map(move |(a, row)| {
            row.iter()
                .enumerate()
                .map(move |(i, h)| ((self.accounts[a], self.assets[i]), *h))
        })
    }

    /// Every non-zero holding, sorted (for snapshots and hashes).
    pub fn sorted(&self) -> BTreeMap<(Address, Asset), Holding> {
        self.each()
            .filter(|(_, h)| h.balance != 0 || h.reserved != 0)
            .collect()
    }

    /// Every holding of `asset` with a non-zero balance, by account.
    pub fn holders(&self, asset: Asset) -> Vec<(Address, Holding)> {
        let mut v: Vec<_> = self
            .each()
            .filter(|((_, a), h)| *a == asset && h.balance > 0)
            .map(|((acc, _), h)| (acc, h))
            .collect();
        v.sort_by_key(|(a, _)| *a);
        v
    }

    /// Sum of balances of one asset over all accounts.
    pub fn total(&self, asset: Asset) -> u128 {
        self.each()
            .filter(|((_, a), _)| *a == asset)
            .map(|(_, h)| u128::from(h.balance))
            .sum()
    }

    /// Rebuilds a ledger from sorted holdings, interning `first` (the operator) first.
    pub fn from_sorted(first: Address, h: BTreeMap<(Address, Asset), Holding>) -> Ledger {
        let mut l = Ledger::default();
        l.account_id(first);
        for ((a, asset), v) in h {
            let s = l.slot(a, asset);
            *l.at_mut(s) = v;
        }
        l
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
        let s = l.slot(a, Asset::Collateral);
        l.credit(a, Asset::Collateral, 100).unwrap();
        l.reserve_at(s, 60).unwrap();
        assert_eq!(l.get(a, Asset::Collateral).available(), 40);
        assert!(l.reserve_at(s, 41).is_err());
        assert!(l.debit_available(a, Asset::Collateral, 41).is_err());
        l.spend_reserved_at(s, 10).unwrap();
        assert_eq!(
            l.at(s),
            Holding {
                balance: 90,
                reserved: 50
            }
        );
        l.release_at(s, 50);
        assert_eq!(l.get(a, Asset::Collateral).available(), 90);
        assert_eq!(l.describe(s), (a, Asset::Collateral));
    }
}
