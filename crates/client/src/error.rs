//! Everything that can go wrong in a call, typed.

use std::time::Duration;

use clobkit_core::amounts::AmountError;
use clobkit_core::auth::AuthError;
use clobkit_core::signer::SignerError;
use clobkit_core::types::OrderId;
use clobkit_core::wire::MessageKind;

/// The official exchange's error messages that callers must handle, as variants. The mapping
/// from message text to kind is [`ApiErrorKind::from_message`], over the table of
/// `clobkit_core::wire::errors` (the same words the local exchange writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// `not enough balance / allowance`.
    NotEnoughBalance,
    /// `invalid signature`.
    InvalidSignature,
    /// `... breaks minimum tick size rule ...`.
    TickSize,
    /// `... lower than the minimum ...` (or the $1 marketable-BUY minimum).
    MinimumSize,
    /// `invalid amounts, ...` (decimal precision).
    Precision,
    /// `order couldn't be fully filled. FOK orders are fully filled or killed.`
    FokNotFilled,
    /// `no orders found to match with FAK order ...`
    FakNoMatch,
    /// `invalid post-only order: order crosses book`.
    PostOnlyCrosses,
    /// `... Duplicated.`
    Duplicated,
    /// 401 `Unauthorized/Invalid api key` or `Invalid L1 Request headers`.
    Unauthorized,
    /// 429 `Too Many Requests`.
    RateLimited,
    /// `invalid expiration`.
    InvalidExpiration,
    /// `invalid user provided fee rate ...`.
    FeeRate,
    /// `order_version_mismatch`: the exchange speaks another protocol version than the order
    /// was signed for.
    VersionMismatch,
    /// 404 or a `not found` message.
    NotFound,
    /// 425: the exchange is not ready (production's engine restarting); retry shortly. GETs are
    /// retried by themselves.
    NotReady,
    /// 500 `could not run the execution`: for an order post, the outcome is unknown (reported
    /// as [`ClientError::Ambiguous`]).
    ExecutionFailed,
    /// Anything else.
    Other,
}

impl ApiErrorKind {
    /// The kind of an error answer.
    pub fn from_message(status: u16, message: &str) -> ApiErrorKind {
        if let Some(kind) = MessageKind::of(message) {
            return match kind {
                MessageKind::NotEnoughBalance => ApiErrorKind::NotEnoughBalance,
                MessageKind::InvalidSignature => ApiErrorKind::InvalidSignature,
                MessageKind::TickSize => ApiErrorKind::TickSize,
                MessageKind::MinimumSize => ApiErrorKind::MinimumSize,
                MessageKind::Precision => ApiErrorKind::Precision,
                MessageKind::FokNotFilled => ApiErrorKind::FokNotFilled,
                MessageKind::FakNoMatch => ApiErrorKind::FakNoMatch,
                MessageKind::PostOnlyCrosses => ApiErrorKind::PostOnlyCrosses,
                MessageKind::Duplicated => ApiErrorKind::Duplicated,
                MessageKind::InvalidExpiration => ApiErrorKind::InvalidExpiration,
                MessageKind::FeeRate => ApiErrorKind::FeeRate,
                MessageKind::VersionMismatch => ApiErrorKind::VersionMismatch,
                _ => ApiErrorKind::Other,
            };
        }
        let m = message.to_ascii_lowercase();
        match status {
            401 => ApiErrorKind::Unauthorized,
            425 => ApiErrorKind::NotReady,
            429 => ApiErrorKind::RateLimited,
            _ if message == clobkit_core::wire::errors::EXECUTION_FAILED => {
                ApiErrorKind::ExecutionFailed
            }
            404 => ApiErrorKind::NotFound,
            _ if m.contains("unauthorized") || m.contains("invalid l1 request headers") => {
                ApiErrorKind::Unauthorized
            }
            _ if m.contains("not found") => ApiErrorKind::NotFound,
            _ => ApiErrorKind::Other,
        }
    }
}

