//! What handlers take from a request, as axum extractors: the authenticated caller (L1 or L2)
//! and typed query parameters.
//!
//! A handler that needs an API key takes [`Authed`]; one that needs a wallet signature takes
//! [`L1Authed`]. Forgetting to authenticate is then a type error, not a missing line.

use std::str::FromStr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::app::AppState;
use crate::auth::{Caller, L1Caller};
use crate::error::ApiError;

/// An L2-authenticated request: the caller its API-key headers prove, and the raw body the HMAC
/// was checked over (handlers parse it themselves, once).
#[derive(Debug)]
pub struct Authed {
    /// Who is calling.
    pub caller: Caller,
    /// The request body, exactly as signed.
    pub body: Bytes,
}

impl FromRequest<Arc<AppState>> for Authed {
    type Rejection = Response;

    async fn from_request(req: Request, app: &Arc<AppState>) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        // The body extractor reads its size limit from the request's extensions.
        let mut body_req = Request::new(body);
        *body_req.extensions_mut() = std::mem::take(&mut parts.extensions);
        let body = Bytes::from_request(body_req, app)
            .await
            .map_err(IntoResponse::into_response)?;
        let caller = app
            .auth
            .verify_l2(&parts.headers, &parts.method, parts.uri.path(), &body)
            .map_err(IntoResponse::into_response)?;
        Ok(Authed { caller, body })
    }
}

/// An L1-authenticated request: the wallet whose `ClobAuth` signature the headers carry.
#[derive(Debug)]
pub struct L1Authed(pub L1Caller);

impl FromRequestParts<Arc<AppState>> for L1Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<AppState>) -> Result<Self, ApiError> {
        app.auth.verify_l1(&parts.headers).map(L1Authed)
    }
}

/// Typed query parameters. Every field is a [`Param`] (or a plain string), so reading the query
/// never fails by itself: each handler decides what a missing or malformed value means, with the
/// official message for its route.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<Arc<AppState>> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<AppState>) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, app)
            .await
            .map(|Query(q)| Params(q))
            .map_err(|e| ApiError::bad_request(e.body_text()))
    }
}

/// One query parameter of type `T`: absent (or empty), a valid `T`, or text that is not one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Param<T> {
    /// Not given, or given empty.
    #[default]
    Absent,
    /// A valid value.
    Given(T),
    /// Given, but not a valid `T`.
    Malformed,
}

impl<'de, T: FromStr> Deserialize<'de> for Param<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(if text.is_empty() {
            Param::Absent
        } else {
            text.parse().map_or(Param::Malformed, Param::Given)
        })
    }
}

impl<T> Param<T> {
    /// The value, or `400 message` when it is absent or malformed.
    pub fn required(self, message: &str) -> Result<T, ApiError> {
        match self {
            Param::Given(v) => Ok(v),
            Param::Absent | Param::Malformed => Err(ApiError::bad_request(message)),
        }
    }
    /// The value if given, `None` if absent, `400 message` when malformed.
    pub fn optional(self, message: &str) -> Result<Option<T>, ApiError> {
        match self {
            Param::Given(v) => Ok(Some(v)),
            Param::Absent => Ok(None),
            Param::Malformed => Err(ApiError::bad_request(message)),
        }
    }
    /// The value if given and valid; an absent or malformed value reads as not given.
    pub fn lenient(self) -> Option<T> {
        match self {
            Param::Given(v) => Some(v),
            Param::Absent | Param::Malformed => None,
        }
    }
}

impl<T: PartialEq> Param<T> {
    /// As a filter: an absent parameter keeps everything, a given one keeps equal values, and a
    /// malformed one keeps nothing (no value can equal it).
    pub fn keeps(&self, v: &T) -> bool {
        match self {
            Param::Absent => true,
            Param::Given(want) => want == v,
            Param::Malformed => false,
        }
    }
}
