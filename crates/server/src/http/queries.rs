//! The caller's own orders and trades, and whether its orders score.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use clobkit_core::Address;
use clobkit_core::types::{ConditionId, OrderId, TokenId};
use clobkit_core::wire::errors as msg;
use serde::Deserialize;

use super::extract::{Authed, Param, Params};
use super::{ApiResult, PAGE, keyset_page, ok, page_of, resume_after};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::exchange::OrderRow;
use crate::history::TradeQuery;
use crate::views;
use clobkit_core::wire::Page;

/// The routes of this family.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/data/order/{id}", get(get_order))
        .route("/data/orders", get(get_orders))
        .route("/data/pre-migration-orders", get(get_pre_migration_orders))
        .route("/data/trades", get(get_trades))
        .route("/order-scoring", get(order_scoring))
        .route("/orders-scoring", post(orders_scoring))
}

/// `GET /data/orders` filters.
#[derive(Debug, Deserialize)]
struct OrdersQuery {
    #[serde(default)]
    market: Param<ConditionId>,
    #[serde(default)]
    asset_id: Param<TokenId>,
    #[serde(default)]
    id: Param<OrderId>,
    next_cursor: Option<String>,
}

/// A cursor alone.
#[derive(Debug, Deserialize)]
struct PageQuery {
    next_cursor: Option<String>,
}

/// The trade filters of `/data/trades`, shared by `/builder/trades`.
#[derive(Debug, Deserialize)]
pub(super) struct TradeFilters {
    #[serde(default)]
    market: Param<ConditionId>,
    #[serde(default)]
    asset_id: Param<TokenId>,
    #[serde(default)]
    id: Param<String>,
    #[serde(default)]
    maker_address: Param<Address>,
    #[serde(default)]
    after: Param<u64>,
    #[serde(default)]
    before: Param<u64>,
}

/// A filter's value if given; a malformed one sets `nothing` (no trade can match it).
fn given<T>(p: Param<T>, nothing: &mut bool) -> Option<T> {
    match p {
        Param::Given(v) => Some(v),
        Param::Absent => None,
        Param::Malformed => {
            *nothing = true;
            None
        }
    }
}

impl TradeFilters {
    /// The filters as a history query, or the route's message for a malformed time bound. A
    /// malformed market, token, id or address matches no trade.
    pub(super) fn query(self) -> Result<TradeQuery, ApiError> {
        let after = self.after.optional(msg::INVALID_TRADE_PARAMS)?;
        let before = self.before.optional(msg::INVALID_TRADE_PARAMS)?;
        let mut nothing = false;
        let market = given(self.market, &mut nothing);
        let asset = given(self.asset_id, &mut nothing);
        let maker = given(self.maker_address, &mut nothing);
        // trade ids are UUIDs of the trade number (`ids::trade_uuid`): any other text matches none
        let trade = given(self.id, &mut nothing).and_then(|text| {
            let n = uuid::Uuid::parse_str(&text)
                .ok()
                .and_then(|u| u64::try_from(u.as_u128()).ok())
                .filter(|n| crate::ids::trade_uuid(*n) == text);
            nothing |= n.is_none();
            n
        });
        Ok(TradeQuery {
            market,
            asset,
            trade,
            maker,
            after,
            before,
            nothing,
        })
    }
}

/// `GET /data/trades` query.
#[derive(Debug, Deserialize)]
struct TradesQuery {
    #[serde(flatten)]
    filters: TradeFilters,
    next_cursor: Option<String>,
}

/// `GET /order-scoring?order_id=`.
#[derive(Debug, Deserialize)]
struct ScoringQuery {
    #[serde(default)]
    order_id: Param<OrderId>,
}

async fn get_order(
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
    auth: Authed,
) -> ApiResult {
    let id: OrderId = id
        .parse()
        .map_err(|_| ApiError::bad_request(msg::INVALID_ORDER_ID))?;
    let mine = |r: &OrderRow| r.spec.owner.as_str() == auth.caller.key;
    // an open order is in memory; one that ended is in the history (read after, so an order
    // that ends in between is found there)
    let live = app
        .read(|ex| {
            ex.live_order(&id)
                .filter(|r| mine(r))
                .map(views::open_order)
        })
        .await?;
    let row = match live {
        Some(v) => Some(v),
        None => app
            .history(move |h| h.order(&id))
            .await?
            .filter(|r| mine(r))
            .map(|r| views::open_order(&r)),
    };
    ok(row.ok_or_else(|| ApiError::not_found(msg::ORDER_NOT_FOUND))?)
}

