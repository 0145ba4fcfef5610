//! createAndPostMarketOrder: BUY spends USDC, SELL sells shares; FOK or FAK.
include!("common/mod.rs");

use clobkit_client::{CreateOrderOptions, MarketOrderArgs};
use clobkit_core::types::{OrderType, Side};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = client().await?;
    let mut args = MarketOrderArgs::new(token()?, "5".parse()?, Side::Buy);
    args.order_type = OrderType::Fak; // the default is FOK
    match client
        .create_and_post_market_order(&args, CreateOrderOptions::default())
        .await
    {
        Ok(r) => println!(
            "{:?}: paid {:?}, got {:?}",
            r.status, r.making_amount, r.taking_amount
        ),
        Err(e) => println!("not filled: {e} ({:?})", e.kind()),
    }
    Ok(())
}
