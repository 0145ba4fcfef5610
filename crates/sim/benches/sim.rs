//! The simulator must not be the bottleneck: the exchange (in-process, journal fsynced with group
//! commit) runs the simulator at a high rate with the market channel subscribed, while a user
//! posts one order every 5 ms and times each; the same user alone on the exchange is the
//! baseline of the same run. The agents run on a runtime of their own whose threads are below
//! the exchange's in CPU priority, and come in through a lane those threads serve
//! (`Server::open_lane`), as `clobkit serve --simulate` runs them.
//!
//! `cargo bench -p clobkit-sim --bench sim [-- SECONDS]` (default 10 s per phase; bounded).
//! `NO_FSYNC=1` runs both phases without fsync, to tell the disk's share of the tail from the
//! CPU's; `HISTORY_DIR=DIR` keeps the history database there (`serve --history-dir`), to
//! measure it on another device; `AGENTS_VIA_MAIN=1` sends the agents through the users'
//! listener instead of their lane, to measure what the lane changes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::float_arithmetic,
    missing_docs
)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use clobkit_client::ws::{MarketStream, StreamConfig};
use clobkit_client::{ClobClient, CreateOrderOptions, L2, OrderArgs};
use clobkit_core::signer::LocalSigner;
use clobkit_core::types::{OrderType, Side};
use clobkit_server::app::ServerConfig;
use clobkit_server::serve::Server;
use clobkit_sim::{SimConfig, Simulation};

const SIM: &str = r#"
seed = 5
step_ms = 100

[[market]]
condition_id = "0x7171717171717171717171717171717171717171717171717171717171717171"
yes = "717101"
no = "717102"
fair = "0.50"
volatility_ticks = 1

[market.makers]
count = 4
spread_ticks = 1
levels = 5
size = "30"
refresh_ms = 100

[market.noise]
count = 28
orders_per_min = 5000
min_size = "5"
max_size = "20"
market_percent = 30

[market.informed]
count = 2
orders_per_min = 3000
edge_ticks = 1
size = "10"
"#;

fn main() {
    let secs = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10u64);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(Duration::from_secs(secs)));
}

/// A user posting a resting bid every 5 ms for `span`; the latency of each, µs.
async fn user(client: &ClobClient<L2<LocalSigner>>, span: Duration) -> Vec<u64> {
    let mut lat = Vec::new();
    let until = Instant::now() + span;
    let mut n = 0u64;
    while Instant::now() < until {
        n += 1;
        let args = OrderArgs::new(
            "717101".parse().unwrap(),
            "0.02".parse().unwrap(),
            "5".parse().unwrap(),
            Side::Buy,
        );
        let t = Instant::now();
        let r = client
            .create_and_post_order(&args, CreateOrderOptions::default(), OrderType::Gtc)
            .await;
        lat.push(t.elapsed().as_micros() as u64);
        assert!(r.is_ok(), "user order {n}: {r:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    lat
}

fn pct(lat: &mut [u64], p: f64) -> f64 {
    lat.sort_unstable();
    lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)] as f64 / 1e3
}

async fn run(span: Duration) {
    clobkit_client::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new(dir.path());
    config.fsync = std::env::var_os("NO_FSYNC").is_none();
    config.snapshot_every = 1_000_000;
    let history = std::env::var_os("HISTORY_DIR").map(|d| tempfile::tempdir_in(d).unwrap());
    config.history_dir = history.as_ref().map(|d| d.path().to_path_buf());
    let mut server = Server::bind(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let base = format!("http://{}", server.addr);
    // the agents on threads of their own below the exchange's in CPU priority, coming in
    // through a lane those threads serve, as `clobkit serve --simulate` runs them
    // (`AGENTS_VIA_MAIN=1`: through the users' listener instead, for comparison)
    let agents = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("clobkit-agents")
        .on_thread_start(clobkit_server::priority::background)
        .enable_all()
        .build()
        .unwrap();
    let lane = server.open_lane(agents.handle().clone()).unwrap();
    let agents_base = if std::env::var_os("AGENTS_VIA_MAIN").is_some() {
        base.clone()
    } else {
        format!("http://{lane}")
    };
    let token = server.admin_token.clone();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(server.run(async {
        let _ = rx.await;
    }));
    let http = reqwest::Client::new();
    let admin = |path: &'static str, body: serde_json::Value| {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        async move {
            let r = http
                .post(format!("{base}/admin/{path}"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success());
        }
    };
    admin("markets", serde_json::json!({ "condition_id": "0x7171717171717171717171717171717171717171717171717171717171717171", "tokens": ["717101", "717102"] })).await;
    let signer =
        LocalSigner::from_hex("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
            .unwrap();
    let l1 = ClobClient::builder(&base)
        .build()
        .unwrap()
        .with_signer(signer)
        .unwrap();
    let creds = l1.create_or_derive_api_key(None).await.unwrap();
    let client = l1.with_credentials(creds).unwrap();
    admin(
        "fund",
        serde_json::json!({ "address": client.funder().unwrap().to_string(), "amount": "1000000" }),
    )
    .await;

    let mut alone = user(&client, span).await;
    let (b, t) = (agents_base, token.clone());
    let sim = agents
        .spawn(async move { Simulation::start(&b, &t, SimConfig::parse(SIM).unwrap()).await })
        .await
        .unwrap()
        .unwrap();
    let mut watcher = MarketStream::new(&base, StreamConfig::default());
    watcher.subscribe(["717101".parse().unwrap()]);
    let watching = tokio::spawn(async move {
        let mut n = 0u64;
        while watcher.next().await.is_some() {
            n += 1;
        }
        n
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = sim.orders();
    let t = Instant::now();
    let mut busy = user(&client, span).await;
    let rate = (sim.orders() - before) as f64 / t.elapsed().as_secs_f64();
    let summary = sim.stop().await;
    watching.abort();
    println!(
        "user order latency alone: p50 {:.2} ms, p99 {:.2} ms ({} orders)",
        pct(&mut alone, 0.5),
        pct(&mut alone, 0.99),
        alone.len()
    );
    println!(
        "with the simulator at {rate:.0} agent orders/s (market channel subscribed): p50 {:.2} ms, p99 {:.2} ms ({} orders); p99 ratio {:.2}x (target <= 2x), agent rate target >= 2,000/s",
        pct(&mut busy, 0.5),
        pct(&mut busy, 0.99),
        busy.len(),
        pct(&mut busy, 0.99) / pct(&mut alone, 0.99).max(0.001)
    );
    println!(
        "simulation: {} orders, {} fills, total P&L {}",
        summary.orders, summary.fills, summary.total_pnl
    );
    let _ = stop.send(());
    done.await.unwrap().unwrap();
    agents.shutdown_background();
}
