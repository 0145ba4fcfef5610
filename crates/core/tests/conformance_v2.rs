//! clobkit-core against the official V2 clients, `py-clob-client-v2` 1.2.1 and
//! `@polymarket/clob-client-v2` 1.1.0, case by case (`conformance/vectors/v2_*.json`,
//! regenerated and compared by `.ci/run`): every order id, every signature (EOA, proxy, Safe and
//! POLY_1271 wrappers), every body (Python's byte for byte, TypeScript's key order aside), the
//! amounts (where we are exact and the clients' floats are not, in named classes), the V1 orders
//! the V2 clients build for a V1 venue, and the L1 and L2 headers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::str::FromStr;

use clobkit_core::amounts::{
    AmountError, limit_amounts, market_amounts_for, market_order_price, market_price,
};
use clobkit_core::auth::{ApiCredentials, L2Auth, l1_headers};
use clobkit_core::book::PriceLevel;
use clobkit_core::chain::Chain;
use clobkit_core::eip712::{ClobAuthDomain, ExchangeDomain};
use clobkit_core::order::OrderVersion;
use clobkit_core::protocol::ProtocolVersion;
use clobkit_core::signer::{LocalSigner, Signer};
use clobkit_core::types::{ApiKey, OrderType, Side, TickSize};
use clobkit_core::verify::verify_order;
use clobkit_core::wallet::WalletFactories;
use clobkit_core::wire::PostOrder;
use clobkit_core::{Address, Decimal, U256};
use serde_json::Value;

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

fn load(name: &str) -> Value {
    let path = format!(
        "{}/../../conformance/vectors/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str::<Value>(&text).unwrap()["rows"].clone()
}

/// How a client's amounts relate to ours for the same inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Amounts {
    /// Identical.
    Equal,
    /// The client floored a binary float one unit low (`2390.2 · 100 = 239019.999…`): it signs
    /// less, never more, than the exact amount.
    AmountFloat,
    /// The client floored a market order's price one unit of its last decimal low
    /// (`round_down(0.3203, 4) = 0.3202`), and the amounts follow from that price.
    PriceFloat,
    /// A V1 market order on a 0.001 or 0.0001 tick: the client signs the received amount with 5
    /// or 6 decimals, which the V1 exchange refuses (it takes at most 4); ours is the same amount
    /// cut to 4 decimals.
    V1MarketPrecision,
}

/// Classifies the client's `(maker, taker)` for case `c` against ours (`version` picks the
/// market-order price rule); panics on any other difference, or where we refuse what it signs.
fn classify(c: &Value, version: ProtocolVersion, theirs: (u64, u64), who: &str) -> Amounts {
    let (side, tick): (Side, TickSize) = (
        s(&c["side"]).parse().unwrap(),
        s(&c["tick"]).parse().unwrap(),
    );
    let (price, size) = (
        Decimal::from_str(s(&c["price"])).unwrap(),
        Decimal::from_str(s(&c["size"])).unwrap(),
    );
    let market = s(&c["kind"]) == "market";
    let a = if market {
        let p = market_order_price(version, price, tick);
        market_amounts_for(version, side, size, p, tick)
    } else {
        limit_amounts(side, price, size, tick)
    };
    let a = match a {
        Ok(a) => a,
        Err(e) => panic!("{c}: we refuse ({e}) what {who} signs as {theirs:?}"),
    };
    // A V1 market order is compared after cutting what it receives (its taker amount) to the
    // 4 decimals the V1 exchange takes; the class is then V1MarketPrecision unless the price
    // float explains the rest.
    let v1_market = market && version == ProtocolVersion::V1;
    let cut = (theirs.0, theirs.1 - theirs.1 % 100);
    if (a.maker, a.taker) == theirs {
        return Amounts::Equal;
    }
    if v1_market && (a.maker, a.taker) == cut {
        return Amounts::V1MarketPrecision;
    }
    // the lowered price may fall between two ticks of 0.005 or 0.0025: it is computed on the
    // power-of-ten tick with the same decimals, hence the same rounding
    let one_unit_lower = price - Decimal::new(1, tick.decimals());
    let same_decimals = TickSize::ALL
        .into_iter()
        .find(|t| t.step() == 1 && t.decimals() == tick.decimals())
        .unwrap();
    let lowered = market
        .then(|| market_amounts_for(version, side, size, one_unit_lower, same_decimals))
        .and_then(Result::ok)
        .map(|l| (l.maker, l.taker));
    if lowered == Some(theirs) || (v1_market && lowered == Some(cut)) {
        return Amounts::PriceFloat;
    }
    assert!(
        theirs.0 <= a.maker && theirs.1 <= a.taker,
        "{c}: ours {:?}, {who} {theirs:?}",
        (a.maker, a.taker)
    );
    Amounts::AmountFloat
}

