//! The HTTP API, one router per route family, merged here:
//!
//! | module | routes |
//! |---|---|
//! | [`market_data`] | public books, prices, markets, price history (no auth) |
//! | [`keys`] | API keys (L1 to create/derive, L2 to list/delete), ban status |
//! | [`orders`] | posting and cancelling orders (L2) |
//! | [`queries`] | the caller's orders, trades and order scoring (L2) |
//! | [`builders`] | builder fee rates and builder trades (V2, no auth) |
//! | [`account`] | balances and notifications (L2) |
//! | [`heartbeats`] | the dead-man switch (L2) |
//! | [`drills`] | route faults armed on demand (`crate::faults`) |
//! | [`socket`] | the WebSocket channels `/ws/market` and `/ws/user` (fed by `crate::stream`) |
//! | [`ui`] | the dashboard at `/ui/`: its page, charts and trade tape (no auth) |
//! | [`admin`] | operating the exchange (loopback, bearer token) |
//!
//! Authentication is an extractor ([`extract::Authed`], [`extract::L1Authed`]); order checks
//! live in `crate::intake`; every response body is a `clobkit_core::wire` type.

pub mod account;
pub mod admin;
pub mod builders;
pub mod drills;
pub mod extract;
pub mod heartbeats;
pub mod keys;
pub mod limited;
pub mod market_data;
pub mod orders;
pub mod queries;
pub mod socket;
pub mod ui;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use clobkit_core::wire::errors as msg;
use clobkit_core::wire::{Cursor, Page};

use crate::app::AppState;
use crate::error::ApiError;
use crate::listen::BODY_LIMIT;

/// Page size of `/data/orders` and `/data/trades`.
pub const PAGE: usize = 100;
/// Page size of `/markets` and `/simplified-markets`.
pub const MARKETS_PAGE: usize = 1000;

/// What every handler returns.
pub type ApiResult = Result<Response, ApiError>;

/// The router of the whole public API (admin routes are added by the server with their token).
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .merge(market_data::router())
        .merge(keys::router())
        .merge(orders::router())
        .merge(queries::router())
        .merge(builders::router())
        .merge(account::router())
        .merge(heartbeats::router())
        .merge(ui::router())
        .route("/ws/market", axum::routing::get(socket::market))
        .route("/ws/user", axum::routing::get(socket::user))
        .fallback(|| async { ApiError::not_found(msg::NOT_FOUND) })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            drills::inject,
        ))
        .with_state(state)
}

/// A 200 with `v` as JSON.
fn ok(v: impl serde::Serialize) -> ApiResult {
    Ok(Json(v).into_response())
}

/// One page of `items` (copied) from an offset cursor (`MA==` or absent = first); the last page
/// ends with `LTE=`. Listings slice first and build their views from the page only.
fn page_of<T: Clone>(
    items: &[T],
    cursor: Option<String>,
    size: usize,
) -> Result<Page<T>, ApiError> {
    let cursor = Cursor(cursor.unwrap_or_default());
    let start = if cursor.is_end() {
        items.len()
    } else {
        cursor
            .offset()
            .and_then(|o| usize::try_from(o).ok())
            .ok_or_else(|| ApiError::bad_request(msg::INVALID_CURSOR))?
    };
    let total = items.len();
    let data: Vec<T> = items.iter().skip(start).take(size).cloned().collect();
    let next = if start.saturating_add(size) < total {
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

/// Where a listing read from the history resumes: after the key the cursor carries (`MA==` or
/// absent: from the start; `None`: the end marker, nothing more). History cursors carry the
/// last key shown rather than an offset, so a page costs the same wherever it is.
fn resume_after(cursor: Option<String>) -> Result<Option<u64>, ApiError> {
    let cursor = Cursor(cursor.unwrap_or_default());
    if cursor.is_end() {
        return Ok(None);
    }
    cursor
        .offset()
        .map(Some)
        .ok_or_else(|| ApiError::bad_request(msg::INVALID_CURSOR))
}

/// A page of a history listing: `next` is the key to resume after, `None` on the last page.
fn keyset_page<T>(data: Vec<T>, next: Option<u64>, size: usize) -> Page<T> {
    Page {
        limit: size as u64,
        count: data.len() as u64,
        next_cursor: next.map_or_else(Cursor::end, Cursor::from_offset),
        data,
    }
}

/// Reads a JSON object's key regardless of letter case (the Go exchange matches keys that way).
fn field<'a>(v: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}
