//! Identifiers the exchange makes up: API keys and secrets, heartbeat ids, trade ids.
//!
//! Random ids come from the OS (`getrandom`, through the `uuid` crate for UUIDs). Trade ids are
//! *derived* from the trade's sequence number, so replaying the journal gives the same ids.

use uuid::Uuid;

/// A random (version 4) UUID in its lowercase hyphenated form.
pub fn random_uuid() -> String {
    Uuid::new_v4().hyphenated().to_string()
}

/// A trade id as the API shows trade ids: UUID-shaped, the trade's sequence number in the low
/// bits.
pub fn trade_uuid(n: u64) -> String {
    Uuid::from_u128(u128::from(n)).hyphenated().to_string()
}

/// The settlement transaction hash reported for a trade: there is no chain here, so it is the
/// trade's sequence number as a 32-byte hex word (stable across replays, unique per trade).
pub fn trade_tx_hash(n: u64) -> String {
    format!("{n:#066x}")
}

/// Fills `buf` from the OS random source.
///
/// Errors if the OS refuses, which it does not on any supported platform; callers turn that into
/// a 500 instead of handing out predictable secrets.
pub fn fill_random(buf: &mut [u8]) -> Result<(), getrandom::Error> {
    getrandom::fill(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(trade_uuid(1), "00000000-0000-0000-0000-000000000001");
        assert_eq!(trade_uuid(u64::MAX), "00000000-0000-0000-ffff-ffffffffffff");
        let a = random_uuid();
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert_ne!(a, random_uuid());
        assert_eq!(trade_tx_hash(255).len(), 66);
        assert!(trade_tx_hash(255).ends_with("ff"));
    }
}