async fn get_orders(
    State(app): State<Arc<AppState>>,
    Params(q): Params<OrdersQuery>,
    auth: Authed,
) -> ApiResult {
    let rows = app
        .read(|ex| {
            // filter, slice the page, and only then build the views of that page
            let kept: Vec<&OrderRow> = ex
                .open_orders(&auth.caller.key)
                .into_iter()
                .filter(|r| q.market.keeps(&r.market))
                .filter(|r| q.asset_id.keeps(&r.spec.terms.token))
                .filter(|r| q.id.keeps(&r.spec.terms.id))
                .collect();
            page_of(&kept, q.next_cursor.clone(), PAGE).map(|p| p.map(views::open_order))
        })
        .await??;
    ok(rows)
}

/// `GET /data/pre-migration-orders` (V2): the caller's V1 orders that the cutover cancelled,
/// oldest first, paginated like `/data/orders` (empty on an exchange that never cut over).
async fn get_pre_migration_orders(
    State(app): State<Arc<AppState>>,
    Params(q): Params<PageQuery>,
    auth: Authed,
) -> ApiResult {
    let ids = app
        .read(|ex| page_of(ex.pre_migration_ids(&auth.caller.key), q.next_cursor, PAGE))
        .await??;
    let wanted = ids.data.clone();
    let rows = app.history(move |h| h.orders(&wanted)).await?;
    ok(Page {
        limit: ids.limit,
        count: rows.len() as u64,
        next_cursor: ids.next_cursor,
        data: rows.iter().map(views::open_order).collect::<Vec<_>>(),
    })
}

async fn get_trades(
    State(app): State<Arc<AppState>>,
    Params(q): Params<TradesQuery>,
    auth: Authed,
) -> ApiResult {
    let filters = q.filters.query()?;
    let Some(after) = resume_after(q.next_cursor)? else {
        return ok(keyset_page(Vec::<()>::new(), None, PAGE));
    };
    let key = auth.caller.key;
    let found = app
        .history(move |h| h.trades_of(&key, &filters, after, PAGE))
        .await?;
    let data: Vec<_> = found
        .rows
        .iter()
        .map(|s| views::trade(&s.row, s.taker))
        .collect();
    ok(keyset_page(data, found.next, PAGE))
}

/// Which of `ids` are live orders of `caller`.
async fn owns_live(
    app: &AppState,
    caller: &Caller,
    ids: &[OrderId],
) -> Result<Vec<bool>, ApiError> {
    app.read(|ex| {
        ids.iter()
            .map(|id| {
                ex.engine.resting(id).is_some_and(|r| {
                    ex.engine
                        .owner_key(r.owner)
                        .is_some_and(|o| o.as_str() == caller.key)
                })
            })
            .collect()
    })
    .await
}

/// Decision: an order "scores" (earns liquidity rewards) while it rests on the book; there is no
/// reward programme here, so this is the honest local answer.
async fn order_scoring(
    State(app): State<Arc<AppState>>,
    Params(q): Params<ScoringQuery>,
    auth: Authed,
) -> ApiResult {
    let id = q.order_id.required(msg::INVALID_ORDER_ID)?;
    let live = owns_live(&app, &auth.caller, &[id]).await?;
    ok(clobkit_core::wire::OrderScoring {
        scoring: live.first().copied().unwrap_or(false),
    })
}

async fn orders_scoring(State(app): State<Arc<AppState>>, auth: Authed) -> ApiResult {
    let ids: Vec<String> = serde_json::from_slice(&auth.body)
        .map_err(|e| ApiError::bad_request(msg::INVALID_PAYLOAD).because(e))?;
    // an id that does not parse cannot be a live order: it reads as the zero id, never live
    let parsed: Vec<OrderId> = ids
        .iter()
        .map(|id| id.parse::<OrderId>().unwrap_or_default())
        .collect();
    let live = owns_live(&app, &auth.caller, &parsed).await?;
    let out: BTreeMap<String, bool> = ids
        .into_iter()
        .zip(live)
        .zip(&parsed)
        .map(|((id, l), p)| (id, l && *p != OrderId::default()))
        .collect();
    ok(out)
}
