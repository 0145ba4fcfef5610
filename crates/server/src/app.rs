//! The running exchange: recovery at start, the sequencer (journal then apply, under one lock),
//! snapshots and heartbeats. Authentication ([`crate::auth`]) and order verification
//! ([`crate::intake`]) hang off the same state but never take the sequencer's lock.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use clobkit_core::Address;
use clobkit_core::chain::Chain;
use clobkit_core::protocol::ProtocolVersion;
use clobkit_core::wire::errors::{
    EXCHANGE_STOPPED, HISTORY_UNAVAILABLE, HISTORY_UNREADABLE, JOURNAL_NO_ROOM,
};
use clobkit_engine::{Command, Event, OrderSpec, Owner, Reject, Stamped};

use crate::auth::{Authenticator, KeyRegistry};
use crate::error::ApiError;
use crate::exchange::{Exchange, ExchangeSnapshot, PlaceOutcome, Record};
use crate::history::{History, HistoryError, HistoryFaults, Reader};
use crate::ids::random_uuid;
use crate::intake::Verifiers;
use crate::journal::{
    Durability, DurableHook, Faults, Journal, JournalConfig, JournalError, PendingSnapshot,
    TornTail,
};

/// How the exchange runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where the journal and snapshots live.
    pub data_dir: PathBuf,
    /// Where the history database lives, if not in the data folder. A folder on another device
    /// keeps the history's writes and syncs off the journal's disk: on one disk, every journal
    /// `fdatasync` that overlaps a history commit's sync waits for the history's pages too
    /// (BENCHMARKS.md, the simulator's fifth session). It belongs with its data folder: move and
    /// back up the two together.
    pub history_dir: Option<PathBuf>,
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
    /// The protocol version whose orders are accepted (`GET /version` answers it; orders of
    /// the other version get `order_version_mismatch`).
    pub protocol: ProtocolVersion,
    /// Injected journal I/O failures (fault drills and tests; `None` in normal operation).
    pub faults: Option<Arc<Faults>>,
    /// Injected history commit failures (fault drills and tests; `None` in normal operation).
    pub history_faults: Option<Arc<HistoryFaults>>,
    /// Timeouts and the connection cap.
    pub conn_limits: crate::listen::ConnLimits,
    /// Records per generation of the duplicate check's memory (default [`SEAL_EVERY`]; tests
    /// make it small to see generations forgotten).
    pub seen_generation: u64,
    /// How many history changes may wait for the database before new ones wait to be
    /// sequenced (default [`HISTORY_BACKLOG`]).
    pub history_backlog: u64,
    /// The WebSocket channels' limits.
    pub stream_limits: crate::stream::StreamLimits,
}

impl ServerConfig {
    /// Defaults for a data folder: Polygon, fsync on, ±300 s, snapshots every 10,000 records,
    /// heartbeat timeout 10 s, no rate limits, protocol V2 (production's since 2026-04-28).
    pub fn new(data_dir: impl Into<PathBuf>) -> ServerConfig {
        ServerConfig {
            data_dir: data_dir.into(),
            history_dir: None,
            chain: Chain::Polygon,
            fsync: true,
            timestamp_window: 300,
            operator: Address::repeat_byte(0x0f),
            snapshot_every: 10_000,
            heartbeat_timeout: 10,
            rate_limits: crate::ratelimit::RateLimits::new(),
            protocol: ProtocolVersion::V2,
            faults: None,
            history_faults: None,
            conn_limits: crate::listen::ConnLimits::default(),
            seen_generation: SEAL_EVERY,
            history_backlog: HISTORY_BACKLOG,
            stream_limits: crate::stream::StreamLimits::default(),
        }
    }

    /// The folder of the history database: [`ServerConfig::history_dir`], or the data folder.
    pub fn history_folder(&self) -> &std::path::Path {
        self.history_dir.as_deref().unwrap_or(&self.data_dir)
    }
}

/// The end of [`StartError::HistoryBehind`]'s message when another history database was found.
fn moved_here(elsewhere: Option<&std::path::Path>) -> String {
    elsewhere.map_or_else(String::new, |p| {
        format!(
            ", or move {} (found in the data folder, with its -wal file if any) into the history folder if it is this folder's",
            p.display()
        )
    })
}

