//! The exchange's history in an embedded SQLite database (`history.sqlite` in the data folder):
//! orders that ended, trades, and notifications, kept out of memory so that memory and snapshots
//! hold only what trading needs now (books, balances, reservations, open orders).
//!
//! * **A projection of the journal.** Applying a record makes the exchange emit the history
//!   [`Change`]s it implies; the sequencer hands them over in journal order, one list per record.
//!   The writer thread commits them, many records per transaction, and stores the last record it
//!   holds (`progress.applied_seq`) in the same transaction. At start-up the journal's records
//!   after that point are replayed into it, so a crash between the journal and the database
//!   loses nothing.
//! * **Never ahead of the journal.** A change is committed only once the journal says its record
//!   is durable (the journal's writer reports every durable point to this one), so the database
//!   never shows a change that a crash could take back.
//! * **Readers wait for it.** A history read first notes the last record applied in memory, then
//!   waits until the database has committed through it ([`History::caught_up`]), and reads on a
//!   connection of its own, off the sequencer and off the async runtime. A client that was told
//!   of a change finds it in every later read.
//! * **Faults.** A failed commit (a full disk, say) is rolled back and retried every 250 ms with
//!   the changes kept; meanwhile history reads that need them are refused with 503 naming the
//!   error, trading goes on, and the first commit that succeeds clears it.
//! * **Bounded.** The changes waiting for a commit live in memory, so new changes wait before
//!   they are sequenced while more than [`crate::app::HISTORY_BACKLOG`] changes wait
//!   ([`History::within`]); while commits fail nothing waits (trading goes on). The bound counts
//!   changes (rows), not records: a record that fills an order brings about five rows, a
//!   cancel one or two, and memory follows the rows.
//! * **Snapshots** wait until the database holds everything up to them and is checkpointed
//!   (fsynced), because journal segments before the older snapshot are pruned.
//! * **Readable by anyone:** open the file with any SQLite tool (the tables are in [`schema`]).

pub mod reader;
pub mod rows;
pub mod schema;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

use rusqlite::Connection;

pub use reader::{Keyset, Reader, SideOf, TradeQuery};
pub use rows::{Change, NotificationRow, OrderRow, TradeRow};

/// Read connections kept open between queries (more run at once if asked; they are closed after).
const POOL: usize = 4;

/// The file name of the database in the data folder.
pub const FILE: &str = "history.sqlite";

/// Removes the database in `dir` with SQLite's files beside it (write-ahead log, shared
/// memory), as far as they exist: for a database that was just created and must not stay (its
/// writer already stopped).
pub fn remove_files(dir: &Path) {
    for side in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("{FILE}{side}")));
    }
}

/// Why the history cannot be opened, written or read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// SQLite refused.
    #[error("history database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored row does not decode.
    #[error("history database row unreadable: {0}")]
    Corrupt(String),
    /// Commits fail (the message says why); the changes are kept and retried.
    #[error("{0}")]
    Failing(String),
    /// The writer thread is gone.
    #[error("the history writer stopped")]
    Stopped,
    /// The database could not be opened.
    #[error("cannot open the history database {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
}

/// How far the database is, as its writer publishes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Point {
    /// Every change of every record up to this one is committed.
    pub applied: u64,
    /// Changes committed since the database was opened.
    pub committed: u64,
    /// Set while commits fail.
    pub failure: Option<String>,
}

/// Injected commit failures, for fault drills and tests.
#[derive(Debug, Default)]
pub struct HistoryFaults {
    remaining: AtomicU32,
    /// Milliseconds every commit takes longer (a slow disk).
    delay_ms: AtomicU32,
}

impl HistoryFaults {
    /// Makes the next `times` commits fail as a full disk does.
    pub fn arm(&self, times: u32) {
        self.remaining.store(times, Ordering::SeqCst);
    }

    /// Makes every commit take `ms` milliseconds longer, as a slow disk does (0: off).
    pub fn slow(&self, ms: u32) {
        self.delay_ms.store(ms, Ordering::SeqCst);
    }

    fn take(&self) -> Option<rusqlite::Error> {
        let delay = self.delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            std::thread::sleep(std::time::Duration::from_millis(u64::from(delay)));
        }
        self.remaining
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .ok()
            .map(|_| {
                rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
                    Some("database or disk is full (injected)".into()),
                )
            })
    }
}

/// The history: its writer thread and a pool of read connections.
pub struct History {
    tx: mpsc::Sender<writer::Msg>,
    /// Wakes the writer from its linger when someone waits for a commit.
    hurry: writer::Hurry,
    point: tokio::sync::watch::Receiver<Point>,
    /// Changes handed to the writer since the database was opened.
    handed: AtomicU64,
    readers: Arc<Mutex<Vec<Connection>>>,
    path: PathBuf,
    worker: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History")
            .field("path", &self.path)
            .field("point", &*self.point.borrow())
            .finish_non_exhaustive()
    }
}

