//! Operating the exchange: markets, funding, resolution. Loopback only, behind a bearer token.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use clobkit_core::B256;
use clobkit_core::amounts::to_base_units;
use clobkit_core::fees::{BuilderRates, PlatformFee};
use clobkit_core::protocol::ProtocolVersion;
use clobkit_core::types::parse_address;
use clobkit_core::types::{ConditionId, TickSize, TokenId};
use clobkit_core::wire::TradeStatus;
use clobkit_core::{Address, Decimal};
use clobkit_engine::{Builder, Command, MarketSpec, Stamped, TradeId};
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::error::ApiError;
use crate::exchange::Record;

#[derive(Clone)]
struct Admin {
    state: Arc<AppState>,
    token: Arc<str>,
}

/// The admin routes, protected by `token`.
pub fn router(state: Arc<AppState>, token: &str) -> Router {
    Router::new()
        .route("/admin/markets", post(apply::<NewMarket>))
        .route("/admin/fund", post(apply::<Fund>))
        .route("/admin/split", post(apply::<Split>))
        .route("/admin/tick-size", post(apply::<Tick>))
        .route("/admin/close", post(apply::<Close>))
        .route("/admin/resolve", post(apply::<Resolve>))
        .route("/admin/trades/{id}/status", post(trade_status))
        .route("/admin/deposit-wallets", post(apply::<DepositWallet>))
        .route("/admin/cutover", post(cutover))
        .route("/admin/builders", post(apply::<NewBuilder>))
        .route(
            "/admin/faults",
            axum::routing::get(list_faults)
                .post(arm_fault)
                .delete(clear_faults),
        )
        .route("/admin/faults/{id}", axum::routing::delete(clear_fault))
        .route("/admin/accounts", axum::routing::get(accounts))
        .route("/admin/companions", axum::routing::get(companions))
        .with_state(Admin {
            state,
            token: Arc::from(token),
        })
}

fn check(a: &Admin, peer: &SocketAddr, h: &HeaderMap) -> Result<(), ApiError> {
    if !peer.ip().is_loopback() {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "admin routes are loopback only",
        ));
    }
    let given = h
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let expected = a.token.as_bytes();
    let mut diff = u8::from(given.len() != expected.len());
    for (x, y) in given.as_bytes().iter().zip(expected) {
        diff |= x ^ y;
    }
    if diff != 0 {
        return Err(ApiError::unauthorized());
    }
    Ok(())
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("invalid admin payload: {e}")))
}

async fn run(a: &Admin, change: Change) -> Result<Response, ApiError> {
    a.state
        .submit(|now| change.record(now))
        .await?
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(Json(json!({ "ok": true })).into_response())
}

/// What an admin request changes: an engine command, or the exchange's own state.
enum Change {
    /// Markets, balances, trades.
    Engine(Command),
    /// The deposit-wallet registry.
    DepositWallet { wallet: Address, owner: Address },
}

impl Change {
    /// The journal record of the change at time `now`.
    fn record(self, now: u64) -> Record {
        match self {
            Change::Engine(command) => Record::Engine(Stamped { now, command }),
            Change::DepositWallet { wallet, owner } => {
                Record::RegisterDepositWallet { now, wallet, owner }
            }
        }
    }
}

fn usdc(text: &str) -> Result<u64, ApiError> {
    let d: Decimal = text.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "invalid amount {text:?}: expected a decimal number of USDC"
        ))
    })?;
    to_base_units(d, "amount").map_err(|e| ApiError::bad_request(e.to_string()))
}

/// A JSON admin body that becomes one change; every admin route but the trade-status one is
/// this trait plus [`apply`].
trait AdminRequest: for<'de> Deserialize<'de> {
    /// The change the request asks for, or why the request is invalid.
    fn into_change(self) -> Result<Change, ApiError>;
}

/// The requests that are one engine command each (their `into_command`).
macro_rules! engine_requests {
    ($($t:ty),*) => {$(
        impl AdminRequest for $t {
            fn into_change(self) -> Result<Change, ApiError> {
                self.into_command().map(Change::Engine)
            }
        }
    )*};
}

engine_requests!(NewMarket, Fund, Split, Tick, Close, Resolve, NewBuilder);