/// What start-up found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Startup {
    /// Sequence number of the snapshot loaded, if any.
    pub snapshot: Option<u64>,
    /// Records replayed after it.
    pub replayed: u64,
    /// A torn tail that was cut off.
    pub torn_tail: Option<TornTail>,
    /// Time spent reading the newest snapshot and checking every journal record after it.
    pub read: std::time::Duration,
    /// Time spent decoding the records and applying them to the restored state (decoding runs
    /// on other threads while records are applied).
    pub apply: std::time::Duration,
}

/// Start-up failures.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data folder cannot be created or written (a read-only file system, a full disk,
    /// missing permissions): checked first, so the reason is the operating system's own.
    #[error("the data folder {path} cannot be written: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The journal is unreadable.
    #[error("{0}")]
    Journal(#[from] JournalError),
    /// A snapshot does not restore.
    #[error("snapshot does not restore: {0}")]
    Snapshot(String),
    /// The history database cannot be opened.
    #[error("{0}")]
    History(#[from] HistoryError),
    /// The history database lacks records the journal no longer has.
    #[error(
        "the history database ({file}) holds records up to {history} but the snapshot is at {snapshot}: the journal records between them were pruned, so the history cannot be completed. Restore the history database from the same backup as the data folder{}",
        moved_here(.elsewhere.as_deref())
    )]
    HistoryBehind {
        /// The database file.
        file: PathBuf,
        /// The last record it holds.
        history: u64,
        /// The snapshot's record.
        snapshot: u64,
        /// A history database found in the data folder while the history is configured to live
        /// elsewhere: likely this folder's, from before `history_dir` was set.
        elsewhere: Option<PathBuf>,
    },
    /// The history database is ahead of the journal (files from different folders or times).
    #[error(
        "the history database ({file}) holds records up to {history} but the journal ends at {journal}: they are not from the same data folder"
    )]
    HistoryAhead {
        /// The database file.
        file: PathBuf,
        /// The last record it holds.
        history: u64,
        /// The journal's last record.
        journal: u64,
    },
    /// The streams' thread could not be started.
    #[error("the WebSocket streams' thread cannot start: {0}")]
    Streams(std::io::Error),
    /// A journaled record no longer applies (the journal and the code disagree).
    #[error("journal record {seq} does not replay: {error}")]
    Replay {
        /// The record.
        seq: u64,
        /// Why.
        error: String,
    },
}

/// The sequencer: the state and its journal, changed together under one lock, so the order of
/// records in the journal is the order they were applied in.
struct Sequencer {
    exchange: Exchange,
    journal: Journal<Record>,
    since_snapshot: u64,
    last_now: u64,
    /// The duplicate check's generations (see [`SEAL_EVERY`]).
    seen: SeenGenerations,
}

/// Records between two seals of the engine's duplicate-check memory (the default of
/// [`ServerConfig::seen_generation`]). The engine remembers the ids of the orders accepted or
/// ended in the last generations; a generation is forgotten once
/// the history database holds every record up to its end, and from then on a new order's id is
/// also looked up in the database's ended orders ([`AppState::place`]). Memory then holds about
/// two generations of ids, whatever the exchange's age.
pub const SEAL_EVERY: u64 = 4096;

/// How many history changes (rows: an order that ended, a trade, a notification) may wait for
/// the database before new changes wait to be sequenced (the default of
/// [`ServerConfig::history_backlog`]). The waiting changes are held in memory, so this bounds
/// that memory when changes come faster than the database takes them. (While its commits fail,
/// nothing waits: trading goes on.) In the retention bench's run of 1,000,000 fills the backlog
/// sat at this bound and RSS stayed near 41 MiB; counted in records (10,000, half of them fills
/// of about five rows each) the bound let it reach 63 MiB (BENCHMARKS.md, retention, fourth
/// session).
pub const HISTORY_BACKLOG: u64 = 10_000;

/// Where each sealed generation of the engine's duplicate-check memory ends.
#[derive(Debug, Default)]
struct SeenGenerations {
    /// Records since the last seal.
    since_seal: u64,
    /// The last record of each sealed generation not yet forgotten, oldest first.
    sealed: std::collections::VecDeque<u64>,
}

