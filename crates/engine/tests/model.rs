//! Property tests: random command sequences against a small, obviously-correct reference model.
//!
//! The model keeps resting orders in a plain `Vec` and matches by sorting the crossing ones by
//! (price best-first, acceptance order) and scanning. After every command the engine must agree
//! with it on every trade (maker, size, price) and on the book, and must keep its invariants:
//! value conserved, YES and NO supplies equal, no crossed book, reservations exactly what the
//! resting orders need, a rejected order changes nothing, every fee is the formula's (V1: the CTF
//! formula in what the order receives; V2: the platform fee in collateral, all of it collected by
//! the operator). At the end, snapshot → restore and a replay from scratch must give the same
//! state hash.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::collections::BTreeMap;

use clobkit_core::fees::{BuilderRates, FeeRate, FillFee, PlatformFee};
use clobkit_core::types::{OrderId, OrderType, Side, TickSize};
use clobkit_core::{Address, B256};
use clobkit_engine::*;
use common::{acct, cond, owner, tok};
use proptest::prelude::*;

const ACCOUNTS: u8 = 4;
const START: u64 = 1_000_000;

#[derive(Debug, Clone)]
enum Op {
    Limit {
        who: u8,
        yes: bool,
        side: Side,
        price: u32,
        lots: u64,
        gtd: Option<u64>,
        post_only: bool,
    },
    Market {
        who: u8,
        yes: bool,
        side: Side,
        worst: u32,
        amount_lots: u64,
        fok: bool,
    },
    Cancel {
        who: u8,
        pick: usize,
    },
    CancelAll {
        who: u8,
    },
    Wait {
        secs: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let who = 1..=ACCOUNTS;
    let side = prop::sample::select(vec![Side::Buy, Side::Sell]);
    prop_oneof![
        6 => (who.clone(), any::<bool>(), side.clone(), 35u32..=65, 1u64..=20, prop::option::weighted(0.2, 61u64..200), prop::bool::weighted(0.1))
            .prop_map(|(who, yes, side, p, lots, gtd, post_only)| Op::Limit { who, yes, side, price: p * 100, lots: lots * 100, gtd, post_only }),
        2 => (who.clone(), any::<bool>(), side, 30u32..=70, 1u64..=30, any::<bool>())
            .prop_map(|(who, yes, side, p, lots, fok)| Op::Market { who, yes, side, worst: p * 100, amount_lots: lots * 100, fok }),
        2 => (who.clone(), any::<usize>()).prop_map(|(who, pick)| Op::Cancel { who, pick }),
        1 => who.prop_map(|who| Op::CancelAll { who }),
        1 => (1u64..90).prop_map(|secs| Op::Wait { secs }),
    ]
}

#[derive(Debug, Clone)]
struct MOrder {
    id: OrderId,
    seq: u64,
    who: u8,
    yes: bool,
    side: Side,
    price: u32,
    remaining: u64,
    expires_at: Option<u64>,
}

impl MOrder {
    fn is_bid(&self) -> bool {
        (self.yes && self.side == Side::Buy) || (!self.yes && self.side == Side::Sell)
    }
    fn yes_price(&self) -> u32 {
        if self.yes {
            self.price
        } else {
            10_000 - self.price
        }
    }
    fn reservation(&self, fees: &Fees) -> (Asset, u64) {
        match self.side {
            Side::Buy => (
                Asset::Collateral,
                self.remaining / LOT * u64::from(self.price)
                    + match fees {
                        Fees::V1(_) => 0,
                        Fees::V2(f) => f.maker_reserve(
                            builder_rates(self.who).maker_bps,
                            self.remaining,
                            self.price,
                        ),
                    },
            ),
            Side::Sell => (
                Asset::Token(tok(if self.yes { 1 } else { 2 })),
                self.remaining,
            ),
        }
    }
}

/// The model's answer to one taker: the makers it trades with, in order, and how much.
fn model_match(book: &[MOrder], spec: &OrderSpec, yes: bool) -> Vec<(OrderId, u64, u32)> {
    let takes_bids =
        (yes && spec.terms.side == Side::Sell) || (!yes && spec.terms.side == Side::Buy);
    let mut cands: Vec<&MOrder> = book.iter().filter(|o| o.is_bid() == takes_bids).collect();
    cands.sort_by_key(|o| {
        (
            if takes_bids {
                10_000 - o.yes_price()
            } else {
                o.yes_price()
            },
            o.seq,
        )
    });
    let in_coll = spec.terms.side == Side::Buy && !spec.terms.order_type.rests();
    let mut left = if in_coll {
        spec.terms.maker_amount
    } else {
        spec.terms.shares()
    };
    let (m, t) = (
        u128::from(spec.terms.maker_amount),
        u128::from(spec.terms.taker_amount),
    );
    let mut out = Vec::new();
    for o in cands {
        let eff = if yes {
            o.yes_price()
        } else {
            10_000 - o.yes_price()
        };
        let e = u128::from(eff);
        let crosses = match spec.terms.side {
            Side::Buy => e * t <= m * 10_000,
            Side::Sell => e * m >= t * 10_000,
        };
        if !crosses {
            break;
        }
        let n = if in_coll {
            o.remaining.min(left / u64::from(eff) * LOT)
        } else {
            o.remaining.min(left)
        };
        if n == 0 {
            break;
        }
        let maker_coll = n / LOT * u64::from(o.price);
        let coll = if o.yes == yes {
            maker_coll
        } else {
            n - maker_coll
        };
        left -= if in_coll { coll } else { n };
        out.push((o.id, n, eff));
        if left == 0 {
            break;
        }
    }
    out
}

/// The market's fee: a V1 signed rate, or a V2 platform fee.
#[derive(Debug, Clone, Copy)]
enum Fees {
    V1(u32),
    V2(PlatformFee),
}

fn platform(rate: &str, exponent: u8, taker_only: bool, cap: u32) -> Fees {
    Fees::V2(PlatformFee {
        rate: FeeRate::new(rate.parse().unwrap()).unwrap(),
        exponent,
        taker_only,
        max_fee_rate_bps: cap,
    })
}

/// The builder code accounts 1 and 2 sign in V2 markets (3 and 4 sign none), and its terms.
fn builder_code(who: u8) -> B256 {
    if who <= 2 {
        B256::repeat_byte(0xb1)
    } else {
        B256::ZERO
    }
}
const BUILDER: u8 = 0xb0;
fn builder_rates(who: u8) -> BuilderRates {
    if who <= 2 {
        BuilderRates {
            maker_bps: 30,
            taker_bps: 50,
        }
    } else {
        BuilderRates::default()
    }
}

fn fee_cases() -> Vec<Fees> {
    vec![
        Fees::V1(0),
        Fees::V1(100),
        Fees::V1(1000),
        platform("0.02", 1, true, 500),
        platform("0.0313", 2, false, 500),
        // the cap binds on most fills
        platform("0.25", 1, false, 100),
    ]
}

struct World {
    e: Engine,
    fees: Fees,
    /// V2 platform fees the trades reported (all collateral, all the operator's).
    v2_fees: u64,
    /// V2 builder fees the trades reported (all the builder's).
    builder_fees: u64,
    model: Vec<MOrder>,
    now: u64,
    next: u64,
    seq: u64,
    deposits: u128,
    log: Vec<Stamped>,
}

impl World {
    fn new(fees: Fees) -> World {
        let mut w = World {
            e: Engine::new(acct(0xfe)),
            fees,
            v2_fees: 0,
            builder_fees: 0,
            model: Vec::new(),
            now: 1_000_000,
            next: 0,
            seq: 0,
            deposits: 0,
            log: Vec::new(),
        };
        let mut spec = match fees {
            Fees::V1(bps) => common::spec(bps, LOT),
            Fees::V2(platform_fee) => MarketSpec {
                platform_fee,
                ..common::spec(0, LOT)
            },
        };
        spec.tick_size = TickSize::Hundredth;
        w.run(Command::CreateMarket(Box::new(spec))).unwrap();
        if let Fees::V2(_) = fees {
            let builder = Builder {
                address: acct(BUILDER),
                rates: builder_rates(1),
            };
            w.run(Command::RegisterBuilder {
                code: builder_code(1),
                builder,
            })
            .unwrap();
        }
        for who in 1..=ACCOUNTS {
            w.run(Command::Deposit {
                account: acct(who),
                amount: 2 * START * ONE / 100,
            })
            .unwrap();
            w.run(Command::Split {
                account: acct(who),
                market: cond(),
                amount: START * ONE / 100,
            })
            .unwrap();
            w.deposits += u128::from(2 * START * ONE / 100);
        }
        w
    }

