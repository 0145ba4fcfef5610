//! `clobkit demo`: a complete trading session against an embedded exchange, through the Rust
//! client, using every method of the official clients' L2 interface.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use clobkit_client::{
    BalanceAllowanceParams, ClobClient, CreateOrderOptions, L2, MarketOrderArgs, OpenOrderParams,
    OrderArgs, Pages, PostOrdersArgs, TradeParams,
};
use clobkit_core::book::OrderBookSummary;
use clobkit_core::chain::Chain;
use clobkit_core::protocol::ProtocolVersion;
use clobkit_core::signer::LocalSigner;
use clobkit_core::types::{ConditionId, OrderId, OrderType, Side, SignatureType, TokenId};
use clobkit_core::wire::OrderResponse;
use clobkit_core::{Address, Decimal};
use clobkit_engine::{Command, MarketSpec, ONE};
use clobkit_server::app::ServerConfig;
use clobkit_server::serve::Server;

use crate::error::CliError;

/// Public test keys (Hardhat/Anvil accounts #0 and #1): never hold real funds.
const MAKER_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const TAKER_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

type Client = ClobClient<L2<LocalSigner>>;

/// The demo's error for a failed step.
fn e<E: std::fmt::Display>(step: &'static str) -> impl FnOnce(E) -> CliError {
    move |err| CliError::Demo {
        step,
        reason: err.to_string(),
    }
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

fn section(title: &str) {
    println!("\n== {title}");
}

fn print_book(b: &OrderBookSummary) {
    println!(
        "   {:>8} {:>10} | {:<10} {:<8}",
        "bid size", "bid", "ask", "ask size"
    );
    let bids: Vec<_> = b.bids.iter().rev().collect();
    let asks: Vec<_> = b.asks.iter().rev().collect();
    for i in 0..bids.len().max(asks.len()) {
        let (bs, bp) = bids.get(i).map_or((String::new(), String::new()), |l| {
            (l.size.to_string(), l.price.to_string())
        });
        let (ap, az) = asks.get(i).map_or((String::new(), String::new()), |l| {
            (l.price.to_string(), l.size.to_string())
        });
        println!("   {bs:>8} {bp:>10} | {ap:<10} {az:<8}");
    }
    println!("   (hash {} checks: {})", &b.hash[..12], b.hash_is_valid());
}

fn print_fill(what: &str, r: &OrderResponse) {
    let amount = |a: &Option<Decimal>| a.map_or("-".to_string(), |d| d.to_string());
    println!(
        "   {what}: {} — gave {}, got {}, {} trade(s)",
        r.status.as_ref().map_or("?", |s| s.as_str()),
        amount(&r.making_amount),
        amount(&r.taking_amount),
        r.trade_ids.len()
    );
}

async fn balances(label: &str, c: &Client, yes: &TokenId, no: &TokenId) -> Result<(), CliError> {
    let coll = c
        .get_balance_allowance(&BalanceAllowanceParams::collateral())
        .await
        .map_err(e("balance"))?;
    let y = c
        .get_balance_allowance(&BalanceAllowanceParams::conditional(*yes))
        .await
        .map_err(e("balance"))?;
    let n = c
        .get_balance_allowance(&BalanceAllowanceParams::conditional(*no))
        .await
        .map_err(e("balance"))?;
    let units = |d: Decimal| d / Decimal::from(ONE);
    println!(
        "   {label:<6} USDC {:>10}  YES {:>8}  NO {:>8}",
        units(coll.balance).normalize(),
        units(y.balance).normalize(),
        units(n.balance).normalize()
    );
    Ok(())
}

/// Runs the demo on an embedded exchange speaking `protocol` (the client finds out which by
/// itself, from `/version`).
pub async fn run(protocol: ProtocolVersion) -> Result<(), CliError> {
    let started = Instant::now();
    let dir = tempfile::tempdir().map_err(e("temporary folder"))?;
    let mut config = ServerConfig::new(dir.path());
    config.protocol = protocol;
    let server = Server::bind(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .map_err(e("exchange"))?;
    let host = format!("http://{}", server.addr);
    let state = server.state.clone();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(server.run(async {
        let _ = rx.await;
    }));
    section(&format!(
        "embedded {protocol} exchange at {host} (data in {}, journaled and fsynced)",
        dir.path().display()
    ));

    // operator: a market and two funded traders
    let market: ConditionId = "0xde00000000000000000000000000000000000000000000000000000000000001"
        .parse()
        .map_err(e("market"))?;
    let (yes, no): (TokenId, TokenId) = (TokenId::from(1001), TokenId::from(1002));
    let admin = |c: Command| {
        let state = state.clone();
        async move {
            state
                .engine(c)
                .await
                .map_err(|x| e("operator command")(x.message))?
                .map_err(e("operator command"))
                .map(|_| ())
        }
    };
    admin(Command::CreateMarket(Box::new(MarketSpec::yes_no(
        market, yes, no,
    ))))
    .await?;

    let l1 = |key: &str, ty: SignatureType| -> Result<_, CliError> {
        let signer = LocalSigner::from_hex(key).map_err(e("key"))?;
        ClobClient::builder(&host)
            .chain(Chain::Polygon)
            .signature_type(ty)
            .build()
            .map_err(e("client"))?
            .with_signer(signer)
            .map_err(e("signer"))
    };
    let maker_l1 = l1(MAKER_KEY, SignatureType::Eoa)?;
    let taker_l1 = l1(TAKER_KEY, SignatureType::PolyGnosisSafe)?;
    let maker_funder = maker_l1.funder().unwrap_or(Address::ZERO);
    let taker_funder = taker_l1.funder().unwrap_or(Address::ZERO);
    admin(Command::Deposit {
        account: maker_funder,
        amount: 1000 * ONE,
    })
    .await?;
    admin(Command::Split {
        account: maker_funder,
        market,
        amount: 500 * ONE,
    })
    .await?;
    admin(Command::Deposit {
        account: taker_funder,
        amount: 1000 * ONE,
    })
    .await?;
    println!("   market {market} (YES {yes}, NO {no}, tick 0.01, minimum 5 shares)");
    println!("   maker  {maker_funder} (EOA): 1000 USDC, 500 USDC split into YES+NO");
    println!("   taker  {taker_funder} (the Safe of its signer, derived by CREATE2): 1000 USDC");

    section("keys (L1): create_or_derive_api_key, get_api_keys");
    let maker = maker_l1
        .clone()
        .with_credentials(
            maker_l1
                .create_or_derive_api_key(None)
                .await
                .map_err(e("maker key"))?,
        )
        .map_err(e("credentials"))?;
    let taker = taker_l1
        .clone()
        .with_credentials(
            taker_l1
                .create_or_derive_api_key(None)
                .await
                .map_err(e("taker key"))?,
        )
        .map_err(e("credentials"))?;
    println!(
        "   maker key {} — keys of the wallet: {:?}",
        maker.credentials().api_key,
        maker.get_api_keys().await.map_err(e("keys"))?
    );
    println!(
        "   derive_api_key gives the same key: {}",
        maker_l1
            .derive_api_key(None)
            .await
            .map_err(e("derive"))?
            .api_key
            == maker.credentials().api_key
    );

    section("public data");
    println!(
        "   ok={} time={} markets={} tick={} neg_risk={} fee={} bps",
        maker.get_ok().await.map_err(e("ok"))?,
        maker.get_server_time().await.map_err(e("time"))?,
        maker
            .get_markets(None)
            .await
            .map_err(e("markets"))?
            .data
            .len(),
        maker.get_tick_size(&yes).await.map_err(e("tick"))?,
        maker.get_neg_risk(&yes).await.map_err(e("neg risk"))?,
        maker.get_fee_rate_bps(&yes).await.map_err(e("fee"))?
    );

    let o = CreateOrderOptions::default();
    section("maker quotes: post_orders (a ladder of 5 asks), create_and_post_order (2 bids)");
    let mut ladder = Vec::new();
    for i in 0..5 {
        let order = maker
            .create_order(
                &OrderArgs::new(yes, Decimal::new(52 + i, 2), dec("20"), Side::Sell),
                o,
            )
            .await
            .map_err(e("create_order"))?;
        ladder.push(PostOrdersArgs::new(order, OrderType::Gtc).post_only());
    }
    let posted = maker.post_orders(ladder).await.map_err(e("post_orders"))?;
    println!(
        "   {} asks resting (post-only)",
        posted.iter().filter(|r| r.is_ok()).count()
    );
    let bid1 = maker
        .create_and_post_order(
            &OrderArgs::new(yes, dec("0.45"), dec("30"), Side::Buy),
            o,
            OrderType::Gtc,
        )
        .await
        .map_err(e("bid"))?;
    maker
        .create_and_post_order(
            &OrderArgs::new(yes, dec("0.44"), dec("30"), Side::Buy),
            o,
            OrderType::Gtc,
        )
        .await
        .map_err(e("bid"))?;
    print_book(&maker.get_order_book(&yes).await.map_err(e("book"))?);

    section("taker trades");
    let r = taker
        .create_and_post_order(
            &OrderArgs::new(yes, dec("0.54"), dec("30"), Side::Buy),
            o,
            OrderType::Gtc,
        )
        .await
        .map_err(e("limit buy"))?;
    print_fill(
        "limit BUY 30 @ 0.54 (fills at 0.52 then 0.53: pays less)",
        &r,
    );
    let r = taker
        .create_and_post_market_order(&MarketOrderArgs::new(yes, dec("10"), Side::Buy), o)
        .await
        .map_err(e("market buy"))?;
    print_fill("market BUY $10 (FOK, priced by walking the book)", &r);
    let mut fak = MarketOrderArgs::new(yes, dec("8"), Side::Sell);
    fak.order_type = OrderType::Fak;
    let signed = taker
        .create_market_order(&fak, o)
        .await
        .map_err(e("create_market_order"))?;
    let r = taker
        .post_order(signed, OrderType::Fak)
        .await
        .map_err(e("FAK sell"))?;
    print_fill(
        "market SELL 8 shares (FAK, via create_market_order + post_order)",
        &r,
    );
    let r = taker
        .create_and_post_order(
            &OrderArgs::new(no, dec("0.40"), dec("10"), Side::Buy),
            o,
            OrderType::Gtc,
        )
        .await
        .map_err(e("buy NO"))?;
    print_fill(
        "BUY 10 NO @ 0.40 (rests: the YES bid at 0.45 would need 0.55)",
        &r,
    );
    print_book(&maker.get_order_book(&yes).await.map_err(e("book"))?);
    println!(
        "   mid {} spread {} last {}",
        maker.get_midpoint(&yes).await.map_err(e("mid"))?,
        maker.get_spread(&yes).await.map_err(e("spread"))?,
        maker
            .get_last_trade_price(&yes)
            .await
            .map_err(e("last"))?
            .price
    );

    section("queries: get_open_orders, get_order, get_trades, get_trades_paginated");
    let open = maker
        .get_open_orders(&OpenOrderParams::default(), Pages::All, None)
        .await
        .map_err(e("open orders"))?;
    for oo in &open {
        println!(
            "   maker {:<4} {:>5} @ {:<5} matched {:>3}  {}",
            oo.side.as_str(),
            oo.original_size.to_string(),
            oo.price.to_string(),
            oo.size_matched.to_string(),
            oo.status
        );
    }
    let one = maker
        .get_order(&bid1.order_id.parse::<OrderId>().map_err(e("id"))?)
        .await
        .map_err(e("get_order"))?;
    println!(
        "   get_order {}…: {} {} @ {}",
        &one.id.to_string()[..10],
        one.side,
        one.original_size,
        one.price
    );
    let trades = taker
        .get_trades(&TradeParams::default(), Pages::All, None)
        .await
        .map_err(e("trades"))?;
    for t in &trades {
        println!(
            "   trade {} {} {} @ {} ({})",
            &t.id[28..],
            t.side,
            t.size,
            t.price,
            t.trader_side
        );
    }
    let page = maker
        .get_trades_paginated(&TradeParams::default(), None)
        .await
        .map_err(e("trades page"))?;
    println!(
        "   maker sees {} trade(s) in one page, next cursor {}",
        page.count, page.next_cursor
    );

    section("balances: get_balance_allowance, update_balance_allowance");
    maker
        .update_balance_allowance(&BalanceAllowanceParams::collateral())
        .await
        .map_err(e("update"))?;
    balances("maker", &maker, &yes, &no).await?;
    balances("taker", &taker, &yes, &no).await?;

    section("cancels: cancel_order, cancel_orders, cancel_market_orders, cancel_all");
    let ids: Vec<OrderId> = open.iter().map(|o| o.id).collect();
    if let Some(first) = ids.first() {
        println!(
            "   cancel_order: {} cancelled",
            maker
                .cancel_order(first)
                .await
                .map_err(e("cancel"))?
                .canceled
                .len()
        );
    }
    if ids.len() > 2 {
        println!(
            "   cancel_orders: {} cancelled",
            maker
                .cancel_orders(&ids[1..3])
                .await
                .map_err(e("cancel many"))?
                .canceled
                .len()
        );
    }
    println!(
        "   cancel_market_orders(YES): {} cancelled",
        maker
            .cancel_market_orders(None, Some(&yes))
            .await
            .map_err(e("cancel market"))?
            .canceled
            .len()
    );
    println!(
        "   cancel_all (taker): {} cancelled",
        taker
            .cancel_all()
            .await
            .map_err(e("cancel all"))?
            .canceled
            .len()
    );

    section("notifications: get_notifications, drop_notifications");
    let notes = maker
        .get_notifications()
        .await
        .map_err(e("notifications"))?;
    let fills = notes.iter().filter(|n| n.kind == 2).count();
    let cancels = notes.iter().filter(|n| n.kind == 1).count();
    println!(
        "   maker has {} notification(s): {fills} fill(s), {cancels} cancellation(s)",
        notes.len()
    );
    let ids: Vec<u64> = notes.iter().map(|n| n.id).collect();
    maker.drop_notifications(&ids).await.map_err(e("drop"))?;
    println!(
        "   dropped; {} left",
        maker
            .get_notifications()
            .await
            .map_err(e("notifications"))?
            .len()
    );

    section("heartbeat and key removal: post_heartbeat, delete_api_key");
    let hb = taker.post_heartbeat(None).await.map_err(e("heartbeat"))?;
    println!("   heartbeat chain started: {hb}");
    taker.delete_api_key().await.map_err(e("delete key"))?;
    println!(
        "   taker key deleted; the next call is refused: {}",
        taker.get_api_keys().await.is_err()
    );

    section("summary");
    balances("maker", &maker, &yes, &no).await?;
    println!(
        "   {} trades, every L2 method of the official clients called, in {:.1} s",
        trades.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = stop.send(());
    handle
        .await
        .map_err(e("exchange"))?
        .map_err(e("exchange"))?;
    tokio::time::sleep(Duration::from_millis(1)).await;
    Ok(())
}