fn amounts_of(v: &Value) -> (u64, u64) {
    (
        s(&v["maker_amount"]).parse().unwrap(),
        s(&v["taker_amount"]).parse().unwrap(),
    )
}

/// Checks one client's signed order (its JSON body) for case `c` in `domain`: our verifier
/// names the case's key, our signer reproduces the client's signature over the same order, and
/// our serialization has the same keys and values. Returns the parsed body.
fn check_signed(
    c: &Value,
    body: &str,
    signature: &str,
    domain: &ExchangeDomain,
    who: &str,
) -> PostOrder {
    let chain = Chain::from_id(c["chain"].as_u64().unwrap()).unwrap();
    let signer = LocalSigner::from_hex(s(&c["private_key"])).unwrap();
    let posted: PostOrder = serde_json::from_str(body).unwrap_or_else(|e| panic!("{who} {e}: {c}"));
    let order = posted.order.order;
    let ours = order.sign(domain, &signer).unwrap();
    assert_eq!(ours.signature.to_string(), signature, "{who} {c}");
    let v = verify_order(&posted.order, domain, &WalletFactories::of(chain)).unwrap();
    assert_eq!(v.key, signer.address(), "{who} {c}");
    let again: Value = serde_json::from_str(&serde_json::to_string(&posted).unwrap()).unwrap();
    let theirs: Value = serde_json::from_str(body).unwrap();
    assert_eq!(again, theirs, "{who} body {c}");
    posted
}

#[test]
fn v2_orders_match_the_official_v2_clients() {
    let rows = load("v2_orders");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 520);
    let mut classes: std::collections::BTreeMap<(&str, Amounts), usize> = Default::default();
    let mut by_type = [0usize; 4];
    for r in rows {
        let c = &r["case"];
        let py = &r["python"];
        let chain = Chain::from_id(c["chain"].as_u64().unwrap()).unwrap();
        let neg_risk = c["neg_risk"].as_bool().unwrap();
        let domain =
            ExchangeDomain::for_market(chain, &chain.contracts_for(ProtocolVersion::V2), neg_risk);
        assert_eq!(
            domain.verifying_contract(),
            s(&py["exchange"]).parse::<Address>().unwrap()
        );
        // Python: the id, and the body byte for byte
        let body = s(&py["body"]);
        let posted = check_signed(c, body, s(&py["signature"]), &domain, "python");
        assert_eq!(posted.order.order.protocol(), ProtocolVersion::V2);
        assert_eq!(
            posted.order.id(&domain).to_string(),
            s(&py["order_id"]),
            "{c}"
        );
        assert_eq!(serde_json::to_string(&posted).unwrap(), body, "{c}");
        by_type[usize::from(posted.order.order.signature_type.as_u8())] += 1;
        // TypeScript: the same case with its own salt
        let ts = &r["ts"];
        let ts_posted = check_signed(c, s(&ts["body"]), s(&ts["signature"]), &domain, "ts");
        assert_eq!(
            ts_posted.order.order.salt.to_string(),
            s(&ts["salt"]),
            "{c}"
        );
        for (who, v) in [("python", py), ("ts", ts)] {
            let class = classify(c, ProtocolVersion::V2, amounts_of(v), who);
            *classes.entry((who, class)).or_default() += 1;
        }
    }
    assert!(
        by_type.iter().all(|&n| n > 10),
        "every signature type: {by_type:?}"
    );
    println!("{classes:?}");
    for who in ["python", "ts"] {
        let equal = classes.get(&(who, Amounts::Equal)).copied().unwrap_or(0);
        assert!(
            equal * 10 >= rows.len() * 8,
            "{who}: the float classes stay small: {classes:?}"
        );
    }
}

