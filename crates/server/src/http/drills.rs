//! The route faults of [`crate::faults`] on the public API: 429, 425, 500, a late answer, or an
//! answer that never comes (the request is carried out, then the connection is closed; see
//! [`crate::listen::LoseAnswer`]).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clobkit_core::wire::errors as msg;

use crate::app::AppState;
use crate::error::ApiError;
use crate::faults::RouteFault;
use crate::listen::LoseAnswer;

/// The middleware: a request that an armed route fault covers gets the fault.
pub async fn inject(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let fault = app.faults.route(req.method().as_str(), req.uri().path());
    match fault {
        None => next.run(req).await,
        Some(RouteFault::TooManyRequests(secs)) => ApiError::too_many_requests(secs),
        Some(RouteFault::TooEarly) => {
            ApiError::new(StatusCode::TOO_EARLY, msg::ENGINE_RESTARTING).into_response()
        }
        Some(RouteFault::ExecutionFailed) => {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, msg::EXECUTION_FAILED).into_response()
        }
        // carried out at once, answered late (a client that gave up meanwhile does not know
        // its order went in)
        Some(RouteFault::Delay(d)) => {
            let resp = next.run(req).await;
            tokio::time::sleep(d).await;
            resp
        }
        Some(RouteFault::AnswerLost) => {
            let mut resp = next.run(req).await;
            resp.extensions_mut().insert(LoseAnswer);
            resp
        }
    }
}
