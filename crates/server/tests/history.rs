//! The history database (faults.md F4, F5): orders that ended, trades and notifications leave
//! memory and snapshots for SQLite, a projection of the journal that is never ahead of it, is
//! rebuilt from it, is read in indexed pages off the sequencer, and survives failed commits.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clobkit_core::auth::{ApiCredentials, L2Auth};
use clobkit_core::types::{ApiKey, ConditionId, OrderId, OrderType, Side, TokenId};
use clobkit_core::wire::OrderStatus;
use clobkit_core::{Address, B256};
use clobkit_engine::{Command, FeeBasis, MarketSpec, ONE, OrderSpec, OrderTerms, Owner, Stamped};
use clobkit_server::app::{AppState, Health, ServerConfig, StartError, unix_now};
use clobkit_server::exchange::Record;
use clobkit_server::history::{HistoryFaults, TradeQuery};
use clobkit_server::journal::{FaultPoint, Faults};
use clobkit_server::serve::Server;

const KEY_A: &str = "00000000-0000-4000-8000-00000000000a";
const KEY_B: &str = "00000000-0000-4000-8000-00000000000b";
const YES: u64 = 7001;
const NO: u64 = 7002;

fn config(dir: &std::path::Path, snapshot_every: u64) -> ServerConfig {
    let mut c = ServerConfig::new(dir);
    c.fsync = false;
    c.snapshot_every = snapshot_every;
    c
}

fn creds(key: &str) -> ApiCredentials {
    ApiCredentials {
        api_key: ApiKey::new(key).unwrap(),
        secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTAx".into(),
        passphrase: format!("pass-{key}"),
    }
}

fn wallet(key: &str) -> Address {
    Address::repeat_byte(key.as_bytes()[key.len() - 1])
}

async fn engine(app: &AppState, command: Command) -> Vec<clobkit_engine::Event> {
    app.submit(|now| Record::Engine(Stamped { now, command }))
        .await
        .unwrap()
        .unwrap()
}

