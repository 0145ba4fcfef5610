//! Running a simulation against an exchange: each agent is a funded wallet with its own API key
//! that signs real orders and posts them through the exchange's public API, so the market
//! channel, the user channels and the REST views show its activity like anyone's. Agents see
//! the books through the market channel and the fair values through the simulation itself.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clobkit_client::ws::{MarketStream, StreamConfig};
use clobkit_client::{
    BalanceAllowanceParams, ClobClient, CreateOrderOptions, L2, MarketOrderArgs, OrderArgs, Pages,
    PostOrdersArgs, TradeParams,
};
use clobkit_core::Decimal;
use clobkit_core::signer::{LocalSigner, Signer as _};
use clobkit_core::types::{OrderType, TokenId};
use rand::SeedableRng as _;
use rand_pcg::Pcg64Mcg;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;

use crate::agent::{self, Action, View};
use crate::config::{MarketSim, SimConfig};
use crate::fair::FairWalk;
use crate::summary::{AgentReport, AgentStatus, MarketReport, MarketStatus, Status, Summary};

/// Collateral each agent is funded with (USDC).
pub const FUNDING: u64 = 100_000;
/// Of which turned into outcome-token pairs, so agents can sell from the start.
pub const PAIRS: u64 = 20_000;

/// Why a simulation could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// An admin call failed.
    #[error("the exchange refused {what}: {reason}")]
    Admin {
        /// The call.
        what: String,
        /// Its answer.
        reason: String,
    },
    /// An agent could not get its API key or build its client.
    #[error("agent {agent}: {reason}")]
    Agent {
        /// The agent.
        agent: String,
        /// What failed.
        reason: String,
    },
}

/// A market's shared state: the fair value (in ticks) and the best prices the market channel
/// shows.
struct MarketCell {
    spec: MarketSim,
    fair: AtomicU32,
    per_unit: u32,
    best: Mutex<(Option<Decimal>, Option<Decimal>)>,
    resolved: AtomicBool,
    winner: Mutex<Option<TokenId>>,
}

/// One agent.
struct AgentCell {
    name: String,
    kind: &'static str,
    market: usize,
    client: ClobClient<L2<LocalSigner>>,
    orders: AtomicU64,
    refused: AtomicU64,
}

/// A running simulation.
pub struct Simulation {
    seed: u64,
    started: Instant,
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    markets: Vec<Arc<MarketCell>>,
    agents: Vec<Arc<AgentCell>>,
}

