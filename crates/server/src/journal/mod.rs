//! The append-only journal of sequenced commands, with snapshots and crash recovery.
//!
//! * **Records** are appended to segment files (`journal-<first seq>.log`) in the format of
//!   [`record`]; each carries its sequence number and a CRC-32 of it and its JSON payload.
//! * **Durability with group commit**: [`Journal::append`] hands the encoded record to one writer
//!   thread and returns a [`Ticket`]. The writer drains every pending record, writes them with one
//!   `write`, calls `fdatasync` once and then resolves all their tickets. Under load many records
//!   share one fsync, so throughput does not collapse to the disk's sync rate. A caller answers its
//!   client only after its ticket resolves.
//! * **The durable point** ([`Journal::durability`]): the writer publishes the highest sequence
//!   number on disk after every flush, so readers can wait for what they are about to reveal.
//! * **Faults** are of two kinds. A failed `write` or `fdatasync` of a batch poisons the writer
//!   for good: after a failed fsync the page cache may have dropped the data, so nothing written
//!   since can be trusted (PostgreSQL's rule); the failure is published and every later ticket
//!   fails. A failure before any byte of a record exists refuses only what needed it: no room
//!   on disk for a record ([`JournalError::NoRoom`], see `room`: space is reserved before the
//!   change is applied) refuses that change and the next one tries again; a failure to *create*
//!   the next segment or to write a snapshot fails the snapshot, the journal keeps appending to
//!   the current segment, and the next snapshot tries again.
//! * **Snapshots** ([`Journal::snapshot`]) rotate to a new segment, then write
//!   `snapshot-<seq>.json` atomically (temporary file, fsync, rename, fsync of the folder). The two
//!   newest snapshots are kept, with the segments needed to replay from the older one, so a damaged
//!   newest snapshot can be recovered from the previous one.
//! * **Recovery** ([`Journal::recover`], the checking in `recover`, the reading in `segment` and
//!   `replay`) loads the newest valid snapshot, checks every later record, then hands them out
//!   in order while the caller applies them, decoded on the other cores a block at a time, so a
//!   replay's memory does not grow with the journal ([`Journal::open`] collects them all). A
//!   torn tail (the last record of the last segment cut short or garbled by a crash mid-write)
//!   is truncated and reported in [`Recovered::torn_tail`]; damage anywhere else refuses to
//!   start, before any record is handed out, naming the file and offset, because silently
//!   dropping acknowledged records would lose money.

pub mod record;
mod recover;
mod replay;
mod room;
mod segment;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::marker::PhantomData;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

use record::MAGIC;
pub use replay::Records;
use room::Room;

/// Why the journal cannot be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// A file operation failed.
    #[error("journal I/O error on {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Damage before the end of the journal: refusing to start.
    #[error(
        "journal corrupt in {file} at byte {offset}: {what}. Records after this point were acknowledged to clients, so the server will not start by dropping them; restore the file from a backup or move it away to start from the last snapshot"
    )]
    Corrupt {
        /// The segment file.
        file: PathBuf,
        /// Byte offset of the bad record.
        offset: u64,
        /// What is wrong.
        what: String,
    },
    /// The records do not continue the snapshot (a segment is missing).
    #[error("journal gap: expected record {expected} but found {found} in {file}")]
    Gap {
        /// The sequence number expected next.
        expected: u64,
        /// The one found.
        found: u64,
        /// Where.
        file: PathBuf,
    },
    /// The writer thread failed earlier; nothing more can be made durable.
    #[error("journal writer failed: {0}")]
    Writer(String),
    /// The next segment could not be created at a snapshot (the journal goes on in the current
    /// one).
    #[error("could not start the next journal segment: {0}")]
    Rotate(String),
    /// The disk has no room for the record (checked before it is applied, so nothing changed;
    /// the next record tries again).
    #[error(
        "no room on disk for the journal ({path}: {source}); nothing was changed, and writes resume once space is freed"
    )]
    NoRoom {
        /// The segment.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A snapshot was not written because what must precede it failed.
    #[error("snapshot not written: {0}")]
    SnapshotBlocked(String),
    /// A value could not be serialized.
    #[error("journal encoding error: {0}")]
    Encode(String),
    /// Recovery's own threads failed (a thread could not run, or stopped before handing over
    /// every record): the journal on disk is as it was, and starting again replays it.
    #[error("journal replay failed: {0}")]
    Replay(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where and how to keep the journal.
#[derive(Debug, Clone)]
pub struct JournalConfig {
    /// The data folder.
    pub dir: PathBuf,
    /// Whether to fsync before acknowledging (turn off only for throwaway tests and demos).
    pub fsync: bool,
    /// Injected I/O failures (fault drills and tests only).
    pub faults: Option<Arc<Faults>>,
    /// Told the durable point after every flush (the history database follows it).
    pub on_durable: Option<DurableHook>,
}

/// A function the writer calls with the durable point after every flush, from its own thread.
#[derive(Clone)]
pub struct DurableHook(pub Arc<dyn Fn(u64) + Send + Sync>);

impl std::fmt::Debug for DurableHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DurableHook")
    }
}

