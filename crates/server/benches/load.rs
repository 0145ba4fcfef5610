//! Load generator: signed orders posted over loopback HTTP to an in-process `clobkit serve`
//! with durability on (journal + fsync, group commit).
//!
//! `cargo bench -p clobkit-server --bench load [-- ORDERS CONNECTIONS]` (default 20,000 orders
//! over 32 connections from 8 wallets). Bounded: it stops after the orders are sent or 120 s.
//! Orders are signed before the clock starts (signing is the client's cost, measured in
//! clobkit-core's benches); each request is authenticated (HMAC) and its order signature
//! recovered and checked by the server. Prices are spread so that most orders rest and about one
//! in ten crosses.
//!
//! Baselines, same run, before the orders: a bare signature-recovery loop on every core (the
//! server's one expensive check), a bare loop of journal-sized writes each followed by
//! `fdatasync` (the durability cost a group commit shares), and as many bare `GET /time` requests
//! over the same connections (no auth, no signature check, no journal). Together they give the
//! physical floor of a durable verified order on this machine: one HTTP round trip of the
//! machine's time plus one recovery spread over the cores (the fsync is shared by a whole group
//! commit, so under load it adds latency, not machine time). The order figures are reported
//! against that floor and against the bare requests, and the machine time per order the targets
//! (0.8x the floor, 0.35x the bare requests) leave is set beside what the run spent per order
//! before any of the server's order logic: the load generator's side, one recovery, the journal
//! writer's write and fdatasync, and a bare request's server work.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::float_arithmetic,
    missing_docs
)]

use std::time::{Duration, Instant};

use clobkit_core::chain::Chain;
use clobkit_core::eip712::ExchangeDomain;
use clobkit_core::wire::PostOrder;

mod common;

use common::{Cpu, Job, drive, percentiles};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let total = args.first().copied().unwrap_or(20_000);
    let conns = args.get(1).copied().unwrap_or(32);
    // The exchange and the load generator run on runtimes of their own (threads named `server`
    // and `loadgen`), so the CPU each uses per request can be read per thread (/proc).
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .thread_name("server")
        .enable_all()
        .build()
        .unwrap();
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .thread_name("loadgen")
        .enable_all()
        .build()
        .unwrap();
    client_rt.block_on(run(total, conns, server_rt.handle().clone()));
}