/// Posts an admin call that must succeed.
pub(crate) async fn admin(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
    body: Value,
) -> Result<(), SimError> {
    let failed = |reason: String| SimError::Admin {
        what: format!("POST /admin/{path}"),
        reason,
    };
    let r = http
        .post(format!("{base}/admin/{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| failed(e.to_string()))?;
    if r.status().is_success() {
        Ok(())
    } else {
        Err(failed(format!(
            "{} {}",
            r.status(),
            r.text().await.unwrap_or_default()
        )))
    }
}

/// A trading client for `signer` with its API key (created or derived), its wallet funded with
/// `funding` USDC: what every agent and the replay's house start from.
pub(crate) async fn funded_client(
    http: &reqwest::Client,
    base: &str,
    admin_token: &str,
    signer: LocalSigner,
    funding: u64,
    name: &str,
) -> Result<ClobClient<L2<LocalSigner>>, SimError> {
    let fail = |reason: String| SimError::Agent {
        agent: name.to_owned(),
        reason,
    };
    let address = signer.address().to_string();
    let l1 = ClobClient::builder(base)
        .build()
        .and_then(|c| c.with_signer(signer))
        .map_err(|e| fail(e.to_string()))?;
    let creds = l1
        .create_or_derive_api_key(None)
        .await
        .map_err(|e| fail(e.to_string()))?;
    let client = l1
        .with_credentials(creds)
        .map_err(|e| fail(e.to_string()))?;
    admin(
        http,
        base,
        admin_token,
        "fund",
        json!({ "address": address, "amount": funding.to_string() }),
    )
    .await?;
    Ok(client)
}

/// An agent's key: SHA-256 of the seed and the agent's place (a valid secp256k1 key with
/// overwhelming probability; the next counter is tried otherwise).
fn agent_key(seed: u64, market: usize, kind: &str, i: u32) -> Option<LocalSigner> {
    (0u32..16).find_map(|attempt| {
        let mut h = Sha256::new();
        h.update(b"clobkit-sim");
        h.update(seed.to_be_bytes());
        h.update((market as u64).to_be_bytes());
        h.update(kind.as_bytes());
        h.update(i.to_be_bytes());
        h.update(attempt.to_be_bytes());
        let key: [u8; 32] = h.finalize().into();
        LocalSigner::from_bytes(&key).ok()
    })
}

/// The random generator of one agent (or of a market's fair value: `kind` "fair").
fn rng_of(seed: u64, market: usize, kind: &str, i: u32) -> Pcg64Mcg {
    let mut h = Sha256::new();
    h.update(b"clobkit-sim-rng");
    h.update(seed.to_be_bytes());
    h.update((market as u64).to_be_bytes());
    h.update(kind.as_bytes());
    h.update(i.to_be_bytes());
    let d: [u8; 32] = h.finalize().into();
    let mut s = [0u8; 8];
    s.copy_from_slice(&d[..8]);
    Pcg64Mcg::seed_from_u64(u64::from_le_bytes(s))
}

impl Simulation {
    /// Sets the markets and agents up on the exchange at `base` (creating missing markets,
    /// funding the agents) and starts them. Needs a tokio runtime.
    pub async fn start(
        base: &str,
        admin_token: &str,
        config: SimConfig,
    ) -> Result<Simulation, SimError> {
        clobkit_client::install_crypto_provider();
        let http = reqwest::Client::new();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut markets = Vec::new();
        let mut agents = Vec::new();
        for (mi, m) in config.markets.iter().enumerate() {
            let exists = http
                .get(format!("{base}/book?token_id={}", m.yes))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if !exists {
                admin(
                    &http,
                    base,
                    admin_token,
                    "markets",
                    json!({
                        "condition_id": m.condition_id.to_string(),
                        "tokens": [m.yes.to_string(), m.no.to_string()],
                        "tick_size": m.tick_size.as_str(),
                    }),
                )
                .await?;
            }
            let walk = FairWalk::new(m, rng_of(config.seed, mi, "fair", 0));
            markets.push(Arc::new(MarketCell {
                spec: m.clone(),
                fair: AtomicU32::new(walk.ticks()),
                per_unit: walk.per_unit(),
                best: Mutex::new((None, None)),
                resolved: AtomicBool::new(false),
                winner: Mutex::new(None),
            }));
            let kinds = [
                ("maker", m.makers.as_ref().map_or(0, |a| a.count)),
                ("noise", m.noise.as_ref().map_or(0, |a| a.count)),
                ("informed", m.informed.as_ref().map_or(0, |a| a.count)),
            ];
            for (kind, count) in kinds {
                for i in 0..count {
                    let name = format!("{kind}-{mi}-{i}");
                    let fail = |reason: String| SimError::Agent {
                        agent: name.clone(),
                        reason,
                    };
                    let signer = agent_key(config.seed, mi, kind, i)
                        .ok_or_else(|| fail("no valid key from the seed".into()))?;
                    let address = signer.address().to_string();
                    let client =
                        funded_client(&http, base, admin_token, signer, FUNDING, &name).await?;
                    admin(
                        &http,
                        base,
                        admin_token,
                        "split",
                        json!({ "address": address, "market": m.condition_id.to_string(), "amount": PAIRS.to_string() }),
                    )
                    .await?;
                    agents.push(Arc::new(AgentCell {
                        name,
                        kind,
                        market: mi,
                        client,
                        orders: AtomicU64::new(0),
                        refused: AtomicU64::new(0),
                    }));
                }
            }
        }
        let mut tasks = Vec::new();
        for (mi, cell) in markets.iter().enumerate() {
            tasks.push(tokio::spawn(watch_book(
                base.to_owned(),
                cell.clone(),
                stopped.clone(),
            )));
            let walk = FairWalk::new(&cell.spec, rng_of(config.seed, mi, "fair", 0));
            tasks.push(tokio::spawn(walk_fair(
                walk,
                cell.clone(),
                config.step_ms,
                (base.to_owned(), admin_token.to_owned(), http.clone()),
                stopped.clone(),
            )));
        }
        for (ai, a) in agents.iter().enumerate() {
            let market = markets[a.market].clone();
            let rng = rng_of(config.seed, a.market, a.kind, ai as u32);
            tasks.push(tokio::spawn(act(a.clone(), market, rng, stopped.clone())));
        }
        tracing::info!(
            seed = config.seed,
            agents = agents.len(),
            markets = markets.len(),
            "simulation started"
        );
        Ok(Simulation {
            seed: config.seed,
            started: Instant::now(),
            stop,
            tasks,
            markets,
            agents,
        })
    }

    /// Orders the agents have had accepted so far, in all.
    pub fn orders(&self) -> u64 {
        self.agents
            .iter()
            .map(|a| a.orders.load(Ordering::Relaxed))
            .sum()
    }

    /// A view of the simulation that stays readable while it runs (the dashboard reads it
    /// through the exchange's companions).
    pub fn watch(&self) -> Watch {
        Watch {
            seed: self.seed,
            started: self.started,
            markets: self.markets.clone(),
            agents: self.agents.clone(),
        }
    }

    /// Stops every agent, cancels their orders, and reports: the seed, the fills and each
    /// agent's profit and loss (marked at the fair value, or at the resolution).
    pub async fn stop(self) -> Summary {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        let mut reports = Vec::new();
        for a in &self.agents {
            let _ = a.client.cancel_all().await;
            let m = &self.markets[a.market];
            reports.push(report(a, m).await);
        }
        let markets = self
            .markets
            .iter()
            .map(|m| MarketReport {
                condition_id: m.spec.condition_id,
                fair_start: m.spec.fair,
                fair_end: fair_value(m),
                winner: *m.winner.lock().unwrap_or_else(|p| p.into_inner()),
            })
            .collect();
        Summary::new(self.seed, self.started.elapsed(), markets, reports)
    }
}

/// A running simulation's state, read without stopping it ([`Simulation::watch`]).
#[derive(Clone)]
pub struct Watch {
    seed: u64,
    started: Instant,
    markets: Vec<Arc<MarketCell>>,
    agents: Vec<Arc<AgentCell>>,
}

impl Watch {
    /// The state now.
    pub fn status(&self) -> Status {
        Status {
            seed: self.seed,
            running_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            orders: self
                .agents
                .iter()
                .map(|a| a.orders.load(Ordering::Relaxed))
                .sum(),
            markets: self
                .markets
                .iter()
                .map(|m| MarketStatus {
                    condition_id: m.spec.condition_id,
                    yes: m.spec.yes,
                    fair: fair_value(m),
                    winner: *m.winner.lock().unwrap_or_else(|p| p.into_inner()),
                })
                .collect(),
            agents: self
                .agents
                .iter()
                .map(|a| AgentStatus {
                    name: a.name.clone(),
                    kind: a.kind,
                    market: self
                        .markets
                        .get(a.market)
                        .map_or_else(Default::default, |m| m.spec.condition_id),
                    address: a.client.funder().map(|f| f.to_string()).unwrap_or_default(),
                    orders: a.orders.load(Ordering::Relaxed),
                    refused: a.refused.load(Ordering::Relaxed),
                })
                .collect(),
        }
    }
}

fn fair_value(m: &MarketCell) -> Decimal {
    Decimal::from(m.fair.load(Ordering::Relaxed)) * m.spec.tick_size.as_decimal()
}

/// Keeps the market's best prices from the market channel.
async fn watch_book(
    base: String,
    m: Arc<MarketCell>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut stream = MarketStream::new(&base, StreamConfig::default());
    stream.subscribe([m.spec.yes]);
    loop {
        tokio::select! {
            item = stream.next() => {
                if item.is_none() {
                    return;
                }
                if let Some(book) = stream.books().get(&m.spec.yes).filter(|b| b.fresh) {
                    *m.best.lock().unwrap_or_else(|p| p.into_inner()) =
                        (book.best_bid().map(|b| b.0), book.best_ask().map(|a| a.0));
                }
            }
            _ = stop.changed() => return,
        }
    }
}

/// Steps the fair value, and resolves the market when its time comes.
async fn walk_fair(
    mut walk: FairWalk,
    m: Arc<MarketCell>,
    step_ms: u64,
    (base, token, http): (String, String, reqwest::Client),
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let started = Instant::now();
    let mut every = tokio::time::interval(Duration::from_millis(step_ms.max(1)));
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stop.changed() => return,
        }
        walk.step();
        m.fair.store(walk.ticks(), Ordering::Relaxed);
        if let Some(after) = m.spec.resolve_after_secs
            && started.elapsed() >= Duration::from_secs(after)
        {
            let winner = if walk.ticks() * 2 > walk.per_unit() {
                m.spec.yes
            } else {
                m.spec.no
            };
            m.resolved.store(true, Ordering::Relaxed);
            let body =
                json!({ "market": m.spec.condition_id.to_string(), "winner": winner.to_string() });
            match admin(&http, &base, &token, "resolve", body).await {
                Ok(()) => *m.winner.lock().unwrap_or_else(|p| p.into_inner()) = Some(winner),
                Err(e) => tracing::warn!(error = %e, "the simulation could not resolve its market"),
            }
            return;
        }
    }
}

