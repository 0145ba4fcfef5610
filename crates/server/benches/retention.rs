//! Retention bench (faults.md F4, F5): memory, stalls, history pages and recovery as history
//! grows. The exchange runs in-process with durability on (journal, fsync, group commit,
//! history database, periodic snapshots); requests are calls to the sequencer as the HTTP
//! handlers make them (`AppState::place`, cancels, reads), without HTTP, auth or signatures,
//! whose costs do not grow with history and are measured by the `load` bench.
//!
//! `cargo bench -p clobkit-server --bench retention [-- PAIRS TRADES]` (default 1,000,000
//! place+cancel pairs and 1,000,000 trades). Bounded by its counts.
//!
//! 1. 100 orders rest for the whole run. Four tasks place and cancel orders in turn while a
//!    reader asks for the book every millisecond and a page of trades every 5 ms; every request's
//!    latency is recorded. RSS is read after 1,000 pairs and after all of them.
//! 2. Trades: a page of trades (100) is read at 1,000 trades and after `TRADES` trades, from
//!    the start and from deep in the listing.
//! 3. Recovery: the folder is reopened (snapshot plus the journal after it), then a folder with
//!    the same commands and no snapshot is replayed whole (`REPLAY_ONLY=1`: only this).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::float_arithmetic,
    missing_docs
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clobkit_core::auth::ApiCredentials;
use clobkit_core::types::{ApiKey, ConditionId, OrderId, OrderType, Side, TokenId};
use clobkit_core::{Address, B256};
use clobkit_engine::{Command, FeeBasis, MarketSpec, ONE, OrderSpec, OrderTerms, Owner, Stamped};
use clobkit_server::app::{AppState, ServerConfig};
use clobkit_server::exchange::Record;
use clobkit_server::history::TradeQuery;
use sha2::{Digest, Sha256};

const KEYS: [&str; 2] = [
    "00000000-0000-4000-8000-00000000000a",
    "00000000-0000-4000-8000-00000000000b",
];
const YES: u64 = 7001;
const NO: u64 = 7002;
const TASKS: u32 = 4;

fn rss_mib() -> f64 {
    memory().0
}

/// Resident memory in MiB from `/proc/self/status`: (all, anonymous, file-backed), so growth can
/// be told apart as heap or as pages of the binary and libraries touched for the first time.
fn memory() -> (f64, f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| -> f64 {
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        kib / 1024.0
    };
    (field("VmRSS:"), field("RssAnon:"), field("RssFile:"))
}

/// Clock ticks (1/100 s) of CPU time: (this process's user, its system, the machine's iowait,
/// the machine's steal), so a slow phase can be told apart as work, the kernel's work for it
/// (page faults, copies), waiting on the disk, or a hypervisor taking the CPU.
fn ticks() -> (u64, u64, u64, u64) {
    let own = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // the fields after the command name (which is in parentheses)
    let after = own.rsplit_once(')').map_or("", |(_, rest)| rest);
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name
    let (user, system) = (
        f.get(11).copied().unwrap_or(0),
        f.get(12).copied().unwrap_or(0),
    );
    let all = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let m: Vec<u64> = all
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    let at = |i: usize| m.get(i).copied().unwrap_or(0);
    (user, system, at(4), at(7))
}

fn print_memory(when: &str) {
    let (all, anon, file) = memory();
    println!("   RSS {when}: {all:.1} MiB (anonymous {anon:.1}, file-backed {file:.1})");
}

fn wallet(k: usize) -> Address {
    Address::repeat_byte(0xa0 + k as u8)
}

