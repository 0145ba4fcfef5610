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
use super::queries::{TradeFacts, TradeFilters};
use super::{ApiResult, PAGE, ok, page};
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
    let keeps = q.filters.check()?;
    let rows = app
        .read(|ex| {
            ex.builder_trades(&c)
                .map(|(row, taker)| views::builder_trade(ex, row, taker, &c))
                .filter(|t| {
                    keeps(&TradeFacts {
                        market: &t.market,
                        assets: std::slice::from_ref(&t.asset_id),
                        id: &t.id,
                        maker: &t.maker,
                        match_time: t.match_time,
                    })
                })
                .collect::<Vec<_>>()
        })
        .await?;
    ok(page(rows, q.next_cursor, PAGE)?)
}
