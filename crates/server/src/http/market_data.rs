//! Public market data: books, prices, markets and price history. No authentication.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use clobkit_core::Decimal;
use clobkit_core::clock::{unix_millis, unix_secs};
use clobkit_core::protocol::VersionResponse;
use clobkit_core::types::{ConditionId, Side, TokenId};
use clobkit_core::wire::errors as msg;
use clobkit_core::wire::{
    ClobMarketInfo, ClobMarketToken, FeeRateResponse, LastTradePrice, MarketByToken,
    MidpointResponse, NegRiskResponse, PriceHistory, PriceHistoryPoint, PriceResponse,
    SpreadResponse, TickSizeResponse,
};
use clobkit_engine::{MarketSpec, pips_to_decimal, units_to_decimal};
use serde::Deserialize;
use serde_json::Value;

use super::extract::{Param, Params};
use super::{ApiResult, MARKETS_PAGE, field, ok, page_of};
use crate::app::AppState;
use crate::error::ApiError;
use crate::views;

/// `GET /version`: the protocol version this exchange's orders are signed for.
/// The header that carries a degraded-but-serving health report.
pub const HEALTH_WARNING: &str = "x-clobkit-warning";

/// `GET /` and `GET /ok`: `"OK"` while the exchange is healthy; 503 with the reason when its
/// journal failed (it is stopping). While snapshots or history commits fail, or the disk has no
/// room for changes, it still serves: `"OK"` with the reason in [`HEALTH_WARNING`] (the clients
/// read only the body).
async fn health(State(app): State<Arc<AppState>>) -> ApiResult {
    match app.health() {
        Ok(()) => ok("OK"),
        Err(h @ crate::app::Health::Stopped(_)) => Err(ApiError::unavailable(h.to_string())),
        Err(
            h @ (crate::app::Health::SnapshotsFailing(_)
            | crate::app::Health::HistoryFailing(_)
            | crate::app::Health::NoRoom(_)),
        ) => {
            let mut resp = ok("OK")?;
            if let Ok(v) = axum::http::HeaderValue::from_str(&h.to_string()) {
                resp.headers_mut().insert(HEALTH_WARNING, v);
            }
            Ok(resp)
        }
    }
}

async fn version(State(app): State<Arc<AppState>>) -> ApiResult {
    ok(VersionResponse::from(app.read(|ex| ex.protocol()).await?))
}

/// The routes of this family.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(health))
        // V2's health route
        .route("/ok", get(health))
        .route("/time", get(|| async { Json(unix_secs()) }))
        // the protocol this exchange's orders are signed for (V2 clients read it to pick one)
        .route("/version", get(version))
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
        .route("/markets-by-token/{token}", get(market_by_token))
        .route("/clob-markets/{id}", get(clob_market))
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
}

/// `?token_id=` (every per-token route).
#[derive(Debug, Deserialize)]
pub(super) struct TokenQuery {
    #[serde(default)]
    token_id: Param<TokenId>,
}

impl TokenQuery {
    /// The token, or 400 `invalid token id`.
    pub(super) fn token(self) -> Result<TokenId, ApiError> {
        self.token_id.required(msg::INVALID_TOKEN_ID)
    }
}

/// `GET /price`: `?token_id=&side=`.
#[derive(Debug, Deserialize)]
struct PriceQuery {
    #[serde(default)]
    token_id: Param<TokenId>,
    #[serde(default)]
    side: Param<Side>,
}

/// `?next_cursor=` of the market listings.
#[derive(Debug, Deserialize)]
struct CursorQuery {
    next_cursor: Option<String>,
}

/// `GET /prices-history`: `?market=<token>&startTs=&endTs=&interval=&fidelity=`.
#[derive(Debug, Deserialize)]
struct HistoryQuery {
    #[serde(default)]
    market: Param<TokenId>,
    #[serde(default, rename = "startTs")]
    start_ts: Param<u64>,
    #[serde(default, rename = "endTs")]
    end_ts: Param<u64>,
    interval: Option<String>,
    #[serde(default)]
    fidelity: Param<u64>,
}

