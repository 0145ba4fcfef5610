//! CPU priority of the exchange's threads: work that can wait runs below the order path.
//!
//! On a machine with few cores the order path (HTTP workers, the journal) shares them with
//! simulated agents beside the exchange, whose delay costs no user anything. Their threads run at
//! a nice value of [`BACKGROUND_NICE`], so that in a burst the scheduler serves a user's order
//! first; they still get every idle cycle. Linux only (where a nice value can be set per
//! thread); elsewhere a no-op.
//!
//! Not niced, each for a measured reason (BENCHMARKS.md):
//! * the streams' hub: bots read the market channel to trade, and a niced hub fell behind under
//!   load (the event p99 at 100 subscribers went from 11.8 ms to 58 ms);
//! * the history's writer: when the cores are saturated, a niced writer got too little of them
//!   to keep up, its queue filled to its bound and then held every order back (the longest
//!   request in the retention bench went from 14 ms to 246 ms, queries of the history waited up
//!   to 0.8 s, and the queue's memory took RSS from 1.4x to 2.6x). A thread whose work the order
//!   path must eventually wait for cannot be given less than its share.

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
