//! getOrder, getOpenOrders, getTrades, getTradesPaginated.
include!("common/mod.rs");

use clobkit_client::{OpenOrderParams, Pages, TradeParams};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = client().await?;
    let open = client
        .get_open_orders(
            &OpenOrderParams::default().asset_id(token()?),
            Pages::All,
            None,
        )
        .await?;
    println!("{} open order(s)", open.len());
    if let Some(o) = open.first() {
        let again = client.get_order(&o.id).await?;
        println!(
            "{} {} {} @ {} matched {}",
            again.id, again.side, again.original_size, again.price, again.size_matched
        );
    }
    let trades = client
        .get_trades(&TradeParams::default(), Pages::All, None)
        .await?;
    println!("{} trade(s)", trades.len());
    let page = client
        .get_trades_paginated(&TradeParams::default(), None)
        .await?;
    println!(
        "first page: {} trade(s), next cursor {}",
        page.count, page.next_cursor
    );
    Ok(())
}
