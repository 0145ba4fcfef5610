//! getApiKeys, deleteApiKey (and create/derive, L1).
include!("common/mod.rs");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = client().await?;
    println!("keys: {:?}", client.get_api_keys().await?);
    if std::env::var("DELETE_KEY").is_ok() {
        client.delete_api_key().await?;
        println!("deleted {}", client.credentials().api_key);
    }
    Ok(())
}
