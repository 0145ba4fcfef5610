//! V2 orders against the known answers of the official V2 clients (`py-clob-client-v2` 1.2.1,
//! `@polymarket/clob-client-v2` 1.1.0 and `polymarket_client_sdk_v2` 0.9.0 agree on each, see
//! the reference's v2.md §1.5): struct hash, order id, signature, and the exact `POST /order`
//! body of the Python client (checked through its L2 HMAC, which covers every byte).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clobkit_core::amounts::{OrderAmounts, limit_amounts, market_amounts};
use clobkit_core::auth::{ApiCredentials, L2Auth};
use clobkit_core::chain::Chain;
use clobkit_core::eip712::ExchangeDomain;
use clobkit_core::order::{Order, OrderVersion, SignedOrder};
use clobkit_core::protocol::ProtocolVersion;
use clobkit_core::signer::{LocalSigner, Signer};
use clobkit_core::types::{ApiKey, OrderType, Side, SignatureType, TickSize, TokenId};
use clobkit_core::wire::PostOrder;
use clobkit_core::{Decimal, U256};

/// Hardhat account #0, the key of every vector.
const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const TOKEN_A: &str =
    "71321045679252212594626385532706912750332728571942532289631379312455583992563";
const SALT_A: u64 = 1_234_567_890;
const TS_A: u64 = 1_700_000_000_000;

