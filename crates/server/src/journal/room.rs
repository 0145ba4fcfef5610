//! The segment records are appended to, as the appending side sees it, and the disk space
//! reserved in it.
//!
//! **A record is appended only once its bytes have room.** Before a change is applied, the
//! sequencer makes sure the space its record will take exists in the current segment, by
//! writing zeros past the records in steps of [`STEP`], so the writer thread overwrites blocks
//! that are already allocated and never runs out of space in the middle of a record. A full disk
//! (ENOSPC), like any error before a record exists, then refuses only the change that needed the
//! room, with nothing applied and nothing written; the next change tries again, so writing
//! resumes by itself once space is freed.
//!
//! Zeros rather than `fallocate`: writing into preallocated (unwritten) extents makes the file
//! system convert them at every flush, which made the slowest `fdatasync` several times slower
//! under load (measured in BENCHMARKS.md); overwriting written blocks changes no metadata, so
//! only the flush after a step pays for the file's new size. The zeros past the last record are
//! cut off when the segment is closed or rotated; after a crash they are the torn tail recovery
//! cuts off.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::os::unix::fs::FileExt;

use super::{FaultPoint, Faults};

/// How much room is made at a time (zeros written under the sequencer lock once per this many
/// bytes of records).
pub const STEP: u64 = 256 << 10;

/// A block of zeros to write room with.
static ZEROS: [u8; 64 << 10] = [0; 64 << 10];

/// The current segment on the appending side.
#[derive(Debug)]
pub(super) struct Room {
    /// The segment (the writer thread writes through the same handle).
    pub(super) file: Arc<File>,
    /// Its path, for errors.
    pub(super) path: PathBuf,
    /// Bytes appended to it so far (written, or queued to the writer).
    end: u64,
    /// Bytes of it written so far, records and the zeros past them.
    reserved: u64,
}

impl Room {
    /// A segment of `len` bytes, nothing reserved beyond them.
    pub(super) fn new(file: Arc<File>, path: &Path, len: u64) -> Room {
        Room {
            file,
            path: path.to_path_buf(),
            end: len,
            reserved: len,
        }
    }

    /// Makes sure `n` more bytes fit in the segment; an error changes nothing the records need
    /// (zeros written past them before it are overwritten later).
    pub(super) fn make(&mut self, n: u64, faults: Option<&Faults>) -> std::io::Result<()> {
        let need = self.end.saturating_add(n);
        if need <= self.reserved {
            return Ok(());
        }
        if let Some(e) = faults.and_then(|f| f.take(FaultPoint::Reserve)) {
            return Err(e);
        }
        let missing = need - self.reserved;
        match self.zero(missing.max(STEP)) {
            // a full step may not fit where the record still does
            Err(e) if e.kind() == std::io::ErrorKind::StorageFull && missing < STEP => {
                self.zero(missing)
            }
            other => other,
        }
    }

    /// Writes `len` zeros at the end of the room and counts them.
    fn zero(&mut self, len: u64) -> std::io::Result<()> {
        let mut at = self.reserved;
        let until = self.reserved + len;
        while at < until {
            let chunk = (until - at).min(ZEROS.len() as u64) as usize;
            self.file.write_all_at(&ZEROS[..chunk], at)?;
            at += chunk as u64;
        }
        self.reserved = until;
        Ok(())
    }

    /// Counts `n` bytes appended (after [`Room::make`] made room for them).
    pub(super) fn advance(&mut self, n: u64) {
        self.end = self.end.saturating_add(n);
    }
}