#[test]
fn v1_orders_from_the_v2_clients_verify_in_the_v1_domains() {
    let rows = load("v2_v1_orders");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 60);
    let mut classes: std::collections::BTreeMap<(&str, Amounts), usize> = Default::default();
    for r in rows {
        let c = &r["case"];
        let chain = Chain::from_id(c["chain"].as_u64().unwrap()).unwrap();
        let neg_risk = c["neg_risk"].as_bool().unwrap();
        let domain =
            ExchangeDomain::for_market(chain, &chain.contracts_for(ProtocolVersion::V1), neg_risk);
        for who in ["python", "ts"] {
            let v = &r[who];
            let posted = check_signed(c, s(&v["body"]), s(&v["signature"]), &domain, who);
            let o = &posted.order.order;
            assert_eq!(o.protocol(), ProtocolVersion::V1, "{who} {c}");
            let OrderVersion::V1 {
                fee_rate_bps,
                nonce,
                ..
            } = o.version
            else {
                panic!("{who} {c}: not a V1 order");
            };
            assert_eq!(
                (fee_rate_bps, nonce),
                (
                    U256::from(c["fee_rate_bps"].as_u64().unwrap()),
                    U256::from(c["nonce"].as_u64().unwrap())
                ),
                "{who} {c}"
            );
            let class = classify(c, ProtocolVersion::V1, amounts_of(v), who);
            *classes.entry((who, class)).or_default() += 1;
        }
    }
    println!("{classes:?}");
    for who in ["python", "ts"] {
        let equal = classes.get(&(who, Amounts::Equal)).copied().unwrap_or(0);
        assert!(equal * 10 >= rows.len() * 7, "{who}: {classes:?}");
    }
}

