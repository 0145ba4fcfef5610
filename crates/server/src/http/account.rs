//! The caller's balances and notifications.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use clobkit_core::types::{SignatureType, TokenId};
use clobkit_core::verify::expected_maker;
use clobkit_core::wire::errors as msg;
use clobkit_core::wire::{BalanceAllowance, Cursor};
use clobkit_core::{Address, U256};
use clobkit_engine::Asset;
use serde::Deserialize;

use super::extract::{Authed, Param, Params};
use super::{ApiResult, ok, resume_after};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::exchange::Record;
use crate::views;

/// The routes of this family.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/balance-allowance", get(balance_allowance))
        .route("/balance-allowance/update", get(balance_allowance_update))
        .route(
            "/notifications",
            get(notifications).delete(drop_notifications),
        )
}

/// `GET /balance-allowance?asset_type=&token_id=&signature_type=`.
#[derive(Debug, Deserialize)]
struct BalanceQuery {
    asset_type: Option<String>,
    #[serde(default)]
    token_id: Param<TokenId>,
    signature_type: Option<String>,
}

/// `GET /notifications` query.
#[derive(Debug, Deserialize)]
struct NotificationsQuery {
    next_cursor: Option<String>,
}

/// `DELETE /notifications?ids=1,2,3`.
#[derive(Debug, Deserialize)]
struct DropQuery {
    ids: Option<String>,
}

/// The funder of the caller for a signature type: itself, its proxy wallet or its Safe (absent,
/// empty or `-1`, as the clients send for "default", mean EOA).
async fn funder(
    app: &AppState,
    caller: &Caller,
    signature_type: Option<&str>,
) -> Result<Address, ApiError> {
    let ty = match signature_type {
        None | Some("" | "-1") => SignatureType::Eoa,
        Some(t) => t
            .parse()
            .map_err(|e| ApiError::bad_request(msg::INVALID_SIGNATURE_TYPE).because(e))?,
    };
    if ty == SignatureType::Poly1271 {
        // a deposit wallet is not derived from its owner: the operator registered the pair
        return app
            .read(|ex| ex.deposit_wallet_of(&caller.address))
            .await?
            .ok_or_else(|| ApiError::bad_request(msg::DEPOSIT_WALLET_UNKNOWN));
    }
    expected_maker(ty, caller.address, app.verifiers.factories())
        .map_err(|e| ApiError::bad_request(msg::INVALID_SIGNATURE_TYPE).because(e))
}

async fn balance_allowance(
    State(app): State<Arc<AppState>>,
    Params(q): Params<BalanceQuery>,
    auth: Authed,
) -> ApiResult {
    let account = funder(&app, &auth.caller, q.signature_type.as_deref()).await?;
    let asset = match q.asset_type.map(|a| a.to_ascii_uppercase()).as_deref() {
        Some("COLLATERAL") => Asset::Collateral,
        Some("CONDITIONAL") => Asset::Token(q.token_id.required(msg::INVALID_TOKEN_ID)?),
        _ => return Err(ApiError::bad_request(msg::INVALID_ASSET_TYPE)),
    };
    let (holding, protocol) = app
        .read(|ex| (ex.engine.holding(account, asset), ex.protocol()))
        .await?;
    // the spenders of the protocol spoken: V2's exchanges take pUSD, V1's USDC.e
    let contracts = app.config.chain.contracts_for(protocol);
    // Decision: allowances are unlimited here (there is no token contract to approve).
    let max = U256::MAX.to_string();
    let allowances: BTreeMap<String, String> = [
        contracts.exchange,
        contracts.neg_risk_exchange,
        contracts.neg_risk_adapter,
    ]
    .into_iter()
    .map(|a| (a.to_checksum(None), max.clone()))
    .collect();
    ok(BalanceAllowance {
        balance: holding.balance.into(),
        allowance: Some(max),
        allowances,
    })
}

/// Balances are the ledger itself: there is nothing to refresh.
async fn balance_allowance_update(_: Authed) -> ApiResult {
    Ok(StatusCode::OK.into_response())
}

/// Notifications per answer of `GET /notifications`.
pub const NOTIFICATIONS_PAGE: usize = 500;
/// The response header that carries the cursor of the next notifications (`LTE=` on the last).
pub const NEXT_CURSOR_HEADER: &str = "x-clobkit-next-cursor";

/// `GET /notifications?next_cursor=`: the caller's notifications, oldest first. The official
/// exchange answers a bare array, which the official clients expect, so the array stays bare: it
/// holds at most [`NOTIFICATIONS_PAGE`], and the cursor of the rest is in the
/// [`NEXT_CURSOR_HEADER`] header (`LTE=` when there is none). Dismissing what was read
/// (`DELETE /notifications`) and asking again walks them as well.
async fn notifications(
    State(app): State<Arc<AppState>>,
    Params(q): Params<NotificationsQuery>,
    auth: Authed,
) -> ApiResult {
    let Some(after) = resume_after(q.next_cursor)? else {
        return with_cursor(Vec::new(), None);
    };
    let key = auth.caller.key;
    let owner = key.clone();
    let found = app
        .history(move |h| h.notifications(&owner, after, NOTIFICATIONS_PAGE))
        .await?;
    let list: Vec<_> = found
        .rows
        .iter()
        .map(|n| views::notification(n, &key))
        .collect();
    with_cursor(list, found.next)
}

/// A bare array of notifications with the next cursor in its header.
fn with_cursor(list: Vec<clobkit_core::wire::Notification>, next: Option<u64>) -> ApiResult {
    let mut resp = ok(list)?;
    let cursor = next.map_or_else(Cursor::end, Cursor::from_offset);
    if let Ok(v) = HeaderValue::from_str(cursor.as_str()) {
        resp.headers_mut().insert(NEXT_CURSOR_HEADER, v);
    }
    Ok(resp)
}

async fn drop_notifications(
    State(app): State<Arc<AppState>>,
    Params(q): Params<DropQuery>,
    auth: Authed,
) -> ApiResult {
    let ids: Vec<u64> = q
        .ids
        .map(|v| v.split(',').filter_map(|i| i.trim().parse().ok()).collect())
        .unwrap_or_default();
    let owner = auth.caller.key;
    app.submit(move |now| Record::DropNotifications { now, owner, ids })
        .await?
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(StatusCode::OK.into_response())
}
