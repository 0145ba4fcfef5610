//! The journal: durability, group commit, crash recovery and snapshots, on real files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use clobkit_server::journal::{FaultPoint, Faults, Journal, JournalConfig, JournalError, Recovery};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Rec {
    n: u64,
    note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    sum: u64,
}

fn cfg(dir: &Path) -> JournalConfig {
    JournalConfig {
        dir: dir.to_path_buf(),
        fsync: true,
        faults: None,
        on_durable: None,
    }
}

fn open(dir: &Path) -> (Journal<Rec>, Recovery<Rec, State>) {
    Journal::open(&cfg(dir)).unwrap()
}

fn rec(n: u64) -> Rec {
    Rec {
        n,
        note: format!("record {n} é🚀"),
    }
}

fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("journal-")
        })
        .collect();
    v.sort();
    v
}

/// Cuts (or extends) the file at `path` to `len` bytes, as a crash or a damaged disk might.
fn set_len(path: &Path, len: u64) {
    OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len)
        .unwrap();
}

/// Writes a journal of `count` records made by `make` (from record 1) into `dir`, durably.
fn journal_of<T>(dir: &Path, count: u64, make: impl Fn(u64) -> T)
where
    T: Serialize + serde::de::DeserializeOwned + Send + 'static,
{
    let (mut j, _) = Journal::<T>::open::<State>(&cfg(dir)).unwrap();
    let tickets: Vec<_> = (1..=count).map(|n| j.append(&make(n)).unwrap()).collect();
    for t in tickets {
        t.wait().unwrap();
    }
}

fn append_all(j: &mut Journal<Rec>, range: std::ops::RangeInclusive<u64>) {
    let tickets: Vec<_> = range.map(|n| j.append(&rec(n)).unwrap()).collect();
    for t in tickets {
        t.wait().unwrap();
    }
}

#[test]
fn records_survive_reopen_in_order() {
    let d = tempfile::tempdir().unwrap();
    let (mut j, r) = open(d.path());
    assert_eq!(
        (r.next_seq, r.records.len(), r.snapshot.is_none()),
        (1, 0, true)
    );
    append_all(&mut j, 1..=100);
    drop(j);
    let (j, r) = open(d.path());
    assert_eq!(r.records.len(), 100);
    assert!(
        r.records
            .iter()
            .enumerate()
            .all(|(i, (seq, v))| *seq == i as u64 + 1 && *v == rec(i as u64 + 1))
    );
    assert_eq!(r.torn_tail, None);
    assert_eq!(j.next_seq(), 101);
}

#[test]
fn group_commit_shares_fsyncs() {
    let d = tempfile::tempdir().unwrap();
    let (mut j, _) = open(d.path());
    // 2,000 appends before waiting on any: the writer batches them.
    let tickets: Vec<_> = (1..=2000).map(|n| j.append(&rec(n)).unwrap()).collect();
    let seqs: Vec<u64> = tickets.into_iter().map(|t| t.wait().unwrap()).collect();
    assert_eq!(seqs, (1..=2000).collect::<Vec<_>>());
    let syncs = j.stats().syncs.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        (1..2000).contains(&syncs),
        "{syncs} fsyncs for 2000 records"
    );
    drop(j);
    assert_eq!(open(d.path()).1.records.len(), 2000);
}

#[test]
fn torn_tail_is_truncated_and_reported() {
    for cut in [1usize, 5, 17, 30] {
        let d = tempfile::tempdir().unwrap();
        let (mut j, _) = open(d.path());
        append_all(&mut j, 1..=10);
        drop(j);
        let seg = segments(d.path()).pop().unwrap();
        let len = fs::metadata(&seg).unwrap().len();
        set_len(&seg, len - cut as u64);
        let (mut j, r) = open(d.path());
        assert_eq!(r.records.len(), 9, "cut {cut}");
        let torn = r.torn_tail.expect("reported");
        assert_eq!(torn.file, seg);
        // appending continues after the cut, and the journal reads back whole
        assert_eq!(j.next_seq(), 10);
        append_all(&mut j, 10..=12);
        drop(j);
        let (_, r) = open(d.path());
        assert_eq!(
            r.records.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            (1..=12).collect::<Vec<_>>()
        );
        assert_eq!(r.torn_tail, None);
    }
}

