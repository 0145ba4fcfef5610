//! The official Rust SDK (`polymarket_client_sdk_v2` 0.9.0), unmodified, trading against a real
//! `clobkit serve`: only the host changes. The SDK learns the protocol from `/version` itself,
//! so the same session runs on a V2 exchange and, signing V1 orders, on a V1 one.
//!
//! Usage: `rust-sdk-v2-flow HOST VERSION TOKEN` where VERSION is what `/version` must answer and
//! TOKEN a market's first token, on which the maker (Hardhat #8) holds shares and the taker
//! (Hardhat #9) collateral. Prints `N passed, 0 failed`; exits 1 on the first failure.
//!
//! The SDK's WebSocket client (feature `ws`, the same code as `polymarket-client-sdk` 0.4.4's)
//! watches the session on the exchange's market and user channels ([`ws`]).

mod ws;

use std::process::ExitCode;
use std::str::FromStr as _;

use alloy::signers::Signer as _;
use alloy::signers::local::PrivateKeySigner;
use polymarket_client_sdk_v2::POLYGON;
use polymarket_client_sdk_v2::clob::types::request::{OrdersRequest, TradesRequest};
use polymarket_client_sdk_v2::clob::types::{OrderStatusType, Side};
use polymarket_client_sdk_v2::clob::{Client, Config};
use polymarket_client_sdk_v2::types::U256;
use rust_decimal::Decimal;

const MAKER: &str = "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97";
const TAKER: &str = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";

pub(crate) struct Checks(usize);

impl Checks {
    pub(crate) fn check(&mut self, ok: bool, what: impl std::fmt::Display) -> Result<(), String> {
        if ok {
            self.0 += 1;
            Ok(())
        } else {
            Err(format!("FAIL: {what}\n{} passed, 1 failed", self.0))
        }
    }
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
}

async fn run(host: &str, version: u32, token: U256) -> Result<usize, String> {
    let e = |what: &str| {
        let what = what.to_owned();
        move |err: polymarket_client_sdk_v2::error::Error| format!("FAIL: {what}: {err}")
    };
    let mut c = Checks(0);
    let signer = |key: &str| {
        PrivateKeySigner::from_str(key)
            .map(|s| s.with_chain_id(Some(POLYGON)))
            .map_err(|err| format!("FAIL: key: {err}"))
    };
    let (maker_key, taker_key) = (signer(MAKER)?, signer(TAKER)?);
    let client = |s: &PrivateKeySigner| {
        let s = s.clone();
        async move {
            Client::new(host, Config::default())
                .map_err(e("Client::new"))?
                .authentication_builder(&s)
                .authenticate()
                .await
                .map_err(e("authenticate (create or derive the API key over L1)"))
        }
    };
    let maker = client(&maker_key).await?;
    let taker = client(&taker_key).await?;
    c.check(
        maker.version().await.map_err(e("version"))? == version,
        format!("GET /version is {version}"),
    )?;
    let keys = maker.api_keys().await.map_err(e("api_keys"))?;
    c.check(
        !format!("{keys:?}").is_empty(),
        "api_keys lists the derived key",
    )?;

    let mut watch = ws::Watch::open(host, token, &maker, &taker)?;
    watch.snapshot(&mut c).await?;

    // a resting SELL, then a crossing BUY from the other wallet, filled at the maker's price
    let ask = maker
        .limit_order()
        .token_id(token)
        .price(dec("0.55"))
        .size(dec("20"))
        .side(Side::Sell)
        .build()
        .await
        .map_err(e("build the ask"))?;
    let ask = maker
        .sign(&maker_key, ask)
        .await
        .map_err(e("sign the ask"))?;
    let ask = maker.post_order(ask).await.map_err(e("post the ask"))?;
    c.check(
        ask.success && ask.status == OrderStatusType::Live,
        format!("the SDK's SELL rests: {ask:?}"),
    )?;
    let bid = taker
        .limit_order()
        .token_id(token)
        .price(dec("0.6"))
        .size(dec("10"))
        .side(Side::Buy)
        .build()
        .await
        .map_err(e("build the bid"))?;
    let bid = taker
        .sign(&taker_key, bid)
        .await
        .map_err(e("sign the bid"))?;
    let bid = taker.post_order(bid).await.map_err(e("post the bid"))?;
    c.check(
        bid.success && bid.status == OrderStatusType::Matched,
        format!("the SDK's BUY matches: {bid:?}"),
    )?;
    c.check(
        (bid.making_amount, bid.taking_amount) == (dec("5.5"), dec("10")),
        format!("at the maker's price: {bid:?}"),
    )?;
    watch.after_trade(&mut c).await?;

    // queries
    let o = maker.order(&ask.order_id).await.map_err(e("order"))?;
    c.check(
        o.size_matched == dec("10") && o.status == OrderStatusType::Live,
        format!("GET /data/order: {o:?}"),
    )?;
    let open = maker
        .orders(&OrdersRequest::default(), None)
        .await
        .map_err(e("orders"))?;
    c.check(open.data.len() == 1, format!("one open order: {open:?}"))?;
    let trades = taker
        .trades(&TradesRequest::default(), None)
        .await
        .map_err(e("trades"))?;
    c.check(
        trades.data.len() == 1,
        format!("the taker's trade: {trades:?}"),
    )?;

    // cancels: one order, then all
    let extra = maker
        .limit_order()
        .token_id(token)
        .price(dec("0.7"))
        .size(dec("5"))
        .side(Side::Sell)
        .build()
        .await
        .map_err(e("build a second ask"))?;
    let extra = maker.sign(&maker_key, extra).await.map_err(e("sign it"))?;
    let extra = maker.post_order(extra).await.map_err(e("post it"))?;
    let one = maker
        .cancel_order(&extra.order_id)
        .await
        .map_err(e("cancel_order"))?;
    c.check(
        one.canceled == vec![extra.order_id.clone()],
        format!("cancel one: {one:?}"),
    )?;
    let all = maker.cancel_all_orders().await.map_err(e("cancel_all"))?;
    c.check(
        all.canceled == vec![ask.order_id.clone()],
        format!("cancel all: {all:?}"),
    )?;
    Ok(c.0)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(host), Some(version), Some(token)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("usage: rust-sdk-v2-flow HOST VERSION TOKEN");
        return ExitCode::from(2);
    };
    let (Ok(version), Ok(token)) = (version.parse::<u32>(), U256::from_str(token)) else {
        eprintln!("VERSION must be 1 or 2 and TOKEN a decimal token id");
        return ExitCode::from(2);
    };
    match run(host, version, token).await {
        Ok(n) => {
            println!("{n} passed, 0 failed");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            println!("{msg}");
            ExitCode::FAILURE
        }
    }
}
