//! Posting and cancelling orders.
//!
//! A posted order is authenticated by the extractor, parsed once into a typed `PostOrder`, checked
//! and verified by `crate::intake` on the request's own core (one read of its market's rules),
//! and only then sequenced: the sequencer journals and applies it, and the answer is built from
//! the events of that one command.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{delete, post};
use clobkit_core::clock::unix_secs;
use clobkit_core::types::{ConditionId, OrderId, TokenId};
use clobkit_core::wire::errors as msg;
use clobkit_core::wire::{CancelResponse, MAX_BATCH, OrderResponse, PostOrder};
use clobkit_engine::{Command, Event, OrderSpec, Owner, units_to_decimal};
use serde_json::Value;

use super::extract::Authed;
use super::{ApiResult, field, ok};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::ids::{trade_tx_hash, trade_uuid};
use crate::intake::{IntakeState, check_post_order};

/// The routes of this family.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/order", post(post_order).delete(cancel_order))
        .route("/orders", post(post_orders).delete(cancel_orders))
        .route("/cancel-all", delete(cancel_all))
        .route("/cancel-market-orders", delete(cancel_market_orders))
}

fn invalid_payload(cause: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(msg::INVALID_ORDER_PAYLOAD).because(cause)
}

/// Intake for one posted order: one read of its market's rules, then the checks and the
/// signature recovery with no lock held.
fn check(app: &AppState, caller: &Caller, posted: &PostOrder) -> Result<OrderSpec, ApiError> {
    let state = app.peek(|ex| IntakeState::of(ex, &posted.order));
    let verifier = app.verifiers.of(state.protocol);
    check_post_order(posted, caller, state, verifier, unix_secs())
}

/// Sequences one checked order and builds its answer from the outcome the exchange gathered
/// while absorbing the command's events.
async fn place(app: &AppState, spec: OrderSpec) -> Result<OrderResponse, ApiError> {
    let id = spec.terms.id;
    let outcome = app
        .place(spec)
        .await?
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    if let Some(reason) = outcome.rejected {
        return Err(ApiError::bad_request(reason.message(&id)));
    }
    let mut resp = OrderResponse::accepted(id);
    if let Some((status, making, taking)) = outcome.accepted {
        resp.status = Some(status.insert_status());
        if taking > 0 {
            resp.making_amount = Some(units_to_decimal(making));
            resp.taking_amount = Some(units_to_decimal(taking));
        }
    }
    for t in outcome.trades {
        resp.trade_ids.push(trade_uuid(t.0));
        resp.transactions_hashes.push(trade_tx_hash(t.0));
    }
    Ok(resp)
}

async fn post_order(State(app): State<Arc<AppState>>, auth: Authed) -> ApiResult {
    let posted: PostOrder = serde_json::from_slice(&auth.body).map_err(invalid_payload)?;
    let spec = check(&app, &auth.caller, &posted)?;
    ok(place(&app, spec).await?)
}

async fn post_orders(State(app): State<Arc<AppState>>, auth: Authed) -> ApiResult {
    // Each element is parsed on its own: one malformed order fails alone, as in the reference.
    let items: Vec<&serde_json::value::RawValue> =
        serde_json::from_slice(&auth.body).map_err(invalid_payload)?;
    if items.len() > MAX_BATCH {
        return Err(ApiError::bad_request(msg::too_many_orders(items.len())));
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let result = match serde_json::from_str::<PostOrder>(item.get()) {
            Err(e) => Err(invalid_payload(e)),
            Ok(posted) => match check(&app, &auth.caller, &posted) {
                Ok(spec) => place(&app, spec).await,
                Err(e) => Err(e),
            },
        };
        out.push(result.unwrap_or_else(|e| OrderResponse::failed(e.message)));
    }
    ok(out)
}

/// Sequences a cancel command; its answer lists what was and was not cancelled.
/// Runs an owner's cancel command. One that would cancel nothing is answered without
/// journaling (faults.md F11), from durable state: nothing cancelled, every listed id not found.
async fn cancel(app: &AppState, command: Command) -> Result<CancelResponse, ApiError> {
    if !app.read(|ex| ex.engine.would_cancel(&command)).await? {
        let not_canceled = match &command {
            Command::Cancel { orders, .. } => orders
                .iter()
                .map(|id| (id.to_string(), msg::CANNOT_CANCEL.to_owned()))
                .collect(),
            _ => Default::default(),
        };
        return Ok(CancelResponse {
            canceled: Vec::new(),
            not_canceled,
        });
    }
    let events = app
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
    Ok(resp)
}

/// A JSON object body, `{}` when empty.
fn object_body(body: &[u8]) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    serde_json::from_slice(body).map_err(invalid_payload)
}

async fn cancel_order(State(app): State<Arc<AppState>>, auth: Authed) -> ApiResult {
    let v: Value = serde_json::from_slice(&auth.body).map_err(invalid_payload)?;
    let id = field(&v, "orderID")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request(msg::INVALID_ORDER_PAYLOAD))?;
    let Ok(id) = id.parse::<OrderId>() else {
        return ok(CancelResponse {
            canceled: vec![],
            not_canceled: [(id.to_owned(), msg::INVALID_ORDER_ID.to_owned())].into(),
        });
    };
    ok(cancel(
        &app,
        Command::Cancel {
            owner: Owner::new(&auth.caller.key),
            orders: vec![id],
        },
    )
    .await?)
}

async fn cancel_orders(State(app): State<Arc<AppState>>, auth: Authed) -> ApiResult {
    let ids: Vec<String> = serde_json::from_slice(&auth.body).map_err(invalid_payload)?;
    if ids.len() > msg::MAX_CANCEL_BATCH {
        return Err(ApiError::bad_request(msg::too_many_cancels()));
    }
    let mut malformed = Vec::new();
    let mut orders = Vec::new();
    for id in ids {
        match id.parse::<OrderId>() {
            Ok(i) if !orders.contains(&i) => orders.push(i),
            Ok(_) => {}
            Err(_) => malformed.push(id),
        }
    }
    let mut resp = cancel(
        &app,
        Command::Cancel {
            owner: Owner::new(&auth.caller.key),
            orders,
        },
    )
    .await?;
    for id in malformed {
        resp.not_canceled
            .insert(id, msg::INVALID_ORDER_ID.to_owned());
    }
    ok(resp)
}

async fn cancel_all(State(app): State<Arc<AppState>>, auth: Authed) -> ApiResult {
    ok(cancel(
        &app,
        Command::CancelAll {
            owner: Owner::new(&auth.caller.key),
        },
    )
    .await?)
}

/// Parses an optional id field of the cancel-market body (absent or empty: not given).
fn optional_id<T: std::str::FromStr>(v: &Value, key: &str) -> Result<Option<T>, ApiError> {
    match field(v, key)
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    {
        Some(t) => t
            .parse()
            .map(Some)
            .map_err(|_| ApiError::bad_request(msg::INVALID_ORDER_PAYLOAD)),
        None => Ok(None),
    }
}

async fn cancel_market_orders(State(app): State<Arc<AppState>>, auth: Authed) -> ApiResult {
    let v = object_body(&auth.body)?;
    let market: Option<ConditionId> = optional_id(&v, "market")?;
    let token: Option<TokenId> = optional_id(&v, "asset_id")?;
    ok(cancel(
        &app,
        Command::CancelMarket {
            owner: Owner::new(&auth.caller.key),
            market,
            token,
        },
    )
    .await?)
}