#[test]
fn garbage_or_zeros_after_the_last_record_are_a_torn_tail() {
    for junk in [vec![0u8; 64], b"\x05\x00\x00\x00garbage".to_vec()] {
        let d = tempfile::tempdir().unwrap();
        let (mut j, _) = open(d.path());
        append_all(&mut j, 1..=3);
        drop(j);
        let seg = segments(d.path()).pop().unwrap();
        OpenOptions::new()
            .append(true)
            .open(&seg)
            .unwrap()
            .write_all(&junk)
            .unwrap();
        let (_, r) = open(d.path());
        assert_eq!(r.records.len(), 3);
        assert_eq!(
            r.torn_tail.map(|t| t.dropped_bytes),
            Some(junk.len() as u64)
        );
    }
}

#[test]
fn damage_in_the_middle_refuses_to_start() {
    let d = tempfile::tempdir().unwrap();
    let (mut j, _) = open(d.path());
    append_all(&mut j, 1..=10);
    drop(j);
    let seg = segments(d.path()).pop().unwrap();
    let mut data = fs::read(&seg).unwrap();
    data[8 + 16 + 3] ^= 0x40; // inside the first record's payload
    fs::write(&seg, &data).unwrap();
    let err = Journal::<Rec>::open::<State>(&cfg(d.path())).unwrap_err();
    match &err {
        JournalError::Corrupt { file, offset, what } => {
            assert_eq!(file, &seg);
            assert_eq!(*offset, 8);
            assert_eq!(what, "checksum mismatch");
        }
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("will not start"), "{msg}");
    // nothing was truncated
    assert_eq!(fs::read(&seg).unwrap(), data);
}

#[test]
fn snapshots_bound_replay_and_rotate_segments() {
    let d = tempfile::tempdir().unwrap();
    let (mut j, _) = open(d.path());
    append_all(&mut j, 1..=100);
    assert_eq!(j.snapshot(&State { sum: 5050 }).unwrap(), 100);
    append_all(&mut j, 101..=150);
    drop(j);
    let (mut j, r) = open(d.path());
    assert_eq!(r.snapshot, Some((100, State { sum: 5050 })));
    assert_eq!(r.records.first().map(|x| x.0), Some(101));
    assert_eq!(r.records.len(), 50);
    // two more snapshots: only the two newest stay, and the segments before the older one go
    j.snapshot(&State { sum: 1 }).unwrap();
    append_all(&mut j, 151..=160);
    j.snapshot(&State { sum: 2 }).unwrap();
    append_all(&mut j, 161..=170);
    drop(j);
    let snaps: Vec<_> = fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("snapshot-"))
        .collect();
    assert_eq!(snaps.len(), 2, "{snaps:?}");
    let (_, r) = open(d.path());
    assert_eq!(r.snapshot.map(|s| s.0), Some(160));
    assert_eq!(
        r.records.iter().map(|x| x.0).collect::<Vec<_>>(),
        (161..=170).collect::<Vec<_>>()
    );
}

#[test]
fn a_damaged_newest_snapshot_falls_back_to_the_previous_one() {
    let d = tempfile::tempdir().unwrap();
    let (mut j, _) = open(d.path());
    append_all(&mut j, 1..=10);
    j.snapshot(&State { sum: 10 }).unwrap();
    append_all(&mut j, 11..=20);
    j.snapshot(&State { sum: 20 }).unwrap();
    append_all(&mut j, 21..=25);
    drop(j);
    let newest = d.path().join(format!("snapshot-{:020}.json", 20));
    let mut data = fs::read(&newest).unwrap();
    let last = data.len() - 2;
    data[last] ^= 1;
    fs::write(&newest, data).unwrap();
    // a crash while writing a snapshot leaves only a temporary file, which is ignored
    fs::write(
        d.path().join(format!("snapshot-{:020}.json.tmp", 25)),
        b"half",
    )
    .unwrap();
    let (_, r) = open(d.path());
    assert_eq!(r.snapshot, Some((10, State { sum: 10 })));
    assert_eq!(
        r.records.iter().map(|x| x.0).collect::<Vec<_>>(),
        (11..=25).collect::<Vec<_>>()
    );
}