impl SeenGenerations {
    /// After record `seq` is applied: seals a generation every `every` records, and forgets the
    /// sealed generations whose records the history database holds (`stored` says through
    /// which record; asked only when a generation waits). Whether one was forgotten.
    fn after_record(
        &mut self,
        exchange: &mut Exchange,
        seq: u64,
        every: u64,
        stored: impl FnOnce() -> u64,
    ) -> bool {
        self.since_seal += 1;
        if self.since_seal >= every.max(1) {
            self.since_seal = 0;
            exchange.engine.seal_seen();
            self.sealed.push_back(seq);
        }
        let Some(&oldest) = self.sealed.front() else {
            return false;
        };
        let stored = stored();
        if oldest > stored {
            return false;
        }
        while self.sealed.front().is_some_and(|&end| end <= stored) {
            self.sealed.pop_front();
            exchange.engine.forget_oldest_seen();
        }
        true
    }
}

/// The shared state of the server.
///
/// **Nothing non-durable is ever seen.** A change is applied in memory when it is sequenced,
/// before its record is on disk (group commit needs that), so every answer that reveals state
/// waits for it: [`AppState::read`] notes the last record applied when it reads, and answers
/// only once the journal's durable point has passed it; a change's own answer waits for its
/// record. If the journal cannot be written, the durable point never passes again: every read
/// and write is refused with 503 ([`EXCHANGE_STOPPED`]), health says so, and the server exits
/// non-zero, so the state replayed from the durable journal at restart is the only one anyone
/// ever saw.
pub struct AppState {
    sequencer: Mutex<Sequencer>,
    /// Ended orders, trades and notifications (declared after the sequencer: the journal is
    /// dropped, and its last durable point reported, first).
    history: Arc<History>,
    /// The WebSocket channels' hub (fed each record's facts, in order).
    streams: crate::stream::Streams,
    /// Faults armed on demand (none unless an operator asks).
    pub faults: crate::faults::FaultBoard,
    /// Programs beside the exchange that the dashboard shows (the simulator).
    pub companions: crate::companion::Companions,
    /// The journal's durable point (waited on without the sequencer lock).
    durable: tokio::sync::watch::Receiver<Durability>,
    /// Why the last snapshot failed, while snapshots fail (the journal is unaffected).
    snapshot_failure: Arc<Mutex<Option<String>>>,
    /// Why the journal last had no room on disk, while it has none (changes are refused before
    /// they are applied; reads go on).
    room_failure: Mutex<Option<String>>,
    /// Whether `room_failure` is set (read on every append without the mutex).
    room_short: std::sync::atomic::AtomicBool,
    /// The periodic snapshot being written off the sequencer, if one is.
    snapshot_writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// The configuration.
    pub config: ServerConfig,
    heartbeats: Mutex<HashMap<String, (String, Instant)>>,
    /// HMACs of the heartbeats of the last two timestamp windows (replays are refused).
    heartbeat_hmacs: Mutex<HashMap<String, Instant>>,
    /// L1/L2 request authentication (no sequencer lock).
    pub(crate) auth: Authenticator,
    /// Order signature verification, domains hashed once.
    pub(crate) verifiers: Verifiers,
    /// How many generations of the duplicate check's memory were forgotten (changed under the
    /// sequencer lock; read before a database lookup to tell whether one was forgotten during
    /// it).
    forgotten: AtomicU64,
    /// Until the history holds this record, an id may be neither remembered nor found: a
    /// snapshot written before the history database carried its ended orders' ids as
    /// fingerprints, which are not read (0: no such snapshot).
    history_floor: u64,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Unix seconds now (the one clock of the workspace, `clobkit_core::clock`).
pub use clobkit_core::clock::unix_secs as unix_now;

impl AppState {
    /// Opens the data folder: loads the newest snapshot, replays the journal after it.
    pub fn open(config: ServerConfig) -> Result<(Arc<AppState>, Startup), StartError> {
        writable(&config.data_dir)?;
        writable(config.history_folder())?;
        let file = config.history_folder().join(crate::history::FILE);
        let created = !file.exists();
        let (history, held) =
            History::open(config.history_folder(), config.history_faults.clone())?;
        let history = Arc::new(history);
        let (streams, inbox) = crate::stream::Streams::new(config.stream_limits);
        let (history_hook, streams_hook) = (history.durable_hook(), streams.durable_hook());
        let jc = JournalConfig {
            dir: config.data_dir.clone(),
            fsync: config.fsync,
            faults: config.faults.clone(),
            on_durable: Some(DurableHook(Arc::new(move |seq| {
                history_hook(seq);
                streams_hook(seq);
            }))),
        };
        let started = std::time::Instant::now();
        let mut recovering = Journal::<Record>::recover::<ExchangeSnapshot>(&jc)?;
        let read = started.elapsed();
        let snapshot = recovering.snapshot.as_ref().map(|(s, _)| *s);
        let snap_seq = snapshot.unwrap_or(0);
        let last = recovering.next_seq() - 1;
        if held > last {
            return Err(StartError::HistoryAhead {
                file,
                history: held,
                journal: last,
            });
        }
        let mut legacy = false;
        let mut exchange = match recovering.snapshot.take() {
            Some((_, s)) => {
                legacy = !s.history_apart;
                Exchange::restore(s).map_err(|e| StartError::Snapshot(e.to_string()))?
            }
            None => Exchange::new(config.operator),
        }
        .starting_with(config.protocol);
        // a snapshot from before the history database carries its history: write it there
        // unless the database has it already
        let carried = exchange.take_changes();
        if held < snap_seq {
            if !legacy {
                // a database this start created is empty: leave nothing behind (a history
                // moved into the folder next must not meet it)
                if created {
                    drop(history);
                    crate::history::remove_files(config.history_folder());
                }
                let beside = config.data_dir.join(crate::history::FILE);
                return Err(StartError::HistoryBehind {
                    elsewhere: (beside != file && beside.is_file()).then_some(beside),
                    file,
                    history: held,
                    snapshot: snap_seq,
                });
            }
            history.send(snap_seq, carried);
        }
        exchange.set_streaming(false);
        let mut last_now = exchange.engine.now();
        // records the history holds already need no remembering while they replay
        let mut seen = SeenGenerations::default();
        for record in recovering.records() {
            let (seq, r) = record?;
            if let Record::Engine(s) = &r {
                last_now = last_now.max(s.now);
            }
            exchange.set_noting_history(seq > held);
            // A record that the engine refuses (CommandError) refused the same way when it was
            // first applied, and changed nothing: only a decode failure is fatal.
            if let Err(crate::exchange::ExchangeError::BadCredentials(e)) = exchange.apply(r) {
                return Err(StartError::Replay { seq, error: e });
            }
            let changes = exchange.take_changes();
            if seq > held {
                history.send(seq, changes);
            }
            seen.after_record(&mut exchange, seq, config.seen_generation, || held);
        }
        let (journal, recovered) = recovering.finish()?;
        let replayed = recovered.replayed;
        let apply = started.elapsed().saturating_sub(read);
        // every replayed record is on disk; the streams start from the state after recovery
        history.durable(last);
        exchange.set_streaming(true);
        exchange.set_noting_history(true);
        streams
            .start(inbox, exchange.stream_seed(last), Arc::downgrade(&history))
            .map_err(StartError::Streams)?;
        let auth = Authenticator::new(
            KeyRegistry::of(&exchange),
            config.chain.id(),
            config.timestamp_window,
        );
        let durable = journal.durability();
        let state = AppState {
            history,
            streams,
            faults: crate::faults::FaultBoard::default(),
            companions: crate::companion::Companions::default(),
            durable,
            snapshot_failure: Arc::new(Mutex::new(None)),
            room_failure: Mutex::new(None),
            room_short: std::sync::atomic::AtomicBool::new(false),
            snapshot_writer: Mutex::new(None),
            sequencer: Mutex::new(Sequencer {
                exchange,
                journal,
                since_snapshot: replayed,
                last_now,
                seen,
            }),
            auth,
            verifiers: Verifiers::new(config.chain),
            config,
            heartbeats: Mutex::new(HashMap::new()),
            heartbeat_hmacs: Mutex::new(HashMap::new()),
            forgotten: AtomicU64::new(0),
            history_floor: if legacy { snap_seq } else { 0 },
        };
        Ok((
            Arc::new(state),
            Startup {
                snapshot,
                replayed,
                torn_tail: recovered.torn_tail,
                read,
                apply,
            },
        ))
    }