/// 404 `No orderbook exists for the requested token id`.
pub(super) fn no_book() -> ApiError {
    ApiError::not_found(msg::NO_ORDERBOOK)
}

async fn book(State(app): State<Arc<AppState>>, Params(q): Params<TokenQuery>) -> ApiResult {
    let token = q.token()?;
    let now_ms = unix_millis();
    ok(app
        .read(|ex| views::book_summary(ex, &token, now_ms))
        .await?
        .ok_or_else(no_book)?)
}

/// The `[{"token_id": …, "side": …}]` body of the batch market-data routes (keys in any case).
fn batch(body: &[u8]) -> Result<Vec<(TokenId, Option<Side>)>, ApiError> {
    let items: Vec<Value> = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(msg::INVALID_PAYLOAD).because(e))?;
    if items.len() > msg::MAX_DATA_BATCH {
        return Err(ApiError::bad_request(msg::PAYLOAD_TOO_LARGE));
    }
    items
        .iter()
        .map(|it| {
            let token = field(it, "token_id")
                .and_then(Value::as_str)
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| ApiError::bad_request(msg::INVALID_PAYLOAD))?;
            let side = match field(it, "side").and_then(Value::as_str) {
                Some(v) => Some(
                    v.parse()
                        .map_err(|_| ApiError::bad_request(msg::INVALID_SIDE))?,
                ),
                None => None,
            };
            Ok((token, side))
        })
        .collect()
}

async fn books(State(app): State<Arc<AppState>>, body: Bytes) -> ApiResult {
    let now_ms = unix_millis();
    let mut out = Vec::new();
    for (token, _) in batch(&body)? {
        out.push(
            app.read(|ex| views::book_summary(ex, &token, now_ms))
                .await?
                .ok_or_else(no_book)?,
        );
    }
    ok(out)
}

/// Best bid and ask of a token, as decimals.
async fn best(
    app: &AppState,
    token: &TokenId,
) -> Result<(Option<Decimal>, Option<Decimal>), ApiError> {
    let (bid, ask) = app
        .read(|ex| ex.engine.best(token))
        .await?
        .ok_or_else(no_book)?;
    Ok((bid.map(pips_to_decimal), ask.map(pips_to_decimal)))
}

fn mid(bid: Decimal, ask: Decimal) -> Decimal {
    ((bid + ask) / Decimal::TWO).normalize()
}

fn spread_of(bid: Decimal, ask: Decimal) -> Decimal {
    (ask - bid).normalize()
}

async fn prices(State(app): State<Arc<AppState>>, body: Bytes) -> ApiResult {
    let mut out: BTreeMap<String, BTreeMap<&'static str, String>> = BTreeMap::new();
    for (token, side) in batch(&body)? {
        let (bid, ask) = best(&app, &token).await?;
        let entry = out.entry(token.to_string()).or_default();
        for (s, p) in [(Side::Buy, bid), (Side::Sell, ask)] {
            if let (true, Some(p)) = (side.is_none_or(|x| x == s), p) {
                entry.insert(s.as_str(), p.to_string());
            }
        }
    }
    ok(out)
}

async fn midpoints(State(app): State<Arc<AppState>>, body: Bytes) -> ApiResult {
    let mut out = BTreeMap::new();
    for (token, _) in batch(&body)? {
        if let (Some(b), Some(a)) = best(&app, &token).await? {
            out.insert(token.to_string(), mid(b, a).to_string());
        }
    }
    ok(out)
}

async fn spreads(State(app): State<Arc<AppState>>, body: Bytes) -> ApiResult {
    let mut out = BTreeMap::new();
    for (token, _) in batch(&body)? {
        if let (Some(b), Some(a)) = best(&app, &token).await? {
            out.insert(token.to_string(), spread_of(b, a).to_string());
        }
    }
    ok(out)
}

/// The last trade of a token (0.5 and no side before the first); an unknown token is refused.
async fn last_trade(app: &AppState, token: &TokenId) -> Result<(Decimal, Option<Side>), ApiError> {
    let last = app
        .read(|ex| ex.engine.book(token).map(|b| b.last_trade))
        .await?
        .ok_or_else(|| ApiError::bad_request(msg::INVALID_TOKEN_ID))?;
    Ok(last.map_or((Decimal::new(5, 1), None), |(p, s)| {
        (pips_to_decimal(p), Some(s))
    }))
}