/// The handler behind every [`AdminRequest`]: authorize, parse, run.
async fn apply<T: AdminRequest>(
    State(a): State<Admin>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    h: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check(&a, &peer, &h)?;
    let request: T = parse(&body)?;
    run(&a, request.into_change()?).await
}

/// `POST /admin/markets`.
#[derive(Deserialize)]
struct NewMarket {
    condition_id: ConditionId,
    tokens: [TokenId; 2],
    #[serde(default = "yes_no")]
    outcomes: [String; 2],
    #[serde(default = "default_tick")]
    tick_size: TickSize,
    #[serde(default = "default_min")]
    min_order_size: String,
    #[serde(default)]
    neg_risk: bool,
    #[serde(default)]
    fee_rate_bps: u32,
    /// V2's platform fee (rate, exponent, taker only, cap); none by default.
    #[serde(default)]
    platform_fee: PlatformFee,
}

fn yes_no() -> [String; 2] {
    ["Yes".into(), "No".into()]
}
fn default_tick() -> TickSize {
    TickSize::Hundredth
}
fn default_min() -> String {
    "5".into()
}

impl NewMarket {
    fn into_command(self) -> Result<Command, ApiError> {
        Ok(Command::CreateMarket(Box::new(MarketSpec {
            condition_id: self.condition_id,
            tokens: self.tokens,
            outcomes: self.outcomes,
            tick_size: self.tick_size,
            min_order_size: usdc(&self.min_order_size)?,
            neg_risk: self.neg_risk,
            fee_rate_bps: self.fee_rate_bps,
            platform_fee: self.platform_fee,
        })))
    }
}

fn address(text: &str) -> Result<Address, ApiError> {
    parse_address(text).map_err(|e| ApiError::bad_request(e.to_string()))
}

/// `POST /admin/fund`: deposit USDC.
#[derive(Deserialize)]
struct Fund {
    address: String,
    amount: String,
}

impl Fund {
    fn into_command(self) -> Result<Command, ApiError> {
        Ok(Command::Deposit {
            account: address(&self.address)?,
            amount: usdc(&self.amount)?,
        })
    }
}

/// `POST /admin/split`: turn USDC into equal YES and NO.
#[derive(Deserialize)]
struct Split {
    address: String,
    market: ConditionId,
    amount: String,
}

impl Split {
    fn into_command(self) -> Result<Command, ApiError> {
        Ok(Command::Split {
            account: address(&self.address)?,
            market: self.market,
            amount: usdc(&self.amount)?,
        })
    }
}

/// `POST /admin/tick-size`.
#[derive(Deserialize)]
struct Tick {
    market: ConditionId,
    tick_size: TickSize,
}

impl Tick {
    fn into_command(self) -> Result<Command, ApiError> {
        Ok(Command::SetTickSize {
            market: self.market,
            tick_size: self.tick_size,
        })
    }
}

/// `POST /admin/close`: stop trading a market.
#[derive(Deserialize)]
struct Close {
    market: ConditionId,
}

impl Close {
    fn into_command(self) -> Result<Command, ApiError> {
        Ok(Command::CloseMarket {
            market: self.market,
        })
    }
}

/// `POST /admin/resolve`: settle a market on its winning token.
#[derive(Deserialize)]
struct Resolve {
    market: ConditionId,
    winner: TokenId,
}

impl Resolve {
    fn into_command(self) -> Result<Command, ApiError> {
        Ok(Command::ResolveMarket {
            market: self.market,
            winner: self.winner,
        })
    }
}

/// `POST /admin/builders`: registers a builder code (V2 attribution), the address its fees go to
/// and its rates (`builder_maker_fee_rate_bps`, `builder_taker_fee_rate_bps`, as
/// `/fees/builder-fees` answers them).
#[derive(Deserialize)]
struct NewBuilder {
    code: B256,
    address: String,
    #[serde(flatten)]
    rates: BuilderRates,
}

impl NewBuilder {
    fn into_command(self) -> Result<Command, ApiError> {
        Ok(Command::RegisterBuilder {
            code: self.code,
            builder: Builder {
                address: address(&self.address)?,
                rates: self.rates,
            },
        })
    }
}

#[derive(Deserialize)]
struct Status {
    status: TradeStatus,
}

