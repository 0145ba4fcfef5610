//! Soak (faults.md, issue 10): a real `clobkit serve` process under mixed load from several
//! wallets, killed with SIGKILL at random moments and once run out of disk, restarted each time
//! on the same data folder. After every restart, with the load paused, it checks what the clients
//! were told and shown against what the exchange now serves:
//!
//! * every order acknowledged with an id is there (new ones all, older ones by sample);
//! * every order a read listed, and every trade a client was told of or shown, is still there
//!   (nothing a client saw was later lost);
//! * value is conserved: the wallets' collateral plus the complete sets minted (YES supply)
//!   equals what was funded, and YES supply equals NO supply;
//! * nothing ever answered with a 5xx other than 503; on a full disk the exchange refused
//!   changes with its full-disk answer (nothing applied), kept serving, and took changes again
//!   by itself once space was freed.
//!
//! The wallets buy and sell both outcomes (so fills mint, swap and merge shares and collateral
//! keeps circulating).
//!
//! `cargo bench -p clobkit-cli --bench soak [-- SECONDS [SEED]]` (default 180 s, seed 1).
//! Loopback only, bounded in time, stops by itself; prints `N passed, 0 failed` or exits non-zero.
//! The disk-full episode needs root (a tmpfs is mounted); without it the episode is skipped and
//! said so. `.ci/run` runs a short version in the dev profile.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::float_arithmetic,
    missing_docs
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clobkit_client::{
    BalanceAllowanceParams, ClientError, ClobClient, CreateOrderOptions, L2, OpenOrderParams,
    OrderArgs, Pages, TradeParams,
};
use clobkit_core::Decimal;
use clobkit_core::chain::Chain;
use clobkit_core::signer::LocalSigner;
use clobkit_core::types::{OrderId, OrderType, Side, SignatureType, TokenId};
use clobkit_core::wire::InsertStatus;
use clobkit_core::wire::errors::JOURNAL_NO_ROOM;
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use tokio::sync::{Mutex, RwLock};

/// Public test keys (Hardhat/Anvil accounts #0–#3): never hold real funds.
const KEYS: [&str; 4] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
];
const COND: &str = "0x5050505050505050505050505050505050505050505050505050505050505050";
const YES: u64 = 5001;
const NO: u64 = 5002;
/// USDC funded to each wallet.
const FUNDED: u64 = 10_000;
/// A wallet with this many live orders cancels instead of placing.
const MAX_LIVE: usize = 40;

type Client = ClobClient<L2<LocalSigner>>;

/// What the clients were told and shown.
#[derive(Default)]
struct Seen {
    /// Acknowledged orders, by wallet, with whether a verification found them already.
    acknowledged: BTreeMap<OrderId, (usize, bool)>,
    /// Per wallet: orders believed live (cancel candidates).
    live: [BTreeSet<OrderId>; 4],
    /// Per wallet: trade ids told (order answers) or shown (reads).
    trades: [BTreeSet<String>; 4],
    /// Orders a read listed, by wallet.
    shown: BTreeMap<OrderId, usize>,
}

#[derive(Default)]
struct Counts {
    placed: AtomicU64,
    cancels: AtomicU64,
    reads: AtomicU64,
    refused: AtomicU64,
    unreachable: AtomicU64,
    /// Changes refused because the disk had no room (503 with the full-disk answer).
    no_room: AtomicU64,
}

/// A failure of the soak's promises.
struct Violations(Mutex<Vec<String>>);

impl Violations {
    async fn add(&self, what: String) {
        eprintln!("VIOLATION: {what}");
        self.0.lock().await.push(what);
    }
}

/// A tmpfs mounted on a new folder (unmounted on drop), if this process may mount one.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount() -> Option<Tmpfs> {
        let dir = tempfile::tempdir().ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64m", "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs(dir))
    }

    /// Fills the file system but `free` bytes with a ballast file.
    fn fill_but(&self, free: u64) -> PathBuf {
        use std::io::Write;
        let path = self.0.path().join("ballast");
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 64 << 10];
        while f.write_all(&chunk).is_ok() {}
        let len = f.metadata().unwrap().len();
        f.set_len(len.saturating_sub(free)).unwrap();
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.0.path()).status();
    }
}

