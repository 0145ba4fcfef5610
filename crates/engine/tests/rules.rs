//! Every rule of the engine, with the worked examples of the reference.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use clobkit_core::types::{OrderType, Side};
use clobkit_core::wire::TradeStatus;
use clobkit_engine::*;
use common::*;

#[test]
fn resting_orders_and_mirrored_views() {
    let mut t = T::new(0);
    t.fund(1, 1000);
    t.fund(2, 1000);
    let b = t.limit(1, YES, Side::Buy, 4000, 10_000); // BUY 100 YES @ 0.40
    let ev = t.place(b);
    assert_eq!(accepted(&ev), Some((0, 0, true)));
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::OrderAccepted {
            status: Placed::Live,
            ..
        }
    )));
    let s = t.limit(2, NO, Side::Buy, 3000, 5_000); // BUY 50 NO @ 0.30 = YES ask @ 0.70
    t.place(s);
    let yes = t.e.book(&tok(YES)).unwrap();
    assert_eq!(yes.bids, vec![(4000, 100 * ONE)]);
    assert_eq!(yes.asks, vec![(7000, 50 * ONE)]);
    let no = t.e.book(&tok(NO)).unwrap();
    assert_eq!(no.bids, vec![(3000, 50 * ONE)]);
    assert_eq!(no.asks, vec![(6000, 100 * ONE)]);
    // reservations: 100 × 0.40 = 40 USDC
    assert_eq!(t.coll(1).reserved, 40 * ONE);
    assert_eq!(t.coll(1).available(), 960 * ONE);
    t.assert_conserved(2000 * u128::from(ONE));
}

#[test]
fn complementary_with_price_improvement() {
    let mut t = T::new(0);
    t.fund_tokens(1, 100);
    t.fund(2, 100);
    let ask = t.limit(1, YES, Side::Sell, 5200, 10_000); // SELL 100 YES @ 0.52
    t.place(ask);
    // limit BUY 50 shares @ 0.55: gets exactly 50 shares, pays 0.52 each
    let bid = t.limit(2, YES, Side::Buy, 5500, 5_000);
    let ev = t.place(bid);
    assert_eq!(accepted(&ev), Some((26 * ONE, 50 * ONE, false)));
    let tr = trades(&ev);
    assert_eq!(tr.len(), 1);
    assert_eq!(
        (tr[0].match_type, tr[0].price, tr[0].shares),
        (MatchType::Complementary, 5200, 50 * ONE)
    );
    assert_eq!(t.coll(2).balance, 74 * ONE);
    assert_eq!(t.shares(2, YES).balance, 50 * ONE);
    assert_eq!(t.coll(1).balance, 26 * ONE);
    assert_eq!(
        t.shares(1, YES),
        clobkit_engine::ledger::Holding {
            balance: 50 * ONE,
            reserved: 50 * ONE
        }
    );
    assert_eq!(t.e.book(&tok(YES)).unwrap().asks, vec![(5200, 50 * ONE)]);
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::OrderAccepted {
            status: Placed::Matched,
            ..
        }
    )));
    t.assert_conserved(200 * u128::from(ONE));
}

#[test]
fn sell_taker_receives_more() {
    let mut t = T::new(0);
    t.fund(1, 100);
    t.fund_tokens(2, 100);
    let bid = t.limit(1, YES, Side::Buy, 6000, 10_000);
    t.place(bid);
    let ask = t.limit(2, YES, Side::Sell, 5000, 10_000); // SELL 100 @ 0.50 into a 0.60 bid
    let ev = t.place(ask);
    assert_eq!(accepted(&ev), Some((100 * ONE, 60 * ONE, false)));
    assert_eq!(t.coll(2).balance, 60 * ONE);
    t.assert_conserved(200 * u128::from(ONE));
}

