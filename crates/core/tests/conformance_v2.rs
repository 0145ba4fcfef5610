//! clobkit-core against the official V2 Python client, case by case
//! (`conformance/vectors/v2_orders.json`, regenerated and compared by `.ci/run`): every order id,
//! every signature (EOA, proxy, Safe and POLY_1271 wrappers), every body byte for byte, and the
//! amounts, where we are exact and Python's floats are not.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::str::FromStr;

use clobkit_core::amounts::{limit_amounts, market_amounts_for, market_order_price};
use clobkit_core::chain::Chain;
use clobkit_core::eip712::ExchangeDomain;
use clobkit_core::protocol::ProtocolVersion;
use clobkit_core::signer::{LocalSigner, Signer};
use clobkit_core::types::{Side, TickSize};
use clobkit_core::verify::verify_order;
use clobkit_core::wallet::WalletFactories;
use clobkit_core::wire::PostOrder;
use clobkit_core::{Address, Decimal};
use serde_json::Value;

const KEYS: [&str; 3] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
];

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

#[test]
fn v2_orders_match_the_official_python_client() {
    let path = format!(
        "{}/../../conformance/vectors/v2_orders.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: Value = serde_json::from_str(&text).unwrap();
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 300);
    let (mut same_amounts, mut py_amount_floats, mut py_price_floats) = (0, 0, 0);
    let mut by_type = [0usize; 4];
    for r in rows {
        let c = &r["case"];
        let py = &r["python"];
        let chain = Chain::from_id(c["chain"].as_u64().unwrap()).unwrap();
        let neg_risk = c["neg_risk"].as_bool().unwrap();
        let signer = LocalSigner::from_hex(KEYS[c["key"].as_u64().unwrap() as usize]).unwrap();
        let domain =
            ExchangeDomain::for_market(chain, &chain.contracts_for(ProtocolVersion::V2), neg_risk);
        assert_eq!(
            domain.verifying_contract(),
            s(&py["exchange"]).parse::<Address>().unwrap()
        );
        let body = s(&py["body"]);
        let posted: PostOrder = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {c}"));
        let order = posted.order.order;
        assert_eq!(order.protocol(), ProtocolVersion::V2);
        // the id, and the Python body byte for byte
        assert_eq!(
            posted.order.id(&domain).to_string(),
            s(&py["order_id"]),
            "{c}"
        );
        assert_eq!(serde_json::to_string(&posted).unwrap(), body, "{c}");
        // our signer reproduces the client's signature (or wrapper) over the client's order
        let ours = order.sign(&domain, &signer).unwrap();
        assert_eq!(ours.signature.to_string(), s(&py["signature"]), "{c}");
        // and the exchange's check passes, naming the key that signed
        let v = verify_order(&posted.order, &domain, &WalletFactories::of(chain)).unwrap();
        assert_eq!(v.key, signer.address(), "{c}");
        by_type[usize::from(order.signature_type.as_u8())] += 1;

        // amounts from the same inputs: ours are exact
        let (side, tick): (Side, TickSize) = (
            s(&c["side"]).parse().unwrap(),
            s(&c["tick"]).parse().unwrap(),
        );
        let (price, size) = (
            Decimal::from_str(s(&c["price"])).unwrap(),
            Decimal::from_str(s(&c["size"])).unwrap(),
        );
        let a = if s(&c["kind"]) == "limit" {
            limit_amounts(side, price, size, tick)
        } else {
            let p = market_order_price(ProtocolVersion::V2, price, tick);
            market_amounts_for(ProtocolVersion::V2, side, size, p, tick)
        };
        let py_amounts = (
            s(&py["maker_amount"]).parse::<u64>().unwrap(),
            s(&py["taker_amount"]).parse::<u64>().unwrap(),
        );
        match a {
            Ok(a) if (a.maker, a.taker) == py_amounts => same_amounts += 1,
            Ok(a) => {
                // Python floors binary floats. Two classes, each checked exactly:
                // 1. a market order's price: round_down(0.3203, 4) = 0.3202, one unit of the
                //    last decimal lower, and the amounts follow from that price;
                // 2. an amount: 2390.2 · 100 = 239019.999… floors to one unit less, so Python
                //    signs less, never more, than the exact amount.
                // (the lowered price may fall between two ticks of 0.005 or 0.0025: it is computed
                // on the power-of-ten tick with the same decimals, hence the same rounding)
                let one_unit_lower = price - Decimal::new(1, tick.decimals());
                let same_decimals = TickSize::ALL
                    .into_iter()
                    .find(|t| t.step() == 1 && t.decimals() == tick.decimals())
                    .unwrap();
                let lowered = (s(&c["kind"]) == "market")
                    .then(|| {
                        market_amounts_for(
                            ProtocolVersion::V2,
                            side,
                            size,
                            one_unit_lower,
                            same_decimals,
                        )
                    })
                    .and_then(Result::ok)
                    .map(|l| (l.maker, l.taker));
                if lowered == Some(py_amounts) {
                    py_price_floats += 1;
                } else {
                    let ok = py_amounts.0 <= a.maker && py_amounts.1 <= a.taker;
                    assert!(
                        ok,
                        "{c}: ours {:?}, python {py_amounts:?}",
                        (a.maker, a.taker)
                    );
                    py_amount_floats += 1;
                }
            }
            Err(e) => panic!("{c}: we refuse ({e}) what the client signs as {py_amounts:?}"),
        }
    }
    assert!(
        by_type.iter().all(|&n| n > 10),
        "every signature type: {by_type:?}"
    );
    assert_eq!(
        same_amounts + py_amount_floats + py_price_floats,
        rows.len()
    );
    println!(
        "{same_amounts} equal, {py_amount_floats} Python amount floats, {py_price_floats} Python price floats"
    );
    assert!(
        same_amounts * 10 >= rows.len() * 8,
        "the float classes stay small: {py_amount_floats} + {py_price_floats} of {}",
        rows.len()
    );
}
