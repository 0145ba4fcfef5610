//! The journal's writer side: group commit by two flushers, so the next batch's `fdatasync` can
//! start while the one before it is still on its way to the disk.
//!
//! * **Group commit.** A flusher takes the intake (the channel the appending side queues
//!   records on), drains everything pending, writes it with one `write` at the end of the
//!   segment's records, and lets go of the intake *before* its `fdatasync`. The other flusher,
//!   waiting for the intake, takes the next records at once. With one writer thread, a record
//!   that arrived during a sync waited for the rest of that sync and then for its own; now it
//!   waits for its own. POSIX makes a sync cover every write that returned before it began, and
//!   this machine's virtual disk ran two concurrent `fdatasync`s of one file at about the latency
//!   of one (BENCHMARKS.md, durable intake, fifth session).
//! * **In order.** Batches complete in the order they were written: a batch's tickets resolve
//!   and the durable point moves only once every batch before it has completed. So the durable
//!   point never passes a batch that failed, and a failure fails every batch after it, as it did
//!   with one writer.
//! * **A handle per flusher.** Each flusher writes and syncs through the segment opened again
//!   by path. Linux reports a failed write-back once per open file: with one shared handle,
//!   whichever of two concurrent syncs looked first would take the error, and the other could
//!   report records durable whose pages were lost.
//! * **Poison.** A failed `write` or `fdatasync` poisons the journal for good (see the module
//!   docs of [`super`]): nothing is written after it, every later ticket fails.
//! * **Rotation** (a snapshot's switch to the next segment) is done by the flusher that drains
//!   it, under the intake: the records before it are written and the old segment is cut at its
//!   last record and synced, then the new segment and the folder are synced, before any record
//!   goes into the new segment.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, mpsc};
use std::thread::JoinHandle;
use std::time::Instant;

use tokio::sync::oneshot;

use super::{Durability, DurableHook, FaultPoint, Faults, JournalError, SLOW_FLUSH, Stats};

/// How many flushers take turns: one syncing while the next writes and starts its own sync.
/// (Each sync covers every write before it, so a third would only wait behind two.)
const FLUSHERS: usize = 2;

/// A batch stops growing at this many bytes (more waits for the next batch).
const MAX_BATCH_BYTES: usize = 8 << 20;

/// What the appending side sends the flushers.
pub(super) enum Msg {
    /// An encoded record, and where to say that it is durable.
    Append {
        seq: u64,
        bytes: Vec<u8>,
        ack: oneshot::Sender<Result<(), String>>,
    },
    /// Switch to the next segment (created by the appending side) after the records before.
    Rotate {
        path: PathBuf,
        /// Where its first record goes (after the segment header).
        start: u64,
        ack: mpsc::Sender<Result<(), JournalError>>,
    },
}

/// What the writer needs to know and where it reports.
pub(super) struct Writer {
    /// The data folder (synced when a segment is added).
    pub(super) dir: PathBuf,
    /// Whether to sync at all (off only for throwaway tests and demos).
    pub(super) fsync: bool,
    /// Counters for benchmarks and tests.
    pub(super) stats: Arc<Stats>,
    /// The durable point and any failure, for whoever waits on them.
    pub(super) publish: tokio::sync::watch::Sender<Durability>,
    /// Injected failures (fault drills and tests).
    pub(super) faults: Option<Arc<Faults>>,
    /// Told every new durable point (the history database follows it).
    pub(super) on_durable: Option<DurableHook>,
}

/// The segment being appended to, and the queue of what goes into it. Held by one flusher at a
/// time, from draining the queue to the end of writing what it drained.
struct Intake {
    rx: mpsc::Receiver<Msg>,
    segment: PathBuf,
    /// Counts rotations, so a flusher knows when its handle is for an older segment.
    generation: u64,
    /// Where the next record goes in the segment.
    offset: u64,
    /// Batches taken so far; a batch's number is its place in the completion order.
    batches: u64,
    /// The queue closed and the segment was cut at its last record.
    closed: bool,
}

/// How far completion has come, in write order.
struct Completion {
    /// Every batch up to this number has completed.
    finished: u64,
    /// The failure that poisoned the journal.
    failed: Option<String>,
}

/// The flushers' shared state.
struct Shared {
    out: Writer,
    intake: Mutex<Intake>,
    completion: Mutex<Completion>,
    /// Signalled whenever a batch completes.
    turn: Condvar,
    /// Set with the first failure; read under the intake so that nothing is written after it.
    poisoned: AtomicBool,
}

/// Records drained together, and what to answer once they are durable.
#[derive(Default)]
struct Batch {
    buf: Vec<u8>,
    acks: Vec<oneshot::Sender<Result<(), String>>>,
    last_seq: u64,
    rotate: Option<mpsc::Sender<Result<(), JournalError>>>,
}

/// How a batch went, before its turn to complete.
enum Outcome {
    /// Written and synced (or rotated, which syncs).
    Durable,
    /// Its write, sync or rotation failed with this.
    Failed(String),
    /// The journal was already poisoned: nothing was written.
    Skipped,
}

