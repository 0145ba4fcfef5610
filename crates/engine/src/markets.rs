//! Markets and balances: creating, closing and resolving markets, splitting and merging
//! outcome sets, and moving trades through settlement.

use std::collections::BTreeSet;

use clobkit_core::Address;
use clobkit_core::types::{ConditionId, TokenId};
use clobkit_core::wire::TradeStatus;

use crate::book::Book;
use crate::engine::{CommandError, Engine, MarketState};
use crate::event::{CancelReason, Event};
use crate::ledger::LedgerError;
use crate::settlement::may_move;
use crate::types::{Asset, MAX_FEE_RATE_BPS, MarketSpec, MarketStatus, OwnerId, TradeId};

impl Engine {
    pub(crate) fn create_market(
        &mut self,
        spec: &MarketSpec,
        out: &mut Vec<Event>,
    ) -> Result<(), CommandError> {
        if self.market_by_condition.contains_key(&spec.condition_id) {
            return Err(CommandError::MarketExists(spec.condition_id));
        }
        if spec.tokens[0] == spec.tokens[1] {
            return Err(CommandError::InvalidMarket(
                "the two outcome tokens must differ".into(),
            ));
        }
        if let Some(t) = spec
            .tokens
            .iter()
            .find(|t| self.market_by_token.contains_key(t))
        {
            return Err(CommandError::InvalidMarket(format!(
                "token {t} belongs to another market"
            )));
        }
        if spec.fee_rate_bps > MAX_FEE_RATE_BPS {
            return Err(CommandError::InvalidMarket(format!(
                "fee rate {} bps is above the maximum {MAX_FEE_RATE_BPS}",
                spec.fee_rate_bps
            )));
        }
        spec.platform_fee
            .validate()
            .map_err(|e| CommandError::InvalidMarket(e.to_string()))?;
        let mi = u32::try_from(self.markets.len())
            .map_err(|_| CommandError::InvalidMarket("too many markets".into()))?;
        self.markets.push(MarketState {
            spec: spec.clone(),
            status: MarketStatus::Open,
            book: Book::default(),
            assets: [
                self.ledger.asset_id(Asset::Token(spec.tokens[0])),
                self.ledger.asset_id(Asset::Token(spec.tokens[1])),
            ],
            last_trade: None,
            owners: BTreeSet::new(),
        });
        self.market_by_condition.insert(spec.condition_id, mi);
        self.market_by_token.insert(spec.tokens[0], (mi, true));
        self.market_by_token.insert(spec.tokens[1], (mi, false));
        out.push(Event::Market {
            market: spec.condition_id,
        });
        Ok(())
    }

    fn open_market(&self, market: &ConditionId) -> Result<u32, CommandError> {
        let mi = self.market_index(market)?;
        if self.markets[mi as usize].status != MarketStatus::Open {
            return Err(CommandError::MarketNotOpen(*market));
        }
        Ok(mi)
    }

    /// The two tokens of an open market, for a split or merge of a positive `amount`.
    fn set_tokens(&self, market: &ConditionId, amount: u64) -> Result<[TokenId; 2], CommandError> {
        let mi = self.open_market(market)?;
        if amount == 0 {
            return Err(CommandError::ZeroAmount);
        }
        Ok(self.markets[mi as usize].spec.tokens)
    }

    pub(crate) fn split(
        &mut self,
        account: Address,
        market: &ConditionId,
        amount: u64,
        out: &mut Vec<Event>,
    ) -> Result<(), CommandError> {
        let [a, b] = self.set_tokens(market, amount)?;
        let h = self
            .ledger
            .debit_available(account, Asset::Collateral, amount)?;
        self.push_balance(account, Asset::Collateral, h, out);
        for t in [a, b] {
            let h = self.ledger.credit(account, Asset::Token(t), amount)?;
            self.push_balance(account, Asset::Token(t), h, out);
        }
        Ok(())
    }

    pub(crate) fn merge(
        &mut self,
        account: Address,
        market: &ConditionId,
        amount: u64,
        out: &mut Vec<Event>,
    ) -> Result<(), CommandError> {
        let [a, b] = self.set_tokens(market, amount)?;
        let (ha, hb) = (
            self.ledger.get(account, Asset::Token(a)),
            self.ledger.get(account, Asset::Token(b)),
        );
        let needed = amount;
        if ha.available() < needed || hb.available() < needed {
            return Err(LedgerError::Insufficient {
                available: ha.available().min(hb.available()),
                needed,
            }
            .into());
        }
        for t in [a, b] {
            let h = self
                .ledger
                .debit_available(account, Asset::Token(t), amount)?;
            self.push_balance(account, Asset::Token(t), h, out);
        }
        let h = self.ledger.credit(account, Asset::Collateral, amount)?;
        self.push_balance(account, Asset::Collateral, h, out);
        Ok(())
    }

    pub(crate) fn resolve(
        &mut self,
        market: &ConditionId,
        winner: TokenId,
        out: &mut Vec<Event>,
    ) -> Result<(), CommandError> {
        let mi = self.market_index(market)?;
        let m = &self.markets[mi as usize];
        if !m.spec.tokens.contains(&winner) {
            return Err(CommandError::InvalidMarket(format!(
                "token {winner} is not an outcome of market {market}"
            )));
        }
        if matches!(m.status, MarketStatus::Resolved { .. }) {
            return Err(CommandError::MarketNotOpen(*market));
        }
        self.cancel_market_orders(mi, CancelReason::MarketResolved, out);
        let m = &mut self.markets[mi as usize];
        m.status = MarketStatus::Resolved { winner };
        let tokens = m.spec.tokens;
        let owners: Vec<OwnerId> = m.owners.iter().copied().collect();
        // Redeem: the winner at 1 collateral, the loser at 0.
        for t in tokens {
            for (account, h) in self.ledger.holders(Asset::Token(t)) {
                let after = self
                    .ledger
                    .debit_available(account, Asset::Token(t), h.balance)?;
                self.push_balance(account, Asset::Token(t), after, out);
                if t == winner {
                    let c = self.ledger.credit(account, Asset::Collateral, h.balance)?;
                    self.push_balance(account, Asset::Collateral, c, out);
                }
            }
        }
        for owner in owners {
            self.notify(owner, 4, None, mi, None, out);
        }
        out.push(Event::Market { market: *market });
        Ok(())
    }

    pub(crate) fn advance_trade(
        &mut self,
        trade: TradeId,
        to: TradeStatus,
        out: &mut Vec<Event>,
    ) -> Result<(), CommandError> {
        let from = self
            .trades
            .status(trade)
            .ok_or(CommandError::UnknownTrade(trade.0))?;
        if !may_move(&from, &to) {
            return Err(CommandError::BadTransition {
                trade: trade.0,
                from,
                to,
            });
        }
        self.trades.set(trade, to.clone());
        out.push(Event::TradeStatusChanged { trade, status: to });
        Ok(())
    }
}
