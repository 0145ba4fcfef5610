//! getBalanceAllowance, updateBalanceAllowance.
include!("common/mod.rs");

use clobkit_client::BalanceAllowanceParams;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = client().await?;
    client
        .update_balance_allowance(&BalanceAllowanceParams::collateral())
        .await?;
    let usdc = client
        .get_balance_allowance(&BalanceAllowanceParams::collateral())
        .await?;
    let shares = client
        .get_balance_allowance(&BalanceAllowanceParams::conditional(token()?))
        .await?;
    println!(
        "USDC {} (base units), token {} (base units)",
        usdc.balance, shares.balance
    );
    Ok(())
}
