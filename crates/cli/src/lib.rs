//! `clobkit`: run the local exchange (`serve`) and operate it (`admin …`).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use clobkit_core::chain::Chain;
use clobkit_core::protocol::ProtocolVersion;
use clobkit_server::app::ServerConfig;
use clobkit_server::serve::{Server, shutdown_signal};
use serde_json::{Value, json};

/// A Rust toolkit for Polymarket's CLOB: a local exchange and its operation.
#[derive(Parser)]
#[command(name = "clobkit", version, about)]
struct Cli {
    #[command(flatten)]
    conn: trade::Conn,
    #[command(subcommand)]
    command: Cmd,
}

mod demo;
mod error;
mod trade;
mod watch;

use error::CliError;

#[derive(Subcommand)]
enum Cmd {
    /// A complete trading session against an embedded exchange, through the Rust client.
    Demo {
        /// The order protocol of the embedded exchange (the client detects it).
        #[arg(long, default_value = "v2")]
        protocol: ProtocolArg,
    },
    #[command(flatten)]
    Trade(trade::TradeCmd),
    /// A token's live book and trades from the market channel, redrawn in place.
    Watch {
        /// The token id.
        token: String,
        /// Levels shown on each side.
        #[arg(long, default_value_t = 10)]
        depth: usize,
        /// The WebSocket host (default: the REST host; production's is
        /// wss://ws-subscriptions-clob.polymarket.com).
        #[arg(long, env = "CLOB_WS")]
        ws: Option<String>,
    },
    /// One JSON line per channel event (and per connection change, under "clobkit").
    Stream {
        /// The WebSocket host (default: the REST host).
        #[arg(long, env = "CLOB_WS")]
        ws: Option<String>,
        #[command(subcommand)]
        channel: watch::StreamCmd,
    },
    /// Run the local exchange (durable; speaks the CLOB API, V2 orders by default).
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1", env = "CLOBKIT_BIND")]
        bind: IpAddr,
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 8080, env = "CLOBKIT_PORT")]
        port: u16,
        /// Data folder (journal, snapshots, admin token).
        #[arg(long, default_value = "./clobkit-data", env = "CLOBKIT_DATA")]
        data: PathBuf,
        /// Keep the history database (`history.sqlite`) in this folder instead of the data
        /// folder: on another device, its writes and syncs stay off the journal's disk. Move and
        /// back it up with the data folder.
        #[arg(long)]
        history_dir: Option<PathBuf>,
        /// Chain whose signatures are accepted: polygon (137) or amoy (80002).
        #[arg(long, default_value = "polygon", env = "CHAIN_ID")]
        chain: String,
        /// Do not fsync before answering (faster, loses the last requests on a crash).
        #[arg(long)]
        no_fsync: bool,
        /// Allowed clock skew of request timestamps, seconds.
        #[arg(long, default_value_t = 300)]
        timestamp_window: u64,
        /// Seconds without a heartbeat after which a started heartbeat chain cancels its owner's
        /// orders.
        #[arg(long, default_value_t = 10)]
        heartbeat_timeout: u64,
        /// Records between snapshots.
        #[arg(long, default_value_t = 10_000)]
        snapshot_every: u64,
        /// The order protocol: v2 (production's since 2026-04-28), or v1. Orders of the other
        /// version are refused with `order_version_mismatch`.
        #[arg(long, default_value = "v2")]
        protocol: ProtocolArg,
        /// Markets and starting balances to load into a new data folder (TOML).
        #[arg(long)]
        seed: Option<PathBuf>,
        /// Request limits: `off`, or `polymarket` (the documented CLOB limits; excess requests
        /// get 429 with Retry-After).
        #[arg(long, value_enum, default_value_t = RateLimitsArg::Off, env = "CLOBKIT_RATE_LIMITS")]
        rate_limits: RateLimitsArg,
        /// Seconds a request's headers may take (also how long a keep-alive connection may idle).
        #[arg(long, default_value_t = 10)]
        header_timeout: u64,
        /// Seconds a request's body may take.
        #[arg(long, default_value_t = 10)]
        body_timeout: u64,
        /// Connections served at once (default: the open-files limit less a reserve for the
        /// journal, at most 10,000).
        #[arg(long)]
        max_connections: Option<usize>,
        /// Simulated participants trading on the exchange (a TOML file, see
        /// examples/sim.toml); their summary is printed and written to DATA/simulation.json at
        /// shutdown.
        #[arg(long)]
        simulate: Option<PathBuf>,
        /// A recording (`clobkit record`) to replay as the house's resting liquidity.
        #[arg(long)]
        replay: Option<PathBuf>,
        /// The replay's pace against the recorded one (2: twice as fast).
        #[arg(long, default_value = "1")]
        speed: String,
    },
    /// Record a venue's market channel to newline-delimited JSON (for `serve --replay`).
    Record {
        /// Token ids (repeat the flag).
        #[arg(long = "token", required = true)]
        tokens: Vec<String>,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// Stop after this many seconds (default: at Ctrl-C).
        #[arg(long)]
        for_secs: Option<u64>,
        /// The WebSocket host (default: the REST host).
        #[arg(long, env = "CLOB_WS")]
        ws: Option<String>,
    },
    /// Operate a running exchange (markets, funding, resolution).
    Admin {
        /// The admin token (default: read from DATA/admin-token).
        #[arg(long, env = "CLOBKIT_ADMIN_TOKEN")]
        token: Option<String>,
        /// The exchange's data folder, to read the admin token from.
        #[arg(long, default_value = "./clobkit-data", env = "CLOBKIT_DATA")]
        data: PathBuf,
        #[command(subcommand)]
        action: AdminCmd,
    },
}