#[test]
fn mint_two_buyers_make_a_set() {
    let mut t = T::new(0);
    t.fund(1, 100);
    t.fund(2, 100);
    let yes_bid = t.limit(1, YES, Side::Buy, 6000, 10_000); // BUY 100 YES @ 0.60
    t.place(yes_bid);
    let no_bid = t.limit(2, NO, Side::Buy, 4500, 10_000); // BUY 100 NO @ 0.45 (0.60 + 0.45 ≥ 1)
    let ev = t.place(no_bid);
    let tr = trades(&ev);
    assert_eq!(tr[0].match_type, MatchType::Mint);
    assert_eq!(tr[0].price, 4000, "the taker pays 1 − 0.60");
    assert_eq!(accepted(&ev), Some((40 * ONE, 100 * ONE, false)));
    assert_eq!(t.shares(1, YES).balance, 100 * ONE);
    assert_eq!(t.shares(2, NO).balance, 100 * ONE);
    assert_eq!(t.coll(1).balance, 40 * ONE);
    assert_eq!(t.coll(2).balance, 60 * ONE);
    t.assert_conserved(200 * u128::from(ONE));
}

#[test]
fn merge_two_sellers_redeem_a_set() {
    let mut t = T::new(0);
    t.fund_tokens(1, 100);
    t.fund_tokens(2, 100);
    let yes_ask = t.limit(1, YES, Side::Sell, 4000, 10_000); // SELL 100 YES @ 0.40
    t.place(yes_ask);
    let no_ask = t.limit(2, NO, Side::Sell, 5000, 10_000); // SELL 100 NO @ 0.50 (0.40 + 0.50 ≤ 1)
    let ev = t.place(no_ask);
    let tr = trades(&ev);
    assert_eq!(tr[0].match_type, MatchType::Merge);
    assert_eq!(tr[0].price, 6000, "the taker receives 1 − 0.40");
    assert_eq!(t.coll(1).balance, 40 * ONE);
    assert_eq!(t.coll(2).balance, 60 * ONE);
    assert_eq!(t.shares(1, YES).balance, 0);
    assert_eq!(t.shares(2, NO).balance, 0);
    t.assert_conserved(200 * u128::from(ONE));
}

#[test]
fn price_priority_across_match_types_then_time() {
    let mut t = T::new(0);
    t.fund_tokens(1, 100);
    t.fund(2, 100);
    t.fund(3, 100);
    t.fund(4, 100);
    let a = t.limit(1, YES, Side::Sell, 5500, 1_000); // ask 0.55 (complementary)
    t.place(a);
    let b = t.limit(2, NO, Side::Buy, 5000, 1_000); // ask 0.50 in YES space (mint)
    let b_id = b.terms.id;
    t.place(b);
    let c = t.limit(3, NO, Side::Buy, 4500, 1_000); // ask 0.55 in YES space, later than `a`
    let c_id = c.terms.id;
    t.place(c);
    let taker = t.limit(4, YES, Side::Buy, 6000, 3_000);
    let ev = t.place(taker);
    let tr = trades(&ev);
    let order: Vec<_> = tr.iter().map(|x| (x.maker.order, x.price)).collect();
    assert_eq!(
        order[0],
        (b_id, 5000),
        "best price first, whatever the match type"
    );
    assert_eq!(order[1].1, 5500);
    assert_ne!(
        order[1].0, c_id,
        "at 0.55, the older order (the complementary SELL) first"
    );
    assert_eq!(order[2], (c_id, 5500));
    assert_eq!(
        (tr[0].bucket_index, tr[1].bucket_index, tr[2].bucket_index),
        (0, 1, 2)
    );
    t.assert_conserved(400 * u128::from(ONE));
}

#[test]
fn market_buy_in_usdc_gets_more_shares() {
    let mut t = T::new(0);
    t.fund_tokens(1, 100);
    t.fund(2, 100);
    let a = t.limit(1, YES, Side::Sell, 4000, 10_000); // 100 @ 0.40
    t.place(a);
    // $20 at a worst price of 0.50 (client amounts: 20 / 0.5 = 40 shares) gets 50 shares at 0.40
    let m = t.market_order(2, YES, Side::Buy, 20 * ONE, 40 * ONE, OrderType::Fok);
    let ev = t.place(m);
    assert_eq!(accepted(&ev), Some((20 * ONE, 50 * ONE, false)));
    assert_eq!(t.shares(2, YES).balance, 50 * ONE);
    // $1.01 at 0.40 buys whole lots only: 2.52 shares for $1.008, the rest stays
    let m = t.market_order(2, YES, Side::Buy, 1_010_000, 2_020_000, OrderType::Fak);
    let ev = t.place(m);
    assert_eq!(accepted(&ev), Some((1_008_000, 2_520_000, false)));
    t.assert_conserved(200 * u128::from(ONE));
}

