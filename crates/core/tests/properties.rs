//! Properties of the exact amounts and of the parsers, over random inputs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clobkit_core::amounts::{
    AmountError, from_base_units, implied_price, limit_amounts, market_amounts, to_base_units,
};
use clobkit_core::auth::{ApiCredentials, L2Auth, decode_secret};
use clobkit_core::order::SignedOrder;
use clobkit_core::signer::Signature;
use clobkit_core::types::parse_address;
use clobkit_core::types::{ApiKey, Side, TickSize, TokenId};
use clobkit_core::wire::{OrderResponse, PostOrder};
use clobkit_core::{Address, Decimal};
use proptest::prelude::*;

fn tick() -> impl Strategy<Value = TickSize> {
    prop::sample::select(TickSize::ALL.to_vec())
}

fn side() -> impl Strategy<Value = Side> {
    prop::sample::select(vec![Side::Buy, Side::Sell])
}

/// A tick size and a valid price on it: a whole number of ticks strictly between 0 and 1.
fn tick_price() -> impl Strategy<Value = (TickSize, Decimal)> {
    tick().prop_flat_map(|t| {
        let ticks = 10u64.pow(t.decimals()) / u64::from(t.step());
        (Just(t), 1..ticks).prop_map(|(t, k)| {
            let units = k * u64::from(t.step());
            (t, Decimal::new(units as i64, t.decimals()))
        })
    })
}

/// A positive decimal with up to 6 decimals, up to about a million.
fn size() -> impl Strategy<Value = Decimal> {
    (1u64..1_000_000_000_000, 0u32..=6)
        .prop_map(|(m, s)| Decimal::new(m as i64, s) / Decimal::from(1000))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// A limit order's amounts imply exactly its price and exactly the size truncated to 2
    /// decimals; the exchange's precision rule (shares ≤ 2, USDC ≤ tick+2 decimals) holds.
    #[test]
    fn limit_amounts_are_exact((t, p) in tick_price(), s in size(), sd in side()) {
        match limit_amounts(sd, p, s, t) {
            Ok(a) => {
                prop_assert_eq!(implied_price(sd, a.maker, a.taker), Some(p.normalize()));
                let (shares, usdc) = if sd == Side::Buy { (a.taker, a.maker) } else { (a.maker, a.taker) };
                prop_assert_eq!(from_base_units(shares), s.trunc_with_scale(2).normalize());
                prop_assert_eq!(shares % 10_000, 0);
                prop_assert_eq!(usdc % 10u64.pow(4 - t.decimals()), 0);
            }
            Err(AmountError::RoundsToZero { .. }) => prop_assert!(s < Decimal::new(1, 2)),
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
    }

    /// A market order never gives more than asked, never accepts a worse price than its limit
    /// (BUY: maker/taker ≥ p would be paying more; we need maker/taker ≤ p + one taker step),
    /// and always meets the exchange's 2/4-decimal rule.
    #[test]
    fn market_amounts_respect_limit_and_precision((t, p) in tick_price(), amt in size(), sd in side()) {
        match market_amounts(sd, amt, p, t) {
            Ok(a) => {
                prop_assert_eq!(a.maker % 10_000, 0);
                prop_assert_eq!(from_base_units(a.maker), amt.trunc_with_scale(2).normalize());
                let maker = Decimal::from(a.maker);
                let taker = Decimal::from(a.taker);
                // the received amount keeps min(tick decimals + 2, 4) decimals
                let step = Decimal::from(10u64.pow(6 - (t.decimals() + 2).min(4)));
                prop_assert_eq!(Decimal::from(a.taker) % step, Decimal::ZERO);
                let exact = match sd {
                    Side::Buy => maker / p,  // shares for the USDC
                    Side::Sell => maker * p, // USDC for the shares
                };
                // floored to the step; the clients' ceiling at 4 more decimals may lift it by
                // at most step / 10^4
                prop_assert!(taker <= exact + step / Decimal::from(10_000), "taker {taker} exact {exact}");
                prop_assert!(exact - taker < step, "taker {taker} exact {exact}");
            }
            Err(AmountError::RoundsToZero { .. }) => prop_assert!(amt < Decimal::new(1, 2) || sd == Side::Sell),
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
    }

    /// A price with the tick's decimals but between two ticks (only possible on 0.005 and 0.0025)
    /// is refused by both order kinds, never signed.
    #[test]
    fn prices_between_ticks_are_refused(
        t in prop::sample::select(vec![TickSize::HalfCent, TickSize::QuarterCent]),
        k in 1u64..399,
        off in 1u32..5,
        sd in side(),
    ) {
        let units = k * u64::from(t.step()) + u64::from(off);
        prop_assume!(units % u64::from(t.step()) != 0 && units < 10u64.pow(t.decimals()) - u64::from(t.step()));
        let p = Decimal::new(units as i64, t.decimals());
        let off_tick = |r: Result<_, AmountError>| matches!(r, Err(AmountError::PriceOffTick { .. }));
        prop_assert!(off_tick(limit_amounts(sd, p, Decimal::from(10), t)), "{p} on {t}");
        prop_assert!(off_tick(market_amounts(sd, Decimal::from(10), p, t)), "{p} on {t}");
    }

    /// Base units round-trip.
    #[test]
    fn base_units_round_trip(u in any::<u64>()) {
        prop_assert_eq!(to_base_units(from_base_units(u), "x"), Ok(u));
    }

    /// No parser panics on arbitrary text, and errors are errors.
    #[test]
    fn parsers_never_panic(text in ".{0,200}") {
        let _ = text.parse::<TokenId>();
        let _ = text.parse::<Signature>();
        let _ = text.parse::<TickSize>();
        let _ = parse_address(&text);
        let _ = decode_secret(&text);
        let _ = serde_json::from_str::<PostOrder>(&text);
        let _ = serde_json::from_str::<SignedOrder>(&text);
        let _ = serde_json::from_str::<OrderResponse>(&text);
        let creds = ApiCredentials { api_key: ApiKey::new("k").unwrap(), secret: "AAAA".into(), passphrase: "p".into() };
        let auth = L2Auth::new(creds, Address::ZERO).unwrap();
        prop_assert!(auth.verify("1", "GET", "/", text.as_bytes(), &text).is_err());
    }

    /// Arbitrary bytes as an order body never panic the parser.
    #[test]
    fn order_bodies_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = serde_json::from_slice::<PostOrder>(&bytes);
    }
}
