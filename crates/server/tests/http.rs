//! The HTTP API over a real socket: authentication failures change nothing, bad input gets a
//! clear 4xx and the server keeps serving, owners are isolated, and a restart restores state.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::net::SocketAddr;
use std::path::Path;

use clobkit_core::amounts::limit_amounts;
use clobkit_core::auth::{ApiCredentials, L2Auth, l1_headers};
use clobkit_core::chain::Chain;
use clobkit_core::eip712::{ClobAuthDomain, ExchangeDomain};
use clobkit_core::order::Order;
use clobkit_core::signer::{LocalSigner, Signer};
use clobkit_core::types::{ApiKey, OrderType, Side, SignatureType, TickSize, TokenId};
use clobkit_core::wire::PostOrder;
use clobkit_core::{Decimal, U256};
use clobkit_server::app::{ServerConfig, unix_now};
use clobkit_server::serve::Server;
use serde_json::{Value, json};

const K0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const K1: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const COND: &str = "0x1111111111111111111111111111111111111111111111111111111111111111";

struct Running {
    base: String,
    token: String,
    state: std::sync::Arc<clobkit_server::app::AppState>,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<()>,
}

async fn start(dir: &Path) -> Running {
    start_with(dir, |_| {}).await
}

async fn start_with(dir: &Path, configure: impl FnOnce(&mut ServerConfig)) -> Running {
    // reqwest is built with rustls on ring in this workspace: install the provider first
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut config = ServerConfig::new(dir);
    // the hand-built orders of these tests are V1
    config.protocol = clobkit_core::protocol::ProtocolVersion::V1;
    // snapshot often, so that periodic snapshots and recovery from one are exercised
    config.snapshot_every = 3;
    configure(&mut config);
    let server = Server::bind(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let base = format!("http://{}", server.addr);
    let token = server.admin_token.clone();
    let state = server.state.clone();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(async move {
        server
            .run(async {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    Running {
        base,
        token,
        state,
        stop,
        done,
    }
}

async fn stop(r: Running) {
    let _ = r.stop.send(());
    r.done.await.unwrap();
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

async fn admin(r: &Running, path: &str, body: Value) {
    let resp = http()
        .post(format!("{}/admin/{path}", r.base))
        .bearer_auth(&r.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
}

async fn key_for(r: &Running, signer: &LocalSigner) -> L2Auth {
    let h = l1_headers(signer, &ClobAuthDomain::new(137), unix_now(), U256::ZERO).unwrap();
    let mut req = http().post(format!("{}/auth/api-key", r.base));
    for (k, v) in h.iter() {
        req = req.header(k, v);
    }
    let v: Value = req.send().await.unwrap().json().await.unwrap();
    let creds: ApiCredentials = serde_json::from_value(v).unwrap();
    L2Auth::new(creds, signer.address()).unwrap()
}

/// A signed request: `ts` and `tamper` let tests break it.
async fn call(
    r: &Running,
    auth: &L2Auth,
    method: &str,
    path: &str,
    body: &[u8],
    ts: u64,
) -> reqwest::Response {
    let h = auth.headers(ts, method, path, body);
    let mut req = http()
        .request(method.parse().unwrap(), format!("{}{path}", r.base))
        .body(body.to_vec());
    for (k, v) in h.iter() {
        req = req.header(k, v);
    }
    req.send().await.unwrap()
}

fn order_body(signer: &LocalSigner, owner: &ApiKey, price: &str, size: &str, salt: u64) -> Vec<u8> {
    signed_bid(signer, owner, (price, size), salt, OrderType::Gtc, 0)
}

/// A signed BUY of `size` at `price` as `order_type`, expiring at `expiration` (0: never).
fn signed_bid(
    signer: &LocalSigner,
    owner: &ApiKey,
    (price, size): (&str, &str),
    salt: u64,
    order_type: OrderType,
    expiration: u64,
) -> Vec<u8> {
    signed_buy(
        signer,
        owner,
        7001,
        (price, size),
        salt,
        order_type,
        expiration,
    )
}

/// A signed BUY of `token`.
fn signed_buy(
    signer: &LocalSigner,
    owner: &ApiKey,
    token: u64,
    (price, size): (&str, &str),
    salt: u64,
    order_type: OrderType,
    expiration: u64,
) -> Vec<u8> {
    let a = limit_amounts(
        Side::Buy,
        price.parse().unwrap(),
        size.parse().unwrap(),
        TickSize::Hundredth,
    )
    .unwrap();
    let o = Order::new(
        salt,
        signer.address(),
        signer.address(),
        TokenId::from(token),
        a,
        SignatureType::Eoa,
    )
    .with_expiration(expiration);
    let d = ExchangeDomain::for_market(Chain::Polygon, &Chain::Polygon.contracts(), false);
    let p = PostOrder {
        order: o.sign(&d, signer).unwrap(),
        owner: owner.clone(),
        order_type,
        post_only: false,
        defer_exec: None,
    };
    serde_json::to_vec(&p).unwrap()
}

async fn setup(r: &Running) -> (LocalSigner, L2Auth, LocalSigner, L2Auth) {
    admin(
        r,
        "markets",
        json!({ "condition_id": COND, "tokens": ["7001", "7002"] }),
    )
    .await;
    let (a, b) = (
        LocalSigner::from_hex(K0).unwrap(),
        LocalSigner::from_hex(K1).unwrap(),
    );
    admin(
        r,
        "fund",
        json!({ "address": a.address().to_string(), "amount": "100" }),
    )
    .await;
    admin(
        r,
        "fund",
        json!({ "address": b.address().to_string(), "amount": "100" }),
    )
    .await;
    let (ka, kb) = (key_for(r, &a).await, key_for(r, &b).await);
    (a, ka, b, kb)
}

/// `GET /data/order/{id}` as JSON.
async fn order_of(r: &Running, auth: &L2Auth, id: &str) -> Value {
    call(
        r,
        auth,
        "GET",
        &format!("/data/order/{id}"),
        b"",
        unix_now(),
    )
    .await
    .json()
    .await
    .unwrap()
}

async fn open_orders(r: &Running, auth: &L2Auth) -> usize {
    let v: Value = call(r, auth, "GET", "/data/orders", b"", unix_now())
        .await
        .json()
        .await
        .unwrap();
    v["data"].as_array().unwrap().len()
}

async fn error_of(resp: reqwest::Response) -> (u16, String) {
    let status = resp.status().as_u16();
    let v: Value = resp.json().await.unwrap_or(json!({}));
    (status, v["error"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_auth_is_401_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let r = start(dir.path()).await;
    let (a, ka, _b, kb) = setup(&r).await;
    let body = order_body(&a, &ka.credentials().api_key, "0.5", "10", 1);
    let now = unix_now();

    // a bad HMAC
    let bad_secret = ApiCredentials {
        secret: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
        ..ka.credentials().clone()
    };
    let forged = L2Auth::new(bad_secret, a.address()).unwrap();
    assert_eq!(
        error_of(call(&r, &forged, "POST", "/order", &body, now).await).await,
        (401, "Unauthorized/Invalid api key".into())
    );
    // a stale timestamp
    assert_eq!(
        call(&r, &ka, "POST", "/order", &body, now - 1000)
            .await
            .status(),
        401
    );
    // a wrong passphrase
    let wrong_pass = ApiCredentials {
        passphrase: "b".repeat(64),
        ..ka.credentials().clone()
    };
    assert_eq!(
        call(
            &r,
            &L2Auth::new(wrong_pass, a.address()).unwrap(),
            "POST",
            "/order",
            &body,
            now
        )
        .await
        .status(),
        401
    );
    // another owner's key with this wallet's address
    let theirs = L2Auth::new(kb.credentials().clone(), a.address()).unwrap();
    assert_eq!(
        call(&r, &theirs, "POST", "/order", &body, now)
            .await
            .status(),
        401
    );
    // a tampered body (signed one order, sent another)
    let h = ka.headers(now, "POST", "/order", &body);
    let other = order_body(&a, &ka.credentials().api_key, "0.5", "20", 2);
    let mut req = http().post(format!("{}/order", r.base)).body(other);
    for (k, v) in h.iter() {
        req = req.header(k, v);
    }
    assert_eq!(req.send().await.unwrap().status(), 401);
    // no headers at all
    assert_eq!(
        http()
            .post(format!("{}/order", r.base))
            .body(body.clone())
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // a bad L1 signature
    let mut h1 = l1_headers(&a, &ClobAuthDomain::new(137), now, U256::ZERO).unwrap();
    h1.timestamp = (now + 1).to_string();
    let mut req = http().get(format!("{}/auth/derive-api-key", r.base));
    for (k, v) in h1.iter() {
        req = req.header(k, v);
    }
    assert_eq!(
        error_of(req.send().await.unwrap()).await,
        (401, "Invalid L1 Request headers".into())
    );

    // nothing changed
    assert_eq!(open_orders(&r, &ka).await, 0);
    let book: Value = http()
        .get(format!("{}/book?token_id=7001", r.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(book["bids"].as_array().unwrap().len(), 0);
    // and the genuine request works
    assert_eq!(
        call(&r, &ka, "POST", "/order", &body, now).await.status(),
        200
    );
    assert_eq!(open_orders(&r, &ka).await, 1);
    stop(r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_4xx_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let r = start(dir.path()).await;
    let (a, ka, _b, _kb) = setup(&r).await;
    let now = unix_now();
    let cases: Vec<(&[u8], u16, &str)> = vec![
        (b"{not json", 400, "Invalid order payload"),
        (
            br#"{"order":{"salt":1.5},"owner":"x","orderType":"GTC"}"#,
            400,
            "Invalid order payload",
        ),
        (br#"[]"#, 400, "Invalid order payload"),
        (br#"{"order":"x","owner":5}"#, 400, "Invalid order payload"),
    ];
    for (body, status, msg) in cases {
        assert_eq!(
            error_of(call(&r, &ka, "POST", "/order", body, now).await).await,
            (status, msg.to_owned()),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    // an oversized body
    let big = vec![b'x'; 300 * 1024];
    assert_eq!(
        call(&r, &ka, "POST", "/order", &big, now).await.status(),
        413
    );
    // an unknown route
    let (s, e) = error_of(
        http()
            .get(format!("{}/no/such/route", r.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, e.as_str()), (404, "not found"));
    // bad query values
    assert_eq!(
        error_of(
            http()
                .get(format!("{}/book?token_id=abc", r.base))
                .send()
                .await
                .unwrap()
        )
        .await,
        (400, "Invalid token id".into())
    );
    assert_eq!(
        error_of(
            http()
                .get(format!("{}/price?token_id=7001&side=HOLD", r.base))
                .send()
                .await
                .unwrap()
        )
        .await,
        (400, "Invalid side".into())
    );
    // an order whose signature does not match its fields
    let mut p: PostOrder =
        serde_json::from_slice(&order_body(&a, &ka.credentials().api_key, "0.5", "10", 3)).unwrap();
    p.order.order.taker_amount += U256::from(10_000u64);
    let body = serde_json::to_vec(&p).unwrap();
    assert_eq!(
        error_of(call(&r, &ka, "POST", "/order", &body, now).await).await,
        (400, "invalid signature".into())
    );
    // an order owned by another key
    let body = order_body(&a, &ApiKey::new("someone-else").unwrap(), "0.5", "10", 4);
    assert_eq!(
        error_of(call(&r, &ka, "POST", "/order", &body, now).await)
            .await
            .1,
        "the order owner has to be the owner of the API KEY"
    );
    // off-tick and over-precise amounts
    let mut p: PostOrder =
        serde_json::from_slice(&order_body(&a, &ka.credentials().api_key, "0.5", "10", 5)).unwrap();
    p.order.order.maker_amount = U256::from(5_000_001u64);
    let p = PostOrder {
        order: p
            .order
            .order
            .sign(
                &ExchangeDomain::for_market(Chain::Polygon, &Chain::Polygon.contracts(), false),
                &a,
            )
            .unwrap(),
        ..p
    };
    let (s, e) = error_of(
        call(
            &r,
            &ka,
            "POST",
            "/order",
            &serde_json::to_vec(&p).unwrap(),
            now,
        )
        .await,
    )
    .await;
    assert_eq!(s, 400);
    assert!(
        e.starts_with(
            "invalid amounts, the buy orders maker amount supports a max accuracy of 4 decimals"
        ),
        "{e}"
    );
    // still serving
    assert_eq!(
        http()
            .get(format!("{}/", r.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        call(
            &r,
            &ka,
            "POST",
            "/order",
            &order_body(&a, &ka.credentials().api_key, "0.5", "10", 6),
            now
        )
        .await
        .status(),
        200
    );
    stop(r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_are_isolated_and_a_restart_restores_everything() {
    let dir = tempfile::tempdir().unwrap();
    let r = start(dir.path()).await;
    let (a, ka, _b, kb) = setup(&r).await;
    let now = unix_now();
    let resp: Value = call(
        &r,
        &ka,
        "POST",
        "/order",
        &order_body(&a, &ka.credentials().api_key, "0.4", "10", 7),
        now,
    )
    .await
    .json()
    .await
    .unwrap();
    let id = resp["orderID"].as_str().unwrap().to_owned();
    // B cannot see or cancel A's order
    assert_eq!(
        call(&r, &kb, "GET", &format!("/data/order/{id}"), b"", now)
            .await
            .status(),
        404
    );
    let cancel = serde_json::to_vec(&json!({ "orderID": id })).unwrap();
    let v: Value = call(&r, &kb, "DELETE", "/order", &cancel, now)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["canceled"], json!([]));
    assert_eq!(open_orders(&r, &kb).await, 0);
    let balance = |auth: &L2Auth| {
        let auth = auth.clone();
        let base = r.base.clone();
        async move {
            let h = auth.headers(unix_now(), "GET", "/balance-allowance", b"");
            let mut req = http().get(format!(
                "{base}/balance-allowance?asset_type=COLLATERAL&signature_type=0"
            ));
            for (k, v) in h.iter() {
                req = req.header(k, v);
            }
            let v: Value = req.send().await.unwrap().json().await.unwrap();
            v["balance"].as_str().unwrap().to_owned()
        }
    };
    assert_eq!(balance(&ka).await, "100000000");
    stop(r).await;

    // restart on the same folder: the order, the keys and balances are back
    let r = start(dir.path()).await;
    let v: Value = order_of(&r, &ka, &id).await;
    assert_eq!(
        (v["status"].as_str(), v["price"].as_str()),
        (Some("LIVE"), Some("0.4"))
    );
    assert_eq!(open_orders(&r, &ka).await, 1);
    let book: Value = http()
        .get(format!("{}/book?token_id=7001", r.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(book["bids"], json!([{ "price": "0.4", "size": "10" }]));
    // the reservation survived: 100 USDC, 4 reserved, so a 97-USDC order is refused
    let big = order_body(&a, &ka.credentials().api_key, "0.97", "100", 8);
    assert_eq!(
        error_of(call(&r, &ka, "POST", "/order", &big, unix_now()).await)
            .await
            .1,
        "not enough balance / allowance"
    );
    let _ = Decimal::ONE;
    stop(r).await;
}

/// A resting bid of 10 at 0.40 as `order_type`, expiring at `expiration` (0: never).
fn timed_bid(
    signer: &LocalSigner,
    owner: &ApiKey,
    salt: u64,
    order_type: OrderType,
    expiration: u64,
) -> Vec<u8> {
    signed_bid(signer, owner, ("0.40", "10"), salt, order_type, expiration)
}

async fn book_bids(r: &Running) -> usize {
    let v: Value = http()
        .get(format!("{}/book?token_id=7001", r.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["bids"].as_array().unwrap().len()
}

/// faults.md F6: a GTD order leaves the book, the prices and the order queries when it ends,
/// with no other traffic (the server sequences the expiry itself).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gtd_order_ends_on_time_without_traffic() {
    let dir = tempfile::tempdir().unwrap();
    let r = start(dir.path()).await;
    let (a, ka, _, _) = setup(&r).await;
    // valid until 60 s before its expiration: 2 s from now (with 1 s, a second boundary
    // between signing and arrival on a loaded machine made it expired on arrival)
    let body = timed_bid(
        &a,
        &ka.credentials().api_key,
        41,
        OrderType::Gtd,
        unix_now() + 62,
    );
    let resp = call(&r, &ka, "POST", "/order", &body, unix_now()).await;
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["status"], "live", "{v}");
    let id = v["orderID"].as_str().unwrap().to_owned();
    assert_eq!(book_bids(&r).await, 1);
    tokio::time::sleep(std::time::Duration::from_millis(4_200)).await;
    assert_eq!(book_bids(&r).await, 0, "gone from the book");
    let o: Value = order_of(&r, &ka, &id).await;
    assert_eq!(o["status"], "CANCELED", "{o}");
    assert_eq!(open_orders(&r, &ka).await, 0);
    stop(r).await;
}

/// faults.md F7: deleting an API key cancels its open orders first, releasing their funds, so
/// nothing is stranded on the book.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_key_cancels_its_orders() {
    let dir = tempfile::tempdir().unwrap();
    let r = start(dir.path()).await;
    let (a, ka, _, _) = setup(&r).await;
    let body = timed_bid(&a, &ka.credentials().api_key, 42, OrderType::Gtc, 0);
    assert_eq!(
        call(&r, &ka, "POST", "/order", &body, unix_now())
            .await
            .status(),
        200
    );
    assert_eq!(book_bids(&r).await, 1);
    let resp = call(&r, &ka, "DELETE", "/auth/api-key", b"", unix_now()).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        book_bids(&r).await,
        0,
        "the deleted key's bid left the book"
    );
    // its $4 is free again: a new key of the wallet can spend all $100
    let kb = key_for(&r, &a).await;
    let all = order_body(&a, &kb.credentials().api_key, "0.50", "200", 43);
    let v: Value = call(&r, &kb, "POST", "/order", &all, unix_now())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["success"], true, "{v}");
    stop(r).await;
}

/// faults.md F12: a zero deposit and a non-string heartbeat id are refused; the admin token file
/// is owner-only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_deposits_odd_heartbeat_ids_and_the_token_file() {
    let dir = tempfile::tempdir().unwrap();
    let r = start(dir.path()).await;
    let (a, ka, _, _) = setup(&r).await;
    let resp = http()
        .post(format!("{}/admin/fund", r.base))
        .bearer_auth(&r.token)
        .json(&json!({ "address": a.address().to_string(), "amount": "0" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(resp).await,
        (400, "amount must be positive".into())
    );
    for id in ["123", "{}", "true"] {
        let body = format!("{{\"heartbeat_id\":{id}}}");
        let resp = call(
            &r,
            &ka,
            "POST",
            "/v1/heartbeats",
            body.as_bytes(),
            unix_now(),
        )
        .await;
        assert_eq!(error_of(resp).await.0, 400, "{id}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("admin-token"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    stop(r).await;
}

/// faults.md F10: a captured heartbeat replayed within the timestamp window is refused, so it
/// cannot keep a dead client's dead-man switch alive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_heartbeat_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let r = start(dir.path()).await;
    let (_, ka, _, _) = setup(&r).await;
    let ts = unix_now();
    let body = br#"{"heartbeat_id":null}"#;
    let first = call(&r, &ka, "POST", "/v1/heartbeats", body, ts).await;
    assert_eq!(first.status(), 200);
    let again = call(&r, &ka, "POST", "/v1/heartbeats", body, ts).await;
    assert_eq!(
        error_of(again).await,
        (
            400,
            "this request was already received: sign each request anew".into()
        )
    );
    // signed anew (another second), the same body starts a chain again
    let later = call(&r, &ka, "POST", "/v1/heartbeats", body, ts + 1).await;
    assert_eq!(later.status(), 200);
    stop(r).await;
}

/// faults.md F8: rate limits count a request against its API key only when the key exists with
/// its passphrase; made-up keys or addresses count against the peer's IP, so a fresh random
/// header on each request escapes nothing. A real key has its own bucket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn made_up_headers_do_not_escape_rate_limits() {
    use clobkit_server::ratelimit::{Limit, RateLimits, Route};
    let dir = tempfile::tempdir().unwrap();
    let r = start_with(dir.path(), |c| {
        c.rate_limits = RateLimits::new().rule(
            Route::Exact(reqwest::Method::GET, "/time".into()),
            Limit::per_secs(5, 60),
        );
    })
    .await;
    let (_, ka, _, _) = setup(&r).await;
    let mut statuses = Vec::new();
    for i in 0..8 {
        let resp = http()
            .get(format!("{}/time", r.base))
            .header("POLY_API_KEY", format!("00000000-0000-0000-0000-{i:012}"))
            .header("POLY_PASSPHRASE", "guess")
            .header("POLY_ADDRESS", format!("0x{i:040x}"))
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(
        statuses,
        [200, 200, 200, 200, 200, 429, 429, 429],
        "random headers share the IP's bucket"
    );
    // a real key (with its passphrase) is counted on its own
    let creds = ka.credentials();
    let resp = http()
        .get(format!("{}/time", r.base))
        .header("POLY_API_KEY", creds.api_key.as_str())
        .header("POLY_PASSPHRASE", creds.passphrase.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    stop(r).await;
}

/// faults.md F11: a wallet may hold at most 20 API keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_per_wallet_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let r = start(dir.path()).await;
    let (a, _, _, _) = setup(&r).await; // nonce 0 is the first key
    let create = |nonce: u64| {
        let h = l1_headers(&a, &ClobAuthDomain::new(137), unix_now(), U256::from(nonce)).unwrap();
        let mut req = http().post(format!("{}/auth/api-key", r.base));
        for (k, v) in h.iter() {
            req = req.header(k, v);
        }
        req.send()
    };
    for nonce in 1..20 {
        assert_eq!(create(nonce).await.unwrap().status(), 200, "key {nonce}");
    }
    let (status, error) = error_of(create(20).await.unwrap()).await;
    assert_eq!(status, 400);
    assert!(error.contains("at most 20 API keys"), "{error}");
    stop(r).await;
}

/// faults.md F12: a 429 on a keep-alive request with a body leaves the connection open: every
/// body is read in full (within the body timeout, `listen::body_deadline`) before the rate
/// limiter decides, so a refused request leaves nothing unread even when its body arrives late,
/// and the next request on the same connection is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_keeps_the_keep_alive_connection() {
    use clobkit_server::ratelimit::{Limit, RateLimits, Route};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let r = start_with(dir.path(), |c| {
        c.rate_limits = RateLimits::new().rule(
            Route::Exact(reqwest::Method::POST, "/order".into()),
            Limit::per_secs(1, 60),
        );
    })
    .await;
    let addr = r.base.trim_start_matches("http://").to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(200_000));
    let request = format!(
        "POST /order HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut statuses = Vec::new();
    for _ in 0..3 {
        // the headers and the start of the body first: a refusal is answered before the rest
        // arrives (as when a client streams a large body)
        let (start, rest) = request.split_at(request.len() - body.len() + 1_000);
        s.write_all(start.as_bytes()).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if s.write_all(rest.as_bytes()).await.is_err() {
            panic!("the connection was closed after {statuses:?}");
        }
        // read one response: headers, then Content-Length bytes of body
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        let (head_end, length) = loop {
            let n = tokio::time::timeout(std::time::Duration::from_secs(5), s.read(&mut buf))
                .await
                .expect("an answer within 5 s")
                .unwrap();
            assert!(n > 0, "the connection was closed after {statuses:?}");
            got.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&got).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let length: usize = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length: ")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                break (end + 4, length);
            }
        };
        while got.len() < head_end + length {
            let n = s.read(&mut buf).await.unwrap();
            assert!(n > 0, "the connection was closed mid-answer");
            got.extend_from_slice(&buf[..n]);
        }
        let status: u16 = String::from_utf8_lossy(&got[9..12]).parse().unwrap();
        statuses.push(status);
    }
    assert_eq!(statuses[1..], [429, 429], "{statuses:?}");
    stop(r).await;
}

/// `GET path` with the admin token, as JSON.
async fn admin_get(r: &Running, path: &str) -> Value {
    http()
        .get(format!("{}{path}", r.base))
        .bearer_auth(&r.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A companion that reports a counter, as the simulator reports its agents.
struct Counter(std::sync::atomic::AtomicU64);

impl clobkit_server::companion::Companion for Counter {
    fn name(&self) -> &str {
        "counter"
    }
    fn report(&self) -> Value {
        json!({ "reads": self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed) })
    }
}

#[tokio::test]
async fn the_dashboard_serves_its_page_charts_tape_and_operator_views() {
    let dir = tempfile::tempdir().unwrap();
    let r = start(dir.path()).await;
    let (a, ka, b, kb) = setup(&r).await;
    let get = |path: &str| http().get(format!("{}{path}", r.base)).send();

    // the page and its files; `/` still answers the clients
    assert_eq!(get("/").await.unwrap().text().await.unwrap(), "\"OK\"");
    let page = get("/ui").await.unwrap();
    assert_eq!(page.url().path(), "/ui/", "/ui redirects to /ui/");
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("<script src=\"app.js\">")
    );
    for (file, kind) in [("app.js", "text/javascript"), ("app.css", "text/css")] {
        let resp = get(&format!("/ui/{file}")).await.unwrap();
        assert_eq!(resp.status(), 200);
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind)
        );
    }
    assert_eq!(get("/ui/missing.js").await.unwrap().status(), 404);

    // a resting bid shows in the operator's accounts view, behind the admin token
    let resp = call(
        &r,
        &ka,
        "POST",
        "/order",
        &order_body(&a, &ka.credentials().api_key, "0.6", "10", 1),
        unix_now(),
    )
    .await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    assert_eq!(get("/admin/accounts").await.unwrap().status(), 401);
    let accounts = admin_get(&r, "/admin/accounts").await;
    let mine = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["address"] == a.address().to_string().to_lowercase())
        .unwrap_or_else(|| panic!("{accounts}"));
    assert_eq!(
        mine["collateral"],
        json!({ "balance": "100", "reserved": "6" })
    );
    assert_eq!(mine["open_orders"].as_array().unwrap().len(), 1);
    assert_eq!(mine["open_orders"][0]["price"], "0.6");

    // the depth chart of the book, drawn as SVG
    let depth = get("/ui/chart/depth.svg?token_id=7001").await.unwrap();
    assert_eq!(depth.headers()["content-type"], "image/svg+xml");
    let svg = depth.text().await.unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("bids"),
        "{svg:.200}"
    );
    assert_eq!(get("/ui/chart/depth.svg").await.unwrap().status(), 400);
    assert_eq!(
        get("/ui/chart/depth.svg?token_id=9999")
            .await
            .unwrap()
            .status(),
        404
    );

    // a BUY of the other token at 0.4 mints against the bid at 0.6: one trade, which the tape
    // shows in each token's terms
    let no_bid = signed_buy(
        &b,
        &kb.credentials().api_key,
        7002,
        ("0.4", "10"),
        2,
        OrderType::Gtc,
        0,
    );
    let resp = call(&r, &kb, "POST", "/order", &no_bid, unix_now()).await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let tape = |token: u64| {
        let url = format!("{}/ui/api/trades?token_id={token}", r.base);
        async move {
            http()
                .get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let (yes, no) = (tape(7001).await, tape(7002).await);
    assert_eq!(yes.as_array().unwrap().len(), 1, "{yes}");
    assert_eq!(
        (&yes[0]["price"], &yes[0]["side"], &yes[0]["size"]),
        (&json!("0.6"), &json!("SELL"), &json!("10"))
    );
    assert_eq!(
        (&no[0]["price"], &no[0]["side"]),
        (&json!("0.4"), &json!("BUY"))
    );
    assert_eq!(yes[0]["id"], no[0]["id"]);
    let price = get("/ui/chart/price.svg?token_id=7001")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        price.matches("<circle").count(),
        1,
        "one dot per trade: {price}"
    );

    // companions report through the admin routes
    let companions = || admin_get(&r, "/admin/companions");
    assert_eq!(companions().await, json!([]));
    r.state.companions.attach(std::sync::Arc::new(Counter(
        std::sync::atomic::AtomicU64::new(0),
    )));
    assert_eq!(
        companions().await,
        json!([{ "name": "counter", "report": { "reads": 0 } }])
    );
    assert_eq!(companions().await[0]["report"]["reads"], 1);
    stop(r).await;
}
