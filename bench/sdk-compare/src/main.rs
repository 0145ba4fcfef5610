//! Order build + sign, side by side: clobkit-core against the official Rust SDK
//! (`polymarket-client-sdk` 0.4.4), same inputs, same process, interleaved samples.
//!
//! Both build a limit BUY of 100 shares at 0.50 on a 0.01-tick market (tick size, neg-risk and
//! fee rate pre-cached in the SDK client, so neither side does any I/O), hash it in the Polygon
//! CTF Exchange domain and sign it with the Hardhat #0 key. Both produce the same signature for
//! the same salt, which is checked before timing.

use std::hint::black_box;
use std::str::FromStr as _;
use std::time::Instant;

use clobkit_core::amounts::limit_amounts;
use clobkit_core::chain::Chain;
use clobkit_core::eip712::ExchangeDomain;
use clobkit_core::order::Order;
use clobkit_core::signer::{LocalSigner as CkSigner, Signer as _};
use clobkit_core::types::{Side as CkSide, SignatureType, TickSize as CkTick, TokenId};
use polymarket_client_sdk::auth::{Credentials, LocalSigner, Signer as _, Uuid};
use polymarket_client_sdk::clob::types::{Side, TickSize};
use polymarket_client_sdk::clob::{Client, Config};
use polymarket_client_sdk::types::{Decimal, U256};

const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const TOKEN: &str = "71321045679252212594626385532706912750332728571942532289631379312455583992563";

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let token = U256::from_str(TOKEN)?;
    let signer = LocalSigner::from_str(KEY)?.with_chain_id(Some(137));
    let creds = Credentials::new(Uuid::nil(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(), "a".repeat(64));
    let client = rt.block_on(async {
        Client::new("http://127.0.0.1:9", Config::default())?
            .authentication_builder(&signer)
            .credentials(creds)
            .authenticate()
            .await
    })?;
    client.set_tick_size(token, TickSize::Hundredth);
    client.set_neg_risk(token, false);
    client.set_fee_rate_bps(token, 0);
    let price = Decimal::new(50, 2);
    let size = Decimal::ONE_HUNDRED;

    let ck = CkSigner::from_hex(KEY)?;
    let domain = ExchangeDomain::for_market(Chain::Polygon, &Chain::Polygon.contracts(), false);
    let ck_token: TokenId = TOKEN.parse()?;

    let sdk_once = || {
        rt.block_on(async {
            let o = client.limit_order().token_id(token).price(price).size(size).side(Side::Buy).build().await?;
            client.sign(&signer, o).await
        })
    };
    let ck_once = |salt: u64| -> Result<_, Box<dyn std::error::Error>> {
        let a = limit_amounts(CkSide::Buy, price, size, CkTick::Hundredth)?;
        Ok(Order::new(salt, ck.address(), ck.address(), ck_token, a, SignatureType::Eoa).sign(&domain, &ck)?)
    };

    // Same order, same signature.
    let theirs = sdk_once()?;
    let salt = u64::try_from(theirs.order.salt)?;
    let ours = ck_once(salt)?;
    assert_eq!(ours.signature.to_string(), theirs.signature.to_string(), "both sides must sign the same bytes");
    println!("check: same signature for salt {salt}");

    let (samples, per) = (41, 200);
    let (mut t_sdk, mut t_ck) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        black_box(sdk_once()?);
        black_box(ck_once(salt)?);
    }
    for _ in 0..samples {
        let t = Instant::now();
        for _ in 0..per {
            black_box(sdk_once()?);
        }
        t_sdk.push(t.elapsed().as_secs_f64() * 1e6 / per as f64);
        let t = Instant::now();
        for i in 0..per {
            black_box(ck_once(salt + i)?);
        }
        t_ck.push(t.elapsed().as_secs_f64() * 1e6 / per as f64);
    }
    let (a, b) = (median(t_sdk), median(t_ck));
    println!("polymarket-client-sdk 0.4.4  order build+sign  median {a:.2} us");
    println!("clobkit-core                 order build+sign  median {b:.2} us");
    println!("ratio (sdk / clobkit): {:.2}x", a / b);
    Ok(())
}