    fn lock(&self) -> MutexGuard<'_, Sequencer> {
        // A panic while holding the lock cannot leave the state half-applied in a way later code
        // relies on; keep serving with the inner value.
        self.sequencer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads the state, and returns what `f` made of it once everything it could show is
    /// durable (see the type's docs): 503 if the journal failed.
    pub async fn read<R>(&self, f: impl FnOnce(&Exchange) -> R) -> Result<R, ApiError> {
        let (r, applied) = {
            let core = self.lock();
            (f(&core.exchange), core.journal.next_seq() - 1)
        };
        self.durable_through(applied).await?;
        Ok(r)
    }

    /// Reads the history (ended orders, trades, notifications) once it holds every record
    /// applied when the read began, on a connection of its own (no sequencer lock): 503 while
    /// the journal or the history database cannot be written.
    pub async fn history<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Reader<'_>) -> Result<R, HistoryError> + Send + 'static,
    ) -> Result<R, ApiError> {
        let applied = self.lock().journal.next_seq() - 1;
        self.durable_through(applied).await?;
        self.history.caught_up(applied).await.map_err(unavailable)?;
        self.history.query(f).await.map_err(unavailable)
    }

    /// The WebSocket channels.
    pub fn streams(&self) -> &crate::stream::Streams {
        &self.streams
    }