async fn last_trades_prices(State(app): State<Arc<AppState>>, body: Bytes) -> ApiResult {
    let mut out = Vec::new();
    for (token, _) in batch(&body)? {
        let (price, side) = last_trade(&app, &token).await?;
        out.push(LastTradePrice {
            token_id: Some(token.to_string()),
            price,
            side,
        });
    }
    ok(out)
}

async fn last_trade_price(
    State(app): State<Arc<AppState>>,
    Params(q): Params<TokenQuery>,
) -> ApiResult {
    let token = q.token()?;
    let (price, side) = last_trade(&app, &token).await?;
    ok(LastTradePrice {
        token_id: None,
        price,
        side,
    })
}

/// The length of a `/prices-history` interval, seconds.
fn interval_secs(interval: &str) -> Option<u64> {
    match interval {
        "1m" => Some(60),
        "1h" => Some(3600),
        "6h" => Some(6 * 3600),
        "1d" => Some(86_400),
        "1w" => Some(7 * 86_400),
        _ => None,
    }
}

async fn prices_history(
    State(app): State<Arc<AppState>>,
    Params(q): Params<HistoryQuery>,
) -> ApiResult {
    let token = q.market.required(msg::INVALID_TOKEN_ID)?;
    let span = q.interval.as_deref().and_then(interval_secs);
    let start = q
        .start_ts
        .lenient()
        .or(span.map(|sp| unix_secs().saturating_sub(sp)))
        .unwrap_or(0);
    let end = q.end_ts.lenient().unwrap_or(u64::MAX);
    // fidelity: at most one point per `fidelity` minutes (the last trade of each bucket)
    let bucket = q.fidelity.lenient().unwrap_or(0).saturating_mul(60);
    let mut points: Vec<(u64, u32)> = Vec::new();
    let trades = app
        .history(move |h| h.price_history(&token, start, end))
        .await?;
    for (t, p) in trades {
        match points.last_mut() {
            Some(last) if bucket > 0 && t / bucket == last.0 / bucket => *last = (t, p),
            _ => points.push((t, p)),
        }
    }
    ok(PriceHistory {
        history: points
            .into_iter()
            .map(|(t, p)| PriceHistoryPoint {
                t,
                p: pips_to_decimal(p),
            })
            .collect(),
    })
}

async fn price(State(app): State<Arc<AppState>>, Params(q): Params<PriceQuery>) -> ApiResult {
    let token = q.token_id.required(msg::INVALID_TOKEN_ID)?;
    let side = q.side.required(msg::INVALID_SIDE)?;
    let (bid, ask) = best(&app, &token).await?;
    // BUY answers the best bid, SELL the best ask (observed on the official exchange)
    let p = match side {
        Side::Buy => bid,
        Side::Sell => ask,
    };
    ok(PriceResponse {
        price: p.ok_or_else(no_book)?,
    })
}

async fn midpoint(State(app): State<Arc<AppState>>, Params(q): Params<TokenQuery>) -> ApiResult {
    match best(&app, &q.token()?).await? {
        (Some(b), Some(a)) => ok(MidpointResponse { mid: mid(b, a) }),
        _ => Err(no_book()),
    }
}

async fn spread(State(app): State<Arc<AppState>>, Params(q): Params<TokenQuery>) -> ApiResult {
    match best(&app, &q.token()?).await? {
        (Some(b), Some(a)) => ok(SpreadResponse {
            spread: spread_of(b, a),
        }),
        _ => Err(no_book()),
    }
}

/// Reads one value of the market of the queried token.
async fn market_of_token<R>(
    app: &AppState,
    q: TokenQuery,
    f: impl FnOnce(&MarketSpec) -> R,
) -> Result<R, ApiError> {
    let token = q.token()?;
    app.read(|ex| ex.engine.market_of(&token).map(|(m, _)| f(m.spec)))
        .await?
        .ok_or_else(|| ApiError::not_found(msg::MARKET_NOT_FOUND))
}

