//! The WebSocket channels over real sockets: what a market subscriber and a user subscriber see
//! of orders and trades, that it agrees with the REST answers, keepalives, hostile input, and
//! that no subscriber sees another owner's events.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clobkit_core::auth::ApiCredentials;
use clobkit_core::book::OrderBookSummary;
use clobkit_core::types::{ApiKey, ConditionId, OrderId, OrderType, Side, TokenId};
use clobkit_core::wire::stream::{OrderEventKind, StreamEvent, TradeMessage, parse_frame};
use clobkit_core::wire::{TradeStatus, TraderSide};
use clobkit_core::{Address, B256, Decimal};
use clobkit_engine::{Command, FeeBasis, MarketSpec, ONE, OrderSpec, OrderTerms, Owner, Stamped};
use clobkit_server::app::{AppState, ServerConfig};
use clobkit_server::exchange::Record;
use clobkit_server::serve::Server;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

const KEY_A: &str = "00000000-0000-4000-8000-00000000000a";
const KEY_B: &str = "00000000-0000-4000-8000-00000000000b";
const SECRET: &str = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTAx";
const YES: u64 = 7001;
const NO: u64 = 7002;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Running {
    addr: SocketAddr,
    state: Arc<AppState>,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<()>,
}

impl Running {
    async fn stop(self) {
        let _ = self.stop.send(());
        self.done.await.unwrap();
    }
}

