//! The HTTP API: public market data, L1 key management, L2 trading and queries, admin.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use clobkit_core::auth::ApiCredentials;
use clobkit_core::types::{ApiKey, ConditionId, OrderId, OrderType, Side, SignatureType, TokenId};
use clobkit_core::verify::verify_order;
use clobkit_core::wire::{CancelResponse, Cursor, OrderResponse, Page, PostOrder};
use clobkit_core::{Address, Decimal, U256};
use clobkit_engine::{
    Asset, Command, Event, OrderSpec, Owner, Reject, pips_to_decimal, units_to_decimal,
};
use serde_json::{Value, json};

use crate::app::{AppState, Caller, fill_random, random_uuid, unix_now};
use crate::error::ApiError;
use crate::exchange::{Record, trade_uuid};
use crate::views;

type St = State<Arc<AppState>>;
type ApiResult = Result<Response, ApiError>;

/// Largest request body accepted (a batch of 15 orders is about 10 KiB).
pub const BODY_LIMIT: usize = 256 * 1024;
/// Most orders in one `POST /orders`.
pub const MAX_BATCH: usize = 15;
/// Page size of `/data/orders` and `/data/trades`.
pub const PAGE: usize = 100;

/// The router of the whole API.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(|| async { Json("OK") }))
        .route("/time", get(|| async { Json(unix_now()) }))
        .route("/book", get(book))
        .route("/books", post(books))
        .route("/price", get(price))
        .route("/midpoint", get(midpoint))
        .route("/spread", get(spread))
        .route("/last-trade-price", get(last_trade_price))
        .route("/tick-size", get(tick_size))
        .route("/neg-risk", get(neg_risk))
        .route("/fee-rate", get(fee_rate))
        .route("/markets", get(markets))
        .route("/markets/{id}", get(market))
        .route("/simplified-markets", get(simplified_markets))
        .route("/sampling-markets", get(markets))
        .route("/sampling-simplified-markets", get(simplified_markets))
        .route("/prices", post(prices))
        .route("/midpoints", post(midpoints))
        .route("/spreads", post(spreads))
        .route(
            "/last-trades-prices",
            post(last_trades_prices).get(last_trades_prices),
        )
        .route("/prices-history", get(prices_history))
        .route("/order-scoring", get(order_scoring))
        .route("/orders-scoring", post(orders_scoring))
        .route("/auth/api-key", post(create_api_key).delete(delete_api_key))
        .route("/auth/derive-api-key", get(derive_api_key))
        .route("/auth/api-keys", get(api_keys))
        .route("/auth/ban-status/closed-only", get(ban_status))
        .route("/order", post(post_order).delete(cancel_order))
        .route("/orders", post(post_orders).delete(cancel_orders))
        .route("/cancel-all", delete(cancel_all))
        .route("/cancel-market-orders", delete(cancel_market_orders))
        .route("/data/order/{id}", get(get_order))
        .route("/data/orders", get(get_orders))
        .route("/data/trades", get(get_trades))
        .route("/balance-allowance", get(balance_allowance))
        .route("/balance-allowance/update", get(balance_allowance_update))
        .route(
            "/notifications",
            get(notifications).delete(drop_notifications),
        )
        .route("/v1/heartbeats", post(heartbeat))
        .fallback(|| async { ApiError::not_found("not found") })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

fn ok(v: impl serde::Serialize) -> ApiResult {
    Ok(Json(v).into_response())
}

fn token_param(q: &HashMap<String, String>) -> Result<TokenId, ApiError> {
    q.get("token_id")
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| ApiError::bad_request("Invalid token id"))
}

fn no_book() -> ApiError {
    ApiError::not_found("No orderbook exists for the requested token id")
}

async fn book(State(s): St, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let token = token_param(&q)?;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    ok(s.read(|x| views::book_summary(x, &token, now_ms))
        .ok_or_else(no_book)?)
}

/// The `[{"token_id": …, "side": …}]` body of the batch market-data routes.
fn batch(body: &[u8]) -> Result<Vec<(TokenId, Option<Side>)>, ApiError> {
    let items: Vec<Value> =
        serde_json::from_slice(body).map_err(|_| ApiError::bad_request("Invalid payload"))?;
    if items.len() > 500 {
        return Err(ApiError::bad_request("Payload exceeds the limit"));
    }
    items
        .iter()
        .map(|it| {
            let token = field(it, "token_id")
                .and_then(Value::as_str)
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| ApiError::bad_request("Invalid payload"))?;
            let side = match field(it, "side").and_then(Value::as_str) {
                Some(v) => Some(
                    v.parse()
                        .map_err(|_| ApiError::bad_request("Invalid side"))?,
                ),
                None => None,
            };
            Ok((token, side))
        })
        .collect()
}

