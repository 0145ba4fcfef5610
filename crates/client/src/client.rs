//! The client: construction, authentication levels, and every method.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clobkit_core::amounts::{limit_amounts, market_amounts, market_price};
use clobkit_core::auth::{ApiCredentials, L2Auth};
use clobkit_core::book::OrderBookSummary;
use clobkit_core::chain::{AmoyNegRisk, Chain, Contracts};
use clobkit_core::eip712::{ClobAuthDomain, ExchangeDomain};
use clobkit_core::order::{Order, PreparedOrder, SignedOrder};
use clobkit_core::signer::AsyncSigner;
use clobkit_core::types::{
    ConditionId, OrderId, OrderType, Side, SignatureType, TickSize, TokenId,
};
use clobkit_core::verify::expected_maker;
use clobkit_core::wallet::WalletFactories;
use clobkit_core::wire::{
    BalanceAllowance, CancelResponse, Cursor, LastTradePrice, Market, Notification, OpenOrder,
    OrderResponse, Page, PostOrder, SimplifiedMarket, Trade,
};
use clobkit_core::{Address, Decimal, U256};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::args::{
    BalanceAllowanceParams, CreateOrderOptions, MarketOrderArgs, OpenOrderParams, OrderArgs,
    PostOrdersArgs, TradeParams, TradesPage,
};
use crate::error::{ApiErrorKind, ClientError};
use crate::transport::{Auth, RetryPolicy, Transport, default_http};

/// Most orders in one `post_orders` (the exchange's limit, from `clobkit_core::wire`).
pub use clobkit_core::wire::MAX_BATCH;

/// No authentication: public market data only.
#[derive(Debug, Clone, Copy)]
pub struct Public;

/// A signer: L1 calls (API keys) and order signing.
#[derive(Debug)]
pub struct L1<S> {
    signer: Arc<S>,
}

impl<S> Clone for L1<S> {
    fn clone(&self) -> Self {
        L1 {
            signer: self.signer.clone(),
        }
    }
}

/// A signer and API credentials: every call.
#[derive(Debug)]
pub struct L2<S> {
    signer: Arc<S>,
    auth: L2Auth,
}

impl<S> Clone for L2<S> {
    fn clone(&self) -> Self {
        L2 {
            signer: self.signer.clone(),
            auth: self.auth.clone(),
        }
    }
}

/// Levels that hold a signer.
pub trait HasSigner {
    /// The signer type.
    type Signer: AsyncSigner;
    /// The signer.
    fn signer(&self) -> &Self::Signer;
}

impl<S: AsyncSigner> HasSigner for L1<S> {
    type Signer = S;
    fn signer(&self) -> &S {
        &self.signer
    }
}

impl<S: AsyncSigner> HasSigner for L2<S> {
    type Signer = S;
    fn signer(&self) -> &S {
        &self.signer
    }
}

/// The EIP-712 domains this client signs in, hashed once when it is built.
#[derive(Debug, Clone, Copy)]
struct Domains {
    /// Orders of normal markets.
    exchange: ExchangeDomain,
    /// Orders of neg-risk markets.
    neg_risk_exchange: ExchangeDomain,
    /// L1 `ClobAuth` attestations.
    clob_auth: ClobAuthDomain,
}

impl Domains {
    fn new(chain: Chain, contracts: &Contracts) -> Domains {
        Domains {
            exchange: ExchangeDomain::for_market(chain, contracts, false),
            neg_risk_exchange: ExchangeDomain::for_market(chain, contracts, true),
            clob_auth: ClobAuthDomain::new(chain.id()),
        }
    }
    /// The domain an order of a market with this flag is signed in.
    fn exchange_for(&self, neg_risk: bool) -> &ExchangeDomain {
        if neg_risk {
            &self.neg_risk_exchange
        } else {
            &self.exchange
        }
    }
}

#[derive(Debug)]
struct Inner {
    t: Transport,
    chain: Chain,
    contracts: Contracts,
    domains: Domains,
    signature_type: SignatureType,
    funder: Option<Address>,
    tick_ttl: Duration,
    ticks: Mutex<HashMap<TokenId, (TickSize, Instant)>>,
    neg_risk: Mutex<HashMap<TokenId, bool>>,
    fees: Mutex<HashMap<TokenId, u32>>,
}

/// A client of the CLOB v1 API. The type parameter is the authentication level
/// ([`Public`], [`L1`], [`L2`]): methods that need credentials exist only on `ClobClient<L2<_>>`,
/// so a call without them does not compile. Cloning is cheap and clones share the connection
/// pool and caches.
#[derive(Debug)]
pub struct ClobClient<A = Public> {
    inner: Arc<Inner>,
    level: A,
}

impl<A: Clone> Clone for ClobClient<A> {
    fn clone(&self) -> Self {
        ClobClient {
            inner: self.inner.clone(),
            level: self.level.clone(),
        }
    }
}

/// Configures a [`ClobClient`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    host: String,
    chain: Chain,
    signature_type: SignatureType,
    funder: Option<Address>,
    http: Option<reqwest::Client>,
    timeout: Duration,
    retry: RetryPolicy,
    tick_ttl: Duration,
    amoy_neg_risk: AmoyNegRisk,
}

