//! One socket of a stream: connects, subscribes, reads events in order, keeps the connection
//! alive with text `PING`s, watches for silence, and on any loss reports a gap and reconnects
//! with jittered exponential backoff, asking again for everything it followed (with fresh
//! snapshots).

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use clobkit_core::types::{ConditionId, TokenId};
use clobkit_core::wire::stream::{
    INVALID_OPERATION, Operation, PING, PONG, StreamAuth, StreamEvent, SubscribeRequest,
    parse_frame,
};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::{GapReason, StreamConfig, StreamItem};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What a stream asks of one of its sockets.
#[derive(Debug)]
pub(crate) enum ShardCtl {
    /// Follow or drop assets (market channel).
    Assets(Operation, Vec<TokenId>),
    /// Follow or drop markets (user channel).
    Markets(Operation, Vec<ConditionId>),
    /// Close for good.
    Close,
}

/// Which channel a socket speaks, and its subscription state.
#[derive(Debug, Clone)]
pub(crate) enum Follow {
    /// `/ws/market`: the assets, and whether custom features are on.
    Market {
        /// The assets.
        assets: BTreeSet<TokenId>,
        /// Custom features.
        custom: bool,
    },
    /// `/ws/user`: the credentials and the markets (empty: all).
    User {
        /// The credentials.
        auth: StreamAuth,
        /// The markets.
        markets: BTreeSet<ConditionId>,
    },
}

impl Follow {
    /// The message that asks for everything followed (`None`: nothing to ask yet).
    fn subscription(&self) -> Option<SubscribeRequest> {
        match self {
            Follow::Market { assets, custom } => (!assets.is_empty() || *custom).then(|| {
                let r = SubscribeRequest::market(assets.iter().copied().collect());
                if *custom { r.custom_features(true) } else { r }
            }),
            Follow::User { auth, markets } => Some(SubscribeRequest::user(
                markets.iter().copied().collect(),
                auth.clone(),
            )),
        }
    }

    /// Applies a request to the followed set; returns the message to send for it when
    /// connected.
    fn change(&mut self, c: ShardCtl) -> Option<SubscribeRequest> {
        match (self, c) {
            (Follow::Market { assets, custom }, ShardCtl::Assets(op, list)) => {
                let list: Vec<TokenId> = match op {
                    Operation::Subscribe => {
                        list.into_iter().filter(|a| assets.insert(*a)).collect()
                    }
                    Operation::Unsubscribe => {
                        list.into_iter().filter(|a| assets.remove(a)).collect()
                    }
                };
                if list.is_empty() {
                    return None;
                }
                let r = SubscribeRequest::market(list);
                Some(match op {
                    Operation::Subscribe if *custom => r.custom_features(true),
                    Operation::Subscribe => r,
                    Operation::Unsubscribe => r.unsubscribe(),
                })
            }
            (Follow::User { auth, markets }, ShardCtl::Markets(op, list)) => {
                match op {
                    Operation::Subscribe => markets.extend(list.iter().copied()),
                    Operation::Unsubscribe => {
                        for m in &list {
                            markets.remove(m);
                        }
                    }
                }
                let r = SubscribeRequest::user(list, auth.clone());
                Some(match op {
                    Operation::Subscribe => r,
                    Operation::Unsubscribe => r.unsubscribe(),
                })
            }
            _ => None,
        }
    }
}

/// How a session ended.
enum End {
    /// The connection is gone; reconnect.
    Lost(GapReason),
    /// Closed on request, or the reader is gone.
    Shutdown,
}

/// One socket's task.
pub(crate) struct Shard {
    pub(crate) index: usize,
    pub(crate) url: String,
    pub(crate) config: StreamConfig,
    pub(crate) follow: Follow,
    pub(crate) ctl: mpsc::UnboundedReceiver<ShardCtl>,
    pub(crate) out: mpsc::Sender<StreamItem>,
}

