//! The rate-limit middleware: who a request counts against, and the 429 it gets when a bucket
//! is empty (the buckets themselves are `crate::ratelimit`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::app::AppState;
use crate::auth::KeyRegistry;
use crate::error::ApiError;
use crate::ratelimit::RateLimiter;

/// Who a request counts against: its API key if the key exists and the passphrase is its own,
/// else its peer's IP.
fn caller(req: &Request, keys: &KeyRegistry) -> String {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
    };
    match (header("poly_api_key"), header("poly_passphrase")) {
        (Some(key), Some(pass)) if keys.knows(key, pass) => format!("key:{key}"),
        _ => req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| format!("ip:{}", c.0.ip()))
            .unwrap_or_default(),
    }
}

/// What the middleware needs: the limits and the keys to recognise callers by.
#[derive(Clone)]
pub struct Limited {
    /// The buckets.
    pub limiter: Arc<RateLimiter>,
    /// The exchange (its API keys).
    pub app: Arc<AppState>,
}

/// The middleware: 429 with `Retry-After` when a bucket is empty.
pub async fn enforce(State(limited): State<Limited>, req: Request, next: Next) -> Response {
    let who = caller(&req, &limited.app.auth.keys);
    match limited
        .limiter
        .admit(&who, req.method(), req.uri().path(), Instant::now())
    {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            ApiError::too_many_requests(secs)
        }
    }
}