/// A torn tail that recovery cut off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    /// The segment.
    pub file: PathBuf,
    /// Its new length.
    pub offset: u64,
    /// Bytes removed.
    pub dropped_bytes: u64,
}

/// What [`Journal::open`] found, every record decoded at once (tests, tools, short journals;
/// the exchange streams them with [`Journal::recover`]).
#[derive(Debug)]
pub struct Recovery<T, S> {
    /// The newest valid snapshot and the sequence number it includes.
    pub snapshot: Option<(u64, S)>,
    /// Records after the snapshot, in order.
    pub records: Vec<(u64, T)>,
    /// A torn tail that was truncated, if any.
    pub torn_tail: Option<TornTail>,
    /// The sequence number the next append gets.
    pub next_seq: u64,
}

/// A journal being recovered ([`Journal::recover`]): the snapshot to start from, then the
/// records after it, read and decoded while the caller applies them, so a replay of any length
/// holds only a few blocks of records at a time. Every record was checked before the first is
/// handed out; [`Recovering::finish`] opens the journal for appending.
#[derive(Debug)]
pub struct Recovering<T, S> {
    /// The newest valid snapshot and the sequence number it includes (take it before applying
    /// the records).
    pub snapshot: Option<(u64, S)>,
    records: Records<T>,
    scan: recover::Scan,
    config: JournalConfig,
    /// The segment appends go to, if there is one.
    last_segment: Option<PathBuf>,
    snap_seq: u64,
}

/// What recovering the journal found, once it is open for appending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// A torn tail that was truncated, if any.
    pub torn_tail: Option<TornTail>,
    /// Records replayed after the snapshot.
    pub replayed: u64,
    /// The sequence number the next append gets.
    pub next_seq: u64,
}

impl<T, S> Recovering<T, S> {
    /// The sequence number the next append will get: one past the last record found.
    pub fn next_seq(&self) -> u64 {
        self.scan.last_seq.unwrap_or(0).max(self.snap_seq) + 1
    }

    /// How many records follow the snapshot.
    pub fn pending(&self) -> u64 {
        self.scan.pending
    }

    /// The records after the snapshot, in order; an error ends them (and recovery).
    pub fn records(&mut self) -> &mut Records<T> {
        &mut self.records
    }
}

/// How far the journal is on disk, as the writer publishes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Durability {
    /// Every record up to this sequence number is durable (0: none yet).
    pub seq: u64,
    /// Set once a write or fsync failed: nothing after `seq` will ever be durable.
    pub failure: Option<String>,
}

/// Counters of the writer, for benchmarks and tests.
#[derive(Debug, Default)]
pub struct Stats {
    /// Records written.
    pub records: AtomicU64,
    /// fsync calls.
    pub syncs: AtomicU64,
    /// Bytes written.
    pub bytes: AtomicU64,
    /// The slowest flush so far (write and fdatasync of one batch), microseconds: what the disk
    /// alone made some records wait, against which request stalls are judged.
    pub slowest_flush_micros: AtomicU64,
    /// Flushes that took longer than [`SLOW_FLUSH`].
    pub slow_flushes: AtomicU64,
}

/// A flush slower than this is counted in [`Stats::slow_flushes`]: the longest wait the exchange
/// means to impose on a request (issue 10's stall bound), so each one is a stall the disk made.
pub const SLOW_FLUSH: std::time::Duration = std::time::Duration::from_millis(20);

/// Resolves when a record is durable.
#[derive(Debug)]
pub struct Ticket {
    seq: u64,
    rx: oneshot::Receiver<Result<(), String>>,
}