async fn books(State(s): St, body: Bytes) -> ApiResult {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let mut out = Vec::new();
    for (token, _) in batch(&body)? {
        out.push(
            s.read(|x| views::book_summary(x, &token, now_ms))
                .ok_or_else(no_book)?,
        );
    }
    ok(out)
}

async fn prices(State(s): St, body: Bytes) -> ApiResult {
    let mut out = serde_json::Map::new();
    for (token, side) in batch(&body)? {
        let (bid, ask) = best(&s, &token)?;
        let entry = out.entry(token.to_string()).or_insert_with(|| json!({}));
        for (sd, p) in [(Side::Buy, bid), (Side::Sell, ask)] {
            if let (true, Some(p), Some(obj)) =
                (side.is_none_or(|x| x == sd), p, entry.as_object_mut())
            {
                obj.insert(sd.as_str().into(), p.to_string().into());
            }
        }
    }
    ok(out)
}

async fn midpoints(State(s): St, body: Bytes) -> ApiResult {
    let mut out = serde_json::Map::new();
    for (token, _) in batch(&body)? {
        if let (Some(b), Some(a)) = best(&s, &token)? {
            out.insert(
                token.to_string(),
                ((b + a) / Decimal::TWO).normalize().to_string().into(),
            );
        }
    }
    ok(out)
}

async fn spreads(State(s): St, body: Bytes) -> ApiResult {
    let mut out = serde_json::Map::new();
    for (token, _) in batch(&body)? {
        if let (Some(b), Some(a)) = best(&s, &token)? {
            out.insert(token.to_string(), (a - b).normalize().to_string().into());
        }
    }
    ok(out)
}

async fn last_trades_prices(State(s): St, body: Bytes) -> ApiResult {
    let mut out = Vec::new();
    for (token, _) in batch(&body)? {
        let b = s
            .read(|x| x.engine.book(&token))
            .ok_or_else(|| ApiError::bad_request("Invalid token id"))?;
        let (price, side) = b
            .last_trade
            .map_or(("0.5".to_owned(), String::new()), |(p, sd)| {
                (pips_to_decimal(p).to_string(), sd.as_str().to_owned())
            });
        out.push(json!({ "token_id": token.to_string(), "price": price, "side": side }));
    }
    ok(out)
}

async fn prices_history(State(s): St, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let token: TokenId = q
        .get("market")
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| ApiError::bad_request("Invalid token id"))?;
    let num = |k: &str| q.get(k).and_then(|v| v.parse::<u64>().ok());
    let now = unix_now();
    let span = match q.get("interval").map(String::as_str) {
        Some("1m") => Some(60),
        Some("1h") => Some(3600),
        Some("6h") => Some(6 * 3600),
        Some("1d") => Some(86_400),
        Some("1w") => Some(7 * 86_400),
        _ => None,
    };
    let start = num("startTs")
        .or(span.map(|sp| now.saturating_sub(sp)))
        .unwrap_or(0);
    let end = num("endTs").unwrap_or(u64::MAX);
    // fidelity: at most one point per `fidelity` minutes (the last trade of each bucket)
    let bucket = num("fidelity").unwrap_or(0).saturating_mul(60);
    let mut points: Vec<(u64, u32)> = Vec::new();
    for (t, p) in s.read(|x| x.price_history(&token)) {
        if t < start || t > end {
            continue;
        }
        match points.last_mut() {
            Some(last) if bucket > 0 && t / bucket == last.0 / bucket => *last = (t, p),
            _ => points.push((t, p)),
        }
    }
    let history: Vec<Value> = points
        .into_iter()
        .map(|(t, p)| json!({ "t": t, "p": serde_json::Number::from_f64(pips_to_decimal(p).to_string().parse().unwrap_or(0.0)) }))
        .collect();
    ok(json!({ "history": history }))
}

async fn simplified_markets(State(s): St, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let all: Vec<Value> = s.read(|x| {
        x.engine
            .markets()
            .map(|m| {
                let full = views::market(x, &m);
                let tokens: Vec<Value> = full["tokens"]
                    .as_array()
                    .map(|ts| ts.iter().map(|t| json!({"token_id": t["token_id"], "outcome": t["outcome"], "price": t["price"]})).collect())
                    .unwrap_or_default();
                json!({
                    "condition_id": full["condition_id"],
                    "rewards": full["rewards"],
                    "tokens": tokens,
                    "active": full["active"],
                    "closed": full["closed"],
                    "archived": full["archived"],
                    "accepting_orders": full["accepting_orders"],
                })
            })
            .collect()
    });
    ok(page(all, q.get("next_cursor"), 1000)?)
}

