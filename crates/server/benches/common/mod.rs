//! What the exchange benches share: an in-process `clobkit serve` with durability on, wallets
//! with API keys and funds, signed V1 orders prepared before the clock starts, and the closed
//! loops that post them over HTTP.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clobkit_core::U256;
use clobkit_core::amounts::limit_amounts;
use clobkit_core::auth::{ApiCredentials, L2Auth, l1_headers};
use clobkit_core::chain::Chain;
use clobkit_core::eip712::{ClobAuthDomain, ExchangeDomain};
use clobkit_core::order::Order;
use clobkit_core::signer::{LocalSigner, Signer};
use clobkit_core::types::{OrderType, Side, SignatureType, TickSize, TokenId};
use clobkit_core::wire::PostOrder;
use clobkit_server::app::{AppState, ServerConfig, unix_now};
use clobkit_server::serve::Server;
use serde_json::{Value, json};

/// The benches' market.
pub const COND: &str = "0x2222222222222222222222222222222222222222222222222222222222222222";
/// Its first token (the orders trade it).
pub const YES: u64 = 9001;

/// A running exchange.
pub struct Exchange {
    pub base: String,
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    pub admin: String,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
    stop: tokio::sync::oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<Result<(), clobkit_server::serve::ServeError>>,
}

/// Starts a durable exchange (journal fsynced, group commit) on `server_rt`, with the benches'
/// market, and an HTTP client pooling `conns` connections.
pub async fn start(server_rt: &tokio::runtime::Handle, conns: usize) -> Exchange {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new(dir.path());
    // the orders are V1 (the figures in BENCHMARKS.md were measured on V1)
    config.protocol = clobkit_core::protocol::ProtocolVersion::V1;
    config.fsync = true;
    config.snapshot_every = 1_000_000;
    let server = server_rt
        .spawn(Server::bind(config, SocketAddr::from(([127, 0, 0, 1], 0))))
        .await
        .unwrap()
        .unwrap();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let ex = Exchange {
        base: format!("http://{}", server.addr),
        addr: server.addr,
        state: server.state.clone(),
        admin: server.admin_token.clone(),
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(conns)
            .tcp_nodelay(true)
            .build()
            .unwrap(),
        dir,
        stop,
        handle: server_rt.spawn(server.run(async {
            let _ = rx.await;
        })),
    };
    ex.admin(
        "markets",
        json!({ "condition_id": COND, "tokens": [YES.to_string(), "9002"], "min_order_size": "1" }),
    )
    .await;
    ex
}

impl Exchange {
    /// An admin call that must succeed.
    pub async fn admin(&self, path: &str, body: Value) {
        let r = self
            .http
            .post(format!("{}/admin/{path}", self.base))
            .bearer_auth(&self.admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }

    /// A funded wallet (`n` picks its key) with shares to sell and an API key.
    pub async fn wallet(&self, n: u8) -> (LocalSigner, L2Auth) {
        let mut key = [0u8; 32];
        key[31] = n + 1;
        key[0] = 0x42;
        let signer = LocalSigner::from_bytes(&key).unwrap();
        self.admin(
            "fund",
            json!({ "address": signer.address().to_string(), "amount": "10000000" }),
        )
        .await;
        self.admin(
            "split",
            json!({ "address": signer.address().to_string(), "market": COND, "amount": "1000000" }),
        )
        .await;
        let h = l1_headers(&signer, &ClobAuthDomain::new(137), unix_now(), U256::ZERO).unwrap();
        let mut req = self.http.post(format!("{}/auth/api-key", self.base));
        for (k, v) in h.iter() {
            req = req.header(k, v);
        }
        let creds: ApiCredentials = req.send().await.unwrap().json().await.unwrap();
        let auth = L2Auth::new(creds, signer.address()).unwrap();
        (signer, auth)
    }

    /// Stops the exchange and waits for its final snapshot.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.handle.await.unwrap().unwrap();
    }
}

/// The V1 domain the orders are signed in.
pub fn domain() -> ExchangeDomain {
    ExchangeDomain::for_market(Chain::Polygon, &Chain::Polygon.contracts(), false)
}

/// A signed `POST /order` body.
pub fn order_body(
    signer: &LocalSigner,
    auth: &L2Auth,
    salt: u64,
    side: Side,
    cents: i64,
    size: u64,
) -> Vec<u8> {
    let a = limit_amounts(
        side,
        clobkit_core::Decimal::new(cents, 2),
        clobkit_core::Decimal::from(size),
        TickSize::Hundredth,
    )
    .unwrap();
    let o = Order::new(
        salt,
        signer.address(),
        signer.address(),
        TokenId::from(YES),
        a,
        SignatureType::Eoa,
    );
    let p = PostOrder {
        order: o.sign(&domain(), signer).unwrap(),
        owner: auth.credentials().api_key.clone(),
        order_type: OrderType::Gtc,
        post_only: false,
        defer_exec: None,
    };
    serde_json::to_vec(&p).unwrap()
}

/// `per_wallet` signed orders for each of `wallets` wallets (`first` numbers the wallets, so
/// several sets never share an order), prices spread so most rest and about one in ten crosses.
pub async fn prepare(
    ex: &Exchange,
    first: u8,
    wallets: usize,
    per_wallet: usize,
) -> Vec<(L2Auth, Vec<Vec<u8>>)> {
    let mut prepared = Vec::new();
    for w in 0..wallets {
        let (signer, auth) = ex.wallet(first + w as u8).await;
        let bodies = (0..per_wallet)
            .map(|i| {
                let n = (w * 7919 + i * 104_729) % 1000;
                // ~10% of orders cross: BUYs up to 0.55 against SELLs from 0.46
                let (side, cents) = if n % 2 == 0 {
                    (Side::Buy, 10 + (n / 2) % 46)
                } else {
                    (Side::Sell, 46 + (n / 2) % 44)
                };
                let salt = (usize::from(first) + w) as u64 * 1_000_000 + i as u64;
                order_body(&signer, &auth, salt, side, cents as i64, (1 + n % 5) as u64)
            })
            .collect();
        prepared.push((auth, bodies));
    }
    prepared
}