impl Ticket {
    /// The record's sequence number.
    pub fn seq(&self) -> u64 {
        self.seq
    }
    /// Waits (asynchronously) until the record is on disk.
    pub async fn durable(self) -> Result<u64, JournalError> {
        match self.rx.await {
            Ok(Ok(())) => Ok(self.seq),
            Ok(Err(e)) => Err(JournalError::Writer(e)),
            Err(_) => Err(JournalError::Writer("writer stopped".into())),
        }
    }
    /// Blocks until the record is on disk (outside an async runtime).
    pub fn wait(self) -> Result<u64, JournalError> {
        match self.rx.blocking_recv() {
            Ok(Ok(())) => Ok(self.seq),
            Ok(Err(e)) => Err(JournalError::Writer(e)),
            Err(_) => Err(JournalError::Writer("writer stopped".into())),
        }
    }
}

enum Msg {
    Append {
        seq: u64,
        bytes: Vec<u8>,
        ack: oneshot::Sender<Result<(), String>>,
    },
    /// Switch to the next segment (created by the appending side) after the records before.
    Rotate {
        file: Arc<File>,
        /// Where its first record goes (after the segment header).
        start: u64,
        ack: mpsc::Sender<Result<(), JournalError>>,
    },
}

/// The journal of records of type `T`.
pub struct Journal<T> {
    dir: PathBuf,
    next_seq: u64,
    /// The current segment and the space reserved in it.
    room: Room,
    faults: Option<Arc<Faults>>,
    tx: Option<mpsc::Sender<Msg>>,
    worker: Option<JoinHandle<()>>,
    stats: Arc<Stats>,
    durable: tokio::sync::watch::Receiver<Durability>,
    _records: PhantomData<fn(T)>,
}

impl<T> std::fmt::Debug for Journal<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("dir", &self.dir)
            .field("next_seq", &self.next_seq)
            .finish_non_exhaustive()
    }
}

/// The first word of a snapshot file's header line.
const SNAPSHOT_TAG: &str = "CKSNAP02";

