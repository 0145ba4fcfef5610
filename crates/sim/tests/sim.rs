//! The simulation against the real exchange over real sockets: its agents trade through the
//! public API (the books and trades show them, the market channel streams them), the market
//! resolves on schedule, and the agents' profits and losses add up to zero (trades only move
//! value between them; fees are off).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::net::SocketAddr;
use std::time::Duration;

use clobkit_client::ws::{MarketStream, StreamConfig, StreamItem};
use clobkit_core::Decimal;
use clobkit_core::wire::stream::StreamEvent;
use clobkit_server::app::ServerConfig;
use clobkit_server::serve::Server;
use clobkit_sim::{SimConfig, Simulation};

const CONFIG: &str = r#"
seed = 11
step_ms = 50

[[market]]
condition_id = "0x6161616161616161616161616161616161616161616161616161616161616161"
yes = "616101"
no = "616102"
fair = "0.40"
volatility_ticks = 1
jump_per_mille = 50
jump_ticks = 4
resolve_after_secs = 3

[market.makers]
count = 2
spread_ticks = 1
levels = 2
size = "20"
refresh_ms = 300

[market.noise]
count = 2
orders_per_min = 600
min_size = "5"
max_size = "15"
market_percent = 50

[market.informed]
count = 1
orders_per_min = 300
edge_ticks = 1
size = "10"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_trade_through_the_exchange_and_their_pnl_adds_up() {
    let venue = exchange().await;
    let (base, token) = (venue.base.clone(), venue.token.clone());
    let sim = Simulation::start(&base, &token, SimConfig::parse(CONFIG).unwrap())
        .await
        .unwrap();
    let mut stream = MarketStream::new(&base, StreamConfig::default());
    stream.subscribe(["616101".parse().unwrap()]);
    let (mut changes, mut trades) = (0, 0);
    let until = tokio::time::Instant::now() + Duration::from_millis(4500);
    while let Ok(Some(item)) = tokio::time::timeout_at(until, stream.next()).await {
        match item {
            StreamItem::Event {
                event: StreamEvent::PriceChange(_),
                ..
            } => changes += 1,
            StreamItem::Event {
                event: StreamEvent::LastTradePrice(_),
                ..
            } => trades += 1,
            _ => {}
        }
    }
    assert!(
        changes > 10,
        "the market channel shows the agents' quotes: {changes}"
    );
    assert!(trades > 0, "and their trades");
    let summary = sim.stop().await;
    println!("{}", summary.render());
    assert_eq!(summary.seed, 11);
    assert!(summary.orders > 20, "{}", summary.render());
    assert!(summary.fills > 0, "{}", summary.render());
    assert_eq!(summary.agents.len(), 5);
    assert!(
        summary.markets[0].winner.is_some(),
        "resolved after 3 s: {}",
        summary.render()
    );
    // resolved: every share was redeemed, and value only moved between agents
    assert!(
        summary
            .agents
            .iter()
            .all(|a| a.yes.is_zero() && a.no.is_zero()),
        "{}",
        summary.render()
    );
    assert_eq!(summary.total_pnl, Decimal::ZERO, "{}", summary.render());
    venue.stop().await;
}

#[test]
fn bad_simulation_files_are_refused_with_the_reason() {
    let e = SimConfig::parse(&CONFIG.replace("fair = \"0.40\"", "fair = \"0.405\"")).unwrap_err();
    assert!(e.to_string().contains("multiple of the tick"), "{e}");
    let e = SimConfig::parse(&CONFIG.replace("fair = \"0.40\"", "fair = 0.4")).unwrap_err();
    assert!(e.to_string().contains("write it as a string"), "{e}");
    let e =
        SimConfig::parse(&CONFIG.replace("count = 2\nspread", "count = 900\nspread")).unwrap_err();
    assert!(e.to_string().contains("at most 64"), "{e}");
    assert!(SimConfig::parse("seed = 1").is_err());
}

/// An exchange serving on a free loopback port in a temporary folder.
struct Venue {
    base: String,
    token: String,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<Result<(), clobkit_server::serve::ServeError>>,
    _dir: tempfile::TempDir,
}

impl Venue {
    /// Stops it and checks it shut down cleanly.
    async fn stop(self) {
        let _ = self.stop.send(());
        self.done.await.unwrap().unwrap();
    }
}

