//! The history's writer thread: applies the exchange's changes in journal order, only once their
//! records are durable, many records per SQLite transaction.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use rusqlite::{Connection, Transaction, params};

use super::Point;
use super::rows::{Change, OrderRow, TradeRow};
use super::schema::{INSERT_ORDER, id_key, int};

/// How long a failed commit waits before it is tried again.
const RETRY: Duration = Duration::from_millis(250);
/// Changes gathered before a commit is forced even if more are waiting.
const BATCH: usize = 20_000;
/// How long after a commit the writer gathers changes before the next one, unless someone waits
/// for it ([`Hurry`]). Under load the journal becomes durable hundreds of times a second; a
/// commit per durable point rewrote the same index and table pages into the write-ahead log each
/// time (the writer then took 0.4 of a core at 2,000 orders/s); gathering for a few
/// milliseconds writes each page once per commit, and costs a query nothing, since a query
/// waiting for the history cuts the linger short.
const LINGER: Duration = Duration::from_millis(10);
/// How long the writer works on a commit before it lets the other threads waiting for its core
/// run. A commit gathers [`LINGER`]'s worth of changes, milliseconds of work at a few thousand
/// orders a second; the scheduler lets a running thread finish its slice (a few milliseconds)
/// before a thread woken on the same core runs, so without a yield an order handler or the
/// streams' hub woken meanwhile waited that long (a scheduler trace of the simulator bench showed
/// a 3.8 ms run of this thread holding both back by 3.7–3.9 ms). Yielding costs one system call
/// when nothing waits.
const SLICE: Duration = Duration::from_micros(200);

/// Cuts the writer's linger short: set by whoever waits for a commit (a query catching up, the
/// admission of changes when the history is far behind, a snapshot's checkpoint).
#[derive(Debug, Clone, Default)]
pub(super) struct Hurry {
    flag: Arc<AtomicBool>,
    writer: Option<std::thread::Thread>,
}

impl Hurry {
    /// The same signal, able to wake the writer thread `t`.
    pub fn with_writer(mut self, t: std::thread::Thread) -> Hurry {
        self.writer = Some(t);
        self
    }

    /// Asks the writer to commit now.
    pub fn now(&self) {
        self.flag.store(true, Ordering::SeqCst);
        if let Some(t) = &self.writer {
            t.unpark();
        }
    }

    /// Whether a commit was asked for since the last look (and forgets it).
    fn asked(&self) -> bool {
        self.flag.swap(false, Ordering::SeqCst)
    }
}

/// What the writer is told.
pub(super) enum Msg {
    /// The changes of record `seq` (every record sends one, empty or not, in order).
    Changes { seq: u64, changes: Vec<Change> },
    /// Every record up to this one is durable in the journal.
    Durable(u64),
    /// Reply once every change up to `through` is committed and checkpointed into the database
    /// file (fsynced): what a snapshot needs before the journal before it may be pruned.
    Checkpoint {
        through: u64,
        ack: mpsc::Sender<Result<(), String>>,
    },
    /// Commit what is durable and stop.
    Stop,
}

/// The writer's state between messages.
pub(super) struct Writer {
    pub conn: Connection,
    /// Set when someone waits for a commit.
    pub hurry: Hurry,
    pub publish: tokio::sync::watch::Sender<Point>,
    /// Committed through this record.
    pub applied: u64,
    /// Changes received through this record.
    pub received: u64,
    /// The journal is durable through this record.
    pub durable: u64,
    pub pending: VecDeque<(u64, Vec<Change>)>,
    pub checkpoints: Vec<(u64, mpsc::Sender<Result<(), String>>)>,
    /// Fault drills: commits fail while this says so.
    pub faults: Option<std::sync::Arc<super::HistoryFaults>>,
    /// Commits since the write-ahead log's size was last looked at.
    pub since_wal_check: u32,
}

/// Commits between two looks at the write-ahead log's size.
const WAL_CHECK_EVERY: u32 = 256;

/// Pages the write-ahead log may hold before the writer waits for readers to let it start over
/// (64 MiB of 4 KiB pages). SQLite's own checkpoints after each commit copy pages into the
/// database but cannot start the log over while readers are at work, and the order path's
/// duplicate lookups keep them at work: without this the log grew without bound in a run with
/// no snapshots, and the next start (reading the log back) took seconds.
const WAL_PAGES: i64 = 16_384;

