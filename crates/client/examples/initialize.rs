//! Client initialization with L2 credentials; then a first authenticated call.
include!("common/mod.rs");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = client().await?;
    println!(
        "funder {:?}, key {}",
        client.funder(),
        client.credentials().api_key
    );
    println!("closed-only mode: {}", client.get_closed_only_mode().await?);
    Ok(())
}