/// A flusher's own handle on the current segment.
struct Handle {
    generation: u64,
    file: File,
}

/// Locks `m`, going on if another flusher panicked while holding it (the state it guards is
/// only ever left consistent between statements that cannot panic).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn open_segment(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().write(true).open(path)
}

impl Writer {
    /// Starts the flushers on `segment`, whose records end at `offset`; they stop once every
    /// sender of `rx` is gone and everything queued is durable (or failed).
    pub(super) fn start(
        self,
        segment: PathBuf,
        offset: u64,
        rx: mpsc::Receiver<Msg>,
    ) -> std::io::Result<Vec<JoinHandle<()>>> {
        let shared = Arc::new(Shared {
            out: self,
            intake: Mutex::new(Intake {
                rx,
                segment,
                generation: 0,
                offset,
                batches: 0,
                closed: false,
            }),
            completion: Mutex::new(Completion {
                finished: 0,
                failed: None,
            }),
            turn: Condvar::new(),
            poisoned: AtomicBool::new(false),
        });
        (0..FLUSHERS)
            .map(|_| {
                let shared = shared.clone();
                std::thread::Builder::new()
                    .name("clobkit-journal".into())
                    .spawn(move || shared.flusher())
            })
            .collect()
    }
}

impl Shared {
    fn injected(&self, point: FaultPoint) -> Option<std::io::Error> {
        self.out.faults.as_ref().and_then(|f| f.take(point))
    }

    /// One flusher: take the intake, drain and write a batch, let go, sync, complete in turn.
    fn flusher(&self) {
        let mut handle: Option<Handle> = None;
        let mut batch = Batch {
            buf: Vec::with_capacity(1 << 20),
            ..Batch::default()
        };
        loop {
            let mut intake = lock(&self.intake);
            if intake.closed {
                return;
            }
            let Ok(first) = intake.rx.recv() else {
                self.close(&mut intake, &mut handle);
                return;
            };
            let rotating = drain(&intake.rx, first, &mut batch);
            intake.batches += 1;
            let number = intake.batches;
            let started = Instant::now();
            let written = if self.poisoned.load(Ordering::Acquire) {
                Outcome::Skipped
            } else {
                self.write(&mut intake, &mut handle, &batch, rotating)
            };
            drop(intake);
            let outcome = match written {
                // a rotation synced already, under the intake
                Outcome::Durable if batch.rotate.is_none() => self.sync(&handle, &batch),
                other => other,
            };
            if matches!(outcome, Outcome::Durable) {
                self.count(&batch, started);
            }
            self.complete(number, outcome, &mut batch);
        }
    }

    /// Writes the batch at the end of the segment's records (and rotates, if it ends with a
    /// rotation), under the intake. A failure poisons the journal before anyone writes again.
    fn write(
        &self,
        intake: &mut Intake,
        handle: &mut Option<Handle>,
        batch: &Batch,
        rotating: Option<(PathBuf, u64)>,
    ) -> Outcome {
        let written = (|| {
            let file = current(handle, intake)?;
            if !batch.buf.is_empty() {
                match self.injected(FaultPoint::Write) {
                    Some(e) => return Err(e.to_string()),
                    None => file
                        .write_all_at(&batch.buf, intake.offset)
                        .map_err(|e| e.to_string())?,
                }
                intake.offset += batch.buf.len() as u64;
            }
            if let Some((next, start)) = rotating {
                self.sync_file(file, !batch.buf.is_empty())?;
                self.rotate(file, intake, next, start)
                    .map_err(|e| format!("journal segment rotation: {e}"))?;
            }
            Ok(())
        })();
        match written {
            Ok(()) => Outcome::Durable,
            Err(e) => {
                self.poisoned.store(true, Ordering::Release);
                Outcome::Failed(e)
            }
        }
    }

    /// The batch's `fdatasync`, outside the intake, through this flusher's own handle.
    fn sync(&self, handle: &Option<Handle>, batch: &Batch) -> Outcome {
        if batch.buf.is_empty() {
            return Outcome::Durable;
        }
        let Some(h) = handle else {
            return Outcome::Failed("journal writer lost its segment handle".into());
        };
        match self.sync_file(&h.file, true) {
            Ok(()) => Outcome::Durable,
            Err(e) => Outcome::Failed(e),
        }
    }

    /// `fdatasync` (when syncing is on, and the injected fault in its place when armed).
    fn sync_file(&self, file: &File, wrote: bool) -> Result<(), String> {
        if !wrote {
            return Ok(());
        }
        match (self.out.fsync, self.injected(FaultPoint::Fsync)) {
            (_, Some(e)) => Err(e.to_string()),
            (true, None) => file.sync_data().map_err(|e| e.to_string()),
            (false, None) => Ok(()),
        }
    }