/// A market, and $2000 and an API key for each of A and B.
async fn setup(app: &AppState) {
    let spec = MarketSpec::yes_no(
        ConditionId(B256::repeat_byte(0x11)),
        TokenId::from(YES),
        TokenId::from(NO),
    );
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

/// A GTC bid of 10 shares of `token` at `cents`/100 by `key`, id from `n`.
fn bid(n: u32, key: &str, token: u64, cents: u64) -> (OrderId, Command) {
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
    (id, Command::Place(Box::new(spec)))
}

async fn place_and_cancel(app: &AppState, n: u32) -> OrderId {
    let (id, place) = bid(n, KEY_A, YES, 40);
    engine(app, place).await;
    let cancel = Command::Cancel {
        owner: Owner::new(KEY_A),
        orders: vec![id],
    };
    engine(app, cancel).await;
    id
}

/// `n` trades: A rests a YES bid at 0.40, B takes it with a NO bid at 0.60 (a MINT match).
async fn trade(app: &AppState, n: u32) {
    for i in 0..n {
        engine(app, bid(1_000_000 + i, KEY_A, YES, 40).1).await;
        engine(app, bid(2_000_000 + i, KEY_B, NO, 60).1).await;
    }
}

/// The newest snapshot's body (after its header line).
fn newest_snapshot(dir: &std::path::Path) -> serde_json::Value {
    let mut newest = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect::<Vec<_>>();
    newest.sort();
    let text = std::fs::read_to_string(newest.last().unwrap()).unwrap();
    serde_json::from_str(&text[text.find('\n').unwrap() + 1..]).unwrap()
}

fn snapshot_orders(dir: &std::path::Path) -> usize {
    let v = newest_snapshot(dir);
    assert!(v.get("trades").is_none() && v.get("notifications").is_none());
    v["orders"].as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ended_orders_leave_memory_and_snapshots_and_come_back_from_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let mut ended = Vec::new();
    {
        let (app, _) = AppState::open(config(dir.path(), 25)).unwrap();
        setup(&app).await;
        for n in 0..60 {
            ended.push(place_and_cancel(&app, n).await);
        }
        let (live, place) = bid(999, KEY_A, YES, 30);
        engine(&app, place).await;
        for id in &ended {
            assert!(app.peek(|ex| ex.live_order(id).is_none()));
        }
        assert!(app.peek(|ex| ex.live_order(&live).is_some()));
        let all = ended.clone();
        let rows = app.history(move |h| h.orders(&all)).await.unwrap();
        assert_eq!(rows.len(), 60);
        assert!(rows.iter().all(|r| r.status == OrderStatus::Canceled));
        // the live one is not in the history, and snapshots hold only it
        let rows = app.history(move |h| h.order(&live)).await.unwrap();
        assert_eq!(rows, None);
        app.snapshot_now().unwrap();
        assert_eq!(snapshot_orders(dir.path()), 1);
        // every cancel notified A once
        let page = app
            .history(|h| h.notifications(KEY_A, 0, 1000))
            .await
            .unwrap();
        assert_eq!(page.rows.len(), 60);
        assert!(page.rows.iter().all(|n| n.kind == 1));
    }
    // back after a restart from the snapshot and the journal after it
    let (app, startup) = AppState::open(config(dir.path(), 25)).unwrap();
    assert!(startup.snapshot.is_some());
    let all = ended.clone();
    let rows = app.history(move |h| h.orders(&all)).await.unwrap();
    assert_eq!(rows.len(), 60);
    drop(app);

    // a history that lost records the pruned journal cannot give back refuses to start
    std::fs::remove_file(dir.path().join("history.sqlite")).unwrap();
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("history.sqlite{side}")));
    }
    match AppState::open(config(dir.path(), 25)) {
        Err(e @ StartError::HistoryBehind { .. }) => {
            assert!(e.to_string().contains("history.sqlite"), "{e}");
        }
        other => panic!("expected HistoryBehind, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_snapshot_the_history_is_rebuilt_from_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let mut ended = Vec::new();
    {
        let (app, _) = AppState::open(config(dir.path(), 1_000_000)).unwrap();
        setup(&app).await;
        for n in 0..20 {
            ended.push(place_and_cancel(&app, n).await);
        }
        trade(&app, 5).await;
    }
    std::fs::remove_file(dir.path().join("history.sqlite")).unwrap();
    let (app, startup) = AppState::open(config(dir.path(), 1_000_000)).unwrap();
    assert_eq!(startup.snapshot, None);
    let rows = app.history(move |h| h.orders(&ended)).await.unwrap();
    assert_eq!(rows.len(), 20);
    let page = app
        .history(|h| h.trades_of(KEY_B, &TradeQuery::default(), 0, 100))
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 5);
    assert!(page.rows.iter().all(|s| s.taker));
}

