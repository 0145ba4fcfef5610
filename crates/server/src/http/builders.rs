//! V2 builder attribution, public: a builder code's fee rates and the trades of orders that
//! carried it.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use clobkit_core::B256;
use clobkit_core::wire::errors as msg;
use serde::Deserialize;

use super::extract::Params;
use super::queries::TradeFilters;
use super::{ApiResult, PAGE, keyset_page, ok, resume_after};
use crate::app::AppState;
use crate::error::ApiError;
use crate::views;

/// The routes of this family.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/fees/builder-fees/{code}", get(builder_fees))
        .route("/builder/trades", get(builder_trades))
}

fn code(text: &str) -> Result<B256, ApiError> {
    text.parse::<B256>()
        .ok()
        .filter(|c| !c.is_zero())
        .ok_or_else(|| ApiError::bad_request(msg::INVALID_BUILDER_CODE))
}

/// `GET /fees/builder-fees/{code}`: `{builder_maker_fee_rate_bps, builder_taker_fee_rate_bps}`
/// of a registered code (`POST /admin/builders`); 404 for another.
async fn builder_fees(State(app): State<Arc<AppState>>, Path(c): Path<String>) -> ApiResult {
    let c = code(&c)?;
    let rates = app
        .read(|ex| ex.engine.builder(&c).map(|b| b.rates))
        .await?
        .ok_or_else(|| ApiError::not_found(msg::BUILDER_NOT_FOUND))?;
    ok(rates)
}

/// `GET /builder/trades` query: the code (required) and the filters of `/data/trades`.
#[derive(Debug, Deserialize)]
struct BuilderTradesQuery {
    builder_code: Option<String>,
    #[serde(flatten)]
    filters: TradeFilters,
    next_cursor: Option<String>,
}

/// `GET /builder/trades?builder_code=…`: every side of a trade whose order carried the code,
/// oldest first, filtered and paginated like `/data/trades`.
async fn builder_trades(
    State(app): State<Arc<AppState>>,
    Params(q): Params<BuilderTradesQuery>,
) -> ApiResult {
    let c = code(q.builder_code.as_deref().unwrap_or_default())?;
    let filters = q.filters.query()?;
    let Some(after) = resume_after(q.next_cursor)? else {
        return ok(keyset_page(Vec::<()>::new(), None, PAGE));
    };
    let builder = app
        .read(|ex| ex.engine.builder(&c).map(|b| b.address).unwrap_or_default())
        .await?;
    let found = app
        .history(move |h| h.builder_trades(&c, &filters, after, PAGE))
        .await?;
    let data: Vec<_> = found
        .rows
        .iter()
        .map(|s| views::builder_trade(&s.row, s.taker, &c, builder))
        .collect();
    ok(keyset_page(data, found.next, PAGE))
}
