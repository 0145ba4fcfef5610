//! A local exchange on threads of the interpreter's process: `clobkit serve` without a
//! subprocess, started and stopped by `clobkit.LocalExchange`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::thread::JoinHandle;

use clobkit_core::chain::Chain;
use clobkit_core::protocol::ProtocolVersion;
use clobkit_server::app::ServerConfig;
use clobkit_server::seed::Seed;
use clobkit_server::serve::Server;
use pyo3::prelude::*;

use crate::{ExchangeError, invalid};

/// A running exchange: its address and admin token, and how to stop it.
#[pyclass(module = "clobkit._native")]
pub struct Exchange {
    /// `http://127.0.0.1:PORT`.
    #[pyo3(get)]
    host: String,
    /// The port it listens on.
    #[pyo3(get)]
    port: u16,
    /// The bearer token of its admin routes.
    #[pyo3(get)]
    admin_token: String,
    /// Its data folder.
    #[pyo3(get)]
    data_dir: String,
    running: Mutex<Option<Running>>,
}

struct Running {
    stop: tokio::sync::oneshot::Sender<()>,
    thread: JoinHandle<Result<(), String>>,
}

/// What the exchange thread reports once bound (or why it could not start).
type Started = Result<(SocketAddr, String), String>;

#[pymethods]
impl Exchange {
    /// Recovers (or creates) the exchange in `data_dir`, applies `seed` (TOML text) or
    /// `seed_json` (the same as JSON) to a new folder, binds 127.0.0.1:`port` (0 picks a free one) and serves until `stop()`.
    #[staticmethod]
    #[pyo3(signature = (data_dir, port = 0, seed = None, seed_json = None, protocol = "v2", fsync = true, chain_id = 137, heartbeat_timeout = 10))]
    #[allow(clippy::too_many_arguments)]
    fn start(
        py: Python<'_>,
        data_dir: PathBuf,
        port: u16,
        seed: Option<String>,
        seed_json: Option<String>,
        protocol: &str,
        fsync: bool,
        chain_id: u64,
        heartbeat_timeout: u64,
    ) -> PyResult<Exchange> {
        let protocol = match protocol {
            "v2" | "V2" | "2" => ProtocolVersion::V2,
            "v1" | "V1" | "1" => ProtocolVersion::V1,
            other => {
                return Err(invalid(
                    "protocol",
                    format!("{other:?}: expected \"v1\" or \"v2\""),
                ));
            }
        };
        let chain = Chain::from_id(chain_id).map_err(|e| invalid("chain_id", e))?;
        let seed = match (seed, seed_json) {
            (Some(_), Some(_)) => {
                return Err(invalid("seed", "give seed (TOML) or seed_json, not both"));
            }
            (Some(toml), None) => Some(Seed::parse(&toml)),
            (None, Some(json)) => Some(Seed::from_json(&json)),
            (None, None) => None,
        }
        .transpose()
        .map_err(|e| invalid("seed", e))?;
        let mut config = ServerConfig::new(&data_dir);
        config.chain = chain;
        config.protocol = protocol;
        config.fsync = fsync;
        config.heartbeat_timeout = heartbeat_timeout;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (started_tx, started_rx) = std::sync::mpsc::channel::<Started>();
        let thread = std::thread::Builder::new()
            .name("clobkit-exchange".into())
            .spawn(move || serve(config, port, seed, started_tx, stopped))
            .map_err(|e| ExchangeError::new_err(format!("cannot start a thread: {e}")))?;
        let started = py.detach(move || started_rx.recv());
        let (addr, admin_token) = match started {
            Ok(Ok(s)) => s,
            Ok(Err(reason)) => {
                let _ = thread.join();
                return Err(ExchangeError::new_err(reason));
            }
            Err(_) => {
                let reason = match thread.join() {
                    Ok(Err(reason)) => reason,
                    _ => "the exchange thread ended before it started".to_owned(),
                };
                return Err(ExchangeError::new_err(reason));
            }
        };
        Ok(Exchange {
            host: format!("http://{addr}"),
            port: addr.port(),
            admin_token,
            data_dir: data_dir.display().to_string(),
            running: Mutex::new(Some(Running { stop, thread })),
        })
    }

    /// Whether it still serves.
    #[getter]
    fn running(&self) -> bool {
        self.running
            .lock()
            .map(|r| r.as_ref().is_some_and(|r| !r.thread.is_finished()))
            .unwrap_or(false)
    }

    /// Stops serving, writes the final snapshot and waits for it; a second call does nothing.
    /// Raises `ExchangeError` if the exchange had failed (its journal, or the final snapshot).
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        let running = self
            .running
            .lock()
            .map_err(|_| ExchangeError::new_err("the exchange's handle is poisoned"))?
            .take();
        let Some(Running { stop, thread }) = running else {
            return Ok(());
        };
        let _ = stop.send(());
        match py.detach(|| thread.join()) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(reason)) => Err(ExchangeError::new_err(reason)),
            Err(_) => Err(ExchangeError::new_err("the exchange thread panicked")),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "Exchange(host={:?}, data_dir={:?})",
            self.host, self.data_dir
        )
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        if let Ok(mut r) = self.running.lock()
            && let Some(Running { stop, thread }) = r.take()
        {
            let _ = stop.send(());
            let _ = thread.join();
        }
    }
}

/// The exchange thread: a runtime, the server bound and seeded, served until `stopped`.
fn serve(
    config: ServerConfig,
    port: u16,
    seed: Option<Seed>,
    started: std::sync::mpsc::Sender<Started>,
    stopped: tokio::sync::oneshot::Receiver<()>,
) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("clobkit-exchange-rt")
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    rt.block_on(async move {
        let bound = async {
            let server = Server::bind(config, SocketAddr::from(([127, 0, 0, 1], port)))
                .await
                .map_err(|e| e.to_string())?;
            if let Some(seed) = &seed {
                server.seed(seed).await.map_err(|e| e.to_string())?;
            }
            Ok::<_, String>(server)
        };
        let server = match bound.await {
            Ok(s) => s,
            Err(reason) => {
                let _ = started.send(Err(reason.clone()));
                return Err(reason);
            }
        };
        let _ = started.send(Ok((server.addr, server.admin_token.clone())));
        server
            .run(async move {
                let _ = stopped.await;
            })
            .await
            .map_err(|e| e.to_string())
    })
}
