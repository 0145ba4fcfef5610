//! Criterion bench of the engine on the mixed workload (`benches/workload`): the time of one
//! command, averaged. Run: `cargo bench -p clobkit-engine --bench engine`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::float_arithmetic,
    missing_docs
)]

mod workload;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

fn mixed(c: &mut Criterion) {
    let mut w = workload::build(400_000, 42);
    let mut next = 0usize;
    let mut out = Vec::with_capacity(64);
    c.bench_function("engine/mixed_command", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                if next == w.commands.len() {
                    w = workload::build(400_000, 42 + iters);
                    next = 0;
                }
                let n = left.min((w.commands.len() - next) as u64) as usize;
                let t = Instant::now();
                for cmd in &w.commands[next..next + n] {
                    out.clear();
                    let _ = black_box(w.engine.apply_into(cmd, &mut out));
                }
                total += t.elapsed();
                next += n;
                left -= n as u64;
            }
            total
        })
    });
}

criterion_group!(benches, mixed);
criterion_main!(benches);
