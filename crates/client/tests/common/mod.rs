//! A real exchange in-process on an ephemeral port, shared by the client's tests: funded
//! traders with API keys, admin calls, and a restart on the same port and data folder.

#![allow(dead_code)]

use std::net::SocketAddr;

use clobkit_client::ws::{MarketStream, StreamConfig, StreamItem, UserStream};
use clobkit_client::{ClobClient, L2};
use clobkit_core::Decimal;
use clobkit_core::signer::LocalSigner;
use clobkit_core::types::{ConditionId, SignatureType, TokenId};
use clobkit_server::app::ServerConfig;
use clobkit_server::serve::Server;
use serde_json::{Value, json};

/// Hardhat test keys #0, #1, #2.
pub const K: [&str; 3] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
];

pub fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}
pub fn tok(s: &str) -> TokenId {
    s.parse().unwrap()
}
pub fn cond(b: u8) -> ConditionId {
    format!("0x{}", format!("{b:02x}").repeat(32))
        .parse()
        .unwrap()
}

/// A running exchange.
pub struct Ex {
    pub base: String,
    pub token: String,
    pub addr: SocketAddr,
    dir: tempfile::TempDir,
    config: ServerConfig,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Ex {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

pub async fn exchange(heartbeat_timeout: u64) -> Ex {
    exchange_with(|c| c.heartbeat_timeout = heartbeat_timeout).await
}

pub async fn exchange_with(configure: impl FnOnce(&mut ServerConfig)) -> Ex {
    clobkit_client::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new(dir.path());
    // these flows sign V1 unless they ask for V2 (the exchange's default)
    config.protocol = clobkit_core::protocol::ProtocolVersion::V1;
    configure(&mut config);
    let mut ex = Ex {
        base: String::new(),
        token: String::new(),
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        dir,
        config,
        stop: None,
        done: None,
    };
    ex.launch().await;
    ex
}

impl Ex {
    async fn launch(&mut self) {
        let server = Server::bind(self.config.clone(), self.addr).await.unwrap();
        self.addr = server.addr;
        self.base = format!("http://{}", server.addr);
        self.token = server.admin_token.clone();
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        self.stop = Some(stop);
        self.done = Some(tokio::spawn(async move {
            let _ = server
                .run(async {
                    let _ = rx.await;
                })
                .await;
        }));
    }

    /// Stops the exchange (a clean shutdown) and serves the same folder on the same port again
    /// after `down`.
    pub async fn restart(&mut self, down: std::time::Duration) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(d) = self.done.take() {
            d.await.unwrap();
        }
        tokio::time::sleep(down).await;
        self.launch().await;
    }

    /// The data folder.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub async fn admin(&self, path: &str, body: Value) {
        let r = reqwest::Client::new()
            .post(format!("{}/admin/{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
    /// Arms a fault (`POST /admin/faults`); returns its id.
    pub async fn fault(&self, spec: Value) -> u64 {
        let r = reqwest::Client::new()
            .post(format!("{}/admin/faults", self.base))
            .bearer_auth(&self.token)
            .json(&spec)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{spec}");
        r.json::<Value>().await.unwrap()["id"].as_u64().unwrap()
    }
    /// Clears every fault.
    pub async fn clear_faults(&self) {
        let r = reqwest::Client::new()
            .delete(format!("{}/admin/faults", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    pub async fn market(&self, c: u8, yes: &str, no: &str, extra: Value) {
        let mut body = json!({ "condition_id": cond(c).to_string(), "tokens": [yes, no] });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        self.admin("markets", body).await;
    }
    pub async fn trader(&self, i: usize, ty: SignatureType) -> ClobClient<L2<LocalSigner>> {
        let signer = LocalSigner::from_hex(K[i]).unwrap();
        let l1 = ClobClient::builder(&self.base)
            .signature_type(ty)
            .build()
            .unwrap()
            .with_signer(signer)
            .unwrap();
        let creds = l1.create_or_derive_api_key(None).await.unwrap();
        let c = l1.with_credentials(creds).unwrap();
        self.admin(
            "fund",
            json!({ "address": c.funder().unwrap().to_string(), "amount": "1000" }),
        )
        .await;
        c
    }
}

/// Stream settings for tests: quick heartbeats and reconnections.
pub fn quick() -> StreamConfig {
    StreamConfig {
        heartbeat_interval: std::time::Duration::from_millis(100),
        heartbeat_timeout: std::time::Duration::from_millis(600),
        backoff_initial: std::time::Duration::from_millis(50),
        backoff_max: std::time::Duration::from_millis(300),
        ..StreamConfig::default()
    }
}

/// A stream the tests read items from.
pub trait Items {
    /// The next item.
    fn next_item(&mut self) -> impl std::future::Future<Output = Option<StreamItem>> + Send;
}

impl Items for MarketStream {
    fn next_item(&mut self) -> impl std::future::Future<Output = Option<StreamItem>> + Send {
        self.next()
    }
}

impl Items for UserStream {
    fn next_item(&mut self) -> impl std::future::Future<Output = Option<StreamItem>> + Send {
        self.next()
    }
}

/// Items until `pred` holds for one (returned last), within `wait` (panics otherwise).
pub async fn until(
    s: &mut impl Items,
    wait: std::time::Duration,
    mut pred: impl FnMut(&StreamItem) -> bool,
) -> Vec<StreamItem> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, s.next_item()).await {
            Ok(Some(item)) => {
                let done = pred(&item);
                seen.push(item);
                if done {
                    return seen;
                }
            }
            other => panic!("nothing matching within {wait:?} ({other:?}); saw {seen:#?}"),
        }
    }
}

/// Everything within `quiet` of silence.
pub async fn drain(s: &mut impl Items, quiet: std::time::Duration) -> Vec<StreamItem> {
    let mut out = Vec::new();
    while let Ok(Some(item)) = tokio::time::timeout(quiet, s.next_item()).await {
        out.push(item);
    }
    out
}

/// Asserts that the stream's kept books of `tokens` are fresh and equal the REST books.
pub async fn books_equal_rest(
    s: &MarketStream,
    rest: &ClobClient<clobkit_client::Public>,
    tokens: &[&str],
) {
    for t in tokens {
        let summary = rest.get_order_book(&tok(t)).await.unwrap();
        let mine = s.books().get(&tok(t)).unwrap();
        assert!(mine.fresh, "{t} is fresh");
        assert_eq!(mine.differences(&summary), Vec::<String>::new(), "{t}");
    }
}