#[test]
fn fok_is_all_or_nothing() {
    let mut t = T::new(0);
    t.fund_tokens(1, 100);
    t.fund(2, 100);
    let a = t.limit(1, YES, Side::Sell, 4000, 1_000); // only 10 shares
    t.place(a);
    let before = t.e.state_hash();
    let m = t.market_order(2, YES, Side::Buy, 10 * ONE, 20 * ONE, OrderType::Fok); // $10 @ ≤ 0.50
    let ev = t.place(m);
    assert_eq!(rejected(&ev), Some(Reject::FokNotFilled));
    assert_eq!(t.e.state_hash(), before, "a rejected FOK changes nothing");
    // a FOK SELL larger than the bids
    t.fund_tokens(3, 100);
    let bid = t.limit(2, YES, Side::Buy, 3000, 500);
    t.place(bid);
    let before = t.e.state_hash();
    let s = t.market_order(3, YES, Side::Sell, 10 * ONE, 2 * ONE, OrderType::Fok);
    assert_eq!(rejected(&t.place(s)), Some(Reject::FokNotFilled));
    assert_eq!(t.e.state_hash(), before);
}

#[test]
fn fak_fills_what_it_can() {
    let mut t = T::new(0);
    t.fund_tokens(1, 100);
    t.fund(2, 100);
    let a = t.limit(1, YES, Side::Sell, 4000, 1_000);
    t.place(a);
    let m = t.market_order(2, YES, Side::Sell, 0, 0, OrderType::Fak);
    let _ = m; // (a SELL with no shares is refused below)
    t.fund_tokens(2, 10);
    let bid = t.limit(1, YES, Side::Buy, 3000, 0);
    let _ = bid;
    let buy = t.market_order(2, YES, Side::Buy, 10 * ONE, 20 * ONE, OrderType::Fak);
    let ev = t.place(buy);
    assert_eq!(accepted(&ev), Some((4 * ONE, 10 * ONE, false)));
    // nothing crosses any more: rejected, nothing changed
    let before = t.e.state_hash();
    let again = t.market_order(2, YES, Side::Buy, 10 * ONE, 20 * ONE, OrderType::Fak);
    assert_eq!(rejected(&t.place(again)), Some(Reject::FakNoMatch));
    assert_eq!(t.e.state_hash(), before);
    // a FAK SELL partly filled: the rest is cancelled
    let bid = t.limit(1, YES, Side::Buy, 3000, 500);
    t.place(bid);
    let s = t.market_order(2, YES, Side::Sell, 10 * ONE, 2 * ONE, OrderType::Fak);
    let ev = t.place(s);
    assert_eq!(accepted(&ev), Some((5 * ONE, 1_500_000, false)));
    assert!(ev.iter().any(|e| matches!(e, Event::OrderCancelled { reason: CancelReason::FakRemainder, remaining, .. } if *remaining == 5 * ONE)));
}

#[test]
fn post_only() {
    let mut t = T::new(0);
    t.fund_tokens(1, 100);
    t.fund(2, 100);
    let a = t.limit(1, YES, Side::Sell, 5000, 1_000);
    t.place(a);
    let mut p = t.limit(2, YES, Side::Buy, 5000, 1_000);
    p.post_only = true;
    assert_eq!(rejected(&t.place(p)), Some(Reject::PostOnlyCrosses));
    let mut p = t.limit(2, YES, Side::Buy, 4900, 1_000);
    p.post_only = true;
    assert_eq!(rejected(&t.place(p)), None);
    // crossing through the complement counts too: BUY NO @ 0.51 meets the YES bid at 0.49
    let mut q = t.limit(1, NO, Side::Buy, 5100, 1_000);
    q.post_only = true;
    t.fund(1, 10);
    assert_eq!(rejected(&t.place(q)), Some(Reject::PostOnlyCrosses));
    let mut f = t.market_order(2, YES, Side::Buy, 5 * ONE, 10 * ONE, OrderType::Fok);
    f.post_only = true;
    assert_eq!(rejected(&t.place(f)), Some(Reject::PostOnlyType));
}