#[test]
fn a_missing_segment_is_a_gap() {
    let d = tempfile::tempdir().unwrap();
    let (mut j, _) = open(d.path());
    append_all(&mut j, 1..=5);
    j.snapshot(&State { sum: 0 }).unwrap();
    append_all(&mut j, 6..=8);
    drop(j);
    // remove the snapshot: replay must start at 1, but the first segment kept starts later?
    for p in segments(d.path()) {
        if p.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .ends_with("00000000000000000001.log")
        {
            fs::remove_file(&p).unwrap();
        }
    }
    for e in fs::read_dir(d.path()).unwrap() {
        let p = e.unwrap().path();
        if p.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("snapshot-")
        {
            fs::remove_file(p).unwrap();
        }
    }
    let err = Journal::<Rec>::open::<State>(&cfg(d.path())).unwrap_err();
    assert!(
        matches!(
            err,
            JournalError::Gap {
                expected: 1,
                found: 6,
                ..
            }
        ),
        "{err:?}"
    );
}

fn with_faults(dir: &Path) -> (Journal<Rec>, std::sync::Arc<Faults>) {
    let faults = std::sync::Arc::new(Faults::default());
    let config = JournalConfig {
        faults: Some(faults.clone()),
        ..cfg(dir)
    };
    let (j, _) = Journal::<Rec>::open::<State>(&config).unwrap();
    (j, faults)
}

/// A failed write or fsync poisons the writer for good (the page cache may have dropped the
/// data): that batch's tickets and every later one fail, the failure is published, and what was
/// durable before it is all that recovery finds.
#[test]
fn a_failed_write_or_fsync_stops_the_journal_for_good() {
    for point in [FaultPoint::Write, FaultPoint::Fsync] {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, faults) = with_faults(dir.path());
        append_all(&mut j, 1..=3);
        let durable = j.durability();
        assert_eq!(durable.borrow().seq, 3);
        faults.arm(point, 1, std::io::ErrorKind::Other);
        let t = j.append(&rec(4)).unwrap();
        assert!(
            t.wait().is_err(),
            "{point:?}: the failed batch is not durable"
        );
        // the fault is gone, but nothing after it can be trusted: still refused
        let t = j.append(&rec(5)).unwrap();
        assert!(
            t.wait().is_err(),
            "{point:?}: later records are refused too"
        );
        let d = durable.borrow().clone();
        assert_eq!(d.seq, 3, "{point:?}");
        assert!(
            d.failure.as_deref().is_some_and(|f| f.contains("injected")),
            "{d:?}"
        );
        drop(j);
        let (_, r) = open(dir.path());
        // a failed write left nothing; a failed fsync may have left the bytes (here it did)
        let kept: Vec<u64> = r.records.iter().map(|(s, _)| *s).collect();
        assert!(kept.starts_with(&[1, 2, 3]), "{point:?}: {kept:?}");
    }
}

/// A segment that cannot be created at a snapshot (EMFILE, EPERM) fails the snapshot only: the
/// journal keeps appending to the current segment, and the next snapshot succeeds.
#[test]
fn a_failed_rotation_fails_the_snapshot_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let (mut j, faults) = with_faults(dir.path());
    append_all(&mut j, 1..=3);
    faults.arm(FaultPoint::Create, 2, std::io::ErrorKind::PermissionDenied);
    assert!(j.snapshot(&State { sum: 6 }).is_err());
    append_all(&mut j, 4..=5);
    assert!(
        j.snapshot(&State { sum: 15 }).is_err(),
        "failing repeatedly"
    );
    append_all(&mut j, 6..=6);
    assert_eq!(j.durability().borrow().failure, None);
    // the cause is gone: the next snapshot works
    assert_eq!(j.snapshot(&State { sum: 21 }).unwrap(), 6);
    append_all(&mut j, 7..=8);
    drop(j);
    let (_, r) = open(dir.path());
    assert_eq!(r.snapshot.map(|(s, st)| (s, st.sum)), Some((6, 21)));
    assert_eq!(
        r.records.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        vec![7, 8]
    );
    assert!(
        !std::fs::read_dir(dir.path()).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp")),
        "no temporary file left behind"
    );
}