    /// Closes the current segment at its last record (recovery reads zeros only at the end of
    /// the last segment), makes the next one and its name durable, and switches to it.
    fn rotate(
        &self,
        old: &File,
        intake: &mut Intake,
        next: PathBuf,
        start: u64,
    ) -> Result<(), String> {
        self.cut(old, intake.offset).map_err(|e| e.to_string())?;
        if self.out.fsync {
            open_segment(&next)
                .and_then(|f| f.sync_all())
                .map_err(|e| e.to_string())?;
            super::sync_dir(&self.out.dir).map_err(|e| e.to_string())?;
        }
        intake.segment = next;
        intake.generation += 1;
        intake.offset = start;
        Ok(())
    }

    /// Cuts `file` at `offset` (the end of its records: the zeros past them go), durably.
    fn cut(&self, file: &File, offset: u64) -> std::io::Result<()> {
        file.set_len(offset)?;
        if self.out.fsync {
            file.sync_all()
        } else {
            Ok(())
        }
    }

    /// At shutdown: the segment ends at its last record.
    fn close(&self, intake: &mut Intake, handle: &mut Option<Handle>) {
        intake.closed = true;
        if self.poisoned.load(Ordering::Acquire) {
            return;
        }
        let cut = current(handle, intake)
            .map_err(|e| e.to_string())
            .and_then(|f| self.cut(f, intake.offset).map_err(|e| e.to_string()));
        if let Err(e) = cut {
            tracing::warn!(error = %e, "could not cut the journal segment's spare room at close; the next start cuts it as a torn tail");
        }
    }

    fn count(&self, batch: &Batch, started: Instant) {
        let stats = &self.out.stats;
        let elapsed = started.elapsed();
        let took = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        stats
            .slowest_flush_micros
            .fetch_max(took, Ordering::Relaxed);
        if elapsed > SLOW_FLUSH {
            stats.slow_flushes.fetch_add(1, Ordering::Relaxed);
        }
        stats
            .records
            .fetch_add(batch.acks.len() as u64, Ordering::Relaxed);
        stats
            .bytes
            .fetch_add(batch.buf.len() as u64, Ordering::Relaxed);
        if self.out.fsync && !batch.buf.is_empty() {
            stats.syncs.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Waits for every earlier batch to complete, then publishes this one's durable point (or
    /// its failure) and answers its tickets.
    fn complete(&self, number: u64, outcome: Outcome, batch: &mut Batch) {
        let mut done = lock(&self.completion);
        while done.finished + 1 < number {
            done = self
                .turn
                .wait(done)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        match outcome {
            Outcome::Durable if done.failed.is_none() && !batch.acks.is_empty() => {
                let seq = batch.last_seq;
                self.out.publish.send_modify(|d| d.seq = d.seq.max(seq));
                if let Some(hook) = &self.out.on_durable {
                    (hook.0)(seq);
                }
            }
            Outcome::Failed(why) if done.failed.is_none() => {
                tracing::error!(error = %why, "journal write failed; no further record can be made durable: the exchange stops");
                self.poisoned.store(true, Ordering::Release);
                self.out
                    .publish
                    .send_modify(|d| d.failure = Some(why.clone()));
                done.failed = Some(why);
            }
            _ => {}
        }
        done.finished = number;
        let failed = done.failed.clone();
        drop(done);
        self.turn.notify_all();
        batch.buf.clear();
        for ack in batch.acks.drain(..) {
            let _ = ack.send(match &failed {
                None => Ok(()),
                Some(e) => Err(e.clone()),
            });
        }
        if let Some(ack) = batch.rotate.take() {
            let _ = ack.send(match failed {
                None => Ok(()),
                Some(e) => Err(JournalError::Writer(e)),
            });
        }
    }
}

/// Moves what is queued into `batch`, starting with `first`; a rotation ends the batch (the
/// records after it belong in the next segment).
fn drain(rx: &mpsc::Receiver<Msg>, first: Msg, batch: &mut Batch) -> Option<(PathBuf, u64)> {
    let mut next = Some(first);
    while let Some(msg) = next.take() {
        match msg {
            Msg::Append { seq, bytes, ack } => {
                batch.buf.extend_from_slice(&bytes);
                batch.acks.push(ack);
                batch.last_seq = seq;
            }
            Msg::Rotate { path, start, ack } => {
                batch.rotate = Some(ack);
                return Some((path, start));
            }
        }
        if batch.buf.len() < MAX_BATCH_BYTES {
            next = rx.try_recv().ok();
        }
    }
    None
}

/// This flusher's handle on the intake's current segment, opened again after a rotation.
fn current<'h>(handle: &'h mut Option<Handle>, intake: &Intake) -> Result<&'h File, String> {
    if handle
        .as_ref()
        .is_none_or(|h| h.generation != intake.generation)
    {
        let file = open_segment(&intake.segment)
            .map_err(|e| format!("cannot open {}: {e}", intake.segment.display()))?;
        *handle = Some(Handle {
            generation: intake.generation,
            file,
        });
    }
    handle
        .as_ref()
        .map(|h| &h.file)
        .ok_or_else(|| "journal writer lost its segment handle".to_owned())
}