fn key() -> LocalSigner {
    LocalSigner::from_hex(KEY).unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn eoa_order(s: &LocalSigner, token: TokenId, amounts: OrderAmounts, salt: u64, ts: u64) -> Order {
    Order::new_v2(
        salt,
        s.address(),
        s.address(),
        token,
        amounts,
        SignatureType::Eoa,
        ts,
    )
}

fn domain(chain: Chain, neg_risk: bool) -> ExchangeDomain {
    ExchangeDomain::for_market(chain, &chain.contracts_for(ProtocolVersion::V2), neg_risk)
}

/// Vector A: limit BUY 100 @ 0.5, Polygon, V2 exchange, EOA.
#[test]
fn vector_a_limit_buy() {
    let s = key();
    let amounts = limit_amounts(Side::Buy, dec("0.5"), dec("100"), TickSize::Hundredth).unwrap();
    assert_eq!((amounts.maker, amounts.taker), (50_000_000, 100_000_000));
    let order = eoa_order(&s, TOKEN_A.parse().unwrap(), amounts, SALT_A, TS_A);
    assert_eq!(
        order.struct_hash().to_string(),
        "0x8e2564feb4c0fd05ebce231c8d798149abb9db954ae21705ce3d9dce0c4a4a42"
    );
    let prepared = order.prepare(&domain(Chain::Polygon, false), &s).unwrap();
    assert_eq!(
        prepared.id().to_string(),
        "0x161cdafd682e1563205186a0bedec343471c998ca27ec402664c48a66b508a43"
    );
    assert_eq!(
        prepared.signed().signature.to_string(),
        "0x8579897cd425db831a4cf4de3db92dd7b7e52d7cfe3c7ba050e8b1682b6f37dd03abf7d100590dfc84c44f8d0eb8746f3db9368ba6a6248eb4c3ce6e7f1531451b"
    );

    // The Python client's body for this order, byte for byte: its HMAC (secret 32 zero bytes,
    // timestamp 1700000000, POST /order) is the one the official client computes.
    let creds = ApiCredentials {
        api_key: ApiKey::new("000000000-0000-0000-0000-000000000000".to_owned()).unwrap(),
        secret: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_owned(),
        passphrase: "p".to_owned(),
    };
    let body = PostOrder {
        order: *prepared.signed(),
        owner: creds.api_key.clone(),
        order_type: OrderType::Gtc,
        post_only: false,
        defer_exec: None,
    };
    let bytes = serde_json::to_vec(&body).unwrap();
    let auth = L2Auth::new(creds, s.address()).unwrap();
    let headers = auth.headers(1_700_000_000, "POST", "/order", &bytes);
    let sig = headers
        .iter()
        .find(|(k, _)| *k == "POLY_SIGNATURE")
        .map(|(_, v)| v.to_owned());
    assert_eq!(
        sig.as_deref(),
        Some("gjYIje9JJqcyWOwxFg0Tu5Sr3zD_zEnog9Q5eNJq2wM="),
        "body: {}",
        String::from_utf8_lossy(&bytes)
    );

    // and the body reads back as the same V2 order
    let back: PostOrder = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(back.order, *prepared.signed());
    assert_eq!(back.order.order.protocol(), ProtocolVersion::V2);
}

/// Vector C: the fields of the POLY_1271 vector signed by an EOA on Amoy.
#[test]
fn vector_c_amoy_eoa() {
    let s = key();
    let amounts = OrderAmounts {
        side: Side::Buy,
        maker: 100_000_000,
        taker: 50_000_000,
    };
    let order = eoa_order(
        &s,
        TokenId::from(1234),
        amounts,
        479_249_096_354,
        1_710_000_000_000,
    );
    let prepared = order.prepare(&domain(Chain::Amoy, false), &s).unwrap();
    assert_eq!(
        prepared.id().to_string(),
        "0x962c97b18bea292cc94b9479272aa74fb59a905e84a621a40eb339131e9fb6ba"
    );
    assert_eq!(
        prepared.signed().signature.to_string(),
        "0x518472f1b081f6bd713d638bb11d1bf0720ed577e93c52eb00ec9f5f325f7d510c65cbfdfe9130de2602185f4a500863d777d8b838cb28abc75ecc1b5330315d1c"
    );
}

/// Vector D: neg-risk limit SELL 12.34 @ 0.37 on Polygon.
#[test]
fn vector_d_neg_risk_sell() {
    let s = key();
    let amounts =
        limit_amounts(Side::Sell, dec("0.37"), dec("12.34"), TickSize::Hundredth).unwrap();
    assert_eq!((amounts.maker, amounts.taker), (12_340_000, 4_565_800));
    let order = eoa_order(&s, TOKEN_A.parse().unwrap(), amounts, SALT_A, TS_A);
    let prepared = order.prepare(&domain(Chain::Polygon, true), &s).unwrap();
    assert_eq!(
        prepared.id().to_string(),
        "0xaf2c2ebd20c5231d7cdb18199ea32ae0d6001582eed7710fa4e16a54c4549120"
    );
    assert_eq!(
        prepared.signed().signature.to_string(),
        "0x562c8c26904fad7725fc889241395b6609a4756b186de26d20041b8617e17ba45cd1b393c9e82ab94cd83a185ac56b5de5274733dda3175de8f3ca7723375b1c1b"
    );
}

/// Vector E: market BUY of $10 against a best ask of 0.52.
#[test]
fn vector_e_market_buy() {
    let s = key();
    let amounts = market_amounts(Side::Buy, dec("10"), dec("0.52"), TickSize::Hundredth).unwrap();
    assert_eq!((amounts.maker, amounts.taker), (10_000_000, 19_230_700));
    let order = eoa_order(&s, TOKEN_A.parse().unwrap(), amounts, SALT_A, TS_A);
    let prepared = order.prepare(&domain(Chain::Polygon, false), &s).unwrap();
    assert_eq!(
        prepared.signed().signature.to_string(),
        "0x9d829b4d7c1c194f61d2298c37dc41a66d71b8a56b7636c3aaa6ffd0707338a92e3adc14aded831a95b1be621793cb052e69fc20676b288e7a6ae5c597dedcb51c"
    );
}

/// A V2 order cannot be signed in a V1 domain, nor the other way round.
#[test]
fn versions_do_not_mix() {
    let s = key();
    let amounts = limit_amounts(Side::Buy, dec("0.5"), dec("10"), TickSize::Hundredth).unwrap();
    let v2 = eoa_order(&s, TokenId::from(1), amounts, 1, TS_A);
    let v1_domain = ExchangeDomain::for_market(Chain::Polygon, &Chain::Polygon.contracts(), false);
    let e = v2.prepare(&v1_domain, &s).unwrap_err();
    assert_eq!(
        e.to_string(),
        "order is a V2 order but the exchange domain is V1's"
    );
    let v1 = Order::new(
        1,
        s.address(),
        s.address(),
        TokenId::from(1),
        amounts,
        SignatureType::Eoa,
    );
    assert!(v1.prepare(&domain(Chain::Polygon, false), &s).is_err());
}

/// The order object's keys decide its version; mixing them is refused with a clear message.
#[test]
fn json_version_from_keys() {
    let s = key();
    let amounts = limit_amounts(Side::Buy, dec("0.5"), dec("10"), TickSize::Hundredth).unwrap();
    let order = eoa_order(&s, TokenId::from(7), amounts, 42, TS_A)
        .with_attribution(
            "0x0101010101010101010101010101010101010101010101010101010101010101"
                .parse()
                .unwrap(),
            "0x0202020202020202020202020202020202020202020202020202020202020202"
                .parse()
                .unwrap(),
        )
        .with_expiration(1_800_000_000);
    let signed = order.sign(&domain(Chain::Polygon, false), &s).unwrap();
    let json = serde_json::to_value(signed).unwrap();
    assert_eq!(json["timestamp"], "1700000000000");
    assert_eq!(json["expiration"], "1800000000");
    assert!(json.get("nonce").is_none() && json.get("taker").is_none());
    let back: SignedOrder = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, signed);

    let mut mixed = json;
    mixed["nonce"] = "0".into();
    let e = serde_json::from_value::<SignedOrder>(mixed).unwrap_err();
    assert!(e.to_string().contains("mixes V1 keys"), "{e}");

    // V1 bodies stay V1
    let v1 = Order::new(
        1,
        s.address(),
        s.address(),
        TokenId::from(7),
        amounts,
        SignatureType::Eoa,
    )
    .sign(
        &ExchangeDomain::for_market(Chain::Polygon, &Chain::Polygon.contracts(), false),
        &s,
    )
    .unwrap();
    let back: SignedOrder = serde_json::from_value(serde_json::to_value(v1).unwrap()).unwrap();
    assert!(matches!(back.order.version, OrderVersion::V1 { .. }));
}

