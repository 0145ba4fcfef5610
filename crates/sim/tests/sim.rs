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
    clobkit_client::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new(dir.path());
    config.fsync = false;
    let server = Server::bind(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let base = format!("http://{}", server.addr);
    let token = server.admin_token.clone();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(server.run(async {
        let _ = rx.await;
    }));

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
    let _ = stop.send(());
    done.await.unwrap().unwrap();
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