    fn run(&mut self, command: Command) -> Result<Vec<Event>, CommandError> {
        let c = Stamped {
            now: self.now,
            command,
        };
        self.log.push(c.clone());
        self.e.apply(&c)
    }

    fn expire_model(&mut self) {
        let now = self.now;
        self.model
            .retain(|o| o.expires_at.is_none_or(|at| at > now));
    }

    fn place(&mut self, spec: OrderSpec, yes: bool, price: u32) {
        // what a do-nothing command at this time would leave (expiry only)
        let mut idle = self.e.clone();
        idle.apply(&Stamped {
            now: self.now,
            command: Command::Tick,
        })
        .unwrap();
        self.expire_model();
        let expected = model_match(&self.model, &spec, yes);
        // the refusal found without changing anything is the one applying gives
        let predicted = self.e.refusal(&spec, self.now);
        let expiries_due = self.e.next_expiry().is_some_and(|at| at <= self.now);
        let ev = self.run(Command::Place(Box::new(spec.clone()))).unwrap();
        let rejected = ev.iter().find_map(|e| match e {
            Event::OrderRejected { reason, .. } => Some(reason.clone()),
            _ => None,
        });
        if !expiries_due {
            assert_eq!(
                predicted, rejected,
                "the refusal predicted without applying"
            );
        } else {
            assert_eq!(predicted, None, "no prediction while expiries are due");
        }
        if let Some(reason) = rejected {
            assert_eq!(
                self.e.state_hash(),
                idle.state_hash(),
                "rejected ({reason:?}) but the state changed"
            );
            let filled: u64 = expected.iter().map(|x| x.1).sum();
            match reason {
                Reject::FokNotFilled => assert!(spec.terms.order_type == OrderType::Fok),
                Reject::FakNoMatch => assert_eq!(filled, 0),
                Reject::PostOnlyCrosses => assert!(!expected.is_empty()),
                _ => {}
            }
            return;
        }
        let got: Vec<(OrderId, u64, u32)> = ev
            .iter()
            .filter_map(|e| match e {
                Event::Trade(t) => Some((t.maker.order, t.shares, t.price)),
                _ => None,
            })
            .collect();
        assert_eq!(got, expected, "trades differ from the model");
        self.check_fees(&ev);
        if spec.terms.order_type == OrderType::Fok && !spec.terms.sized_in_collateral() {
            assert_eq!(
                got.iter().map(|x| x.1).sum::<u64>(),
                spec.terms.shares(),
                "a FOK fills completely"
            );
        }
        assert!(!spec.post_only || got.is_empty());
        // apply to the model
        for (id, n, _) in &expected {
            if let Some(o) = self.model.iter_mut().find(|o| o.id == *id) {
                o.remaining -= n;
            }
        }
        self.model.retain(|o| o.remaining > 0);
        let filled: u64 = expected.iter().map(|x| x.1).sum();
        if spec.terms.order_type.rests() && filled < spec.terms.shares() {
            self.seq += 1;
            let who = spec.terms.maker.0[0];
            self.model.push(MOrder {
                id: spec.terms.id,
                seq: self.seq,
                who,
                yes,
                side: spec.terms.side,
                price,
                remaining: spec.terms.shares() - filled,
                expires_at: (spec.terms.order_type == OrderType::Gtd)
                    .then(|| spec.terms.expiration - GTD_THRESHOLD_SECS),
            });
        }
    }

