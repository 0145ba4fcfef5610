//! The WebSocket channels: `/ws/market` (books, level changes, trades' prices, tick sizes and,
//! with custom features, best prices, new and resolved markets) and `/ws/user` (the subscriber's
//! own orders and trades), as production sends them (websocket.md §1–§2).
//!
//! How a change reaches a subscriber:
//! 1. While the sequencer applies a record, the exchange notes what the streams show of it as
//!    compact facts ([`feed::Feed`]: level changes, trades, order changes, market changes).
//! 2. The sequencer hands the record's facts to the hub ([`hub`], a thread of its own) without
//!    waiting.
//! 3. The hub holds them until the journal reports the record durable (nothing a subscriber sees
//!    reveals a change that could still be lost), then updates its own copy of the books
//!    ([`mirror`]), builds the messages, serializes each once, and puts it on the bounded queue of
//!    every connection that wants it.
//! 4. Each connection's task (`crate::http::socket`, the WebSocket route) writes its queue to its socket. A connection whose
//!    queue is full is disconnected with the close reason [`hub::SLOW_CONSUMER`]; the hub and the
//!    order path never wait for a socket.
//!
//! Every message is derived from the records alone (times are the records' times), so replaying
//! the journal produces the same market stream.

pub mod feed;
pub mod hub;
pub mod mirror;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak, mpsc};

use crate::history::History;
use feed::{Batch, Seed};
use hub::{Control, Hub, HubStats, Msg};

/// The channels' limits, all configurable (`clobkit serve --stream-queue`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    /// Messages a connection may have waiting before it is dropped as too slow.
    pub queue: usize,
    /// Assets one market-channel connection may follow.
    pub max_assets: usize,
    /// Largest message a client may send, bytes.
    pub max_message: usize,
}

impl Default for StreamLimits {
    /// 4,096 waiting messages, 5,000 assets per connection, 64 KiB per client message.
    fn default() -> Self {
        StreamLimits {
            queue: 4096,
            max_assets: 5000,
            max_message: 64 * 1024,
        }
    }
}

/// The exchange's end of the streams: hands records to the hub and connections to it.
#[derive(Debug)]
pub struct Streams {
    tx: mpsc::Sender<Msg>,
    next_conn: AtomicU64,
    /// The limits.
    pub limits: StreamLimits,
    /// The hub's counters.
    pub stats: Arc<HubStats>,
    worker: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Streams {
    /// The streams' end and the hub's inbox: facts and durable points sent before
    /// [`Streams::start`] wait there (recovery needs the journal's hook before the state the hub
    /// starts from exists).
    pub fn new(limits: StreamLimits) -> (Streams, mpsc::Receiver<Msg>) {
        let (tx, rx) = mpsc::channel();
        let streams = Streams {
            tx,
            next_conn: AtomicU64::new(1),
            limits,
            stats: Arc::new(HubStats::default()),
            worker: Mutex::new(None),
        };
        (streams, rx)
    }

    /// Starts the hub's thread from `seed`, reading `inbox`.
    pub fn start(
        &self,
        inbox: mpsc::Receiver<Msg>,
        seed: Seed,
        history: Weak<History>,
    ) -> std::io::Result<()> {
        let hub = Hub::new(seed, history, self.stats.clone());
        let worker = std::thread::Builder::new()
            .name("clobkit-streams".into())
            .spawn(move || hub.run(inbox))?;
        *self.worker.lock().unwrap_or_else(|p| p.into_inner()) = Some(worker);
        Ok(())
    }

    fn send(&self, m: Msg) {
        let _ = self.tx.send(m);
    }

    /// Hands over a record's facts (called by the sequencer, in record order).
    pub fn record(&self, batch: Batch) {
        self.send(Msg::Batch(batch));
    }

    /// What the journal calls after every flush.
    pub fn durable_hook(&self) -> impl Fn(u64) + Send + Sync + 'static {
        let tx = self.tx.clone();
        move |seq| {
            let _ = tx.send(Msg::Durable(seq));
        }
    }

    /// A new connection's id.
    pub fn next_conn(&self) -> hub::ConnId {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    /// Passes a connection's request to the hub.
    pub fn control(&self, c: Control) {
        self.send(Msg::Control(c));
    }

    /// Stops the hub (open connections close with "going away") and waits for its thread.
    pub fn stop(&self) {
        self.send(Msg::Stop);
        let handle = self.worker.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = handle {
            let _ = h.join();
        }
    }
}

impl Drop for Streams {
    fn drop(&mut self) {
        self.stop();
    }
}