fn bid(n: u64, k: usize, token: u64, tenths_of_cents: u64) -> OrderSpec {
    // a digest, as real order ids are (EIP-712 hashes)
    let mut h = Sha256::new();
    h.update(n.to_be_bytes());
    h.update([k as u8]);
    h.update(token.to_be_bytes());
    let id: [u8; 32] = h.finalize().into();
    OrderSpec {
        terms: OrderTerms {
            id: OrderId(B256::from(id)),
            maker: wallet(k),
            token: TokenId::from(token),
            side: Side::Buy,
            // 10 shares at tenths_of_cents / 1000
            maker_amount: tenths_of_cents * ONE / 100,
            taker_amount: 10 * ONE,
            fee_rate_bps: 0,
            fees: FeeBasis::Operator,
            builder: B256::ZERO,
            order_type: OrderType::Gtc,
            expiration: 0,
        },
        owner: Owner::new(KEYS[k]),
        post_only: false,
    }
}

async fn engine(app: &AppState, command: Command) {
    app.submit(|now| Record::Engine(Stamped { now, command }))
        .await
        .unwrap()
        .unwrap();
}

async fn setup(app: &AppState) {
    let spec = MarketSpec::yes_no(
        ConditionId(B256::repeat_byte(0x33)),
        TokenId::from(YES),
        TokenId::from(NO),
    );
    engine(app, Command::CreateMarket(Box::new(spec))).await;
    for (k, key) in KEYS.iter().enumerate() {
        let account = wallet(k);
        engine(
            app,
            Command::Deposit {
                account,
                amount: 1_000_000_000 * ONE,
            },
        )
        .await;
        let creds = ApiCredentials {
            api_key: ApiKey::new(*key).unwrap(),
            secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTAx".into(),
            passphrase: "p".into(),
        };
        app.submit(move |now| Record::CreateApiKey {
            now,
            address: account,
            nonce: "0".into(),
            creds,
        })
        .await
        .unwrap()
        .unwrap();
    }
}

/// Latencies of one kind of request in log-linear buckets of microseconds (1.6% wide at most,
/// 1,728 of them: 7 KiB). Small on purpose: a histogram of hundreds of KiB, allocated and freed
/// per phase, raised glibc's mmap threshold (it follows the largest freed block) and with it how
/// much freed memory every thread's heap keeps, so the bench inflated the RSS it measures.
struct Latencies {
    buckets: Vec<u32>,
    max: Duration,
    n: u64,
}

/// Values below this many microseconds have a bucket each; above, 64 per power of two.
const LINEAR: u64 = 128;

fn bucket_of(us: u64) -> usize {
    let us = us.min(u64::from(u32::MAX));
    let extra = (64 - us.leading_zeros()).saturating_sub(7);
    if extra == 0 {
        us as usize
    } else {
        (LINEAR + u64::from(extra - 1) * 64 + ((us >> extra) - 64)) as usize
    }
}

/// The largest value (µs) bucket `i` holds.
fn bucket_top(i: usize) -> u64 {
    let i = i as u64;
    if i < LINEAR {
        i
    } else {
        let extra = (i - LINEAR) / 64 + 1;
        let top = (i - LINEAR) % 64 + 64;
        ((top + 1) << extra) - 1
    }
}

impl Default for Latencies {
    fn default() -> Self {
        Latencies {
            buckets: vec![0; bucket_of(u64::from(u32::MAX)) + 1],
            max: Duration::ZERO,
            n: 0,
        }
    }
}

impl Latencies {
    fn push(&mut self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.buckets[bucket_of(us)] += 1;
        self.max = self.max.max(d);
        self.n += 1;
    }

    fn merge(&mut self, other: &Latencies) {
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a += b;
        }
        self.max = self.max.max(other.max);
        self.n += other.n;
    }

    fn quantile_ms(&self, q: f64) -> f64 {
        let want = (self.n as f64 * q).ceil() as u64;
        let mut seen = 0u64;
        for (i, c) in self.buckets.iter().enumerate() {
            seen += u64::from(*c);
            if seen >= want.max(1) {
                let top = Duration::from_micros(bucket_top(i));
                return top.min(self.max).as_secs_f64() * 1e3;
            }
        }
        self.max.as_secs_f64() * 1e3
    }

    fn report(&self, what: &str) {
        println!(
            "  {what:<22} n={:>8}  p50 {:>7.2} ms  p99 {:>7.2} ms  p99.9 {:>7.2} ms  max {:>8.3} ms",
            self.n,
            self.quantile_ms(0.5),
            self.quantile_ms(0.99),
            self.quantile_ms(0.999),
            self.max.as_secs_f64() * 1e3,
        );
    }
}

