//! The history database's tables, and how its connections are opened.
//!
//! Amounts are integers in base units (6 decimals) and prices in pips (1e-4), as everywhere in
//! the exchange; ids, tokens and addresses are text as the API prints them. Each table keeps the
//! whole row as JSON in `row` (what the API answers are built from) beside the columns that
//! queries filter on and that a person reads in an SQLite shell.

use std::path::Path;
use std::time::Duration;

use clobkit_core::types::OrderId;
use rusqlite::types::{Type, Value};
use rusqlite::{Connection, OpenFlags};

/// The schema version this build writes (`PRAGMA user_version`).
///
/// Version 2 keys ended orders by arrival (`arrival`, SQLite's rowid) and finds them by id
/// through `id_key`, the id's 64-bit fingerprint, indexed (the id itself is checked too);
/// version 1 keyed them by id. Order ids are digests, so a table keyed by them put each new row
/// (about 500 bytes) on a random page, and every commit read and rewrote one 4 KiB page per
/// ended order into the write-ahead log. Keyed by arrival, new rows fill the last pages, and
/// only the small entries of the fingerprint's index take random pages. Measured with 200,000
/// such rows in commits of 1,000 (Python's `sqlite3`, the same pragmas, an idle machine): 3.9 s
/// of CPU and 1.7 GB written with the id's text as a unique index, 2.4 s and 0.8 GB with the
/// fingerprint's index; keyed by id it had been 12.6 s and 4.2 GB on a busier machine. A version 1
/// database is converted, in one transaction, when the writer opens it.
pub const VERSION: i64 = 2;

/// Moves a version 1 database's ended orders aside, before [`TABLES`] creates the new table.
const FROM_VERSION_1_ASIDE: &str = "
ALTER TABLE orders RENAME TO orders_v1;
DROP INDEX IF EXISTS orders_by_owner;
";

/// The ended orders moved aside, oldest first (ties by id), with the id's text.
const FROM_VERSION_1_ROWS: &str = "SELECT id, owner, market, asset_id, side, price_pips, \
     original_size, size_matched, status, created_at, row FROM orders_v1 ORDER BY created_at, id";