    fn spec(
        &mut self,
        who: u8,
        yes: bool,
        side: Side,
        maker_amount: u64,
        taker_amount: u64,
        ty: OrderType,
    ) -> OrderSpec {
        self.next += 1;
        let mut id = B256::ZERO;
        id.0[..8].copy_from_slice(&self.next.to_be_bytes());
        let (fee, fees) = match self.fees {
            Fees::V1(bps) => (bps, FeeBasis::Signed),
            Fees::V2(_) => (0, FeeBasis::Operator),
        };
        OrderSpec {
            terms: OrderTerms {
                id: OrderId(id),
                maker: acct(who),
                token: tok(if yes { 1 } else { 2 }),
                side,
                maker_amount,
                taker_amount,
                fee_rate_bps: fee,
                fees,
                builder: match self.fees {
                    Fees::V1(_) => B256::ZERO,
                    Fees::V2(_) => builder_code(who),
                },
                order_type: ty,
                expiration: 0,
            },
            owner: owner(who),
            post_only: false,
        }
    }

    fn apply(&mut self, op: &Op) {
        match op.clone() {
            Op::Limit {
                who,
                yes,
                side,
                price,
                lots,
                gtd,
                post_only,
            } => {
                let shares = lots * LOT / 100 * 100;
                let coll = shares / LOT * u64::from(price);
                let (m, t) = if side == Side::Buy {
                    (coll, shares)
                } else {
                    (shares, coll)
                };
                let mut s = self.spec(
                    who,
                    yes,
                    side,
                    m,
                    t,
                    if gtd.is_some() {
                        OrderType::Gtd
                    } else {
                        OrderType::Gtc
                    },
                );
                s.post_only = post_only;
                if let Some(g) = gtd {
                    s.terms.expiration = self.now + g;
                }
                self.place(s, yes, price);
            }
            Op::Market {
                who,
                yes,
                side,
                worst,
                amount_lots,
                fok,
            } => {
                let ty = if fok { OrderType::Fok } else { OrderType::Fak };
                let s = match side {
                    // spend `amount_lots` hundredths of a dollar… in whole dollars at least $1
                    Side::Buy => {
                        let usdc = (amount_lots / 100 + 1) * ONE;
                        let shares = usdc * 10_000 / u64::from(worst);
                        self.spec(who, yes, side, usdc, shares, ty)
                    }
                    Side::Sell => {
                        let shares = amount_lots * LOT;
                        let usdc = shares / LOT * u64::from(worst);
                        self.spec(who, yes, side, shares, usdc, ty)
                    }
                };
                self.place(s, yes, worst);
            }
            Op::Cancel { who, pick } => {
                self.expire_model();
                if self.model.is_empty() {
                    return;
                }
                let o = self.model[pick % self.model.len()].clone();
                let command = Command::Cancel {
                    owner: owner(who),
                    orders: vec![o.id],
                };
                let predicted = self.e.would_cancel(&command);
                let ev = self.run(command).unwrap();
                let cancelled = ev
                    .iter()
                    .any(|e| matches!(e, Event::OrderCancelled { order, .. } if *order == o.id));
                assert_eq!(predicted, cancelled, "would_cancel predicts the cancel");
                assert_eq!(cancelled, o.who == who, "only the owner cancels");
                if cancelled {
                    self.model.retain(|m| m.id != o.id);
                }
            }
            Op::CancelAll { who } => {
                self.expire_model();
                let command = Command::CancelAll { owner: owner(who) };
                let predicted = self.e.would_cancel(&command);
                let ev = self.run(command).unwrap();
                let cancelled = ev.iter().any(|e| {
                    matches!(
                        e,
                        Event::OrderCancelled {
                            reason: CancelReason::Owner,
                            ..
                        }
                    )
                });
                assert_eq!(predicted, cancelled, "would_cancel predicts cancel-all");
                self.model.retain(|m| m.who != who);
            }
            Op::Wait { secs } => {
                self.now += secs;
                self.run(Command::Tick).unwrap();
                self.expire_model();
            }
        }
    }