#[derive(Subcommand)]
enum AdminCmd {
    /// Create a market of two outcome tokens.
    Market {
        /// Condition id (0x + 64 hex).
        #[arg(long)]
        condition: String,
        /// First outcome token id (decimal).
        #[arg(long)]
        yes: String,
        /// Second outcome token id (decimal).
        #[arg(long)]
        no: String,
        /// Tick size: 0.1, 0.01, 0.001 or 0.0001.
        #[arg(long, default_value = "0.01")]
        tick: String,
        /// Minimum order size in shares.
        #[arg(long, default_value = "5")]
        min_size: String,
        /// Neg-risk market.
        #[arg(long)]
        neg_risk: bool,
        /// Fee rate V1 orders must sign, basis points.
        #[arg(long, default_value_t = 0)]
        fee_bps: u32,
        /// V2 platform fee rate `r` (a decimal, 0.02 = 2%): fills pay shares × r × (p(1−p))^e.
        #[arg(long, default_value = "0")]
        fee_rate: String,
        /// V2 platform fee exponent `e`.
        #[arg(long, default_value_t = 1)]
        fee_exponent: u8,
        /// Makers pay the V2 platform fee too (by default only takers do).
        #[arg(long)]
        fee_makers: bool,
    },
    /// Credit collateral (USDC) to an address.
    Fund {
        /// The address.
        address: String,
        /// Amount in USDC.
        amount: String,
    },
    /// Turn an address's collateral into outcome-token pairs.
    Split {
        /// The address.
        address: String,
        /// The market's condition id.
        market: String,
        /// Amount (USDC = pairs).
        amount: String,
    },
    /// Change a market's tick size.
    TickSize {
        /// The market.
        market: String,
        /// The new tick.
        tick: String,
    },
    /// Close a market (cancels its orders).
    Close {
        /// The market.
        market: String,
    },
    /// Resolve a market: the winner redeems at 1.
    Resolve {
        /// The market.
        market: String,
        /// The winning token id.
        winner: String,
    },
    /// Switch a running V1 exchange to V2, as production did: resting V1 orders are cancelled
    /// (listed by `/data/pre-migration-orders`), V1 orders are refused from then on.
    Cutover,
    /// Move a trade to MINED, CONFIRMED, RETRYING or FAILED.
    TradeStatus {
        /// Trade number.
        id: u64,
        /// New status.
        status: String,
    },
    /// Faults on demand (drills): arm, list, clear.
    #[command(subcommand)]
    Fault(FaultCmd),
}