impl ClientBuilder {
    /// The chain (default Polygon).
    pub fn chain(mut self, chain: Chain) -> Self {
        self.chain = chain;
        self
    }
    /// How orders relate signer and funder (default EOA).
    pub fn signature_type(mut self, t: SignatureType) -> Self {
        self.signature_type = t;
        self
    }
    /// The funder (default: the signer for EOA, its proxy wallet or Safe otherwise).
    pub fn funder(mut self, funder: Address) -> Self {
        self.funder = Some(funder);
        self
    }
    /// Use this HTTP client (its pool, proxy and TLS settings) instead of the default.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }
    /// Request timeout of the default HTTP client (default 10 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }
    /// Retries of idempotent GETs.
    pub fn retry(mut self, r: RetryPolicy) -> Self {
        self.retry = r;
        self
    }
    /// How long a looked-up tick size is trusted (default 300 s, as the official clients).
    pub fn tick_size_ttl(mut self, ttl: Duration) -> Self {
        self.tick_ttl = ttl;
        self
    }
    /// Which exchange neg-risk orders are signed for on Amoy (see [`AmoyNegRisk`]).
    pub fn amoy_neg_risk(mut self, choice: AmoyNegRisk) -> Self {
        self.amoy_neg_risk = choice;
        self
    }
    /// A client for public data.
    pub fn build(self) -> Result<ClobClient<Public>, ClientError> {
        let http = match self.http {
            Some(h) => h,
            None => default_http(self.timeout)?,
        };
        let host = self.host.trim_end_matches('/').to_owned();
        let contracts = self.chain.contracts_with(self.amoy_neg_risk);
        Ok(ClobClient {
            inner: Arc::new(Inner {
                t: Transport {
                    http,
                    host,
                    retry: self.retry,
                },
                chain: self.chain,
                contracts,
                domains: Domains::new(self.chain, &contracts),
                signature_type: self.signature_type,
                funder: self.funder,
                tick_ttl: self.tick_ttl,
                ticks: Mutex::new(HashMap::new()),
                neg_risk: Mutex::new(HashMap::new()),
                fees: Mutex::new(HashMap::new()),
            }),
            level: Public,
        })
    }
}