/// A snapshot's checksum: SHA-256 over its sequence number (decimal, then a newline) and its
/// body, so a damaged header cannot replay records twice or skip them (faults.md F9).
fn snapshot_checksum(seq: u64, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(format!("{seq}\n").as_bytes());
    h.update(body);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn segment_name(first_seq: u64) -> String {
    format!("journal-{first_seq:020}.log")
}

fn snapshot_name(seq: u64) -> String {
    format!("snapshot-{seq:020}.json")
}

/// Files of one kind in the folder, `(number, path)` sorted by number.
fn list(dir: &Path, prefix: &str, suffix: &str) -> Result<Vec<(u64, PathBuf)>, JournalError> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(n) = name
            .strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(suffix))
            .and_then(|n| n.parse().ok())
        {
            out.push((n, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

fn sync_dir(dir: &Path) -> Result<(), JournalError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

fn new_segment(dir: &Path, first_seq: u64, fsync: bool) -> Result<File, JournalError> {
    let path = dir.join(segment_name(first_seq));
    let mut f = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .map_err(io(&path))?;
    f.write_all(MAGIC).map_err(io(&path))?;
    if fsync {
        f.sync_all().map_err(io(&path))?;
        sync_dir(dir)?;
    }
    Ok(f)
}

impl<T: Serialize + DeserializeOwned + Send, S> Recovering<T, S> {
    /// Opens the journal for appending after the records were applied. Records not taken yet
    /// are read, checked and dropped first; an error among them is returned.
    pub fn finish(mut self) -> Result<(Journal<T>, Recovered), JournalError> {
        for record in &mut self.records {
            record?;
        }
        if self.records.yielded() != self.scan.pending {
            return Err(JournalError::Replay(format!(
                "{} records were replayed where {} were checked",
                self.records.yielded(),
                self.scan.pending
            )));
        }
        let config = &self.config;
        let dir = &config.dir;
        let next_seq = self.next_seq();

        // Append to the last segment, or start one.
        let (file, path) = match &self.last_segment {
            Some(path) => (
                OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(io(path))?,
                path.clone(),
            ),
            None => (
                new_segment(dir, next_seq, config.fsync)?,
                dir.join(segment_name(next_seq)),
            ),
        };
        let len = file.metadata().map_err(io(&path))?.len();
        let file = Arc::new(file);
        let room = Room::new(file.clone(), &path, len);
        let stats = Arc::new(Stats::default());
        let (tx, rx) = mpsc::channel();
        let (publish, durable) = tokio::sync::watch::channel(Durability {
            seq: next_seq - 1,
            failure: None,
        });
        let worker = {
            let out = Writer {
                dir: dir.clone(),
                fsync: config.fsync,
                stats: stats.clone(),
                publish,
                faults: config.faults.clone(),
                on_durable: config.on_durable.clone(),
            };
            std::thread::Builder::new()
                .name("clobkit-journal".into())
                .spawn(move || out.run(file, len, rx))
                .map_err(io(&config.dir))?
        };
        let journal = Journal {
            dir: dir.clone(),
            next_seq,
            room,
            faults: config.faults.clone(),
            tx: Some(tx),
            worker: Some(worker),
            stats,
            durable,
            _records: PhantomData,
        };
        Ok((
            journal,
            Recovered {
                torn_tail: self.scan.torn_tail,
                replayed: self.records.yielded(),
                next_seq,
            },
        ))
    }
}

impl<T: Serialize + DeserializeOwned + Send> Journal<T> {
    /// Opens (creating if needed) the journal in `config.dir` and recovers its contents, every
    /// record decoded before it returns.
    pub fn open<S: DeserializeOwned>(
        config: &JournalConfig,
    ) -> Result<(Journal<T>, Recovery<T, S>), JournalError>
    where
        T: 'static,
    {
        let mut recovering = Journal::recover::<S>(config)?;
        let snapshot = recovering.snapshot.take();
        let records = recovering.records().collect::<Result<Vec<_>, _>>()?;
        let (journal, recovered) = recovering.finish()?;
        Ok((
            journal,
            Recovery {
                snapshot,
                records,
                torn_tail: recovered.torn_tail,
                next_seq: recovered.next_seq,
            },
        ))
    }

    /// Starts recovering the journal in `config.dir` (creating the folder if needed): finds the
    /// newest valid snapshot, checks every record after it (cutting off a torn tail) and starts
    /// decoding them for the caller to apply.
    pub fn recover<S: DeserializeOwned>(
        config: &JournalConfig,
    ) -> Result<Recovering<T, S>, JournalError>
    where
        T: 'static,
    {
        let dir = &config.dir;
        fs::create_dir_all(dir).map_err(io(dir))?;
        let snapshot = recover::newest_snapshot::<S>(dir)?;
        let snap_seq = snapshot.as_ref().map_or(0, |(s, _)| *s);
        let segments = list(dir, "journal-", ".log")?;
        let scan = recover::scan(dir, &segments, snap_seq)?;
        let last_segment = segments.last().map(|(_, path)| path.clone());
        // a segment whose successor starts at or before the snapshot's next record holds
        // nothing to replay
        let mut to_read = Vec::with_capacity(segments.len());
        for (i, segment) in segments.iter().enumerate() {
            let after = segments.get(i + 1).map(|(next, _)| *next);
            if after.is_none_or(|next| next > snap_seq + 1) {
                to_read.push(segment.clone());
            }
        }
        let records = Records::start(to_read, snap_seq, dir)?;
        Ok(Recovering {
            snapshot,
            records,
            scan,
            config: config.clone(),
            last_segment,
            snap_seq,
        })
    }
    /// Appends a record; the returned ticket resolves once it is durable. Records are durable in
    /// append order.
    pub fn append(&mut self, value: &T) -> Result<Ticket, JournalError> {
        let payload = serde_json::to_vec(value).map_err(|e| JournalError::Encode(e.to_string()))?;
        let seq = self.next_seq;
        let mut bytes = Vec::with_capacity(payload.len() + record::HEADER);
        record::encode(seq, &payload, &mut bytes);
        let len = bytes.len() as u64;
        self.room
            .make(len, self.faults.as_deref())
            .map_err(|source| JournalError::NoRoom {
                path: self.room.path.clone(),
                source,
            })?;
        let (ack, rx) = oneshot::channel();
        self.send(Msg::Append { seq, bytes, ack })?;
        self.room.advance(len);
        self.next_seq += 1;
        Ok(Ticket { seq, rx })
    }

    fn send(&self, msg: Msg) -> Result<(), JournalError> {
        self.tx
            .as_ref()
            .ok_or_else(|| JournalError::Writer("journal closed".into()))?
            .send(msg)
            .map_err(|_| JournalError::Writer("writer stopped".into()))
    }

    /// The sequence number the next append gets.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The writer's counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The durable point, updated by the writer after every flush.
    pub fn durability(&self) -> tokio::sync::watch::Receiver<Durability> {
        self.durable.clone()
    }

    /// Writes a snapshot of the state after every record appended so far (sequence
    /// `next_seq − 1`), then drops the files no longer needed (all but the two newest snapshots and
    /// the segments needed to replay from the older of them). [`Journal::begin_snapshot`] and
    /// [`PendingSnapshot::write`] do the same in two steps, the second on any thread.
    pub fn snapshot<S: Serialize>(&mut self, state: &S) -> Result<u64, JournalError> {
        self.begin_snapshot()?.write(state)
    }

    /// Starts a snapshot of the state after every record appended so far: rotates to a new
    /// segment (records up to the snapshot stay in the closed ones, all durable). The returned
    /// handle writes the file; the journal goes on meanwhile.
    pub fn begin_snapshot(&mut self) -> Result<PendingSnapshot, JournalError> {
        let seq = self.next_seq - 1;
        // The next segment is created here (no fsync: a segment that cannot be created fails
        // only this snapshot, and records keep going to the current one), and the switch is
        // queued behind the records before it and ahead of those after it, so the boundary is
        // exact without waiting: whoever writes the snapshot waits for the writer's answer (the
        // flush and the new segment's fsyncs), never the sequencer.
        let injected = self
            .faults
            .as_ref()
            .and_then(|f| f.take(FaultPoint::Create));
        let path = self.dir.join(segment_name(seq + 1));
        let file = match injected {
            Some(e) => Err(e.to_string()),
            None => new_segment(&self.dir, seq + 1, false).map_err(|e| e.to_string()),
        }
        .map_err(JournalError::Rotate)?;
        let file = Arc::new(file);
        let (ack, rotated) = mpsc::channel();
        self.send(Msg::Rotate {
            file: file.clone(),
            start: MAGIC.len() as u64,
            ack,
        })?;
        self.room = Room::new(file, &path, MAGIC.len() as u64);
        Ok(PendingSnapshot {
            dir: self.dir.clone(),
            seq,
            rotated,
            faults: self.faults.clone(),
        })
    }
}

/// A snapshot whose segment rotation is queued and whose file is still to be written
/// ([`Journal::begin_snapshot`]).
#[derive(Debug)]
#[must_use = "a pending snapshot does nothing until it is written"]
pub struct PendingSnapshot {
    dir: PathBuf,
    seq: u64,
    /// The writer's answer to the rotation.
    rotated: mpsc::Receiver<Result<(), JournalError>>,
    /// Injected failures (the rename of the finished file).
    faults: Option<Arc<Faults>>,
}

impl PendingSnapshot {
    /// The sequence number the snapshot includes.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Waits for the segment rotation: the records up to [`seq`](Self::seq) are flushed and the
    /// next ones go to a new segment. A segment that could not be created fails only this
    /// snapshot (the journal keeps appending to the current one).
    fn rotation_done(&self) -> Result<(), JournalError> {
        match self.rotated.recv() {
            Ok(r) => r,
            Err(_) => Err(JournalError::Writer("writer stopped".into())),
        }
    }

    /// Writes `state` (the state after record [`seq`](Self::seq)) atomically, then prunes the
    /// files no longer needed. A failure leaves nothing behind and costs the journal nothing.
    pub fn write<S: Serialize>(self, state: &S) -> Result<u64, JournalError> {
        self.rotation_done()?;
        let seq = self.seq;
        let body = serde_json::to_vec(state).map_err(|e| JournalError::Encode(e.to_string()))?;
        let sum = snapshot_checksum(seq, &body);
        let final_path = self.dir.join(snapshot_name(seq));
        let tmp = self.dir.join(format!("{}.tmp", snapshot_name(seq)));
        let written = (|| {
            let mut f = File::create(&tmp)?;
            f.write_all(format!("{SNAPSHOT_TAG} {seq} {sum}\n").as_bytes())?;
            f.write_all(&body)?;
            f.sync_all()
        })()
        .map_err(io(&tmp))
        .and_then(|()| {
            match self
                .faults
                .as_ref()
                .and_then(|f| f.take(FaultPoint::Rename))
            {
                Some(e) => Err(e),
                None => fs::rename(&tmp, &final_path),
            }
            .map_err(io(&final_path))
        });
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        sync_dir(&self.dir)?;
        // Keep the two newest snapshots and what replays from the older one.
        let snaps = list(&self.dir, "snapshot-", ".json")?;
        if snaps.len() > 2 {
            for (_, p) in &snaps[..snaps.len() - 2] {
                fs::remove_file(p).map_err(io(p))?;
            }
        }
        let keep_from = if snaps.len() >= 2 {
            snaps[snaps.len() - 2].0
        } else {
            0
        };
        let segments = list(&self.dir, "journal-", ".log")?;
        for w in segments.windows(2) {
            // a segment is obsolete when the next one starts at or before the oldest kept
            // snapshot's successor
            if w[1].0 <= keep_from + 1 {
                fs::remove_file(&w[0].1).map_err(io(&w[0].1))?;
            }
        }
        Ok(seq)
    }
}

impl<T> Drop for Journal<T> {
    /// Lets the writer finish what was appended, then joins it.
    fn drop(&mut self) {
        self.tx.take();
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

/// The writer thread's side: where it writes and what it publishes.
struct Writer {
    dir: PathBuf,
    fsync: bool,
    stats: Arc<Stats>,
    publish: tokio::sync::watch::Sender<Durability>,
    faults: Option<Arc<Faults>>,
    on_durable: Option<DurableHook>,
}

/// What the writer holds between batches.
struct Batch {
    buf: Vec<u8>,
    acks: Vec<oneshot::Sender<Result<(), String>>>,
    last_seq: u64,
}

impl Writer {
    /// Poisons the writer: nothing more can be made durable; the failure is published.
    fn fail(&self, why: &str, failed: &mut Option<String>) {
        tracing::error!(error = %why, "journal write failed; no further record can be made durable: the exchange stops");
        let msg = why.to_owned();
        self.publish.send_modify(|d| d.failure = Some(msg.clone()));
        *failed = Some(msg);
    }

    /// Group commit: drains every pending message, writes the appended records with one `write`
    /// and one `fdatasync`, resolves their tickets and publishes the durable point.
    /// `offset` is where the next record goes in `file` (records are written at their offset:
    /// past them lie the zeros the appending side wrote to make room, see `room`).
    fn run(self, mut file: Arc<File>, mut offset: u64, rx: mpsc::Receiver<Msg>) {
        let mut failed: Option<String> = None;
        let mut batch = Batch {
            buf: Vec::with_capacity(1 << 20),
            acks: Vec::new(),
            last_seq: 0,
        };
        while let Ok(first) = rx.recv() {
            let mut next = Some(first);
            while let Some(msg) = next.take() {
                match msg {
                    Msg::Append { seq, bytes, ack } => {
                        batch.buf.extend_from_slice(&bytes);
                        batch.acks.push(ack);
                        batch.last_seq = seq;
                    }
                    Msg::Rotate {
                        file: next,
                        start,
                        ack,
                    } => {
                        self.flush(&file, &mut offset, &mut batch, &mut failed);
                        if failed.is_none() {
                            // the old segment ends at its last record (recovery reads zeros
                            // only at the end of the last segment), and the new segment and its
                            // name are durable before any record in it
                            let closed = self.close(&file, offset).map_err(|e| e.to_string());
                            let synced = closed.and_then(|()| {
                                if self.fsync {
                                    next.sync_all().map_err(|e| e.to_string()).and_then(|()| {
                                        sync_dir(&self.dir).map_err(|e| e.to_string())
                                    })
                                } else {
                                    Ok(())
                                }
                            });
                            if let Err(e) = synced {
                                self.fail(&format!("journal segment rotation: {e}"), &mut failed);
                            }
                        }
                        let r = match &failed {
                            Some(e) => Err(JournalError::Writer(e.clone())),
                            None => {
                                file = next;
                                offset = start;
                                Ok(())
                            }
                        };
                        let _ = ack.send(r);
                    }
                }
                if batch.buf.len() < (8 << 20) {
                    next = rx.try_recv().ok();
                }
            }
            self.flush(&file, &mut offset, &mut batch, &mut failed);
        }
        // closed cleanly: the segment ends at its last record
        if failed.is_none()
            && let Err(e) = self.close(&file, offset)
        {
            tracing::warn!(error = %e, "could not cut the journal segment's spare room at close; the next start cuts it as a torn tail");
        }
    }

    /// Cuts `file` at `offset` (the end of its records: the zeros past them go), durably.
    fn close(&self, file: &File, offset: u64) -> std::io::Result<()> {
        file.set_len(offset)?;
        if self.fsync { file.sync_all() } else { Ok(()) }
    }

    fn flush(&self, file: &File, offset: &mut u64, batch: &mut Batch, failed: &mut Option<String>) {
        if failed.is_none() && !batch.buf.is_empty() {
            let injected = |point| self.faults.as_ref().and_then(|f| f.take(point));
            let started = std::time::Instant::now();
            let r = match injected(FaultPoint::Write) {
                Some(e) => Err(e),
                None => file.write_all_at(&batch.buf, *offset),
            }
            .and_then(|()| match (self.fsync, injected(FaultPoint::Fsync)) {
                (_, Some(e)) => Err(e),
                (true, None) => file.sync_data(),
                (false, None) => Ok(()),
            });
            match r {
                Ok(()) => {
                    *offset += batch.buf.len() as u64;
                    let elapsed = started.elapsed();
                    let took = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
                    self.stats
                        .slowest_flush_micros
                        .fetch_max(took, Ordering::Relaxed);
                    if elapsed > SLOW_FLUSH {
                        self.stats.slow_flushes.fetch_add(1, Ordering::Relaxed);
                    }
                    let n = batch.acks.len() as u64;
                    self.stats.records.fetch_add(n, Ordering::Relaxed);
                    let bytes = batch.buf.len() as u64;
                    self.stats.bytes.fetch_add(bytes, Ordering::Relaxed);
                    if self.fsync {
                        self.stats.syncs.fetch_add(1, Ordering::Relaxed);
                    }
                    let seq = batch.last_seq;
                    self.publish.send_modify(|d| d.seq = d.seq.max(seq));
                    if let Some(hook) = &self.on_durable {
                        (hook.0)(seq);
                    }
                }
                Err(e) => self.fail(&e.to_string(), failed),
            }
        }
        batch.buf.clear();
        for ack in batch.acks.drain(..) {
            let _ = ack.send(match failed {
                None => Ok(()),
                Some(e) => Err(e.clone()),
            });
        }
    }
}

/// Where the journal's file layer can be made to fail, for fault drills and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultPoint {
    /// Writing a batch of records.
    Write,
    /// The `fdatasync` after it.
    Fsync,
    /// Creating the next segment at a snapshot.
    Create,
    /// Reserving disk space for records (as a full disk refuses it).
    Reserve,
    /// Renaming a finished snapshot file into place.
    Rename,
}

/// Injected I/O failures: each point fails the next `n` times it is reached, with the error
/// kind given, optionally after hanging for a while (as a dying disk does). Carried by
/// [`JournalConfig::faults`]; absent in normal operation.
#[derive(Debug, Default)]
pub struct Faults {
    armed: std::sync::Mutex<Vec<Armed>>,
}

#[derive(Debug)]
struct Armed {
    point: FaultPoint,
    times: u32,
    kind: std::io::ErrorKind,
    hang: std::time::Duration,
}

impl Faults {
    /// Makes `point` fail its next `times` uses with `kind`.
    pub fn arm(&self, point: FaultPoint, times: u32, kind: std::io::ErrorKind) {
        self.arm_slow(point, times, kind, std::time::Duration::ZERO);
    }

    /// Like [`Faults::arm`], each failure coming only after `hang`.
    pub fn arm_slow(
        &self,
        point: FaultPoint,
        times: u32,
        kind: std::io::ErrorKind,
        hang: std::time::Duration,
    ) {
        let mut a = self.armed.lock().unwrap_or_else(|p| p.into_inner());
        a.retain(|x| x.point != point);
        a.push(Armed {
            point,
            times,
            kind,
            hang,
        });
    }

    /// The injected error for one use of `point`, if it is armed (after its hang).
    fn take(&self, point: FaultPoint) -> Option<std::io::Error> {
        let (kind, hang) = {
            let mut a = self.armed.lock().unwrap_or_else(|p| p.into_inner());
            let slot = a.iter_mut().find(|x| x.point == point && x.times > 0)?;
            slot.times -= 1;
            (slot.kind, slot.hang)
        };
        std::thread::sleep(hang);
        Some(std::io::Error::new(
            kind,
            format!("injected {point:?} fault"),
        ))
    }
}