/// Recovery replays the records the history database holds without noting their changes, and
/// notes those after: with a database restored from the middle of the journal, the history
/// afterwards is whole (an order placed before that point and cancelled after it included).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_behind_the_journal_is_completed_from_where_it_stops() {
    let dir = tempfile::tempdir().unwrap();
    let mid = tempfile::tempdir().unwrap();
    let history = |d: &std::path::Path| d.join("history.sqlite");
    let (resting, Command::Place(_)) = bid(77, KEY_A, YES, 20) else {
        unreachable!()
    };
    let mut ended = Vec::new();
    {
        let (app, _) = AppState::open(config(dir.path(), 1_000_000)).unwrap();
        setup(&app).await;
        engine(&app, bid(77, KEY_A, YES, 20).1).await;
        for n in 0..10 {
            ended.push(place_and_cancel(&app, n).await);
        }
        trade(&app, 3).await;
    }
    // closed: the history is caught up and its log emptied into the file
    std::fs::copy(history(dir.path()), history(mid.path())).unwrap();
    {
        let (app, _) = AppState::open(config(dir.path(), 1_000_000)).unwrap();
        cancel(&app, resting).await;
        for n in 10..20 {
            ended.push(place_and_cancel(&app, n).await);
        }
        // four more trades, with ids of their own
        for i in 0..4 {
            engine(&app, bid(3_000_000 + i, KEY_A, YES, 40).1).await;
            engine(&app, bid(4_000_000 + i, KEY_B, NO, 60).1).await;
        }
    }
    std::fs::copy(history(mid.path()), history(dir.path())).unwrap();
    let (app, startup) = AppState::open(config(dir.path(), 1_000_000)).unwrap();
    assert_eq!(startup.snapshot, None);
    ended.push(resting);
    let rows = app.history(move |h| h.orders(&ended)).await.unwrap();
    assert_eq!(rows.len(), 21, "every ended order has its row");
    let page = app
        .history(|h| h.trades_of(KEY_B, &TradeQuery::default(), 0, 100))
        .await
        .unwrap();
    assert_eq!(
        page.rows.len(),
        7,
        "the trades from both sides of the restored point"
    );
    let again = app
        .history(|h| h.trades_of(KEY_A, &TradeQuery::default(), 0, 100))
        .await
        .unwrap();
    assert_eq!(again.rows.len(), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trade_pages_follow_each_other_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = AppState::open(config(dir.path(), 1_000)).unwrap();
    setup(&app).await;
    trade(&app, 230).await;
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page = app
            .history(move |h| h.trades_of(KEY_A, &TradeQuery::default(), after, 100))
            .await
            .unwrap();
        assert!(page.rows.iter().all(|s| !s.taker), "A was the maker");
        seen.extend(page.rows.iter().map(|s| s.row.trade.id.0));
        match page.next {
            Some(k) => after = k,
            None => break,
        }
    }
    assert_eq!(seen, (1..=230).collect::<Vec<u64>>());
    // filters run in the query: one trade by id, none in another token, a time window
    let q = TradeQuery {
        trade: Some(17),
        ..TradeQuery::default()
    };
    let one = app
        .history(move |h| h.trades_of(KEY_B, &q, 0, 100))
        .await
        .unwrap();
    assert_eq!(one.rows.len(), 1);
    assert_eq!(one.rows[0].row.trade.id.0, 17);
    let q = TradeQuery {
        asset: Some(TokenId::from(12345)),
        ..TradeQuery::default()
    };
    let none = app
        .history(move |h| h.trades_of(KEY_B, &q, 0, 100))
        .await
        .unwrap();
    assert!(none.rows.is_empty() && none.next.is_none());
    // every trade's price is in the YES price history (taker price) and the NO one
    let now = unix_now();
    let yes = app
        .history(move |h| h.price_history(&TokenId::from(YES), 0, now + 10))
        .await
        .unwrap();
    assert_eq!(yes.len(), 230);
    assert!(yes.iter().all(|(_, p)| *p == 4_000), "{:?}", &yes[..3]);
    let no = app
        .history(move |h| h.price_history(&TokenId::from(NO), 0, now + 10))
        .await
        .unwrap();
    assert!(no.iter().all(|(_, p)| *p == 6_000), "{no:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_history_commits_refuse_reads_not_trading_and_resume_by_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let faults = Arc::new(HistoryFaults::default());
    let mut c = config(dir.path(), 1_000);
    c.history_faults = Some(faults.clone());
    let (app, _) = AppState::open(c).unwrap();
    setup(&app).await;
    // the next 4 commits fail (one try, then one every 250 ms)
    faults.arm(4);
    let id = place_and_cancel(&app, 1).await;
    let refused = app.history(move |h| h.order(&id)).await.unwrap_err();
    assert_eq!(refused.status, 503);
    assert_eq!(
        refused.message,
        clobkit_core::wire::errors::HISTORY_UNAVAILABLE
    );
    assert!(matches!(app.health(), Err(Health::HistoryFailing(_))));
    // trading goes on meanwhile
    let id2 = place_and_cancel(&app, 2).await;
    // and once commits work again, everything is there
    let mut found = None;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Ok(rows) = app.history(move |h| h.orders(&[id, id2])).await {
            found = Some(rows);
            break;
        }
    }
    assert_eq!(found.map(|r| r.len()), Some(2));
    assert_eq!(app.health(), Ok(()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_never_holds_what_the_journal_has_not_made_durable() {
    let dir = tempfile::tempdir().unwrap();
    let faults = Arc::new(Faults::default());
    let mut c = config(dir.path(), 1_000);
    c.fsync = true;
    c.faults = Some(faults.clone());
    let (app, _) = AppState::open(c).unwrap();
    let app = Arc::new(app);
    setup(&app).await;
    // (a history read waits until the database holds everything applied so far)
    app.history(|_| Ok(())).await.unwrap();
    let before = app.history_point().applied;
    // the disk hangs 400 ms on the next fsync, then fails: the record is applied in memory but
    // never durable
    faults.arm_slow(
        FaultPoint::Fsync,
        u32::MAX,
        std::io::ErrorKind::Other,
        Duration::from_millis(400),
    );
    let pending = {
        let app = app.clone();
        tokio::spawn(async move {
            let (_, place) = bid(5, KEY_A, YES, 40);
            app.submit(|now| {
                Record::Engine(Stamped {
                    now,
                    command: place,
                })
            })
            .await
        })
    };
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(app.history_point().applied, before);
    }
    assert!(pending.await.unwrap().is_err(), "the journal failed");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(app.history_point().applied, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_come_in_pages_with_the_cursor_in_a_header() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::bind(
        config(dir.path(), 10_000),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap();
    let app = server.state.clone();
    let base = format!("http://{}", server.addr);
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(server.run(async {
        let _ = rx.await;
    }));
    setup(&app).await;
    for n in 0..620 {
        place_and_cancel(&app, n).await;
    }
    let auth = L2Auth::new(creds(KEY_A), wallet(KEY_A)).unwrap();
    let get = |query: String| {
        let auth = auth.clone();
        let base = base.clone();
        async move {
            let h = auth.headers(unix_now(), "GET", "/notifications", b"");
            let mut req = reqwest::Client::new().get(format!("{base}/notifications{query}"));
            for (k, v) in h.iter() {
                req = req.header(k, v);
            }
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), 200);
            let cursor = resp.headers()["x-clobkit-next-cursor"]
                .to_str()
                .unwrap()
                .to_owned();
            let list: Vec<serde_json::Value> = resp.json().await.unwrap();
            (list, cursor)
        }
    };
    let (first, cursor) = get(String::new()).await;
    assert_eq!(first.len(), 500);
    // a cancellation's details, each a string as the official payload writes them
    let p = &first[0]["payload"];
    for key in [
        "asset_id",
        "condition_id",
        "market",
        "matched_size",
        "order_id",
        "original_size",
        "outcome",
        "price",
        "remaining_size",
        "side",
        "type",
    ] {
        assert!(p[key].is_string(), "{key} in {p}");
    }
    assert_eq!(p["matched_size"], "0");
    assert_eq!(p["remaining_size"], p["original_size"]);
    assert_eq!(p["market"], p["condition_id"]);
    assert!(p.get("trade_id").is_none(), "{p}");
    // stored as written, with the keys in the order of their names (as when they were a map)
    let db = rusqlite::Connection::open(dir.path().join("history.sqlite")).unwrap();
    let text: String = db
        .query_row(
            "SELECT payload FROM notifications ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(&parsed, p);
    assert_eq!(serde_json::to_string(&parsed).unwrap(), text);
    assert_ne!(cursor, "LTE=");
    let (rest, end) = get(format!("?next_cursor={cursor}")).await;
    assert_eq!(rest.len(), 120);
    assert_eq!(end, "LTE=");
    let ids: Vec<u64> = first
        .iter()
        .chain(&rest)
        .map(|n| n["id"].as_u64().unwrap())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "oldest first, no repeats"
    );
    let (none, end) = get("?next_cursor=LTE=".into()).await;
    assert!(none.is_empty() && end == "LTE=");
    let _ = stop.send(());
    done.await.unwrap().unwrap();
}

/// Places through the order path the HTTP handlers use ([`AppState::place`], which looks ids
/// the engine forgot up in the history); `Some(reason)` if refused.
async fn post(app: &AppState, n: u32) -> (OrderId, Option<clobkit_engine::Reject>) {
    let (id, Command::Place(spec)) = bid(n, KEY_A, YES, 30) else {
        unreachable!()
    };
    let outcome = app.place(*spec).await.unwrap().unwrap();
    (id, outcome.rejected)
}

async fn cancel(app: &AppState, id: OrderId) {
    let cancel = Command::Cancel {
        owner: Owner::new(KEY_A),
        orders: vec![id],
    };
    engine(app, cancel).await;
}

/// Waits until the history holds every record so far, then sequences one more record (the
/// sequencer forgets generations after records).
async fn settle(app: &AppState) {
    app.history(|_| Ok(())).await.unwrap();
    place_and_cancel(app, 900_000).await;
    app.history(|_| Ok(())).await.unwrap();
    engine(
        app,
        Command::Deposit {
            account: wallet(KEY_B),
            amount: 1,
        },
    )
    .await;
}

fn remembered_in_snapshot(dir: &std::path::Path) -> usize {
    newest_snapshot(dir)["engine"]["remembered"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_are_refused_after_the_engine_forgets_their_ids() {
    use clobkit_engine::Reject::Duplicated;
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path(), 1_000_000);
    c.seen_generation = 4;
    let (cancelled, resting);
    {
        let (app, _) = AppState::open(c.clone()).unwrap();
        setup(&app).await;
        let (id, refused) = post(&app, 1).await;
        assert_eq!(refused, None);
        cancel(&app, id).await;
        cancelled = id;
        let (id, refused) = post(&app, 2).await;
        assert_eq!(refused, None);
        resting = id;
        for n in 0..200 {
            place_and_cancel(&app, 10 + n).await;
        }
        settle(&app).await;
        // the engine no longer remembers the cancelled order: only the database can refuse it
        assert!(!app.peek(|ex| ex.engine.was_accepted(&cancelled)));
        let remembered = app.peek(|ex| ex.engine.remembered_ids());
        assert!(
            remembered < 100,
            "{remembered} ids remembered after 400 orders"
        );
        assert_eq!(post(&app, 1).await.1, Some(Duplicated));
        // the resting order is known while it rests, and again once it leaves the book in a
        // generation whose older ones were forgotten
        assert_eq!(post(&app, 2).await.1, Some(Duplicated));
        cancel(&app, resting).await;
        assert_eq!(post(&app, 2).await.1, Some(Duplicated));
        for n in 0..50 {
            place_and_cancel(&app, 1_000 + n).await;
        }
        settle(&app).await;
        assert!(!app.peek(|ex| ex.engine.was_accepted(&resting)));
        assert_eq!(post(&app, 2).await.1, Some(Duplicated));
        // a new id is still accepted
        let (fresh, refused) = post(&app, 3).await;
        assert_eq!(refused, None);
        cancel(&app, fresh).await;
        app.snapshot_now().unwrap();
        let in_snapshot = remembered_in_snapshot(dir.path());
        assert!(in_snapshot < 100, "{in_snapshot} ids in the snapshot");
    }
    // after a restart from the snapshot: the same answers
    let (app, startup) = AppState::open(c).unwrap();
    assert!(startup.snapshot.is_some());
    for n in [1, 2, 3] {
        assert_eq!(post(&app, n).await.1, Some(Duplicated), "order {n}");
    }
    assert_eq!(post(&app, 4).await.1, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_history_holds_new_changes_back_instead_of_growing_memory() {
    let dir = tempfile::tempdir().unwrap();
    let faults = Arc::new(HistoryFaults::default());
    let mut c = config(dir.path(), 1_000_000);
    c.history_faults = Some(faults.clone());
    c.history_backlog = 5;
    let (app, _) = AppState::open(c).unwrap();
    setup(&app).await;
    faults.slow(30);
    let mut widest = 0;
    for n in 0..40 {
        place_and_cancel(&app, n).await;
        widest = widest.max(app.history_backlog());
    }
    // each change waits before it is sequenced until at most 5 changes wait for the database;
    // the record admitted then brings its own (a cancel: the order that ended and a notice)
    assert!(widest <= 7, "{widest} changes waited for the history");
    assert!(widest >= 3, "the history was slow: {widest}");
    // a failing history holds nothing back: trading goes on
    faults.slow(0);
    faults.arm(1_000);
    for n in 100..120 {
        place_and_cancel(&app, n).await;
    }
    faults.arm(0);
    // and the next commit (retried every 250 ms) catches up
    let mut caught_up = false;
    for _ in 0..50 {
        if app.history(|_| Ok(())).await.is_ok() {
            caught_up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(caught_up, "the history caught up once commits worked");
}

/// A history database written by schema version 1 (ended orders keyed by their id) is converted
/// when the exchange opens it: every ended order is still found by id, in arrival order, and
/// new ones are added after them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_1_history_is_converted_and_keeps_every_ended_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut ended = Vec::new();
    {
        let (app, _) = AppState::open(config(dir.path(), 1_000)).unwrap();
        setup(&app).await;
        for n in 0..30 {
            ended.push(place_and_cancel(&app, n).await);
        }
        let all = ended.clone();
        assert_eq!(
            app.history(move |h| h.orders(&all)).await.unwrap().len(),
            30
        );
    }
    // rewrite the table as version 1 laid it out
    let path = dir.path().join("history.sqlite");
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch(
            "BEGIN;
             CREATE TABLE old_orders (
                 id TEXT PRIMARY KEY, owner TEXT NOT NULL, market TEXT NOT NULL,
                 asset_id TEXT NOT NULL, side TEXT NOT NULL, price_pips INTEGER NOT NULL,
                 original_size INTEGER NOT NULL, size_matched INTEGER NOT NULL,
                 status TEXT NOT NULL, created_at INTEGER NOT NULL, row TEXT NOT NULL
             ) WITHOUT ROWID;
             INSERT INTO old_orders SELECT id, owner, market, asset_id, side, price_pips,
                 original_size, size_matched, status, created_at, row FROM orders;
             DROP TABLE orders;
             ALTER TABLE old_orders RENAME TO orders;
             CREATE INDEX orders_by_owner ON orders (owner, created_at);
             PRAGMA user_version = 1;
             COMMIT;",
        )
        .unwrap();
    }
    let (app, _) = AppState::open(config(dir.path(), 1_000)).unwrap();
    let all = ended.clone();
    let rows = app.history(move |h| h.orders(&all)).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| r.spec.terms.id).collect::<Vec<_>>(),
        ended
    );
    assert!(rows.iter().all(|r| r.status == OrderStatus::Canceled));
    let first = ended[0];
    assert!(app.history(move |h| h.has_order(&first)).await.unwrap());
    ended.push(place_and_cancel(&app, 30).await);
    let all = ended.clone();
    assert_eq!(
        app.history(move |h| h.orders(&all)).await.unwrap().len(),
        31
    );
    drop(app);
    let db = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2);
    // version 1 kept no arrival order: converted rows come oldest first (ties by id), and the
    // order that ended after the conversion comes last
    let by_arrival: Vec<(i64, String)> = db
        .prepare("SELECT created_at, id FROM orders ORDER BY arrival")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(by_arrival.len(), 31);
    assert!(
        by_arrival[..30].windows(2).all(|w| w[0] < w[1]),
        "{by_arrival:?}"
    );
    assert_eq!(by_arrival[30].1, ended[30].to_string());
    let mut converted: Vec<String> = by_arrival[..30].iter().map(|(_, id)| id.clone()).collect();
    let mut expected: Vec<String> = ended[..30].iter().map(ToString::to_string).collect();
    converted.sort();
    expected.sort();
    assert_eq!(converted, expected);
}

/// With `history_dir` set, the history database lives in that folder and not in the data folder,
/// and a restart with the same folders finds every ended order there (a snapshot in between, so
/// the journal alone could not rebuild them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_can_live_in_a_folder_of_its_own() {
    let (data, elsewhere) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let history_dir = elsewhere.path().join("history");
    let configured = || {
        let mut c = config(data.path(), 5);
        c.history_dir = Some(history_dir.clone());
        c
    };
    let mut ended = Vec::new();
    {
        let (app, _) = AppState::open(configured()).unwrap();
        setup(&app).await;
        for n in 0..12 {
            ended.push(place_and_cancel(&app, n).await);
        }
        app.history(|_| Ok(())).await.unwrap();
    }
    assert!(history_dir.join("history.sqlite").is_file());
    assert!(!data.path().join("history.sqlite").exists());
    let (app, startup) = AppState::open(configured()).unwrap();
    assert!(startup.snapshot.is_some(), "{startup:?}");
    let all = ended.clone();
    let rows = app.history(move |h| h.orders(&all)).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| r.spec.terms.id).collect::<Vec<_>>(),
        ended
    );
    // the data folder alone lacks the ended orders the snapshot no longer holds: refused, named
    drop(app);
    let err = AppState::open(config(data.path(), 5)).unwrap_err();
    assert!(
        matches!(&err, StartError::HistoryBehind { file, .. } if file.starts_with(data.path())),
        "{err}"
    );
}

