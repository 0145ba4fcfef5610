//! Throughput and latency percentiles of the engine on the mixed workload, one core.
//!
//! `cargo bench -p clobkit-engine --bench load [-- COMMANDS]` (default 1,000,000 commands).
//! The machine is shared and noisy, so every figure is a median over rounds, each round on a
//! fresh clone of the same starting engine and the same command stream: 5 untimed-per-command
//! rounds for throughput, then 3 rounds timing every command for the percentiles. All rounds
//! must end in the same state.
//!
//! Baseline, measured in the same run with each throughput round: a pass over the same command
//! stream that only reads each command (an order's id, maker, amounts and owner; a cancel's ids)
//! without applying it. It is the memory floor of walking a million pre-built commands, so the
//! engine's figure is also reported as a ratio to it.

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

use clobkit_engine::{Command, Engine, Event};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn pct(sorted: &[u64], p: f64) -> u64 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// Reads what the engine first reads of a command, without applying it: the baseline.
fn touch(cmd: &clobkit_engine::Stamped) -> u64 {
    match &cmd.command {
        Command::Place(spec) => {
            black_box(&spec.terms.id);
            black_box(&spec.terms.maker);
            black_box(&spec.owner);
            spec.terms.maker_amount ^ spec.terms.taker_amount ^ cmd.now
        }
        Command::Cancel { owner, orders } => {
            black_box(owner);
            orders.iter().map(|o| u64::from(o.0[0])).sum()
        }
        other => {
            black_box(other);
            cmd.now
        }
    }
}

fn main() {
    let total: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let w = workload::build(total, 42);
    let resting_before = w.engine.all_resting().len();
    let mut out = Vec::with_capacity(64);
    let mut end_hash = None;
    let mut check = |e: &Engine| {
        let h = e.state_hash();
        assert_eq!(
            *end_hash.get_or_insert(h),
            h,
            "every round must end in the same state"
        );
    };

    let mut rates = Vec::new();
    let mut floors = Vec::new();
    let mut resting_after = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let mut acc = 0u64;
        for cmd in &w.commands {
            acc = acc.wrapping_add(touch(black_box(cmd)));
        }
        black_box(acc);
        floors.push(t.elapsed().as_nanos() as f64 / total as f64);
        let mut e = w.engine.clone();
        let t = Instant::now();
        for cmd in &w.commands {
            out.clear();
            let _ = black_box(e.apply_into(cmd, &mut out));
        }
        rates.push(total as f64 / t.elapsed().as_secs_f64());
        resting_after = e.all_resting().len();
        check(&e);
    }

    // (p50, p99, p99.9) overall and per class: passive placement, cancel, order that traded
    let mut rounds: Vec<[(u64, u64, u64); 4]> = Vec::new();
    let (mut trades, mut cancelled, mut rejected, mut events, mut class_counts) =
        (0, 0, 0, 0, [0usize; 3]);
    for _ in 0..3 {
        let mut e = w.engine.clone();
        let mut all = Vec::with_capacity(total);
        let mut by_class: [Vec<u64>; 3] = [Vec::new(), Vec::new(), Vec::new()];
        (trades, cancelled, rejected, events) = (0, 0, 0, 0);
        for cmd in &w.commands {
            out.clear();
            let t = Instant::now();
            let _ = black_box(e.apply_into(cmd, &mut out));
            let ns = t.elapsed().as_nanos() as u64;
            all.push(ns);
            events += out.len();
            let mut traded = false;
            for ev in &out {
                match ev {
                    Event::Trade(_) => {
                        trades += 1;
                        traded = true;
                    }
                    Event::OrderRejected { .. } => rejected += 1,
                    Event::OrderCancelled { .. } => cancelled += 1,
                    _ => {}
                }
            }
            let class = if traded {
                2
            } else if matches!(cmd.command, Command::Cancel { .. }) {
                1
            } else {
                0
            };
            by_class[class].push(ns);
        }
        check(&e);
        all.sort_unstable();
        let mut r = [(0, 0, 0); 4];
        r[0] = (pct(&all, 0.5), pct(&all, 0.99), pct(&all, 0.999));
        for (i, v) in by_class.iter_mut().enumerate() {
            v.sort_unstable();
            class_counts[i] = v.len();
            if !v.is_empty() {
                r[i + 1] = (pct(v, 0.5), pct(v, 0.99), pct(v, 0.999));
            }
        }
        rounds.push(r);
    }
    let med = |i: usize, f: fn(&(u64, u64, u64)) -> u64| {
        median(rounds.iter().map(|r| f(&r[i]) as f64).collect())
    };

    let rate = median(rates.clone());
    println!(
        "commands: {total} (70% placements, 20% cancels, 10% FAK takers); resting orders before {resting_before}, after {resting_after}"
    );
    println!(
        "trades: {trades}, orders cancelled: {cancelled}, orders rejected: {rejected}; {:.1} events/command; {:.1} fills per trading order",
        events as f64 / total as f64,
        trades as f64 / class_counts[2].max(1) as f64
    );
    println!(
        "throughput (median of 5 rounds): {rate:.0} commands/s ({:.0} ns/command); rounds: {:?}",
        1e9 / rate,
        rates
            .iter()
            .map(|r| format!("{:.2}M", r / 1e6))
            .collect::<Vec<_>>()
    );
    let floor = median(floors.clone());
    println!(
        "baseline (reading every command, not applying it; median of 5 rounds interleaved with the above): {floor:.0} ns/command; engine / baseline = {:.1}x",
        (1e9 / rate) / floor
    );
    println!(
        "latency (median of 3 rounds): p50 {:.0} ns, p99 {:.0} ns, p99.9 {:.0} ns",
        med(0, |x| x.0),
        med(0, |x| x.1),
        med(0, |x| x.2)
    );
    for (i, name) in ["passive placements", "cancels", "orders that traded"]
        .iter()
        .enumerate()
    {
        println!(
            "  {name} ({}): p50 {:.0} ns, p99 {:.0} ns, p99.9 {:.0} ns",
            class_counts[i],
            med(i + 1, |x| x.0),
            med(i + 1, |x| x.1),
            med(i + 1, |x| x.2)
        );
    }
}