/// Whether `caller` owns the live order `id`.
fn owns_live(s: &AppState, caller: &Caller, id: &OrderId) -> bool {
    s.read(|x| {
        x.engine.resting(id).is_some_and(|r| {
            x.engine
                .owner_key(r.owner)
                .is_some_and(|o| o.as_str() == caller.key)
        })
    })
}

/// Decision: an order "scores" (earns liquidity rewards) while it rests on the book; there is no
/// reward programme here, so this is the honest local answer.
async fn order_scoring(
    State(s): St,
    h: HeaderMap,
    m: Method,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let c = l2(&s, &h, &m, &uri, b"")?;
    let id: OrderId = q
        .get("order_id")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| ApiError::bad_request("Invalid orderID"))?;
    ok(json!({ "scoring": owns_live(&s, &c, &id) }))
}

async fn orders_scoring(State(s): St, h: HeaderMap, m: Method, uri: Uri, body: Bytes) -> ApiResult {
    let c = l2(&s, &h, &m, &uri, &body)?;
    let ids: Vec<String> =
        serde_json::from_slice(&body).map_err(|_| ApiError::bad_request("Invalid payload"))?;
    let mut out = serde_json::Map::new();
    for id in ids {
        let live = id
            .parse::<OrderId>()
            .ok()
            .is_some_and(|oid| owns_live(&s, &c, &oid));
        out.insert(id, live.into());
    }
    ok(out)
}

/// Best bid and ask of a token, as decimals.
fn best(s: &AppState, token: &TokenId) -> Result<(Option<Decimal>, Option<Decimal>), ApiError> {
    let b = s.read(|x| x.engine.book(token)).ok_or_else(no_book)?;
    Ok((
        b.bids.last().map(|l| pips_to_decimal(l.0)),
        b.asks.last().map(|l| pips_to_decimal(l.0)),
    ))
}

async fn price(State(s): St, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let token = token_param(&q)?;
    let side: Side = q
        .get("side")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| ApiError::bad_request("Invalid side"))?;
    let (bid, ask) = best(&s, &token)?;
    // BUY answers the best bid, SELL the best ask (observed on the official exchange)
    let p = match side {
        Side::Buy => bid,
        Side::Sell => ask,
    };
    ok(json!({ "price": p.ok_or_else(no_book)?.to_string() }))
}

async fn midpoint(State(s): St, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let token = token_param(&q)?;
    match best(&s, &token)? {
        (Some(b), Some(a)) => {
            ok(json!({ "mid": ((b + a) / Decimal::TWO).normalize().to_string() }))
        }
        _ => Err(no_book()),
    }
}

async fn spread(State(s): St, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let token = token_param(&q)?;
    match best(&s, &token)? {
        (Some(b), Some(a)) => ok(json!({ "spread": (a - b).normalize().to_string() })),
        _ => Err(no_book()),
    }
}

async fn last_trade_price(State(s): St, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let token = token_param(&q)?;
    let b = s
        .read(|x| x.engine.book(&token))
        .ok_or_else(|| ApiError::bad_request("Invalid token id"))?;
    match b.last_trade {
        Some((p, side)) => {
            ok(json!({ "price": pips_to_decimal(p).to_string(), "side": side.as_str() }))
        }
        None => ok(json!({ "price": "0.5", "side": "" })),
    }
}

fn market_of_token<R>(
    s: &AppState,
    q: &HashMap<String, String>,
    f: impl FnOnce(&clobkit_engine::MarketSpec) -> R,
) -> Result<R, ApiError> {
    let token = token_param(q)?;
    s.read(|x| x.engine.market_of(&token).map(|(m, _)| f(m.spec)))
        .ok_or_else(|| ApiError::not_found("market not found"))
}

async fn tick_size(State(s): St, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let t = market_of_token(&s, &q, |m| m.tick_size)?;
    ok(clobkit_core::wire::TickSizeResponse {
        minimum_tick_size: t,
    })
}

async fn neg_risk(State(s): St, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    ok(json!({ "neg_risk": market_of_token(&s, &q, |m| m.neg_risk)? }))
}

async fn fee_rate(State(s): St, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    ok(json!({ "base_fee": market_of_token(&s, &q, |m| m.fee_rate_bps)? }))
}