    /// How far the history database is (tests and benches).
    pub fn history_point(&self) -> crate::history::Point {
        self.history.point()
    }

    /// History changes held in memory until the database commits them.
    pub fn history_backlog(&self) -> u64 {
        self.history.backlog()
    }

    /// Reads the state for a check that reveals nothing but whether it passed (order intake
    /// reads a market's rules this way; the order's own answer waits for its record).
    pub fn peek<R>(&self, f: impl FnOnce(&Exchange) -> R) -> R {
        f(&self.lock().exchange)
    }

    /// Waits until every record up to `seq` is durable; fails if the journal failed first.
    async fn durable_through(&self, seq: u64) -> Result<(), ApiError> {
        let mut rx = self.durable.clone();
        let stopped = || ApiError::unavailable(EXCHANGE_STOPPED);
        let d = rx
            .wait_for(|d| d.seq >= seq || d.failure.is_some())
            .await
            .map_err(|_| stopped())?;
        if d.seq >= seq { Ok(()) } else { Err(stopped()) }
    }

    /// Whether the exchange is healthy: `Err` names the journal failure (the exchange stopped)
    /// or, while snapshots fail, the snapshot error (the journal still works).
    pub fn health(&self) -> Result<(), Health> {
        if let Some(e) = self.durable.borrow().failure.clone() {
            return Err(Health::Stopped(e));
        }
        if let Some(e) = self
            .room_failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        {
            return Err(Health::NoRoom(e));
        }
        if let Some(e) = self.history.point().failure {
            return Err(Health::HistoryFailing(e));
        }
        match self
            .snapshot_failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        {
            Some(e) => Err(Health::SnapshotsFailing(e)),
            None => Ok(()),
        }
    }

    /// Resolves once the journal has failed (the server then stops).
    pub async fn journal_failed(&self) -> String {
        let mut rx = self.durable.clone();
        match rx.wait_for(|d| d.failure.is_some()).await {
            Ok(d) => d.failure.clone().unwrap_or_default(),
            Err(_) => "the journal writer stopped".into(),
        }
    }

    /// Sequences a change: builds the record at the sequencer's clock, appends it to the journal,
    /// applies it, and returns its events once it is durable.
    pub async fn submit(
        &self,
        make: impl FnOnce(u64) -> Record,
    ) -> Result<Result<Vec<Event>, crate::exchange::ExchangeError>, ApiError> {
        self.sequence(make, Exchange::apply).await
    }