impl Writer {
    pub fn run(mut self, rx: mpsc::Receiver<Msg>) {
        let mut stopping = false;
        let mut last_commit = Instant::now();
        while !stopping {
            let failing = self.publish.borrow().failure.is_some();
            let first = if failing {
                match rx.recv_timeout(RETRY) {
                    Ok(m) => Some(m),
                    Err(mpsc::RecvTimeoutError::Timeout) => None,
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            } else {
                match rx.recv() {
                    Ok(m) => Some(m),
                    Err(_) => break,
                }
            };
            let mut gathered = 0;
            let mut next = first;
            let until = last_commit + LINGER;
            loop {
                while let Some(m) = next.take() {
                    gathered += self.take(m, &mut stopping);
                    if gathered < BATCH {
                        next = rx.try_recv().ok();
                    }
                }
                let now = Instant::now();
                if stopping || failing || gathered >= BATCH || now >= until || self.hurry.asked() {
                    break;
                }
                // messages queue meanwhile; a waiter unparks the thread
                std::thread::park_timeout(until - now);
                next = rx.try_recv().ok();
            }
            self.commit();
            last_commit = Instant::now();
            self.bound_wal();
        }
        while let Ok(m) = rx.try_recv() {
            self.take(m, &mut stopping);
        }
        self.commit();
        // leave the log empty: the next start need not read it back
        if let Err(e) = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        {
            tracing::warn!(error = %e, "history: the write-ahead log was not emptied at close");
        }
        for (_, ack) in self.checkpoints.drain(..) {
            let _ = ack.send(Err("the history writer stopped".into()));
        }
    }

    /// Every [`WAL_CHECK_EVERY`] commits: if the write-ahead log holds more than [`WAL_PAGES`]
    /// pages, checkpoints it and starts it over (`RESTART` waits for the readers' short
    /// queries, within the busy timeout). Only the history waits meanwhile, never trading.
    fn bound_wal(&mut self) {
        self.since_wal_check += 1;
        if self.since_wal_check < WAL_CHECK_EVERY {
            return;
        }
        self.since_wal_check = 0;
        let pages: rusqlite::Result<i64> =
            self.conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1));
        if pages.is_ok_and(|p| p > WAL_PAGES)
            && let Err(e) = self
                .conn
                .query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()))
        {
            tracing::warn!(error = %e, "history: the write-ahead log could not start over");
        }
    }

    /// Takes one message in; returns how many changes it brought (plus one per record).
    fn take(&mut self, m: Msg, stopping: &mut bool) -> usize {
        match m {
            Msg::Changes { seq, changes } => {
                let n = changes.len() + 1;
                self.received = self.received.max(seq);
                if !changes.is_empty() {
                    self.pending.push_back((seq, changes));
                }
                n
            }
            Msg::Durable(seq) => {
                self.durable = self.durable.max(seq);
                0
            }
            Msg::Checkpoint { through, ack } => {
                self.checkpoints.push((through, ack));
                0
            }
            Msg::Stop => {
                *stopping = true;
                0
            }
        }
    }

    /// Commits every pending change whose record is durable, then answers the checkpoints it
    /// covers. A failure rolls the transaction back, keeps the changes and is published; the
    /// next message or [`RETRY`] tries again.
    fn commit(&mut self) {
        let target = self.received.min(self.durable);
        if target > self.applied {
            match self.write_through(target) {
                Ok(()) => {
                    let mut written = 0;
                    while let Some((_, changes)) = self.pending.pop_front_if(|(s, _)| *s <= target)
                    {
                        written += changes.len() as u64;
                    }
                    self.applied = target;
                    self.publish.send_modify(|p| {
                        p.applied = target;
                        p.committed += written;
                        p.failure = None;
                    });
                }
                Err(e) => {
                    let msg = format!("history database write failed: {e}");
                    if self.publish.borrow().failure.as_deref() != Some(msg.as_str()) {
                        tracing::error!(error = %e, "history database write failed; retrying");
                    }
                    self.publish.send_modify(|p| p.failure = Some(msg));
                    return;
                }
            }
        }
        let applied = self.applied;
        let mut waiting = Vec::new();
        for (through, ack) in self.checkpoints.drain(..) {
            if through <= applied {
                let _ = ack.send(checkpoint(&self.conn).map_err(|e| e.to_string()));
            } else {
                waiting.push((through, ack));
            }
        }
        self.checkpoints = waiting;
    }

    fn write_through(&mut self, target: u64) -> rusqlite::Result<()> {
        if let Some(e) = self.faults.as_ref().and_then(|f| f.take()) {
            return Err(e);
        }
        let tx = self.conn.transaction()?;
        let mut turn = Instant::now();
        for (seq, changes) in &self.pending {
            if *seq > target {
                break;
            }
            for c in changes {
                write(&tx, c)?;
                if turn.elapsed() >= SLICE {
                    std::thread::yield_now();
                    turn = Instant::now();
                }
            }
        }
        tx.execute(
            "UPDATE progress SET applied_seq = ? WHERE id = 0",
            [int(target)],
        )?;
        tx.commit()
    }
}

