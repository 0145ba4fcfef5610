//! Throughput and latency percentiles of the engine on the mixed workload, one core.
//!
//! `cargo bench -p clobkit-engine --bench load [-- COMMANDS]` (default 1,000,000 commands).
//! Two passes over the same stream on identical engines: one untimed per command (throughput),
//! one timing every command (p50/p99/p99.9). Also checks the two passes end in the same state.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::float_arithmetic,
    missing_docs
)]

mod workload;

use std::hint::black_box;
use std::time::Instant;

fn main() {
    let total: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let w = workload::build(total, 42);
    let resting_before = w.engine.all_resting().len();
    let mut a = w.engine.clone();
    let mut b = w.engine;
    let mut out = Vec::with_capacity(64);

    let t = Instant::now();
    for cmd in &w.commands {
        out.clear();
        let _ = black_box(a.apply_into(cmd, &mut out));
    }
    let elapsed = t.elapsed();

    let mut lat = Vec::with_capacity(total);
    // per class: 0 = passive placement, 1 = cancel, 2 = taker (anything that traded)
    let mut by_class: [Vec<u64>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let mut events = 0usize;
    let (mut trades, mut rejected, mut cancelled) = (0usize, 0usize, 0usize);
    let mut reasons = std::collections::BTreeMap::<String, usize>::new();
    for cmd in &w.commands {
        out.clear();
        let t = Instant::now();
        let _ = black_box(b.apply_into(cmd, &mut out));
        let ns = t.elapsed().as_nanos() as u64;
        lat.push(ns);
        events += out.len();
        let class = if out
            .iter()
            .any(|e| matches!(e, clobkit_engine::Event::Trade(_)))
        {
            2
        } else if matches!(cmd.command, clobkit_engine::Command::Cancel { .. }) {
            1
        } else {
            0
        };
        by_class[class].push(ns);
        for e in &out {
            match e {
                clobkit_engine::Event::Trade(_) => trades += 1,
                clobkit_engine::Event::OrderRejected { reason, .. } => {
                    rejected += 1;
                    *reasons.entry(format!("{reason:?}")).or_default() += 1;
                }
                clobkit_engine::Event::OrderCancelled { .. } => cancelled += 1,
                _ => {}
            }
        }
    }
    assert_eq!(
        a.state_hash(),
        b.state_hash(),
        "both passes must end in the same state"
    );
    lat.sort_unstable();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    let rate = total as f64 / elapsed.as_secs_f64();
    println!(
        "commands: {total} (70% placements, 20% cancels, 10% FAK takers); resting orders before {resting_before}, after {}",
        a.all_resting().len()
    );
    println!(
        "throughput: {rate:.0} commands/s ({:.0} ns/command), {:.1} events/command",
        1e9 / rate,
        events as f64 / total as f64
    );
    println!(
        "trades: {trades}, orders cancelled: {cancelled}, orders rejected: {rejected} {reasons:?}"
    );
    println!(
        "latency: p50 {} ns, p99 {} ns, p99.9 {} ns, max {} ns",
        pct(0.50),
        pct(0.99),
        pct(0.999),
        lat[lat.len() - 1]
    );
    let names = ["passive placements", "cancels", "orders that traded"];
    for (name, v) in names.iter().zip(by_class.iter_mut()) {
        v.sort_unstable();
        if !v.is_empty() {
            let q = |p: f64| v[((v.len() as f64 * p) as usize).min(v.len() - 1)];
            println!(
                "  {name}: {} commands, p50 {} ns, p99 {} ns",
                v.len(),
                q(0.5),
                q(0.99)
            );
        }
    }
    println!(
        "  fills per trading order: {:.1}",
        trades as f64 / by_class[2].len().max(1) as f64
    );
}