#[test]
fn fees_as_the_contract() {
    let mut t = T::new(200); // 2 %
    t.fund_tokens(1, 100);
    t.fund(2, 100);
    let a = t.limit(1, YES, Side::Sell, 9000, 10_000); // maker SELL 100 @ 0.90
    t.place(a);
    let b = t.limit(2, YES, Side::Buy, 9000, 10_000); // taker BUY 100 @ 0.90
    let ev = t.place(b);
    let tr = &trades(&ev)[0];
    assert_eq!(tr.maker.fee, 200_000, "SELL 100 @ 0.90 → $0.20");
    assert_eq!(tr.taker_fee, 222_222, "BUY 100 @ 0.90 → 0.222 tokens");
    assert_eq!(t.coll(1).balance, 90 * ONE - 200_000);
    assert_eq!(t.shares(2, YES).balance, 100 * ONE - 222_222);
    assert_eq!(
        t.e.holding(acct(OPERATOR), Asset::Collateral).balance,
        200_000
    );
    assert_eq!(
        t.e.holding(acct(OPERATOR), Asset::Token(tok(YES))).balance,
        222_222
    );
    // the signed rate must be the market's
    let mut wrong = t.limit(2, YES, Side::Buy, 5000, 1_000);
    wrong.terms.fee_rate_bps = 0;
    assert_eq!(
        rejected(&t.place(wrong)),
        Some(Reject::FeeRate {
            signed: 0,
            required: 200
        })
    );
    t.assert_conserved(200 * u128::from(ONE));
}

#[test]
fn validation() {
    let mut t = T::new(0);
    t.fund(1, 10);
    let mut off = t.limit(1, YES, Side::Buy, 5050, 1_000); // 0.505 on a 0.01 tick
    assert_eq!(
        rejected(&t.place(off.clone())),
        Some(Reject::BreaksTick {
            price: 5050,
            tick: clobkit_core::types::TickSize::Hundredth
        })
    );
    off.terms.id = t.id();
    let small = t.limit(1, YES, Side::Buy, 5000, 400); // 4 shares < 5
    assert_eq!(
        rejected(&t.place(small)),
        Some(Reject::BelowMinimumSize {
            size: 4 * ONE,
            min: 5 * ONE
        })
    );
    let big = t.limit(1, YES, Side::Buy, 5000, 10_000); // $50 > $10
    assert_eq!(rejected(&t.place(big)), Some(Reject::NotEnoughBalance));
    let mut unknown = t.limit(1, YES, Side::Buy, 5000, 1_000);
    unknown.terms.token = tok(99);
    assert_eq!(rejected(&t.place(unknown)), Some(Reject::UnknownToken));
    let mut lots = t.limit(1, YES, Side::Buy, 5000, 1_000);
    lots.terms.taker_amount += 1; // not whole lots
    lots.terms.maker_amount = lots.terms.taker_amount / 2;
    assert!(rejected(&t.place(lots)).is_some());
    let ok = t.limit(1, YES, Side::Buy, 5000, 1_000);
    let dup = ok.clone();
    assert_eq!(rejected(&t.place(ok)), None);
    assert_eq!(rejected(&t.place(dup.clone())), Some(Reject::Duplicated));
    let m = t.market_order(1, YES, Side::Buy, 900_000, 1_800_000, OrderType::Fak);
    assert_eq!(
        rejected(&t.place(m)),
        Some(Reject::MarketBuyBelowOneDollar { amount: 900_000 })
    );
    let mut gtc_exp = t.limit(1, YES, Side::Buy, 5000, 500);
    gtc_exp.terms.expiration = t.now + 1000;
    assert_eq!(rejected(&t.place(gtc_exp)), Some(Reject::InvalidExpiration));
    let zero = t.market_order(1, YES, Side::Buy, 0, 0, OrderType::Fok);
    assert_eq!(rejected(&t.place(zero)), Some(Reject::InvalidAmounts));
    // exact strings of the reference
    let id = dup.terms.id;
    assert_eq!(
        Reject::Duplicated.message(&id),
        format!("order {id} is invalid. Duplicated.")
    );
    assert_eq!(
        Reject::BreaksTick {
            price: 5050,
            tick: clobkit_core::types::TickSize::Hundredth
        }
        .message(&id),
        format!("order {id} is invalid. Price (0.505) breaks minimum tick size rule: 0.01")
    );
    assert_eq!(
        Reject::BelowMinimumSize {
            size: 4 * ONE,
            min: 5 * ONE
        }
        .message(&id),
        format!("order {id} is invalid. Size (4) lower than the minimum: 5")
    );
    assert_eq!(
        Reject::MarketBuyBelowOneDollar { amount: 999_600 }.message(&id),
        "invalid amount for a marketable BUY order ($0.9996), min size: $1"
    );
}

