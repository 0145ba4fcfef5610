//! The dead-man switch: a chain of heartbeats; when it goes silent, the owner's orders are
//! cancelled (`AppState::enforce_heartbeats`).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use clobkit_core::wire::errors as msg;
use clobkit_core::wire::{ErrorBody, HeartbeatResponse};
use serde_json::Value;

use super::extract::Authed;
use super::{ApiResult, field, ok};
use crate::app::{AppState, HeartbeatRefused};
use crate::error::ApiError;

/// The routes of this family.
pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/v1/heartbeats", post(heartbeat))
}

async fn heartbeat(State(app): State<Arc<AppState>>, auth: Authed) -> ApiResult {
    let body: Value = if auth.body.is_empty() {
        Value::Object(serde_json::Map::new())
    } else {
        serde_json::from_slice(&auth.body)
            .map_err(|e| ApiError::bad_request(msg::INVALID_PAYLOAD).because(e))?
    };
    // `null` (V1 clients, the Rust SDK) and `""` (the V2 Python and TypeScript clients' default)
    // both start a chain; anything but a string or null is refused, not read as "start"
    let id = match field(&body, "heartbeat_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id.as_str()).filter(|id| !id.is_empty()),
        Some(_) => return Err(ApiError::bad_request(msg::INVALID_HEARTBEAT_ID)),
    };
    match app.heartbeat(&auth.caller, id) {
        Ok(next) => ok(HeartbeatResponse { heartbeat_id: next }),
        Err(HeartbeatRefused::Replayed) => Err(ApiError::bad_request(msg::REPLAYED_REQUEST)),
        Err(HeartbeatRefused::NotTheLast(given)) => Ok((
            StatusCode::BAD_REQUEST,
            Json(ErrorBody {
                error: msg::INVALID_HEARTBEAT_ID.to_owned(),
                extra: BTreeMap::from([("heartbeat_id".to_owned(), Value::String(given))]),
            }),
        )
            .into_response()),
    }
}