/// A failed call.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Refused before sending: the inputs cannot make a valid request.
    #[error("invalid request: {0}")]
    Validation(String),
    /// An amount or price the protocol cannot express.
    #[error("invalid order amounts: {0}")]
    Amount(#[from] AmountError),
    /// The signer failed.
    #[error("signing failed: {0}")]
    Signer(#[from] SignerError),
    /// Credentials that cannot sign requests.
    #[error("invalid credentials: {0}")]
    Auth(#[from] AuthError),
    /// The exchange answered with an error.
    #[error("{status} {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The exchange's message.
        message: String,
        /// What it means.
        kind: ApiErrorKind,
        /// For 429: how long the exchange asked to wait.
        retry_after: Option<Duration>,
    },
    /// The exchange accepted the request but reported it did not (fully) happen
    /// (`success: false` or a non-empty `errorMsg` in a 200).
    #[error("order not placed: {message}")]
    Rejected {
        /// The exchange's `errorMsg`.
        message: String,
        /// What it means.
        kind: ApiErrorKind,
    },
    /// The request may or may not have reached the exchange (a timeout or connection loss after
    /// sending an order). Never retried automatically: look the order up with
    /// [`crate::ClobClient::get_order`] before sending it again.
    #[error(
        "outcome unknown for order {order_id}: {reason}; look it up with get_order before resending"
    )]
    Ambiguous {
        /// The id of the order that was sent.
        order_id: OrderId,
        /// What happened.
        reason: String,
    },
    /// A batch of orders may or may not have reached the exchange. Never retried automatically:
    /// look each order up with [`crate::ClobClient::get_order`] before sending it again.
    #[error(
        "outcome unknown for {} orders: {reason}; look them up with get_order before resending",
        order_ids.len()
    )]
    AmbiguousBatch {
        /// The ids of every order in the batch, in the order sent.
        order_ids: Vec<OrderId>,
        /// What happened.
        reason: String,
    },
    /// Encoding a request body failed (a value serde cannot write; not expected for the
    /// protocol's own types).
    #[error("cannot encode the request body: {0}")]
    Encode(String),
    /// No connection could be made: the request was not sent.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The request failed after it may have been sent (timeout, reset), or its answer could not
    /// be read.
    #[error("transport error: {0}")]
    Transport(String),
    /// The answer was not the JSON expected.
    #[error("unexpected answer from {path}: {reason}")]
    Decode {
        /// The route.
        path: String,
        /// What did not parse.
        reason: String,
    },
}

impl ClientError {
    /// The kind of an API error or rejection, if this is one.
    pub fn kind(&self) -> Option<ApiErrorKind> {
        match self {
            ClientError::Api { kind, .. } | ClientError::Rejected { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_map_to_kinds() {
        let id = "0xab";
        for (status, msg, kind) in [
            (
                400,
                "not enough balance / allowance",
                ApiErrorKind::NotEnoughBalance,
            ),
            (400, "invalid signature", ApiErrorKind::InvalidSignature),
            (
                400,
                &*format!(
                    "order {id} is invalid. Price (0.555) breaks minimum tick size rule: 0.01"
                ),
                ApiErrorKind::TickSize,
            ),
            (
                400,
                &*format!("order {id} is invalid. Size (4) lower than the minimum: 5"),
                ApiErrorKind::MinimumSize,
            ),
            (
                400,
                "invalid amount for a marketable BUY order ($0.9996), min size: $1",
                ApiErrorKind::MinimumSize,
            ),
            (
                400,
                "invalid amounts, the buy orders maker amount supports a max accuracy of 4 decimals, taker amount a max of 2 decimals",
                ApiErrorKind::Precision,
            ),
            (
                400,
                "order couldn't be fully filled. FOK orders are fully filled or killed.",
                ApiErrorKind::FokNotFilled,
            ),
            (
                400,
                "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found.",
                ApiErrorKind::FakNoMatch,
            ),
            (
                400,
                "invalid post-only order: order crosses book",
                ApiErrorKind::PostOnlyCrosses,
            ),
            (
                400,
                &*format!("order {id} is invalid. Duplicated."),
                ApiErrorKind::Duplicated,
            ),
            (
                401,
                "Unauthorized/Invalid api key",
                ApiErrorKind::Unauthorized,
            ),
            (
                401,
                "Invalid L1 Request headers",
                ApiErrorKind::Unauthorized,
            ),
            (429, "Too Many Requests", ApiErrorKind::RateLimited),
            (404, "market not found", ApiErrorKind::NotFound),
            (400, "something new", ApiErrorKind::Other),
        ] {
            assert_eq!(ApiErrorKind::from_message(status, msg), kind, "{msg}");
        }
    }
}
