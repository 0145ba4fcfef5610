//! Builds, signs and serializes a limit order exactly as the official clients would post it,
//! with its L2 headers, and verifies it the way the exchange does. No network.
//!
//! `cargo run --release -p clobkit-core --example sign_order -- [PRICE] [SIZE] [BUY|SELL]`
//! Environment: `PRIVATE_KEY` (default: the public Hardhat #0 test key).

use std::process::ExitCode;

use clobkit_core::amounts::limit_amounts;
use clobkit_core::auth::{ApiCredentials, L2Auth};
use clobkit_core::chain::Chain;
use clobkit_core::eip712::ExchangeDomain;
use clobkit_core::order::Order;
use clobkit_core::signer::{LocalSigner, Signer};
use clobkit_core::types::{ApiKey, OrderType, Side, SignatureType, TickSize, TokenId};
use clobkit_core::verify::verify_order;
use clobkit_core::wallet::WalletFactories;
use clobkit_core::wire::PostOrder;

const TEST_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const TOKEN: &str = "71321045679252212594626385532706912750332728571942532289631379312455583992563";

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let price = args.first().map_or("0.5", String::as_str).parse()?;
    let size = args.get(1).map_or("100", String::as_str).parse()?;
    let side: Side = args.get(2).map_or("BUY", String::as_str).parse()?;
    let key = std::env::var("PRIVATE_KEY").unwrap_or_else(|_| TEST_KEY.to_owned());
    let signer = LocalSigner::from_hex(&key)?;

    let amounts = limit_amounts(side, price, size, TickSize::Hundredth)?;
    let token: TokenId = TOKEN.parse()?;
    let domain = ExchangeDomain::for_market(Chain::Polygon, &Chain::Polygon.contracts(), false);
    let signed = Order::new(
        1234567890,
        signer.address(),
        signer.address(),
        token,
        amounts,
        SignatureType::Eoa,
    )
    .sign(&domain, &signer)?;
    let id = verify_order(&signed, &domain, &WalletFactories::of(Chain::Polygon))?.id;

    let creds = ApiCredentials {
        api_key: ApiKey::new("00000000-0000-0000-0000-000000000000")?,
        secret: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
        passphrase: "a".repeat(64),
    };
    let body = PostOrder {
        order: signed,
        owner: creds.api_key.clone(),
        order_type: OrderType::Gtc,
        post_only: false,
        defer_exec: None,
    };
    let bytes = serde_json::to_vec(&body)?;
    let auth = L2Auth::new(creds, signer.address())?;

    println!(
        "{side} {size} @ {price} (tick 0.01): makerAmount {} takerAmount {}",
        amounts.maker, amounts.taker
    );
    println!("order id  {id}");
    println!("POST /order");
    for (name, value) in auth.headers(1700000000, "POST", "/order", &bytes).iter() {
        println!("{name}: {value}");
    }
    println!();
    println!("{}", String::from_utf8(bytes)?);
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
