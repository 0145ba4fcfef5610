//! createAndPostOrder / createOrder + postOrder / postOrders: limit orders.
include!("common/mod.rs");

use clobkit_client::{CreateOrderOptions, OrderArgs, PostOrdersArgs};
use clobkit_core::types::{OrderType, Side};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = client().await?;
    let price = "0.40".parse()?;
    let size = "10".parse()?;
    // one call: create, sign and post (GTC)
    let r = client
        .create_and_post_order(
            &OrderArgs::new(token()?, price, size, Side::Buy),
            CreateOrderOptions::default(),
            OrderType::Gtc,
        )
        .await?;
    println!("posted {} ({:?})", r.order_id, r.status);
    // sign first, post later
    let signed = client
        .create_order(
            &OrderArgs::new(token()?, "0.39".parse()?, size, Side::Buy),
            CreateOrderOptions::default(),
        )
        .await?;
    println!(
        "posted {}",
        client.post_order(signed, OrderType::Gtc).await?.order_id
    );
    // a batch (at most 15)
    let mut batch = Vec::new();
    for p in ["0.35", "0.34", "0.33"] {
        let order = client
            .create_order(
                &OrderArgs::new(token()?, p.parse()?, size, Side::Buy),
                CreateOrderOptions::default(),
            )
            .await?;
        batch.push(PostOrdersArgs::new(order, OrderType::Gtc).post_only());
    }
    for r in client.post_orders(batch).await? {
        println!("batch: {:?}", r.map(|r| r.order_id));
    }
    Ok(())
}
