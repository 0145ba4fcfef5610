//! Running the exchange: open the data folder, serve HTTP until SIGINT/SIGTERM, snapshot on exit.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use crate::app::{AppState, ServerConfig};
use crate::ids::fill_random;

/// Why the server stopped or did not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Start-up (journal, snapshot) failed.
    #[error("{0}")]
    Start(#[from] crate::app::StartError),
    /// The journal could not be written while serving: the exchange stopped (fail stop); a
    /// restart recovers the durable state.
    #[error(
        "the journal failed while serving ({0}); the exchange stopped, restart it to recover the durable state"
    )]
    JournalFailed(String),
    /// The snapshot at shutdown could not be written (the journal has every record).
    #[error(
        "the final snapshot failed ({0}); the journal has every record, the next start replays it"
    )]
    FinalSnapshot(String),
    /// A file or socket operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// The admin token of a data folder: read from `admin-token`, or generated (32 random bytes, hex)
/// and stored there with owner-only permissions on first start.
pub fn admin_token(dir: &Path) -> Result<(String, bool), ServeError> {
    let path = dir.join("admin-token");
    if let Ok(t) = std::fs::read_to_string(&path) {
        let t = t.trim().to_owned();
        if !t.is_empty() {
            return Ok((t, false));
        }
    }
    let mut b = [0u8; 32];
    fill_random(&mut b).map_err(|e| ServeError::Io {
        what: "drawing a random admin token".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let token = format!("{:x}", clobkit_core::B256::from(b));
    std::fs::create_dir_all(dir).map_err(|source| ServeError::Io {
        what: format!("creating {}", dir.display()),
        source,
    })?;
    // created owner-only from the first byte: never readable by others, even briefly
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&path).and_then(|mut f| {
        use std::io::Write;
        f.write_all(token.as_bytes())?;
        f.sync_all()
    });
    written.map_err(|source| ServeError::Io {
        what: format!("writing {}", path.display()),
        source,
    })?;
    Ok((token, true))
}

/// A bound, recovered server ready to run.
pub struct Server {
    /// The shared state.
    pub state: Arc<AppState>,
    /// Whether the data folder was new (nothing recovered).
    pub fresh: bool,
    /// The admin token.
    pub admin_token: String,
    /// Where it listens.
    pub addr: SocketAddr,
    listener: tokio::net::TcpListener,
    lanes: Vec<Lane>,
}

/// A second way in for traffic that runs beside the exchange in the same process (the
/// simulator's agents, the replay's house): a listener on the loopback with the same routes,
/// authentication, intake and journal as the main one, whose connections are served by the
/// threads of another runtime. The work of those requests (reading, authenticating, recovering
/// signatures, answering) then runs at that runtime's CPU priority, below the users' requests
/// when the runtime's threads run in the background ([`crate::priority`]), instead of queueing
/// beside them on the exchange's workers. Only CPU priority differs: every order still goes
/// through the one sequencer in arrival order.
#[derive(Debug)]
struct Lane {
    listener: std::net::TcpListener,
    runtime: tokio::runtime::Handle,
}

impl Server {
    /// Opens the data folder (recovering it) and binds `addr` (port 0 picks a free port).
    pub async fn bind(config: ServerConfig, addr: SocketAddr) -> Result<Server, ServeError> {
        let (token, created) = admin_token(&config.data_dir)?;
        let dir = config.data_dir.clone();
        let (state, startup) = AppState::open(config)?;
        if let Some(t) = &startup.torn_tail {
            tracing::warn!(file = %t.file.display(), offset = t.offset, dropped = t.dropped_bytes, "recovered from a crash: truncated a torn journal tail");
        }
        tracing::info!(dir = %dir.display(), snapshot = ?startup.snapshot, replayed = startup.replayed, read_ms = startup.read.as_millis(), apply_ms = startup.apply.as_millis(), "state recovered");
        if created {
            tracing::info!(path = %dir.join("admin-token").display(), "generated an admin token");
        }
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Io {
                what: format!("binding {addr}"),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| ServeError::Io {
            what: "reading the bound address".into(),
            source,
        })?;
        let fresh = startup.snapshot.is_none() && startup.replayed == 0;
        Ok(Server {
            state,
            fresh,
            admin_token: token,
            addr,
            listener,
            lanes: Vec::new(),
        })
    }

    /// Opens a lane (a listener on 127.0.0.1, free port) whose connections `runtime` serves
    /// once the server runs; returns its address. See [`Lane`]: the simulator's agents use one
    /// on their own background runtime.
    pub fn open_lane(&mut self, runtime: tokio::runtime::Handle) -> Result<SocketAddr, ServeError> {
        let io = |what: &str| {
            let what = what.to_owned();
            move |source| ServeError::Io { what, source }
        };
        let listener = std::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .map_err(io("binding a lane on 127.0.0.1"))?;
        listener
            .set_nonblocking(true)
            .map_err(io("setting a lane's listener non-blocking"))?;
        let addr = listener
            .local_addr()
            .map_err(io("reading a lane's bound address"))?;
        self.lanes.push(Lane { listener, runtime });
        tracing::info!(%addr, "lane opened (served by another runtime)");
        Ok(addr)
    }

    /// Applies a seed if the data folder is new; returns how many commands were applied.
    pub async fn seed(&self, seed: &crate::seed::Seed) -> Result<usize, crate::seed::SeedError> {
        if !self.fresh {
            tracing::info!("data folder is not new: seed file not applied");
            return Ok(0);
        }
        let n = seed.apply(&self.state).await?;
        tracing::info!(commands = n, "seed applied");
        Ok(n)
    }

    /// Serves until `shutdown` resolves, then writes a final snapshot. Stops by itself, with
    /// [`ServeError::JournalFailed`], when the journal cannot be written (nothing is served
    /// from then on); a failed final snapshot is [`ServeError::FinalSnapshot`].
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let mut api = crate::http::router(self.state.clone());
        let limits = &self.state.config.rate_limits;
        if !limits.is_empty() {
            let limited = crate::http::limited::Limited {
                limiter: crate::ratelimit::RateLimiter::new(limits.clone()),
                app: self.state.clone(),
            };
            api = api.layer(axum::middleware::from_fn_with_state(
                limited,
                crate::http::limited::enforce,
            ));
        }
        let limits = self.state.config.conn_limits;
        let app = api
            .merge(crate::http::admin::router(
                self.state.clone(),
                &self.admin_token,
            ))
            .layer(axum::middleware::from_fn_with_state(
                limits.body,
                crate::listen::body_deadline,
            ))
            .layer(axum::middleware::from_fn(log_request));
        let hb = self.state.clone();
        let ticker = tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                every.tick().await;
                hb.enforce_heartbeats().await;
                hb.expire_due().await;
            }
        });
        let failed = Arc::new(std::sync::Mutex::new(None::<String>));
        let stop = {
            let (state, failed) = (self.state.clone(), failed.clone());
            async move {
                tokio::select! {
                    () = shutdown => {}
                    reason = state.journal_failed() => {
                        tracing::error!(reason = %reason, "journal failed: stopping (fail stop)");
                        *failed.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason);
                    }
                }
            }
        };
        // the lanes stop once the main listener has stopped (and drained)
        let (lanes_stop, lanes_stopping) = tokio::sync::watch::channel(false);
        let lanes: Vec<_> = self
            .lanes
            .into_iter()
            .map(|lane| {
                let (app, mut stopping) = (app.clone(), lanes_stopping.clone());
                lane.runtime.spawn(async move {
                    // registered with the lane's runtime, so its connections are served there
                    match tokio::net::TcpListener::from_std(lane.listener) {
                        Ok(listener) => {
                            let stop = async move {
                                let _ = stopping.wait_for(|s| *s).await;
                            };
                            crate::listen::serve(listener, app, limits, stop).await;
                        }
                        Err(e) => tracing::error!(error = %e, "a lane could not listen"),
                    }
                })
            })
            .collect();
        crate::listen::serve(self.listener, app, limits, stop).await;
        let _ = lanes_stop.send(true);
        for lane in lanes {
            let _ = lane.await;
        }
        ticker.abort();
        // the ticker holds the state: once it is gone, returning drops the last reference, so
        // the journal and the history are closed when `run` returns (the folder can be reopened)
        let _ = ticker.await;
        let journal_failure = failed.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(reason) = journal_failure {
            return Err(ServeError::JournalFailed(reason));
        }
        match self.state.snapshot_now() {
            Ok(seq) => {
                tracing::info!(seq, "final snapshot written");
                Ok(())
            }
            Err(e) => Err(ServeError::FinalSnapshot(e.to_string())),
        }
    }
}

/// One debug line per request: method, path, status, latency.
async fn log_request(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let start = std::time::Instant::now();
    let resp = next.run(req).await;
    tracing::debug!(%method, %path, status = resp.status().as_u16(), micros = start.elapsed().as_micros() as u64, "request");
    resp
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