/// The exchange process.
struct Exchange {
    port: u16,
    data: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

impl Exchange {
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_clobkit"))
            .args(["serve", "--port", &self.port.to_string(), "--data"])
            .arg(&self.data)
            .args(["--snapshot-every", "500"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = http.get(format!("{}/", self.base())).send().await
                && r.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("clobkit serve did not start; see {}", self.log.display());
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill(); // SIGKILL
            let _ = c.wait();
        }
    }

    /// Waits up to `limit` for the process to exit by itself; its exit status.
    async fn exited_within(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let until = Instant::now() + limit;
        while Instant::now() < until {
            if let Some(c) = self.child.as_mut()
                && let Ok(Some(status)) = c.try_wait()
            {
                self.child = None;
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    async fn admin(&self, path: &str, body: serde_json::Value) {
        let token = std::fs::read_to_string(self.data.join("admin-token")).unwrap();
        let r = reqwest::Client::new()
            .post(format!("{}{path}", self.base()))
            .bearer_auth(token.trim())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}: {}", r.text().await.unwrap());
    }
}

/// Whether an error is what a client meets while the exchange is down or stopping (the request
/// may not have been served); anything else is a refusal the exchange gave on purpose.
fn unreachable(e: &ClientError) -> bool {
    match e {
        ClientError::Api { status, .. } => *status == 503,
        ClientError::Connect(_) | ClientError::Transport(_) => true,
        ClientError::Ambiguous { .. } | ClientError::AmbiguousBatch { .. } => true,
        _ => false,
    }
}

async fn note_error(e: &ClientError, counts: &Counts, violations: &Violations) {
    if let ClientError::Api {
        status: 503,
        message,
        ..
    } = e
        && message.contains(JOURNAL_NO_ROOM)
    {
        counts.no_room.fetch_add(1, Ordering::Relaxed);
    }
    if unreachable(e) {
        counts.unreachable.fetch_add(1, Ordering::Relaxed);
    } else {
        counts.refused.fetch_add(1, Ordering::Relaxed);
        if let ClientError::Api {
            status, message, ..
        } = e
            && *status >= 500
        {
            violations
                .add(format!("a {status} answer: {message}"))
                .await;
        }
    }
}

struct Shared {
    seen: Mutex<Seen>,
    gate: RwLock<()>,
    stop: AtomicBool,
    counts: Counts,
    violations: Violations,
}

async fn trader(w: usize, client: Client, seed: u64, shared: Arc<Shared>) {
    let mut rng = SmallRng::seed_from_u64(seed.wrapping_mul(31).wrapping_add(w as u64));
    let (yes, no) = (TokenId::from(YES), TokenId::from(NO));
    while !shared.stop.load(Ordering::Relaxed) {
        let gate = shared.gate.read().await;
        let live: Vec<OrderId> = shared.seen.lock().await.live[w].iter().copied().collect();
        let roll = rng.random_range(0..10u32);
        let outcome = if roll < 5 && live.len() < MAX_LIVE {
            let token = if rng.random_bool(0.5) { yes } else { no };
            let price = Decimal::new(rng.random_range(30..=70i64), 2);
            let size = Decimal::from(rng.random_range(5..=20u32));
            // buys mint and take shares, sells give them back for collateral, so the wallets
            // keep trading for as long as the soak runs (a sell without shares is refused)
            let side = if rng.random_bool(0.5) {
                Side::Buy
            } else {
                Side::Sell
            };
            let args = OrderArgs::new(token, price, size, side);
            let r = client
                .create_and_post_order(&args, CreateOrderOptions::default(), OrderType::Gtc)
                .await;
            r.map(|resp| {
                shared.counts.placed.fetch_add(1, Ordering::Relaxed);
                Some(resp)
            })
        } else if roll < 7 && !live.is_empty() {
            let id = live[rng.random_range(0..live.len())];
            let r = client.cancel_orders(&[id]).await;
            shared.counts.cancels.fetch_add(1, Ordering::Relaxed);
            if r.is_ok() {
                shared.seen.lock().await.live[w].remove(&id);
            }
            r.map(|_| None)
        } else {
            shared.counts.reads.fetch_add(1, Ordering::Relaxed);
            read(w, &client, &shared, roll).await.map(|()| None)
        };
        match outcome {
            Ok(Some(resp)) => {
                let mut seen = shared.seen.lock().await;
                if let Ok(id) = resp.order_id.parse::<OrderId>() {
                    seen.acknowledged.insert(id, (w, false));
                    if resp.status == Some(InsertStatus::Live) {
                        seen.live[w].insert(id);
                    }
                }
                seen.trades[w].extend(resp.trade_ids.iter().cloned());
            }
            Ok(None) => {}
            Err(e) => {
                note_error(&e, &shared.counts, &shared.violations).await;
                drop(gate);
                if unreachable(&e) {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                continue;
            }
        }
        drop(gate);
    }
}

/// A read: the wallet's open orders, its latest trades, or the book.
async fn read(w: usize, client: &Client, shared: &Shared, roll: u32) -> Result<(), ClientError> {
    match roll % 3 {
        0 => {
            let open = client
                .get_open_orders(&OpenOrderParams::default(), Pages::All, None)
                .await?;
            let mut seen = shared.seen.lock().await;
            seen.live[w] = open.iter().map(|o| o.id).collect();
            for o in open {
                seen.shown.insert(o.id, w);
            }
        }
        1 => {
            let trades = client
                .get_trades(&TradeParams::default(), Pages::First, None)
                .await?;
            shared.seen.lock().await.trades[w].extend(trades.into_iter().map(|t| t.id));
        }
        _ => {
            client.get_order_book(&TokenId::from(YES)).await?;
        }
    }
    Ok(())
}

/// After a restart, with the load paused: what was told and shown is there, value is conserved.
async fn verify(clients: &[Client], shared: &Shared, rng: &mut SmallRng) -> u64 {
    let mut checks = 0u64;
    let (to_check, shown, trades) = {
        let seen = shared.seen.lock().await;
        let (new, old): (Vec<_>, Vec<_>) = seen
            .acknowledged
            .iter()
            .map(|(id, (w, found))| (*id, *w, *found))
            .partition(|(_, _, found)| !found);
        let mut to_check: Vec<(OrderId, usize)> = new.iter().map(|(id, w, _)| (*id, *w)).collect();
        for _ in 0..old.len().min(100) {
            let (id, w, _) = old[rng.random_range(0..old.len())];
            to_check.push((id, w));
        }
        let shown: Vec<(OrderId, usize)> = seen.shown.iter().map(|(id, w)| (*id, *w)).collect();
        (to_check, shown, seen.trades.clone())
    };
    for (id, w) in &to_check {
        match clients[*w].get_order(id).await {
            Ok(o) if o.id == *id => checks += 1,
            other => {
                let what = format!("acknowledged order {id} of wallet {w} is gone: {other:?}");
                shared.violations.add(what).await;
            }
        }
    }
    {
        let mut seen = shared.seen.lock().await;
        for (id, _) in &to_check {
            if let Some(entry) = seen.acknowledged.get_mut(id) {
                entry.1 = true;
            }
        }
        seen.shown.clear();
    }
    for (id, w) in &shown {
        if clients[*w].get_order(id).await.is_err() {
            let what = format!("order {id} was listed to wallet {w}, then lost");
            shared.violations.add(what).await;
        } else {
            checks += 1;
        }
    }
    let (mut collateral, mut yes, mut no) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for (w, c) in clients.iter().enumerate() {
        let all: BTreeSet<String> = c
            .get_trades(&TradeParams::default(), Pages::All, None)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.id)
            .collect();
        let lost: Vec<&String> = trades[w].difference(&all).collect();
        if lost.is_empty() {
            checks += trades[w].len() as u64;
        } else {
            let what = format!(
                "wallet {w}: {} trades it was told of or shown are gone: {:?}",
                lost.len(),
                &lost[..lost.len().min(3)]
            );
            shared.violations.add(what).await;
        }
        let balance = |p: BalanceAllowanceParams| async move {
            c.get_balance_allowance(&p).await.map(|b| b.balance)
        };
        collateral += balance(BalanceAllowanceParams::collateral()).await.unwrap();
        yes += balance(BalanceAllowanceParams::conditional(TokenId::from(YES)))
            .await
            .unwrap();
        no += balance(BalanceAllowanceParams::conditional(TokenId::from(NO)))
            .await
            .unwrap();
    }
    let funded = Decimal::from(FUNDED * KEYS.len() as u64 * 1_000_000);
    if collateral + yes == funded && yes == no {
        checks += 1;
    } else {
        let what = format!(
            "value not conserved: collateral {collateral} + YES {yes} (NO {no}) != funded {funded} (base units)"
        );
        shared.violations.add(what).await;
    }
    checks
}

/// The disk-full episode: the disk fills up under load; the exchange must refuse changes with
/// the full-disk answer and keep running, then resume by itself once the space is freed.
async fn full_disk(t: &Tmpfs, ex: &mut Exchange, shared: &Shared) -> u64 {
    let mut checks = 0;
    let before = shared.counts.no_room.load(Ordering::Relaxed);
    let ballast = t.fill_but(64 << 10);
    let until = Instant::now() + Duration::from_secs(30);
    while shared.counts.no_room.load(Ordering::Relaxed) == before && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let refusals = shared.counts.no_room.load(Ordering::Relaxed) - before;
    if refusals == 0 {
        shared
            .violations
            .add("full disk: no change was refused for lack of room within 30 s".into())
            .await;
    } else {
        checks += 1;
    }
    if let Some(status) = ex.exited_within(Duration::from_millis(500)).await {
        shared
            .violations
            .add(format!("full disk: the exchange exited ({status})"))
            .await;
        ex.start().await;
    } else {
        checks += 1;
    }
    std::fs::remove_file(ballast).unwrap();
    let placed = shared.counts.placed.load(Ordering::Relaxed);
    let until = Instant::now() + Duration::from_secs(15);
    while shared.counts.placed.load(Ordering::Relaxed) == placed && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if shared.counts.placed.load(Ordering::Relaxed) > placed {
        println!(
            "  disk full: changes refused with the full-disk answer, the exchange kept serving and resumed by itself once space was freed"
        );
        checks += 1;
    } else {
        shared
            .violations
            .add("full disk: writing did not resume within 15 s of freeing space".into())
            .await;
    }
    checks
}

async fn clients(base: &str) -> Vec<Client> {
    let mut out = Vec::new();
    for key in KEYS {
        let l1 = ClobClient::builder(base)
            .chain(Chain::Polygon)
            .signature_type(SignatureType::Eoa)
            .build()
            .unwrap()
            .with_signer(LocalSigner::from_hex(key).unwrap())
            .unwrap();
        let creds = l1.create_or_derive_api_key(None).await.unwrap();
        out.push(l1.with_credentials(creds).unwrap());
    }
    out
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let seconds = args.first().copied().unwrap_or(180).max(10);
    let seed = args.get(1).copied().unwrap_or(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let code = rt.block_on(run(seconds, seed));
    std::process::exit(code);
}

async fn run(seconds: u64, seed: u64) -> i32 {
    let tmpfs = Tmpfs::mount();
    let scratch = tempfile::tempdir().unwrap();
    let root: &Path = tmpfs.as_ref().map_or(scratch.path(), |t| t.0.path());
    // a free port below the kernel's ephemeral range (32768 and up): while the exchange is
    // down, a client's connection attempt could otherwise be given its port as its own
    let port = (0..1_000u32)
        .map(|i| 20_000 + ((std::process::id() + i * 7_919) % 12_000) as u16)
        .find(|p| std::net::TcpListener::bind(("127.0.0.1", *p)).is_ok())
        .expect("a free port between 20000 and 32000");
    let mut ex = Exchange {
        port,
        data: root.join("data"),
        log: scratch.path().join("serve.log"),
        child: None,
    };
    println!(
        "soak: {seconds} s, seed {seed}, 4 wallets, clobkit serve on port {port}, data on {}",
        if tmpfs.is_some() {
            "a 64 MiB tmpfs (disk-full episode included)"
        } else {
            "disk (no root: disk-full episode skipped)"
        }
    );
    ex.start().await;
    ex.admin(
        "/admin/markets",
        serde_json::json!({ "condition_id": COND, "tokens": [YES.to_string(), NO.to_string()] }),
    )
    .await;
    let clients = clients(&ex.base()).await;
    for c in &clients {
        let address = format!("{:#x}", c.funder().expect("an L2 client has a funder"));
        ex.admin(
            "/admin/fund",
            serde_json::json!({ "address": address, "amount": FUNDED.to_string() }),
        )
        .await;
    }
    let shared = Arc::new(Shared {
        seen: Mutex::new(Seen::default()),
        gate: RwLock::new(()),
        stop: AtomicBool::new(false),
        counts: Counts::default(),
        violations: Violations(Mutex::new(Vec::new())),
    });
    let traders: Vec<_> = clients
        .iter()
        .enumerate()
        .map(|(w, c)| tokio::spawn(trader(w, c.clone(), seed, shared.clone())))
        .collect();
    let mut rng = SmallRng::seed_from_u64(seed);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let (mut kills, mut checks, mut disk_episode) = (0u32, 0u64, tmpfs.is_some());
    while Instant::now() + Duration::from_secs(2) < deadline {
        let wait = Duration::from_millis(rng.random_range(1_000..4_000u64));
        tokio::time::sleep(wait.min(deadline.saturating_duration_since(Instant::now()))).await;
        if disk_episode && started.elapsed() > Duration::from_secs(seconds / 2) {
            disk_episode = false;
            let Some(t) = &tmpfs else { break };
            checks += full_disk(t, &mut ex, &shared).await;
            let gate = shared.gate.write().await;
            checks += verify(&clients, &shared, &mut rng).await;
            drop(gate);
            continue;
        }
        ex.kill();
        kills += 1;
        let gate = shared.gate.write().await;
        ex.start().await;
        checks += verify(&clients, &shared, &mut rng).await;
        drop(gate);
    }
    shared.stop.store(true, Ordering::Relaxed);
    for t in traders {
        let _ = t.await;
    }
    checks += verify(&clients, &shared, &mut rng).await;
    // a clean stop: SIGTERM, final snapshot, exit 0
    if let Some(c) = ex.child.as_mut() {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(c.id().to_string())
            .status();
    }
    match ex.exited_within(Duration::from_secs(15)).await {
        Some(s) if s.success() => checks += 1,
        other => shared.violations.add(format!("SIGTERM: {other:?}")).await,
    }
    let c = &shared.counts;
    let seen = shared.seen.lock().await;
    let trades: usize = seen.trades.iter().map(BTreeSet::len).sum();
    println!(
        "  {:.0} s: {kills} SIGKILLs, {} orders acknowledged, {} trades, {} cancels, {} reads; {} refusals (4xx), {} requests met the exchange down",
        started.elapsed().as_secs_f64(),
        seen.acknowledged.len(),
        trades,
        c.cancels.load(Ordering::Relaxed),
        c.reads.load(Ordering::Relaxed),
        c.refused.load(Ordering::Relaxed),
        c.unreachable.load(Ordering::Relaxed),
    );
    let violations = shared.violations.0.lock().await;
    if kills == 0 || seen.acknowledged.is_empty() || trades == 0 {
        println!("the soak did not exercise the exchange (no kill, no order or no trade)");
        println!("{checks} passed, 1 failed");
        return 1;
    }
    if violations.is_empty() {
        println!("{checks} passed, 0 failed");
        0
    } else {
        for v in violations.iter() {
            println!("  FAILED: {v}");
        }
        println!("{checks} passed, {} failed", violations.len());
        1
    }
}
