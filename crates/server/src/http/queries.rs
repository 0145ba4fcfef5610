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
use super::{ApiResult, PAGE, ok, page};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::views;

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

/// One trade as the filters see it.
pub(super) struct TradeFacts<'a> {
    pub market: &'a ConditionId,
    /// Its tokens (a filter on `asset_id` keeps it if any matches).
    pub assets: &'a [TokenId],
    pub id: &'a String,
    pub maker: &'a Address,
    pub match_time: u64,
}

impl TradeFilters {
    /// The filter over trades, or the route's message for a malformed time bound.
    pub(super) fn check(&self) -> Result<impl Fn(&TradeFacts<'_>) -> bool + '_, ApiError> {
        let after = self.after.clone().optional(msg::INVALID_TRADE_PARAMS)?;
        let before = self.before.clone().optional(msg::INVALID_TRADE_PARAMS)?;
        Ok(move |t: &TradeFacts<'_>| {
            self.market.keeps(t.market)
                && t.assets.iter().any(|a| self.asset_id.keeps(a))
                && self.id.keeps(t.id)
                && self.maker_address.keeps(t.maker)
                && after.is_none_or(|a| t.match_time >= a)
                && before.is_none_or(|b| t.match_time <= b)
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
    let row = app
        .read(|ex| {
            ex.order(&id)
                .filter(|r| r.spec.owner.as_str() == auth.caller.key)
                .map(views::open_order)
        })
        .await?;
    ok(row.ok_or_else(|| ApiError::not_found(msg::ORDER_NOT_FOUND))?)
}

async fn get_orders(
    State(app): State<Arc<AppState>>,
    Params(q): Params<OrdersQuery>,
    auth: Authed,
) -> ApiResult {
    let rows = app
        .read(|ex| {
            ex.open_orders(&auth.caller.key)
                .into_iter()
                .filter(|r| q.market.keeps(&r.market))
                .filter(|r| q.asset_id.keeps(&r.spec.terms.token))
                .filter(|r| q.id.keeps(&r.spec.terms.id))
                .map(views::open_order)
                .collect::<Vec<_>>()
        })
        .await?;
    ok(page(rows, q.next_cursor, PAGE)?)
}

/// `GET /data/pre-migration-orders` (V2): the caller's V1 orders that the cutover cancelled,
/// oldest first, paginated like `/data/orders` (empty on an exchange that never cut over).
async fn get_pre_migration_orders(
    State(app): State<Arc<AppState>>,
    Params(q): Params<PageQuery>,
    auth: Authed,
) -> ApiResult {
    let rows = app
        .read(|ex| {
            ex.pre_migration_orders(&auth.caller.key)
                .map(views::open_order)
                .collect::<Vec<_>>()
        })
        .await?;
    ok(page(rows, q.next_cursor, PAGE)?)
}

async fn get_trades(
    State(app): State<Arc<AppState>>,
    Params(q): Params<TradesQuery>,
    auth: Authed,
) -> ApiResult {
    let keeps = q.filters.check()?;
    let key = &auth.caller.key;
    let rows = app
        .read(|ex| {
            ex.trades_of(key)
                .into_iter()
                .map(|r| views::trade(ex, r, key))
                .filter(|t| {
                    let mut assets = vec![t.asset_id];
                    assets.extend(t.maker_orders.iter().map(|o| o.asset_id));
                    keeps(&TradeFacts {
                        market: &t.market,
                        assets: &assets,
                        id: &t.id,
                        maker: &t.maker_address,
                        match_time: t.match_time,
                    })
                })
                .collect::<Vec<_>>()
        })
        .await?;
    ok(page(rows, q.next_cursor, PAGE)?)
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
