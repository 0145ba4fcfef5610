//! Recovery: which snapshot to start from, and which journal records to replay after it.
//!
//! The newest snapshot that reads and checks wins. Segments are read oldest first; every record
//! must continue the one before it. A torn tail (the last record of the last segment cut short,
//! or garbled with only zeros after it, by a crash mid-write) is cut off and reported; damage
//! anywhere else refuses to start, naming the file and offset.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::record::{self, MAGIC, Read};
use super::{JournalError, TornTail, io, list};

/// What the segments hold after the snapshot.
pub(super) struct Replay<T> {
    /// Records after the snapshot, in order.
    pub records: super::Replayed<T>,
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

/// Decodes checked records, in order, splitting them among the cores (decoding is most of the
/// time of a long replay); the first record that does not decode is the error.
fn decode<T: DeserializeOwned + Send>(
    path: &Path,
    undecoded: &[(u64, usize, &[u8])],
) -> Result<Vec<Vec<(u64, T)>>, JournalError> {
    let one = |&(seq, at, payload): &(u64, usize, &[u8])| {
        serde_json::from_slice(payload)
            .map(|v| (seq, v))
            .map_err(|e| JournalError::Corrupt {
                file: path.to_path_buf(),
                offset: at as u64,
                what: format!("record {seq} does not decode: {e}"),
            })
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if cores < 2 || undecoded.len() < 4_096 {
        return Ok(vec![undecoded.iter().map(one).collect::<Result<_, _>>()?]);
    }
    let chunk = undecoded.len().div_ceil(cores);
    // each thread's part is kept as it is (no copy into one list: a long replay's records are
    // hundreds of megabytes)
    std::thread::scope(|scope| {
        let handles: Vec<_> = undecoded
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(one).collect()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(JournalError::Writer("a decoding thread panicked".into()))
                })
            })
            .collect()
    })
}

/// Reads `segments` (oldest first) and returns the records after `snap_seq`, cutting a torn tail
/// off the last one.
pub(super) fn replay<T: DeserializeOwned + Send>(
    dir: &Path,
    segments: &[(u64, PathBuf)],
    snap_seq: u64,
) -> Result<Replay<T>, JournalError> {
    let mut records = super::Replayed::default();
    let mut torn_tail = None;
    let mut last_seq: Option<u64> = None;
    let count = segments.len();
    for (i, (first, path)) in segments.iter().enumerate() {
        let is_last = i + 1 == count;
        let data = fs::read(path).map_err(io(path))?;
        if data.len() < MAGIC.len() || &data[..MAGIC.len()] != MAGIC {
            if is_last && data.len() < MAGIC.len() && MAGIC.starts_with(&data) {
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
            return Err(JournalError::Corrupt {
                file: path.clone(),
                offset: 0,
                what: "not a clobkit journal segment".into(),
            });
        }
        let mut at = MAGIC.len();
        // the records to replay, checked but not yet decoded (decoding runs on every core)
        let mut undecoded: Vec<(u64, usize, &[u8])> = Vec::new();
        loop {
            match record::read(&data, at) {
                Read::Record { seq, payload, next } => {
                    let expected = last_seq.map_or(*first, |l| l + 1);
                    if seq != expected {
                        return Err(JournalError::Gap {
                            expected,
                            found: seq,
                            file: path.clone(),
                        });
                    }
                    if seq > snap_seq {
                        undecoded.push((seq, at, payload));
                    }
                    last_seq = Some(seq);
                    at = next;
                }
                Read::End => break,
                other => {
                    let rest_is_zero = data[at..].iter().all(|&b| b == 0);
                    let final_record = match other {
                        Read::Truncated => true,
                        Read::Damaged(_) => {
                            let len = u32::from_le_bytes([
                                data[at],
                                data[at + 1],
                                data[at + 2],
                                data[at + 3],
                            ]) as usize;
                            at + record::HEADER + len >= data.len() || rest_is_zero
                        }
                        _ => false,
                    };
                    if !(is_last && final_record) {
                        let what = match other {
                            Read::Damaged(w) => w.to_string(),
                            _ => "record cut short before the end of the journal".into(),
                        };
                        return Err(JournalError::Corrupt {
                            file: path.clone(),
                            offset: at as u64,
                            what,
                        });
                    }
                    let f = OpenOptions::new()
                        .write(true)
                        .open(path)
                        .map_err(io(path))?;
                    f.set_len(at as u64).map_err(io(path))?;
                    f.sync_all().map_err(io(path))?;
                    tracing::warn!(file = %path.display(), offset = at, dropped = data.len() - at, "truncated a torn journal tail left by a crash");
                    torn_tail = Some(TornTail {
                        file: path.clone(),
                        offset: at as u64,
                        dropped_bytes: (data.len() - at) as u64,
                    });
                    break;
                }
            }
        }
        records.parts.extend(decode(path, &undecoded)?);
    }
    // The records must continue the snapshot.
    if let Some((first, _)) = records.first().filter(|(first, _)| *first != snap_seq + 1) {
        return Err(JournalError::Gap {
            expected: snap_seq + 1,
            found: *first,
            file: dir.to_path_buf(),
        });
    }
    Ok(Replay {
        records,
        torn_tail,
        last_seq,
    })
}