/// One agent's turns until the simulation stops or its market resolves.
async fn act(
    a: Arc<AgentCell>,
    m: Arc<MarketCell>,
    mut rng: Pcg64Mcg,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let spec = m.spec.clone();
    loop {
        let wait = match a.kind {
            "maker" => spec.makers.as_ref().map_or(1000, |k| k.refresh_ms),
            "noise" => agent::next_wait_ms(
                &mut rng,
                spec.noise.as_ref().map_or(60, |k| k.orders_per_min),
            ),
            _ => agent::next_wait_ms(
                &mut rng,
                spec.informed.as_ref().map_or(60, |k| k.orders_per_min),
            ),
        };
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(wait)) => {}
            _ = stop.changed() => return,
        }
        if m.resolved.load(Ordering::Relaxed) {
            return;
        }
        let (best_bid, best_ask) = *m.best.lock().unwrap_or_else(|p| p.into_inner());
        let view = View {
            fair_ticks: m.fair.load(Ordering::Relaxed),
            per_unit: m.per_unit,
            tick: spec.tick_size.as_decimal(),
            best_bid,
            best_ask,
        };
        let action = match a.kind {
            "maker" => spec.makers.as_ref().map(|k| agent::maker(k, &view)),
            "noise" => spec
                .noise
                .as_ref()
                .map(|k| agent::noise(k, &mut rng, &view)),
            _ => spec
                .informed
                .as_ref()
                .and_then(|k| agent::informed(k, &view)),
        };
        if let Some(action) = action {
            execute(&a, &spec, action).await;
        }
    }
}

