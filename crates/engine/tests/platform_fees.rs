//! V2 fees at match time: the platform fee charged in collateral by the market's formula, and the
//! builder fee of orders carrying a registered code; a BUY paying on top of its price and a SELL
//! out of its proceeds, capped together like the contract, with BUY balances and reservations
//! covering the fees.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use clobkit_core::B256;
use clobkit_core::fees::{BuilderRates, FeeRate, PlatformFee};
use clobkit_core::types::{OrderType, Side};
use clobkit_engine::*;
use common::*;

fn platform(rate: &str, exponent: u8, taker_only: bool, cap: u32) -> PlatformFee {
    PlatformFee {
        rate: FeeRate::new(rate.parse().unwrap()).unwrap(),
        exponent,
        taker_only,
        max_fee_rate_bps: cap,
    }
}

fn operator_coll(t: &T) -> u64 {
    t.e.holding(acct(OPERATOR), Asset::Collateral).balance
}

#[test]
fn a_buy_taker_pays_on_top_and_a_sell_taker_out_of_proceeds() {
    // 2 %, exponent 1, takers only: 100 shares at 0.50 pay 100 × 0.02 × 0.25 = $0.50
    let mut t = T::v2(platform("0.02", 1, true, 500));
    t.fund_tokens(1, 200);
    t.fund(2, 51);
    let ask = t.limit(1, YES, Side::Sell, 5000, 10_000);
    t.place(ask);
    let buy = t.limit(2, YES, Side::Buy, 5000, 10_000);
    let ev = t.place(buy);
    let tr = &trades(&ev)[0];
    assert_eq!((tr.taker_fee, tr.maker.fee), (ONE / 2, 0));
    assert_eq!(tr.fee_rate_bps, 200, "the platform rate, in bps");
    // the buyer paid $50 + $0.50 and received all 100 shares
    assert_eq!(t.coll(2).balance, ONE / 2);
    assert_eq!(t.shares(2, YES).balance, 100 * ONE);
    // the maker (takers only) received the full $50
    assert_eq!(t.coll(1).balance, 50 * ONE);
    assert_eq!(operator_coll(&t), ONE / 2);

    // a SELL taker at 0.30 into a bid: 100 × 0.02 × 0.21 = $0.42 out of its $30
    t.fund(3, 30);
    let bid = t.limit(3, YES, Side::Buy, 3000, 10_000);
    t.place(bid);
    let sell = t.limit(1, YES, Side::Sell, 3000, 10_000);
    let ev = t.place(sell);
    assert_eq!(trades(&ev)[0].taker_fee, 420_000);
    assert_eq!(t.coll(1).balance, 50 * ONE + 30 * ONE - 420_000);
    assert_eq!(operator_coll(&t), ONE / 2 + 420_000);
    t.assert_conserved(281 * u128::from(ONE));
}

#[test]
fn a_buy_that_cannot_pay_its_fee_is_refused_and_changes_nothing() {
    let mut t = T::v2(platform("0.02", 1, true, 500));
    t.fund_tokens(1, 100);
    t.fund(2, 50);
    let ask = t.limit(1, YES, Side::Sell, 5000, 10_000);
    t.place(ask);
    let before = t.e.state_hash();
    // $50 buys the shares but not the $0.50 fee
    let buy = t.limit(2, YES, Side::Buy, 5000, 10_000);
    assert_eq!(rejected(&t.place(buy)), Some(Reject::NotEnoughBalance));
    assert_eq!(t.e.state_hash(), before);
    // the same $50 rests a bid that does not cross: takers-only fees need no reserve
    let bid = t.limit(2, YES, Side::Buy, 4000, 12_500);
    assert!(accepted(&t.place(bid)).is_some_and(|(_, _, rests)| rests));
    assert_eq!(t.coll(2).reserved, 50 * ONE);
}

#[test]
fn a_market_buy_pays_fees_on_top_of_its_dollar_amount() {
    let mut t = T::v2(platform("0.02", 1, true, 500));
    t.fund_tokens(1, 100);
    t.fund(2, 21);
    let ask = t.limit(1, YES, Side::Sell, 4000, 10_000);
    t.place(ask);
    // $20 at up to 0.50 buys 50 shares at 0.40; fee 50 × 0.02 × 0.24 = $0.24
    let fak = t.market_order(2, YES, Side::Buy, 20 * ONE, 40 * ONE, OrderType::Fak);
    let ev = t.place(fak);
    let tr = &trades(&ev)[0];
    assert_eq!(
        (tr.shares, tr.collateral, tr.taker_fee),
        (50 * ONE, 20 * ONE, 240_000)
    );
    assert_eq!(t.coll(2).balance, ONE - 240_000);
    assert_eq!(t.shares(2, YES).balance, 50 * ONE);
}