/// faults.md F9: the snapshot header's sequence number is inside the checksum and must match
/// the file name; a header edited to another number is refused (the previous snapshot is used),
/// so no record is replayed twice or skipped.
#[test]
fn a_snapshot_whose_header_lies_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (mut j, _) = open(dir.path());
        append_all(&mut j, 1..=3);
        j.snapshot(&State { sum: 6 }).unwrap();
        append_all(&mut j, 4..=6);
        j.snapshot(&State { sum: 21 }).unwrap();
        append_all(&mut j, 7..=7);
    }
    let newest = dir.path().join(format!("snapshot-{:020}.json", 6));
    let text = fs::read(&newest).unwrap();
    let nl = text.iter().position(|&b| b == b'\n').unwrap();
    let header = String::from_utf8(text[..nl].to_vec()).unwrap();
    assert!(header.starts_with("CKSNAP02 6 "), "{header}");
    for lie in ["CKSNAP02 5 ", "CKSNAP02 9 "] {
        let mut edited = header.replacen("CKSNAP02 6 ", lie, 1).into_bytes();
        edited.extend_from_slice(&text[nl..]);
        fs::write(&newest, &edited).unwrap();
        let (_, r) = open(dir.path());
        assert_eq!(
            r.snapshot.as_ref().map(|(s, st)| (*s, st.sum)),
            Some((3, 6)),
            "{lie}"
        );
        assert_eq!(
            r.records.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            vec![4, 5, 6, 7],
            "{lie}"
        );
    }
}

/// The zeros written ahead of the records to make room for them (see the journal's `room`):
/// cut at a clean close and at a rotation, so only a crash leaves them, at the end of the last
/// segment, where recovery cuts them as a torn tail with every record intact.
#[test]
fn room_made_ahead_is_cut_at_close_and_rotation_and_after_a_crash() {
    let d = tempfile::tempdir().unwrap();
    let (mut j, _) = open(d.path());
    append_all(&mut j, 1..=5);
    let live = segments(d.path()).pop().unwrap();
    let with_room = fs::metadata(&live).unwrap().len();
    assert!(with_room >= 256 << 10, "room made ahead: {with_room} bytes");

    // a crash now: a copy of the folder as the disk holds it
    let crashed = tempfile::tempdir().unwrap();
    for f in segments(d.path()) {
        fs::copy(&f, crashed.path().join(f.file_name().unwrap())).unwrap();
    }
    let (_, r) = open(crashed.path());
    assert_eq!(r.records.len(), 5);
    let torn = r.torn_tail.expect("the zeros are cut as a torn tail");
    assert_eq!(torn.offset + torn.dropped_bytes, with_room);

    // a rotation cuts the old segment at its last record; a clean close cuts the last one
    j.snapshot(&State { sum: 15 }).unwrap();
    append_all(&mut j, 6..=7);
    drop(j);
    let (_, r) = open(d.path());
    assert_eq!(r.torn_tail, None);
    assert_eq!(
        r.records.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        vec![6, 7]
    );
    for seg in segments(d.path()) {
        let data = fs::read(&seg).unwrap();
        assert_ne!(data.last(), Some(&0), "{} ends in zeros", seg.display());
    }
}

/// A long replay decodes on every core, and still names the first record that does not decode.
#[test]
fn the_first_undecodable_record_is_named_when_decoding_in_parallel() {
    let d = tempfile::tempdir().unwrap();
    journal_of(d.path(), 10_000, |n| {
        if n == 3_000 || n == 9_000 {
            serde_json::json!("not a record")
        } else {
            serde_json::to_value(rec(n)).unwrap()
        }
    });
    match Journal::<Rec>::open::<State>(&cfg(d.path())) {
        Err(JournalError::Corrupt { what, .. }) => {
            assert!(what.starts_with("record 3000 does not decode"), "{what}");
        }
        other => panic!("expected Corrupt, got {:?}", other.map(|_| ())),
    }
    // and a good long journal replays whole, in order
    let d = tempfile::tempdir().unwrap();
    let (mut j, _) = open(d.path());
    append_all(&mut j, 1..=10_000);
    drop(j);
    let (_, r) = open(d.path());
    assert!(r.records.iter().map(|(s, _)| *s).eq(1..=10_000));
    assert!(r.records.iter().all(|(s, v)| v == &rec(*s)));
}

/// A record whose note makes it about `size` bytes long.
fn sized(n: u64, size: usize) -> Rec {
    Rec {
        n,
        note: "x".repeat(size),
    }
}