impl Shard {
    /// Runs until closed or until the reader drops the stream.
    pub(crate) async fn run(mut self) {
        let mut first = true;
        let mut attempts: u32 = 0;
        let mut down_since = Instant::now();
        loop {
            attempts += 1;
            let connected = tokio::time::timeout(
                self.config.connect_timeout,
                tokio_tungstenite::connect_async_with_config(
                    self.url.as_str(),
                    Some(socket_config()),
                    false,
                ),
            )
            .await;
            let mut ws = match connected {
                Ok(Ok((ws, _))) => ws,
                Ok(Err(e)) => {
                    tracing::debug!(shard = self.index, error = %e, "stream connection failed");
                    if self.wait(self.config.backoff(attempts)).await {
                        return;
                    }
                    continue;
                }
                Err(_) => {
                    tracing::debug!(shard = self.index, "stream connection timed out");
                    if self.wait(self.config.backoff(attempts)).await {
                        return;
                    }
                    continue;
                }
            };
            let item = if first {
                StreamItem::Connected { shard: self.index }
            } else {
                StreamItem::Reconnected {
                    shard: self.index,
                    attempts,
                    down_for: down_since.elapsed(),
                }
            };
            if self.out.send(item).await.is_err() {
                return;
            }
            first = false;
            attempts = 0;
            let end = match self.follow.subscription() {
                Some(req) => match send_request(&mut ws, &req).await {
                    Ok(()) => self.session(&mut ws).await,
                    Err(reason) => End::Lost(reason),
                },
                None => self.session(&mut ws).await,
            };
            match end {
                End::Shutdown => {
                    let _ = ws.close(None).await;
                    return;
                }
                End::Lost(reason) => {
                    tracing::info!(
                        shard = self.index,
                        ?reason,
                        "stream connection lost: reconnecting"
                    );
                    down_since = Instant::now();
                    if self
                        .out
                        .send(StreamItem::Gap {
                            shard: self.index,
                            reason,
                        })
                        .await
                        .is_err()
                    {
                        return;
                    }
                    // the first retry waits too: an exchange that drops a connection at once
                    // must not be hammered
                    if self.wait(self.config.backoff(1)).await {
                        return;
                    }
                }
            }
        }
    }

