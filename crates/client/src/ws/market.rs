//! The market channel: books, level changes, trades' prices and tick sizes of chosen assets,
//! spread over as many sockets as the per-socket limit needs, with the books kept.

use std::collections::{BTreeSet, HashSet, VecDeque};

use clobkit_core::types::TokenId;
use clobkit_core::wire::stream::{Operation, StreamEvent};
use tokio::sync::mpsc;

use super::shard::{Follow, Shard, ShardCtl};
use super::{OrderBooks, StreamConfig, StreamItem, channel_url};
use crate::client::{ClobClient, Public};

struct ShardHandle {
    ctl: mpsc::UnboundedSender<ShardCtl>,
    assets: HashSet<TokenId>,
}

/// A market-channel stream. Needs a tokio runtime; connects on the first subscription.
///
/// ```no_run
/// # async fn demo() {
/// use clobkit_client::ws::{MarketStream, StreamConfig, StreamItem, PRODUCTION_WS};
/// let mut stream = MarketStream::new(PRODUCTION_WS, StreamConfig::default());
/// stream.subscribe(["1234".parse().unwrap()]);
/// while let Some(item) = stream.next().await {
///     if let StreamItem::Gap { .. } = item {
///         // the books are marked stale until their fresh snapshots arrive
///     }
///     if let Some(book) = stream.books().get(&"1234".parse().unwrap()) {
///         println!("mid {:?}", book.midpoint());
///     }
/// }
/// # }
/// ```
pub struct MarketStream {
    url: String,
    config: StreamConfig,
    custom: bool,
    shards: Vec<ShardHandle>,
    tx: mpsc::Sender<StreamItem>,
    rx: mpsc::Receiver<StreamItem>,
    books: OrderBooks,
    rest: Option<ClobClient<Public>>,
    to_check: HashSet<TokenId>,
    queued: VecDeque<StreamItem>,
}

impl MarketStream {
    /// A stream on the exchange at `base` (`wss://ws-subscriptions-clob.polymarket.com`, a local
    /// exchange's `http://127.0.0.1:PORT`, or either with `/ws/market`).
    pub fn new(base: &str, config: StreamConfig) -> MarketStream {
        let (tx, rx) = mpsc::channel(config.buffer.max(1));
        MarketStream {
            url: channel_url(base, "market"),
            config,
            custom: false,
            shards: Vec::new(),
            tx,
            rx,
            books: OrderBooks::new(),
            rest: None,
            to_check: HashSet::new(),
            queued: VecDeque::new(),
        }
    }

    /// Asks for `best_bid_ask`, `new_market` and `market_resolved` too (before subscribing).
    pub fn with_custom_features(mut self) -> MarketStream {
        self.custom = true;
        self
    }

    /// After every reconnection, each fresh snapshot is compared with the REST book read through
    /// `client` ([`StreamItem::BookChecked`]).
    pub fn with_rest_check(mut self, client: ClobClient<Public>) -> MarketStream {
        self.rest = Some(client);
        self
    }

    /// Follows `assets` (each sends its book first), on the sockets that have room, opening
    /// more past [`StreamConfig::max_assets_per_socket`].
    pub fn subscribe(&mut self, assets: impl IntoIterator<Item = TokenId>) {
        let per = self.config.max_assets_per_socket.max(1);
        let mut fresh: Vec<TokenId> = Vec::new();
        let known: HashSet<TokenId> = self
            .shards
            .iter()
            .flat_map(|s| s.assets.iter().copied())
            .collect();
        for a in assets {
            if !known.contains(&a) && !fresh.contains(&a) {
                fresh.push(a);
            }
        }
        let mut fresh = fresh.into_iter().peekable();
        while fresh.peek().is_some() {
            let i = match self.shards.iter().position(|s| s.assets.len() < per) {
                Some(i) => i,
                None => self.open_shard(),
            };
            let room = per - self.shards[i].assets.len();
            let batch: Vec<TokenId> = fresh.by_ref().take(room).collect();
            self.shards[i].assets.extend(batch.iter().copied());
            let _ = self.shards[i]
                .ctl
                .send(ShardCtl::Assets(Operation::Subscribe, batch));
        }
    }

    /// Stops following `assets`.
    pub fn unsubscribe(&mut self, assets: impl IntoIterator<Item = TokenId>) {
        let assets: BTreeSet<TokenId> = assets.into_iter().collect();
        for s in &mut self.shards {
            let mine: Vec<TokenId> = assets
                .iter()
                .filter(|a| s.assets.remove(a))
                .copied()
                .collect();
            if !mine.is_empty() {
                let _ = s.ctl.send(ShardCtl::Assets(Operation::Unsubscribe, mine));
            }
        }
    }

    /// The sockets in use.
    pub fn sockets(&self) -> usize {
        self.shards.len()
    }

    fn open_shard(&mut self) -> usize {
        let (ctl, ctl_rx) = mpsc::unbounded_channel();
        let index = self.shards.len();
        let shard = Shard {
            index,
            url: self.url.clone(),
            config: self.config,
            follow: Follow::Market {
                assets: BTreeSet::new(),
                custom: self.custom,
            },
            ctl: ctl_rx,
            out: self.tx.clone(),
        };
        tokio::spawn(shard.run());
        self.shards.push(ShardHandle {
            ctl,
            assets: HashSet::new(),
        });
        index
    }

    /// The next item, in order per socket; the books are updated before it is returned.
    /// `None` only when every socket has stopped.
    pub async fn next(&mut self) -> Option<StreamItem> {
        if let Some(item) = self.queued.pop_front() {
            return Some(item);
        }
        let item = self.rx.recv().await?;
        if let Some(stale) = self.books.apply(&item) {
            self.queued.push_back(StreamItem::SnapshotIgnored {
                asset: stale.asset,
                snapshot: stale.snapshot,
                book: stale.book,
            });
        }
        match &item {
            StreamItem::Reconnected { shard, .. } if self.rest.is_some() => {
                if let Some(s) = self.shards.get(*shard) {
                    self.to_check.extend(s.assets.iter().copied());
                }
            }
            StreamItem::Event {
                event: StreamEvent::Book(b),
                ..
            } if self.to_check.remove(&b.asset_id) => {
                if let (Some(rest), Some(mine)) = (&self.rest, self.books.get(&b.asset_id)) {
                    let differences = match rest.get_order_book(&b.asset_id).await {
                        Ok(summary) => mine.differences(&summary),
                        Err(e) => vec![format!("the REST book could not be read: {e}")],
                    };
                    self.queued.push_back(StreamItem::BookChecked {
                        asset: b.asset_id,
                        differences,
                    });
                }
            }
            _ => {}
        }
        Some(item)
    }

    /// The books of the followed assets.
    pub fn books(&self) -> &OrderBooks {
        &self.books
    }
}

impl Drop for MarketStream {
    fn drop(&mut self) {
        for s in &self.shards {
            let _ = s.ctl.send(ShardCtl::Close);
        }
    }
}