async fn pairs(app: Arc<AppState>, from: u64, count: u64) -> Latencies {
    let mut handles = Vec::new();
    for t in 0..u64::from(TASKS) {
        let app = app.clone();
        handles.push(tokio::spawn(async move {
            let mut lat = Latencies::default();
            let mut n = from + t;
            while n < from + count {
                let spec = bid(n, 0, YES, 300);
                let id = spec.terms.id;
                let t0 = Instant::now();
                let placed = app.place(spec).await.unwrap().unwrap();
                lat.push(t0.elapsed());
                assert!(placed.rejected.is_none(), "order {n} ({id}): {placed:?}");
                let t0 = Instant::now();
                engine(
                    &app,
                    Command::Cancel {
                        owner: Owner::new(KEYS[0]),
                        orders: vec![id],
                    },
                )
                .await;
                lat.push(t0.elapsed());
                n += u64::from(TASKS);
            }
            lat
        }));
    }
    let mut all = Latencies::default();
    for h in handles {
        all.merge(&h.await.unwrap());
    }
    all
}

/// Reads while `running`: the book every millisecond, a page of trades every 5 ms.
fn readers(
    app: Arc<AppState>,
    running: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<(Latencies, Latencies)> {
    tokio::spawn(async move {
        let (mut book, mut page) = (Latencies::default(), Latencies::default());
        let mut i = 0u64;
        while running.load(Ordering::Relaxed) {
            let t0 = Instant::now();
            app.read(|ex| ex.engine.book(&TokenId::from(YES)).map(|b| b.bids.len()))
                .await
                .unwrap();
            book.push(t0.elapsed());
            if i.is_multiple_of(5) {
                let t0 = Instant::now();
                app.history(|h| h.trades_of(KEYS[0], &TradeQuery::default(), 0, 100))
                    .await
                    .unwrap();
                page.push(t0.elapsed());
            }
            i += 1;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        (book, page)
    })
}

/// The most history changes seen waiting for the database, sampled every millisecond while
/// `running`.
fn backlog_sampler(app: Arc<AppState>, running: Arc<AtomicBool>) -> tokio::task::JoinHandle<u64> {
    tokio::spawn(async move {
        let mut most = 0;
        while running.load(Ordering::Relaxed) {
            most = most.max(app.history_backlog());
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        most
    })
}

/// Median time of a page of 100 trades of A, from the start and resuming after `deep`.
async fn page_times(app: &Arc<AppState>, deep: u64) -> (Duration, Duration) {
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..200 {
        for (slot, after) in [(0, 0), (1, deep)] {
            let t0 = Instant::now();
            let p = app
                .history(move |h| h.trades_of(KEYS[0], &TradeQuery::default(), after, 100))
                .await
                .unwrap();
            times[slot].push(t0.elapsed());
            assert_eq!(p.rows.len(), 100);
        }
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let [mut a, mut b] = times;
    (median(&mut a), median(&mut b))
}

async fn trades(app: &Arc<AppState>, from: u64, count: u64) {
    let mut handles = Vec::new();
    for t in 0..u64::from(TASKS) {
        let app = app.clone();
        handles.push(tokio::spawn(async move {
            let mut n = from + t;
            while n < from + count {
                // A rests a YES bid at 0.400, B takes it with a NO bid at 0.600 (a MINT)
                let placed = app.place(bid(n, 0, YES, 400)).await.unwrap().unwrap();
                assert!(placed.rejected.is_none());
                let taken = app.place(bid(n, 1, NO, 600)).await.unwrap().unwrap();
                assert_eq!(taken.trades.len(), 1, "{taken:?}");
                n += u64::from(TASKS);
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    for us in [
        0,
        1,
        127,
        128,
        129,
        255,
        256,
        1_000,
        123_456,
        u64::from(u32::MAX),
    ] {
        let i = bucket_of(us);
        assert!(
            bucket_top(i) >= us && (i == 0 || bucket_top(i - 1) < us),
            "bucket of {us}"
        );
    }
    let total = args.first().copied().unwrap_or(1_000_000).max(2_000);
    let total_trades = args.get(1).copied().unwrap_or(1_000_000).max(2_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir =
        tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| "/tmp".into())).unwrap();
    let mut config = ServerConfig::new(dir.path());
    // `HISTORY_BACKLOG=N`: history changes that may wait for the database before new ones wait
    if let Some(n) = std::env::var("HISTORY_BACKLOG")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.history_backlog = n;
    }
    println!(
        "retention bench: {total} place+cancel pairs, {total_trades} trades, fsync on, snapshots every {}",
        config.snapshot_every
    );
    // `REPLAY_ONLY=1`: only the replay without a snapshot (the second half of step 3)
    if std::env::var_os("REPLAY_ONLY").is_none() {
        rt.block_on(async {
            let (app, _) = AppState::open(config.clone()).unwrap();
            setup(&app).await;
            // the open orders that stay all along: 100 bids of B at 0.01 … 0.09
            for i in 0..100 {
                let placed = app
                    .place(bid(10_000_000 + i, 1, YES, 10 * (1 + i % 9)))
                    .await
                    .unwrap()
                    .unwrap();
                assert!(placed.rejected.is_none(), "{placed:?}");
            }
            let running = Arc::new(AtomicBool::new(true));
            let reading = readers(app.clone(), running.clone());
            let sampling = backlog_sampler(app.clone(), running.clone());

            let t0 = Instant::now();
            let mut lat = pairs(app.clone(), 0, 1_000).await;
            let rss_1k = rss_mib();
            print_memory("after 1,000 pairs");
            // in tenths, so the growth can be followed
            let step = (total / 10).max(1_000);
            let mut done = 1_000;
            while done < total {
                let count = step.min(total - done);
                let more = pairs(app.clone(), done, count).await;
                lat.merge(&more);
                done += count;
                print_memory(&format!("after {done} pairs"));
            }
            let elapsed = t0.elapsed();
            let rss_all = rss_mib();
            running.store(false, Ordering::Relaxed);
            let (book, page) = reading.await.unwrap();
            let most_waiting = sampling.await.unwrap();
            println!(
                "1. {total} pairs in {:.1} s ({:.0} requests/s)",
                elapsed.as_secs_f64(),
                (2 * total) as f64 / elapsed.as_secs_f64()
            );
            println!(
                "   RSS after 1,000 pairs {rss_1k:.1} MiB, after {total}: {rss_all:.1} MiB (ratio {:.2})",
                rss_all / rss_1k
            );
            lat.report("place / cancel");
            book.report("GET book (reader)");
            page.report("trades page (reader)");
            println!(
                "   history changes waiting for the database: at most {most_waiting} (bound {})",
                config.history_backlog
            );
            println!(
                "   the journal's slowest flush (write + fdatasync of one batch) in this run: {:.3} ms, {} flushes over 20 ms of {}; the duplicate check remembers {} ids",
                app.slowest_journal_flush().as_secs_f64() * 1e3,
                app.slow_journal_flushes(),
                app.journal_counts().1,
                app.peek(|ex| ex.engine.remembered_ids()),
            );

            trades(&app, 20_000_000, 1_000).await;
            let (small_start, small_deep) = page_times(&app, 500).await;
            // in tenths, so the growth can be followed
            let step = (total_trades / 10).max(1_000);
            let mut made = 1_000;
            let t1 = Instant::now();
            let running = Arc::new(AtomicBool::new(true));
            let sampling = backlog_sampler(app.clone(), running.clone());
            while made < total_trades {
                let count = step.min(total_trades - made);
                trades(&app, 20_000_000 + made, count).await;
                made += count;
                print_memory(&format!("after {made} trades"));
            }
            running.store(false, Ordering::Relaxed);
            println!(
                "   {} trades in {:.1} s ({:.0} orders/s); history changes waiting for the database: at most {} (bound {})",
                total_trades - 1_000,
                t1.elapsed().as_secs_f64(),
                (2 * (total_trades - 1_000)) as f64 / t1.elapsed().as_secs_f64(),
                sampling.await.unwrap(),
                config.history_backlog
            );
            let (big_start, big_deep) = page_times(&app, total_trades - 500).await;
            println!(
                "2. a page of 100 trades (median of 200): at 1,000 trades {:.3} ms (start) / {:.3} ms (deep); at {total_trades}: {:.3} ms / {:.3} ms (ratios {:.2} / {:.2})",
                small_start.as_secs_f64() * 1e3,
                small_deep.as_secs_f64() * 1e3,
                big_start.as_secs_f64() * 1e3,
                big_deep.as_secs_f64() * 1e3,
                big_start.as_secs_f64() / small_start.as_secs_f64(),
                big_deep.as_secs_f64() / small_deep.as_secs_f64(),
            );
            print_memory(&format!("after {total_trades} trades and the page reads"));
            println!(
                "   the history holds {} of {} records",
                app.history_point().applied,
                app.journal_counts().0
            );
        });
        // the runtime and the state go: the journal and the history are closed
        drop(rt);
        let t0 = Instant::now();
        let (app, startup) = AppState::open(config.clone()).unwrap();
        println!(
            "3. reopened in {:.3} s: snapshot at {:?}, {} records replayed after it",
            t0.elapsed().as_secs_f64(),
            startup.snapshot,
            startup.replayed
        );
        drop(app);
    }

    // the same kind of history with no snapshot at all: the whole journal is replayed
    let flat =
        tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| "/tmp".into())).unwrap();
    let mut flat_config = ServerConfig::new(flat.path());
    flat_config.snapshot_every = u64::MAX;
    flat_config.fsync = false;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let records = rt.block_on(async {
        let (app, _) = AppState::open(flat_config.clone()).unwrap();
        setup(&app).await;
        pairs(app.clone(), 0, total / 2).await;
        app.history(|_| Ok(())).await.unwrap();
        let wal = std::fs::metadata(flat.path().join("history.sqlite-wal")).map_or(0, |m| m.len());
        println!(
            "   the history's write-ahead log after {} pairs with no snapshot: {:.1} MiB",
            total / 2,
            wal as f64 / (1 << 20) as f64
        );
        app.journal_counts().0
    });
    drop(rt);
    // the journal was written without fsync to build it fast; a restart finds its journal
    // durable, so its pages are written back before the clock starts (else the replay reads
    // while the kernel writes them back)
    for entry in std::fs::read_dir(flat.path()).unwrap() {
        std::fs::File::open(entry.unwrap().path())
            .unwrap()
            .sync_all()
            .unwrap();
    }
    let t0 = Instant::now();
    let before = ticks();
    let (app, startup) = AppState::open(flat_config).unwrap();
    let after = ticks();
    println!(
        "   replayed a journal of {records} records (no snapshot) in {:.3} s ({} records; reading and checking {:.3} s, then decoding and applying {:.3} s); the duplicate check remembers {} ids after it",
        t0.elapsed().as_secs_f64(),
        startup.replayed,
        startup.read.as_secs_f64(),
        startup.apply.as_secs_f64(),
        app.peek(|ex| ex.engine.remembered_ids()),
    );
    println!(
        "   during the replay: this process's CPU time {:.2} s user, {:.2} s system; the machine's iowait {:.2} s and steal {:.2} s (all cores)",
        (after.0 - before.0) as f64 / 100.0,
        (after.1 - before.1) as f64 / 100.0,
        (after.2 - before.2) as f64 / 100.0,
        (after.3 - before.3) as f64 / 100.0,
    );
}
