//! Handing the records after the snapshot to the caller while it applies them.
//!
//! One thread reads the segments a block at a time ([`segment`]) and deals the blocks out in
//! turn to decoding threads (one per core); the caller takes the decoded blocks back in the same
//! turn, so records come out in journal order without sorting. Every channel holds one block, so
//! a replay of any length holds a few blocks of records at once, and decoding overlaps applying.
//!
//! The segments were checked by [`recover::scan`](super::recover::scan) before this starts, so
//! anything found wrong here (a record that does not decode, a file that changed since) is an
//! error the caller sees after the records before it.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use serde::de::DeserializeOwned;

use super::JournalError;
use super::recover::Continuity;
use super::segment::{self, Block, Ending, Start};

/// The records of one block decoded in order, up to the first that does not decode, and its
/// error.
type Decoded<T> = (Vec<(u64, T)>, Option<JournalError>);

/// A block to decode and the segment it came from.
struct Work {
    block: Block,
    path: Arc<PathBuf>,
}

/// The records after the snapshot, in order, each decoded; an error ends them.
pub struct Records<T> {
    /// Each decoding thread's output, taken in turn.
    outputs: Vec<Receiver<Decoded<T>>>,
    /// How many blocks have been taken.
    taken: usize,
    /// The block being handed out.
    current: std::vec::IntoIter<(u64, T)>,
    /// The error that ends the records once `current` is handed out.
    failure: Option<JournalError>,
    /// The reading thread; its result is how many blocks it dealt out.
    reader: Option<JoinHandle<Result<usize, JournalError>>>,
    /// Records handed out.
    yielded: u64,
    /// Set once the records ended or failed.
    done: bool,
}

impl<T> std::fmt::Debug for Records<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records")
            .field("yielded", &self.yielded)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned + Send + 'static> Records<T> {
    /// Starts reading `segments` (oldest first, each with its first sequence number) and
    /// decoding the records after `snap_seq`.
    pub(super) fn start(
        segments: Vec<(u64, PathBuf)>,
        snap_seq: u64,
        dir: &std::path::Path,
    ) -> Result<Records<T>, JournalError> {
        let spawn_failed = |e| JournalError::Io {
            path: dir.to_path_buf(),
            source: e,
        };
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        let mut inputs = Vec::with_capacity(cores);
        let mut outputs = Vec::with_capacity(cores);
        for i in 0..cores {
            let (work_tx, work_rx) = mpsc::sync_channel::<Work>(1);
            let (done_tx, done_rx) = mpsc::sync_channel::<Decoded<T>>(1);
            std::thread::Builder::new()
                .name(format!("clobkit-replay-{i}"))
                .spawn(move || decode_blocks(&work_rx, &done_tx))
                .map_err(spawn_failed)?;
            inputs.push(work_tx);
            outputs.push(done_rx);
        }
        let reader = std::thread::Builder::new()
            .name("clobkit-replay-read".into())
            .spawn(move || deal(segments, snap_seq, &inputs))
            .map_err(spawn_failed)?;
        Ok(Records {
            outputs,
            taken: 0,
            current: Vec::new().into_iter(),
            failure: None,
            reader: Some(reader),
            yielded: 0,
            done: false,
        })
    }
}

impl<T> Records<T> {
    /// How many records have been handed out so far.
    pub fn yielded(&self) -> u64 {
        self.yielded
    }

    /// What the reading thread says once the blocks ran out: nothing if it dealt out every block
    /// that was taken, else why not.
    fn reader_outcome(&mut self) -> Option<JournalError> {
        let outcome = self.reader.take()?.join();
        match outcome {
            Ok(Ok(dealt)) if dealt == self.taken => None,
            Ok(Ok(dealt)) => Some(JournalError::Replay(format!(
                "a decoding thread stopped after {} of {dealt} blocks of the journal",
                self.taken
            ))),
            Ok(Err(e)) => Some(e),
            Err(_) => Some(JournalError::Replay(
                "the thread reading the journal panicked".into(),
            )),
        }
    }
}

impl<T> Iterator for Records<T> {
    type Item = Result<(u64, T), JournalError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(record) = self.current.next() {
                self.yielded += 1;
                return Some(Ok(record));
            }
            if let Some(e) = self.failure.take() {
                return Some(Err(e));
            }
            if self.done || self.outputs.is_empty() {
                return None;
            }
            let turn = self.taken % self.outputs.len();
            match self.outputs[turn].recv() {
                Ok((records, failure)) => {
                    self.taken += 1;
                    self.current = records.into_iter();
                    self.done = failure.is_some();
                    self.failure = failure;
                }
                // that thread has no more blocks: every block has been taken
                Err(_) => {
                    self.done = true;
                    return self.reader_outcome().map(Err);
                }
            }
        }
    }
}

/// The reading thread: deals the blocks holding records after `snap_seq` out to `inputs` in
/// turn; returns how many it dealt (fewer if the caller stopped taking them).
fn deal(
    segments: Vec<(u64, PathBuf)>,
    snap_seq: u64,
    inputs: &[SyncSender<Work>],
) -> Result<usize, JournalError> {
    let mut order = Continuity::default();
    let mut dealt = 0;
    let mut stopped = false;
    for (first, path) in segments {
        let mut file = File::open(&path).map_err(super::io(&path))?;
        let path = Arc::new(path);
        if segment::start(&mut file, &path)? != Start::Magic {
            return Err(changed(&path, 0, "its header"));
        }
        let ending = segment::read_blocks(&mut file, &path, |mut block| {
            for r in &block.records {
                order.next(first, r.seq, &path)?;
            }
            block.records.retain(|r| r.seq > snap_seq);
            if block.records.is_empty() {
                return Ok(true);
            }
            let work = Work {
                block,
                path: path.clone(),
            };
            stopped = inputs[dealt % inputs.len()].send(work).is_err();
            if !stopped {
                dealt += 1;
            }
            Ok(!stopped)
        })?;
        match ending {
            Ending::Clean => {}
            Ending::Truncated { offset } | Ending::Damaged { offset, .. } => {
                return Err(changed(&path, offset, "a record"));
            }
        }
        if stopped {
            break;
        }
    }
    Ok(dealt)
}

/// A segment that no longer reads as it did when recovery checked it.
fn changed(path: &std::path::Path, offset: u64, what: &str) -> JournalError {
    JournalError::Corrupt {
        file: path.to_path_buf(),
        offset,
        what: format!("{what} changed while the journal was being replayed"),
    }
}

/// A decoding thread: decodes each block it is given, until the blocks or the taker are gone.
fn decode_blocks<T: DeserializeOwned>(work: &Receiver<Work>, done: &SyncSender<Decoded<T>>) {
    while let Ok(Work { block, path }) = work.recv() {
        let mut records = Vec::with_capacity(block.records.len());
        let mut failure = None;
        for r in &block.records {
            match serde_json::from_slice(&block.data[r.payload.clone()]) {
                Ok(value) => records.push((r.seq, value)),
                Err(e) => {
                    failure = Some(JournalError::Corrupt {
                        file: path.to_path_buf(),
                        offset: r.offset,
                        what: format!("record {} does not decode: {e}", r.seq),
                    });
                    break;
                }
            }
        }
        let failed = failure.is_some();
        if done.send((records, failure)).is_err() || failed {
            return;
        }
    }
}