/// Vector B: a POLY_1271 (deposit wallet) order on Amoy; the wrapped signature is the official
/// clients' `EXPECTED_POLY_1271_SIGNATURE` byte for byte (owner signature, app domain, contents
/// hash, the type string and its length).
#[test]
fn vector_b_poly1271() {
    use clobkit_core::order::{ORDER_TYPE_STRING_V2, OrderSignature};
    use clobkit_core::verify::{SignatureError, verify_order};
    use clobkit_core::wallet::WalletFactories;

    let s = key();
    let wallet: clobkit_core::Address = "0x1111111111111111111111111111111111111111"
        .parse()
        .unwrap();
    let amounts = OrderAmounts {
        side: Side::Buy,
        maker: 100_000_000,
        taker: 50_000_000,
    };
    let order = Order::new_v2(
        479_249_096_354,
        wallet,
        wallet,
        TokenId::from(1234),
        amounts,
        SignatureType::Poly1271,
        1_710_000_000_000,
    );
    let d = domain(Chain::Amoy, false);
    let prepared = order.prepare(&d, &s).unwrap();
    assert_eq!(
        prepared.id().to_string(),
        "0x2afca94626db91b2d556c351584a4cd93e13da32e377dc48c7983e43afa5ab47"
    );
    let expected = format!(
        "0x{}{}{}{}00ba",
        "a3a093c83b6c20c83355c16ce94c92e6e9fcbdeb840618cc74f6c57a42ad145b2b98db73d2c73cbf1f2b6af288566ae81960ddbc3a13921027358a8bff3be6ff1c",
        "a440cbd865bc0c6243d7a8df9a8bf48a8827b0a4abbb61c30e96d305423af148",
        "d23d42d3ad94e65d78258cecaf8dcbaddac0f73dc085040f2c12bb595dd83804",
        ORDER_TYPE_STRING_V2
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    assert_eq!(prepared.signed().signature.to_string(), expected);

    // What an offline exchange can check: the wrapper fits this order and domain, and the key
    // that signed is the owner's.
    let f = WalletFactories::of(Chain::Amoy);
    let v = verify_order(prepared.signed(), &d, &f).unwrap();
    assert_eq!((v.id, v.key), (prepared.id(), s.address()));

    // The JSON carries the 317-byte signature and reads back the same.
    let json = serde_json::to_string(prepared.signed()).unwrap();
    let back: SignedOrder = serde_json::from_str(&json).unwrap();
    assert_eq!(back, *prepared.signed());

    // The same wrapper on another order, or checked in another domain, is refused.
    let mut other = *prepared.signed();
    other.order.taker_amount = U256::from(50_000_001u64);
    assert_eq!(
        verify_order(&other, &d, &f),
        Err(SignatureError::Poly1271Mismatch { what: "order" })
    );
    let polygon = domain(Chain::Polygon, false);
    assert_eq!(
        verify_order(prepared.signed(), &polygon, &f),
        Err(SignatureError::Poly1271Mismatch {
            what: "exchange domain"
        })
    );
    // A type-3 order with a plain signature, and a deposit wallet order whose maker is not its
    // signer, are refused.
    let mut plain = *prepared.signed();
    plain.signature = OrderSignature::Ecdsa(*prepared.signed().signature.ecdsa());
    assert!(matches!(
        verify_order(&plain, &d, &f),
        Err(SignatureError::WrongForm { .. })
    ));
    let mut split = order;
    split.maker = s.address();
    assert!(split.prepare(&d, &s).is_err());
}