/// A request body as JSON bytes (serialized once; the L2 HMAC is computed over exactly these).
fn json_body(body: &impl serde::Serialize) -> Result<Vec<u8>, ClientError> {
    serde_json::to_vec(body).map_err(|e| ClientError::Encode(e.to_string()))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn random_salt() -> u64 {
    let mut b = [0u8; 8];
    // Below 2^53 so that every JSON reader (JavaScript included) keeps it exact.
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b) & ((1 << 53) - 1)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn query(pairs: &[(&str, Option<String>)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", encode(v))))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// The query of the per-token public calls: `?token_id=…`.
fn token_query(token: &TokenId) -> String {
    query(&[("token_id", Some(token.to_string()))])
}

/// The body of the batch public calls: `[{"token_id": …}, …]`.
fn token_list(tokens: &[TokenId]) -> Value {
    Value::Array(
        tokens
            .iter()
            .map(|t| json!({ "token_id": t.to_string() }))
            .collect(),
    )
}

/// The query of a public paged listing: just the cursor (the first page when `None`).
fn cursor_query(next_cursor: Option<&str>) -> String {
    query(&[(
        "next_cursor",
        Some(next_cursor.unwrap_or(Cursor::START).to_owned()),
    )])
}

/// Percent-encodes a query value (unreserved characters kept).
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl ClobClient<Public> {
    /// Starts configuring a client of the exchange at `host`.
    pub fn builder(host: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            host: host.into(),
            chain: Chain::Polygon,
            signature_type: SignatureType::Eoa,
            funder: None,
            http: None,
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            tick_ttl: Duration::from_secs(300),
            amoy_neg_risk: AmoyNegRisk::default(),
        }
    }

    /// A public client of `host` on `chain`, with the defaults.
    pub fn new(host: impl Into<String>, chain: Chain) -> Result<ClobClient<Public>, ClientError> {
        ClobClient::builder(host).chain(chain).build()
    }

    /// Adds a signer (L1). For proxy and Safe signature types the funder is derived from the
    /// signer (CREATE2) when not given, and a given funder that is not that wallet is refused.
    pub fn with_signer<S: AsyncSigner>(self, signer: S) -> Result<ClobClient<L1<S>>, ClientError> {
        let address = signer.signer_address();
        let factories = WalletFactories::of(self.inner.chain);
        let ty = self.inner.signature_type;
        let expected = expected_maker(ty, address, &factories)
            .map_err(|e| ClientError::Validation(e.to_string()))?;
        let mut inner = Arc::try_unwrap(self.inner).unwrap_or_else(|a| clone_inner(&a));
        match inner.funder {
            Some(f) if f != expected => {
                return Err(ClientError::Validation(format!(
                    "funder {f} is not the {ty} wallet of signer {address} (expected {expected})"
                )));
            }
            _ => inner.funder = Some(expected),
        }
        Ok(ClobClient {
            inner: Arc::new(inner),
            level: L1 {
                signer: Arc::new(signer),
            },
        })
    }
}

fn clone_inner(a: &Inner) -> Inner {
    Inner {
        t: a.t.clone(),
        chain: a.chain,
        contracts: a.contracts,
        domains: a.domains,
        signature_type: a.signature_type,
        funder: a.funder,
        tick_ttl: a.tick_ttl,
        ticks: Mutex::new(lock(&a.ticks).clone()),
        neg_risk: Mutex::new(lock(&a.neg_risk).clone()),
        fees: Mutex::new(lock(&a.fees).clone()),
    }
}

impl<S: AsyncSigner> ClobClient<L1<S>> {
    /// Adds API credentials (L2).
    pub fn with_credentials(self, creds: ApiCredentials) -> Result<ClobClient<L2<S>>, ClientError> {
        let auth = L2Auth::new(creds, self.level.signer.signer_address())?;
        Ok(ClobClient {
            inner: self.inner,
            level: L2 {
                signer: self.level.signer,
                auth,
            },
        })
    }
}

// ---------------------------------------------------------------- public data

impl<A> ClobClient<A> {
    async fn get<T: DeserializeOwned>(&self, path: &str, q: &str) -> Result<T, ClientError> {
        self.inner
            .t
            .call(Method::GET, path, q, b"", Auth::None)
            .await
    }

    async fn post_public<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &Value,
    ) -> Result<T, ClientError> {
        let bytes = json_body(body)?;
        self.inner
            .t
            .call(Method::POST, path, "", &bytes, Auth::None)
            .await
    }

    /// The host this client talks to.
    pub fn host(&self) -> &str {
        &self.inner.t.host
    }

    /// The chain orders are signed for.
    pub fn chain(&self) -> Chain {
        self.inner.chain
    }

    /// The funder orders spend from (after [`ClobClient::with_signer`]).
    pub fn funder(&self) -> Option<Address> {
        self.inner.funder
    }

    /// `GET /`: `"OK"` when the exchange is up.
    pub async fn get_ok(&self) -> Result<String, ClientError> {
        self.get("/", "").await
    }

    /// `GET /time`: the exchange's clock, unix seconds.
    pub async fn get_server_time(&self) -> Result<u64, ClientError> {
        self.get("/time", "").await
    }

    /// `GET /markets`: one page of markets.
    pub async fn get_markets(
        &self,
        next_cursor: Option<&str>,
    ) -> Result<Page<Market>, ClientError> {
        self.get("/markets", &cursor_query(next_cursor)).await
    }

    /// `GET /markets/{condition_id}`.
    pub async fn get_market(&self, condition_id: &ConditionId) -> Result<Market, ClientError> {
        self.get(&format!("/markets/{condition_id}"), "").await
    }

    /// `GET /simplified-markets`: one page.
    pub async fn get_simplified_markets(
        &self,
        next_cursor: Option<&str>,
    ) -> Result<Page<SimplifiedMarket>, ClientError> {
        self.get("/simplified-markets", &cursor_query(next_cursor))
            .await
    }

    /// `GET /book`: a token's book (also refreshes the cached tick size).
    pub async fn get_order_book(&self, token: &TokenId) -> Result<OrderBookSummary, ClientError> {
        let b: OrderBookSummary = self.get("/book", &token_query(token)).await?;
        lock(&self.inner.ticks).insert(*token, (b.tick_size, Instant::now()));
        Ok(b)
    }

    /// `POST /books`: several books.
    pub async fn get_order_books(
        &self,
        tokens: &[TokenId],
    ) -> Result<Vec<OrderBookSummary>, ClientError> {
        let body = token_list(tokens);
        self.post_public("/books", &body).await
    }

    /// `GET /price`: the best bid (BUY) or best ask (SELL).
    pub async fn get_price(&self, token: &TokenId, side: Side) -> Result<Decimal, ClientError> {
        let v: clobkit_core::wire::PriceResponse = self
            .get(
                "/price",
                &query(&[
                    ("token_id", Some(token.to_string())),
                    ("side", Some(side.to_string())),
                ]),
            )
            .await?;
        Ok(v.price)
    }

    /// `POST /prices`: prices of several (token, side) pairs, as `token → side → price`.
    pub async fn get_prices(
        &self,
        pairs: &[(TokenId, Side)],
    ) -> Result<HashMap<String, HashMap<String, Decimal>>, ClientError> {
        let body = json!(
            pairs
                .iter()
                .map(|(t, s)| json!({ "token_id": t.to_string(), "side": s.as_str() }))
                .collect::<Vec<_>>()
        );
        let v: HashMap<String, HashMap<String, String>> =
            self.post_public("/prices", &body).await?;
        decimals_2(v, "/prices")
    }

    /// `GET /midpoint`.
    pub async fn get_midpoint(&self, token: &TokenId) -> Result<Decimal, ClientError> {
        let v: clobkit_core::wire::MidpointResponse =
            self.get("/midpoint", &token_query(token)).await?;
        Ok(v.mid)
    }

    /// `POST /midpoints`: `token → midpoint`.
    pub async fn get_midpoints(
        &self,
        tokens: &[TokenId],
    ) -> Result<HashMap<String, Decimal>, ClientError> {
        let body = token_list(tokens);
        decimals_1(self.post_public("/midpoints", &body).await?, "/midpoints")
    }

    /// `GET /spread`.
    pub async fn get_spread(&self, token: &TokenId) -> Result<Decimal, ClientError> {
        let v: clobkit_core::wire::SpreadResponse =
            self.get("/spread", &token_query(token)).await?;
        Ok(v.spread)
    }

    /// `POST /spreads`: `token → spread`.
    pub async fn get_spreads(
        &self,
        tokens: &[TokenId],
    ) -> Result<HashMap<String, Decimal>, ClientError> {
        let body = token_list(tokens);
        decimals_1(self.post_public("/spreads", &body).await?, "/spreads")
    }

    /// `GET /last-trade-price`.
    pub async fn get_last_trade_price(
        &self,
        token: &TokenId,
    ) -> Result<LastTradePrice, ClientError> {
        self.get("/last-trade-price", &token_query(token)).await
    }

    /// `POST /last-trades-prices`.
    pub async fn get_last_trades_prices(
        &self,
        tokens: &[TokenId],
    ) -> Result<Vec<LastTradePrice>, ClientError> {
        let body = token_list(tokens);
        self.post_public("/last-trades-prices", &body).await
    }

    /// The market's tick size: cached for the TTL (and refreshed by every book read).
    pub async fn get_tick_size(&self, token: &TokenId) -> Result<TickSize, ClientError> {
        let cached = lock(&self.inner.ticks).get(token).copied();
        if let Some((t, _)) = cached.filter(|(_, at)| at.elapsed() < self.inner.tick_ttl) {
            return Ok(t);
        }
        let v: clobkit_core::wire::TickSizeResponse =
            self.get("/tick-size", &token_query(token)).await?;
        lock(&self.inner.ticks).insert(*token, (v.minimum_tick_size, Instant::now()));
        Ok(v.minimum_tick_size)
    }

    /// Forgets cached tick sizes (all, or one token's).
    pub fn clear_tick_size_cache(&self, token: Option<&TokenId>) {
        let mut t = lock(&self.inner.ticks);
        match token {
            Some(tok) => {
                t.remove(tok);
            }
            None => t.clear(),
        }
    }

    /// Whether the token's market is neg-risk (cached).
    pub async fn get_neg_risk(&self, token: &TokenId) -> Result<bool, ClientError> {
        if let Some(v) = lock(&self.inner.neg_risk).get(token) {
            return Ok(*v);
        }
        let v: clobkit_core::wire::NegRiskResponse =
            self.get("/neg-risk", &token_query(token)).await?;
        lock(&self.inner.neg_risk).insert(*token, v.neg_risk);
        Ok(v.neg_risk)
    }

    /// The market's fee rate in bps (cached).
    pub async fn get_fee_rate_bps(&self, token: &TokenId) -> Result<u32, ClientError> {
        if let Some(v) = lock(&self.inner.fees).get(token) {
            return Ok(*v);
        }
        let v: clobkit_core::wire::FeeRateResponse =
            self.get("/fee-rate", &token_query(token)).await?;
        let fee = u32::try_from(v.base_fee).map_err(|_| ClientError::Decode {
            path: "/fee-rate".into(),
            reason: "fee out of range".into(),
        })?;
        lock(&self.inner.fees).insert(*token, fee);
        Ok(fee)
    }

    /// The worst price a market order of `amount` must accept, walking the current book
    /// (BUY: asks, amount in USDC; SELL: bids, amount in shares). FOK fails when the book cannot
    /// fill it; FAK takes the worst level.
    pub async fn calculate_market_price(
        &self,
        token: &TokenId,
        side: Side,
        amount: Decimal,
        order_type: OrderType,
    ) -> Result<Decimal, ClientError> {
        let book = self.get_order_book(token).await?;
        let levels = match side {
            Side::Buy => &book.asks,
            Side::Sell => &book.bids,
        };
        Ok(market_price(side, levels, amount, order_type)?)
    }

    async fn resolve_options(
        &self,
        token: &TokenId,
        opts: CreateOrderOptions,
    ) -> Result<(TickSize, bool), ClientError> {
        let market_tick = self.get_tick_size(token).await?;
        let tick = match opts.tick_size {
            Some(t) if t.as_decimal() < market_tick.as_decimal() => {
                return Err(ClientError::Validation(format!(
                    "invalid tick size ({t}), minimum for the market is {market_tick}"
                )));
            }
            Some(t) => t,
            None => market_tick,
        };
        let neg_risk = match opts.neg_risk {
            Some(n) => n,
            None => self.get_neg_risk(token).await?,
        };
        Ok((tick, neg_risk))
    }

    async fn resolve_fee(&self, token: &TokenId, user: Option<u32>) -> Result<u32, ClientError> {
        let market = self.get_fee_rate_bps(token).await?;
        match user {
            Some(u) if market > 0 && u != market => Err(ClientError::Validation(format!(
                "invalid user provided fee rate: ({u}), fee rate for the market must be {market}"
            ))),
            _ => Ok(market),
        }
    }
}

fn decimals_1(
    v: HashMap<String, String>,
    path: &str,
) -> Result<HashMap<String, Decimal>, ClientError> {
    v.into_iter()
        .map(|(k, s)| {
            s.parse().map(|d| (k, d)).map_err(|_| ClientError::Decode {
                path: path.into(),
                reason: format!("not a decimal: {s}"),
            })
        })
        .collect()
}

fn decimals_2(
    v: HashMap<String, HashMap<String, String>>,
    path: &str,
) -> Result<HashMap<String, HashMap<String, Decimal>>, ClientError> {
    v.into_iter()
        .map(|(k, m)| decimals_1(m, path).map(|m| (k, m)))
        .collect()
}

// ---------------------------------------------------------------- L1: keys and signing

impl<A: HasSigner> ClobClient<A> {
    async fn l1(&self, nonce: u64) -> Result<Vec<(&'static str, String)>, ClientError> {
        let signer = self.level.signer();
        let domain = &self.inner.domains.clob_auth;
        let ts = now();
        let address = signer.signer_address();
        let digest = domain.digest(&clobkit_core::eip712::ClobAuth {
            address,
            timestamp: &ts.to_string(),
            nonce: U256::from(nonce),
        });
        let sig = signer.sign_hash_async(digest).await?;
        let h = clobkit_core::auth::L1Headers {
            address: address.to_checksum(None),
            signature: sig.to_string(),
            timestamp: ts.to_string(),
            nonce: nonce.to_string(),
        };
        Ok(h.iter().map(|(k, v)| (k, v.to_owned())).collect())
    }

    /// `POST /auth/api-key`: new credentials for `nonce` (default 0).
    pub async fn create_api_key(&self, nonce: Option<u64>) -> Result<ApiCredentials, ClientError> {
        let h = self.l1(nonce.unwrap_or(0)).await?;
        self.inner
            .t
            .call(Method::POST, "/auth/api-key", "", b"", Auth::L1(h))
            .await
    }

    /// `GET /auth/derive-api-key`: the existing credentials for `nonce`.
    pub async fn derive_api_key(&self, nonce: Option<u64>) -> Result<ApiCredentials, ClientError> {
        let h = self.l1(nonce.unwrap_or(0)).await?;
        self.inner
            .t
            .call(Method::GET, "/auth/derive-api-key", "", b"", Auth::L1(h))
            .await
    }

    /// Creates credentials, or derives them when they exist.
    pub async fn create_or_derive_api_key(
        &self,
        nonce: Option<u64>,
    ) -> Result<ApiCredentials, ClientError> {
        match self.create_api_key(nonce).await {
            Ok(c) => Ok(c),
            Err(ClientError::Api { status: 400, .. }) => self.derive_api_key(nonce).await,
            Err(e) => Err(e),
        }
    }

    /// Signs `order` in the cached domain of its market; the digest signed is the order id, kept
    /// with the signed order (nothing later hashes it again or recovers the signature).
    async fn sign(&self, order: Order, neg_risk: bool) -> Result<PreparedOrder, ClientError> {
        let signer = self.level.signer();
        order.check_signer(signer.signer_address())?;
        let id = self.inner.domains.exchange_for(neg_risk).order_id(&order);
        let signature = signer.sign_hash_async(id.0).await?;
        Ok(PreparedOrder::from_parts(
            SignedOrder { order, signature },
            id,
        ))
    }

    fn maker(&self) -> Address {
        self.inner
            .funder
            .unwrap_or_else(|| self.level.signer().signer_address())
    }

    /// Builds and signs a limit order (looking up tick size, neg-risk and fee rate when not
    /// given). Exact amounts: see `clobkit_core::amounts`.
    pub async fn create_order(
        &self,
        args: &OrderArgs,
        options: CreateOrderOptions,
    ) -> Result<PreparedOrder, ClientError> {
        let (tick, neg_risk) = self.resolve_options(&args.token_id, options).await?;
        let fee = self.resolve_fee(&args.token_id, args.fee_rate_bps).await?;
        let amounts = limit_amounts(args.side, args.price, args.size, tick)?;
        let order = Order::new(
            random_salt(),
            self.maker(),
            self.level.signer().signer_address(),
            args.token_id,
            amounts,
            self.inner.signature_type,
        )
        .with_fee_rate_bps(u64::from(fee))
        .with_nonce(U256::from(args.nonce))
        .with_expiration(args.expiration)
        .with_taker(args.taker);
        self.sign(order, neg_risk).await
    }

    /// Builds and signs a market order; without a price, walks the book for it.
    pub async fn create_market_order(
        &self,
        args: &MarketOrderArgs,
        options: CreateOrderOptions,
    ) -> Result<PreparedOrder, ClientError> {
        let (tick, neg_risk) = self.resolve_options(&args.token_id, options).await?;
        let fee = self.resolve_fee(&args.token_id, args.fee_rate_bps).await?;
        let price = match args.price {
            Some(p) => p,
            None => {
                self.calculate_market_price(&args.token_id, args.side, args.amount, args.order_type)
                    .await?
            }
        };
        let amounts = market_amounts(args.side, args.amount, price, tick)?;
        let order = Order::new(
            random_salt(),
            self.maker(),
            self.level.signer().signer_address(),
            args.token_id,
            amounts,
            self.inner.signature_type,
        )
        .with_fee_rate_bps(u64::from(fee))
        .with_nonce(U256::from(args.nonce))
        .with_taker(args.taker);
        self.sign(order, neg_risk).await
    }
}

// ---------------------------------------------------------------- L2: trading and queries

impl<S: AsyncSigner> ClobClient<L2<S>> {
    /// The credentials in use.
    pub fn credentials(&self) -> &ApiCredentials {
        self.level.auth.credentials()
    }

    async fn l2<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        q: &str,
        body: &[u8],
    ) -> Result<T, ClientError> {
        self.inner
            .t
            .call(method, path, q, body, Auth::L2(&self.level.auth))
            .await
    }

    async fn l2_unit(
        &self,
        method: Method,
        path: &str,
        q: &str,
        body: &[u8],
    ) -> Result<(), ClientError> {
        self.inner
            .t
            .call_raw(method, path, q, body, Auth::L2(&self.level.auth))
            .await
            .map(|_| ())
    }

    fn check_response(
        &self,
        token: &TokenId,
        r: OrderResponse,
    ) -> Result<OrderResponse, ClientError> {
        if r.success && r.error_msg.is_empty() {
            return Ok(r);
        }
        let kind = ApiErrorKind::from_message(200, &r.error_msg);
        if kind == ApiErrorKind::TickSize {
            self.clear_tick_size_cache(Some(token));
        }
        Err(ClientError::Rejected {
            message: r.error_msg,
            kind,
        })
    }

    fn map_post_error(&self, token: &TokenId, id: OrderId, e: ClientError) -> ClientError {
        match e {
            // sent, but the outcome is unknown: never retried
            ClientError::Transport(reason) => ClientError::Ambiguous {
                order_id: id,
                reason,
            },
            ClientError::Api {
                kind: ApiErrorKind::TickSize,
                ..
            } => {
                self.clear_tick_size_cache(Some(token));
                e
            }
            other => other,
        }
    }

    /// `POST /order` with type `order_type` (GTC by default in the official clients).
    pub async fn post_order(
        &self,
        order: PreparedOrder,
        order_type: OrderType,
    ) -> Result<OrderResponse, ClientError> {
        self.post_order_with(order, order_type, false).await
    }

    /// `POST /order`, optionally post-only (GTC/GTD only).
    pub async fn post_order_with(
        &self,
        order: PreparedOrder,
        order_type: OrderType,
        post_only: bool,
    ) -> Result<OrderResponse, ClientError> {
        if post_only && !order_type.rests() {
            return Err(ClientError::Validation(
                "post_only orders can only be of type GTC or GTD".into(),
            ));
        }
        let token = order.order().token_id;
        let id = order.id();
        let body = PostOrder {
            order: order.into_signed(),
            owner: self.credentials().api_key.clone(),
            order_type,
            post_only,
            defer_exec: None,
        };
        let bytes = json_body(&body)?;
        let r: OrderResponse = self
            .l2(Method::POST, "/order", "", &bytes)
            .await
            .map_err(|e| self.map_post_error(&token, id, e))?;
        self.check_response(&token, r)
    }

    /// `POST /orders`: up to 15 orders; each answer is checked separately.
    pub async fn post_orders(
        &self,
        orders: Vec<PostOrdersArgs>,
    ) -> Result<Vec<Result<OrderResponse, ClientError>>, ClientError> {
        if orders.len() > MAX_BATCH {
            return Err(ClientError::Validation(format!(
                "Too many orders in payload: {}, max allowed: {MAX_BATCH}",
                orders.len()
            )));
        }
        if let Some(bad) = orders.iter().find(|o| o.post_only && !o.order_type.rests()) {
            return Err(ClientError::Validation(format!(
                "post_only orders can only be of type GTC or GTD ({})",
                bad.order_type
            )));
        }
        let tokens: Vec<TokenId> = orders.iter().map(|o| o.order.order().token_id).collect();
        let order_ids: Vec<OrderId> = orders.iter().map(|o| o.order.id()).collect();
        let body: Vec<PostOrder> = orders
            .into_iter()
            .map(|o| PostOrder {
                order: o.order.into_signed(),
                owner: self.credentials().api_key.clone(),
                order_type: o.order_type,
                post_only: o.post_only,
                defer_exec: None,
            })
            .collect();
        let bytes = json_body(&body)?;
        let rs: Vec<OrderResponse> =
            self.l2(Method::POST, "/orders", "", &bytes)
                .await
                .map_err(|e| match e {
                    ClientError::Transport(reason) => {
                        ClientError::AmbiguousBatch { order_ids, reason }
                    }
                    other => other,
                })?;
        Ok(rs
            .into_iter()
            .zip(tokens)
            .map(|(r, t)| self.check_response(&t, r))
            .collect())
    }

    /// Creates, signs and posts a limit order (GTC unless `order_type` is GTD).
    pub async fn create_and_post_order(
        &self,
        args: &OrderArgs,
        options: CreateOrderOptions,
        order_type: OrderType,
    ) -> Result<OrderResponse, ClientError> {
        if !order_type.rests() {
            return Err(ClientError::Validation(format!(
                "create_and_post_order takes GTC or GTD, not {order_type}"
            )));
        }
        let o = self.create_order(args, options).await?;
        self.post_order(o, order_type).await
    }

    /// Creates, signs and posts a market order (FOK unless FAK).
    pub async fn create_and_post_market_order(
        &self,
        args: &MarketOrderArgs,
        options: CreateOrderOptions,
    ) -> Result<OrderResponse, ClientError> {
        if args.order_type.rests() {
            return Err(ClientError::Validation(format!(
                "market orders are FOK or FAK, not {}",
                args.order_type
            )));
        }
        let o = self.create_market_order(args, options).await?;
        self.post_order(o, args.order_type).await
    }

    /// `DELETE /order`.
    pub async fn cancel_order(&self, id: &OrderId) -> Result<CancelResponse, ClientError> {
        let body = json_body(&json!({ "orderID": id.to_string() }))?;
        self.l2(Method::DELETE, "/order", "", &body).await
    }

    /// `DELETE /orders`.
    pub async fn cancel_orders(&self, ids: &[OrderId]) -> Result<CancelResponse, ClientError> {
        let list: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let body = json_body(&list)?;
        self.l2(Method::DELETE, "/orders", "", &body).await
    }

    /// `DELETE /cancel-all`.
    pub async fn cancel_all(&self) -> Result<CancelResponse, ClientError> {
        self.l2(Method::DELETE, "/cancel-all", "", b"").await
    }

    /// `DELETE /cancel-market-orders`: in a market and/or of a token.
    pub async fn cancel_market_orders(
        &self,
        market: Option<&ConditionId>,
        asset_id: Option<&TokenId>,
    ) -> Result<CancelResponse, ClientError> {
        if market.is_none() && asset_id.is_none() {
            return Err(ClientError::Validation("cancel_market_orders needs a market or an asset_id (cancel_all cancels everything)".into()));
        }
        let mut m = serde_json::Map::new();
        if let Some(c) = market {
            m.insert("market".into(), c.to_string().into());
        }
        if let Some(t) = asset_id {
            m.insert("asset_id".into(), t.to_string().into());
        }
        let body = json_body(&m)?;
        self.l2(Method::DELETE, "/cancel-market-orders", "", &body)
            .await
    }

    /// `GET /data/order/{id}`.
    pub async fn get_order(&self, id: &OrderId) -> Result<OpenOrder, ClientError> {
        self.l2(Method::GET, &format!("/data/order/{id}"), "", b"")
            .await
    }

    /// `GET /data/orders`: open orders, following cursors to the end unless `only_first_page`.
    pub async fn get_open_orders(
        &self,
        params: &OpenOrderParams,
        only_first_page: bool,
        next_cursor: Option<&str>,
    ) -> Result<Vec<OpenOrder>, ClientError> {
        let q = |cursor: &str| {
            query(&[
                ("market", params.market.map(|m| m.to_string())),
                ("asset_id", params.asset_id.map(|a| a.to_string())),
                ("id", params.id.map(|i| i.to_string())),
                ("next_cursor", Some(cursor.to_owned())),
            ])
        };
        self.collect_pages("/data/orders", q, only_first_page, next_cursor)
            .await
    }

    /// Follows `next_cursor` from `next_cursor` (or the start) to the end marker, or stops after
    /// one page, gathering every page's rows; `q` builds the query string for a cursor.
    async fn collect_pages<T: DeserializeOwned>(
        &self,
        path: &str,
        q: impl Fn(&str) -> String,
        only_first_page: bool,
        next_cursor: Option<&str>,
    ) -> Result<Vec<T>, ClientError> {
        let mut cursor = next_cursor.unwrap_or(Cursor::START).to_owned();
        let mut out = Vec::new();
        while cursor != Cursor::END {
            let page: Page<T> = self.l2(Method::GET, path, &q(&cursor), b"").await?;
            out.extend(page.data);
            cursor = page.next_cursor.0;
            if only_first_page {
                break;
            }
        }
        Ok(out)
    }

    fn trade_query(params: &TradeParams, cursor: &str) -> String {
        query(&[
            ("market", params.market.map(|m| m.to_string())),
            ("asset_id", params.asset_id.map(|a| a.to_string())),
            ("after", params.after.map(|a| a.to_string())),
            ("before", params.before.map(|b| b.to_string())),
            (
                "maker_address",
                params.maker_address.map(|a| a.to_checksum(None)),
            ),
            ("id", params.id.clone()),
            ("next_cursor", Some(cursor.to_owned())),
        ])
    }

    /// `GET /data/trades`: trades, following cursors to the end unless `only_first_page`.
    pub async fn get_trades(
        &self,
        params: &TradeParams,
        only_first_page: bool,
        next_cursor: Option<&str>,
    ) -> Result<Vec<Trade>, ClientError> {
        let q = |cursor: &str| Self::trade_query(params, cursor);
        self.collect_pages("/data/trades", q, only_first_page, next_cursor)
            .await
    }

    /// One page of trades with its cursor.
    pub async fn get_trades_paginated(
        &self,
        params: &TradeParams,
        next_cursor: Option<&str>,
    ) -> Result<TradesPage, ClientError> {
        let cursor = next_cursor.unwrap_or(Cursor::START);
        let page: Page<Trade> = self
            .l2(
                Method::GET,
                "/data/trades",
                &Self::trade_query(params, cursor),
                b"",
            )
            .await?;
        Ok(TradesPage {
            trades: page.data,
            next_cursor: page.next_cursor.0,
            limit: page.limit,
            count: page.count,
        })
    }

    fn balance_query(&self, p: &BalanceAllowanceParams) -> String {
        let ty = p.signature_type.unwrap_or(self.inner.signature_type);
        query(&[
            ("asset_type", Some(p.asset_type.as_str().to_owned())),
            ("token_id", p.token_id.map(|t| t.to_string())),
            ("signature_type", Some(ty.as_u8().to_string())),
        ])
    }

    /// `GET /balance-allowance`.
    pub async fn get_balance_allowance(
        &self,
        params: &BalanceAllowanceParams,
    ) -> Result<BalanceAllowance, ClientError> {
        if params.asset_type == clobkit_core::types::AssetType::Conditional
            && params.token_id.is_none()
        {
            return Err(ClientError::Validation(
                "a CONDITIONAL balance needs a token_id".into(),
            ));
        }
        self.l2(
            Method::GET,
            "/balance-allowance",
            &self.balance_query(params),
            b"",
        )
        .await
    }

    /// `GET /balance-allowance/update`: asks the exchange to refresh its view of the chain.
    pub async fn update_balance_allowance(
        &self,
        params: &BalanceAllowanceParams,
    ) -> Result<(), ClientError> {
        self.l2_unit(
            Method::GET,
            "/balance-allowance/update",
            &self.balance_query(params),
            b"",
        )
        .await
    }

    /// `GET /auth/api-keys`: the wallet's API keys.
    pub async fn get_api_keys(&self) -> Result<Vec<String>, ClientError> {
        let v: clobkit_core::wire::ApiKeysResponse =
            self.l2(Method::GET, "/auth/api-keys", "", b"").await?;
        Ok(v.api_keys)
    }

    /// `DELETE /auth/api-key`: deletes the key in use.
    pub async fn delete_api_key(&self) -> Result<(), ClientError> {
        self.l2_unit(Method::DELETE, "/auth/api-key", "", b"").await
    }

    /// `GET /auth/ban-status/closed-only`.
    pub async fn get_closed_only_mode(&self) -> Result<bool, ClientError> {
        let v: clobkit_core::wire::BanStatus = self
            .l2(Method::GET, "/auth/ban-status/closed-only", "", b"")
            .await?;
        Ok(v.closed_only)
    }

    /// `GET /notifications`.
    pub async fn get_notifications(&self) -> Result<Vec<Notification>, ClientError> {
        let q = query(&[(
            "signature_type",
            Some(self.inner.signature_type.as_u8().to_string()),
        )]);
        self.l2(Method::GET, "/notifications", &q, b"").await
    }

    /// `DELETE /notifications?ids=…`.
    pub async fn drop_notifications(&self, ids: &[u64]) -> Result<(), ClientError> {
        let list: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let q = query(&[("ids", Some(list.join(",")))]);
        self.l2_unit(Method::DELETE, "/notifications", &q, b"")
            .await
    }

    /// `POST /v1/heartbeats`: `None` starts a chain; then send the id it returned. Once started,
    /// silence longer than the exchange's timeout cancels every open order.
    pub async fn post_heartbeat(&self, heartbeat_id: Option<&str>) -> Result<String, ClientError> {
        let body = json_body(&clobkit_core::wire::HeartbeatRequest {
            heartbeat_id: heartbeat_id.map(str::to_owned),
        })?;
        let v: clobkit_core::wire::HeartbeatResponse =
            self.l2(Method::POST, "/v1/heartbeats", "", &body).await?;
        Ok(v.heartbeat_id)
    }

    /// `GET /order-scoring`.
    pub async fn is_order_scoring(&self, id: &OrderId) -> Result<bool, ClientError> {
        let v: clobkit_core::wire::OrderScoring = self
            .l2(
                Method::GET,
                "/order-scoring",
                &query(&[("order_id", Some(id.to_string()))]),
                b"",
            )
            .await?;
        Ok(v.scoring)
    }

    /// `POST /orders-scoring`: `order id → scoring`.
    pub async fn are_orders_scoring(
        &self,
        ids: &[OrderId],
    ) -> Result<HashMap<String, bool>, ClientError> {
        let list: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let body = json_body(&list)?;
        self.l2(Method::POST, "/orders-scoring", "", &body).await
    }
}

/// Keeps a heartbeat chain alive in the background (every `every`), until dropped.
#[derive(Debug)]
pub struct Heartbeat {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl<S: AsyncSigner + 'static> ClobClient<L2<S>> {
    /// Starts sending heartbeats every `every` (the official examples use 5 s) in a task that
    /// lives as long as the returned guard. Errors are logged and the chain restarted.
    pub fn start_heartbeats(&self, every: Duration) -> Heartbeat {
        let client = self.clone();
        let task = tokio::spawn(async move {
            let mut last: Option<String> = None;
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                match client.post_heartbeat(last.as_deref()).await {
                    Ok(id) => last = Some(id),
                    Err(e) => {
                        tracing::warn!(error = %e, "heartbeat failed; restarting the chain");
                        last = None;
                    }
                }
            }
        });
        Heartbeat { task }
    }
}
