//! The append-only journal of sequenced commands, with snapshots and crash recovery.
//!
//! * **Records** are appended to segment files (`journal-<first seq>.log`) in the format of
//!   [`record`]; each carries its sequence number and a CRC-32 of it and its JSON payload.
//! * **Durability with group commit**: [`Journal::append`] hands the encoded record to one writer
//!   thread and returns a [`Ticket`]. The writer drains every pending record, writes them with one
//!   `write`, calls `fdatasync` once and then resolves all their tickets. Under load many records
//!   share one fsync, so throughput does not collapse to the disk's sync rate. A caller answers its
//!   client only after its ticket resolves.
//! * **Snapshots** ([`Journal::snapshot`]) rotate to a new segment, then write
//!   `snapshot-<seq>.json` atomically (temporary file, fsync, rename, fsync of the folder). The two
//!   newest snapshots are kept, with the segments needed to replay from the older one, so a damaged
//!   newest snapshot can be recovered from the previous one.
//! * **Recovery** ([`Journal::open`], the reading in `recover`) loads the newest valid snapshot
//!   and returns every later record to replay. A torn tail (the last record of the last segment cut short or garbled by a
//!   crash mid-write) is truncated and reported in [`Recovery::torn_tail`]; damage anywhere else
//!   refuses to start, naming the file and offset, because silently dropping acknowledged records
//!   would lose money.

pub mod record;
mod recover;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::marker::PhantomData;
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
    /// A value could not be serialized.
    #[error("journal encoding error: {0}")]
    Encode(String),
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

/// What [`Journal::open`] found.
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

/// Counters of the writer, for benchmarks and tests.
#[derive(Debug, Default)]
pub struct Stats {
    /// Records written.
    pub records: AtomicU64,
    /// fsync calls.
    pub syncs: AtomicU64,
    /// Bytes written.
    pub bytes: AtomicU64,
}

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
        bytes: Vec<u8>,
        ack: oneshot::Sender<Result<(), String>>,
    },
    Rotate {
        first_seq: u64,
        ack: mpsc::Sender<Result<(), String>>,
    },
}

/// The journal of records of type `T`.
pub struct Journal<T> {
    dir: PathBuf,
    next_seq: u64,
    tx: Option<mpsc::Sender<Msg>>,
    worker: Option<JoinHandle<()>>,
    stats: Arc<Stats>,
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

impl<T: Serialize + DeserializeOwned> Journal<T> {
    /// Opens (creating if needed) the journal in `config.dir` and recovers its contents.
    pub fn open<S: DeserializeOwned>(
        config: &JournalConfig,
    ) -> Result<(Journal<T>, Recovery<T, S>), JournalError> {
        let dir = &config.dir;
        fs::create_dir_all(dir).map_err(io(dir))?;

        let snapshot = recover::newest_snapshot::<S>(dir)?;
        let snap_seq = snapshot.as_ref().map_or(0, |(s, _)| *s);
        let segments = list(dir, "journal-", ".log")?;
        let recover::Replay {
            records,
            torn_tail,
            last_seq,
        } = recover::replay::<T>(dir, &segments, snap_seq)?;
        let next_seq = last_seq.unwrap_or(0).max(snap_seq) + 1;

        // Append to the last segment, or start one.
        let (file, _path) = match segments.last() {
            Some((_, path)) => (
                OpenOptions::new()
                    .append(true)
                    .open(path)
                    .map_err(io(path))?,
                path.clone(),
            ),
            None => (
                new_segment(dir, next_seq, config.fsync)?,
                dir.join(segment_name(next_seq)),
            ),
        };
        let stats = Arc::new(Stats::default());
        let (tx, rx) = mpsc::channel();
        let worker = {
            let (dir, stats, fsync) = (dir.clone(), stats.clone(), config.fsync);
            std::thread::Builder::new()
                .name("clobkit-journal".into())
                .spawn(move || writer(file, dir, fsync, rx, stats))
                .map_err(io(&config.dir))?
        };
        let journal = Journal {
            dir: dir.clone(),
            next_seq,
            tx: Some(tx),
            worker: Some(worker),
            stats,
            _records: PhantomData,
        };
        Ok((
            journal,
            Recovery {
                snapshot,
                records,
                torn_tail,
                next_seq,
            },
        ))
    }