async fn run(total: usize, conns: usize, server_rt: tokio::runtime::Handle) {
    let ex = common::start(&server_rt, conns).await;
    let (base, state, dir, http) = (
        ex.base.clone(),
        ex.state.clone(),
        ex.dir.path().to_path_buf(),
        ex.http.clone(),
    );
    // wallets, keys, funds, and every order signed up front
    let wallets = 8usize;
    let domain = common::domain();
    let prepared = common::prepare(&ex, 0, wallets, total / wallets).await;
    let prepared_sample = prepared[0].1[0].clone();
    let jobs = common::jobs(prepared, conns);
    let deadline = Instant::now() + Duration::from_secs(120);
    let sample = serde_json::from_slice::<PostOrder>(&prepared_sample)
        .unwrap()
        .order;
    let (recover_rate, cores) = recovery_floor(&sample, &domain);
    let (fsync50, fsync99, journal_record) = fsync_floor(&dir);
    // baseline, same run, same connections: as many bare GET /time round trips (no auth, no
    // signature, no journal), then the orders
    let bare: Vec<Job> = (0..jobs.len())
        .map(|_| (None, vec![Vec::new(); total / jobs.len().max(1)]))
        .collect();
    let cpu_start = Cpu::now();
    let (mut base_lat, _, base_bad, base_elapsed) = drive(&http, &base, bare, deadline).await;
    let cpu_bare = Cpu::now();
    assert_eq!(base_bad, 0, "GET /time must always answer 200");
    let synced_before = state.journal_counts();
    let (mut lat, ok, rejected, elapsed) = drive(&http, &base, jobs, deadline).await;
    let synced_after = state.journal_counts();
    let cpu_orders = Cpu::now();
    let base_rate = base_lat.len() as f64 / base_elapsed.as_secs_f64();
    let (b50, b99, b999) = percentiles(&mut base_lat);
    let (p50, p99, p999) = percentiles(&mut lat);
    let journal = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("journal-"))
        .map(|e| e.metadata().unwrap().len())
        .sum::<u64>();
    println!(
        "orders: {} sent over {} connections, {ok} accepted (200), {rejected} refused, in {:.2} s",
        lat.len(),
        conns,
        elapsed.as_secs_f64()
    );
    println!(
        "accepted orders/s: {:.0} (durable: journal fsynced before each answer; {} bytes journaled)",
        ok as f64 / elapsed.as_secs_f64(),
        journal
    );
    println!(
        "latency: p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms",
        p50 as f64 / 1e3,
        p99 as f64 / 1e3,
        p999 as f64 / 1e3
    );
    println!(
        "baseline, same run and connections ({} bare GET /time): {base_rate:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms; orders/s : baseline = {:.2}, order p99 / baseline p99 = {:.1}x",
        base_lat.len(),
        b50 as f64 / 1e3,
        b99 as f64 / 1e3,
        b999 as f64 / 1e3,
        (ok as f64 / elapsed.as_secs_f64()) / base_rate,
        p99 as f64 / b99.max(1) as f64
    );
    let order_rate = ok as f64 / elapsed.as_secs_f64();
    let (gs, _, gl) = cpu_start.per_request(cpu_bare, base_lat.len());
    let (os, oj, ol) = cpu_bare.per_request(cpu_orders, lat.len());
    println!(
        "CPU per request (us): bare GET /time: server {gs:.0}, load generator {gl:.0}; order: server {os:.0} (of which one recovery {:.0}), journal writer {oj:.0}, load generator {ol:.0}",
        cores_us(recover_rate, cores)
    );
    let (records, syncs) = (
        synced_after.0 - synced_before.0,
        synced_after.1 - synced_before.1,
    );
    println!(
        "group commit: {records} records in {syncs} fdatasyncs ({:.1} per sync)",
        records as f64 / syncs.max(1) as f64,
    );
    // floor: per order, one bare round trip of the machine's time plus one recovery of a core's
    let floor_rate = 1.0 / (1.0 / base_rate + 1.0 / recover_rate);
    println!(
        "recovery floor, same run: {recover_rate:.0} recoveries/s on {cores} cores ({:.1} us of a core each); fsync floor: {journal_record}-byte record + fdatasync p50 {:.2} ms, p99 {:.2} ms",
        cores_us(recover_rate, cores),
        fsync50 as f64 / 1e3,
        fsync99 as f64 / 1e3
    );
    println!(
        "floor (bare round trip + recovery per order): {floor_rate:.0} orders/s; durable intake = {:.2}x the floor, {:.2}x the bare requests/s; order p99 = {:.2}x (baseline p99 + fsync p99)",
        order_rate / floor_rate,
        order_rate / base_rate,
        p99 as f64 / (b99 + fsync99).max(1) as f64
    );
    // what the targets leave per order, in microseconds of the machine (every core busy all the
    // time, which a closed loop never quite reaches), against what this run spent per order on
    // things that are not the server's order logic: the load generator's side, one recovery,
    // the journal's write and fdatasync, and a bare request's server work
    let outside = ol + cores_us(recover_rate, cores) + oj + gs;
    println!(
        "machine time per order the targets allow: {:.0} us at 0.8x the floor, {:.0} us at 0.35x the bare requests/s; spent per order in this run before any order logic of the server: {outside:.0} us (load generator {ol:.0} + one recovery {:.0} + journal writer {oj:.0} + a bare request's server work {gs:.0})",
        cores_us(0.8 * floor_rate, cores),
        cores_us(0.35 * base_rate, cores),
        cores_us(recover_rate, cores)
    );
    ex.stop().await;
}

/// Microseconds of a core per item (a recovery, an order), from the machine's rate over `cores`.
fn cores_us(rate: f64, cores: usize) -> f64 {
    cores as f64 * 1e6 / rate
}

/// Bare signature recovery on every core: each core verifies the same signed order (digest,
/// recovery, maker rule) for a fixed count; returns recoveries per second of the whole machine
/// and the core count.
fn recovery_floor(
    order: &clobkit_core::order::SignedOrder,
    domain: &ExchangeDomain,
) -> (f64, usize) {
    const PER_CORE: usize = 3_000;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let factories = clobkit_core::wallet::WalletFactories::of(Chain::Polygon);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..cores {
            s.spawn(|| {
                for _ in 0..PER_CORE {
                    let id = clobkit_core::verify::verify_order(
                        std::hint::black_box(order),
                        domain,
                        &factories,
                    );
                    assert!(id.is_ok());
                }
            });
        }
    });
    (
        (cores * PER_CORE) as f64 / start.elapsed().as_secs_f64(),
        cores,
    )
}

/// Bytes of one journaled order record (the journal of the 20,000-order runs averaged 385).
const JOURNAL_RECORD: usize = 400;

/// Bare durability: appends a journal-sized record to a file and `fdatasync`s it, 400 times;
/// returns the p50 and p99 (µs) and the record size.
fn fsync_floor(dir: &std::path::Path) -> (u64, u64, usize) {
    use std::io::Write;
    let record = vec![b'x'; JOURNAL_RECORD];
    let mut f = std::fs::File::create(dir.join("fsync-floor")).unwrap();
    let mut lat: Vec<u64> = (0..400)
        .map(|_| {
            let t = Instant::now();
            f.write_all(&record).unwrap();
            f.sync_data().unwrap();
            t.elapsed().as_micros() as u64
        })
        .collect();
    let (p50, p99, _) = percentiles(&mut lat);
    drop(f);
    let _ = std::fs::remove_file(dir.join("fsync-floor"));
    (p50, p99, record.len())
}