/// Copies the write-ahead log into the database file and fsyncs it.
fn checkpoint(conn: &Connection) -> rusqlite::Result<()> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(FULL)", [], |r| r.get(0))?;
    if busy != 0 {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some("the history checkpoint could not complete (readers busy)".into()),
        ));
    }
    Ok(())
}

fn to_json<T: serde::Serialize>(v: &T) -> rusqlite::Result<String> {
    serde_json::to_string(v).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// Applies one change inside `tx`.
fn write(tx: &Transaction<'_>, change: &Change) -> rusqlite::Result<()> {
    match change {
        Change::OrderEnded(row) => write_order(tx, row),
        Change::Trade(row) => write_trade(tx, row),
        Change::TradeStatus { id, status, at } => {
            tx.prepare_cached("UPDATE trades SET status = ?, last_update = ? WHERE id = ?")?
                .execute(params![status.as_str(), int(*at), int(*id)])?;
            Ok(())
        }
        Change::Notification { owner, row } => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO notifications (id, owner, kind, payload, timestamp) \
                 VALUES (?, ?, ?, ?, ?)",
            )?
            .execute(params![
                int(row.id),
                owner,
                row.kind,
                row.payload.text(),
                int(row.timestamp)
            ])?;
            Ok(())
        }
        Change::DropNotifications { owner, ids } => {
            let mut stmt =
                tx.prepare_cached("DELETE FROM notifications WHERE owner = ? AND id = ?")?;
            for id in ids {
                stmt.execute(params![owner, int(*id)])?;
            }
            Ok(())
        }
    }
}

fn write_order(tx: &Transaction<'_>, row: &OrderRow) -> rusqlite::Result<()> {
    let t = &row.spec.terms;
    let (id, key) = (t.id.to_string(), id_key(&t.id));
    // an order stored again replaces its row (replaying a record twice changes nothing)
    tx.prepare_cached("DELETE FROM orders WHERE id_key = ? AND id = ?")?
        .execute(params![key, id])?;
    tx.prepare_cached(INSERT_ORDER)?.execute(params![
        id,
        key,
        row.spec.owner.as_str(),
        row.market.to_string(),
        t.token.to_string(),
        t.side.as_str(),
        row.price,
        int(t.shares()),
        int(row.size_matched),
        row.status.as_str(),
        int(row.created_at),
        to_json(row)?,
    ])?;
    Ok(())
}

fn write_trade(tx: &Transaction<'_>, row: &TradeRow) -> rusqlite::Result<()> {
    let t = &row.trade;
    let id = int(t.id.0);
    tx.prepare_cached(
        "INSERT OR REPLACE INTO trades (id, market, asset_id, price_pips, maker_asset_id, \
         maker_price_pips, size, status, match_time, last_update, row) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?
    .execute(params![
        id,
        t.market.to_string(),
        t.token.to_string(),
        t.price,
        t.maker.token.to_string(),
        t.maker.price,
        int(t.shares),
        t.status.as_str(),
        int(t.match_time),
        int(row.last_update),
        to_json(row)?,
    ])?;
    let mut party = tx.prepare_cached(
        "INSERT OR IGNORE INTO trade_parties (owner, trade_id, is_taker, address) \
         VALUES (?, ?, ?, ?)",
    )?;
    // the taker first: a self-trade is listed once, as the taker's
    party.execute(params![row.owners.0, id, true, t.taker.to_string()])?;
    party.execute(params![row.owners.1, id, false, t.maker.maker.to_string()])?;
    let mut builder = tx.prepare_cached(
        "INSERT OR REPLACE INTO builder_trades (code, pos, trade_id, is_taker, asset_id, address) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )?;
    for (taker, code) in [(true, &row.builders.0), (false, &row.builders.1)] {
        if code.is_zero() {
            continue;
        }
        let side = t.side(taker);
        let pos = t.id.0.saturating_mul(2).saturating_add(u64::from(!taker));
        builder.execute(params![
            code.to_string(),
            int(pos),
            id,
            taker,
            side.token.to_string(),
            side.maker.to_string()
        ])?;
    }
    Ok(())
}