/// Carries an action out through the exchange's public API, counting what was accepted.
async fn execute(a: &AgentCell, spec: &MarketSim, action: Action) {
    let opts = CreateOrderOptions::default();
    let count = |ok: bool| {
        let c = if ok { &a.orders } else { &a.refused };
        c.fetch_add(1, Ordering::Relaxed);
    };
    match action {
        Action::Requote { bids, asks } => {
            let _ = a
                .client
                .cancel_market_orders(Some(&spec.condition_id), None)
                .await;
            let mut batch = Vec::new();
            for (side, quotes) in [
                (clobkit_core::types::Side::Buy, bids),
                (clobkit_core::types::Side::Sell, asks),
            ] {
                for (price, size) in quotes {
                    match a
                        .client
                        .create_order(&OrderArgs::new(spec.yes, price, size, side), opts)
                        .await
                    {
                        Ok(o) => batch.push(PostOrdersArgs::new(o, OrderType::Gtc).post_only()),
                        Err(e) => {
                            tracing::debug!(agent = %a.name, error = %e, "quote not built");
                            count(false);
                        }
                    }
                }
            }
            for chunk in batch.chunks(clobkit_client::MAX_BATCH) {
                match a.client.post_orders(chunk.to_vec()).await {
                    Ok(rs) => {
                        for r in rs {
                            count(r.is_ok());
                        }
                    }
                    Err(e) => {
                        tracing::debug!(agent = %a.name, error = %e, "quotes refused");
                        count(false);
                    }
                }
            }
        }
        Action::Limit { side, price, size } => {
            let r = a
                .client
                .create_and_post_order(
                    &OrderArgs::new(spec.yes, price, size, side),
                    opts,
                    OrderType::Gtc,
                )
                .await;
            count(r.is_ok());
        }
        Action::Market {
            side,
            amount,
            worst,
        } => {
            let args = MarketOrderArgs::new(spec.yes, amount, side)
                .price(worst)
                .order_type(OrderType::Fak);
            let r = a.client.create_and_post_market_order(&args, opts).await;
            count(r.is_ok());
        }
    }
}

/// An agent's balances and profit at the end.
async fn report(a: &AgentCell, m: &MarketCell) -> AgentReport {
    let balance = |p: BalanceAllowanceParams| {
        let c = a.client.clone();
        async move {
            c.get_balance_allowance(&p)
                .await
                .map(|b| b.balance)
                .unwrap_or_default()
        }
    };
    let units = Decimal::from(1_000_000u64);
    let collateral = balance(BalanceAllowanceParams::collateral()).await / units;
    let yes = balance(BalanceAllowanceParams::conditional(m.spec.yes)).await / units;
    let no = balance(BalanceAllowanceParams::conditional(m.spec.no)).await / units;
    let fills = a
        .client
        .get_trades(
            &TradeParams::default().market(m.spec.condition_id),
            Pages::All,
            None,
        )
        .await
        .map_or(0, |t| t.len() as u64);
    let fair = fair_value(m);
    AgentReport::new(
        a.name.clone(),
        a.kind,
        a.client.funder().map(|f| f.to_string()).unwrap_or_default(),
        a.orders.load(Ordering::Relaxed),
        a.refused.load(Ordering::Relaxed),
        fills,
        (collateral, yes, no),
        fair,
        Decimal::from(FUNDING),
    )
}
