//! The running exchange: recovery at start, the sequencer (journal then apply, under one lock),
//! snapshots, heartbeats, and request authentication.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, Method};
use clobkit_core::Address;
use clobkit_core::auth::{
    self, POLY_ADDRESS, POLY_API_KEY, POLY_NONCE, POLY_PASSPHRASE, POLY_SIGNATURE, POLY_TIMESTAMP,
};
use clobkit_core::chain::{AmoyNegRisk, Chain};
use clobkit_core::eip712::{ClobAuthDomain, ExchangeDomain};
use clobkit_core::wallet::WalletFactories;
use clobkit_engine::{Command, Event, Owner, Stamped};

use crate::error::ApiError;
use crate::exchange::{Exchange, ExchangeSnapshot, Record};
use crate::journal::{Journal, JournalConfig, JournalError, TornTail};

/// How the exchange runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where the journal and snapshots live.
    pub data_dir: PathBuf,
    /// The chain whose signatures are accepted.
    pub chain: Chain,
    /// fsync before answering (off only for throwaway runs).
    pub fsync: bool,
    /// Largest allowed distance between a request's timestamp and the server clock, seconds.
    pub timestamp_window: u64,
    /// The account fees are paid to.
    pub operator: Address,
    /// Records between snapshots.
    pub snapshot_every: u64,
    /// Seconds without a heartbeat after which a started heartbeat chain cancels all orders.
    pub heartbeat_timeout: u64,
    /// Request limits on the public API (empty: none; see [`crate::ratelimit`]).
    pub rate_limits: crate::ratelimit::RateLimits,
}

impl ServerConfig {
    /// Defaults for a data folder: Polygon, fsync on, ±300 s, snapshots every 10,000 records,
    /// heartbeat timeout 10 s, no rate limits.
    pub fn new(data_dir: impl Into<PathBuf>) -> ServerConfig {
        ServerConfig {
            data_dir: data_dir.into(),
            chain: Chain::Polygon,
            fsync: true,
            timestamp_window: 300,
            operator: Address::repeat_byte(0x0f),
            snapshot_every: 10_000,
            heartbeat_timeout: 10,
            rate_limits: crate::ratelimit::RateLimits::new(),
        }
    }
}

/// What start-up found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Startup {
    /// Sequence number of the snapshot loaded, if any.
    pub snapshot: Option<u64>,
    /// Records replayed after it.
    pub replayed: usize,
    /// A torn tail that was cut off.
    pub torn_tail: Option<TornTail>,
}

/// Start-up failures.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The journal is unreadable.
    #[error("{0}")]
    Journal(#[from] JournalError),
    /// A snapshot does not restore.
    #[error("snapshot does not restore: {0}")]
    Snapshot(String),
    /// A journaled record no longer applies (the journal and the code disagree).
    #[error("journal record {seq} does not replay: {error}")]
    Replay {
        /// The record.
        seq: u64,
        /// Why.
        error: String,
    },
}

struct Core {
    exchange: Exchange,
    journal: Journal<Record>,
    since_snapshot: u64,
    last_now: u64,
}

/// The shared state of the server.
pub struct AppState {
    core: Mutex<Core>,
    /// The configuration.
    pub config: ServerConfig,
    heartbeats: Mutex<HashMap<String, (String, Instant)>>,
    auth_domain: ClobAuthDomain,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Unix seconds now.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The authenticated caller of an L2 request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Its API key.
    pub key: String,
    /// Its wallet (signer) address.
    pub address: Address,
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

impl AppState {
    /// Opens the data folder: loads the newest snapshot, replays the journal after it.
    pub fn open(config: ServerConfig) -> Result<(Arc<AppState>, Startup), StartError> {
        let jc = JournalConfig {
            dir: config.data_dir.clone(),
            fsync: config.fsync,
        };
        let (journal, rec) = Journal::<Record>::open::<ExchangeSnapshot>(&jc)?;
        let snapshot = rec.snapshot.as_ref().map(|(s, _)| *s);
        let mut exchange = match rec.snapshot {
            Some((_, s)) => {
                Exchange::restore(s).map_err(|e| StartError::Snapshot(e.to_string()))?
            }
            None => Exchange::new(config.operator),
        };
        let replayed = rec.records.len();
        let mut last_now = exchange.engine.now();
        for (seq, r) in &rec.records {
            if let Record::Engine(s) = r {
                last_now = last_now.max(s.now);
            }
            // A record that the engine refuses (CommandError) refused the same way when it was
            // first applied, and changed nothing: only a decode failure is fatal.
            if let Err(crate::exchange::ExchangeError::BadCredentials(e)) = exchange.apply(r) {
                return Err(StartError::Replay {
                    seq: *seq,
                    error: e,
                });
            }
        }
        let state = AppState {
            core: Mutex::new(Core {
                exchange,
                journal,
                since_snapshot: replayed as u64,
                last_now,
            }),
            auth_domain: ClobAuthDomain::new(config.chain.id()),
            config,
            heartbeats: Mutex::new(HashMap::new()),
        };
        Ok((
            Arc::new(state),
            Startup {
                snapshot,
                replayed,
                torn_tail: rec.torn_tail,
            },
        ))
    }