/// A data folder whose history was kept beside the journal, started with `history_dir` set to
/// a new folder after snapshots pruned the journal: refused, the message naming the database
/// found in the data folder; once that file is moved there, every ended order is found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_the_history_to_a_folder_of_its_own_is_refused_until_the_file_follows() {
    let (data, elsewhere) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let history_dir = elsewhere.path().join("history");
    let mut ended = Vec::new();
    {
        let (app, _) = AppState::open(config(data.path(), 5)).unwrap();
        setup(&app).await;
        for n in 0..12 {
            ended.push(place_and_cancel(&app, n).await);
        }
    }
    let configured = || {
        let mut c = config(data.path(), 5);
        c.history_dir = Some(history_dir.clone());
        c
    };
    let beside = data.path().join("history.sqlite");
    let err = AppState::open(configured()).unwrap_err();
    match &err {
        StartError::HistoryBehind {
            file, elsewhere, ..
        } => {
            assert!(file.starts_with(&history_dir), "{err}");
            assert_eq!(elsewhere.as_deref(), Some(beside.as_path()));
            assert!(
                err.to_string().contains(&beside.display().to_string()),
                "{err}"
            );
        }
        other => panic!("expected HistoryBehind, got {other:?}"),
    }
    // the refused start left no empty database behind in the new folder
    assert_eq!(std::fs::read_dir(&history_dir).unwrap().count(), 0);
    for side in ["", "-wal", "-shm"] {
        let from = data.path().join(format!("history.sqlite{side}"));
        if from.exists() {
            std::fs::rename(&from, history_dir.join(format!("history.sqlite{side}"))).unwrap();
        }
    }
    let (app, _) = AppState::open(configured()).unwrap();
    let all = ended.clone();
    let rows = app.history(move |h| h.orders(&all)).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| r.spec.terms.id).collect::<Vec<_>>(),
        ended
    );
}