async fn markets(State(s): St, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let all: Vec<Value> = s.read(|x| x.engine.markets().map(|m| views::market(x, &m)).collect());
    ok(page(all, q.get("next_cursor"), 1000)?)
}

async fn market(State(s): St, Path(id): Path<String>) -> ApiResult {
    let id: ConditionId = id
        .parse()
        .map_err(|_| ApiError::bad_request("Invalid market"))?;
    ok(
        s.read(|x| x.engine.market(&id).map(|m| views::market(x, &m)))
            .ok_or_else(|| ApiError::not_found("market not found"))?,
    )
}

/// One page of `items` from a cursor (`MA==` or empty = first); the last page ends with `LTE=`.
fn page<T>(items: Vec<T>, cursor: Option<&String>, size: usize) -> Result<Page<T>, ApiError> {
    let cursor = Cursor(cursor.cloned().unwrap_or_default());
    let start = if cursor.is_end() {
        items.len()
    } else {
        cursor
            .offset()
            .ok_or_else(|| ApiError::bad_request("invalid next_cursor"))? as usize
    };
    let data: Vec<T> = items.into_iter().skip(start).take(size + 1).collect();
    let more = data.len() > size;
    let data: Vec<T> = data.into_iter().take(size).collect();
    let next = if more {
        Cursor::from_offset((start + size) as u64)
    } else {
        Cursor::end()
    };
    Ok(Page {
        limit: size as u64,
        count: data.len() as u64,
        next_cursor: next,
        data,
    })
}

// ---- L1: API keys ----

/// Fresh credentials: a UUID key, a 32-byte URL-safe base64 secret, a 64-hex passphrase.
fn new_credentials() -> Result<ApiCredentials, ApiError> {
    let mut secret = [0u8; 32];
    fill_random(&mut secret);
    let mut pass = [0u8; 32];
    fill_random(&mut pass);
    use base64::Engine as _;
    Ok(ApiCredentials {
        api_key: ApiKey::new(random_uuid()).map_err(|e| ApiError::internal(e.to_string()))?,
        secret: base64::engine::general_purpose::URL_SAFE.encode(secret),
        passphrase: pass.iter().map(|b| format!("{b:02x}")).collect(),
    })
}

fn creds_json(c: &ApiCredentials) -> Value {
    json!({ "apiKey": c.api_key.as_str(), "secret": c.secret, "passphrase": c.passphrase })
}

async fn create_api_key(State(s): St, h: HeaderMap) -> ApiResult {
    let (address, nonce) = s.l1(&h)?;
    if s.read(|x| x.key_for(address, &nonce).is_some()) {
        return Err(ApiError::bad_request("Could not create api key"));
    }
    let creds = new_credentials()?;
    let rec_creds = creds.clone();
    match s
        .submit(move |now| Record::CreateApiKey {
            now,
            address,
            nonce,
            creds: rec_creds,
        })
        .await?
    {
        Ok(_) => ok(creds_json(&creds)),
        Err(_) => Err(ApiError::bad_request("Could not create api key")),
    }
}

async fn derive_api_key(State(s): St, h: HeaderMap) -> ApiResult {
    let (address, nonce) = s.l1(&h)?;
    let creds = s.read(|x| {
        x.key_for(address, &nonce)
            .and_then(|k| x.key(k))
            .map(|e| e.auth.credentials().clone())
    });
    ok(creds_json(&creds.ok_or_else(|| {
        ApiError::bad_request("Could not derive api key!")
    })?))
}

// ---- L2 ----

fn l2(s: &AppState, h: &HeaderMap, m: &Method, uri: &Uri, body: &[u8]) -> Result<Caller, ApiError> {
    s.l2(h, m, uri.path(), body)
}

async fn api_keys(State(s): St, h: HeaderMap, m: Method, uri: Uri) -> ApiResult {
    let c = l2(&s, &h, &m, &uri, b"")?;
    ok(json!({ "apiKeys": s.read(|x| x.keys_of(c.address)) }))
}

async fn delete_api_key(State(s): St, h: HeaderMap, m: Method, uri: Uri) -> ApiResult {
    let c = l2(&s, &h, &m, &uri, b"")?;
    let key = c.key.clone();
    s.submit(move |now| Record::DeleteApiKey { now, key })
        .await?
        .map_err(|_| ApiError::internal("Could not delete API key"))?;
    ok("OK")
}

async fn ban_status(State(s): St, h: HeaderMap, m: Method, uri: Uri) -> ApiResult {
    l2(&s, &h, &m, &uri, b"")?;
    ok(json!({ "closed_only": false }))
}