    /// Every fill's fees are the formula's, for the taker at the fill's price and for the maker
    /// at its own.
    fn check_fees(&mut self, ev: &[Event]) {
        for t in ev.iter().filter_map(|e| match e {
            Event::Trade(t) => Some(t),
            _ => None,
        }) {
            let m = &t.maker;
            let (taker, maker) = match self.fees {
                Fees::V1(bps) => (
                    FillFee {
                        platform: ledger::fee(t.side == Side::Buy, bps, t.shares, t.collateral),
                        builder: 0,
                    },
                    FillFee {
                        platform: ledger::fee(m.side == Side::Buy, bps, m.shares, m.collateral),
                        builder: 0,
                    },
                ),
                Fees::V2(f) => (
                    f.fill_fee(
                        true,
                        builder_rates(t.taker.0[0]).taker_bps,
                        t.shares,
                        t.price,
                        t.collateral,
                    ),
                    f.fill_fee(
                        false,
                        builder_rates(m.maker.0[0]).maker_bps,
                        m.shares,
                        m.price,
                        m.collateral,
                    ),
                ),
            };
            assert_eq!(
                (t.taker_fee, t.taker_builder_fee, m.fee, m.builder_fee),
                (taker.platform, taker.builder, maker.platform, maker.builder),
                "fees of {t:?}"
            );
            if let Fees::V2(_) = self.fees {
                self.v2_fees += taker.platform + maker.platform;
                self.builder_fees += taker.builder + maker.builder;
            }
        }
    }