    fn lock(&self) -> MutexGuard<'_, Core> {
        // A panic while holding the lock cannot leave the state half-applied in a way later code
        // relies on; keep serving with the inner value.
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads the state.
    pub fn read<R>(&self, f: impl FnOnce(&Exchange) -> R) -> R {
        f(&self.lock().exchange)
    }

    /// Sequences a change: builds the record at the sequencer's clock, appends it to the journal,
    /// applies it, and returns its events once it is durable.
    pub async fn submit(
        &self,
        make: impl FnOnce(u64) -> Record,
    ) -> Result<Result<Vec<Event>, crate::exchange::ExchangeError>, ApiError> {
        let (ticket, result) = {
            let mut core = self.lock();
            let now = core.last_now.max(unix_now());
            core.last_now = now;
            let record = make(now);
            let ticket = core
                .journal
                .append(&record)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            let result = core.exchange.apply(&record);
            core.since_snapshot += 1;
            if core.since_snapshot >= self.config.snapshot_every {
                let snap = core.exchange.snapshot();
                match core.journal.snapshot(&snap) {
                    Ok(seq) => tracing::info!(seq, "snapshot written"),
                    Err(e) => {
                        tracing::error!(error = %e, "snapshot failed; the journal keeps everything")
                    }
                }
                core.since_snapshot = 0;
            }
            (ticket, result)
        };
        ticket
            .durable()
            .await
            .map_err(|e| ApiError::internal(format!("could not persist: {e}")))?;
        Ok(result)
    }

    /// Sequences an engine command.
    pub async fn engine(
        &self,
        command: Command,
    ) -> Result<Result<Vec<Event>, crate::exchange::ExchangeError>, ApiError> {
        self.submit(|now| Record::Engine(Stamped { now, command }))
            .await
    }

    /// Writes a snapshot now (used at shutdown).
    pub fn snapshot_now(&self) -> Result<u64, JournalError> {
        let mut core = self.lock();
        let snap = core.exchange.snapshot();
        let seq = core.journal.snapshot(&snap)?;
        core.since_snapshot = 0;
        Ok(seq)
    }

    /// The CTF Exchange domains an order in a market with this flag may be signed in (Amoy
    /// neg-risk accepts both clients' addresses).
    pub fn domains(&self, neg_risk: bool) -> Vec<ExchangeDomain> {
        let chain = self.config.chain;
        let mut v = vec![ExchangeDomain::for_market(
            chain,
            &chain.contracts(),
            neg_risk,
        )];
        if chain == Chain::Amoy && neg_risk {
            v.push(ExchangeDomain::for_market(
                chain,
                &chain.contracts_with(AmoyNegRisk::PythonAdapter),
                true,
            ));
        }
        v
    }

    /// The wallet factories of the configured chain.
    pub fn factories(&self) -> WalletFactories {
        WalletFactories::of(self.config.chain)
    }

