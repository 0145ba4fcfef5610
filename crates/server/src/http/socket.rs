//! One WebSocket connection: reads the client's subscriptions and keepalives, writes the
//! messages the hub queued for it.
//!
//! What a client gets back (decisions where production documents nothing are marked):
//! - text `PING` (any case) → text `PONG`; protocol pings are answered with protocol pongs;
//! - a message that is not a subscription (bad JSON, a binary frame, an unknown `type` or
//!   `operation`, a token id that is not one) → text `INVALID OPERATION`, and the connection
//!   keeps working (production's answer);
//! - a subscription that would take a market connection past its asset limit → text
//!   `INVALID OPERATION` and nothing of it applied (decision: production states no limit);
//! - user channel: a subscription whose credentials are not a key's own → close 1008 "invalid
//!   api credentials" (decision: production drops the connection without a reason);
//! - a message larger than the limit → close 1009;
//! - a consumer too slow for its queue → close 1008 with [`crate::stream::hub::SLOW_CONSUMER`];
//! - the exchange shutting down → close 1001;
//! - fault drills ([`crate::faults`]): while a freeze lasts its data frames are dropped (PONG
//!   goes on), `PONG`s are delayed or withheld as armed, and an armed cut closes the socket
//!   without a close frame.
//!
//! Writes are batched: a frame and those queued behind it go out with one flush.

use std::sync::{Arc, OnceLock};

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use clobkit_core::wire::stream::{
    ChannelKind, INVALID_OPERATION, Operation, PING, PONG, SubscribeRequest,
};
use futures_util::SinkExt as _;

use crate::app::AppState;
use crate::faults::Pong;
use crate::listen::ConnSlot;
use crate::stream::hub::{ConnId, Control, Frame};

/// How long a close frame may wait behind the data queued before it.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
/// Bytes read from a client at once.
const READ_BUFFER: usize = 4096;
/// Most frames written before one flush.
const BATCH: usize = 256;
/// Close code: the endpoint is going away.
const GOING_AWAY: u16 = 1001;
/// Close code: a policy was violated (bad credentials, too slow).
const POLICY: u16 = 1008;
/// Close code: a message too big to process.
const TOO_BIG: u16 = 1009;
/// The close reason of a user-channel subscription with bad credentials.
pub const INVALID_CREDENTIALS: &str = "invalid api credentials";

/// `GET /ws/market`.
pub async fn market(
    State(app): State<Arc<AppState>>,
    slot: Option<axum::Extension<ConnSlot>>,
    ws: WebSocketUpgrade,
) -> Response {
    upgrade(app, slot, ws, ChannelKind::Market)
}

/// `GET /ws/user`.
pub async fn user(
    State(app): State<Arc<AppState>>,
    slot: Option<axum::Extension<ConnSlot>>,
    ws: WebSocketUpgrade,
) -> Response {
    upgrade(app, slot, ws, ChannelKind::User)
}

fn upgrade(
    app: Arc<AppState>,
    slot: Option<axum::Extension<ConnSlot>>,
    ws: WebSocketUpgrade,
    channel: ChannelKind,
) -> Response {
    let max = app.streams().limits.max_message;
    // clients send little (subscriptions, PING); tungstenite zero-fills up to this much before
    // every read attempt, so its 128 KiB default cost a memset per wake-up of each socket
    ws.read_buffer_size(READ_BUFFER)
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| async move {
            let closing = slot.as_ref().map(|s| s.closing.clone());
            Connection::new(app, channel).serve(socket, closing).await;
            drop(slot);
        })
}

struct Connection {
    app: Arc<AppState>,
    channel: ChannelKind,
    id: ConnId,
    /// Until it is handed to the hub (at once on the market channel, after authentication on
    /// the user channel).
    tx: Option<tokio::sync::mpsc::Sender<Frame>>,
    rx: tokio::sync::mpsc::Receiver<Frame>,
    kicked: Arc<OnceLock<String>>,
    joined: bool,
    assets: usize,
}