    fn check(&self) {
        let coll = self.e.total(Asset::Collateral);
        let yes = self.e.total(Asset::Token(tok(1)));
        let no = self.e.total(Asset::Token(tok(2)));
        assert_eq!(yes, no, "YES and NO supplies differ");
        assert_eq!(coll + yes, self.deposits, "value not conserved");
        assert!(!self.e.any_crossed(), "crossed book");
        if let Fees::V2(_) = self.fees {
            let operator = self.e.holding(acct(0xfe), Asset::Collateral);
            assert_eq!(
                operator.balance, self.v2_fees,
                "the operator holds every V2 fee"
            );
            let builder = self.e.holding(acct(BUILDER), Asset::Collateral);
            assert_eq!(
                builder.balance, self.builder_fees,
                "the builder holds its fees"
            );
        }
        // reservations are exactly what the resting orders need, and never above balances
        let mut need: BTreeMap<(Address, Asset), u64> = BTreeMap::new();
        for o in &self.model {
            let (a, n) = o.reservation(&self.fees);
            *need.entry((acct(o.who), a)).or_default() += n;
        }
        for ((a, asset), h) in self.e.holdings() {
            assert!(h.reserved <= h.balance, "reserved above balance");
            assert_eq!(
                h.reserved,
                need.get(&(a, asset)).copied().unwrap_or(0),
                "reservation of {a} {asset:?}"
            );
        }
        // the book equals the model's aggregate
        let view = self.e.book(&tok(1)).unwrap();
        let mut bids: BTreeMap<u32, u64> = BTreeMap::new();
        let mut asks: BTreeMap<u32, u64> = BTreeMap::new();
        for o in &self.model {
            *(if o.is_bid() { &mut bids } else { &mut asks })
                .entry(o.yes_price())
                .or_default() += o.remaining;
        }
        assert_eq!(view.bids, bids.into_iter().collect::<Vec<_>>());
        assert_eq!(view.asks, asks.into_iter().rev().collect::<Vec<_>>());
        assert_eq!(self.e.all_resting().len(), self.model.len());
        // the best prices read without building the book are the book's last levels, per token
        for token in [tok(1), tok(2)] {
            let view = self.e.book(&token).unwrap();
            assert_eq!(
                self.e.best(&token),
                Some((view.bids.last().map(|l| l.0), view.asks.last().map(|l| l.0))),
                "best of token {token}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn engine_agrees_with_the_model(fees in prop::sample::select(fee_cases()), ops in prop::collection::vec(op(), 1..120)) {
        let mut w = World::new(fees);
        let mut mid = None;
        for (i, op) in ops.iter().enumerate() {
            if i == ops.len() / 2 {
                mid = Some((w.e.snapshot(), w.log.len()));
            }
            w.apply(op);
            w.check();
        }
        // a snapshot taken mid-run, restored and fed the rest of the log, ends identical, event
        // for event
        let (snap, at) = mid.unwrap_or_else(|| (w.e.snapshot(), w.log.len()));
        let json = serde_json::to_string(&snap).unwrap();
        let mut restored = Engine::restore(serde_json::from_str(&json).unwrap()).unwrap();
        let mut replay = Engine::new(acct(0xfe));
        for c in &w.log[..at] {
            let _ = replay.apply(c);
        }
        prop_assert_eq!(restored.state_hash(), replay.state_hash());
        for c in &w.log[at..] {
            prop_assert_eq!(restored.apply(c), replay.apply(c));
        }
        prop_assert_eq!(restored.state_hash(), w.e.state_hash());
        prop_assert_eq!(replay.state_hash(), w.e.state_hash());
    }
}

/// The random sequences above really exercise every path: one long run, counting what happened.
#[test]
fn the_model_run_covers_every_path() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let ops = prop::collection::vec(op(), 3000)
        .new_tree(&mut runner)
        .unwrap()
        .current();
    let mut w = World::new(platform("0.0313", 2, false, 500));
    // (the V2 fees of this run are checked against the formula fill by fill, below they are
    // asserted to have been charged at all)
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for op in &ops {
        let before = w.log.len();
        w.apply(op);
        w.check();
        let _ = before;
    }
    // replay the log on a fresh engine, classifying every event
    let mut e = Engine::new(acct(0xfe));
    for c in &w.log {
        for ev in e.apply(c).unwrap_or_default() {
            let key = match &ev {
                Event::Trade(t) => format!("trade {:?}", t.match_type),
                Event::OrderRejected { reason, .. } => {
                    format!("reject {:?}", std::mem::discriminant(reason))
                        .chars()
                        .take(40)
                        .collect()
                }
                Event::OrderCancelled { reason, .. } => format!("cancel {reason:?}"),
                Event::OrderAccepted { status, rests, .. } => {
                    format!("accept {status:?} rests={rests}")
                }
                _ => continue,
            };
            *seen.entry(key).or_default() += 1;
        }
    }
    for needed in [
        "trade Complementary",
        "trade Mint",
        "trade Merge",
        "cancel Owner",
        "cancel Expired",
        "cancel FakRemainder",
        "accept Matched rests=true",
        "accept Matched rests=false",
        "accept Live rests=true",
    ] {
        assert!(
            seen.get(needed).copied().unwrap_or(0) > 0,
            "{needed} never happened: {seen:?}"
        );
    }
    let rejects: usize = seen
        .iter()
        .filter(|(k, _)| k.starts_with("reject"))
        .map(|(_, v)| v)
        .sum();
    assert!(rejects > 10, "{seen:?}");
    assert!(w.v2_fees > 0, "no V2 fee was ever charged");
    assert!(w.builder_fees > 0, "no builder fee was ever charged");
}