/// A journal of many blocks is handed over record by record while it is applied: records cut by
/// a block's end, a record larger than a block, all in order; records not taken are checked by
/// `finish`; a torn tail at the end of a long segment is still cut off.
#[test]
fn a_long_journal_streams_in_order_across_blocks() {
    let d = tempfile::tempdir().unwrap();
    let size = |n: u64| {
        if n == 2_500 {
            3 << 20
        } else {
            700 + (n % 301) as usize
        }
    };
    journal_of(d.path(), 6_000, |n| sized(n, size(n)));
    let mut r = Journal::<Rec>::recover::<State>(&cfg(d.path())).unwrap();
    assert_eq!((r.pending(), r.next_seq()), (6_000, 6_001));
    assert!(r.snapshot.is_none());
    for (expected, record) in (1..=3_000u64).zip(r.records()) {
        let (seq, value) = record.unwrap();
        assert_eq!(seq, expected);
        assert_eq!(value, sized(seq, size(seq)));
    }
    let (mut j, done) = r.finish().unwrap();
    assert_eq!(
        (done.replayed, done.next_seq, done.torn_tail),
        (6_000, 6_001, None)
    );
    append_all(&mut j, 6_001..=6_001);
    drop(j);

    // cut the last record short: the long segment loses only it
    let seg = segments(d.path()).pop().unwrap();
    let len = fs::metadata(&seg).unwrap().len();
    set_len(&seg, len - 5);
    let (_, r) = open(d.path());
    assert_eq!(r.records.len(), 6_000);
    assert!(r.records.iter().map(|(s, _)| *s).eq(1..=6_000));
    assert_eq!(r.records[2_499].1, sized(2_500, 3 << 20));
    assert!(r.torn_tail.is_some());
}

/// Damage deep inside a long segment refuses recovery before any record is handed over, and a
/// record that does not decode ends the records at its place, after every record before it.
#[test]
fn long_journal_damage_is_found_before_replay_and_decode_errors_in_order() {
    let d = tempfile::tempdir().unwrap();
    journal_of(d.path(), 8_000, |n| {
        if n == 5_000 || n == 7_500 {
            serde_json::json!("not a record")
        } else {
            serde_json::to_value(sized(n, 1_000)).unwrap()
        }
    });
    let mut r = Journal::<Rec>::recover::<State>(&cfg(d.path())).unwrap();
    let mut taken = 0;
    let error = loop {
        match r.records().next() {
            Some(Ok((seq, value))) => {
                taken += 1;
                assert_eq!((seq, value), (taken, sized(taken, 1_000)));
            }
            Some(Err(e)) => break e,
            None => panic!("the records ended without the decoding error"),
        }
    };
    assert_eq!(taken, 4_999);
    assert!(
        matches!(&error, JournalError::Corrupt { what, .. } if what.starts_with("record 5000 does not decode")),
        "{error}"
    );
    assert!(r.records().next().is_none(), "nothing after the error");
    assert!(
        r.finish().is_err(),
        "a journal that did not replay is not opened"
    );

    // one flipped byte about 6 MB in: refused before any record is handed over
    let seg = segments(d.path()).pop().unwrap();
    let mut data = fs::read(&seg).unwrap();
    let at = data.len() * 3 / 4;
    data[at] ^= 0x20;
    fs::write(&seg, &data).unwrap();
    match Journal::<Rec>::recover::<State>(&cfg(d.path())) {
        Err(JournalError::Corrupt { offset, .. }) => {
            assert!(offset > 5_000_000 && offset <= at as u64, "{offset}")
        }
        other => panic!("expected Corrupt, got {:?}", other.map(|_| ())),
    }
}

/// A segment that changes while it is replayed (cut short under the reader) is an error after
/// the records read before the change, not a silently shorter replay.
#[test]
fn a_segment_cut_during_replay_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    journal_of(d.path(), 40_000, |n| sized(n, 1_000));
    let mut r = Journal::<Rec>::recover::<State>(&cfg(d.path())).unwrap();
    assert!(matches!(r.records().next(), Some(Ok((1, _)))));
    // the reader holds a few blocks ahead of the records taken: far behind 35 MB
    let seg = segments(d.path()).pop().unwrap();
    set_len(&seg, 35 << 20);
    let mut last = 1;
    let error = loop {
        match r.records().next() {
            Some(Ok((seq, _))) => last = seq,
            Some(Err(e)) => break e,
            None => panic!("the replay ended quietly after record {last}"),
        }
    };
    assert!(
        matches!(&error, JournalError::Corrupt { what, .. } if what.contains("changed while the journal was being replayed")),
        "{error}"
    );
    assert!(last > 30_000 && last < 40_000, "{last}");
}