#[test]
fn gtd_expires_with_the_security_threshold() {
    let mut t = T::new(0);
    t.fund(1, 100);
    let mut g = t.limit(1, YES, Side::Buy, 5000, 1_000);
    g.terms.order_type = OrderType::Gtd;
    g.terms.expiration = t.now + 60; // already inside the threshold
    assert_eq!(
        rejected(&t.place(g.clone())),
        Some(Reject::InvalidExpiration)
    );
    g.terms.expiration = t.now + 60 + 30; // lives 30 s
    let id = g.terms.id;
    assert_eq!(rejected(&t.place(g)), None);
    assert_eq!(t.coll(1).reserved, 5 * ONE);
    t.now += 29;
    t.ok(Command::Tick);
    assert!(t.e.is_live(&id));
    t.now += 1;
    let ev = t.ok(Command::Tick);
    assert!(!t.e.is_live(&id));
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::OrderCancelled {
            reason: CancelReason::Expired,
            ..
        }
    )));
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Notification { kind: 1, .. }))
    );
    assert_eq!(t.coll(1).reserved, 0);
}

#[test]
fn cancels() {
    let mut t = T::new(0);
    t.fund(1, 100);
    t.fund(2, 100);
    let a = t.limit(1, YES, Side::Buy, 4000, 1_000);
    let b = t.limit(1, NO, Side::Buy, 4000, 1_000);
    let c = t.limit(1, YES, Side::Buy, 3000, 1_000);
    let other = t.limit(2, YES, Side::Buy, 3000, 1_000);
    let (ia, ib, ic, io) = (a.terms.id, b.terms.id, c.terms.id, other.terms.id);
    for o in [a, b, c, other] {
        t.place(o);
    }
    // someone else's order is not cancelled
    let ev = t.ok(Command::Cancel {
        owner: owner(1),
        orders: vec![ia, io],
    });
    let res = ev
        .iter()
        .find_map(|e| match e {
            Event::CancelResult {
                canceled,
                not_canceled,
            } => Some((canceled.clone(), not_canceled.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(res.0, vec![ia]);
    assert_eq!(res.1, vec![(io, NotCancelled::NotFound)]);
    assert!(t.e.is_live(&io));
    // by token
    t.ok(Command::CancelMarket {
        owner: owner(1),
        market: None,
        token: Some(tok(NO)),
    });
    assert!(!t.e.is_live(&ib) && t.e.is_live(&ic));
    // all
    t.ok(Command::CancelAll { owner: owner(1) });
    assert!(!t.e.is_live(&ic));
    assert_eq!(t.coll(1).reserved, 0);
    // a partly filled order cancels its remainder
    t.fund_tokens(3, 100);
    let big = t.limit(2, YES, Side::Buy, 5000, 2_000);
    let big_id = big.terms.id;
    t.place(big);
    let s = t.limit(3, YES, Side::Sell, 5000, 500);
    t.place(s);
    let ev = t.ok(Command::Cancel {
        owner: owner(2),
        orders: vec![big_id],
    });
    assert!(
        ev.iter().any(
            |e| matches!(e, Event::OrderCancelled { remaining, .. } if *remaining == 15 * ONE)
        )
    );
    assert_eq!(
        t.coll(2).reserved,
        3 * ONE,
        "only the other order's reservation ($3) remains"
    );
}

#[test]
fn resolution_redeems_and_notifies() {
    let mut t = T::new(0);
    t.fund(1, 100);
    t.fund(2, 100);
    let a = t.limit(1, YES, Side::Buy, 6000, 5_000);
    t.place(a);
    let b = t.limit(2, NO, Side::Buy, 4000, 5_000); // mint 50 sets
    t.place(b);
    let rest = t.limit(1, YES, Side::Buy, 3000, 1_000);
    t.place(rest);
    let ev = t.ok(Command::ResolveMarket {
        market: cond(),
        winner: tok(YES),
    });
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::OrderCancelled {
            reason: CancelReason::MarketResolved,
            ..
        }
    )));
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, Event::Notification { kind: 4, .. }))
            .count(),
        2
    );
    assert_eq!(t.coll(1).balance, 100 * ONE - 30 * ONE + 50 * ONE);
    assert_eq!(t.coll(2).balance, 80 * ONE);
    assert_eq!(t.coll(1).reserved, 0);
    t.assert_conserved(200 * u128::from(ONE));
    let late = t.limit(1, YES, Side::Buy, 3000, 1_000);
    assert_eq!(rejected(&t.place(late)), Some(Reject::MarketNotOpen));
}