    /// Appends a record; the returned ticket resolves once it is durable. Records are durable in
    /// append order.
    pub fn append(&mut self, value: &T) -> Result<Ticket, JournalError> {
        let payload = serde_json::to_vec(value).map_err(|e| JournalError::Encode(e.to_string()))?;
        let seq = self.next_seq;
        let mut bytes = Vec::with_capacity(payload.len() + record::HEADER);
        record::encode(seq, &payload, &mut bytes);
        let (ack, rx) = oneshot::channel();
        self.send(Msg::Append { bytes, ack })?;
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

    /// Writes a snapshot of the state after every record appended so far (sequence
    /// `next_seq − 1`), then drops the files no longer needed (all but the two newest snapshots and
    /// the segments needed to replay from the older of them).
    pub fn snapshot<S: Serialize>(&mut self, state: &S) -> Result<u64, JournalError> {
        let seq = self.next_seq - 1;
        // Rotate: records up to `seq` stay in the closed segments, all durable. (A std channel:
        // this may be called from inside an async runtime, where it blocks only briefly.)
        let (ack, rx) = mpsc::channel();
        self.send(Msg::Rotate {
            first_seq: seq + 1,
            ack,
        })?;
        match rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(JournalError::Writer(e)),
            Err(_) => return Err(JournalError::Writer("writer stopped".into())),
        }
        let body = serde_json::to_vec(state).map_err(|e| JournalError::Encode(e.to_string()))?;
        let sum: String = Sha256::digest(&body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let final_path = self.dir.join(snapshot_name(seq));
        let tmp = self.dir.join(format!("{}.tmp", snapshot_name(seq)));
        {
            let mut f = File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(format!("CKSNAP01 {seq} {sum}\n").as_bytes())
                .map_err(io(&tmp))?;
            f.write_all(&body).map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
        }
        fs::rename(&tmp, &final_path).map_err(io(&final_path))?;
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

/// The writer thread: group commit.
fn writer(mut file: File, dir: PathBuf, fsync: bool, rx: mpsc::Receiver<Msg>, stats: Arc<Stats>) {
    let mut failed: Option<String> = None;
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    let mut acks: Vec<oneshot::Sender<Result<(), String>>> = Vec::new();
    let flush = |file: &mut File,
                 buf: &mut Vec<u8>,
                 acks: &mut Vec<oneshot::Sender<Result<(), String>>>,
                 failed: &mut Option<String>| {
        if failed.is_none() && !buf.is_empty() {
            let r = file
                .write_all(buf)
                .and_then(|()| if fsync { file.sync_data() } else { Ok(()) });
            match r {
                Ok(()) => {
                    stats
                        .records
                        .fetch_add(acks.len() as u64, Ordering::Relaxed);
                    stats.bytes.fetch_add(buf.len() as u64, Ordering::Relaxed);
                    if fsync {
                        stats.syncs.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "journal write failed; no further record can be made durable");
                    *failed = Some(e.to_string());
                }
            }
        }
        buf.clear();
        for ack in acks.drain(..) {
            let _ = ack.send(match failed {
                None => Ok(()),
                Some(e) => Err(e.clone()),
            });
        }
    };
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            match msg {
                Msg::Append { bytes, ack } => {
                    buf.extend_from_slice(&bytes);
                    acks.push(ack);
                }
                Msg::Rotate { first_seq, ack } => {
                    flush(&mut file, &mut buf, &mut acks, &mut failed);
                    let r = match &failed {
                        Some(e) => Err(e.clone()),
                        None => new_segment(&dir, first_seq, fsync)
                            .map(|f| file = f)
                            .map_err(|e| e.to_string()),
                    };
                    if let Err(e) = &r {
                        failed.get_or_insert_with(|| e.clone());
                    }
                    let _ = ack.send(r);
                }
            }
            if buf.len() < (8 << 20) {
                next = rx.try_recv().ok();
            }
        }
        flush(&mut file, &mut buf, &mut acks, &mut failed);
    }
}
