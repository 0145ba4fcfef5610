//! Accepting connections with limits (faults.md F3): a slow or idle client cannot hold a socket
//! for ever, and the exchange cannot run out of file descriptors (which would fail its journal).
//!
//! * **Header-read timeout**: a request's headers must arrive within
//!   [`ConnLimits::header_read`]; hyper closes the connection otherwise. It also bounds how long
//!   a keep-alive connection may sit idle before its next request.
//! * **Body timeout**: a request's body must arrive within [`ConnLimits::body`], else 408.
//! * **Connection cap**: at most [`ConnLimits::max_connections`] at once; a connection over the
//!   cap is closed at accept. The default keeps [`RESERVED_FDS`] descriptors of the process's
//!   limit free for the journal, snapshots and logs.
//! * **Graceful shutdown**: when asked to stop, the listener closes, open connections finish
//!   their request and close, for at most [`ConnLimits::drain`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use tower::ServiceExt as _;

/// Largest request body accepted (a batch of 15 orders is about 10 KiB); bodies are buffered
/// within the body deadline up to this size.
pub const BODY_LIMIT: usize = 256 * 1024;

/// File descriptors kept free of connections (journal segment, snapshot, folder syncs, logs).
pub const RESERVED_FDS: u64 = 64;

/// The limits on connections, all configurable (`clobkit serve --header-timeout`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnLimits {
    /// Time allowed for a request's headers (and a keep-alive connection's idle wait).
    pub header_read: Duration,
    /// Time allowed for a request's body.
    pub body: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// How long shutdown waits for open connections.
    pub drain: Duration,
}

impl Default for ConnLimits {
    /// 10 s for headers, 10 s for a body, connections up to the file-descriptor limit less
    /// [`RESERVED_FDS`] (at most 10,000), 10 s to drain at shutdown.
    fn default() -> Self {
        ConnLimits {
            header_read: Duration::from_secs(10),
            body: Duration::from_secs(10),
            max_connections: default_max_connections(),
            drain: Duration::from_secs(10),
        }
    }
}

/// The process's soft limit on open files, less the reserve, capped at 10,000.
fn default_max_connections() -> usize {
    let soft = open_files_limit().unwrap_or(1024);
    usize::try_from(soft.saturating_sub(RESERVED_FDS).clamp(16, 10_000)).unwrap_or(10_000)
}

/// The soft limit on open files, from `/proc/self/limits` (Linux); `None` elsewhere or when it
/// is unlimited.
fn open_files_limit() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Buffers a request's body within `limits.body`, answering 408 when it does not arrive.
pub async fn body_deadline(
    axum::extract::State(limit): axum::extract::State<Duration>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let (parts, body) = req.into_parts();
    let read = axum::body::to_bytes(body, BODY_LIMIT);
    match tokio::time::timeout(limit, read).await {
        Ok(Ok(bytes)) => {
            let req = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
            next.run(req).await
        }
        Ok(Err(_)) => crate::error::ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            clobkit_core::wire::errors::BODY_TOO_LARGE,
        )
        .into_response(),
        Err(_) => crate::error::ApiError::new(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            clobkit_core::wire::errors::BODY_TIMEOUT,
        )
        .into_response(),
    }
}

/// A connection's place under the connection cap and in the shutdown drain, held by its task
/// and by a WebSocket upgraded from it (which outlives the HTTP connection): the slot is free,
/// and the drain done, once both are gone. `closing` turns true when the server stops, so an
/// upgraded socket knows to close.
#[derive(Debug, Clone)]
pub struct ConnSlot {
    _permit: Arc<tokio::sync::OwnedSemaphorePermit>,
    _drain: tokio::sync::mpsc::Sender<()>,
    /// True once the server is stopping.
    pub closing: tokio::sync::watch::Receiver<bool>,
}

/// Set on a response that must not be sent (a fault drill: "order placed, answer lost"): the
/// request was carried out, and the connection is closed instead of answering.
#[derive(Debug, Clone, Copy)]
pub struct LoseAnswer;

/// Serves `app` on `listener` under `limits` until `stop` resolves, then drains: connections
/// finish the request in flight, WebSockets close, for at most `limits.drain`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: ConnLimits,
    stop: impl std::future::Future<Output = ()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .keep_alive(true);
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let (closing_tx, closing) = tokio::sync::watch::channel(false);
    let (drain, mut drained) = tokio::sync::mpsc::channel::<()>(1);
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning; connections in flight
                    // go on
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(%peer, max = limits.max_connections, "connection cap reached: closing a new connection");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let slot = ConnSlot {
            _permit: Arc::new(permit),
            _drain: drain.clone(),
            closing: closing.clone(),
        };
        let held = slot.clone();
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                req.extensions_mut().insert(slot.clone());
                let app = app.clone();
                async move {
                    let Ok(resp) = app.oneshot(req.map(axum::body::Body::new)).await;
                    if resp.extensions().get::<LoseAnswer>().is_some() {
                        return Err(std::io::Error::other("answer lost (a fault drill)"));
                    }
                    Ok(resp)
                }
            });
        let conn = http
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        tokio::spawn(async move {
            let mut closing = held.closing.clone();
            tokio::pin!(conn);
            let ended = tokio::select! {
                r = conn.as_mut() => r,
                _ = closing.changed() => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(%peer, error = %e, "connection closed with an error");
            }
            drop(held);
        });
    }
    drop(listener);
    let _ = closing_tx.send(true);
    drop(drain);
    if tokio::time::timeout(limits.drain, drained.recv())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the drain period: closing them");
    }
}