async fn start(dir: &std::path::Path, tweak: impl FnOnce(&mut ServerConfig)) -> Running {
    let mut config = ServerConfig::new(dir);
    config.fsync = false;
    tweak(&mut config);
    let server = Server::bind(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let (addr, state) = (server.addr, server.state.clone());
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(async move {
        server
            .run(async {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    Running {
        addr,
        state,
        stop,
        done,
    }
}

fn creds(key: &str) -> ApiCredentials {
    ApiCredentials {
        api_key: ApiKey::new(key).unwrap(),
        secret: SECRET.into(),
        passphrase: format!("pass-{key}"),
    }
}

fn wallet(key: &str) -> Address {
    Address::repeat_byte(key.as_bytes()[key.len() - 1])
}

fn condition() -> ConditionId {
    ConditionId(B256::repeat_byte(0x11))
}

async fn engine(app: &AppState, command: Command) {
    app.submit(|now| Record::Engine(Stamped { now, command }))
        .await
        .unwrap()
        .unwrap();
}

/// A market, and $2000 and an API key for each of A and B.
async fn setup(app: &AppState) {
    let spec = MarketSpec::yes_no(condition(), TokenId::from(YES), TokenId::from(NO));
    engine(app, Command::CreateMarket(Box::new(spec))).await;
    for key in [KEY_A, KEY_B] {
        let (address, creds) = (wallet(key), creds(key));
        engine(
            app,
            Command::Deposit {
                account: address,
                amount: 2000 * ONE,
            },
        )
        .await;
        let nonce = "0".to_owned();
        app.submit(move |now| Record::CreateApiKey {
            now,
            address,
            nonce,
            creds,
        })
        .await
        .unwrap()
        .unwrap();
    }
}

/// Places a GTC bid of 10 shares of `token` at `cents`/100 by `key` (id from `n`).
async fn bid(app: &AppState, n: u32, key: &str, token: u64, cents: u64) -> OrderId {
    let mut id = [0u8; 32];
    id[..4].copy_from_slice(&n.to_be_bytes());
    id[4] = key.as_bytes()[key.len() - 1];
    let id = OrderId(B256::from(id));
    let spec = OrderSpec {
        terms: OrderTerms {
            id,
            maker: wallet(key),
            token: TokenId::from(token),
            side: Side::Buy,
            maker_amount: cents * ONE / 10,
            taker_amount: 10 * ONE,
            fee_rate_bps: 0,
            fees: FeeBasis::Operator,
            builder: B256::ZERO,
            order_type: OrderType::Gtc,
            expiration: 0,
        },
        owner: Owner::new(key),
        post_only: false,
    };
    let outcome = app.place(spec).await.unwrap().unwrap();
    assert!(outcome.rejected.is_none(), "{outcome:?}");
    id
}

async fn connect(addr: SocketAddr, path: &str) -> Ws {
    tokio_tungstenite::connect_async(format!("ws://{addr}{path}"))
        .await
        .unwrap()
        .0
}

async fn send(ws: &mut Ws, text: &str) {
    ws.send(Message::Text(text.into())).await.unwrap();
}

/// The next text frame within `wait` (protocol pings and pongs skipped), `None` if none came.
async fn next_text(ws: &mut Ws, wait: Duration) -> Option<String> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let m = tokio::time::timeout_at(deadline, ws.next())
            .await
            .ok()??
            .ok()?;
        match m {
            Message::Text(t) => return Some(t.to_string()),
            Message::Close(_) => return None,
            _ => {}
        }
    }
}

/// The events of the next frame (panics if none comes within 5 s).
async fn events(ws: &mut Ws) -> Vec<StreamEvent> {
    let text = next_text(ws, Duration::from_secs(5))
        .await
        .expect("a frame within 5 s");
    parse_frame(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Events until none comes for `quiet`.
async fn drain(ws: &mut Ws, quiet: Duration) -> Vec<StreamEvent> {
    let mut out = Vec::new();
    while let Some(text) = next_text(ws, quiet).await {
        out.extend(parse_frame(&text).unwrap());
    }
    out
}

/// A GET over HTTP (reqwest is built with rustls on ring in this workspace: the provider is
/// installed first).
async fn get(url: String) -> reqwest::Response {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::get(url).await.unwrap()
}

async fn rest_book(addr: SocketAddr, token: u64) -> OrderBookSummary {
    get(format!("http://{addr}/book?token_id={token}"))
        .await
        .json()
        .await
        .unwrap()
}

async fn rest_last_trade(addr: SocketAddr, token: u64) -> Decimal {
    let v: serde_json::Value =
        reqwest::get(format!("http://{addr}/last-trade-price?token_id={token}"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    v["price"].as_str().unwrap().parse().unwrap()
}

/// A book kept from `book` and `price_change` events, as a client keeps it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct LocalBook {
    bids: std::collections::BTreeMap<Decimal, Decimal>,
    asks: std::collections::BTreeMap<Decimal, Decimal>,
}

impl LocalBook {
    fn apply(books: &mut std::collections::HashMap<TokenId, LocalBook>, e: &StreamEvent) {
        match e {
            StreamEvent::Book(b) => {
                let book = books.entry(b.asset_id).or_default();
                book.bids = b.bids.iter().map(|l| (l.price, l.size)).collect();
                book.asks = b.asks.iter().map(|l| (l.price, l.size)).collect();
            }
            StreamEvent::PriceChange(p) => {
                for c in &p.price_changes {
                    let book = books.entry(c.asset_id).or_default();
                    let side = if c.side == Side::Buy {
                        &mut book.bids
                    } else {
                        &mut book.asks
                    };
                    if c.size.is_zero() {
                        side.remove(&c.price);
                    } else {
                        side.insert(c.price, c.size);
                    }
                }
            }
            _ => {}
        }
    }

    fn of(summary: &OrderBookSummary) -> LocalBook {
        LocalBook {
            bids: summary.bids.iter().map(|l| (l.price, l.size)).collect(),
            asks: summary.asks.iter().map(|l| (l.price, l.size)).collect(),
        }
    }
}

fn subscribe_market() -> String {
    // what the official Rust SDK sends
    format!(
        r#"{{"type":"market","operation":"subscribe","markets":[],"assets_ids":["{YES}","{NO}"],"initial_dump":true,"custom_feature_enabled":true}}"#
    )
}

fn subscribe_user(key: &str, secret: &str) -> String {
    format!(
        r#"{{"type":"user","operation":"subscribe","markets":[],"assets_ids":[],"initial_dump":true,"auth":{{"apiKey":"{key}","secret":"{secret}","passphrase":"pass-{key}"}}}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_market_subscriber_sees_books_changes_and_trades_that_match_rest() {
    let dir = tempfile::tempdir().unwrap();
    let r = start(dir.path(), |_| {}).await;
    setup(&r.state).await;
    let a_first = bid(&r.state, 1, KEY_A, YES, 30).await;
    let mut ws = connect(r.addr, "/ws/market").await;
    send(&mut ws, &subscribe_market()).await;
    // the snapshot: one array frame, a book per asset, with tick size and last trade price
    let snapshot = events(&mut ws).await;
    assert_eq!(snapshot.len(), 2, "{snapshot:?}");
    let mut books = std::collections::HashMap::new();
    for e in &snapshot {
        let StreamEvent::Book(b) = e else {
            panic!("{e:?}")
        };
        assert_eq!(b.market, condition());
        assert_eq!(
            b.tick_size.map(|t| t.as_decimal().to_string()).as_deref(),
            Some("0.01")
        );
        assert_eq!(
            b.last_trade_price.map(|p| p.to_string()).as_deref(),
            Some("0.5")
        );
        LocalBook::apply(&mut books, e);
    }
    assert_eq!(books[&TokenId::from(YES)].bids.len(), 1);
    assert_eq!(
        books[&TokenId::from(NO)].asks.len(),
        1,
        "the NO book mirrors the YES bid"
    );

    // A rests a YES bid at 0.40: one price_change with both tokens' entries
    bid(&r.state, 2, KEY_A, YES, 40).await;
    let got = events(&mut ws).await;
    let [StreamEvent::PriceChange(pc)] = got.as_slice() else {
        panic!("{got:?}")
    };
    assert_eq!(pc.price_changes.len(), 2, "{pc:?}");
    let (yes, no) = (&pc.price_changes[0], &pc.price_changes[1]);
    assert_eq!(
        (
            yes.asset_id,
            yes.side,
            yes.price.to_string(),
            yes.size.to_string()
        ),
        (TokenId::from(YES), Side::Buy, "0.4".into(), "10".into())
    );
    assert_eq!(
        (
            no.asset_id,
            no.side,
            no.price.to_string(),
            no.size.to_string()
        ),
        (TokenId::from(NO), Side::Sell, "0.6".into(), "10".into())
    );
    assert_eq!(yes.best_bid.map(|d| d.to_string()).as_deref(), Some("0.4"));
    assert_eq!(yes.best_ask, None);
    assert_eq!(no.best_ask.map(|d| d.to_string()).as_deref(), Some("0.6"));
    // the hash is the REST book's at the message's time
    let mut rest = rest_book(r.addr, YES).await;
    rest.timestamp = pc.timestamp.to_string();
    assert_eq!(
        yes.hash,
        rest.compute_hash(),
        "price_change hash = the book's hash"
    );
    let best = drain(&mut ws, Duration::from_millis(300)).await;
    assert!(
        best.iter().all(|e| matches!(e, StreamEvent::BestBidAsk(_))),
        "custom features: best prices only, {best:?}"
    );
    assert_eq!(best.len(), 2, "both tokens' best prices moved: {best:?}");
    for e in got.iter() {
        LocalBook::apply(&mut books, e);
    }

    // B buys NO at 0.60: a MINT match against A's 0.40 bid
    bid(&r.state, 3, KEY_B, NO, 60).await;
    let after = drain(&mut ws, Duration::from_millis(500)).await;
    let kinds: Vec<&str> = after.iter().map(StreamEvent::event_type).collect();
    assert!(kinds.contains(&"price_change"), "{kinds:?}");
    let trades: Vec<_> = after
        .iter()
        .filter_map(|e| match e {
            StreamEvent::LastTradePrice(t) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(trades.len(), 2, "a last trade price per token: {after:?}");
    for t in &trades {
        let token = if t.asset_id == TokenId::from(YES) {
            YES
        } else {
            NO
        };
        assert_eq!(t.price, rest_last_trade(r.addr, token).await, "{t:?}");
        assert_eq!(t.size.to_string(), "10");
    }
    let touched: Vec<TokenId> = after
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Book(b) => {
                assert!(
                    b.tick_size.is_none() && b.last_trade_price.is_none(),
                    "post-trade books are bare"
                );
                Some(b.asset_id)
            }
            _ => None,
        })
        .collect();
    assert_eq!(touched.len(), 2, "a book per touched asset: {kinds:?}");
    for e in &after {
        LocalBook::apply(&mut books, e);
    }
    for token in [YES, NO] {
        assert_eq!(
            books[&TokenId::from(token)],
            LocalBook::of(&rest_book(r.addr, token).await),
            "the book kept from the stream equals REST for {token}"
        );
    }
    // levels arrive best last, as REST sends them
    let StreamEvent::Book(b) = after
        .iter()
        .rev()
        .find(|e| matches!(e, StreamEvent::Book(b) if b.asset_id == TokenId::from(YES)))
        .unwrap()
    else {
        unreachable!()
    };
    assert_eq!(
        b.bids.last().map(|l| l.price.to_string()).as_deref(),
        Some("0.3")
    );
    let _ = a_first;
    r.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keepalives_bad_input_and_limits_get_their_answers() {
    let dir = tempfile::tempdir().unwrap();
    let r = start(dir.path(), |c| c.stream_limits.max_assets = 3).await;
    setup(&r.state).await;
    let mut ws = connect(r.addr, "/ws/market").await;
    send(&mut ws, "PING").await;
    assert_eq!(
        next_text(&mut ws, Duration::from_secs(2)).await.as_deref(),
        Some("PONG")
    );
    ws.send(Message::Ping(b"x".to_vec().into())).await.unwrap();
    let pong = tokio::time::timeout(Duration::from_secs(2), ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        matches!(pong, Message::Pong(ref p) if p.as_ref() == b"x"),
        "{pong:?}"
    );
    for bad in [
        "{not json",
        r#"{"assets_ids":["not-a-number"]}"#,
        r#"{"type":"user","markets":[]}"#,
        "[]",
    ] {
        send(&mut ws, bad).await;
        assert_eq!(
            next_text(&mut ws, Duration::from_secs(2)).await.as_deref(),
            Some("INVALID OPERATION"),
            "{bad}"
        );
    }
    ws.send(Message::Binary(vec![1, 2, 3].into()))
        .await
        .unwrap();
    assert_eq!(
        next_text(&mut ws, Duration::from_secs(2)).await.as_deref(),
        Some("INVALID OPERATION")
    );
    // over the asset limit: refused whole
    send(&mut ws, r#"{"assets_ids":["1","2","3","4"]}"#).await;
    assert_eq!(
        next_text(&mut ws, Duration::from_secs(2)).await.as_deref(),
        Some("INVALID OPERATION")
    );
    // what poly-websockets sends: an empty typed message, then a typeless operation
    send(&mut ws, r#"{"assets_ids":[],"type":"market"}"#).await;
    send(
        &mut ws,
        &format!(r#"{{"operation":"subscribe","assets_ids":["{YES}"]}}"#),
    )
    .await;
    let snap = events(&mut ws).await;
    assert!(
        matches!(snap.as_slice(), [StreamEvent::Book(b)] if b.asset_id == TokenId::from(YES)),
        "the connection still works: {snap:?}"
    );
    // unsubscribed: nothing more
    send(
        &mut ws,
        &format!(r#"{{"operation":"unsubscribe","assets_ids":["{YES}"]}}"#),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    bid(&r.state, 1, KEY_A, YES, 40).await;
    assert_eq!(next_text(&mut ws, Duration::from_millis(400)).await, None);
    // a message over the size limit closes with 1009
    let huge = format!(r#"{{"assets_ids":["{}"]}}"#, "1".repeat(70 * 1024));
    send(&mut ws, &huge).await;
    let close = tokio::time::timeout(Duration::from_secs(2), ws.next())
        .await
        .unwrap();
    assert!(
        matches!(&close, Some(Ok(Message::Close(Some(f)))) if f.code == CloseCode::Size),
        "{close:?}"
    );
    r.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_subscriber_sees_its_own_orders_and_trades_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let r = start(dir.path(), |_| {}).await;
    setup(&r.state).await;
    // wrong secret: closed with a reason
    let mut bad = connect(r.addr, "/ws/user").await;
    send(&mut bad, &subscribe_user(KEY_A, "d3Jvbmc=")).await;
    let close = tokio::time::timeout(Duration::from_secs(2), bad.next())
        .await
        .unwrap();
    assert!(
        matches!(&close, Some(Ok(Message::Close(Some(f)))) if f.code == CloseCode::Policy && f.reason.contains("credentials")),
        "{close:?}"
    );
    let mut a = connect(r.addr, "/ws/user").await;
    send(&mut a, &subscribe_user(KEY_A, SECRET)).await;
    let mut b = connect(r.addr, "/ws/user").await;
    send(&mut b, &subscribe_user(KEY_B, SECRET)).await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    let a_order = bid(&r.state, 1, KEY_A, YES, 40).await;
    let got = events(&mut a).await;
    let [StreamEvent::Order(o)] = got.as_slice() else {
        panic!("{got:?}")
    };
    assert_eq!(
        (o.kind.clone(), o.id, o.owner.as_str()),
        (OrderEventKind::Placement, a_order, KEY_A)
    );
    assert_eq!(o.original_size.to_string(), "10");
    assert_eq!(
        next_text(&mut b, Duration::from_millis(300)).await,
        None,
        "B sees nothing of A's order"
    );

    let b_order = bid(&r.state, 2, KEY_B, NO, 60).await;
    let a_events = drain(&mut a, Duration::from_millis(400)).await;
    let b_events = drain(&mut b, Duration::from_millis(400)).await;
    let trade_of = |evs: &[StreamEvent]| -> Vec<TradeMessage> {
        evs.iter()
            .filter_map(|e| match e {
                StreamEvent::Trade(t) => Some(t.clone()),
                _ => None,
            })
            .collect()
    };
    let (ta, tb) = (trade_of(&a_events), trade_of(&b_events));
    assert_eq!(ta.len(), 1, "{a_events:?}");
    assert_eq!(tb.len(), 1, "{b_events:?}");
    assert_eq!(
        (
            ta[0].trader_side.clone(),
            ta[0].owner.as_str(),
            ta[0].status.clone()
        ),
        (TraderSide::Maker, KEY_A, TradeStatus::Matched)
    );
    assert_eq!(
        (tb[0].trader_side.clone(), tb[0].owner.as_str()),
        (TraderSide::Taker, KEY_B)
    );
    assert_eq!(ta[0].id, tb[0].id);
    assert_eq!(ta[0].taker_order_id, b_order);
    assert_eq!(ta[0].maker_orders[0].order_id, a_order);
    assert!(ta[0].transaction_hash.is_empty(), "not mined yet");
    // every order event each one got is its own
    for (evs, key) in [(&a_events, KEY_A), (&b_events, KEY_B)] {
        for e in evs.iter() {
            if let StreamEvent::Order(o) = e {
                assert_eq!(o.owner, key, "{e:?}");
            }
        }
    }
    assert!(
        a_events.iter().any(|e| matches!(e, StreamEvent::Order(o) if o.kind == OrderEventKind::Update && o.size_matched.to_string() == "10")),
        "A's order filled: {a_events:?}"
    );
    // settlement moves: one message per status change, to both
    engine(
        &r.state,
        Command::AdvanceTrade {
            trade: clobkit_engine::TradeId(1),
            status: TradeStatus::Mined,
        },
    )
    .await;
    for ws in [&mut a, &mut b] {
        let got = events(ws).await;
        let [StreamEvent::Trade(t)] = got.as_slice() else {
            panic!("{got:?}")
        };
        assert_eq!(t.status, TradeStatus::Mined);
        assert!(!t.transaction_hash.is_empty());
    }
    r.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markets_created_retuned_and_resolved_reach_custom_feature_subscribers() {
    let dir = tempfile::tempdir().unwrap();
    let r = start(dir.path(), |_| {}).await;
    // subscribed before the market exists: an unknown asset yields nothing, then its events
    let mut ws = connect(r.addr, "/ws/market").await;
    send(&mut ws, &subscribe_market()).await;
    let mut plain = connect(r.addr, "/ws/market").await;
    send(
        &mut plain,
        &format!(r#"{{"type":"market","assets_ids":["{YES}"]}}"#),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    setup(&r.state).await;
    let created = events(&mut ws).await;
    let [StreamEvent::NewMarket(m)] = created.as_slice() else {
        panic!("{created:?}")
    };
    assert_eq!(m.market, condition());
    assert_eq!(m.assets_ids, vec![TokenId::from(YES), TokenId::from(NO)]);
    assert_eq!(m.outcomes, vec!["Yes".to_owned(), "No".to_owned()]);

    engine(
        &r.state,
        Command::SetTickSize {
            market: condition(),
            tick_size: clobkit_core::types::TickSize::Thousandth,
        },
    )
    .await;
    let ticks = drain(&mut ws, Duration::from_millis(300)).await;
    assert_eq!(ticks.len(), 2, "one per token: {ticks:?}");
    for e in &ticks {
        let StreamEvent::TickSizeChange(t) = e else {
            panic!("{e:?}")
        };
        assert_eq!(
            (
                t.old_tick_size.as_decimal().to_string(),
                t.new_tick_size.as_decimal().to_string()
            ),
            ("0.01".into(), "0.001".into())
        );
    }
    let plain_ticks = drain(&mut plain, Duration::from_millis(300)).await;
    assert!(
        matches!(plain_ticks.as_slice(), [StreamEvent::TickSizeChange(t)] if t.asset_id == TokenId::from(YES)),
        "tick size changes go to every subscriber of the asset: {plain_ticks:?}"
    );

    bid(&r.state, 1, KEY_A, YES, 40).await;
    drain(&mut ws, Duration::from_millis(300)).await;
    drain(&mut plain, Duration::from_millis(300)).await;
    engine(
        &r.state,
        Command::ResolveMarket {
            market: condition(),
            winner: TokenId::from(NO),
        },
    )
    .await;
    let resolved = drain(&mut ws, Duration::from_millis(400)).await;
    let res: Vec<_> = resolved
        .iter()
        .filter_map(|e| match e {
            StreamEvent::MarketResolved(m) => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(res.len(), 1, "{resolved:?}");
    assert_eq!(res[0].winning_asset_id, TokenId::from(NO));
    assert_eq!(res[0].winning_outcome, "No");
    assert!(
        resolved.iter().any(|e| matches!(e, StreamEvent::PriceChange(p) if p.price_changes.iter().all(|c| c.size.is_zero()))),
        "the resting bid leaves the book: {resolved:?}"
    );
    let plain_res = drain(&mut plain, Duration::from_millis(300)).await;
    assert!(
        plain_res.iter().all(|e| !matches!(
            e,
            StreamEvent::MarketResolved(_) | StreamEvent::BestBidAsk(_)
        )),
        "custom events only with custom features: {plain_res:?}"
    );
    r.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_whose_record_never_becomes_durable_is_never_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let faults = Arc::new(clobkit_server::journal::Faults::default());
    let r = start(dir.path(), |c| c.faults = Some(faults.clone())).await;
    setup(&r.state).await;
    let mut ws = connect(r.addr, "/ws/market").await;
    send(&mut ws, &subscribe_market()).await;
    assert_eq!(events(&mut ws).await.len(), 2, "the snapshot");
    let mut user = connect(r.addr, "/ws/user").await;
    send(&mut user, &subscribe_user(KEY_A, SECRET)).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    // the disk hangs, then fails: the order is applied in memory, never durable
    faults.arm_slow(
        clobkit_server::journal::FaultPoint::Write,
        1,
        std::io::ErrorKind::Other,
        Duration::from_millis(300),
    );
    let mut id = [0u8; 32];
    id[0] = 9;
    let spec = OrderSpec {
        terms: OrderTerms {
            id: OrderId(B256::from(id)),
            maker: wallet(KEY_A),
            token: TokenId::from(YES),
            side: Side::Buy,
            maker_amount: 4 * ONE,
            taker_amount: 10 * ONE,
            fee_rate_bps: 0,
            fees: FeeBasis::Operator,
            builder: B256::ZERO,
            order_type: OrderType::Gtc,
            expiration: 0,
        },
        owner: Owner::new(KEY_A),
        post_only: false,
    };
    assert!(
        r.state.place(spec).await.is_err(),
        "refused: the journal failed"
    );
    for (name, ws) in [("market", &mut ws), ("user", &mut user)] {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                panic!("{name}: a non-durable change was streamed: {t}")
            }
            Ok(Some(Ok(Message::Close(f)))) => {
                assert!(
                    f.as_ref().is_none_or(|f| f.code == CloseCode::Away),
                    "{name}: {f:?}"
                )
            }
            other => assert!(
                matches!(other, Ok(None) | Ok(Some(Err(_))) | Err(_)),
                "{name}: {other:?}"
            ),
        }
    }
    let _ = r.stop.send(());
    let _ = r.done.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_that_stops_reading_is_disconnected_and_nobody_waits_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let r = start(dir.path(), |c| c.stream_limits.queue = 2048).await;
    setup(&r.state).await;
    // a reader with a small receive window, which then stops reading
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let tcp = socket.connect(r.addr).await.unwrap();
    let (mut slow, _) = tokio_tungstenite::client_async(format!("ws://{}/ws/market", r.addr), tcp)
        .await
        .unwrap();
    slow.send(Message::Text(subscribe_market().into()))
        .await
        .unwrap();
    let mut fast = connect(r.addr, "/ws/market").await;
    send(&mut fast, &subscribe_market()).await;
    assert_eq!(events(&mut fast).await.len(), 2);
    let fast_reader = tokio::spawn(async move {
        let mut n = 0usize;
        while let Some(text) = next_text(&mut fast, Duration::from_secs(3)).await {
            n += parse_frame(&text).map(|v| v.len()).unwrap_or(0);
        }
        n
    });
    let stats = &r.state.streams().stats;
    let mut placed = 0u32;
    while stats
        .slow_consumers
        .load(std::sync::atomic::Ordering::Relaxed)
        == 0
        && placed < 40_000
    {
        let id = bid(
            &r.state,
            100 + placed,
            KEY_A,
            YES,
            1 + u64::from(placed % 40),
        )
        .await;
        engine(
            &r.state,
            Command::Cancel {
                owner: Owner::new(KEY_A),
                orders: vec![id],
            },
        )
        .await;
        placed += 1;
    }
    assert_eq!(
        stats
            .slow_consumers
            .load(std::sync::atomic::Ordering::Relaxed),
        1,
        "the slow reader was dropped after {placed} place+cancel pairs"
    );
    // the slow reader finds the close reason after what was queued for it
    let mut reason = None;
    let mut ended = String::new();
    let mut frames = 0usize;
    loop {
        match tokio::time::timeout(Duration::from_secs(5), slow.next()).await {
            Ok(Some(Ok(Message::Close(f)))) => {
                reason = f.map(|f| (f.code, f.reason.to_string()));
                break;
            }
            Ok(Some(Ok(_))) => frames += 1,
            other => {
                ended = format!("{other:?}");
                break;
            }
        }
    }
    assert_eq!(
        reason,
        Some((
            CloseCode::Policy,
            clobkit_server::stream::hub::SLOW_CONSUMER.to_owned()
        )),
        "after {frames} frames: {ended}"
    );
    // the fast reader got every change: one price_change per place and per cancel
    let got = fast_reader.await.unwrap();
    assert!(
        got >= 2 * placed as usize,
        "the fast reader got {got} events for {placed} pairs"
    );
    r.stop().await;
}

/// Replays a data folder's journal into a fresh exchange and a fresh hub with one subscriber
/// to `assets` (custom features on), and returns every frame it was sent.
fn replayed_stream(dir: &std::path::Path, assets: Vec<TokenId>) -> Vec<String> {
    use clobkit_server::exchange::{Exchange, ExchangeSnapshot};
    use clobkit_server::journal::{Journal, JournalConfig};
    use clobkit_server::stream::feed::{Batch, Seed};
    use clobkit_server::stream::hub::Control;
    use clobkit_server::stream::{StreamLimits, Streams};
    // without its snapshots the folder replays from the first record (one snapshot prunes
    // nothing)
    for f in std::fs::read_dir(dir).unwrap() {
        let path = f.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("snapshot")
        {
            std::fs::remove_file(path).unwrap();
        }
    }
    let jc = JournalConfig {
        dir: dir.to_path_buf(),
        fsync: false,
        faults: None,
        on_durable: None,
    };
    let (_journal, rec) = Journal::<Record>::open::<ExchangeSnapshot>(&jc).unwrap();
    assert!(rec.snapshot.is_none(), "the whole journal replays");
    let config = ServerConfig::new(dir);
    let mut exchange = Exchange::new(config.operator).starting_with(config.protocol);
    let (streams, inbox) = Streams::new(StreamLimits::default());
    streams
        .start(inbox, Seed::default(), std::sync::Weak::new())
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(100_000);
    streams.control(Control::Join {
        id: 1,
        tx,
        kicked: Arc::new(std::sync::OnceLock::new()),
        owner: None,
    });
    streams.control(Control::Assets {
        id: 1,
        op: clobkit_core::wire::stream::Operation::Subscribe,
        assets,
        dump: true,
        custom: Some(true),
    });
    let mut last = 0;
    for (seq, record) in rec.records {
        let now = match &record {
            Record::Engine(s) => s.now,
            _ => 0,
        };
        let _ = exchange.apply(record);
        exchange.take_changes();
        let items = exchange.take_feed();
        if !items.is_empty() {
            streams.record(Batch { seq, now, items });
        }
        last = seq;
    }
    streams.durable_hook()(last);
    streams.stop();
    let mut frames = Vec::new();
    while let Ok(f) = rx.try_recv() {
        frames.push(f.to_string());
    }
    frames
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_the_journal_produces_the_same_market_stream() {
    let dir = tempfile::tempdir().unwrap();
    let r = start(dir.path(), |_| {}).await;
    let mut ws = connect(r.addr, "/ws/market").await;
    send(&mut ws, &subscribe_market()).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    setup(&r.state).await;
    let mut n = 0;
    for cents in [30, 35, 40] {
        n += 1;
        bid(&r.state, n, KEY_A, YES, cents).await;
    }
    for cents in [60, 65] {
        n += 1;
        bid(&r.state, n, KEY_B, NO, cents).await;
    }
    engine(
        &r.state,
        Command::SetTickSize {
            market: condition(),
            tick_size: clobkit_core::types::TickSize::Thousandth,
        },
    )
    .await;
    engine(
        &r.state,
        Command::ResolveMarket {
            market: condition(),
            winner: TokenId::from(YES),
        },
    )
    .await;
    let mut live = Vec::new();
    while let Some(t) = next_text(&mut ws, Duration::from_millis(400)).await {
        live.push(t);
    }
    r.stop().await;
    assert!(live.len() > 10, "{live:?}");
    let replayed = replayed_stream(dir.path(), vec![TokenId::from(YES), TokenId::from(NO)]);
    assert_eq!(live, replayed, "the same frames, byte for byte");
}