#[test]
fn makers_who_pay_reserve_their_fee_and_get_the_excess_back() {
    // makers pay too: 0.0313, exponent 2
    let f = platform("0.0313", 2, false, 500);
    let mut t = T::v2(f);
    t.fund(1, 100);
    t.fund_tokens(2, 100);
    // BUY 100 @ 0.60 reserves $60 + 100 × 0.0313 × 0.24² = $0.180288 → 0.18028
    let bid = t.limit(1, YES, Side::Buy, 6000, 10_000);
    t.place(bid);
    assert_eq!(f.maker_reserve(0, 100 * ONE, 6000), 180_280);
    assert_eq!(t.coll(1).reserved, 60 * ONE + 180_280);
    // three partial fills, each paying its own floored fee
    let mut paid = 0;
    for lots in [3u64, 1_700, 2_000] {
        let sell = t.limit(2, YES, Side::Sell, 6000, lots.max(500));
        let ev = t.place(sell);
        for tr in trades(&ev) {
            assert_eq!(tr.maker.fee, f.charge(tr.shares, 6000, tr.maker.collateral));
            paid += tr.maker.fee + tr.maker.collateral;
        }
        // what is left reserves exactly the remainder's price and fee
        let left = t.e.all_resting().first().map_or(0, |r| r.remaining);
        assert_eq!(
            t.coll(1).reserved,
            left / LOT * 6000 + f.maker_reserve(0, left, 6000)
        );
    }
    assert_eq!(t.coll(1).balance, 100 * ONE - paid);
    // cancelling releases the rest entirely
    let id = t.e.all_resting()[0].terms.id;
    t.ok(Command::Cancel {
        owner: owner(1),
        orders: vec![id],
    });
    assert_eq!(t.coll(1).reserved, 0);
    t.assert_conserved(200 * u128::from(ONE));
}

#[test]
fn the_contract_cap_bounds_every_fill() {
    // 25 % at exponent 1 would charge 100 × 0.25 × 0.0196 = $0.49 on a $2 fill at 0.02; the 1 %
    // cap allows $0.02
    let mut t = T::v2(platform("0.25", 1, true, 100));
    t.fund_tokens(1, 100);
    t.fund(2, 10);
    let ask = t.limit(1, YES, Side::Sell, 200, 10_000);
    t.place(ask);
    let buy = t.limit(2, YES, Side::Buy, 200, 10_000);
    let ev = t.place(buy);
    assert_eq!(trades(&ev)[0].taker_fee, 20_000);
    assert_eq!(t.coll(2).balance, 10 * ONE - 2 * ONE - 20_000);
}

#[test]
fn invalid_fee_parameters_are_refused_with_the_reason() {
    let mut e = Engine::new(acct(OPERATOR));
    let spec = MarketSpec {
        platform_fee: platform("0.02", 7, true, 500),
        ..spec(0, 5 * ONE)
    };
    let err = e
        .apply(&Stamped {
            now: 1,
            command: Command::CreateMarket(Box::new(spec)),
        })
        .unwrap_err();
    assert!(err.to_string().contains("invalid fee exponent 7"), "{err}");
}

const BUILDER: u8 = 0xb0;

fn register_builder(
    t: &mut T,
    code: B256,
    maker_bps: u32,
    taker_bps: u32,
) -> Result<(), CommandError> {
    let builder = Builder {
        address: acct(BUILDER),
        rates: BuilderRates {
            maker_bps,
            taker_bps,
        },
    };
    t.e.apply(&Stamped {
        now: t.now,
        command: Command::RegisterBuilder { code, builder },
    })
    .map(|_| ())
}

#[test]
fn orders_carrying_a_builder_code_pay_its_builder() {
    let code = B256::repeat_byte(0xb1);
    let mut t = T::v2(platform("0.02", 1, true, 500));
    register_builder(&mut t, code, 20, 50).unwrap();
    // the same terms again change nothing; other terms are refused
    register_builder(&mut t, code, 20, 50).unwrap();
    assert!(register_builder(&mut t, code, 20, 60).is_err());
    assert!(register_builder(&mut t, B256::ZERO, 0, 0).is_err());
    t.fund(1, 100);
    t.fund_tokens(2, 110);
    // a resting BUY 100 @ 0.50 with the code reserves $50 + its maker builder fee 0.2 % = $0.10
    let mut bid = t.limit(1, YES, Side::Buy, 5000, 10_000);
    bid.terms.builder = code;
    t.place(bid);
    assert_eq!(t.coll(1).reserved, 50 * ONE + 100_000);
    // a SELL taker with the code: platform $0.50 and builder 0.5 % of $50 = $0.25 from proceeds
    let mut sell = t.limit(2, YES, Side::Sell, 5000, 10_000);
    sell.terms.builder = code;
    let ev = t.place(sell);
    let tr = &trades(&ev)[0];
    assert_eq!((tr.taker_fee, tr.taker_builder_fee), (ONE / 2, 250_000));
    assert_eq!((tr.maker.fee, tr.maker.builder_fee), (0, 100_000));
    assert_eq!(t.coll(2).balance, 50 * ONE - ONE / 2 - 250_000);
    assert_eq!(t.coll(1).balance, 100 * ONE - 50 * ONE - 100_000);
    assert_eq!(t.coll(1).reserved, 0);
    assert_eq!(
        t.e.holding(acct(BUILDER), Asset::Collateral).balance,
        350_000
    );
    assert_eq!(operator_coll(&t), ONE / 2);
    // an unregistered code pays no builder fee
    let mut bid = t.limit(1, YES, Side::Buy, 4000, 1_000);
    bid.terms.builder = B256::repeat_byte(0xee);
    t.place(bid);
    let sell = t.limit(2, YES, Side::Sell, 4000, 1_000);
    assert_eq!(trades(&t.place(sell))[0].maker.builder_fee, 0);
    t.assert_conserved(210 * u128::from(ONE));
}