    /// Sequences one order and returns what became of it, gathered while its events were
    /// absorbed (the events are walked once). An order the engine would refuse is answered
    /// without journaling anything (faults.md F11: a refused order changes nothing, so there is
    /// nothing to persist), once the state its refusal reflects is durable.
    ///
    /// **Duplicates.** The engine remembers recent ids only ([`SEAL_EVERY`] records a
    /// generation); an order that
    /// ended before that is in the history database, looked up here off the lock. If a
    /// generation was forgotten while the lookup ran, its orders may have reached the database
    /// after the lookup read it, so the lookup is made again under the lock (rare: once per
    /// generation at most).
    pub async fn place(
        &self,
        spec: OrderSpec,
    ) -> Result<Result<PlaceOutcome, crate::exchange::ExchangeError>, ApiError> {
        let id = spec.terms.id;
        let refused = |reason| {
            Ok(Ok(PlaceOutcome {
                rejected: Some(reason),
                ..PlaceOutcome::default()
            }))
        };
        if self.history_floor > 0 {
            self.history
                .caught_up(self.history_floor)
                .await
                .map_err(unavailable)?;
        }
        self.admit().await;
        let epoch = self.forgotten.load(Ordering::Acquire);
        if self.ended_order_stored(&id)? {
            // committed to the database, so durable
            return refused(Reject::Duplicated);
        }
        let step = {
            let mut core = self.lock();
            let now = core.last_now.max(unix_now());
            let mut reason = core.exchange.engine.refusal(&spec, now);
            if reason.is_none()
                && self.forgotten.load(Ordering::Relaxed) != epoch
                && self.ended_order_stored(&id)?
            {
                reason = Some(Reject::Duplicated);
            }
            match reason {
                Some(reason) => Err((reason, core.journal.next_seq() - 1)),
                None => {
                    let command = Command::Place(Box::new(spec));
                    Ok(self.append_apply(
                        &mut core,
                        |now| Record::Engine(Stamped { now, command }),
                        Exchange::apply_place,
                    )?)
                }
            }
        };
        match step {
            Err((reason, applied)) => {
                self.durable_through(applied).await?;
                refused(reason)
            }
            Ok((ticket, result)) => {
                ticket
                    .durable()
                    .await
                    .map_err(|e| ApiError::unavailable(EXCHANGE_STOPPED).because(e))?;
                Ok(result)
            }
        }
    }

    /// Waits, before a change is sequenced, while more than
    /// [`ServerConfig::history_backlog`] history changes wait for the database.
    async fn admit(&self) {
        self.history.within(self.config.history_backlog).await;
    }

    /// Whether an order with this id ended and is in the history database.
    fn ended_order_stored(&self, id: &clobkit_core::types::OrderId) -> Result<bool, ApiError> {
        self.history
            .query_here(|r| r.has_order(id))
            .map_err(unavailable)
    }

    /// Builds the record at the sequencer's clock, appends it to the journal, applies it with
    /// `apply`, and returns `apply`'s result once the record is durable.
    async fn sequence<R>(
        &self,
        make: impl FnOnce(u64) -> Record,
        apply: impl FnOnce(&mut Exchange, Record) -> R,
    ) -> Result<R, ApiError> {
        self.admit().await;
        let (ticket, result) = self.append_apply(&mut self.lock(), make, apply)?;
        ticket
            .durable()
            .await
            .map_err(|e| ApiError::unavailable(EXCHANGE_STOPPED).because(e))?;
        Ok(result)
    }

    /// Under the sequencer lock: builds the record at the sequencer's clock, appends it to the
    /// journal, applies it with `apply`, hands its history changes over, and does the
    /// bookkeeping that follows records (key registry, duplicate-check generations, periodic
    /// snapshots). The caller waits for the ticket before answering.
    fn append_apply<R>(
        &self,
        core: &mut Sequencer,
        make: impl FnOnce(u64) -> Record,
        apply: impl FnOnce(&mut Exchange, Record) -> R,
    ) -> Result<(crate::journal::Ticket, R), ApiError> {
        let now = core.last_now.max(unix_now());
        core.last_now = now;
        let record = make(now);
        let ticket = match core.journal.append(&record) {
            Ok(t) => t,
            Err(e @ JournalError::NoRoom { .. }) => {
                tracing::warn!(error = %e, "change refused: no room on disk for its journal record");
                *self.room_failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
                self.room_short.store(true, Ordering::Release);
                return Err(ApiError::unavailable(JOURNAL_NO_ROOM).because(e));
            }
            Err(e) => return Err(ApiError::unavailable(EXCHANGE_STOPPED).because(e)),
        };
        if self.room_short.swap(false, Ordering::AcqRel) {
            tracing::info!("the journal has room on disk again: writes resumed");
            *self.room_failure.lock().unwrap_or_else(|p| p.into_inner()) = None;
        }
        let changed_key = match &record {
            Record::CreateApiKey { creds, .. } => Some(creds.api_key.as_str().to_owned()),
            Record::DeleteApiKey { key, .. } => Some(key.clone()),
            _ => None,
        };
        let result = apply(&mut core.exchange, record);
        self.history
            .send(ticket.seq(), core.exchange.take_changes());
        let items = core.exchange.take_feed();
        if !items.is_empty() {
            self.streams.record(crate::stream::feed::Batch {
                seq: ticket.seq(),
                now,
                items,
            });
        }
        if let Some(key) = changed_key {
            self.auth.keys.refresh(&key, &core.exchange);
        }
        self.turn_seen_generations(core, ticket.seq());
        core.since_snapshot += 1;
        if core.since_snapshot >= self.config.snapshot_every && !self.snapshot_running() {
            core.since_snapshot = 0;
            // under the lock only the rotation and a copy of the state; the file is
            // serialized, written and fsynced on its own thread
            match core.journal.begin_snapshot() {
                Ok(pending) => self.write_snapshot_off_lock(pending, core.exchange.snapshot()),
                Err(e) => note_snapshot(&self.snapshot_failure, &Err(e)),
            }
        }
        Ok((ticket, result))
    }

