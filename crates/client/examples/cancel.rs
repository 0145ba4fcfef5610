//! cancelOrder, cancelOrders, cancelMarketOrders, cancelAll.
include!("common/mod.rs");

use clobkit_client::{OpenOrderParams, Pages};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = client().await?;
    let open = client
        .get_open_orders(&OpenOrderParams::default(), Pages::All, None)
        .await?;
    let ids: Vec<_> = open.iter().map(|o| o.id).collect();
    if let Some(first) = ids.first() {
        println!("cancel_order: {:?}", client.cancel_order(first).await?);
    }
    if ids.len() > 2 {
        println!(
            "cancel_orders: {:?}",
            client.cancel_orders(&ids[1..3]).await?
        );
    }
    println!(
        "cancel_market_orders: {:?}",
        client.cancel_market_orders(None, Some(&token()?)).await?
    );
    println!("cancel_all: {:?}", client.cancel_all().await?);
    Ok(())
}