/// Checks an order as the exchange does before it reaches the book, in the reference's order:
/// expiration; signature and the maker rule of its signature type; fee rate; duplicate; nonce;
/// signer and owner against the API key; decimal precision. The engine then checks the market,
/// tick, minimum size and balance.
///
/// Deviation: the token must be known before the signature can be checked (it selects the
/// exchange the order was signed for), so an unknown token is reported first.
fn intake(s: &AppState, caller: &Caller, p: &PostOrder) -> Result<OrderSpec, ApiError> {
    let o = &p.order.order;
    let bad = |m: &str| ApiError::bad_request(m);
    let expiration = u64::try_from(o.expiration).map_err(|_| bad("invalid expiration"))?;
    if expiration != 0 && expiration < unix_now() {
        return Err(bad("invalid expiration"));
    }
    let (neg_risk, market_fee) = s
        .read(|x| {
            x.engine
                .market_of(&o.token_id)
                .map(|(m, _)| (m.spec.neg_risk, m.spec.fee_rate_bps))
        })
        .ok_or_else(|| bad("Invalid token id"))?;
    let domains = s.domains(neg_risk);
    let factories = s.factories();
    let Some(domain) = domains
        .iter()
        .find(|d| verify_order(&p.order, d, &factories).is_ok())
    else {
        return Err(bad("invalid signature"));
    };
    let fee_rate_bps = u32::try_from(o.fee_rate_bps)
        .ok()
        .filter(|f| *f <= clobkit_engine::MAX_FEE_RATE_BPS)
        .ok_or_else(|| bad("invalid fee rate: the maximum is 1000 bps"))?;
    if fee_rate_bps != market_fee {
        return Err(ApiError::bad_request(format!(
            "invalid user provided fee rate: ({fee_rate_bps}), fee rate for the market must be {market_fee}"
        )));
    }
    let id = p.order.id(domain);
    if s.read(|x| x.engine.was_accepted(&id)) {
        return Err(ApiError::bad_request(format!(
            "order {id} is invalid. Duplicated."
        )));
    }
    if o.nonce != U256::ZERO {
        return Err(bad("invalid nonce"));
    }
    if o.signer != caller.address {
        return Err(bad(
            "the order signer address has to be the address of the API KEY",
        ));
    }
    if p.owner.as_str() != caller.key {
        return Err(bad("the order owner has to be the owner of the API KEY"));
    }
    if p.post_only && !p.order_type.rests() {
        return Err(bad(
            "invalid post-only order: only GTC and GTD order types are allowed",
        ));
    }
    let maker_amount = o
        .maker_amount_u64()
        .ok_or_else(|| bad("Invalid order payload"))?;
    let taker_amount = o
        .taker_amount_u64()
        .ok_or_else(|| bad("Invalid order payload"))?;
    precision(
        o.side,
        p.order_type,
        maker_amount,
        taker_amount,
        s,
        &o.token_id,
    )?;
    Ok(OrderSpec {
        id,
        owner: Owner::new(&caller.key),
        maker: o.maker,
        token: o.token_id,
        side: o.side,
        maker_amount,
        taker_amount,
        fee_rate_bps,
        order_type: p.order_type,
        post_only: p.post_only,
        expiration,
    })
}

/// The exchange's decimal precision rules: limit orders keep shares to 2 decimals and collateral
/// to tick + 2; market (FOK/FAK) orders keep the maker amount to 2 decimals and the taker to 4.
fn precision(
    side: Side,
    ty: OrderType,
    maker: u64,
    taker: u64,
    s: &AppState,
    token: &TokenId,
) -> Result<(), ApiError> {
    let tick = s
        .read(|x| x.engine.market_of(token).map(|(m, _)| m.spec.tick_size))
        .ok_or_else(|| ApiError::bad_request("Invalid token id"))?;
    let decimals = |v: u64| {
        (0..=6u32)
            .find(|d| v.is_multiple_of(10u64.pow(6 - d)))
            .unwrap_or(6)
    };
    let side_name = if side == Side::Buy { "buy" } else { "sell" };
    let (max_maker, max_taker, kind) = if ty.rests() {
        let amount = tick.decimals() + 2;
        match side {
            Side::Buy => (amount, 2, side_name.to_string()),
            Side::Sell => (2, amount, side_name.to_string()),
        }
    } else {
        (2, 4, format!("market {side_name}"))
    };
    if decimals(maker) > max_maker || decimals(taker) > max_taker {
        return Err(ApiError::bad_request(format!(
            "invalid amounts, the {kind} orders maker amount supports a max accuracy of {max_maker} decimals, taker amount a max of {max_taker} decimals"
        )));
    }
    Ok(())
}

