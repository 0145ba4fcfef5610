//! The on-disk record format.
//!
//! A segment file starts with the 8-byte magic [`MAGIC`], then records:
//!
//! ```text
//! [payload length: u32 LE][crc32 of seq ‖ payload: u32 LE][seq: u64 LE][payload: JSON]
//! ```
//!
//! The checksum covers the sequence number too, so a record copied to the wrong place or a seq
//! bit flip is caught.

/// First bytes of every segment file.
pub const MAGIC: &[u8; 8] = b"CKJRNL01";
/// Bytes before a record's payload.
pub const HEADER: usize = 16;
/// Largest payload accepted; a larger length field is damage, not data.
pub const MAX_PAYLOAD: usize = 64 << 20;

/// Appends one record to `buf`.
pub fn encode(seq: u64, payload: &[u8], buf: &mut Vec<u8>) {
    let mut crc = crc32fast::Hasher::new();
    crc.update(&seq.to_le_bytes());
    crc.update(payload);
    buf.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    buf.extend_from_slice(&crc.finalize().to_le_bytes());
    buf.extend_from_slice(&seq.to_le_bytes());
    buf.extend_from_slice(payload);
}

/// What reading one record at an offset found.
#[derive(Debug, PartialEq, Eq)]
pub enum Read<'a> {
    /// A valid record and the offset just after it.
    Record {
        /// Its sequence number.
        seq: u64,
        /// Its payload.
        payload: &'a [u8],
        /// Where the next record starts.
        next: usize,
    },
    /// The bytes end exactly here: no more records.
    End,
    /// The record is cut short by the end of the data (a torn write).
    Truncated,
    /// The record is whole but its checksum or length is wrong.
    Damaged(&'static str),
}

/// Reads the record at `at` in `data`.
pub fn read(data: &[u8], at: usize) -> Read<'_> {
    let rest = &data[at.min(data.len())..];
    if rest.is_empty() {
        return Read::End;
    }
    if rest.len() < HEADER {
        return Read::Truncated;
    }
    let word = |i: usize| -> [u8; 4] { [rest[i], rest[i + 1], rest[i + 2], rest[i + 3]] };
    let len = u32::from_le_bytes(word(0)) as usize;
    let crc = u32::from_le_bytes(word(4));
    let mut seq_bytes = [0u8; 8];
    seq_bytes.copy_from_slice(&rest[8..16]);
    let seq = u64::from_le_bytes(seq_bytes);
    if len > MAX_PAYLOAD {
        return Read::Damaged("length field larger than any record");
    }
    if rest.len() < HEADER + len {
        return Read::Truncated;
    }
    let payload = &rest[HEADER..HEADER + len];
    let mut h = crc32fast::Hasher::new();
    h.update(&seq_bytes);
    h.update(payload);
    if h.finalize() != crc {
        return Read::Damaged("checksum mismatch");
    }
    Read::Record {
        seq,
        payload,
        next: at + HEADER + len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let mut buf = Vec::new();
        encode(7, b"{\"a\":1}", &mut buf);
        encode(8, b"{}", &mut buf);
        let Read::Record { seq, payload, next } = read(&buf, 0) else {
            panic!()
        };
        assert_eq!((seq, payload), (7, &b"{\"a\":1}"[..]));
        assert!(matches!(read(&buf, next), Read::Record { seq: 8, .. }));
        assert_eq!(read(&buf, buf.len()), Read::End);
        assert_eq!(read(&buf[..buf.len() - 1], next), Read::Truncated);
        assert_eq!(read(&buf[..next + 3], next), Read::Truncated);
        let mut bad = buf.clone();
        bad[HEADER + 2] ^= 1;
        assert_eq!(read(&bad, 0), Read::Damaged("checksum mismatch"));
        let mut seq_flip = buf.clone();
        seq_flip[9] ^= 1;
        assert_eq!(read(&seq_flip, 0), Read::Damaged("checksum mismatch"));
    }
}