async fn tick_size(State(app): State<Arc<AppState>>, Params(q): Params<TokenQuery>) -> ApiResult {
    ok(TickSizeResponse {
        minimum_tick_size: market_of_token(&app, q, |m| m.tick_size).await?,
    })
}

async fn neg_risk(State(app): State<Arc<AppState>>, Params(q): Params<TokenQuery>) -> ApiResult {
    ok(NegRiskResponse {
        neg_risk: market_of_token(&app, q, |m| m.neg_risk).await?,
    })
}

async fn fee_rate(State(app): State<Arc<AppState>>, Params(q): Params<TokenQuery>) -> ApiResult {
    ok(FeeRateResponse {
        base_fee: u64::from(market_of_token(&app, q, |m| m.fee_rate_bps).await?),
    })
}

async fn markets(State(app): State<Arc<AppState>>, Params(q): Params<CursorQuery>) -> ApiResult {
    let listed = app
        .read(|ex| {
            let all: Vec<_> = ex.engine.markets().collect();
            page_of(&all, q.next_cursor, MARKETS_PAGE).map(|p| p.map(|m| views::market(ex, &m)))
        })
        .await??;
    ok(listed)
}

async fn simplified_markets(
    State(app): State<Arc<AppState>>,
    Params(q): Params<CursorQuery>,
) -> ApiResult {
    let listed = app
        .read(|ex| {
            let all: Vec<_> = ex.engine.markets().collect();
            page_of(&all, q.next_cursor, MARKETS_PAGE)
                .map(|p| p.map(|m| views::simplified_market(ex, &m)))
        })
        .await??;
    ok(listed)
}

/// `GET /markets-by-token/{token}` (V2).
async fn market_by_token(State(app): State<Arc<AppState>>, Path(token): Path<String>) -> ApiResult {
    let token: TokenId = token
        .parse()
        .map_err(|_| ApiError::bad_request(msg::INVALID_TOKEN_ID))?;
    let (condition, tokens) = app
        .read(|ex| {
            ex.engine
                .market_of(&token)
                .map(|(m, _)| (m.spec.condition_id, m.spec.tokens))
        })
        .await?
        .ok_or_else(|| ApiError::not_found(msg::MARKET_NOT_FOUND))?;
    ok(MarketByToken {
        condition_id: condition.to_string(),
        primary_token_id: tokens[0].to_string(),
        secondary_token_id: tokens[1].to_string(),
    })
}

/// `GET /clob-markets/{condition_id}` (V2): the compact trading parameters: `fd` is the platform
/// fee V2 orders pay; the base fees are the rate V1 orders sign, charged to makers and takers
/// alike.
async fn clob_market(State(app): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult {
    let id: ConditionId = id
        .parse()
        .map_err(|_| ApiError::bad_request(msg::INVALID_MARKET))?;
    let spec = app
        .read(|ex| ex.engine.market(&id).map(|m| m.spec.clone()))
        .await?
        .ok_or_else(|| ApiError::not_found(msg::MARKET_NOT_FOUND))?;
    let t = spec
        .tokens
        .iter()
        .zip(spec.outcomes.iter())
        .map(|(t, o)| ClobMarketToken {
            t: t.to_string(),
            o: o.clone(),
        })
        .collect();
    ok(ClobMarketInfo {
        c: spec.condition_id.to_string(),
        t,
        mts: spec.tick_size,
        nr: spec.neg_risk,
        mbf: spec.fee_rate_bps,
        tbf: spec.fee_rate_bps,
        mos: units_to_decimal(spec.min_order_size),
        fd: spec.platform_fee.details(),
    })
}

async fn market(State(app): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult {
    let id: ConditionId = id
        .parse()
        .map_err(|_| ApiError::bad_request(msg::INVALID_MARKET))?;
    ok(app
        .read(|ex| ex.engine.market(&id).map(|m| views::market(ex, &m)))
        .await?
        .ok_or_else(|| ApiError::not_found(msg::MARKET_NOT_FOUND))?)
}