/// Posts one checked order and builds its response, or the error for it.
async fn place(s: &AppState, spec: OrderSpec) -> Result<OrderResponse, ApiError> {
    let id = spec.id;
    let events = s
        .engine(Command::Place(Box::new(spec)))
        .await?
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let mut resp = OrderResponse {
        success: true,
        error_msg: String::new(),
        order_id: id.to_string(),
        transactions_hashes: Vec::new(),
        trade_ids: Vec::new(),
        status: None,
        making_amount: None,
        taking_amount: None,
    };
    for ev in &events {
        match ev {
            Event::OrderRejected { order, reason } if *order == id => {
                return Err(reject_error(reason, &id));
            }
            Event::OrderAccepted {
                order,
                status,
                making,
                taking,
                ..
            } if *order == id => {
                resp.status = Some(status.insert_status());
                if *taking > 0 {
                    resp.making_amount = Some(units_to_decimal(*making));
                    resp.taking_amount = Some(units_to_decimal(*taking));
                }
            }
            Event::Trade(t) if t.taker_order == id => {
                resp.trade_ids.push(trade_uuid(t.id.0));
                resp.transactions_hashes.push(format!("{:#066x}", t.id.0));
            }
            _ => {}
        }
    }
    Ok(resp)
}

fn reject_error(reason: &Reject, id: &OrderId) -> ApiError {
    ApiError::bad_request(reason.message(id))
}

async fn post_order(State(s): St, h: HeaderMap, m: Method, uri: Uri, body: Bytes) -> ApiResult {
    let c = l2(&s, &h, &m, &uri, &body)?;
    let p: PostOrder = serde_json::from_slice(&body)
        .map_err(|_| ApiError::bad_request("Invalid order payload"))?;
    let spec = intake(&s, &c, &p)?;
    ok(place(&s, spec).await?)
}

async fn post_orders(State(s): St, h: HeaderMap, m: Method, uri: Uri, body: Bytes) -> ApiResult {
    let c = l2(&s, &h, &m, &uri, &body)?;
    let items: Vec<Value> = serde_json::from_slice(&body)
        .map_err(|_| ApiError::bad_request("Invalid order payload"))?;
    if items.len() > MAX_BATCH {
        return Err(ApiError::bad_request(format!(
            "Too many orders in payload: {}, max allowed: {MAX_BATCH}",
            items.len()
        )));
    }
    let mut out = Vec::new();
    for it in items {
        let r = match serde_json::from_value::<PostOrder>(it) {
            Err(_) => Err(ApiError::bad_request("Invalid order payload")),
            Ok(p) => match intake(&s, &c, &p) {
                Ok(spec) => place(&s, spec).await,
                Err(e) => Err(e),
            },
        };
        out.push(r.unwrap_or_else(|e| OrderResponse {
            success: false,
            error_msg: e.message,
            order_id: String::new(),
            transactions_hashes: Vec::new(),
            trade_ids: Vec::new(),
            status: None,
            making_amount: None,
            taking_amount: None,
        }));
    }
    ok(out)
}

/// Reads a JSON object's key regardless of letter case (the Go exchange matches keys that way).
fn field<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

async fn cancel(s: &AppState, owner: &str, command: Command) -> ApiResult {
    let _ = owner;
    let events = s
        .engine(command)
        .await?
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let mut resp = CancelResponse::default();
    for ev in events {
        if let Event::CancelResult {
            canceled,
            not_canceled,
        } = ev
        {
            resp.canceled
                .extend(canceled.iter().map(ToString::to_string));
            for (id, why) in not_canceled {
                resp.not_canceled
                    .insert(id.to_string(), why.message().to_owned());
            }
        }
    }
    ok(resp)
}

async fn cancel_order(State(s): St, h: HeaderMap, m: Method, uri: Uri, body: Bytes) -> ApiResult {
    let c = l2(&s, &h, &m, &uri, &body)?;
    let v: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::bad_request("Invalid order payload"))?;
    let id = field(&v, "orderID")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("Invalid order payload"))?;
    let Ok(id) = id.parse::<OrderId>() else {
        return ok(CancelResponse {
            canceled: vec![],
            not_canceled: [(id.to_owned(), "Invalid orderID".to_owned())].into(),
        });
    };
    cancel(
        &s,
        &c.key,
        Command::Cancel {
            owner: Owner::new(&c.key),
            orders: vec![id],
        },
    )
    .await
}

