//! The segment records are appended to, as the appending side sees it, and the disk space
//! reserved in it.
//!
//! **A record is appended only once its bytes have room.** Before a change is applied, the
//! sequencer reserves the space its record will take in the current segment (`fallocate` with
//! `FALLOC_FL_KEEP_SIZE`, in steps of [`STEP`]), so the writer thread never runs out of space in
//! the middle of a record. A full disk (ENOSPC), like any error before a record exists, then
//! refuses only the change that needed the room, with nothing applied and nothing written; the
//! next change tries again, so writing resumes by itself once space is freed. A file system that
//! cannot reserve (EOPNOTSUPP) gets unreserved appends, logged once: there a disk filling up in
//! the middle of a write stops the exchange, as any failed write does.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustix::fs::{FallocateFlags, fallocate};
use rustix::io::Errno;

use super::{FaultPoint, Faults};

/// How much is reserved at a time (one system call per this many bytes of records).
pub const STEP: u64 = 1 << 20;

/// The current segment on the appending side.
#[derive(Debug)]
pub(super) struct Room {
    /// The segment (the writer thread writes through the same handle).
    pub(super) file: Arc<File>,
    /// Its path, for errors.
    pub(super) path: PathBuf,
    /// Bytes appended to it so far (written, or queued to the writer).
    end: u64,
    /// Bytes of it the file system has allocated.
    reserved: u64,
    /// The file system cannot reserve: appends go without.
    unsupported: bool,
}

impl Room {
    /// A segment of `len` bytes, nothing reserved beyond them.
    pub(super) fn new(file: Arc<File>, path: &Path, len: u64) -> Room {
        Room {
            file,
            path: path.to_path_buf(),
            end: len,
            reserved: len,
            unsupported: false,
        }
    }

    /// Makes sure `n` more bytes fit in the segment; an error changes nothing.
    pub(super) fn make(&mut self, n: u64, faults: Option<&Faults>) -> std::io::Result<()> {
        let need = self.end.saturating_add(n);
        if self.unsupported || need <= self.reserved {
            return Ok(());
        }
        if let Some(e) = faults.and_then(|f| f.take(FaultPoint::Reserve)) {
            return Err(e);
        }
        let missing = need - self.reserved;
        let step = missing.max(STEP);
        let reserve = |len| fallocate(&*self.file, FallocateFlags::KEEP_SIZE, self.reserved, len);
        match reserve(step) {
            Ok(()) => self.reserved += step,
            // a full step may not fit where the record still does
            Err(Errno::NOSPC) if step > missing => {
                reserve(missing)?;
                self.reserved = need;
            }
            Err(Errno::OPNOTSUPP) => {
                tracing::warn!(path = %self.path.display(), "the file system cannot reserve space: journal appends go unreserved, and a disk that fills up mid-write stops the exchange");
                self.unsupported = true;
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// Counts `n` bytes appended (after [`Room::make`] made room for them).
    pub(super) fn advance(&mut self, n: u64) {
        self.end = self.end.saturating_add(n);
    }
}
