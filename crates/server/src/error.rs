//! API errors: a status and the official message, sent as `{"error": "..."}`.
//!
//! The message is what the official exchange writes (from `clobkit_core::wire::errors`), because
//! clients match on it; the underlying cause, when there is one, is kept beside it and logged at
//! debug level, never sent (it may name keys or signatures).

use std::collections::BTreeMap;
use std::fmt::Display;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use clobkit_core::wire::ErrorBody;
use clobkit_core::wire::errors as msg;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The message (the official exchange's wording where it has one).
    pub message: String,
    /// Why, for the log: the error that led to this answer.
    pub cause: Option<String>,
}

impl ApiError {
    /// An error with a status and a message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            cause: None,
        }
    }
    /// 400 with a message.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
    /// 401 `Unauthorized/Invalid api key`.
    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, msg::UNAUTHORIZED)
    }
    /// 401 `Invalid L1 Request headers`.
    pub fn bad_l1() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, msg::INVALID_L1_HEADERS)
    }
    /// 404 with a message.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }
    /// 503 with a message (the exchange cannot serve the request now).
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }
    /// 500 with a message.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
    /// 429 `Too Many Requests` with `Retry-After` in whole seconds (at least 1).
    pub fn too_many_requests(retry_after_secs: u64) -> Response {
        let mut resp =
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, msg::TOO_MANY_REQUESTS).into_response();
        resp.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(retry_after_secs.max(1)),
        );
        resp
    }
    /// Keeps `cause` for the log.
    pub fn because(mut self, cause: impl Display) -> ApiError {
        self.cause = Some(cause.to_string());
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(cause) = &self.cause {
            tracing::debug!(status = %self.status, message = %self.message, %cause, "request refused");
        }
        let body = ErrorBody {
            error: self.message,
            extra: BTreeMap::new(),
        };
        (self.status, Json(body)).into_response()
    }
}