/// The tables and indexes (idempotent).
const TABLES: &str = "
CREATE TABLE IF NOT EXISTS progress (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    applied_seq INTEGER NOT NULL
);
INSERT OR IGNORE INTO progress (id, applied_seq) VALUES (0, 0);
CREATE TABLE IF NOT EXISTS orders (
    arrival INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    id_key INTEGER NOT NULL,
    owner TEXT NOT NULL,
    market TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    side TEXT NOT NULL,
    price_pips INTEGER NOT NULL,
    original_size INTEGER NOT NULL,
    size_matched INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    row TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_by_id_key ON orders (id_key);
CREATE INDEX IF NOT EXISTS orders_by_owner ON orders (owner, created_at);
CREATE TABLE IF NOT EXISTS trades (
    id INTEGER PRIMARY KEY,
    market TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    price_pips INTEGER NOT NULL,
    maker_asset_id TEXT NOT NULL,
    maker_price_pips INTEGER NOT NULL,
    size INTEGER NOT NULL,
    status TEXT NOT NULL,
    match_time INTEGER NOT NULL,
    last_update INTEGER NOT NULL,
    row TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS trades_by_asset ON trades (asset_id, match_time);
CREATE INDEX IF NOT EXISTS trades_by_maker_asset ON trades (maker_asset_id, match_time);
CREATE INDEX IF NOT EXISTS trades_by_market ON trades (market, id);
CREATE TABLE IF NOT EXISTS trade_parties (
    owner TEXT NOT NULL,
    trade_id INTEGER NOT NULL,
    is_taker INTEGER NOT NULL,
    address TEXT NOT NULL,
    PRIMARY KEY (owner, trade_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS builder_trades (
    code TEXT NOT NULL,
    pos INTEGER NOT NULL,
    trade_id INTEGER NOT NULL,
    is_taker INTEGER NOT NULL,
    asset_id TEXT NOT NULL,
    address TEXT NOT NULL,
    PRIMARY KEY (code, pos)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    kind INTEGER NOT NULL,
    payload TEXT NOT NULL,
    timestamp INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_by_owner ON notifications (owner, id);
";

/// Opens the database for writing, creating the tables. WAL lets readers run beside the
/// writer. `synchronous = FULL` syncs the write-ahead log at every commit (about one every
/// 10 ms under load, the writer's linger). The journal is what makes a change durable (the
/// history is completed from it, and snapshots wait for a full checkpoint), so this is for the
/// journal's sake: with `NORMAL`, the log's pages reached the disk only at checkpoints,
/// megabytes at once, and every journal flush issued meanwhile queued behind them (the simulator
/// bench: a user's order p99 of 6.3–7.7 ms with `NORMAL`, 4.2–5.1 ms with `FULL`, on the same
/// disk; BENCHMARKS.md). `OFF` was faster still but can corrupt the database at a power cut.
pub fn open_writer(path: &Path) -> rusqlite::Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // 512 KiB of page cache: the writer appends rows and touches index pages the OS page cache
    // keeps anyway; a larger cache only grows the exchange's memory with the history (measured
    // in the retention bench: 1 MiB for the writer and 256 KiB per reader ended at 1.47x the
    // RSS at 1,000 pairs, 512 and 128 KiB at 1.29-1.36x, with the same throughput and pages)
    conn.pragma_update(None, "cache_size", -512)?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > VERSION {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "history database schema version {version} is newer than this build's {VERSION}"
        )));
    }
    let tx = conn.transaction()?;
    if version == 1 {
        tx.execute_batch(FROM_VERSION_1_ASIDE)?;
    }
    tx.execute_batch(TABLES)?;
    if version == 1 {
        copy_version_1_orders(&tx)?;
        tracing::info!(file = %path.display(), "history database converted to schema version {VERSION}: ended orders keyed by arrival");
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(conn)
}

/// Stores one ended order (the writer's and the conversion's statement): its id, `id_key`, then
/// the other columns of the `orders` table in their order.
pub(crate) const INSERT_ORDER: &str = "INSERT INTO orders (id, id_key, owner, market, asset_id, side, \
     price_pips, original_size, size_matched, status, created_at, row) \
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/// Copies the ended orders a version 1 database kept into the new table, computing each one's
/// `id_key`, then drops the old table.
fn copy_version_1_orders(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    {
        let mut insert = tx.prepare(INSERT_ORDER)?;
        let mut select = tx.prepare(FROM_VERSION_1_ROWS)?;
        let mut rows = select.query([])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let parsed: OrderId = id.parse().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    Type::Text,
                    format!("ended order id {id:?} in the version 1 history: {e}").into(),
                )
            })?;
            let key = id_key(&parsed);
            let mut values = vec![Value::Text(id), Value::Integer(key)];
            for column in 1..11 {
                values.push(r.get(column)?);
            }
            insert.execute(rusqlite::params_from_iter(values))?;
        }
    }
    tx.execute_batch("DROP TABLE orders_v1;")
}

/// The key ended orders are found by: the id's 64-bit fingerprint (the engine's, which spreads
/// counters and padded numbers as well as digests), its bits as SQLite's signed integer.
pub fn id_key(id: &OrderId) -> i64 {
    i64::from_le_bytes(clobkit_engine::order_id_fingerprint(id).to_le_bytes())
}

/// Opens a read-only connection (one per concurrent query).
pub fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // page cache per reader: indexed reads of one page need few pages
    conn.pragma_update(None, "cache_size", -128)?;
    Ok(conn)
}

/// A count or id as an SQLite integer (which is signed: values beyond `i64::MAX`, which no
/// sequence number, id, amount or time here reaches, saturate).
pub fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The last journal record whose changes the database holds.
pub fn applied_seq(conn: &Connection) -> rusqlite::Result<u64> {
    let v: i64 = conn.query_row("SELECT applied_seq FROM progress WHERE id = 0", [], |r| {
        r.get(0)
    })?;
    Ok(u64::try_from(v).unwrap_or(0))
}