async fn cancel_orders(State(s): St, h: HeaderMap, m: Method, uri: Uri, body: Bytes) -> ApiResult {
    let c = l2(&s, &h, &m, &uri, &body)?;
    let ids: Vec<String> = serde_json::from_slice(&body)
        .map_err(|_| ApiError::bad_request("Invalid order payload"))?;
    if ids.len() > 3000 {
        return Err(ApiError::bad_request(
            "Too many orders in payload, max allowed: 3000",
        ));
    }
    let mut bad = Vec::new();
    let mut good = Vec::new();
    for id in ids {
        match id.parse::<OrderId>() {
            Ok(i) if !good.contains(&i) => good.push(i),
            Ok(_) => {}
            Err(_) => bad.push(id),
        }
    }
    let resp = cancel(
        &s,
        &c.key,
        Command::Cancel {
            owner: Owner::new(&c.key),
            orders: good,
        },
    )
    .await?;
    if bad.is_empty() {
        return Ok(resp);
    }
    // add the malformed ids to not_canceled
    let bytes = axum::body::to_bytes(resp.into_body(), BODY_LIMIT)
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let mut r: CancelResponse =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::internal(e.to_string()))?;
    for id in bad {
        r.not_canceled.insert(id, "Invalid orderID".into());
    }
    ok(r)
}

async fn cancel_all(State(s): St, h: HeaderMap, m: Method, uri: Uri, body: Bytes) -> ApiResult {
    let c = l2(&s, &h, &m, &uri, &body)?;
    cancel(
        &s,
        &c.key,
        Command::CancelAll {
            owner: Owner::new(&c.key),
        },
    )
    .await
}

async fn cancel_market_orders(
    State(s): St,
    h: HeaderMap,
    m: Method,
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    let c = l2(&s, &h, &m, &uri, &body)?;
    let v: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&body).map_err(|_| ApiError::bad_request("Invalid order payload"))?
    };
    let text = |k: &str| {
        field(&v, k)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
    };
    let market = match text("market") {
        Some(t) => Some(
            t.parse::<ConditionId>()
                .map_err(|_| ApiError::bad_request("Invalid order payload"))?,
        ),
        None => None,
    };
    let token = match text("asset_id") {
        Some(t) => Some(
            t.parse::<TokenId>()
                .map_err(|_| ApiError::bad_request("Invalid order payload"))?,
        ),
        None => None,
    };
    cancel(
        &s,
        &c.key,
        Command::CancelMarket {
            owner: Owner::new(&c.key),
            market,
            token,
        },
    )
    .await
}

async fn get_order(
    State(s): St,
    h: HeaderMap,
    m: Method,
    uri: Uri,
    Path(id): Path<String>,
) -> ApiResult {
    let c = l2(&s, &h, &m, &uri, b"")?;
    let id: OrderId = id
        .parse()
        .map_err(|_| ApiError::bad_request("Invalid orderID"))?;
    let row = s.read(|x| {
        x.order(&id)
            .filter(|r| r.spec.owner.as_str() == c.key)
            .map(views::open_order)
    });
    ok(row.ok_or_else(|| ApiError::not_found("order not found"))?)
}

async fn get_orders(
    State(s): St,
    h: HeaderMap,
    m: Method,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let c = l2(&s, &h, &m, &uri, b"")?;
    let want = |k: &str| q.get(k).filter(|v| !v.is_empty()).cloned();
    let (market, asset, id) = (want("market"), want("asset_id"), want("id"));
    let rows = s.read(|x| {
        x.open_orders(&c.key)
            .into_iter()
            .filter(|r| {
                market
                    .as_ref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(&r.market.to_string()))
            })
            .filter(|r| {
                asset
                    .as_ref()
                    .is_none_or(|a| *a == r.spec.token.to_string())
            })
            .filter(|r| {
                id.as_ref()
                    .is_none_or(|i| i.eq_ignore_ascii_case(&r.spec.id.to_string()))
            })
            .map(views::open_order)
            .collect::<Vec<_>>()
    });
    ok(page(rows, q.get("next_cursor"), PAGE)?)
}

