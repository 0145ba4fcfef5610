//! CPU priority of the exchange's threads: work that can wait runs below the order path.
//!
//! On a machine with few cores the order path (HTTP workers, the journal) shares them with
//! work whose delay costs nobody an order: the history's writer (a projection the queries wait
//! for, never an order) and simulated agents beside the exchange. Those threads run at a nice
//! value of [`BACKGROUND_NICE`], so that in a burst the scheduler serves a user's order first;
//! they still get every idle cycle. Linux only (where a nice value can be set per thread);
//! elsewhere a no-op.
//!
//! The streams' hub is not one of them: bots read the market channel to trade, and a niced hub
//! fell behind under load (measured: the event p99 at 100 subscribers went from 11.8 ms to
//! 58 ms, BENCHMARKS.md).

/// The nice value of background threads (0 is the default; 19 the lowest priority).
pub const BACKGROUND_NICE: i32 = 10;

/// Lowers the calling thread's CPU priority to [`BACKGROUND_NICE`]. Failing to (a sandbox that
/// forbids it) only costs latency under load, so it is logged, not returned.
pub fn background() {
    #[cfg(target_os = "linux")]
    {
        let tid = rustix::thread::gettid();
        if let Err(e) = rustix::process::setpriority_process(Some(tid), BACKGROUND_NICE) {
            tracing::debug!(error = %e, "could not lower a background thread's priority");
        }
    }
}