    /// After record `seq`: turns the duplicate check's generations over (see
    /// [`SeenGenerations::after_record`]) against what the history database holds now.
    fn turn_seen_generations(&self, core: &mut Sequencer, seq: u64) {
        let every = self.config.seen_generation;
        let history = &self.history;
        if core
            .seen
            .after_record(&mut core.exchange, seq, every, || history.applied())
        {
            self.forgotten.fetch_add(1, Ordering::Release);
        }
    }

    /// Sequences an engine command.
    pub async fn engine(
        &self,
        command: Command,
    ) -> Result<Result<Vec<Event>, crate::exchange::ExchangeError>, ApiError> {
        self.submit(|now| Record::Engine(Stamped { now, command }))
            .await
    }

    /// Records the journal has made durable, and the `fdatasync` calls it took (group commit:
    /// the ratio is the average batch).
    pub fn journal_counts(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        let core = self.lock();
        let stats = core.journal.stats();
        (stats.records.load(Relaxed), stats.syncs.load(Relaxed))
    }

    /// The journal's slowest flush so far (write and fdatasync of one batch).
    pub fn slowest_journal_flush(&self) -> std::time::Duration {
        let core = self.lock();
        let micros = core
            .journal
            .stats()
            .slowest_flush_micros
            .load(Ordering::Relaxed);
        std::time::Duration::from_micros(micros)
    }

    /// How many of the journal's flushes took longer than [`crate::journal::SLOW_FLUSH`].
    pub fn slow_journal_flushes(&self) -> u64 {
        let core = self.lock();
        core.journal.stats().slow_flushes.load(Ordering::Relaxed)
    }

    /// Writes a snapshot now (used at shutdown), after any periodic one still being written.
    pub fn snapshot_now(&self) -> Result<u64, JournalError> {
        self.wait_for_snapshot_writer();
        let mut core = self.lock();
        let snap = core.exchange.snapshot();
        let history = self.history.clone();
        let written = core
            .journal
            .begin_snapshot()
            .and_then(|pending| write_snapshot(&history, pending, &snap));
        note_snapshot(&self.snapshot_failure, &written);
        core.since_snapshot = 0;
        written
    }