async fn get_trades(
    State(s): St,
    h: HeaderMap,
    m: Method,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let c = l2(&s, &h, &m, &uri, b"")?;
    let want = |k: &str| q.get(k).filter(|v| !v.is_empty()).cloned();
    let num = |k: &str| -> Result<Option<u64>, ApiError> {
        want(k)
            .map(|v| {
                v.parse()
                    .map_err(|_| ApiError::bad_request("Invalid trade params payload"))
            })
            .transpose()
    };
    let (market, asset, id, maker) = (
        want("market"),
        want("asset_id"),
        want("id"),
        want("maker_address"),
    );
    let (after, before) = (num("after")?, num("before")?);
    let rows = s.read(|x| {
        x.trades_of(&c.key)
            .into_iter()
            .map(|r| views::trade(x, r, &c.key))
            .filter(|t| {
                market
                    .as_ref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(&t.market.to_string()))
            })
            .filter(|t| {
                asset.as_ref().is_none_or(|a| {
                    *a == t.asset_id.to_string()
                        || t.maker_orders.iter().any(|o| *a == o.asset_id.to_string())
                })
            })
            .filter(|t| id.as_ref().is_none_or(|i| *i == t.id))
            .filter(|t| {
                maker
                    .as_ref()
                    .is_none_or(|a| a.eq_ignore_ascii_case(&t.maker_address.to_string()))
            })
            .filter(|t| {
                after.is_none_or(|a| t.match_time >= a) && before.is_none_or(|b| t.match_time <= b)
            })
            .collect::<Vec<_>>()
    });
    ok(page(rows, q.get("next_cursor"), PAGE)?)
}

/// The funder of the caller for a signature type: itself, its proxy wallet or its Safe.
fn funder(s: &AppState, caller: &Caller, q: &HashMap<String, String>) -> Result<Address, ApiError> {
    let ty = match q.get("signature_type").map(String::as_str) {
        None | Some("") | Some("-1") => SignatureType::Eoa,
        Some(t) => t
            .parse()
            .map_err(|_| ApiError::bad_request("Invalid signature_type"))?,
    };
    clobkit_core::verify::expected_maker(ty, caller.address, &s.factories())
        .map_err(|_| ApiError::bad_request("Invalid signature_type"))
}

async fn balance_allowance(
    State(s): St,
    h: HeaderMap,
    m: Method,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let c = l2(&s, &h, &m, &uri, b"")?;
    let account = funder(&s, &c, &q)?;
    let asset = match q
        .get("asset_type")
        .map(|a| a.to_ascii_uppercase())
        .as_deref()
    {
        Some("COLLATERAL") => Asset::Collateral,
        Some("CONDITIONAL") => Asset::Token(token_param(&q)?),
        _ => return Err(ApiError::bad_request("Invalid asset type")),
    };
    let h = s.read(|x| x.engine.holding(account, asset));
    let contracts = s.config.chain.contracts();
    let max = U256::MAX.to_string();
    ok(json!({
        "balance": h.balance.to_string(),
        "allowance": max,
        "allowances": {
            contracts.exchange.to_checksum(None): max,
            contracts.neg_risk_exchange.to_checksum(None): max,
            contracts.neg_risk_adapter.to_checksum(None): max,
        },
    }))
}

async fn balance_allowance_update(State(s): St, h: HeaderMap, m: Method, uri: Uri) -> ApiResult {
    l2(&s, &h, &m, &uri, b"")?;
    // balances are the ledger itself: nothing to refresh
    Ok(StatusCode::OK.into_response())
}

async fn notifications(State(s): St, h: HeaderMap, m: Method, uri: Uri) -> ApiResult {
    let c = l2(&s, &h, &m, &uri, b"")?;
    let list: Vec<Value> = s.read(|x| {
        x.notifications_of(&c.key)
            .iter()
            .map(|n| json!({ "id": n.id, "type": n.kind, "owner": c.key, "payload": n.payload, "timestamp": n.timestamp }))
            .collect()
    });
    ok(list)
}

async fn drop_notifications(
    State(s): St,
    h: HeaderMap,
    m: Method,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let c = l2(&s, &h, &m, &uri, b"")?;
    let ids: Vec<u64> = q
        .get("ids")
        .map(|v| v.split(',').filter_map(|i| i.trim().parse().ok()).collect())
        .unwrap_or_default();
    let owner = c.key.clone();
    s.submit(move |now| Record::DropNotifications { now, owner, ids })
        .await?
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(StatusCode::OK.into_response())
}

async fn heartbeat(State(s): St, h: HeaderMap, m: Method, uri: Uri, body: Bytes) -> ApiResult {
    let c = l2(&s, &h, &m, &uri, &body)?;
    let v: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&body).map_err(|_| ApiError::bad_request("Invalid payload"))?
    };
    let id = field(&v, "heartbeat_id").and_then(Value::as_str);
    match s.heartbeat(&c.key, id) {
        Ok(next) => ok(json!({ "heartbeat_id": next })),
        Err(given) => Ok((
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "Invalid Heartbeat ID", "heartbeat_id": given })),
        )
            .into_response()),
    }
}
