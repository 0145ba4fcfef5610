//! The dashboard at `/ui/`: its embedded files, its charts (SVG drawn by `clobkit-dashboard`)
//! and the recent trades of a token that seed its tape and price chart. Public, like the market
//! data it shows; what needs the admin token (accounts, companions, faults) is read by the page
//! from the admin routes with the token the user typed in.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use clobkit_core::Decimal;
use clobkit_core::clock::unix_millis;
use clobkit_core::types::{Side, TokenId};
use clobkit_core::wire::errors as msg;
use clobkit_dashboard::assets::{self, Asset};
use clobkit_dashboard::price::Tick;
use clobkit_engine::{pips_to_decimal, units_to_decimal};
use serde::{Deserialize, Serialize};

use super::extract::{Param, Params};
use super::market_data::{TokenQuery, no_book};
use super::{ApiResult, ok};
use crate::app::AppState;
use crate::error::ApiError;
use crate::exchange::TradeRow;
use crate::views;

/// How many trades the tape and the price chart show by default, and at most.
const TAPE: usize = 50;
const TAPE_MAX: usize = 500;

/// The dashboard's routes.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/ui", get(|| async { Redirect::permanent("/ui/") }))
        .route("/ui/", get(|| async { file(assets::INDEX) }))
        .route("/ui/{name}", get(named))
        .route("/ui/chart/depth.svg", get(depth_chart))
        .route("/ui/chart/price.svg", get(price_chart))
        .route("/ui/api/trades", get(trades))
}

/// An embedded file (never cached: the binary, not the browser, holds the current one).
fn file(a: Asset) -> Response {
    (
        [
            (header::CONTENT_TYPE, a.content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        a.body,
    )
        .into_response()
}

async fn named(Path(name): Path<String>) -> ApiResult {
    assets::get(&name)
        .map(file)
        .ok_or_else(|| ApiError::not_found(msg::NOT_FOUND))
}

/// An SVG drawing, or 500 if it could not be drawn.
fn svg(drawn: Result<String, clobkit_dashboard::ChartError>) -> ApiResult {
    let body =
        drawn.map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

/// `GET /ui/chart/depth.svg?token_id=`: the token's book as a depth chart.
async fn depth_chart(State(app): State<Arc<AppState>>, Params(q): Params<TokenQuery>) -> ApiResult {
    let token = q.token()?;
    let now_ms = unix_millis();
    let book = app
        .read(|x| views::book_summary(x, &token, now_ms))
        .await?
        .ok_or_else(no_book)?;
    svg(clobkit_dashboard::depth::svg(&book.bids, &book.asks))
}

/// `?token_id=&limit=` of the trade routes.
#[derive(Debug, Deserialize)]
struct TradesQuery {
    #[serde(default)]
    token_id: Param<TokenId>,
    #[serde(default)]
    limit: Param<usize>,
}

/// One trade on the tape, in the terms of the token asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TapeTrade {
    /// The trade's id.
    pub id: u64,
    /// Its price, in the token's terms (`1 − p` for a trade in the other token).
    #[serde(with = "clobkit_core::serde_util::decimal_str")]
    pub price: Decimal,
    /// Shares matched.
    #[serde(with = "clobkit_core::serde_util::decimal_str")]
    pub size: Decimal,
    /// The taker's side, in the token's terms.
    pub side: Side,
    /// Unix seconds of the match.
    pub match_time: u64,
}

/// The latest `limit` trades of `token`'s market in its terms, newest first.
async fn tape(app: &AppState, token: TokenId, limit: usize) -> Result<Vec<TapeTrade>, ApiError> {
    let market = app
        .read(|x| x.engine.market_of(&token).map(|(m, _)| m.spec.condition_id))
        .await?
        .ok_or_else(no_book)?;
    let rows: Vec<TradeRow> = app
        .history(move |h| h.recent_trades(&market, limit))
        .await?;
    Ok(rows
        .iter()
        .map(|row| {
            let t = &row.trade;
            let (price, side) = t.seen_from(t.token == token);
            TapeTrade {
                id: t.id.0,
                price: pips_to_decimal(price),
                size: units_to_decimal(t.shares),
                side,
                match_time: t.match_time,
            }
        })
        .collect())
}

fn limit(q: Param<usize>) -> usize {
    q.lenient().unwrap_or(TAPE).clamp(1, TAPE_MAX)
}

/// `GET /ui/api/trades?token_id=&limit=`: the tape (default 50, at most 500 trades).
async fn trades(State(app): State<Arc<AppState>>, Params(q): Params<TradesQuery>) -> ApiResult {
    let token = q.token_id.required(msg::INVALID_TOKEN_ID)?;
    ok(tape(&app, token, limit(q.limit)).await?)
}

/// `GET /ui/chart/price.svg?token_id=&limit=`: the token's last trades (default 50, at most
/// 500) as a price chart.
async fn price_chart(
    State(app): State<Arc<AppState>>,
    Params(q): Params<TradesQuery>,
) -> ApiResult {
    let token = q.token_id.required(msg::INVALID_TOKEN_ID)?;
    let trades = tape(&app, token, limit(q.limit)).await?;
    let ticks: Vec<Tick> = trades
        .iter()
        .rev()
        .map(|t| Tick {
            at: t.match_time,
            price: t.price,
            side: t.side,
        })
        .collect();
    svg(clobkit_dashboard::price::svg(&ticks))
}