async fn trade_status(
    State(a): State<Admin>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    h: HeaderMap,
    Path(id): Path<u64>,
    body: Bytes,
) -> Result<Response, ApiError> {
    check(&a, &peer, &h)?;
    let s: Status = parse(&body)?;
    run(
        &a,
        Change::Engine(Command::AdvanceTrade {
            trade: TradeId(id),
            status: s.status,
        }),
    )
    .await
}

/// `GET /admin/faults`: the faults armed now (see [`crate::faults`]).
/// `GET /admin/accounts`: every wallet's collateral, positions and open orders (the
/// dashboard's accounts panel), once all it shows is durable.
async fn accounts(
    State(a): State<Admin>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    check(&a, &peer, &h)?;
    Ok(Json(a.state.read(crate::views::accounts).await?).into_response())
}

/// `GET /admin/companions`: what the programs beside the exchange report (the simulator's
/// agents), `[]` when there are none.
async fn companions(
    State(a): State<Admin>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    check(&a, &peer, &h)?;
    Ok(Json(a.state.companions.reports()).into_response())
}

async fn list_faults(
    State(a): State<Admin>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    check(&a, &peer, &h)?;
    Ok(Json(a.state.faults.list()).into_response())
}

/// `POST /admin/faults` with a [`crate::faults::FaultSpec`]: arms a fault and answers it with
/// its id. The instant ones act at once on the open connections.
async fn arm_fault(
    State(a): State<Admin>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    h: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check(&a, &peer, &h)?;
    let spec: crate::faults::FaultSpec = parse(&body)?;
    let armed = a
        .state
        .faults
        .arm(spec.clone())
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    if spec.kind.instant() {
        a.state
            .streams()
            .control(crate::stream::hub::Control::Inject {
                kind: spec.kind,
                channel: spec.channel,
                copies: spec.events.unwrap_or(100),
            });
        a.state.faults.fired(armed.id);
    }
    Ok(Json(armed).into_response())
}

/// `DELETE /admin/faults`: clears every fault; answers how many.
async fn clear_faults(
    State(a): State<Admin>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    check(&a, &peer, &h)?;
    Ok(Json(json!({ "cleared": a.state.faults.clear(None) })).into_response())
}

/// `DELETE /admin/faults/{id}`: clears one fault (404 if it is not armed).
async fn clear_fault(
    State(a): State<Admin>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    h: HeaderMap,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    check(&a, &peer, &h)?;
    match a.state.faults.clear(Some(id)) {
        0 => Err(ApiError::not_found(format!("fault {id} is not armed"))),
        n => Ok(Json(json!({ "cleared": n })).into_response()),
    }
}

/// `POST /admin/cutover` (no body): a V1 exchange becomes V2, as production did on 2026-04-28.
/// Its resting V1 orders are cancelled (their owners can list them with
/// `GET /data/pre-migration-orders`), and from then on V1 orders get `order_version_mismatch`.
/// Answers how many orders were cancelled; refused on an exchange that speaks V2 already.
async fn cutover(
    State(a): State<Admin>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    check(&a, &peer, &h)?;
    let refused = |e: crate::exchange::ExchangeError| ApiError::bad_request(e.to_string());
    if a.state.read(|ex| ex.protocol()).await? == ProtocolVersion::V2 {
        return Err(refused(crate::exchange::ExchangeError::AlreadyV2));
    }
    let events = a
        .state
        .submit(|now| {
            Record::Engine(Stamped {
                now,
                command: Command::CutOver,
            })
        })
        .await?
        .map_err(refused)?;
    let cancelled = events
        .iter()
        .filter(|e| matches!(e, clobkit_engine::Event::OrderCancelled { .. }))
        .count();
    Ok(Json(json!({ "ok": true, "cancelled": cancelled })).into_response())
}

/// `POST /admin/deposit-wallets`: registers a V2 deposit wallet and the key that owns it, so
/// that the wallet's POLY_1271 orders can be checked (see `crate::intake`).
#[derive(Deserialize)]
struct DepositWallet {
    wallet: String,
    owner: String,
}

impl AdminRequest for DepositWallet {
    fn into_change(self) -> Result<Change, ApiError> {
        Ok(Change::DepositWallet {
            wallet: address(&self.wallet)?,
            owner: address(&self.owner)?,
        })
    }
}