    /// Whether a periodic snapshot is still being written.
    fn snapshot_running(&self) -> bool {
        self.snapshot_writer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|h| !h.is_finished())
    }

    /// Serializes, writes and fsyncs `state` on a thread of its own, so that no request waits
    /// for it (faults.md F4); the outcome goes to the health report.
    fn write_snapshot_off_lock(&self, pending: PendingSnapshot, state: ExchangeSnapshot) {
        let failure = self.snapshot_failure.clone();
        let history = self.history.clone();
        let spawned = std::thread::Builder::new()
            .name("clobkit-snapshot".into())
            .spawn(move || note_snapshot(&failure, &write_snapshot(&history, pending, &state)));
        match spawned {
            Ok(h) => {
                *self
                    .snapshot_writer
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()) = Some(h)
            }
            Err(e) => note_snapshot(
                &self.snapshot_failure,
                &Err(JournalError::Io {
                    path: self.config.data_dir.clone(),
                    source: e,
                }),
            ),
        }
    }

    /// Waits until no periodic snapshot is being written.
    fn wait_for_snapshot_writer(&self) {
        let handle = self
            .snapshot_writer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(h) = handle {
            let _ = h.join();
        }
    }

    /// Records a heartbeat of `caller`: `None` starts a chain; otherwise the id must be the last
    /// one returned. Returns the next id. A request replayed within the timestamp window (the
    /// same HMAC again) is refused: a captured heartbeat cannot keep a dead client's dead-man
    /// switch alive (faults.md F10).
    pub fn heartbeat(
        &self,
        caller: &crate::auth::Caller,
        id: Option<&str>,
    ) -> Result<String, HeartbeatRefused> {
        let key = caller.key.as_str();
        {
            let mut seen = self
                .heartbeat_hmacs
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            let window =
                std::time::Duration::from_secs(self.config.timestamp_window.saturating_mul(2));
            seen.retain(|_, at| at.elapsed() <= window);
            if seen
                .insert(caller.signature.clone(), Instant::now())
                .is_some()
            {
                return Err(HeartbeatRefused::Replayed);
            }
        }
        let mut hb = self.heartbeats.lock().unwrap_or_else(|p| p.into_inner());
        match (hb.get(key), id) {
            (_, None) => {}
            (Some((last, _)), Some(given)) if last == given => {}
            (_, Some(given)) => return Err(HeartbeatRefused::NotTheLast(given.to_owned())),
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

    /// Expires what is due: when a GTD order's time has come and no command came to expire it,
    /// sequences a [`Command::Tick`] (journaled like any change, so replay expires it too).
    pub async fn expire_due(&self) {
        let due = self
            .peek(|ex| ex.engine.next_expiry())
            .is_some_and(|at| at <= unix_now());
        if due {
            let _ = self.engine(Command::Tick).await;
        }
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

/// What is wrong with an unhealthy exchange.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Health {
    /// The journal failed: the exchange refuses everything and stops.
    #[error("{EXCHANGE_STOPPED} ({0})")]
    Stopped(String),
    /// Snapshots fail (the journal keeps every record; the next snapshot tries again).
    #[error("snapshots are failing, the journal keeps every record: {0}")]
    SnapshotsFailing(String),
    /// History commits fail (trading goes on; history reads are refused until one works).
    #[error("history reads are refused, trading goes on: {0}")]
    HistoryFailing(String),
    /// The journal has no room on disk: changes are refused (nothing applied), reads go on, and
    /// writes resume by themselves once space is freed.
    #[error("changes are refused until the disk has room, reads go on: {0}")]
    NoRoom(String),
}

/// Why a heartbeat was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeartbeatRefused {
    /// The id is not the last one this key was given (the id sent).
    NotTheLast(String),
    /// The very same request was seen already (a replay).
    Replayed,
}

impl Drop for AppState {
    /// A periodic snapshot still being written is finished before the state goes.
    fn drop(&mut self) {
        self.wait_for_snapshot_writer();
    }
}

/// Creates the data folder if needed and proves it takes a new file, so that a folder the
/// exchange could read but never write is refused with the operating system's reason instead of
/// a later, vaguer error from the journal or SQLite.
fn writable(dir: &std::path::Path) -> Result<(), StartError> {
    let folder = |source| StartError::Folder {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(folder)?;
    let probe = dir.join(".clobkit-write-probe");
    std::fs::File::create(&probe).map_err(folder)?;
    std::fs::remove_file(&probe).map_err(folder)
}

/// The answer to a history that cannot be read: 503 while commits fail or the writer is gone,
/// 500 if what is stored does not read.
fn unavailable(e: HistoryError) -> ApiError {
    match e {
        HistoryError::Failing(_) | HistoryError::Stopped => {
            ApiError::unavailable(HISTORY_UNAVAILABLE).because(e)
        }
        other => ApiError::internal(HISTORY_UNREADABLE).because(other),
    }
}

/// Writes a snapshot once the history database holds, fsynced, every record up to it: the
/// journal segments before the older snapshot are pruned after it, and the history must not need
/// them.
fn write_snapshot(
    history: &History,
    pending: PendingSnapshot,
    state: &ExchangeSnapshot,
) -> Result<u64, JournalError> {
    history
        .checkpoint(pending.seq())
        .map_err(|e| JournalError::SnapshotBlocked(e.to_string()))?;
    pending.write(state)
}

/// Logs a snapshot's outcome and keeps a failure in `failure` for [`AppState::health`] until one
/// works.
fn note_snapshot(failure: &Mutex<Option<String>>, written: &Result<u64, JournalError>) {
    let mut failure = failure.lock().unwrap_or_else(|p| p.into_inner());
    match written {
        Ok(seq) => {
            tracing::info!(seq, "snapshot written");
            *failure = None;
        }
        Err(e) => {
            tracing::error!(error = %e, "snapshot failed; the journal keeps every record and the next snapshot tries again");
            *failure = Some(e.to_string());
        }
    }
}
