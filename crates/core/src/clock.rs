//! The wall clock, read in the units the protocol uses.
//!
//! Timestamps on the wire are Unix seconds (L1/L2 headers, order expirations, trade times) or
//! Unix milliseconds (book timestamps, V2 order timestamps). Every crate reads the clock through these two functions,
//! so a clock before 1970 is handled once (it reads as 0, which every check then refuses as too
//! old rather than panicking).

use std::time::{SystemTime, UNIX_EPOCH};

/// Unix seconds now (0 if the system clock is before 1970).
pub fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Unix milliseconds now (0 if the system clock is before 1970). A `u64` holds milliseconds
/// for 584 million years; a clock beyond that reads as `u64::MAX`.
pub fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
