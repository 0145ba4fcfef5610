//! Hot paths of the protocol, each next to the baseline it is judged against:
//!
//! * `order/build_hash_sign` (V1) and `order/build_hash_sign_v2` against `order/bare_sign` (a
//!   secp256k1 sign of a 32-byte digest): everything around the signature should be nearly free.
//! * `auth/l2_headers` against `auth/bare_hmac_sha256` (keying + HMAC of the same message).
//! * `auth/clob_auth_sign`, `verify/order_recover`, `auth/hmac_verify` for the exchange side.
//!
//! Run: `cargo bench -p clobkit-core --bench core`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;

use clobkit_core::amounts::limit_amounts;
use clobkit_core::auth::{ApiCredentials, L2Auth, l1_headers};
use clobkit_core::chain::Chain;
use clobkit_core::eip712::{ClobAuthDomain, ExchangeDomain};
use clobkit_core::order::Order;
use clobkit_core::protocol::ProtocolVersion;
use clobkit_core::signer::{LocalSigner, Signer};
use clobkit_core::types::{ApiKey, Side, SignatureType, TickSize, TokenId};
use clobkit_core::verify::verify_order;
use clobkit_core::wallet::WalletFactories;
use clobkit_core::{B256, Decimal, U256};
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const TOKEN: &str = "71321045679252212594626385532706912750332728571942532289631379312455583992563";
const SECRET: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

fn order_benches(c: &mut Criterion) {
    let signer = LocalSigner::from_hex(KEY).unwrap();
    let domain = ExchangeDomain::for_market(Chain::Polygon, &Chain::Polygon.contracts(), false);
    let token: TokenId = TOKEN.parse().unwrap();
    let digest = B256::repeat_byte(0x42);
    let price = Decimal::new(50, 2);
    let size = Decimal::from(100);
    let mut g = c.benchmark_group("order");
    g.bench_function("bare_sign", |b| {
        b.iter(|| signer.sign_hash(black_box(&digest)).unwrap())
    });
    // the same order in each version (V2: vector A of the official V2 clients), in its domain
    for (name, version) in [
        ("build_hash_sign", ProtocolVersion::V1),
        ("build_hash_sign_v2", ProtocolVersion::V2),
    ] {
        let domain = ExchangeDomain::for_market(
            Chain::Polygon,
            &Chain::Polygon.contracts_for(version),
            false,
        );
        let mut salt = 0u64;
        g.bench_function(name, |b| {
            b.iter(|| {
                salt += 1;
                let a = limit_amounts(
                    Side::Buy,
                    black_box(price),
                    black_box(size),
                    TickSize::Hundredth,
                )
                .unwrap();
                let (maker, ty) = (signer.address(), SignatureType::Eoa);
                let order = match version {
                    ProtocolVersion::V1 => Order::new(salt, maker, maker, token, a, ty),
                    _ => Order::new_v2(salt, maker, maker, token, a, ty, 1_700_000_000_000),
                };
                order.sign(&domain, &signer).unwrap()
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("verify");
    let a = limit_amounts(Side::Buy, price, size, TickSize::Hundredth).unwrap();
    let signed = Order::new(
        7,
        signer.address(),
        signer.address(),
        token,
        a,
        SignatureType::Eoa,
    )
    .sign(&domain, &signer)
    .unwrap();
    let factories = WalletFactories::of(Chain::Polygon);
    g.bench_function("order_recover", |b| {
        b.iter(|| verify_order(black_box(&signed), &domain, &factories).unwrap())
    });
    g.finish();
}

fn auth_benches(c: &mut Criterion) {
    let signer = LocalSigner::from_hex(KEY).unwrap();
    let creds = ApiCredentials {
        api_key: ApiKey::new("00000000-0000-0000-0000-000000000000").unwrap(),
        secret: SECRET.into(),
        passphrase: "a".repeat(64),
    };
    let auth = L2Auth::new(creds, signer.address()).unwrap();
    let body = br#"{"order":{"salt":1234567890,"maker":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","signer":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","taker":"0x0000000000000000000000000000000000000000","tokenId":"71321045679252212594626385532706912750332728571942532289631379312455583992563","makerAmount":"50000000","takerAmount":"100000000","expiration":"0","nonce":"0","feeRateBps":"0","side":"BUY","signatureType":0,"signature":"0xbba9a905384fd5f81c7e128fec7dfdf05078fde7e116c00005ac01a4174fd2da36b0f62b250c8e2503f74aab1b2341cebc70c298147005ae583dcd3039f076d81c"},"owner":"00000000-0000-0000-0000-000000000000","orderType":"GTC","postOnly":false}"#;
    let mut message = b"1700000000POST/order".to_vec();
    message.extend_from_slice(body);
    let key = [0u8; 32];
    let mut g = c.benchmark_group("auth");
    g.bench_function("bare_hmac_sha256", |b| {
        b.iter(|| {
            let mut m = Hmac::<Sha256>::new_from_slice(black_box(&key)).unwrap();
            m.update(black_box(&message));
            m.finalize().into_bytes()
        })
    });
    g.bench_function("l2_headers", |b| {
        b.iter(|| auth.headers(black_box(1700000000), "POST", "/order", black_box(body)))
    });
    let sig = auth.signature("1700000000", "POST", "/order", body);
    g.bench_function("hmac_verify", |b| {
        b.iter(|| {
            auth.verify(
                "1700000000",
                "POST",
                "/order",
                black_box(body),
                black_box(&sig),
            )
            .unwrap()
        })
    });
    let domain = ClobAuthDomain::new(137);
    g.bench_function("clob_auth_sign", |b| {
        b.iter(|| l1_headers(&signer, &domain, black_box(1700000000), U256::ZERO).unwrap())
    });
    g.finish();
}

criterion_group!(benches, order_benches, auth_benches);
criterion_main!(benches);
