//! getNotifications, dropNotifications.
include!("common/mod.rs");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = client().await?;
    let notes = client.get_notifications().await?;
    for n in &notes {
        println!("{} type {} {}", n.id, n.kind, n.payload);
    }
    let ids: Vec<u64> = notes.iter().map(|n| n.id).collect();
    client.drop_notifications(&ids).await?;
    println!("dropped {}", ids.len());
    Ok(())
}
