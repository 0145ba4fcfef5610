//! Every method of the client against the real exchange, in-process on an ephemeral port: no
//! HTTP mocks. Each error variant the exchange can produce is provoked for real, 429 included (an
//! exchange started with tight rate limits).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::Duration;

use clobkit_client::{
    ApiErrorKind, BalanceAllowanceParams, ClientError, ClobClient, CreateOrderOptions,
    MarketOrderArgs, OpenOrderParams, OrderArgs, Pages, PostMode, PostOrdersArgs, RetryPolicy,
    TradeParams,
};
use clobkit_core::chain::Chain;
use clobkit_core::order::Order;
use clobkit_core::signer::{LocalSigner, Signer as _};
use clobkit_core::types::{OrderType, Side, SignatureType};
use clobkit_core::wallet::WalletFactories;
use clobkit_core::{Address, Decimal, U256};
use clobkit_server::ratelimit::{Limit, RateLimits, Route};
use serde_json::{Value, json};

mod common;
use common::*;

/// A BUY of 10 shares for `usdc_base` base units, built and signed by hand (no client checks), so
/// the exchange's own checks can be provoked; `tweak` edits the order before signing.
fn raw_bid(
    signer: &LocalSigner,
    salt: u64,
    token: &str,
    usdc_base: u64,
    tweak: impl FnOnce(&mut Order),
) -> clobkit_core::order::PreparedOrder {
    let amounts = clobkit_core::amounts::OrderAmounts {
        side: Side::Buy,
        maker: usdc_base,
        taker: 10_000_000,
    };
    let mut raw = Order::new(
        salt,
        signer.address(),
        signer.address(),
        tok(token),
        amounts,
        SignatureType::Eoa,
    );
    tweak(&mut raw);
    let domain = clobkit_core::eip712::ExchangeDomain::for_market(
        Chain::Polygon,
        &Chain::Polygon.contracts(),
        false,
    );
    raw.prepare(&domain, signer).unwrap()
}