/// What to do after a client message.
enum Next {
    Go,
    /// Answer a `PING` (as the fault drills allow).
    Pong,
    Reply(&'static str),
    Close(u16, &'static str),
}

impl Connection {
    fn new(app: Arc<AppState>, channel: ChannelKind) -> Connection {
        let streams = app.streams();
        let id = streams.next_conn();
        let (tx, rx) = tokio::sync::mpsc::channel(streams.limits.queue.max(1));
        Connection {
            app,
            channel,
            id,
            tx: Some(tx),
            rx,
            kicked: Arc::new(OnceLock::new()),
            joined: false,
            assets: 0,
        }
    }

    fn join(&mut self, owner: Option<String>) {
        if let Some(tx) = self.tx.take() {
            self.app.streams().control(Control::Join {
                id: self.id,
                tx,
                kicked: self.kicked.clone(),
                owner,
            });
            self.joined = true;
        }
    }

    async fn serve(
        mut self,
        mut socket: WebSocket,
        closing: Option<tokio::sync::watch::Receiver<bool>>,
    ) {
        if self.channel == ChannelKind::Market {
            self.join(None);
        }
        let opened = std::time::Instant::now();
        let mut faults = self.app.faults.watch();
        if self.app.faults.cut(self.channel, opened) {
            return;
        }
        let mut pongs: std::collections::VecDeque<tokio::time::Instant> =
            std::collections::VecDeque::new();
        let closing = async move {
            match closing {
                Some(mut c) => {
                    let _ = c.wait_for(|stop| *stop).await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::pin!(closing);
        loop {
            tokio::select! {
                () = &mut closing => {
                    close(&mut socket, GOING_AWAY, "the exchange is shutting down").await;
                    break;
                }
                // a drill: cut without a close frame, as a lost connection looks
                Ok(()) = faults.changed() => {
                    if self.app.faults.cut(self.channel, opened) {
                        break;
                    }
                }
                () = sleep_until_first(&pongs) => {
                    pongs.pop_front();
                    if socket.send(Message::Text(Utf8Bytes::from_static(PONG))).await.is_err() {
                        break;
                    }
                }
                incoming = socket.recv() => {
                    let next = match incoming {
                        None => break,
                        Some(Err(e)) => {
                            // tungstenite reports an oversized message as a capacity error
                            let too_big = e.to_string().contains("too long") || e.to_string().contains("Space limit");
                            if too_big {
                                close(&mut socket, TOO_BIG, "message too big").await;
                            }
                            break;
                        }
                        Some(Ok(Message::Text(t))) => self.text(t.as_str()),
                        Some(Ok(Message::Binary(_))) => Next::Reply(INVALID_OPERATION),
                        Some(Ok(Message::Close(_))) => break,
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => Next::Go,
                    };
                    match next {
                        Next::Go => {}
                        Next::Pong => match self.app.faults.pong(self.channel) {
                            Pong::Now => {
                                if socket.send(Message::Text(Utf8Bytes::from_static(PONG))).await.is_err() {
                                    break;
                                }
                            }
                            Pong::After(d) => pongs.push_back(tokio::time::Instant::now() + d),
                            Pong::Withheld => {}
                        },
                        Next::Reply(text) => {
                            if socket.send(Message::Text(Utf8Bytes::from_static(text))).await.is_err() {
                                break;
                            }
                        }
                        Next::Close(code, reason) => {
                            close(&mut socket, code, reason).await;
                            break;
                        }
                    }
                }
                frame = self.rx.recv() => match frame {
                    // a drill: the data stops, PONG goes on
                    Some(_) if self.app.faults.frozen(self.channel) => {}
                    Some(f) => {
                        // this frame and those queued behind it go out with one flush (one
                        // write for many frames when the connection is busy); yielding once first
                        // lets the hub finish queuing what it is publishing
                        tokio::task::yield_now().await;
                        let mut batch = Some(f);
                        let mut sent = 0;
                        let mut failed = false;
                        while let Some(f) = batch.take() {
                            if socket.feed(Message::Text(f)).await.is_err() {
                                failed = true;
                                break;
                            }
                            sent += 1;
                            if sent < BATCH {
                                batch = self.rx.try_recv().ok();
                            }
                        }
                        if failed || socket.flush().await.is_err() {
                            break;
                        }
                    }
                    None => {
                        match self.kicked.get() {
                            Some(reason) => close(&mut socket, POLICY, reason).await,
                            None => close(&mut socket, GOING_AWAY, "the exchange is shutting down").await,
                        }
                        break;
                    }
                },
            }
        }
        if self.joined {
            self.app.streams().control(Control::Leave { id: self.id });
        }
    }

    /// Handles one text message.
    fn text(&mut self, text: &str) -> Next {
        let t = text.trim();
        if t.eq_ignore_ascii_case(PING) {
            return Next::Pong;
        }
        // an object only (serde would also read a struct from an array)
        let req = match t.starts_with('{') {
            true => serde_json::from_str::<SubscribeRequest>(t).ok(),
            false => None,
        };
        let Some(req) = req else {
            return Next::Reply(INVALID_OPERATION);
        };
        if req.channel.is_some_and(|c| c != self.channel) {
            return Next::Reply(INVALID_OPERATION);
        }
        let op = req.operation.unwrap_or_default();
        match self.channel {
            ChannelKind::Market => {
                let limit = self.app.streams().limits.max_assets;
                let after = match op {
                    Operation::Subscribe => self.assets.saturating_add(req.assets_ids.len()),
                    Operation::Unsubscribe => self.assets.saturating_sub(req.assets_ids.len()),
                };
                if after > limit {
                    return Next::Reply(INVALID_OPERATION);
                }
                self.assets = after;
                self.app.streams().control(Control::Assets {
                    id: self.id,
                    op,
                    assets: req.assets_ids,
                    dump: req.initial_dump.unwrap_or(true),
                    custom: req.custom_feature_enabled,
                });
                Next::Go
            }
            ChannelKind::User => {
                if !self.joined {
                    let Some(auth) = &req.auth else {
                        return Next::Close(POLICY, INVALID_CREDENTIALS);
                    };
                    let known = self.app.auth.keys.verify_in_clear(
                        &auth.api_key,
                        &auth.secret,
                        &auth.passphrase,
                    );
                    if known.is_none() {
                        return Next::Close(POLICY, INVALID_CREDENTIALS);
                    }
                    self.join(Some(auth.api_key.clone()));
                }
                self.app.streams().control(Control::Markets {
                    id: self.id,
                    op,
                    markets: req.markets,
                });
                Next::Go
            }
        }
    }
}

/// Resolves when the first delayed `PONG` is due (never when none is waiting).
async fn sleep_until_first(pongs: &std::collections::VecDeque<tokio::time::Instant>) {
    match pongs.front() {
        Some(at) => tokio::time::sleep_until(*at).await,
        None => std::future::pending().await,
    }
}

async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from(reason.to_owned()),
    };
    // a reader that fell behind gets its close frame after everything queued before it, so
    // it may take a while to drain; the wait costs only this connection's slot
    let _ = tokio::time::timeout(CLOSE_WAIT, socket.send(Message::Close(Some(frame)))).await;
}