#[test]
fn trade_lifecycle() {
    let mut t = T::new(0);
    t.fund_tokens(1, 100);
    t.fund(2, 100);
    let a = t.limit(1, YES, Side::Sell, 5000, 1_000);
    t.place(a);
    let b = t.limit(2, YES, Side::Buy, 5000, 1_000);
    let id = trades(&t.place(b))[0].id;
    t.ok(Command::AdvanceTrade {
        trade: id,
        status: TradeStatus::Mined,
    });
    t.ok(Command::AdvanceTrade {
        trade: id,
        status: TradeStatus::Confirmed,
    });
    let err = t.e.apply(&Stamped {
        now: t.now,
        command: Command::AdvanceTrade {
            trade: id,
            status: TradeStatus::Mined,
        },
    });
    assert!(matches!(err, Err(CommandError::BadTransition { .. })));
    assert!(matches!(
        t.e.apply(&Stamped {
            now: t.now,
            command: Command::AdvanceTrade {
                trade: TradeId(99),
                status: TradeStatus::Mined
            }
        }),
        Err(CommandError::UnknownTrade(99))
    ));
}

/// Only the trades an operator moved on are remembered with a status (memory and snapshots
/// grow with those commands, not with trading); snapshots written before that, which list every
/// trade's status, restore to the same state.
#[test]
fn trade_statuses_are_kept_only_for_trades_that_moved() {
    let mut t = T::new(0);
    t.fund_tokens(1, 100);
    t.fund(2, 100);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let a = t.limit(1, YES, Side::Sell, 5000, 1_000);
        t.place(a);
        let b = t.limit(2, YES, Side::Buy, 5000, 1_000);
        ids.push(trades(&t.place(b))[0].id);
    }
    t.ok(Command::AdvanceTrade {
        trade: ids[1],
        status: TradeStatus::Mined,
    });
    let snap = t.e.snapshot();
    assert_eq!(snap.moved_trades, vec![(ids[1], TradeStatus::Mined)]);
    assert!(snap.trades.is_empty());
    assert_eq!(snap.next_trade, ids[2].0 + 1);

    let json = serde_json::to_value(&snap).unwrap();
    assert!(json.get("trades").is_none(), "{json}");
    let restored = Engine::restore(serde_json::from_value(json.clone()).unwrap()).unwrap();
    assert_eq!(restored.state_hash(), t.e.state_hash());
    assert_eq!(restored.trade_status(ids[0]), Some(TradeStatus::Matched));
    assert_eq!(restored.trade_status(ids[1]), Some(TradeStatus::Mined));
    assert_eq!(restored.trade_status(ids[2]), Some(TradeStatus::Matched));
    assert_eq!(restored.trade_status(TradeId(ids[2].0 + 1)), None);
    assert_eq!(restored.trade_status(TradeId(0)), None);

    // an older snapshot: every trade's status in order, no `moved_trades`
    let mut old = json;
    let fields = old.as_object_mut().unwrap();
    fields.remove("moved_trades");
    fields.insert(
        "trades".into(),
        serde_json::json!(["MATCHED", "MINED", "MATCHED"]),
    );
    let mut from_old = Engine::restore(serde_json::from_value(old).unwrap()).unwrap();
    assert_eq!(from_old.state_hash(), t.e.state_hash());
    // and the lifecycle goes on from the restored statuses
    let go = |status| Stamped {
        now: t.now,
        command: Command::AdvanceTrade {
            trade: ids[1],
            status,
        },
    };
    assert!(matches!(
        from_old.apply(&go(TradeStatus::Matched)),
        Err(CommandError::BadTransition { .. })
    ));
    from_old.apply(&go(TradeStatus::Confirmed)).unwrap();
    assert_eq!(from_old.trade_status(ids[1]), Some(TradeStatus::Confirmed));
}

