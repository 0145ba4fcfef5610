//! V2 order build + sign, side by side: clobkit-core against the official Rust SDK
//! (`polymarket_client_sdk_v2` 0.9.0), same inputs, same process, interleaved samples.
//!
//! Both build a V2 limit BUY of 100 shares at 0.50 on a 0.01-tick market, hash it in the
//! Polygon V2 exchange domain and sign it with the Hardhat #0 key. The SDK asks `/version` once
//! (HOST, a local V2 `clobkit serve`), after which its tick-size, neg-risk and version caches are
//! warm and neither side does any I/O. Both produce the same signature for the same salt and
//! timestamp, which is checked before timing.
//!
//! Usage: `sign-bench HOST` (bench/sdk-compare-v2.sh starts the exchange and runs it).

use std::hint::black_box;
use std::str::FromStr as _;
use std::time::Instant;

use alloy::signers::Signer as _;
use alloy::signers::local::PrivateKeySigner;
use clobkit_core::amounts::limit_amounts;
use clobkit_core::chain::Chain;
use clobkit_core::eip712::ExchangeDomain;
use clobkit_core::order::Order;
use clobkit_core::protocol::ProtocolVersion;
use clobkit_core::signer::{LocalSigner as CkSigner, Signer as _};
use clobkit_core::types::{Side as CkSide, SignatureType, TickSize as CkTick, TokenId};
use polymarket_client_sdk_v2::auth::{Credentials, Uuid};
use polymarket_client_sdk_v2::clob::types::{OrderPayload, Side, TickSize};
use polymarket_client_sdk_v2::clob::{Client, Config};
use polymarket_client_sdk_v2::types::U256;
use rust_decimal::Decimal;

const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const TOKEN: &str = "71321045679252212594626385532706912750332728571942532289631379312455583992563";

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let host = std::env::args().nth(1).ok_or("usage: sign-bench HOST")?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let token = U256::from_str(TOKEN)?;
    let signer = PrivateKeySigner::from_str(KEY)?.with_chain_id(Some(137));
    let creds = Credentials::new(
        Uuid::nil(),
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
        "a".repeat(64),
    );
    let client = rt.block_on(async {
        Client::new(&host, Config::default())?
            .authentication_builder(&signer)
            .credentials(creds)
            .authenticate()
            .await
    })?;
    client.set_tick_size(token, TickSize::Hundredth);
    client.set_neg_risk(token, false);
    let version = rt.block_on(client.version())?;
    if version != 2 {
        return Err(format!("{host} speaks V{version}; start a V2 exchange").into());
    }
    let price = Decimal::new(50, 2);
    let size = Decimal::ONE_HUNDRED;

    let ck = CkSigner::from_hex(KEY)?;
    let domain = ExchangeDomain::for_market(
        Chain::Polygon,
        &Chain::Polygon.contracts_for(ProtocolVersion::V2),
        false,
    );
    let ck_token: TokenId = TOKEN.parse()?;

    let sdk_once = || {
        rt.block_on(async {
            let o = client
                .limit_order()
                .token_id(token)
                .price(price)
                .size(size)
                .side(Side::Buy)
                .build()
                .await?;
            client.sign(&signer, o).await
        })
    };
    let ck_once = |salt: u64, ts: u64| -> Result<_, Box<dyn std::error::Error>> {
        let a = limit_amounts(CkSide::Buy, price, size, CkTick::Hundredth)?;
        let o = Order::new_v2(
            salt,
            ck.address(),
            ck.address(),
            ck_token,
            a,
            SignatureType::Eoa,
            ts,
        );
        Ok(o.sign(&domain, &ck)?)
    };

    // Same order, same signature.
    let theirs = sdk_once()?;
    let OrderPayload::V2(p) = &theirs.payload else {
        return Err("the SDK did not build a V2 order".into());
    };
    let salt = u64::try_from(p.order.salt)?;
    let ts = u64::try_from(p.order.timestamp)?;
    let ours = ck_once(salt, ts)?;
    if ours.signature.to_string() != theirs.signature.to_string() {
        return Err("both sides must sign the same bytes".into());
    }
    println!("check: same V2 signature for salt {salt}, timestamp {ts}");

    let (samples, per) = (41u32, 200u32);
    let (mut t_sdk, mut t_ck) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        black_box(sdk_once()?);
        black_box(ck_once(salt, ts)?);
    }
    for _ in 0..samples {
        let t = Instant::now();
        for _ in 0..per {
            black_box(sdk_once()?);
        }
        t_sdk.push(t.elapsed().as_secs_f64() * 1e6 / f64::from(per));
        let t = Instant::now();
        for i in 0..per {
            black_box(ck_once(salt + u64::from(i), ts)?);
        }
        t_ck.push(t.elapsed().as_secs_f64() * 1e6 / f64::from(per));
    }
    let (a, b) = (median(t_sdk), median(t_ck));
    println!("polymarket_client_sdk_v2 0.9.0  V2 order build+sign  median {a:.2} us");
    println!("clobkit-core                    V2 order build+sign  median {b:.2} us");
    println!("ratio (sdk / clobkit): {:.2}x", a / b);
    Ok(())
}
