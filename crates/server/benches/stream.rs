//! The market channel under the order stream of the `load` bench: 0, 1, 100 and 1,000
//! subscribers on an in-process `clobkit serve` (durable: journal fsynced, group commit) while
//! signed orders are posted over 32 HTTP connections.
//!
//! `cargo bench -p clobkit-server --bench stream [-- ORDERS]` (default 8,000 orders per phase;
//! bounded: each phase stops after its orders or 60 s).
//!
//! Per phase it reports the accepted orders per second (the phase without subscribers is the
//! baseline of the same run), the deliveries per second (messages handed to connection queues,
//! from the hub's counter), the memory per connection (RSS growth while the connections open
//! and take their snapshot, both ends of each connection being in this process), and the
//! latency from an order's acceptance to its event at each subscriber: a probe wallet posts a
//! 1-share bid at 0.01 every 10 ms (a price nothing else uses), so the level's size after the
//! k-th probe is k and each subscriber can tell which probe a `price_change` is (the event may
//! come before the HTTP answer: both wait for the same fsync; such latencies count as 0).
//! It ends with the cores each phase kept busy (per role, and the whole machine's from
//! `/proc/stat`) and a budget: how many cores 0.8x the baseline's orders at 100 subscribers
//! would need at this run's own costs per order and per delivery.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::float_arithmetic,
    missing_docs
)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clobkit_core::types::Side;
use common::{Cpu, Exchange, YES, drive, percentiles};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

fn main() {
    let orders = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(8_000usize);
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
    client_rt.block_on(run(orders, server_rt.handle().clone()));
}

/// The process's resident memory, KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// What one subscriber saw: when each probe's event came, and how many frames in all.
struct Seen {
    probes: Vec<(u64, Instant)>,
    frames: u64,
    closed: Option<String>,
}

/// The probe number a frame carries (the size of the 0.01 bid level), if any.
fn probe_of(text: &str) -> Option<u64> {
    static KEY: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| {
            memchr::memmem::Finder::new("\"asset_id\":\"9001\",\"price\":\"0.01\",\"size\":\"")
        });
    let at = KEY.find(text.as_bytes())? + KEY.needle().len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

