//! The dead-man switch: heartbeats, by hand or from a background task.

use std::time::Duration;

use clobkit_core::signer::AsyncSigner;
use reqwest::Method;

use crate::error::ClientError;

use super::*;

impl<S: AsyncSigner> ClobClient<L2<S>> {
    /// `POST /v1/heartbeats`: `None` starts a chain; then send the id it returned. Once started,
    /// silence longer than the exchange's timeout cancels every open order.
    pub async fn post_heartbeat(&self, heartbeat_id: Option<&str>) -> Result<String, ClientError> {
        let body = json_body(&clobkit_core::wire::HeartbeatRequest {
            heartbeat_id: heartbeat_id.map(str::to_owned),
        })?;
        let v: clobkit_core::wire::HeartbeatResponse =
            self.l2(Method::POST, "/v1/heartbeats", "", &body).await?;
        Ok(v.heartbeat_id)
    }
}

/// Keeps a heartbeat chain alive in the background (every `every`), until dropped.
#[derive(Debug)]
pub struct Heartbeat {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl<S: AsyncSigner + 'static> ClobClient<L2<S>> {
    /// Starts sending heartbeats every `every` (the official examples use 5 s) in a task that
    /// lives as long as the returned guard. Errors are logged and the chain restarted.
    pub fn start_heartbeats(&self, every: Duration) -> Heartbeat {
        let client = self.clone();
        let task = tokio::spawn(async move {
            let mut last: Option<String> = None;
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                match client.post_heartbeat(last.as_deref()).await {
                    Ok(id) => last = Some(id),
                    Err(e) => {
                        tracing::warn!(error = %e, "heartbeat failed; restarting the chain");
                        last = None;
                    }
                }
            }
        });
        Heartbeat { task }
    }
}