    /// Waits `delay` while taking subscription changes; true if closed meanwhile.
    async fn wait(&mut self, delay: Duration) -> bool {
        let until = Instant::now() + delay;
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(until) => return false,
                c = self.ctl.recv() => match c {
                    None | Some(ShardCtl::Close) => return true,
                    Some(c) => { self.follow.change(c); }
                },
            }
        }
    }

    /// Reads until the connection is lost or the stream closes.
    async fn session(&mut self, ws: &mut Socket) -> End {
        let cfg = self.config;
        let mut heartbeat = tokio::time::interval(cfg.heartbeat_interval);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_pong = Instant::now();
        let watch_every = cfg.stale_after.map_or(Duration::from_secs(3600), |s| {
            (s / 4).max(Duration::from_millis(10))
        });
        let mut watchdog = tokio::time::interval(watch_every);
        // assets with a snapshot: when each last had an event
        let mut heard: HashMap<TokenId, Instant> = HashMap::new();
        // assets asked for whose snapshot has not come: since when (a snapshot lost to a
        // freeze counts as silence too)
        let mut awaited: HashMap<TokenId, Instant> = match &self.follow {
            Follow::Market { assets, .. } => assets.iter().map(|a| (*a, Instant::now())).collect(),
            Follow::User { .. } => HashMap::new(),
        };
        loop {
            let dead_at = last_pong + cfg.heartbeat_timeout;
            tokio::select! {
                msg = ws.next() => {
                    let text = match msg {
                        None => return End::Lost(GapReason::Broken("the connection ended".into())),
                        Some(Err(e)) => return End::Lost(GapReason::Broken(e.to_string())),
                        Some(Ok(Message::Close(f))) => {
                            let (code, reason) = f.map_or((1005, String::new()), |f| (u16::from(f.code), f.reason.to_string()));
                            return End::Lost(GapReason::Closed { code, reason });
                        }
                        Some(Ok(Message::Text(t))) => t,
                        Some(Ok(_)) => continue,
                    };
                    let trimmed = text.trim();
                    if trimmed.eq_ignore_ascii_case(PONG) {
                        last_pong = Instant::now();
                        continue;
                    }
                    let items: Vec<StreamItem> = match parse_frame(trimmed) {
                        Ok(events) => events
                            .into_iter()
                            .map(|event| {
                                if let StreamEvent::Book(b) = &event {
                                    awaited.remove(&b.asset_id);
                                }
                                note_heard(&mut heard, &event);
                                StreamItem::Event { shard: self.index, event }
                            })
                            .collect(),
                        Err(_) => vec![StreamItem::Notice { shard: self.index, text: trimmed.to_owned() }],
                    };
                    if trimmed == INVALID_OPERATION {
                        tracing::warn!(shard = self.index, "the exchange answered INVALID OPERATION");
                    }
                    for item in items {
                        if self.out.send(item).await.is_err() {
                            return End::Shutdown;
                        }
                    }
                }
                _ = heartbeat.tick() => {
                    if ws.send(Message::Text(PING.into())).await.is_err() {
                        return End::Lost(GapReason::Broken("the PING could not be sent".into()));
                    }
                }
                () = tokio::time::sleep_until(dead_at) => return End::Lost(GapReason::HeartbeatTimeout),
                c = self.ctl.recv() => match c {
                    None | Some(ShardCtl::Close) => return End::Shutdown,
                    Some(c) => {
                        match &c {
                            ShardCtl::Assets(Operation::Unsubscribe, list) => {
                                for a in list {
                                    heard.remove(a);
                                    awaited.remove(a);
                                }
                            }
                            ShardCtl::Assets(Operation::Subscribe, list) => {
                                for a in list {
                                    awaited.entry(*a).or_insert_with(Instant::now);
                                }
                            }
                            _ => {}
                        }
                        if let Some(req) = self.follow.change(c)
                            && let Err(reason) = send_request(ws, &req).await
                        {
                            return End::Lost(reason);
                        }
                    }
                },
                _ = watchdog.tick(), if cfg.stale_after.is_some() => {
                    let limit = cfg.stale_after.unwrap_or(Duration::MAX);
                    let stale: Vec<(TokenId, Duration)> = heard
                        .iter()
                        .chain(awaited.iter())
                        .map(|(a, t)| (*a, t.elapsed()))
                        .filter(|(_, d)| *d > limit)
                        .collect();
                    for (asset, silent_for) in stale {
                        if let Some(t) = heard.get_mut(&asset) {
                            *t = Instant::now();
                        }
                        if let Some(t) = awaited.get_mut(&asset) {
                            *t = Instant::now();
                        }
                        let item = StreamItem::Stale { shard: self.index, asset, silent_for };
                        if self.out.send(item).await.is_err() {
                            return End::Shutdown;
                        }
                        if cfg.on_stale == super::OnStale::Reconnect {
                            return End::Lost(GapReason::Stale(asset));
                        }
                    }
                }
            }
        }
    }
}

/// Records which assets an event shows alive (a `book` starts an asset's watch).
fn note_heard(heard: &mut HashMap<TokenId, Instant>, event: &StreamEvent) {
    let now = Instant::now();
    match event {
        StreamEvent::Book(b) => {
            heard.insert(b.asset_id, now);
        }
        StreamEvent::PriceChange(p) => {
            for c in &p.price_changes {
                if let Some(t) = heard.get_mut(&c.asset_id) {
                    *t = now;
                }
            }
        }
        StreamEvent::LastTradePrice(t) => {
            if let Some(at) = heard.get_mut(&t.asset_id) {
                *at = now;
            }
        }
        StreamEvent::TickSizeChange(t) => {
            if let Some(at) = heard.get_mut(&t.asset_id) {
                *at = now;
            }
        }
        StreamEvent::BestBidAsk(b) => {
            if let Some(at) = heard.get_mut(&b.asset_id) {
                *at = now;
            }
        }
        _ => {}
    }
}

/// The socket's settings: tungstenite zero-fills its read buffer up to the read size before
/// every read, so 8 KiB (not its 128 KiB default) keeps that cost near the frames' own while a
/// burst still takes few reads.
pub(crate) fn socket_config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(8 * 1024)
}

async fn send_request(ws: &mut Socket, req: &SubscribeRequest) -> Result<(), GapReason> {
    let text = serde_json::to_string(req)
        .map_err(|e| GapReason::Broken(format!("a subscription did not serialize: {e}")))?;
    ws.send(Message::Text(text.into()))
        .await
        .map_err(|e| GapReason::Broken(e.to_string()))
}