fn kind(e: ClientError) -> ApiErrorKind {
    e.kind().unwrap_or_else(|| panic!("not an API error: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_data_and_keys() {
    let ex = exchange(10).await;
    ex.market(1, "11", "12", json!({})).await;
    ex.market(
        2,
        "21",
        "22",
        json!({ "neg_risk": true, "tick_size": "0.001", "fee_rate_bps": 100 }),
    )
    .await;
    let c = ClobClient::new(&ex.base, Chain::Polygon).unwrap();
    assert_eq!(c.get_ok().await.unwrap(), "OK");
    assert!(c.get_server_time().await.unwrap() > 1_700_000_000);
    let markets = c.get_markets(None).await.unwrap();
    assert_eq!(
        (markets.data.len(), markets.next_cursor.is_end()),
        (2, true)
    );
    assert!(c.get_market(&cond(2)).await.unwrap().neg_risk);
    assert_eq!(c.get_simplified_markets(None).await.unwrap().data.len(), 2);
    assert_eq!(c.get_tick_size(&tok("21")).await.unwrap().as_str(), "0.001");
    assert!(c.get_neg_risk(&tok("21")).await.unwrap());
    assert_eq!(c.get_fee_rate_bps(&tok("21")).await.unwrap(), 100);
    assert_eq!(
        kind(c.get_market(&cond(9)).await.unwrap_err()),
        ApiErrorKind::NotFound
    );

    // L1: create, then create again fails, derive returns it, create_or_derive too
    let l1 = c
        .clone()
        .with_signer(LocalSigner::from_hex(K[0]).unwrap())
        .unwrap();
    let created = l1.create_api_key(None).await.unwrap();
    assert!(matches!(
        l1.create_api_key(None).await,
        Err(ClientError::Api { status: 400, .. })
    ));
    assert_eq!(l1.derive_api_key(None).await.unwrap(), created);
    assert_eq!(l1.create_or_derive_api_key(None).await.unwrap(), created);
    let other_nonce = l1.create_api_key(Some(7)).await.unwrap();
    assert_ne!(other_nonce.api_key, created.api_key);
    let l2 = l1.with_credentials(created.clone()).unwrap();
    let mut keys = l2.get_api_keys().await.unwrap();
    keys.sort();
    let mut want = vec![created.api_key.to_string(), other_nonce.api_key.to_string()];
    want.sort();
    assert_eq!(keys, want);
    assert!(!l2.get_closed_only_mode().await.unwrap());
    l2.delete_api_key().await.unwrap();
    assert_eq!(
        kind(l2.get_api_keys().await.unwrap_err()),
        ApiErrorKind::Unauthorized
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trading_every_order_type_and_signature_type() {
    let ex = exchange(10).await;
    ex.market(1, "11", "12", json!({})).await;
    ex.market(
        2,
        "21",
        "22",
        json!({ "neg_risk": true, "tick_size": "0.001" }),
    )
    .await;
    let eoa = ex.trader(0, SignatureType::Eoa).await;
    let proxy = ex.trader(1, SignatureType::PolyProxy).await;
    let safe = ex.trader(2, SignatureType::PolyGnosisSafe).await;
    let f = WalletFactories::of(Chain::Polygon);
    let a1 = LocalSigner::from_hex(K[1]).unwrap().address();
    assert_eq!(
        proxy.funder(),
        f.proxy_wallet(a1),
        "proxy funder derived by CREATE2"
    );
    ex.admin("split", json!({ "address": eoa.funder().unwrap().to_string(), "market": cond(1).to_string(), "amount": "500" })).await;
    ex.admin("split", json!({ "address": safe.funder().unwrap().to_string(), "market": cond(2).to_string(), "amount": "100" })).await;
    let o = CreateOrderOptions::default();

    // GTC SELL rests; a proxy BUY fills at the maker's price
    let ask = eoa
        .create_and_post_order(
            &OrderArgs::new(tok("11"), d("0.55"), d("100"), Side::Sell),
            o,
            OrderType::Gtc,
        )
        .await
        .unwrap();
    assert_eq!(ask.status.as_ref().map(|s| s.as_str()), Some("live"));
    let ask_id = ask.order_id.parse().unwrap();
    let fill = proxy
        .create_and_post_order(
            &OrderArgs::new(tok("11"), d("0.60"), d("50"), Side::Buy),
            o,
            OrderType::Gtc,
        )
        .await
        .unwrap();
    assert_eq!(
        (fill.making_amount, fill.taking_amount),
        (Some(d("27.5")), Some(d("50")))
    );
    let bal = proxy
        .get_balance_allowance(&BalanceAllowanceParams::conditional(tok("11")))
        .await
        .unwrap();
    assert_eq!(bal.balance, d("50000000"));
    proxy
        .update_balance_allowance(&BalanceAllowanceParams::collateral())
        .await
        .unwrap();
    assert_eq!(eoa.get_order(&ask_id).await.unwrap().size_matched, d("50"));

    // public data on a book with levels
    assert_eq!(
        eoa.get_price(&tok("11"), Side::Sell).await.unwrap(),
        d("0.55")
    );
    proxy
        .create_and_post_order(
            &OrderArgs::new(tok("11"), d("0.45"), d("10"), Side::Buy),
            o,
            OrderType::Gtc,
        )
        .await
        .unwrap();
    assert_eq!(eoa.get_midpoint(&tok("11")).await.unwrap(), d("0.5"));
    assert_eq!(eoa.get_spread(&tok("11")).await.unwrap(), d("0.1"));
    let prices = eoa
        .get_prices(&[(tok("11"), Side::Buy), (tok("11"), Side::Sell)])
        .await
        .unwrap();
    assert_eq!(prices["11"]["BUY"], d("0.45"));
    assert_eq!(
        eoa.get_midpoints(&[tok("11")]).await.unwrap()["11"],
        d("0.5")
    );
    assert_eq!(eoa.get_spreads(&[tok("11")]).await.unwrap()["11"], d("0.1"));
    assert_eq!(
        eoa.get_last_trade_price(&tok("11")).await.unwrap().price,
        d("0.55")
    );
    assert_eq!(
        eoa.get_last_trades_prices(&[tok("11")]).await.unwrap()[0].price,
        d("0.55")
    );
    let books = eoa.get_order_books(&[tok("11"), tok("12")]).await.unwrap();
    assert!(books.iter().all(|b| b.hash_is_valid()), "book hashes");
    assert_eq!(
        eoa.calculate_market_price(&tok("11"), Side::Buy, d("10"), OrderType::Fok)
            .await
            .unwrap(),
        d("0.55")
    );

    // market orders: FOK BUY in USDC, FAK SELL in shares
    let m = proxy
        .create_and_post_market_order(&MarketOrderArgs::new(tok("11"), d("11"), Side::Buy), o)
        .await
        .unwrap();
    assert_eq!(
        (m.making_amount, m.taking_amount),
        (Some(d("11")), Some(d("20")))
    );
    let mut fak = MarketOrderArgs::new(tok("11"), d("30"), Side::Sell);
    fak.order_type = OrderType::Fak;
    let r = eoa.create_and_post_market_order(&fak, o).await.unwrap();
    assert_eq!(
        (r.making_amount, r.taking_amount),
        (Some(d("10")), Some(d("4.5"))),
        "FAK SELL 30 fills the 10 bid at 0.45"
    );

    // GTD and neg-risk, from the Safe
    let mut gtd = OrderArgs::new(tok("21"), d("0.456"), d("10"), Side::Sell);
    gtd.expiration = clobkit_server::app::unix_now() + 3600;
    let g = safe
        .create_and_post_order(&gtd, o, OrderType::Gtd)
        .await
        .unwrap();
    let got = safe.get_order(&g.order_id.parse().unwrap()).await.unwrap();
    assert_eq!((got.order_type, got.price), (OrderType::Gtd, d("0.456")));
    assert!(safe.is_order_scoring(&got.id).await.unwrap());
    assert!(safe.are_orders_scoring(&[got.id]).await.unwrap()[&got.id.to_string()]);

    // a batch of 15, then pagination past 100
    let mut batch = Vec::new();
    for i in 0..15 {
        let p = Decimal::new(10 + i, 2);
        batch.push(PostOrdersArgs::new(
            eoa.create_order(&OrderArgs::new(tok("12"), p, d("5"), Side::Buy), o)
                .await
                .unwrap(),
            OrderType::Gtc,
        ));
    }
    let rs = eoa.post_orders(batch.clone()).await.unwrap();
    assert!(rs.iter().all(|r| r.is_ok()) && rs.len() == 15);
    batch.push(batch[0].clone());
    assert!(
        matches!(
            eoa.post_orders(batch).await,
            Err(ClientError::Validation(_))
        ),
        "16 refused before sending"
    );
    for i in 0..100 {
        let p = Decimal::new(100 + i, 3);
        eoa.create_and_post_order(
            &OrderArgs::new(tok("21"), p, d("5"), Side::Buy),
            o,
            OrderType::Gtc,
        )
        .await
        .unwrap();
    }
    let all = eoa
        .get_open_orders(&OpenOrderParams::default(), Pages::All, None)
        .await
        .unwrap();
    assert_eq!(all.len(), 1 + 15 + 100);
    assert_eq!(
        eoa.get_open_orders(&OpenOrderParams::default(), Pages::First, None)
            .await
            .unwrap()
            .len(),
        100,
        "first page only"
    );
    assert_eq!(
        eoa.get_open_orders(
            &OpenOrderParams::default().market(cond(2)),
            Pages::All,
            None
        )
        .await
        .unwrap()
        .len(),
        100
    );

    // trades: all, one page, filtered
    let trades = proxy
        .get_trades(&TradeParams::default(), Pages::All, None)
        .await
        .unwrap();
    assert_eq!(trades.len(), 3);
    let page = proxy
        .get_trades_paginated(&TradeParams::default(), None)
        .await
        .unwrap();
    assert_eq!((page.count, page.next_cursor.as_str()), (3, "LTE="));
    assert_eq!(
        eoa.get_trades(&TradeParams::default().market(cond(1)), Pages::All, None)
            .await
            .unwrap()
            .len(),
        3
    );

    // cancels, every way
    let ids: Vec<_> = eoa
        .get_open_orders(
            &OpenOrderParams::default().asset_id(tok("12")),
            Pages::All,
            None,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(
        eoa.cancel_order(&ids[0]).await.unwrap().canceled,
        vec![ids[0].to_string()]
    );
    assert_eq!(
        eoa.cancel_orders(&ids[1..5]).await.unwrap().canceled.len(),
        4
    );
    assert_eq!(
        eoa.cancel_market_orders(None, Some(&tok("12")))
            .await
            .unwrap()
            .canceled
            .len(),
        10
    );
    assert_eq!(
        eoa.cancel_market_orders(Some(&cond(2)), None)
            .await
            .unwrap()
            .canceled
            .len(),
        100
    );
    assert!(matches!(
        eoa.cancel_market_orders(None, None).await,
        Err(ClientError::Validation(_))
    ));
    assert_eq!(
        eoa.cancel_all().await.unwrap().canceled,
        vec![ask_id.to_string()]
    );
    assert!(
        eoa.get_open_orders(&OpenOrderParams::default(), Pages::All, None)
            .await
            .unwrap()
            .is_empty()
    );

    // notifications
    let n = eoa.get_notifications().await.unwrap();
    assert!(n.iter().any(|x| x.kind == 1) && n.iter().any(|x| x.kind == 2));
    let drop: Vec<u64> = n.iter().take(5).map(|x| x.id).collect();
    eoa.drop_notifications(&drop).await.unwrap();
    assert_eq!(eoa.get_notifications().await.unwrap().len(), n.len() - 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_the_exchange_can_return() {
    let ex = exchange(1).await;
    ex.market(1, "11", "12", json!({})).await;
    ex.market(3, "31", "32", json!({ "fee_rate_bps": 100 }))
        .await;
    let a = ex.trader(0, SignatureType::Eoa).await;
    let b = ex.trader(1, SignatureType::Eoa).await;
    ex.admin("split", json!({ "address": a.funder().unwrap().to_string(), "market": cond(1).to_string(), "amount": "100" })).await;
    let o = CreateOrderOptions::default();
    let buy = |p: &str, s: &str| OrderArgs::new(tok("11"), d(p), d(s), Side::Buy);

    let e = b
        .create_and_post_order(&buy("0.5", "100000"), o, OrderType::Gtc)
        .await
        .unwrap_err();
    assert_eq!(kind(e), ApiErrorKind::NotEnoughBalance);
    let e = b
        .create_and_post_order(&buy("0.5", "1"), o, OrderType::Gtc)
        .await
        .unwrap_err();
    assert_eq!(kind(e), ApiErrorKind::MinimumSize);
    a.create_and_post_order(
        &OrderArgs::new(tok("11"), d("0.5"), d("10"), Side::Sell),
        o,
        OrderType::Gtc,
    )
    .await
    .unwrap();
    let post_only = b.create_order(&buy("0.5", "10"), o).await.unwrap();
    assert_eq!(
        kind(
            b.post_order_with(post_only, OrderType::Gtc, PostMode::PostOnly)
                .await
                .unwrap_err()
        ),
        ApiErrorKind::PostOnlyCrosses
    );
    let mut fok = MarketOrderArgs::new(tok("11"), d("100"), Side::Buy);
    fok.price = Some(d("0.5"));
    assert_eq!(
        kind(b.create_and_post_market_order(&fok, o).await.unwrap_err()),
        ApiErrorKind::FokNotFilled
    );
    let mut fak = MarketOrderArgs::new(tok("11"), d("10"), Side::Buy);
    fak.price = Some(d("0.1"));
    fak.order_type = OrderType::Fak;
    assert_eq!(
        kind(b.create_and_post_market_order(&fak, o).await.unwrap_err()),
        ApiErrorKind::FakNoMatch
    );
    let once = b.create_order(&buy("0.2", "10"), o).await.unwrap();
    b.post_order(once, OrderType::Gtc).await.unwrap();
    assert_eq!(
        kind(b.post_order(once, OrderType::Gtc).await.unwrap_err()),
        ApiErrorKind::Duplicated
    );
    let mut gtd = buy("0.2", "10");
    gtd.expiration = clobkit_server::app::unix_now() + 10;
    assert_eq!(
        kind(
            b.create_and_post_order(&gtd, o, OrderType::Gtd)
                .await
                .unwrap_err()
        ),
        ApiErrorKind::InvalidExpiration
    );
    // a signature that does not match the order
    let prepared = b.create_order(&buy("0.2", "10"), o).await.unwrap();
    let mut forged = prepared.into_signed();
    forged.order.taker_amount += U256::from(10_000u64);
    let forged = clobkit_core::order::PreparedOrder::from_parts(forged, prepared.id());
    assert_eq!(
        kind(b.post_order(forged, OrderType::Gtc).await.unwrap_err()),
        ApiErrorKind::InvalidSignature
    );
    // amounts with too many decimals, signed correctly
    let signer = LocalSigner::from_hex(K[1]).unwrap();
    let signed = raw_bid(&signer, 1, "11", 5_000_001, |_| {});
    assert_eq!(
        kind(b.post_order(signed, OrderType::Gtc).await.unwrap_err()),
        ApiErrorKind::Precision
    );
    // the fee rate: the client checks the market's before signing
    let mut fee = OrderArgs::new(tok("31"), d("0.5"), d("10"), Side::Buy);
    fee.fee_rate_bps = Some(5);
    assert!(
        matches!(b.create_order(&fee, o).await, Err(ClientError::Validation(m)) if m.contains("fee rate for the market must be 100"))
    );
    // ... and the exchange checks it too: a correctly signed order with the wrong fee rate
    let signed = raw_bid(&signer, 2, "31", 5_000_000, |o| *o = o.with_fee_rate_bps(5));
    assert_eq!(
        kind(b.post_order(signed, OrderType::Gtc).await.unwrap_err()),
        ApiErrorKind::FeeRate
    );
    // an off-tick price is refused before sending; a tick that changed on the exchange is
    // reported by it, and the cached tick is dropped
    assert!(matches!(
        b.create_order(&buy("0.555", "10"), o).await,
        Err(ClientError::Amount(_))
    ));
    assert_eq!(b.get_tick_size(&tok("11")).await.unwrap().as_str(), "0.01");
    ex.admin(
        "tick-size",
        json!({ "market": cond(1).to_string(), "tick_size": "0.1" }),
    )
    .await;
    let e = b
        .create_and_post_order(&buy("0.25", "10"), o, OrderType::Gtc)
        .await
        .unwrap_err();
    assert_eq!(kind(e), ApiErrorKind::TickSize);
    assert_eq!(
        b.get_tick_size(&tok("11")).await.unwrap().as_str(),
        "0.1",
        "refreshed after the rejection"
    );
    // a funder that is not the signer's wallet
    let wrong = ClobClient::builder(&ex.base)
        .signature_type(SignatureType::PolyGnosisSafe)
        .funder(Address::repeat_byte(9))
        .build()
        .unwrap();
    assert!(matches!(
        wrong.with_signer(LocalSigner::from_hex(K[2]).unwrap()),
        Err(ClientError::Validation(_))
    ));

    // heartbeats: a started chain that goes silent cancels every open order
    let resting = b
        .create_and_post_order(&buy("0.1", "10"), o, OrderType::Gtc)
        .await
        .unwrap();
    let hb = b.post_heartbeat(None).await.unwrap();
    b.post_heartbeat(Some(&hb)).await.unwrap();
    assert!(matches!(
        b.post_heartbeat(Some("not-it")).await,
        Err(ClientError::Api { status: 400, .. })
    ));
    {
        let _keep = b.start_heartbeats(Duration::from_millis(300));
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(
            b.get_order(&resting.order_id.parse().unwrap())
                .await
                .unwrap()
                .status
                .as_str(),
            "LIVE",
            "kept alive"
        );
    }
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert_eq!(
        b.get_order(&resting.order_id.parse().unwrap())
            .await
            .unwrap()
            .status
            .as_str(),
        "CANCELED",
        "cancelled on silence"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_failures() {
    clobkit_client::install_crypto_provider();
    // nothing listening: the request never left
    let closed = ClobClient::builder("http://127.0.0.1:9")
        .retry(clobkit_client::RetryPolicy {
            max_retries: 1,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(10),
        })
        .build()
        .unwrap();
    assert!(matches!(
        closed.get_ok().await,
        Err(ClientError::Connect(_))
    ));
    // a server that accepts and never answers: a posted order's outcome is unknown
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let ex = exchange(10).await;
    ex.market(1, "11", "12", json!({})).await;
    let c = ex.trader(0, SignatureType::Eoa).await;
    let order = c
        .create_order(
            &OrderArgs::new(tok("11"), d("0.5"), d("10"), Side::Buy),
            CreateOrderOptions::default(),
        )
        .await
        .unwrap();
    let creds = c.credentials().clone();
    let silent = ClobClient::builder(format!("http://{addr}"))
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap()
        .with_signer(LocalSigner::from_hex(K[0]).unwrap())
        .unwrap()
        .with_credentials(creds)
        .unwrap();
    match silent.post_order(order, OrderType::Gtc).await {
        Err(ClientError::Ambiguous { order_id, .. }) => {
            // the helper: the id to look up on the real exchange (not there: it never arrived)
            assert!(
                matches!(c.get_order(&order_id).await, Err(e) if e.kind() == Some(ApiErrorKind::NotFound))
            );
        }
        other => panic!("{other:?}"),
    }
}

/// 429 for real: the exchange runs with tight limits on `/book` and `POST /order`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_reject_and_gets_wait_them_out() {
    use reqwest::Method;
    let ex = exchange_with(|c| {
        c.rate_limits = RateLimits::new()
            .rule(
                Route::Exact(Method::GET, "/book".into()),
                Limit::per_secs(2, 2),
            )
            .rule(
                Route::Exact(Method::POST, "/order".into()),
                Limit::per_secs(1, 60),
            );
    })
    .await;
    ex.market(1, "11", "12", json!({})).await;
    let no_retry = ClobClient::builder(&ex.base)
        .retry(RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    for _ in 0..2 {
        no_retry.get_order_book(&tok("11")).await.unwrap();
    }
    // the bucket (2 per 2 s) is empty: one token comes back in 1 s
    match no_retry.get_order_book(&tok("11")).await {
        Err(ClientError::Api {
            status,
            message,
            kind,
            retry_after,
        }) => {
            assert_eq!((status, message.as_str()), (429, "Too Many Requests"));
            assert_eq!(kind, ApiErrorKind::RateLimited);
            assert_eq!(retry_after, Some(Duration::from_secs(1)));
        }
        other => panic!("expected a 429, got {other:?}"),
    }
    // a GET with retries on waits as told and then gets its answer
    let retrying = ClobClient::new(&ex.base, Chain::Polygon).unwrap();
    let started = std::time::Instant::now();
    let book = retrying.get_order_book(&tok("11")).await.unwrap();
    assert_eq!(book.asset_id, "11");
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "the retry honoured Retry-After"
    );

    // order posts are limited per API key and never retried
    let t = ex.trader(0, SignatureType::Eoa).await;
    let bid = |p: &str| OrderArgs::new(tok("11"), d(p), d("10"), Side::Buy);
    let opts = || {
        CreateOrderOptions::default()
            .tick_size(clobkit_core::types::TickSize::Hundredth)
            .neg_risk(false)
    };
    t.create_and_post_order(&bid("0.40"), opts(), OrderType::Gtc)
        .await
        .unwrap();
    let e = t
        .create_and_post_order(&bid("0.41"), opts(), OrderType::Gtc)
        .await
        .unwrap_err();
    assert_eq!(kind(e), ApiErrorKind::RateLimited);
    let open = t
        .get_open_orders(&OpenOrderParams::default(), Pages::All, None)
        .await
        .unwrap();
    assert_eq!(open.len(), 1, "the limited order was not placed");
    // another key has its own bucket
    let u = ex.trader(1, SignatureType::Eoa).await;
    u.create_and_post_order(&bid("0.39"), opts(), OrderType::Gtc)
        .await
        .unwrap();
}

/// The protocol version: asked once from `/version`; a client told V2 by its builder signs V2
/// orders, which this V1 exchange refuses with `order_version_mismatch`; the refusal makes the
/// client ask again, and `create_and_post_order` re-signs and places the order exactly once.
/// Arguments one version cannot sign are refused before anything is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_version_detection_and_mismatch_retry() {
    use clobkit_core::protocol::ProtocolVersion;

    let ex = exchange(10).await;
    ex.market(1, "11", "12", json!({})).await;
    let public = ClobClient::new(&ex.base, Chain::Polygon).unwrap();
    assert_eq!(public.get_version().await.unwrap(), ProtocolVersion::V1);
    assert_eq!(public.protocol().await.unwrap(), ProtocolVersion::V1);

    // a V2 client (builder override) against the V1 exchange
    let signer = LocalSigner::from_hex(K[0]).unwrap();
    let l1 = ClobClient::builder(&ex.base)
        .protocol(ProtocolVersion::V2)
        .build()
        .unwrap()
        .with_signer(signer)
        .unwrap();
    let creds = l1.create_or_derive_api_key(None).await.unwrap();
    let t = l1.with_credentials(creds).unwrap();
    ex.admin(
        "fund",
        json!({ "address": t.funder().unwrap().to_string(), "amount": "1000" }),
    )
    .await;
    let o = CreateOrderOptions::default();
    let bid = OrderArgs::new(tok("11"), d("0.40"), d("10"), Side::Buy);

    let v2 = t.create_order(&bid, o).await.unwrap();
    assert_eq!(v2.order().protocol(), ProtocolVersion::V2);
    let e = t.post_order(v2, OrderType::Gtc).await.unwrap_err();
    assert_eq!(kind(e), ApiErrorKind::VersionMismatch);
    // the refusal made the client forget V2: it asks the exchange, which says V1
    assert_eq!(t.protocol().await.unwrap(), ProtocolVersion::V1);
    assert!(
        t.get_open_orders(&OpenOrderParams::default(), Pages::All, None)
            .await
            .unwrap()
            .is_empty(),
        "a refused order changes nothing"
    );

    // V1 refuses V2-only arguments before sending anything
    let coded = bid.clone().builder_code(clobkit_core::B256::repeat_byte(1));
    assert!(matches!(
        t.create_order(&coded, o).await,
        Err(ClientError::Validation(m)) if m.contains("V2 orders only")
    ));

    // told V2 again, the one-call path re-signs for V1 after the refusal and places one order
    let l1 = ClobClient::builder(&ex.base)
        .protocol(ProtocolVersion::V2)
        .build()
        .unwrap()
        .with_signer(LocalSigner::from_hex(K[0]).unwrap())
        .unwrap();
    let creds = l1.create_or_derive_api_key(None).await.unwrap();
    let again = l1.with_credentials(creds).unwrap();
    // V2 refuses V1-only arguments before sending anything
    let fee = bid.clone().fee_rate_bps(0);
    assert!(matches!(
        again.create_order(&fee, o).await,
        Err(ClientError::Validation(m)) if m.contains("V2 orders sign no fee rate")
    ));
    let r = again
        .create_and_post_order(&bid, o, OrderType::Gtc)
        .await
        .unwrap();
    assert!(r.success);
    let open = again
        .get_open_orders(&OpenOrderParams::default(), Pages::All, None)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].id.to_string(), r.order_id.to_string());
    assert_eq!(again.protocol().await.unwrap(), ProtocolVersion::V1);
}

/// A V2 exchange: the client learns V2 from `/version` and trades on it with every signature
/// type it supports (EOA, proxy, Safe), on a neg-risk market with V2's 0.005 tick and a fee;
/// a price between two ticks is refused before sending; POLY_1271 is refused by this exchange
/// with a clear message; a client told V1 is corrected by the mismatch and places once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_exchange_end_to_end() {
    use clobkit_core::protocol::ProtocolVersion;

    let ex = exchange_with(|c| c.protocol = ProtocolVersion::V2).await;
    ex.market(1, "11", "12", json!({})).await;
    ex.market(
        2,
        "21",
        "22",
        json!({ "neg_risk": true, "tick_size": "0.005", "platform_fee": { "rate": "0.02", "exponent": 1 } }),
    )
    .await;
    let eoa = ex.trader(0, SignatureType::Eoa).await;
    let proxy = ex.trader(1, SignatureType::PolyProxy).await;
    let safe = ex.trader(2, SignatureType::PolyGnosisSafe).await;
    assert_eq!(eoa.protocol().await.unwrap(), ProtocolVersion::V2);
    // V2's market routes
    let by_token = eoa.get_market_by_token(&tok("22")).await.unwrap();
    assert_eq!(
        (
            by_token.condition_id,
            by_token.primary_token_id,
            by_token.secondary_token_id
        ),
        (cond(2).to_string(), "21".to_owned(), "22".to_owned())
    );
    let info = eoa.get_clob_market_info(&cond(2)).await.unwrap();
    assert_eq!(
        (info.mts, info.nr, info.t.len()),
        (clobkit_core::types::TickSize::HalfCent, true, 2)
    );
    assert_eq!(
        info.fd,
        Some(clobkit_core::wire::FeeDetails {
            r: d("0.02"),
            e: 1,
            to: true
        })
    );
    ex.admin("split", json!({ "address": eoa.funder().unwrap().to_string(), "market": cond(2).to_string(), "amount": "100" })).await;
    let o = CreateOrderOptions::default();

    // a V2 SELL at 0.515 on the 0.005 tick rests; a proxy BUY takes part of it
    let ask = eoa
        .create_order(
            &OrderArgs::new(tok("21"), d("0.515"), d("20"), Side::Sell),
            o,
        )
        .await
        .unwrap();
    assert_eq!(ask.order().protocol(), ProtocolVersion::V2);
    let ask = eoa.post_order(ask, OrderType::Gtc).await.unwrap();
    assert_eq!(ask.status.as_ref().map(|s| s.as_str()), Some("live"));
    let fill = proxy
        .create_and_post_order(
            &OrderArgs::new(tok("21"), d("0.52"), d("10"), Side::Buy),
            o,
            OrderType::Gtc,
        )
        .await
        .unwrap();
    assert_eq!(
        (fill.making_amount, fill.taking_amount),
        (Some(d("5.15")), Some(d("10")))
    );
    let trades = proxy
        .get_trades(&TradeParams::default(), Pages::All, None)
        .await
        .unwrap();
    assert_eq!(trades.len(), 1);
    // the market's 2% platform fee is charged at match time, though no order signed it: in
    // collateral on top of the price, 10 × 0.02 × 0.515 × 0.485 = 0.049955 → 0.04995
    assert_eq!(trades[0].fee_rate_bps, d("200"));
    let bal = proxy
        .get_balance_allowance(&BalanceAllowanceParams::collateral())
        .await
        .unwrap();
    assert_eq!(bal.balance, d("1000000000") - d("5150000") - d("49950"));

    // a Safe takes the rest with a market order (V2 rounds its price down to the tick's decimals)
    let m = safe
        .create_and_post_market_order(
            &MarketOrderArgs::new(tok("21"), d("5"), Side::Buy).price(d("0.5159")),
            o,
        )
        .await
        .unwrap();
    assert!(m.success);
    // whole lots of 0.01 share: $5 at 0.515 buys 9.70 shares
    assert_eq!(m.taking_amount, Some(d("9.7")));

    // between two ticks: refused before anything is sent
    assert!(
        eoa.create_order(
            &OrderArgs::new(tok("21"), d("0.513"), d("10"), Side::Sell),
            o
        )
        .await
        .is_err()
    );

    // a client told V1 signs V1; the V2 exchange refuses it, and create_and_post re-signs as V2
    let l1 = ClobClient::builder(&ex.base)
        .protocol(ProtocolVersion::V1)
        .build()
        .unwrap()
        .with_signer(LocalSigner::from_hex(K[0]).unwrap())
        .unwrap();
    let creds = l1.create_or_derive_api_key(None).await.unwrap();
    let v1 = l1.with_credentials(creds).unwrap();
    let bid = OrderArgs::new(tok("11"), d("0.40"), d("10"), Side::Buy);
    let r = v1
        .create_and_post_order(&bid, o, OrderType::Gtc)
        .await
        .unwrap();
    let placed = v1.get_order(&r.order_id.parse().unwrap()).await.unwrap();
    assert_eq!(placed.original_size, d("10"));
    assert_eq!(v1.protocol().await.unwrap(), ProtocolVersion::V2);

    // a deposit wallet (POLY_1271): refused until the operator registers it with its owner,
    // then its wrapped orders trade; another key's signature for it is refused
    let wallet: clobkit_core::Address = "0x1111111111111111111111111111111111111111"
        .parse()
        .unwrap();
    let deposit_client = |key: &str| {
        ClobClient::builder(&ex.base)
            .signature_type(SignatureType::Poly1271)
            .funder(wallet)
            .build()
            .unwrap()
            .with_signer(LocalSigner::from_hex(key).unwrap())
            .unwrap()
    };
    let dw = deposit_client(K[2]);
    let creds = dw.create_or_derive_api_key(None).await.unwrap();
    let dw = dw.with_credentials(creds).unwrap();
    let wrapped = dw.create_order(&bid, o).await.unwrap();
    assert_eq!(wrapped.order().signer, wrapped.order().maker);
    let e = dw.post_order(wrapped, OrderType::Gtc).await.unwrap_err();
    assert!(
        e.to_string().contains("deposit wallet is not registered"),
        "{e}"
    );
    let owner = LocalSigner::from_hex(K[2]).unwrap().address();
    ex.admin(
        "deposit-wallets",
        json!({ "wallet": wallet.to_string(), "owner": owner.to_string() }),
    )
    .await;
    ex.admin(
        "fund",
        json!({ "address": wallet.to_string(), "amount": "100" }),
    )
    .await;
    let placed = dw
        .create_and_post_order(&bid, o, OrderType::Gtc)
        .await
        .unwrap();
    assert_eq!(placed.status.as_ref().map(|s| s.as_str()), Some("live"));
    let intruder = deposit_client(K[1]);
    let creds = intruder.create_or_derive_api_key(None).await.unwrap();
    let intruder = intruder.with_credentials(creds).unwrap();
    let e = intruder
        .create_and_post_order(&bid, o, OrderType::Gtc)
        .await
        .unwrap_err();
    assert_eq!(kind(e), ApiErrorKind::InvalidSignature);
    assert_eq!(dw.cancel_all().await.unwrap().canceled.len(), 1);

    // every order cancels the V2 way too: the rest of the ask, and the re-signed bid (the same
    // wallet, so the same API key)
    let c = eoa.cancel_all().await.unwrap();
    assert_eq!(c.canceled.len(), 2);
}

/// The cutover drill: a bot trades on a V1 exchange, the operator cuts it over to V2 while it
/// runs. Its resting V1 orders are cancelled and listed by `get_pre_migration_orders`; its
/// client, which cached V1, meets `order_version_mismatch` once, re-detects and places as V2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cutover_drill() {
    use clobkit_core::protocol::ProtocolVersion;

    let ex = exchange(10).await;
    ex.market(1, "11", "12", json!({})).await;
    let bot = ex.trader(0, SignatureType::Eoa).await;
    let o = CreateOrderOptions::default();
    let bid = OrderArgs::new(tok("11"), d("0.40"), d("10"), Side::Buy);
    let first = bot
        .create_and_post_order(&bid, o, OrderType::Gtc)
        .await
        .unwrap();
    assert_eq!(bot.protocol().await.unwrap(), ProtocolVersion::V1);
    assert!(
        bot.get_pre_migration_orders(Pages::All, None)
            .await
            .unwrap()
            .is_empty()
    );

    let r = reqwest::Client::new()
        .post(format!("{}/admin/cutover", ex.base))
        .bearer_auth(&ex.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({ "ok": true, "cancelled": 1 })
    );

    let pre = bot
        .get_pre_migration_orders(Pages::All, None)
        .await
        .unwrap();
    assert_eq!(
        pre.iter().map(|o| o.id.to_string()).collect::<Vec<_>>(),
        vec![first.order_id.clone()]
    );
    assert!(
        bot.get_open_orders(&OpenOrderParams::default(), Pages::All, None)
            .await
            .unwrap()
            .is_empty()
    );
    // the cached V1 order is refused once; the client re-detects and places the V2 order
    let again = bot
        .create_and_post_order(&bid, o, OrderType::Gtc)
        .await
        .unwrap();
    assert!(again.success);
    assert_eq!(bot.protocol().await.unwrap(), ProtocolVersion::V2);
    let placed = bot
        .get_order(&again.order_id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(placed.original_size, d("10"));
    // a V1 order built by hand is refused from now on
    let signer = LocalSigner::from_hex(K[0]).unwrap();
    let e = bot
        .post_order(raw_bid(&signer, 9, "11", 4_000_000, |_| {}), OrderType::Gtc)
        .await
        .unwrap_err();
    assert_eq!(kind(e), ApiErrorKind::VersionMismatch);
}

/// V2 builder attribution: the operator registers a code; orders carrying it pay the builder at
/// match time; `get_builder_fee_rates` and `get_builder_trades` report it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn builder_codes_earn_their_fees() {
    use clobkit_core::protocol::ProtocolVersion;

    let ex = exchange_with(|c| c.protocol = ProtocolVersion::V2).await;
    ex.market(
        3,
        "31",
        "32",
        json!({ "platform_fee": { "rate": "0.02", "exponent": 1 } }),
    )
    .await;
    let code = clobkit_core::B256::repeat_byte(0xbc);
    let builder = "0x00000000000000000000000000000000000000bb";
    ex.admin(
        "builders",
        json!({ "code": code.to_string(), "address": builder,
                "builder_maker_fee_rate_bps": 0, "builder_taker_fee_rate_bps": 100 }),
    )
    .await;
    let maker = ex.trader(0, SignatureType::Eoa).await;
    let taker = ex.trader(1, SignatureType::Eoa).await;
    ex.admin("split", json!({ "address": maker.funder().unwrap().to_string(), "market": cond(3).to_string(), "amount": "100" })).await;
    let rates = taker.get_builder_fee_rates(&code).await.unwrap();
    assert_eq!((rates.maker_bps, rates.taker_bps), (0, 100));
    let unknown = taker
        .get_builder_fee_rates(&clobkit_core::B256::repeat_byte(0x01))
        .await
        .unwrap_err();
    assert!(
        matches!(&unknown, ClientError::Api { status: 404, message, .. } if message == "builder code not found"),
        "{unknown}"
    );

    let o = CreateOrderOptions::default();
    maker
        .create_and_post_order(
            &OrderArgs::new(tok("31"), d("0.50"), d("20"), Side::Sell),
            o,
            OrderType::Gtc,
        )
        .await
        .unwrap();
    let bid = OrderArgs::new(tok("31"), d("0.50"), d("10"), Side::Buy).builder_code(code);
    let r = taker
        .create_and_post_order(&bid, o, OrderType::Gtc)
        .await
        .unwrap();
    assert!(r.success);
    // $5 + platform 10 × 0.02 × 0.25 = $0.05 + builder 1 % of $5 = $0.05
    let bal = taker
        .get_balance_allowance(&BalanceAllowanceParams::collateral())
        .await
        .unwrap();
    assert_eq!(
        bal.balance,
        d("1000000000") - d("5000000") - d("50000") - d("50000")
    );
    let page = taker
        .get_builder_trades(&code, &TradeParams::default(), None)
        .await
        .unwrap();
    assert_eq!(page.data.len(), 1);
    let t = &page.data[0];
    assert_eq!(t.trade_type, clobkit_core::wire::TraderSide::Taker);
    assert_eq!(
        (t.size, t.size_usdc, t.fee_usdc, t.builder_fee),
        (d("10"), d("5"), d("0.05"), d("0.05"))
    );
    assert_eq!(t.builder.to_string().to_lowercase(), builder);
    // filters as /data/trades: another market has none
    let none = taker
        .get_builder_trades(&code, &TradeParams::default().market(cond(9)), None)
        .await
        .unwrap();
    assert!(none.data.is_empty());
}