impl History {
    /// Opens (creating if needed) the database in `dir` and starts its writer. Returns the last
    /// record the database holds: the caller replays the journal's later records into it.
    pub fn open(
        dir: &Path,
        faults: Option<Arc<HistoryFaults>>,
    ) -> Result<(History, u64), HistoryError> {
        let path = dir.join(FILE);
        let opened = |source| HistoryError::Open {
            path: path.clone(),
            source,
        };
        let conn = schema::open_writer(&path).map_err(opened)?;
        let applied = schema::applied_seq(&conn).map_err(opened)?;
        let (publish, point) = tokio::sync::watch::channel(Point {
            applied,
            committed: 0,
            failure: None,
        });
        let (tx, rx) = mpsc::channel();
        let hurry = writer::Hurry::default();
        let w = writer::Writer {
            hurry: hurry.clone(),
            conn,
            publish,
            applied,
            received: applied,
            durable: applied,
            pending: Default::default(),
            checkpoints: Vec::new(),
            faults,
            since_wal_check: 0,
        };
        let worker = std::thread::Builder::new()
            .name("clobkit-history".into())
            .spawn(move || w.run(rx))
            .map_err(|e| HistoryError::Corrupt(format!("cannot start the history writer: {e}")))?;
        Ok((
            History {
                tx,
                point,
                handed: AtomicU64::new(0),
                readers: Arc::new(Mutex::new(Vec::new())),
                path,
                hurry: hurry.with_writer(worker.thread().clone()),
                worker: Some(worker),
            },
            applied,
        ))
    }

    /// Hands over the changes of record `seq`. Every record must be handed over, in order, with
    /// or without changes: the database is caught up to a record only once it has all before it.
    pub fn send(&self, seq: u64, changes: Vec<Change>) {
        self.handed
            .fetch_add(changes.len() as u64, Ordering::Relaxed);
        let _ = self.tx.send(writer::Msg::Changes { seq, changes });
    }

    /// Tells the writer that the journal is durable through `seq`.
    pub fn durable(&self, seq: u64) {
        let _ = self.tx.send(writer::Msg::Durable(seq));
    }

    /// What the journal calls after every flush (see [`History::durable`]).
    pub fn durable_hook(&self) -> impl Fn(u64) + Send + Sync + 'static {
        let tx = self.tx.clone();
        move |seq| {
            let _ = tx.send(writer::Msg::Durable(seq));
        }
    }

    /// The last record whose changes are committed (without copying a failure message: asked
    /// after every record by the sequencer).
    pub fn applied(&self) -> u64 {
        self.point.borrow().applied
    }

    /// How far the database is.
    pub fn point(&self) -> Point {
        self.point.borrow().clone()
    }

    /// Waits until every change up to record `seq` is committed; fails while commits fail.
    pub async fn caught_up(&self, seq: u64) -> Result<(), HistoryError> {
        if self.point.borrow().applied < seq {
            self.hurry.now();
        }
        let mut rx = self.point.clone();
        let p = rx
            .wait_for(|p| p.applied >= seq || p.failure.is_some())
            .await
            .map_err(|_| HistoryError::Stopped)?;
        if p.applied >= seq {
            return Ok(());
        }
        Err(HistoryError::Failing(p.failure.clone().unwrap_or_default()))
    }

    /// Changes handed over and not yet committed (held in memory).
    pub fn backlog(&self) -> u64 {
        let committed = self.point.borrow().committed;
        self.handed
            .load(Ordering::Relaxed)
            .saturating_sub(committed)
    }

    /// Waits while more than `max` changes handed over are not committed yet, unless commits
    /// are failing (then trading goes on and the changes wait in memory, see the module docs).
    /// This is how the writer's queue stays bounded when changes come faster than the database
    /// takes them.
    pub async fn within(&self, max: u64) {
        let floor = self.handed.load(Ordering::Relaxed).saturating_sub(max);
        if self.point.borrow().committed >= floor {
            return;
        }
        self.hurry.now();
        let mut rx = self.point.clone();
        let _ = rx
            .wait_for(|p| p.committed >= floor || p.failure.is_some())
            .await;
    }

    /// Blocks until every change up to record `through` is committed and fsynced into the
    /// database file.
    pub fn checkpoint(&self, through: u64) -> Result<(), HistoryError> {
        let (ack, rx) = mpsc::channel();
        self.tx
            .send(writer::Msg::Checkpoint { through, ack })
            .map_err(|_| HistoryError::Stopped)?;
        self.hurry.now();
        match rx.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(HistoryError::Failing(e)),
            Err(_) => Err(HistoryError::Stopped),
        }
    }

    /// Runs a query on a read connection of its own, on a blocking thread.
    pub async fn query<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Reader<'_>) -> Result<R, HistoryError> + Send + 'static,
    ) -> Result<R, HistoryError> {
        let readers = self.readers.clone();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || with_reader(&readers, &path, f))
            .await
            .map_err(|_| HistoryError::Stopped)?
    }

    /// Runs a short query on the calling thread, over what is committed now (no waiting for the
    /// writer): for the indexed point lookups of the order path, which take less time than a
    /// hand-off to a blocking thread would.
    pub fn query_here<R>(
        &self,
        f: impl FnOnce(&Reader<'_>) -> Result<R, HistoryError>,
    ) -> Result<R, HistoryError> {
        with_reader(&self.readers, &self.path, f)
    }
}

/// Runs `f` on a pooled read connection (a new one if none is free; at most [`POOL`] are kept).
fn with_reader<R>(
    readers: &Mutex<Vec<Connection>>,
    path: &Path,
    f: impl FnOnce(&Reader<'_>) -> Result<R, HistoryError>,
) -> Result<R, HistoryError> {
    let pooled = readers.lock().ok().and_then(|mut v| v.pop());
    let conn = match pooled {
        Some(c) => c,
        None => schema::open_reader(path)?,
    };
    let r = f(&Reader(&conn));
    if let Ok(mut v) = readers.lock()
        && v.len() < POOL
    {
        v.push(conn);
    }
    r
}

impl Drop for History {
    /// Commits what is durable, then joins the writer.
    fn drop(&mut self) {
        let _ = self.tx.send(writer::Msg::Stop);
        self.hurry.now();
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}