/// One connection's work: signed order bodies for `POST /order` under an API key, or (no key)
/// as many bare `GET /time` requests as there are (empty) bodies.
pub type Job = (Option<L2Auth>, Vec<Vec<u8>>);

/// Splits each wallet's orders over `conns` connections in all, keeping per-wallet order.
pub fn jobs(prepared: Vec<(L2Auth, Vec<Vec<u8>>)>, conns: usize) -> Vec<Job> {
    let per_wallet = conns.max(prepared.len()) / prepared.len().max(1);
    let mut jobs = Vec::new();
    for (auth, bodies) in prepared {
        let chunk = bodies.len().div_ceil(per_wallet).max(1);
        for part in bodies.chunks(chunk) {
            jobs.push((Some(auth.clone()), part.to_vec()));
        }
    }
    jobs
}

/// Posts one order body; returns the status.
pub async fn post(http: &reqwest::Client, base: &str, auth: &L2Auth, body: Vec<u8>) -> u16 {
    let h = auth.headers(unix_now(), "POST", "/order", &body);
    let mut req = http.post(format!("{base}/order")).body(body);
    for (k, v) in h.iter() {
        req = req.header(k, v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let _ = resp.bytes().await;
    status
}

/// Runs each job in its own task until done or `deadline`; returns the latencies (µs), the
/// count of 200s, the count of other answers, and the wall time.
pub async fn drive(
    http: &reqwest::Client,
    base: &str,
    jobs: Vec<Job>,
    deadline: Instant,
) -> (Vec<u64>, usize, usize, Duration) {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (auth, bodies) in jobs {
        let (http, base) = (http.clone(), base.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(bodies.len());
            let (mut ok, mut other) = (0usize, 0usize);
            for body in bodies {
                if Instant::now() > deadline {
                    break;
                }
                let t = Instant::now();
                let status = match &auth {
                    Some(auth) => post(&http, &base, auth, body).await,
                    None => {
                        let resp = http.get(format!("{base}/time")).send().await.unwrap();
                        let status = resp.status().as_u16();
                        let _ = resp.bytes().await;
                        status
                    }
                };
                lat.push(t.elapsed().as_micros() as u64);
                if status == 200 { ok += 1 } else { other += 1 }
            }
            (lat, ok, other)
        }));
    }
    let (mut lat, mut ok, mut other) = (Vec::new(), 0, 0);
    for t in tasks {
        let (l, o, r) = t.await.unwrap();
        lat.extend(l);
        ok += o;
        other += r;
    }
    (lat, ok, other, start.elapsed())
}

/// CPU seconds used so far by this process's threads, summed by role: the exchange's runtime
/// (`server`), the journal writer, the streams' hub, the load generator (`loadgen`). From `/proc/self/task/*/stat`
/// (user + system time, in clock ticks of 1/100 s, Linux's USER_HZ).
#[derive(Debug, Clone, Copy, Default)]
pub struct Cpu {
    pub server: f64,
    pub journal: f64,
    pub streams: f64,
    pub loadgen: f64,
    /// The whole machine's busy CPU-seconds (`/proc/stat`: every core's time outside idle and
    /// I/O wait), which also counts the kernel's work no thread is charged for (softirqs of the
    /// loopback and the disk's completions).
    pub machine: f64,
}

impl Cpu {
    pub fn now() -> Cpu {
        let mut cpu = Cpu::default();
        let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
            return cpu;
        };
        for t in tasks.flatten() {
            let Ok(stat) = std::fs::read_to_string(t.path().join("stat")) else {
                continue;
            };
            let Some((head, rest)) = stat.rsplit_once(')') else {
                continue;
            };
            let name = head.split_once('(').map_or("", |(_, n)| n);
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
            let secs = (ticks(11) + ticks(12)) / 100.0;
            if name.starts_with("server") {
                cpu.server += secs;
            } else if name.starts_with("clobkit-journal") {
                cpu.journal += secs;
            } else if name.starts_with("clobkit-streams") {
                cpu.streams += secs;
            } else if name.starts_with("loadgen") {
                cpu.loadgen += secs;
            }
        }
        cpu.machine = machine_busy_secs();
        cpu
    }

    /// Microseconds of each role per request between `self` and `later`.
    pub fn per_request(self, later: Cpu, requests: usize) -> (f64, f64, f64) {
        let n = requests.max(1) as f64 / 1e6;
        (
            (later.server - self.server) / n,
            (later.journal - self.journal) / n,
            (later.loadgen - self.loadgen) / n,
        )
    }
}

/// Busy CPU-seconds of all cores since boot, from the first line of `/proc/stat` (user, nice,
/// system, irq, softirq and steal ticks, at the kernel's 100 ticks a second); 0 if unreadable.
fn machine_busy_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/stat") else {
        return 0.0;
    };
    let Some(line) = stat.lines().next() else {
        return 0.0;
    };
    let f: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal
    [0usize, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|&i| f.get(i))
        .sum::<f64>()
        / 100.0
}

/// p50, p99, p99.9 of latencies (sorts them).
pub fn percentiles(lat: &mut [u64]) -> (u64, u64, u64) {
    if lat.is_empty() {
        return (0, 0, 0);
    }
    lat.sort_unstable();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1))];
    (pct(0.5), pct(0.99), pct(0.999))
}