async fn exchange() -> Venue {
    clobkit_client::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new(dir.path());
    config.fsync = false;
    let server = Server::bind(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let (base, token) = (
        format!("http://{}", server.addr),
        server.admin_token.clone(),
    );
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(server.run(async {
        let _ = rx.await;
    }));
    Venue {
        base,
        token,
        stop,
        done,
        _dir: dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_of_a_simulated_market_replays_to_the_same_book() {
    use clobkit_client::ws::OrderBooks;
    use clobkit_sim::record::{Line, read, record};
    use clobkit_sim::replay::Replay;
    let venue_ex = exchange().await;
    let (venue, venue_token) = (venue_ex.base.clone(), venue_ex.token.clone());
    let config = CONFIG.replace("resolve_after_secs = 3\n", "");
    let sim = Simulation::start(&venue, &venue_token, SimConfig::parse(&config).unwrap())
        .await
        .unwrap();
    let rest =
        clobkit_client::ClobClient::new(&venue, clobkit_core::chain::Chain::Polygon).unwrap();
    let mut file = Vec::new();
    let recorded = record(
        &venue,
        &rest,
        vec!["616101".parse().unwrap(), "616102".parse().unwrap()],
        &mut file,
        tokio::time::sleep(Duration::from_secs(3)),
    )
    .await
    .unwrap();
    sim.stop().await;
    venue_ex.stop().await;
    assert!(recorded > 20, "{recorded} events recorded");
    let lines = read(&String::from_utf8(file).unwrap()).unwrap();
    assert!(
        matches!(lines.first(), Some(Line::Market { .. })),
        "the market is described first"
    );
    // the book the recording ends with
    let mut books = OrderBooks::new();
    for l in &lines {
        if let Line::Event { event, .. } = l {
            books.apply(&StreamItem::Event {
                shard: 0,
                event: StreamEvent::from_value(event.clone()),
            });
        }
    }
    let local_ex = exchange().await;
    let (local, local_token) = (local_ex.base.clone(), local_ex.token.clone());
    let report = Replay::start(&local, &local_token, lines, Decimal::from(4))
        .await
        .unwrap()
        .finished()
        .await;
    assert!(report.events as u64 >= recorded, "{report:?}");
    assert!(report.house_orders > 0, "{report:?}");
    let local_rest =
        clobkit_client::ClobClient::new(&local, clobkit_core::chain::Chain::Polygon).unwrap();
    let summary = local_rest
        .get_order_book(&"616101".parse().unwrap())
        .await
        .unwrap();
    let expected = books.get(&"616101".parse().unwrap()).unwrap();
    assert_eq!(
        expected.differences(&summary),
        Vec::<String>::new(),
        "{report:?}"
    );
    local_ex.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_order_waits_behind_the_recorded_size_and_recorded_trades_take_it_in_turn() {
    use clobkit_client::{CreateOrderOptions, OrderArgs};
    use clobkit_core::types::{OrderType, Side};
    use clobkit_sim::record::read;
    use clobkit_sim::replay::Replay;
    let local_ex = exchange().await;
    let (local, token) = (local_ex.base.clone(), local_ex.token.clone());
    let cond = "0x8181818181818181818181818181818181818181818181818181818181818181";
    let t0 = 1_800_000_000_000u64;
    let recording = [
        serde_json::json!({"market": {"condition_id": cond, "tokens": ["818101", "818102"], "tick_size": "0.01", "min_order_size": "5", "neg_risk": false}}),
        serde_json::json!({"recv_ms": t0, "event": {"event_type": "book", "market": cond, "asset_id": "818101", "timestamp": t0.to_string(), "hash": "", "bids": [], "asks": [{"price": "0.60", "size": "10"}]}}),
        serde_json::json!({"recv_ms": t0 + 1500, "event": {"event_type": "last_trade_price", "market": cond, "asset_id": "818101", "price": "0.60", "side": "BUY", "size": "8", "fee_rate_bps": "0", "timestamp": t0.to_string()}}),
        serde_json::json!({"recv_ms": t0 + 1700, "event": {"event_type": "last_trade_price", "market": cond, "asset_id": "818101", "price": "0.60", "side": "BUY", "size": "5", "fee_rate_bps": "0", "timestamp": t0.to_string()}}),
    ]
    .iter()
    .map(|l| l.to_string())
    .collect::<Vec<_>>()
    .join("\n");
    let replay = Replay::start(&local, &token, read(&recording).unwrap(), Decimal::ONE)
        .await
        .unwrap();
    // a user rests 5 at the same price, after the recorded 10
    let signer = clobkit_core::signer::LocalSigner::from_hex(
        "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    )
    .unwrap();
    let l1 = clobkit_client::ClobClient::builder(&local)
        .build()
        .unwrap()
        .with_signer(signer)
        .unwrap();
    let creds = l1.create_or_derive_api_key(None).await.unwrap();
    let user = l1.with_credentials(creds).unwrap();
    let http = reqwest::Client::new();
    for (path, body) in [
        (
            "fund",
            serde_json::json!({"address": user.funder().unwrap().to_string(), "amount": "100"}),
        ),
        (
            "split",
            serde_json::json!({"address": user.funder().unwrap().to_string(), "market": cond, "amount": "50"}),
        ),
    ] {
        let r = http
            .post(format!("{local}/admin/{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    let args = OrderArgs::new(
        "818101".parse().unwrap(),
        "0.60".parse().unwrap(),
        "5".parse().unwrap(),
        Side::Sell,
    );
    let mine = user
        .create_and_post_order(&args, CreateOrderOptions::default(), OrderType::Gtc)
        .await
        .unwrap();
    let report = replay.finished().await;
    assert_eq!(report.trades, 2, "{report:?}");
    // 8 came out of the recorded 10 ahead of it, then 2 more of them and 3 of the user's
    let order = user
        .get_order(&mine.order_id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(order.size_matched, Decimal::from(3), "{order:?}");
    local_ex.stop().await;
}
