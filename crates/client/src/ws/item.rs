//! What a stream yields: the channel's events in wire order, and what happened to the
//! connection, so a gap is never silent.

use std::time::Duration;

use clobkit_core::types::TokenId;
use clobkit_core::wire::stream::StreamEvent;

/// Why a connection ended and events may be missing from then on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GapReason {
    /// The exchange closed the connection (its close code and reason: 1008 with "consumer too
    /// slow" when this reader fell behind, 1001 when it shut down).
    Closed {
        /// The close code (1005 when none was given).
        code: u16,
        /// The reason given.
        reason: String,
    },
    /// The connection broke (reset, end of stream, a protocol error).
    Broken(String),
    /// No `PONG` within the heartbeat timeout.
    HeartbeatTimeout,
    /// An asset stayed silent past the staleness limit and the watchdog reconnected.
    Stale(TokenId),
}

/// One item of a stream.
#[derive(Debug, Clone, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "events are nearly every item: boxing them would add an allocation per event to spare the rare connection items a few hundred bytes"
)]
pub enum StreamItem {
    /// An event, in the order the exchange sent it on this socket.
    Event {
        /// Which socket of the stream it came on.
        shard: usize,
        /// The event.
        event: StreamEvent,
    },
    /// A socket connected for the first time.
    Connected {
        /// The socket.
        shard: usize,
    },
    /// A socket lost its connection: events may be missing until [`StreamItem::Reconnected`]
    /// and the fresh snapshots after it.
    Gap {
        /// The socket.
        shard: usize,
        /// Why.
        reason: GapReason,
    },
    /// A socket is connected again and has asked for fresh snapshots of everything it follows
    /// (they come next, as `book` events).
    Reconnected {
        /// The socket.
        shard: usize,
        /// Connection attempts it took.
        attempts: u32,
        /// How long it was down.
        down_for: Duration,
    },
    /// An asset that had its snapshot has been silent for `silent_for` (the staleness
    /// watchdog, when configured).
    Stale {
        /// The socket.
        shard: usize,
        /// The asset.
        asset: TokenId,
        /// How long it has been silent.
        silent_for: Duration,
    },
    /// After a reconnection, an asset's fresh snapshot compared with the REST book
    /// ([`super::MarketStream::with_rest_check`]); `differences` is empty when they agree (a
    /// change between the two reads can make them differ for a moment).
    BookChecked {
        /// The asset.
        asset: TokenId,
        /// What differs.
        differences: Vec<String>,
    },
    /// A `book` older than the kept book was not taken (the event itself came before this
    /// item, as sent).
    SnapshotIgnored {
        /// The asset.
        asset: TokenId,
        /// The snapshot's timestamp (unix ms).
        snapshot: u64,
        /// The kept book's timestamp.
        book: u64,
    },
    /// A text message from the exchange that is not an event (`INVALID OPERATION`).
    Notice {
        /// The socket.
        shard: usize,
        /// The text.
        text: String,
    },
}