async fn subscriber(
    addr: std::net::SocketAddr,
    stop: Arc<AtomicBool>,
    ready: tokio::sync::mpsc::Sender<()>,
) -> Seen {
    // the read size clobkit's stream client uses (tungstenite zero-fills its read buffer before
    // each read: its 128 KiB default would make this reader, not the exchange, the cost)
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(8 * 1024);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(
        format!("ws://{addr}/ws/market"),
        Some(config),
        false,
    )
    .await
    .unwrap();
    ws.send(Message::Text(
        format!(r#"{{"type":"market","assets_ids":["{YES}"],"initial_dump":true}}"#).into(),
    ))
    .await
    .unwrap();
    let mut seen = Seen {
        probes: Vec::new(),
        frames: 0,
        closed: None,
    };
    let mut snapshot = false;
    while !stop.load(Ordering::Relaxed) {
        let next = tokio::time::timeout(Duration::from_millis(200), ws.next()).await;
        match next {
            Ok(Some(Ok(Message::Text(t)))) => {
                seen.frames += 1;
                if !snapshot {
                    snapshot = true;
                    let _ = ready.send(()).await;
                }
                if let Some(k) = probe_of(&t) {
                    seen.probes.push((k, Instant::now()));
                }
            }
            Ok(Some(Ok(Message::Close(f)))) => {
                seen.closed = Some(f.map_or_else(String::new, |f| f.reason.to_string()));
                break;
            }
            Ok(Some(Ok(_))) | Err(_) => {}
            Ok(Some(Err(e))) => {
                seen.closed = Some(e.to_string());
                break;
            }
            Ok(None) => break,
        }
    }
    let _ = ws.close(None).await;
    seen
}

/// The size resting at 0.01 on the first token now (whole shares).
async fn level_001(ex: &Exchange) -> u64 {
    let book: clobkit_core::book::OrderBookSummary = ex
        .http
        .get(format!("{}/book?token_id={YES}", ex.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    book.bids
        .iter()
        .find(|l| l.price == clobkit_core::Decimal::new(1, 2))
        .map_or(0, |l| u64::try_from(l.size.trunc()).unwrap_or(0))
}

/// What 0.8x the baseline's orders at 100 subscribers would take of the machine, from this run's
/// own costs: the machine's time per order without subscribers, its time per delivery at 1,000
/// subscribers (what is left after that phase's orders), and the deliveries per order at 100.
fn budget(phases: &[(usize, f64, f64, f64)]) {
    let find = |n: usize| phases.iter().find(|p| p.0 == n);
    let (Some(&(_, r0, _, m0)), Some(&(_, r100, d100, _)), Some(&(_, r1k, d1k, m1k))) =
        (find(0), find(100), find(1000))
    else {
        return;
    };
    if r0 <= 0.0 || r100 <= 0.0 || d1k <= 0.0 {
        return;
    }
    let per_order = m0 / r0;
    let per_delivery = (m1k - r1k * per_order).max(0.0) / d1k;
    let target = 0.8 * r0;
    let per_order_deliveries = d100 / r100;
    let orders_cores = target * per_order;
    let delivery_cores = target * per_order_deliveries * per_delivery;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "budget, from this run: an order takes {:.0} us of the machine, a delivery {:.2} us (both ends); 0.8x the baseline at 100 subscribers ({target:.0} orders/s, {per_order_deliveries:.0} deliveries each) would keep {:.2} cores busy ({orders_cores:.2} for the orders, {delivery_cores:.2} for the deliveries) on a machine of {cores}",
        per_order * 1e6,
        per_delivery * 1e6,
        orders_cores + delivery_cores,
    );
}

async fn run(orders: usize, server_rt: tokio::runtime::Handle) {
    let ex = common::start(&server_rt, 32).await;
    println!(
        "phase     | orders/s | vs 0 subs | deliveries/s | KiB/conn | probe latency p50 / p99 (ms) | probes missed | dropped"
    );
    let mut baseline = 0.0f64;
    let mut cpu_lines = Vec::new();
    // per phase: orders/s, deliveries/s, the machine's cores busy
    let mut phases: Vec<(usize, f64, f64, f64)> = Vec::new();
    for (phase, subs) in [0usize, 1, 100, 1000].into_iter().enumerate() {
        let wallets = 8usize;
        let prepared = common::prepare(&ex, (phase * 10) as u8, wallets, orders / wallets).await;
        let jobs = common::jobs(prepared, 32);
        let (probe_signer, probe_auth) = ex.wallet((phase * 10 + 9) as u8).await;
        // the 0.01 level keeps the earlier phases' probes: this phase's k-th probe makes it
        // `offset + k`
        let offset = level_001(&ex).await;
        let stop = Arc::new(AtomicBool::new(false));
        let rss_before = rss_kib();
        let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel(subs.max(1));
        let readers: Vec<_> = (0..subs)
            .map(|_| tokio::spawn(subscriber(ex.addr, stop.clone(), ready_tx.clone())))
            .collect();
        for _ in 0..subs {
            ready_rx.recv().await;
        }
        let per_conn = if subs > 0 {
            rss_kib().saturating_sub(rss_before) as f64 / subs as f64
        } else {
            0.0
        };
        let delivered_before = ex.state.streams().stats.deliveries.load(Ordering::Relaxed);
        let cpu_before = Cpu::now();
        let deadline = Instant::now() + Duration::from_secs(60);
        let probing = Arc::new(AtomicBool::new(true));
        let probe_task = {
            let (http, base, probing) = (ex.http.clone(), ex.base.clone(), probing.clone());
            tokio::spawn(async move {
                let mut accepted = Vec::new();
                let mut k = 0u64;
                while probing.load(Ordering::Relaxed) {
                    k += 1;
                    let body = common::order_body(
                        &probe_signer,
                        &probe_auth,
                        1_000_000_000 + k,
                        Side::Buy,
                        1,
                        1,
                    );
                    let status = common::post(&http, &base, &probe_auth, body).await;
                    assert_eq!(status, 200);
                    accepted.push((k, Instant::now()));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                accepted
            })
        };
        let (_lat, ok, _bad, elapsed) = drive(&ex.http, &ex.base, jobs, deadline).await;
        probing.store(false, Ordering::Relaxed);
        let accepted = probe_task.await.unwrap();
        let delivered =
            ex.state.streams().stats.deliveries.load(Ordering::Relaxed) - delivered_before;
        let cpu_after = Cpu::now();
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.store(true, Ordering::Relaxed);
        let mut lat = Vec::new();
        let (mut missed, mut dropped) = (0usize, 0usize);
        for r in readers {
            let seen = r.await.unwrap();
            if seen.closed.is_some() {
                dropped += 1;
            }
            let got: std::collections::HashMap<u64, Instant> = seen
                .probes
                .into_iter()
                .map(|(size, t)| (size.saturating_sub(offset), t))
                .collect();
            for (k, at) in &accepted {
                match got.get(k) {
                    Some(t) => lat.push(t.saturating_duration_since(*at).as_micros() as u64),
                    None => missed += 1,
                }
            }
        }
        let rate = ok as f64 / elapsed.as_secs_f64();
        if subs == 0 {
            baseline = rate;
        }
        let (p50, p99, _) = percentiles(&mut lat);
        println!(
            "{subs:>5} subs | {rate:>8.0} | {:>8.2}x | {:>12.0} | {per_conn:>8.1} | {:>8.3} / {:>8.3} | {missed:>6} of {:>6} | {dropped}",
            rate / baseline.max(1.0),
            delivered as f64 / elapsed.as_secs_f64(),
            p50 as f64 / 1e3,
            p99 as f64 / 1e3,
            accepted.len() * subs,
        );
        let secs = |a: f64, b: f64| (b - a) / elapsed.as_secs_f64();
        let machine = secs(cpu_before.machine, cpu_after.machine);
        phases.push((
            subs,
            rate,
            delivered as f64 / elapsed.as_secs_f64(),
            machine,
        ));
        cpu_lines.push(format!(
            "{subs:>5} subs | cores busy: server {:.2}, hub {:.2}, journal {:.2}, load generator and subscribers {:.2}; the whole machine {machine:.2}",
            secs(cpu_before.server, cpu_after.server),
            secs(cpu_before.streams, cpu_after.streams),
            secs(cpu_before.journal, cpu_after.journal),
            secs(cpu_before.loadgen, cpu_after.loadgen),
        ));
    }
    for l in cpu_lines {
        println!("{l}");
    }
    budget(&phases);
    ex.stop().await;
}