#[test]
fn l1_and_l2_headers_match_the_official_v2_clients() {
    let rows = load("v2_headers");
    let l1 = rows["l1"].as_array().unwrap();
    assert_eq!(l1.len(), 40);
    for r in l1 {
        let c = &r["case"];
        let signer = LocalSigner::from_hex(s(&c["private_key"])).unwrap();
        let h = l1_headers(
            &signer,
            &ClobAuthDomain::new(c["chain"].as_u64().unwrap()),
            c["timestamp"].as_u64().unwrap(),
            U256::from(c["nonce"].as_u64().unwrap()),
        )
        .unwrap();
        for who in ["python", "ts"] {
            let v = &r[who];
            let got = (&h.address, &h.signature, &h.timestamp, &h.nonce);
            let want = (
                s(&v["POLY_ADDRESS"]),
                s(&v["POLY_SIGNATURE"]),
                s(&v["POLY_TIMESTAMP"]),
                s(&v["POLY_NONCE"]),
            );
            assert_eq!(
                (
                    got.0.as_str(),
                    got.1.as_str(),
                    got.2.as_str(),
                    got.3.as_str()
                ),
                want,
                "{who} {c}"
            );
        }
    }
    let l2 = rows["l2"].as_array().unwrap();
    assert_eq!(l2.len(), 40);
    let mut apostrophes = 0;
    for r in l2 {
        let c = &r["case"];
        let signer = LocalSigner::from_hex(s(&c["private_key"])).unwrap();
        let creds = ApiCredentials {
            api_key: ApiKey::new(s(&c["api_key"])).unwrap(),
            secret: s(&c["secret"]).into(),
            passphrase: s(&c["passphrase"]).into(),
        };
        let auth = L2Auth::new(creds, signer.address()).unwrap();
        let body = c["body"].as_str().unwrap_or("");
        let (m, p) = (s(&c["method"]), s(&c["path"]));
        let h = auth.headers(c["timestamp"].as_u64().unwrap(), m, p, body.as_bytes());
        // TypeScript signs the raw body: every header equal
        let ts = &r["ts"];
        assert_eq!(
            (
                h.address,
                h.signature.as_str(),
                h.timestamp.as_str(),
                h.api_key,
                h.passphrase
            ),
            (
                s(&ts["POLY_ADDRESS"]),
                s(&ts["POLY_SIGNATURE"]),
                s(&ts["POLY_TIMESTAMP"]),
                s(&ts["POLY_API_KEY"]),
                s(&ts["POLY_PASSPHRASE"]),
            ),
            "{c}"
        );
        // Python 1.2.1 still signs the body with ' replaced by " (v2.md errata 2); the exchange
        // accepts both for the raw bytes on the wire
        let py = s(&r["python"]["POLY_SIGNATURE"]);
        if body.contains('\'') {
            apostrophes += 1;
            assert_ne!(py, h.signature, "{c}");
        }
        assert_eq!(
            auth.signature(&h.timestamp, m, p, body.replace('\'', "\"").as_bytes()),
            py,
            "{c}"
        );
        assert_eq!(auth.verify(&h.timestamp, m, p, body.as_bytes(), py), Ok(()));
    }
    assert!(apostrophes > 0, "the apostrophe class is covered");
}

#[test]
fn market_price_walks_match_the_official_v2_clients() {
    let rows = load("v2_walks");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 80);
    let mut no_match = 0;
    for r in rows {
        let c = &r["case"];
        let levels: Vec<PriceLevel> = serde_json::from_value(c["levels"].clone()).unwrap();
        let ot: OrderType = s(&c["order_type"]).parse().unwrap();
        let side: Side = s(&c["side"]).parse().unwrap();
        let amount = Decimal::from_str(s(&c["amount"])).unwrap();
        let ours = market_price(side, &levels, amount, ot);
        for who in ["python", "ts"] {
            let rec = &r[who];
            match (&ours, rec.get("price")) {
                (Ok(p), Some(theirs)) => {
                    assert_eq!(*p, Decimal::from_str(s(theirs)).unwrap(), "{who} {c}")
                }
                (Err(AmountError::EmptyBook { .. } | AmountError::CannotFill { .. }), None) => {
                    assert_eq!(s(&rec["error"]), "no match", "{who} {c}");
                    no_match += 1;
                }
                (o, t) => panic!("{who} {c}: ours {o:?} theirs {t:?}"),
            }
        }
    }
    assert!(no_match > 0, "the no-match class is covered");
}

/// Book hashes as both V2 clients compute them, including books before their first trade,
/// whose `last_trade_price` the exchange sends as `""`.
#[test]
fn book_hashes_match_the_official_v2_clients() {
    let rows = load("v2_books");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 30);
    let mut before_first_trade = 0;
    for r in rows {
        let c = &r["case"];
        let book: clobkit_core::book::OrderBookSummary =
            serde_json::from_value(c.clone()).unwrap_or_else(|e| panic!("{e}: {c}"));
        if s(&c["last_trade_price"]).is_empty() {
            assert_eq!(book.last_trade_price, None);
            before_first_trade += 1;
        }
        let h = book.compute_hash();
        assert_eq!(h, s(&r["python"]), "{c}");
        assert_eq!(h, s(&r["ts"]), "{c}");
    }
    assert!(before_first_trade > 0);
}