    /// Verifies L1 headers; returns the wallet and the nonce (decimal).
    pub fn l1(&self, h: &HeaderMap) -> Result<(Address, String), ApiError> {
        let (Some(addr), Some(sig), Some(ts)) = (
            header(h, POLY_ADDRESS),
            header(h, POLY_SIGNATURE),
            header(h, POLY_TIMESTAMP),
        ) else {
            return Err(ApiError::bad_l1());
        };
        auth::check_timestamp(ts, unix_now(), self.config.timestamp_window)
            .map_err(|_| ApiError::bad_l1())?;
        let nonce = header(h, POLY_NONCE);
        let (address, nonce) = auth::verify_l1(&self.auth_domain, addr, sig, ts, nonce)
            .map_err(|_| ApiError::bad_l1())?;
        Ok((address, nonce.to_string()))
    }

    /// Verifies L2 headers over `method`, `path` and the raw `body`.
    pub fn l2(
        &self,
        h: &HeaderMap,
        method: &Method,
        path: &str,
        body: &[u8],
    ) -> Result<Caller, ApiError> {
        let get = |n: &str| header(h, n).ok_or_else(ApiError::unauthorized);
        let (key, pass, addr, sig, ts) = (
            get(POLY_API_KEY)?,
            get(POLY_PASSPHRASE)?,
            get(POLY_ADDRESS)?,
            get(POLY_SIGNATURE)?,
            get(POLY_TIMESTAMP)?,
        );
        auth::check_timestamp(ts, unix_now(), self.config.timestamp_window)
            .map_err(|_| ApiError::unauthorized())?;
        let address =
            clobkit_core::verify::parse_address(addr).map_err(|_| ApiError::unauthorized())?;
        let auth = self
            .read(|x| x.key(key).map(|e| e.auth.clone()))
            .ok_or_else(ApiError::unauthorized)?;
        auth.verify_passphrase(pass)
            .map_err(|_| ApiError::unauthorized())?;
        if auth.address() != address {
            return Err(ApiError::unauthorized());
        }
        auth.verify(ts, method.as_str(), path, body, sig)
            .map_err(|_| ApiError::unauthorized())?;
        Ok(Caller {
            key: key.to_owned(),
            address,
        })
    }

    /// Records a heartbeat of `key`: `None` starts a chain; otherwise the id must be the last one
    /// returned. Returns the next id.
    pub fn heartbeat(&self, key: &str, id: Option<&str>) -> Result<String, String> {
        let mut hb = self.heartbeats.lock().unwrap_or_else(|p| p.into_inner());
        match (hb.get(key), id) {
            (_, None) => {}
            (Some((last, _)), Some(given)) if last == given => {}
            (_, Some(given)) => return Err(given.to_owned()),
        }
        let next = random_uuid();
        hb.insert(key.to_owned(), (next.clone(), Instant::now()));
        Ok(next)
    }

    /// Owners whose heartbeat chain went silent; their chains are dropped.
    pub fn silent_heartbeats(&self) -> Vec<String> {
        let mut hb = self.heartbeats.lock().unwrap_or_else(|p| p.into_inner());
        let limit = std::time::Duration::from_secs(self.config.heartbeat_timeout);
        let silent: Vec<String> = hb
            .iter()
            .filter(|(_, (_, t))| t.elapsed() > limit)
            .map(|(k, _)| k.clone())
            .collect();
        for k in &silent {
            hb.remove(k);
        }
        silent
    }

    /// Cancels every open order of owners whose heartbeats stopped.
    pub async fn enforce_heartbeats(&self) {
        for key in self.silent_heartbeats() {
            tracing::info!(key = %key, "heartbeat silent: cancelling all open orders");
            let _ = self
                .engine(Command::CancelAll {
                    owner: Owner::new(&key),
                })
                .await;
        }
    }
}

/// 16 random bytes as a UUID-shaped string (v4 bits set).
pub fn random_uuid() -> String {
    let mut b = [0u8; 16];
    fill_random(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid_shape(&b)
}

/// 16 bytes in the 8-4-4-4-12 lowercase hex shape of a UUID.
pub fn uuid_shape(b: &[u8; 16]) -> String {
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// Fills `buf` from the OS random source. If the OS refuses (it never does on supported
/// platforms), the clock and a counter are mixed in instead, so keys still differ.
pub fn fill_random(buf: &mut [u8]) {
    if getrandom::fill(buf).is_err() {
        use sha2::Digest;
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let seed = sha2::Sha256::digest(format!("{t}-{n}"));
        for (i, b) in buf.iter_mut().enumerate() {
            *b = seed[i % 32];
        }
    }
}
