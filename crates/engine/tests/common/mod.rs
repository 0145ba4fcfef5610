//! Helpers shared by the engine's tests: a market, accounts and order builders.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs
)]

use clobkit_core::types::{ConditionId, OrderId, OrderType, Side, TokenId};
use clobkit_core::{Address, B256};
use clobkit_engine::*;

pub const YES: u64 = 1;
pub const NO: u64 = 2;

pub fn tok(t: u64) -> TokenId {
    TokenId::from(t)
}

pub fn cond() -> ConditionId {
    ConditionId(B256::repeat_byte(0xc0))
}

pub fn acct(n: u8) -> Address {
    Address::repeat_byte(n)
}

pub fn owner(n: u8) -> Owner {
    Owner::new(&format!("key-{n}"))
}

pub const OPERATOR: u8 = 0xfe;

pub fn spec(fee: u32, min: u64) -> MarketSpec {
    MarketSpec {
        min_order_size: min,
        fee_rate_bps: fee,
        ..MarketSpec::yes_no(cond(), tok(YES), tok(NO))
    }
}

pub struct T {
    pub e: Engine,
    pub now: u64,
    next_id: u64,
    /// How the orders it builds pay fees (V1 signed, V2 by the operator).
    fees: FeeBasis,
}

impl T {
    /// A V1 market whose orders sign `fee` bps.
    pub fn new(fee: u32) -> T {
        T::with_market(spec(fee, 5 * ONE), FeeBasis::Signed)
    }
    /// A V2 market charging `platform_fee`, with V2 orders.
    pub fn v2(platform_fee: clobkit_core::fees::PlatformFee) -> T {
        let spec = MarketSpec {
            platform_fee,
            ..spec(0, 5 * ONE)
        };
        T::with_market(spec, FeeBasis::Operator)
    }
    fn with_market(spec: MarketSpec, fees: FeeBasis) -> T {
        let mut t = T {
            e: Engine::new(acct(OPERATOR)),
            now: 1_000_000,
            next_id: 1,
            fees,
        };
        t.ok(Command::CreateMarket(Box::new(spec)));
        t
    }
    pub fn ok(&mut self, c: Command) -> Vec<Event> {
        self.e
            .apply(&Stamped {
                now: self.now,
                command: c,
            })
            .expect("command")
    }
    pub fn fund(&mut self, n: u8, usdc: u64) {
        self.ok(Command::Deposit {
            account: acct(n),
            amount: usdc * ONE,
        });
    }
    pub fn fund_tokens(&mut self, n: u8, sets: u64) {
        self.fund(n, sets);
        self.ok(Command::Split {
            account: acct(n),
            market: cond(),
            amount: sets * ONE,
        });
    }
    pub fn id(&mut self) -> OrderId {
        self.next_id += 1;
        OrderId(B256::left_padding_from(&self.next_id.to_be_bytes()))
    }
    /// A limit order: `shares` in hundredths, `price` in pips.
    pub fn limit(
        &mut self,
        n: u8,
        token: u64,
        side: Side,
        price_pips: u64,
        hundredths: u64,
    ) -> OrderSpec {
        let shares = hundredths * LOT;
        let coll = hundredths * price_pips;
        let (maker_amount, taker_amount) = match side {
            Side::Buy => (coll, shares),
            Side::Sell => (shares, coll),
        };
        let fee = self
            .e
            .market(&cond())
            .map(|m| m.spec.fee_rate_bps)
            .unwrap_or(0);
        OrderSpec {
            terms: OrderTerms {
                id: self.id(),
                maker: acct(n),
                token: tok(token),
                side,
                maker_amount,
                taker_amount,
                fee_rate_bps: fee,
                fees: self.fees,
                builder: B256::ZERO,
                order_type: OrderType::Gtc,
                expiration: 0,
            },
            owner: owner(n),
            post_only: false,
        }
    }
    pub fn market_order(
        &mut self,
        n: u8,
        token: u64,
        side: Side,
        amount: u64,
        other: u64,
        ty: OrderType,
    ) -> OrderSpec {
        let mut s = self.limit(n, token, side, 5000, 100);
        s.terms.maker_amount = amount;
        s.terms.taker_amount = other;
        s.terms.order_type = ty;
        s
    }
    pub fn place(&mut self, s: OrderSpec) -> Vec<Event> {
        self.ok(Command::Place(Box::new(s)))
    }
    pub fn coll(&self, n: u8) -> Holding {
        self.e.holding(acct(n), Asset::Collateral)
    }
    pub fn shares(&self, n: u8, token: u64) -> Holding {
        self.e.holding(acct(n), Asset::Token(tok(token)))
    }
    /// Collateral + full sets (= min over… no: supply of YES equals supply of NO) must equal deposits.
    pub fn assert_conserved(&self, deposits: u128) {
        let coll = self.e.total(Asset::Collateral);
        let yes = self.e.total(Asset::Token(tok(YES)));
        let no = self.e.total(Asset::Token(tok(NO)));
        let resolved = matches!(
            self.e.market(&cond()).map(|m| m.status),
            Some(MarketStatus::Resolved { .. })
        );
        if !resolved {
            assert_eq!(yes, no, "YES and NO supplies must stay equal (sets)");
        }
        assert_eq!(
            coll + if resolved { 0 } else { yes },
            deposits,
            "collateral + sets = deposits"
        );
        assert!(!self.e.any_crossed(), "book crossed");
    }
}

use clobkit_engine::ledger::Holding;

pub fn rejected(ev: &[Event]) -> Option<Reject> {
    ev.iter().find_map(|e| match e {
        Event::OrderRejected { reason, .. } => Some(reason.clone()),
        _ => None,
    })
}

pub fn trades(ev: &[Event]) -> Vec<Trade> {
    ev.iter()
        .filter_map(|e| match e {
            Event::Trade(t) => Some((**t).clone()),
            _ => None,
        })
        .collect()
}

pub fn accepted(ev: &[Event]) -> Option<(u64, u64, bool)> {
    ev.iter().find_map(|e| match e {
        Event::OrderAccepted {
            making,
            taking,
            rests,
            ..
        } => Some((*making, *taking, *rests)),
        _ => None,
    })
}
