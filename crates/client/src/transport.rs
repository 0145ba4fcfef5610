//! HTTP: one pooled reqwest client (rustls with the ring provider, TCP_NODELAY, a timeout),
//! retries with backoff for idempotent GETs only, and error answers mapped to [`ClientError`].

use std::time::Duration;

use clobkit_core::auth::L2Auth;
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::error::{ApiErrorKind, ClientError};

/// When and how GET requests are retried (POST and DELETE never are).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts after the first.
    pub max_retries: u32,
    /// Delay before the first retry; doubled each time.
    pub base_delay: Duration,
    /// Largest delay between attempts (a longer `Retry-After` is honoured as sent).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        }
    }
}

/// How a request is authenticated.
pub(crate) enum Auth<'a> {
    /// No headers.
    None,
    /// Precomputed L1 headers.
    L1(Vec<(&'static str, String)>),
    /// L2 headers, computed at each attempt over method, path and body.
    L2(&'a L2Auth),
}

/// The HTTP side of a client.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    pub http: reqwest::Client,
    pub host: String,
    pub retry: RetryPolicy,
}

/// Installs rustls's ring crypto provider for the process (idempotent). Every reqwest client in
/// a program that links this crate needs it before it is built: clobkit uses rustls on ring, not
/// aws-lc.
pub fn install_crypto_provider() {
    // An error only means a provider is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Builds the default HTTP client: rustls on the ring provider (no aws-lc), HTTP/1.1 and 2,
/// TCP_NODELAY, a 10 s request timeout.
pub(crate) fn default_http(timeout: Duration) -> Result<reqwest::Client, ClientError> {
    install_crypto_provider();
    reqwest::Client::builder()
        .tcp_nodelay(true)
        .timeout(timeout)
        .user_agent("clobkit-client")
        .build()
        .map_err(|e| ClientError::Transport(e.to_string()))
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let v = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

impl Transport {
    fn url(&self, path: &str, query: &str) -> String {
        format!("{}{path}{query}", self.host)
    }

    async fn once(
        &self,
        method: &Method,
        path: &str,
        query: &str,
        body: &[u8],
        auth: &Auth<'_>,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let mut req = self
            .http
            .request(method.clone(), self.url(path, query))
            .header("Content-Type", "application/json");
        match auth {
            Auth::None => {}
            Auth::L1(h) => {
                for (k, v) in h {
                    req = req.header(*k, v);
                }
            }
            Auth::L2(a) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                for (k, v) in a.headers(now, method.as_str(), path, body).iter() {
                    req = req.header(k, v);
                }
            }
        }
        if !body.is_empty() {
            req = req.body(body.to_vec());
        }
        req.send().await
    }

    /// Sends a request and decodes a 200 answer. GETs are retried on connection errors, 5xx and
    /// 429 (honouring `Retry-After`); other methods are sent once.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &str,
        body: &[u8],
        auth: Auth<'_>,
    ) -> Result<T, ClientError> {
        let bytes = self.call_raw(method, path, query, body, auth).await?;
        let bytes = if bytes.is_empty() {
            b"null".to_vec()
        } else {
            bytes
        };
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode {
            path: path.to_owned(),
            reason: e.to_string(),
        })
    }

    /// As [`call`](Self::call), returning the raw 200 body.
    pub(crate) async fn call_raw(
        &self,
        method: Method,
        path: &str,
        query: &str,
        body: &[u8],
        auth: Auth<'_>,
    ) -> Result<Vec<u8>, ClientError> {
        let idempotent = method == Method::GET;
        let mut attempt = 0u32;
        loop {
            let last = !idempotent || attempt >= self.retry.max_retries;
            let delay = self
                .retry
                .base_delay
                .saturating_mul(1 << attempt.min(16))
                .min(self.retry.max_delay);
            match self.once(&method, path, query, body, &auth).await {
                Err(e) => {
                    if last {
                        let msg = format!("{method} {path}: {e}");
                        return Err(if e.is_connect() {
                            ClientError::Connect(msg)
                        } else {
                            ClientError::Transport(msg)
                        });
                    }
                    tracing::debug!(%path, error = %e, attempt, "retrying GET after a transport error");
                    tokio::time::sleep(delay).await;
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let wait = retry_after(&resp);
                    let bytes = resp
                        .bytes()
                        .await
                        .map_err(|e| ClientError::Transport(e.to_string()))?
                        .to_vec();
                    if (200..300).contains(&status) {
                        return Ok(bytes);
                    }
                    // 425: production's engine is restarting; safe to ask again
                    let retriable = status == 425 || status == 429 || status >= 500;
                    if retriable && !last {
                        tracing::debug!(%path, status, attempt, "retrying GET");
                        tokio::time::sleep(wait.unwrap_or(delay)).await;
                    } else {
                        let message = serde_json::from_slice::<serde_json::Value>(&bytes)
                            .ok()
                            .and_then(|v| {
                                v.get("error").and_then(|e| e.as_str().map(str::to_owned))
                            })
                            .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
                        let kind = ApiErrorKind::from_message(status, &message);
                        return Err(ClientError::Api {
                            status,
                            message,
                            kind,
                            retry_after: wait,
                        });
                    }
                }
            }
            attempt += 1;
        }
    }
}