/// `clobkit admin fault …`.
#[derive(Subcommand)]
enum FaultCmd {
    /// Arm a fault: freeze, drop, pong-delay, pong-withheld, burst, duplicate-snapshot,
    /// stale-snapshot, unknown-event (channels); too-many-requests, too-early,
    /// execution-failed, delay, answer-lost (routes).
    Arm {
        /// What it does.
        kind: clobkit_server::faults::FaultKind,
        /// Channel faults: market, user or all.
        #[arg(long, default_value = "market")]
        channel: String,
        /// Route faults: `METHOD /path`, `/path`, a trailing `*`, or `*`.
        #[arg(long)]
        route: Option<String>,
        /// How long, milliseconds.
        #[arg(long = "for-ms")]
        duration_ms: Option<u64>,
        /// How many uses.
        #[arg(long)]
        count: Option<u32>,
        /// pong-delay, delay: how late, milliseconds.
        #[arg(long)]
        delay_ms: Option<u64>,
        /// burst: copies of each book.
        #[arg(long)]
        events: Option<u32>,
        /// too-many-requests: the Retry-After seconds.
        #[arg(long)]
        retry_after: Option<u64>,
    },
    /// The faults armed now.
    List,
    /// Clear one fault, or all.
    Clear {
        /// The fault's id (all when absent).
        id: Option<u64>,
    },
}

async fn admin(host: &str, token: &str, action: AdminCmd) -> Result<Value, CliError> {
    let mut method = reqwest::Method::POST;
    let (path, body) = match action {
        AdminCmd::Fault(FaultCmd::List) => {
            method = reqwest::Method::GET;
            ("/admin/faults".to_owned(), Value::Null)
        }
        AdminCmd::Fault(FaultCmd::Clear { id }) => {
            method = reqwest::Method::DELETE;
            let path = id.map_or_else(
                || "/admin/faults".to_owned(),
                |id| format!("/admin/faults/{id}"),
            );
            (path, Value::Null)
        }
        AdminCmd::Fault(FaultCmd::Arm {
            kind,
            channel,
            route,
            duration_ms,
            count,
            delay_ms,
            events,
            retry_after,
        }) => {
            let mut spec = json!({ "kind": kind });
            let on_channel = route.is_none();
            let fields = [
                ("route", route.map(Value::from)),
                ("duration_ms", duration_ms.map(Value::from)),
                ("count", count.map(Value::from)),
                ("delay_ms", delay_ms.map(Value::from)),
                ("events", events.map(Value::from)),
                ("retry_after", retry_after.map(Value::from)),
            ];
            if let Some(o) = spec.as_object_mut() {
                if on_channel {
                    o.insert("channel".into(), Value::from(channel));
                }
                for (k, v) in fields {
                    if let Some(v) = v {
                        o.insert(k.into(), v);
                    }
                }
            }
            ("/admin/faults".to_owned(), spec)
        }
        AdminCmd::Market {
            condition,
            yes,
            no,
            tick,
            min_size,
            neg_risk,
            fee_bps,
            fee_rate,
            fee_exponent,
            fee_makers,
        } => (
            "/admin/markets".to_owned(),
            json!({
                "condition_id": condition, "tokens": [yes, no], "tick_size": tick,
                "min_order_size": min_size, "neg_risk": neg_risk, "fee_rate_bps": fee_bps,
                "platform_fee": { "rate": fee_rate, "exponent": fee_exponent, "taker_only": !fee_makers },
            }),
        ),
        AdminCmd::Cutover => ("/admin/cutover".into(), json!({})),
        AdminCmd::Fund { address, amount } => (
            "/admin/fund".into(),
            json!({ "address": address, "amount": amount }),
        ),
        AdminCmd::Split {
            address,
            market,
            amount,
        } => (
            "/admin/split".into(),
            json!({ "address": address, "market": market, "amount": amount }),
        ),
        AdminCmd::TickSize { market, tick } => (
            "/admin/tick-size".into(),
            json!({ "market": market, "tick_size": tick }),
        ),
        AdminCmd::Close { market } => ("/admin/close".into(), json!({ "market": market })),
        AdminCmd::Resolve { market, winner } => (
            "/admin/resolve".into(),
            json!({ "market": market, "winner": winner }),
        ),
        AdminCmd::TradeStatus { id, status } => (
            format!("/admin/trades/{id}/status"),
            json!({ "status": status }),
        ),
    };
    let url = format!("{}{path}", host.trim_end_matches('/'));
    let mut req = reqwest::Client::new()
        .request(method, &url)
        .bearer_auth(token);
    if !body.is_null() {
        req = req.json(&body);
    }
    let resp = req.send().await.map_err(|e| CliError::Unreachable {
        host: host.to_owned(),
        reason: e.to_string(),
    })?;
    let status = resp.status();
    let v: Value = resp.json().await.map_err(|e| CliError::Json {
        context: format!("the answer of {url}"),
        reason: e.to_string(),
    })?;
    if status.is_success() {
        Ok(v)
    } else {
        Err(CliError::Admin {
            status: status.as_u16(),
            message: v
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("unknown error")
                .to_owned(),
        })
    }
}