#[test]
fn ledger_commands() {
    let mut t = T::new(0);
    t.fund(1, 10);
    let err = t.e.apply(&Stamped {
        now: t.now,
        command: Command::Withdraw {
            account: acct(1),
            amount: 11 * ONE,
        },
    });
    assert!(matches!(err, Err(CommandError::Ledger(_))));
    t.ok(Command::Split {
        account: acct(1),
        market: cond(),
        amount: 4 * ONE,
    });
    assert_eq!(
        (
            t.coll(1).balance,
            t.shares(1, YES).balance,
            t.shares(1, NO).balance
        ),
        (6 * ONE, 4 * ONE, 4 * ONE)
    );
    t.ok(Command::Merge {
        account: acct(1),
        market: cond(),
        amount: ONE,
    });
    assert_eq!(t.coll(1).balance, 7 * ONE);
    let err = t.e.apply(&Stamped {
        now: t.now,
        command: Command::Merge {
            account: acct(1),
            market: cond(),
            amount: 4 * ONE,
        },
    });
    assert!(err.is_err());
    t.ok(Command::Withdraw {
        account: acct(1),
        amount: 7 * ONE,
    });
    t.assert_conserved(3 * u128::from(ONE));
}

#[test]
fn snapshot_restore_and_hash() {
    let mut t = T::new(100);
    t.fund_tokens(1, 100);
    t.fund(2, 100);
    for (n, tk, side, p, q) in [
        (1, YES, Side::Sell, 5500, 1000),
        (2, YES, Side::Buy, 4500, 1000),
        (2, NO, Side::Buy, 4000, 700),
        (1, NO, Side::Sell, 6000, 900),
    ] {
        let o = t.limit(n, tk, side, p, q);
        t.place(o);
    }
    let snap = t.e.snapshot();
    let json = serde_json::to_string(&snap).unwrap();
    let back: Snapshot = serde_json::from_str(&json).unwrap();
    let mut restored = Engine::restore(back).unwrap();
    assert_eq!(restored.state_hash(), t.e.state_hash());
    // both continue identically
    let o = t.limit(2, YES, Side::Buy, 6000, 1500);
    let c = Stamped {
        now: t.now,
        command: Command::Place(Box::new(o)),
    };
    let a = t.e.apply(&c).unwrap();
    let b = restored.apply(&c).unwrap();
    assert_eq!(a, b);
    assert_eq!(restored.state_hash(), t.e.state_hash());
}
