//! CPU priority of the exchange's threads: work that can wait runs below the order path.
//!
//! On a machine with few cores the order path (HTTP workers, the journal) shares them with
//! simulated agents beside the exchange, whose delay costs no user anything. Their threads run
//! under Linux's `SCHED_IDLE` policy: they get every cycle nobody else wants, and a thread of the
//! order path that wakes up takes their core at once. A nice value only weighs the scheduler's
//! sharing: a niced agent thread could still run out its slice (measured: up to 4 ms) while a
//! woken order handler waited behind it. Elsewhere than Linux, nothing changes.
//!
//! An agent's request holds the sequencer lock for tens of microseconds; if its thread loses
//! the core meanwhile, whoever waits for the lock sleeps and so frees a core for it.
//!
//! Not lowered, each for a measured reason (BENCHMARKS.md):
//! * the streams' hub: bots read the market channel to trade, and a niced hub fell behind under
//!   load (the event p99 at 100 subscribers went from 11.8 ms to 58 ms);
//! * the history's writer: when the cores are saturated, a niced writer got too little of them
//!   to keep up, its queue filled to its bound and then held every order back (the longest
//!   request in the retention bench went from 14 ms to 246 ms, queries of the history waited up
//!   to 0.8 s, and the queue's memory took RSS from 1.4x to 2.6x). A thread whose work the order
//!   path must eventually wait for cannot be given less than its share.

/// Puts the calling thread below the order path (`SCHED_IDLE`). Failing to (a sandbox that
/// forbids it) only costs latency under load, so it is logged, not returned.
pub fn background() {
    #[cfg(target_os = "linux")]
    {
        use thread_priority::ThreadPriority;
        use thread_priority::unix::{
            NormalThreadSchedulePolicy, ThreadSchedulePolicy, set_thread_priority_and_policy,
            thread_native_id,
        };
        if let Err(e) = set_thread_priority_and_policy(
            thread_native_id(),
            ThreadPriority::Min,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
        ) {
            tracing::debug!(error = ?e, "could not lower a background thread's priority");
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use thread_priority::unix::{
        NormalThreadSchedulePolicy, ThreadSchedulePolicy, thread_schedule_policy,
    };

    #[test]
    fn a_background_thread_runs_under_sched_idle_and_others_are_untouched() {
        let policy_after = |lower: bool| {
            std::thread::spawn(move || {
                if lower {
                    super::background();
                }
                thread_schedule_policy().map_err(|e| format!("{e:?}"))
            })
            .join()
            .map_err(|_| "the thread panicked".to_string())
            .and_then(|r| r)
        };
        assert_eq!(
            policy_after(true),
            Ok(ThreadSchedulePolicy::Normal(
                NormalThreadSchedulePolicy::Idle
            ))
        );
        assert_eq!(
            policy_after(false),
            Ok(ThreadSchedulePolicy::Normal(
                NormalThreadSchedulePolicy::Other
            ))
        );
    }
}