/// The order protocols `serve` speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ProtocolArg {
    /// CLOB V1 (the original CTF Exchange).
    V1,
    /// CLOB V2.
    V2,
}

impl ProtocolArg {
    fn version(self) -> ProtocolVersion {
        match self {
            ProtocolArg::V1 => ProtocolVersion::V1,
            ProtocolArg::V2 => ProtocolVersion::V2,
        }
    }
}

/// The rate-limit presets `serve` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum RateLimitsArg {
    /// No limits (the default: a test bed, and load tests exceed the real limits).
    Off,
    /// Polymarket's documented CLOB limits.
    Polymarket,
}

async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Cmd::Demo { protocol } => demo::run(protocol.version()).await,
        Cmd::Trade(t) => trade::run(&cli.conn, t).await,
        Cmd::Watch { token, depth, ws } => {
            watch::watch(&cli.conn, ws.as_deref(), &token, depth).await
        }
        Cmd::Stream { ws, channel } => watch::stream(&cli.conn, ws.as_deref(), channel).await,
        Cmd::Record {
            tokens,
            out,
            for_secs,
            ws,
        } => watch::record(&cli.conn, ws.as_deref(), &tokens, &out, for_secs).await,
        Cmd::Serve {
            bind,
            port,
            data,
            history_dir,
            chain,
            no_fsync,
            timestamp_window,
            heartbeat_timeout,
            snapshot_every,
            protocol,
            seed,
            rate_limits,
            header_timeout,
            body_timeout,
            max_connections,
            simulate,
            replay,
            speed,
        } => {
            let speed: clobkit_core::Decimal = speed
                .parse()
                .map_err(|e| CliError::input("--speed", &speed, e))?;
            let replay = match &replay {
                Some(path) => {
                    let file = |reason: String| CliError::File {
                        path: path.clone(),
                        reason,
                    };
                    let text = std::fs::read_to_string(path).map_err(|e| file(e.to_string()))?;
                    Some(clobkit_sim::record::read(&text).map_err(|e| file(e.to_string()))?)
                }
                None => None,
            };
            let simulation = match &simulate {
                Some(path) => {
                    Some(
                        clobkit_sim::SimConfig::load(path).map_err(|e| CliError::File {
                            path: path.clone(),
                            reason: e.to_string(),
                        })?,
                    )
                }
                None => None,
            };
            let chain: Chain = chain
                .parse()
                .map_err(|e| CliError::input("--chain", &chain, e))?;
            let mut config = ServerConfig::new(data);
            config.history_dir = history_dir;
            config.chain = chain;
            config.fsync = !no_fsync;
            config.timestamp_window = timestamp_window;
            config.heartbeat_timeout = heartbeat_timeout;
            config.snapshot_every = snapshot_every.max(1);
            config.protocol = protocol.version();
            config.conn_limits.header_read = std::time::Duration::from_secs(header_timeout.max(1));
            config.conn_limits.body = std::time::Duration::from_secs(body_timeout.max(1));
            if let Some(n) = max_connections {
                config.conn_limits.max_connections = n.max(1);
            }
            if rate_limits == RateLimitsArg::Polymarket {
                config.rate_limits = clobkit_server::ratelimit::RateLimits::polymarket();
            }
            let data_dir = config.data_dir.clone();
            let seed = match seed {
                Some(path) => {
                    let file = |reason: String| CliError::File {
                        path: path.clone(),
                        reason,
                    };
                    let text = std::fs::read_to_string(&path).map_err(|e| file(e.to_string()))?;
                    Some(
                        clobkit_server::seed::Seed::parse(&text)
                            .map_err(|e| file(e.to_string()))?,
                    )
                }
                None => None,
            };
            let mut server = Server::bind(config, SocketAddr::new(bind, port))
                .await
                .map_err(|e| CliError::Exchange(e.to_string()))?;
            if let Some(seed) = &seed {
                server
                    .seed(seed)
                    .await
                    .map_err(|e| CliError::Exchange(e.to_string()))?;
            }
            println!(
                "clobkit exchange listening on http://{} (chain {chain})",
                server.addr
            );
            println!("admin token: {}", server.admin_token);
            if replay.is_none() && simulation.is_none() {
                return server
                    .run(shutdown_signal())
                    .await
                    .map_err(|e| CliError::Exchange(e.to_string()));
            }
            // the simulated agents and the replay's house run on threads of their own, below
            // the exchange's order path in CPU priority (`clobkit_server::priority`), and so
            // does the exchange's handling of their requests: they come in through a lane of
            // their own that those threads serve (`Server::open_lane`); they start as the
            // exchange serves (the lane is bound: their first connections wait in its
            // backlog), and the simulation stops before it does
            let agents = agents_runtime()?;
            let lane = server
                .open_lane(agents.handle().clone())
                .map_err(|e| CliError::Exchange(e.to_string()))?;
            let (base, token) = (format!("http://{lane}"), server.admin_token.clone());
            if let Some(lines) = replay {
                let (base, token) = (base.clone(), token.clone());
                agents.spawn(async move {
                    match clobkit_sim::replay::Replay::start(&base, &token, lines, speed).await {
                        Ok(r) => {
                            let report = r.finished().await;
                            println!("replay finished: {report:?}");
                        }
                        Err(e) => eprintln!("error: the replay did not start: {e}"),
                    }
                });
            }
            let started = simulation.map(|sim| {
                let state = server.state.clone();
                agents.spawn(async move {
                    let sim = clobkit_sim::Simulation::start(&base, &token, sim).await?;
                    // the dashboard's agents panel reads it through the exchange
                    state
                        .companions
                        .attach(std::sync::Arc::new(SimCompanion(sim.watch())));
                    Ok::<_, clobkit_sim::SimError>(sim)
                })
            });
            let shutdown = async move {
                shutdown_signal().await;
                let Some(started) = started else { return };
                match started.await {
                    Ok(Ok(sim)) => {
                        let summary = sim.stop().await;
                        println!("{}", summary.render());
                        let path = data_dir.join("simulation.json");
                        match serde_json::to_vec_pretty(&summary) {
                            Ok(bytes) => {
                                if let Err(e) = std::fs::write(&path, bytes) {
                                    eprintln!("error: cannot write {}: {e}", path.display());
                                }
                            }
                            Err(e) => eprintln!("error: the summary did not serialize: {e}"),
                        }
                    }
                    Ok(Err(e)) => eprintln!("error: the simulation did not start: {e}"),
                    Err(e) => eprintln!("error: the simulation stopped: {e}"),
                }
            };
            let served = server.run(shutdown).await;
            agents.shutdown_background();
            served.map_err(|e| CliError::Exchange(e.to_string()))
        }
        Cmd::Admin {
            token,
            data,
            action,
        } => {
            let token = match token {
                Some(t) => t,
                None => std::fs::read_to_string(data.join("admin-token"))
                    .map(|t| t.trim().to_owned())
                    .map_err(|e| CliError::File {
                        path: data.join("admin-token"),
                        reason: format!("no --token given, and the token file is unreadable: {e}"),
                    })?,
            };
            let v = admin(&cli.conn.host, &token, action).await?;
            println!("{v}");
            Ok(())
        }
    }
}

/// The runtime of the simulated agents and the replay's house: two worker threads below the
/// exchange's order path in CPU priority.
fn agents_runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("clobkit-agents")
        .on_thread_start(clobkit_server::priority::background)
        .enable_all()
        .build()
        .map_err(|e| CliError::Exchange(format!("cannot start the agents' threads: {e}")))
}

/// The running simulation as the exchange's dashboard sees it.
struct SimCompanion(clobkit_sim::Watch);

impl clobkit_server::companion::Companion for SimCompanion {
    fn name(&self) -> &str {
        "simulation"
    }

    fn report(&self) -> serde_json::Value {
        serde_json::to_value(self.0.status()).unwrap_or_default()
    }
}

/// Runs the command line `args` (the program name first, as `std::env::args_os` gives it) and
/// returns the process's exit code (0 success, 1 failure, 2 bad input): the `clobkit` binary,
/// and the `clobkit` command of the Python package (which runs it inside the interpreter), both
/// call this.
pub fn main_with<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are "errors" that print to stdout and succeed
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    clobkit_client::install_crypto_provider();
    // a second run in the same process (the Python package) keeps the first subscriber
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return 1;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}
