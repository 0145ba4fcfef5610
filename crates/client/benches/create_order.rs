//! The whole `create_order` path of the client with warm caches (protocol version, tick size,
//! neg-risk and fee rate looked up once from a real local exchange, then served from the caches),
//! for a V1 and a V2 order, against a bare secp256k1 sign of a 32-byte digest measured in the same
//! run.
//!
//! `cargo bench -p clobkit-client --bench create_order`

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::net::SocketAddr;

use clobkit_client::{ClobClient, CreateOrderOptions, OrderArgs};
use clobkit_core::B256;
use clobkit_core::chain::Chain;
use clobkit_core::protocol::ProtocolVersion;
use clobkit_core::signer::{LocalSigner, Signer};
use clobkit_core::types::{Side, TokenId};
use clobkit_server::app::ServerConfig;
use clobkit_server::serve::Server;
use criterion::{Criterion, criterion_group, criterion_main};

const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const COND: &str = "0x3333333333333333333333333333333333333333333333333333333333333333";

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    clobkit_client::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let (client, v2, _stop) = rt.block_on(async {
        let mut config = ServerConfig::new(dir.path());
        config.fsync = false;
        let server = Server::bind(config, SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let base = format!("http://{}", server.addr);
        let token = server.admin_token.clone();
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        let r = reqwest::Client::new()
            .post(format!("{base}/admin/markets"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "condition_id": COND, "tokens": ["7001", "7002"] }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let client = ClobClient::new(&base, Chain::Polygon)
            .unwrap()
            .with_signer(LocalSigner::from_hex(KEY).unwrap())
            .unwrap();
        let v2 = ClobClient::builder(&base)
            .protocol(ProtocolVersion::V2)
            .build()
            .unwrap()
            .with_signer(LocalSigner::from_hex(KEY).unwrap())
            .unwrap();
        (client, v2, stop)
    });
    let args = OrderArgs::new(
        TokenId::from(7001),
        "0.52".parse().unwrap(),
        "100".parse().unwrap(),
        Side::Buy,
    );
    // warm the caches: the only requests of the whole run
    rt.block_on(client.create_order(&args, CreateOrderOptions::default()))
        .unwrap();
    let warm = rt
        .block_on(v2.create_order(&args, CreateOrderOptions::default()))
        .unwrap();
    assert_eq!(warm.order().protocol(), ProtocolVersion::V2);

    let signer = LocalSigner::from_hex(KEY).unwrap();
    let digest = B256::repeat_byte(0x42);
    let mut g = c.benchmark_group("client");
    g.bench_function("bare_sign", |b| {
        b.iter(|| signer.sign_hash(black_box(&digest)).unwrap())
    });
    g.bench_function("create_order_warm", |b| {
        b.to_async(&rt).iter(|| async {
            client
                .create_order(black_box(&args), CreateOrderOptions::default())
                .await
                .unwrap()
        })
    });
    g.bench_function("create_order_warm_v2", |b| {
        b.to_async(&rt).iter(|| async {
            v2.create_order(black_box(&args), CreateOrderOptions::default())
                .await
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
