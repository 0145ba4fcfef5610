//! Recovery: which snapshot to start from, and which journal records to replay after it.
//!
//! The newest snapshot that reads and checks wins. Segments are read oldest first, a block at a
//! time, and every record is checked before any is decoded; every record must continue the one
//! before it. A torn tail (the last record of the last segment cut short,
//! or garbled with only zeros after it, by a crash mid-write) is cut off and reported; damage
//! anywhere else refuses to start, naming the file and offset.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::record::{self, MAGIC};
use super::segment::{self, Ending, Start};
use super::{JournalError, TornTail, io, list};

/// What the segments hold, checked before any record is decoded.
#[derive(Debug)]
pub(super) struct Scan {
    /// How many records follow the snapshot (the ones to replay).
    pub pending: u64,
    /// A torn tail that was cut off, if any.
    pub torn_tail: Option<TornTail>,
    /// The last sequence number found in any segment.
    pub last_seq: Option<u64>,
}

/// The newest snapshot in `dir` that reads and checks, with its sequence number.
pub(super) fn newest_snapshot<S: DeserializeOwned>(
    dir: &Path,
) -> Result<Option<(u64, S)>, JournalError> {
    for (named, path) in list(dir, "snapshot-", ".json")?.into_iter().rev() {
        match read_snapshot::<S>(&path, named) {
            Ok(s) => return Ok(Some(s)),
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "skipping unreadable snapshot")
            }
        }
    }
    Ok(None)
}

/// Reads a snapshot file named for sequence `named`: header line `CKSNAP02 <seq> <sha256 of the
/// seq line and the body>` then the JSON body (`CKSNAP01`, written before the header was
/// covered, hashes the body only). The header's seq must be the name's.
fn read_snapshot<S: DeserializeOwned>(path: &Path, named: u64) -> Result<(u64, S), String> {
    let data = fs::read(path).map_err(|e| e.to_string())?;
    let nl = data
        .iter()
        .position(|&b| b == b'\n')
        .ok_or("no header line")?;
    let header = std::str::from_utf8(&data[..nl]).map_err(|_| "header is not text")?;
    let mut parts = header.split(' ');
    let tag = parts.next();
    let seq: u64 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or("bad sequence number")?;
    let sum = parts.next().ok_or("no checksum")?;
    let body = &data[nl + 1..];
    let actual = match tag {
        Some(super::SNAPSHOT_TAG) => super::snapshot_checksum(seq, body),
        Some("CKSNAP01") => Sha256::digest(body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        _ => return Err("not a clobkit snapshot".into()),
    };
    if actual != sum {
        return Err("checksum mismatch".into());
    }
    if seq != named {
        return Err(format!(
            "its header says sequence {seq} but its name says {named}"
        ));
    }
    let state = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    Ok((seq, state))
}

/// The rule both recovery passes check: each record continues the one before it, and a
/// segment's first record has the number in its name.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Continuity {
    /// The last sequence number seen.
    pub last: Option<u64>,
}

impl Continuity {
    /// Checks `seq`, found in the segment whose first record is `segment_first`.
    pub(super) fn next(
        &mut self,
        segment_first: u64,
        seq: u64,
        file: &Path,
    ) -> Result<(), JournalError> {
        let expected = self.last.map_or(segment_first, |l| l + 1);
        if seq != expected {
            return Err(JournalError::Gap {
                expected,
                found: seq,
                file: file.to_path_buf(),
            });
        }
        self.last = Some(seq);
        Ok(())
    }
}

/// Checks every record of `segments` (oldest first) without decoding any, cutting a torn tail
/// off the last one, and counts the records after `snap_seq`. Reads a block at a time.
pub(super) fn scan(
    dir: &Path,
    segments: &[(u64, PathBuf)],
    snap_seq: u64,
) -> Result<Scan, JournalError> {
    let mut order = Continuity::default();
    let mut pending = 0u64;
    let mut first_pending = None;
    let mut torn_tail = None;
    let count = segments.len();
    for (i, (first, path)) in segments.iter().enumerate() {
        let is_last = i + 1 == count;
        let mut file = File::open(path).map_err(io(path))?;
        match segment::start(&mut file, path)? {
            Start::Magic => {}
            Start::Unfinished if is_last => {
                // crashed while creating the segment
                let mut f = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(io(path))?;
                f.set_len(0).map_err(io(path))?;
                f.write_all(MAGIC).map_err(io(path))?;
                f.sync_all().map_err(io(path))?;
                continue;
            }
            Start::Unfinished | Start::Foreign => {
                return Err(JournalError::Corrupt {
                    file: path.clone(),
                    offset: 0,
                    what: "not a clobkit journal segment".into(),
                });
            }
        }
        let ending = segment::read_blocks(&mut file, path, |block| {
            for r in &block.records {
                order.next(*first, r.seq, path)?;
                if r.seq > snap_seq {
                    pending += 1;
                    first_pending.get_or_insert(r.seq);
                }
            }
            Ok(true)
        })?;
        let (offset, damage) = match ending {
            Ending::Clean => continue,
            Ending::Truncated { offset } => (offset, None),
            Ending::Damaged {
                offset,
                what,
                claimed,
            } => (offset, Some((what, claimed))),
        };
        let len = file.metadata().map_err(io(path))?.len();
        // a record cut short, or garbled where nothing follows it, is the one being written
        // when the process stopped
        let final_record = match damage {
            None => true,
            Some((_, claimed)) => {
                offset + (record::HEADER + claimed) as u64 >= len
                    || segment::zeros_from(&mut file, path, offset)?
            }
        };
        if !(is_last && final_record) {
            return Err(JournalError::Corrupt {
                file: path.clone(),
                offset,
                what: damage.map_or_else(
                    || "record cut short before the end of the journal".into(),
                    |(what, _)| what.to_string(),
                ),
            });
        }
        let f = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io(path))?;
        f.set_len(offset).map_err(io(path))?;
        f.sync_all().map_err(io(path))?;
        tracing::warn!(file = %path.display(), offset, dropped = len - offset, "truncated a torn journal tail left by a crash");
        torn_tail = Some(TornTail {
            file: path.clone(),
            offset,
            dropped_bytes: len - offset,
        });
    }
    // The records must continue the snapshot.
    if let Some(first) = first_pending.filter(|first| *first != snap_seq + 1) {
        return Err(JournalError::Gap {
            expected: snap_seq + 1,
            found: first,
            file: dir.to_path_buf(),
        });
    }
    Ok(Scan {
        pending,
        torn_tail,
        last_seq: order.last,
    })
}
