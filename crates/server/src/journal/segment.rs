//! Reading one segment file's records a block at a time.
//!
//! Recovery never holds a whole segment: a segment written without snapshots can be hundreds
//! of megabytes, and holding it (and everything decoded from it) at once made a long replay
//! fault in fresh memory for all of it. A block is [`BLOCK`] bytes read from the file, or more
//! when one record is larger; a record cut by the block's end is carried into the next block.

use std::fs::File;
use std::io::Read as _;
use std::ops::Range;
use std::path::Path;

use super::record::{self, HEADER, MAGIC, Read};
use super::{JournalError, io};

/// Bytes read from a segment at a time.
pub(super) const BLOCK: usize = 1 << 20;

/// One record found in a block.
#[derive(Debug, Clone)]
pub(super) struct Framed {
    /// Its sequence number.
    pub seq: u64,
    /// Where its payload lies in the block's bytes.
    pub payload: Range<usize>,
    /// Where the record starts in the file (for errors).
    pub offset: u64,
}

/// Bytes read from a segment and the whole, checked records among them.
#[derive(Debug)]
pub(super) struct Block {
    /// The bytes.
    pub data: Vec<u8>,
    /// The records, in order.
    pub records: Vec<Framed>,
}

/// How the records of a segment end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ending {
    /// The last record ends where the file ends.
    Clean,
    /// The file ends inside the record starting at `offset`.
    Truncated {
        /// Where the cut record starts.
        offset: u64,
    },
    /// The record at `offset` is whole but its checksum or length field is wrong.
    Damaged {
        /// Where it starts.
        offset: u64,
        /// What is wrong with it.
        what: &'static str,
        /// The payload length its header claims.
        claimed: usize,
    },
}

/// What the first bytes of a segment say.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Start {
    /// The magic: records follow.
    Magic,
    /// A prefix of the magic and nothing else: the segment was being created when the process
    /// stopped.
    Unfinished,
    /// Something else: not a segment.
    Foreign,
}

/// Reads the first bytes of `file` (positioned at its start) and says what they are.
pub(super) fn start(file: &mut File, path: &Path) -> Result<Start, JournalError> {
    let mut head = Vec::with_capacity(MAGIC.len());
    fill(file, path, &mut head, MAGIC.len())?;
    Ok(if head == MAGIC {
        Start::Magic
    } else if MAGIC.starts_with(&head) {
        Start::Unfinished
    } else {
        Start::Foreign
    })
}

/// Reads the records of `file` from its current position (just after the magic) to its end,
/// handing each block to `each`, which returns `false` to stop reading. Returns how the records
/// end (`Clean` too when stopped early).
pub(super) fn read_blocks(
    file: &mut File,
    path: &Path,
    mut each: impl FnMut(Block) -> Result<bool, JournalError>,
) -> Result<Ending, JournalError> {
    // file offset of the block's first byte
    let mut base = MAGIC.len() as u64;
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let want = BLOCK.max(needed(&carry));
        let mut data = Vec::with_capacity(want);
        data.extend_from_slice(&carry);
        let eof = fill(file, path, &mut data, want)?;
        let mut records = Vec::new();
        let mut at = 0;
        let mut ending = None;
        loop {
            match record::read(&data, at) {
                Read::Record { seq, payload, next } => {
                    let start = next - payload.len();
                    records.push(Framed {
                        seq,
                        payload: start..next,
                        offset: base + at as u64,
                    });
                    at = next;
                }
                Read::End => break,
                Read::Truncated if !eof => break,
                Read::Truncated => {
                    ending = Some(Ending::Truncated {
                        offset: base + at as u64,
                    });
                    break;
                }
                Read::Damaged(what) => {
                    ending = Some(Ending::Damaged {
                        offset: base + at as u64,
                        what,
                        claimed: claimed_len(&data[at..]),
                    });
                    break;
                }
            }
        }
        carry = data[at..].to_vec();
        base += at as u64;
        let more = records.is_empty() || each(Block { data, records })?;
        match ending {
            Some(ending) => return Ok(ending),
            None if eof && carry.is_empty() => return Ok(Ending::Clean),
            None if !more => return Ok(Ending::Clean),
            None => {}
        }
    }
}

/// Whether every byte of `file` from `offset` to its end is zero (room made ahead of the
/// records, or a torn write that never reached the disk).
pub(super) fn zeros_from(file: &mut File, path: &Path, offset: u64) -> Result<bool, JournalError> {
    use std::io::Seek as _;
    file.seek(std::io::SeekFrom::Start(offset))
        .map_err(io(path))?;
    let mut buf = Vec::with_capacity(BLOCK);
    loop {
        buf.clear();
        let eof = fill(file, path, &mut buf, BLOCK)?;
        if buf.iter().any(|&b| b != 0) {
            return Ok(false);
        }
        if eof {
            return Ok(true);
        }
    }
}

/// Bytes a block must hold for the record at the start of `carry` to fit whole.
fn needed(carry: &[u8]) -> usize {
    if carry.len() < HEADER {
        return HEADER;
    }
    HEADER + claimed_len(carry).min(record::MAX_PAYLOAD)
}

/// The payload length in the header at the start of `bytes` (0 if the header is cut).
fn claimed_len(bytes: &[u8]) -> usize {
    match bytes {
        [a, b, c, d, ..] => u32::from_le_bytes([*a, *b, *c, *d]) as usize,
        _ => 0,
    }
}

/// Reads from `file` until `buf` holds `want` bytes or the file ends; true if it ended.
fn fill(
    file: &mut File,
    path: &Path,
    buf: &mut Vec<u8>,
    want: usize,
) -> Result<bool, JournalError> {
    let missing = want.saturating_sub(buf.len()) as u64;
    std::io::Read::take(&mut *file, missing)
        .read_to_end(buf)
        .map_err(io(path))?;
    Ok(buf.len() < want)
}
