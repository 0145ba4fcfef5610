//! The deposit-wallet registry is exchange state like any other: journaled, in snapshots, back
//! after a restart from either, and a wallet cannot be moved to another owner.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use clobkit_core::Address;
use clobkit_server::app::{AppState, ServerConfig};
use clobkit_server::exchange::{ExchangeError, Record};

fn config(dir: &std::path::Path, snapshot_every: u64) -> ServerConfig {
    let mut c = ServerConfig::new(dir);
    c.fsync = false;
    c.snapshot_every = snapshot_every;
    c
}

async fn register(app: &AppState, wallet: Address, owner: Address) -> Result<(), ExchangeError> {
    app.submit(|now| Record::RegisterDepositWallet { now, wallet, owner })
        .await
        .unwrap()
        .map(|_| ())
}

#[tokio::test]
async fn registry_survives_restarts_from_journal_and_snapshot() {
    let (wallet, owner, other) = (
        Address::repeat_byte(0xd0),
        Address::repeat_byte(0x0a),
        Address::repeat_byte(0x0b),
    );
    // snapshot_every 1000: recovered by replaying the journal; 1: from a snapshot
    for every in [1000, 1] {
        let dir = tempfile::tempdir().unwrap();
        {
            let (app, _) = AppState::open(config(dir.path(), every)).unwrap();
            register(&app, wallet, owner).await.unwrap();
            // the same pair again is a no-op; another owner is refused and changes nothing
            register(&app, wallet, owner).await.unwrap();
            assert_eq!(
                register(&app, wallet, other).await,
                Err(ExchangeError::WalletTaken { wallet, owner })
            );
            if every == 1 {
                app.snapshot_now().unwrap();
            }
        }
        let (app, startup) = AppState::open(config(dir.path(), every)).unwrap();
        assert_eq!(startup.snapshot.is_some(), every == 1, "{startup:?}");
        assert_eq!(app.read(|ex| ex.deposit_wallet_owner(&wallet)), Some(owner));
        assert_eq!(app.read(|ex| ex.deposit_wallet_owner(&other)), None);
    }
}
