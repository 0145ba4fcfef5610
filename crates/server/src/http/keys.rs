//! API keys: created and derived with an L1 wallet signature, listed and deleted with L2.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use base64::Engine as _;
use clobkit_core::auth::ApiCredentials;
use clobkit_core::types::ApiKey;
use clobkit_core::wire::errors as msg;
use clobkit_core::wire::{ApiKeysResponse, BanStatus};

use super::extract::{Authed, L1Authed};
use super::{ApiResult, ok};
use crate::app::AppState;
use crate::error::ApiError;
use crate::exchange::Record;
use crate::ids::{fill_random, random_uuid};

/// The most API keys one wallet may hold.
pub const MAX_KEYS_PER_WALLET: usize = 20;

/// The routes of this family.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/auth/api-key", post(create_api_key).delete(delete_api_key))
        .route("/auth/derive-api-key", get(derive_api_key))
        .route("/auth/api-keys", get(api_keys))
        .route("/auth/ban-status/closed-only", get(ban_status))
}

/// Fresh credentials: a UUID key, a 32-byte URL-safe base64 secret, a 64-hex passphrase.
fn new_credentials() -> Result<ApiCredentials, ApiError> {
    let mut secret = [0u8; 32];
    let mut pass = [0u8; 32];
    fill_random(&mut secret)
        .and_then(|()| fill_random(&mut pass))
        .map_err(|e| ApiError::internal(msg::COULD_NOT_CREATE_API_KEY).because(e))?;
    Ok(ApiCredentials {
        api_key: ApiKey::new(random_uuid())
            .map_err(|e| ApiError::internal(msg::COULD_NOT_CREATE_API_KEY).because(e))?,
        secret: base64::engine::general_purpose::URL_SAFE.encode(secret),
        passphrase: format!("{:x}", clobkit_core::B256::from(pass)),
    })
}

/// `POST /auth/api-key`: one key per (wallet, nonce), at most [`MAX_KEYS_PER_WALLET`] per
/// wallet (faults.md F11: keys cost memory, and any wallet can ask for them).
async fn create_api_key(State(app): State<Arc<AppState>>, L1Authed(wallet): L1Authed) -> ApiResult {
    let refused = || ApiError::bad_request(msg::COULD_NOT_CREATE_API_KEY);
    let (exists, count) = app
        .read(|ex| {
            let exists = ex.key_for(wallet.address, &wallet.nonce).is_some();
            (exists, ex.keys_of(wallet.address).len())
        })
        .await?;
    if exists {
        return Err(refused());
    }
    if count >= MAX_KEYS_PER_WALLET {
        return Err(ApiError::bad_request(msg::too_many_api_keys(
            MAX_KEYS_PER_WALLET,
        )));
    }
    let creds = new_credentials()?;
    let record_creds = creds.clone();
    match app
        .submit(move |now| Record::CreateApiKey {
            now,
            address: wallet.address,
            nonce: wallet.nonce,
            creds: record_creds,
        })
        .await?
    {
        Ok(_) => ok(creds),
        Err(e) => Err(refused().because(e)),
    }
}

async fn derive_api_key(State(app): State<Arc<AppState>>, L1Authed(wallet): L1Authed) -> ApiResult {
    let creds = app
        .read(|ex| {
            ex.key_for(wallet.address, &wallet.nonce)
                .and_then(|k| ex.key(k))
                .map(|e| e.auth.credentials().clone())
        })
        .await?;
    ok(creds.ok_or_else(|| ApiError::bad_request(msg::COULD_NOT_DERIVE_API_KEY))?)
}

async fn api_keys(State(app): State<Arc<AppState>>, auth: Authed) -> ApiResult {
    ok(ApiKeysResponse {
        api_keys: app.read(|ex| ex.keys_of(auth.caller.address)).await?,
    })
}

/// `DELETE /auth/api-key`. Decision: a key's open orders are cancelled before it goes (two
/// journaled records, cancel first), so no order is left on the book that no key can list or
/// cancel, with its funds reserved (faults.md F7). Orders belong to the key that placed them, as
/// in the reference; another key of the same wallet does not inherit them.
async fn delete_api_key(State(app): State<Arc<AppState>>, auth: Authed) -> ApiResult {
    let key = auth.caller.key;
    app.engine(clobkit_engine::Command::CancelAll {
        owner: clobkit_engine::Owner::new(&key),
    })
    .await?
    .map_err(|e| ApiError::internal(msg::COULD_NOT_DELETE_API_KEY).because(e))?;
    app.submit(move |now| Record::DeleteApiKey { now, key })
        .await?
        .map_err(|e| ApiError::internal(msg::COULD_NOT_DELETE_API_KEY).because(e))?;
    ok("OK")
}

/// Decision: nobody is ever restricted to closing-only here.
async fn ban_status(_: Authed) -> ApiResult {
    ok(BanStatus { closed_only: false })
}
