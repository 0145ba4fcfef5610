//! V2's exchange state is state like any other: journaled, in snapshots, back after a restart
//! from either. The deposit-wallet registry (a wallet cannot be moved to another owner) and the
//! cutover from V1 (its cancelled orders listed, the venue V2 for good).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use clobkit_core::protocol::ProtocolVersion;
use clobkit_core::types::{ConditionId, OrderId, OrderType, Side, TokenId};
use clobkit_core::{Address, B256};
use clobkit_engine::{
    Asset, Command, FeeBasis, MarketSpec, ONE, OrderSpec, OrderTerms, Owner, Stamped,
};
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
        assert_eq!(app.peek(|ex| ex.deposit_wallet_owner(&wallet)), Some(owner));
        assert_eq!(app.peek(|ex| ex.deposit_wallet_owner(&other)), None);
    }
}

async fn engine(
    app: &AppState,
    command: Command,
) -> Result<Vec<clobkit_engine::Event>, ExchangeError> {
    app.submit(|now| Record::Engine(Stamped { now, command }))
        .await
        .unwrap()
}

/// Deposits $100 for `account`.
async fn fund(app: &AppState, account: Address) {
    let command = Command::Deposit {
        account,
        amount: 100 * ONE,
    };
    engine(app, command).await.unwrap();
}

/// A resting V1 bid of 10 shares at 0.40 by `maker`, id `n`.
fn v1_bid(n: u8, maker: Address, token: TokenId) -> Command {
    Command::Place(Box::new(OrderSpec {
        terms: OrderTerms {
            id: OrderId(B256::repeat_byte(n)),
            maker,
            token,
            side: Side::Buy,
            maker_amount: 4 * ONE,
            taker_amount: 10 * ONE,
            fee_rate_bps: 0,
            fees: FeeBasis::Signed,
            builder: B256::ZERO,
            order_type: OrderType::Gtc,
            expiration: 0,
        },
        owner: Owner::new("key-1"),
        post_only: false,
    }))
}

#[tokio::test]
async fn a_cutover_cancels_v1_orders_lists_them_and_lasts() {
    let maker = Address::repeat_byte(0x01);
    let (yes, no): (TokenId, TokenId) = ("1".parse().unwrap(), "2".parse().unwrap());
    for every in [1000, 1] {
        let dir = tempfile::tempdir().unwrap();
        let v1 = |every| {
            let mut c = config(dir.path(), every);
            c.protocol = ProtocolVersion::V1;
            c
        };
        {
            let (app, _) = AppState::open(v1(every)).unwrap();
            let market = ConditionId(B256::repeat_byte(0xc0));
            engine(
                &app,
                Command::CreateMarket(Box::new(MarketSpec::yes_no(market, yes, no))),
            )
            .await
            .unwrap();
            fund(&app, maker).await;
            for n in [7, 8] {
                engine(&app, v1_bid(n, maker, yes)).await.unwrap();
            }
            let reserved = |app: &AppState| {
                app.peek(|ex| ex.engine.holding(maker, Asset::Collateral).reserved)
            };
            assert_eq!(reserved(&app), 8 * ONE);
            assert_eq!(app.peek(|ex| ex.protocol()), ProtocolVersion::V1);
            engine(&app, Command::CutOver).await.unwrap();
            assert_eq!(app.peek(|ex| ex.protocol()), ProtocolVersion::V2);
            assert_eq!(
                reserved(&app),
                0,
                "the cancelled orders' reservations are released"
            );
            // a second cutover is refused
            assert_eq!(
                engine(&app, Command::CutOver).await,
                Err(ExchangeError::AlreadyV2)
            );
            if every == 1 {
                app.snapshot_now().unwrap();
            }
        }
        // restarted with the V1 configuration it started with: the journaled cutover wins
        let (app, _) = AppState::open(v1(every)).unwrap();
        assert_eq!(app.peek(|ex| ex.protocol()), ProtocolVersion::V2);
        let listed: Vec<OrderId> = app.peek(|ex| ex.pre_migration_ids("key-1").to_vec());
        assert_eq!(
            listed,
            vec![OrderId(B256::repeat_byte(7)), OrderId(B256::repeat_byte(8))]
        );
        // their rows ended in the history, cancelled
        let rows = app.history(move |h| h.orders(&listed)).await.unwrap();
        assert_eq!(rows.len(), 2);
        assert!(
            rows.iter()
                .all(|r| r.status == clobkit_core::wire::OrderStatus::Canceled)
        );
        assert!(app.peek(|ex| ex.pre_migration_ids("key-2").is_empty()));
    }
}

/// faults.md F11: a refused order changes nothing, so nothing is journaled for it; an accepted
/// one is.
#[tokio::test]
async fn refused_orders_are_not_journaled() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path(), 1000);
    c.fsync = true;
    let (app, _) = AppState::open(c).unwrap();
    let maker = Address::repeat_byte(0x01);
    let (yes, no): (TokenId, TokenId) = ("1".parse().unwrap(), "2".parse().unwrap());
    let market = ConditionId(B256::repeat_byte(0xc0));
    engine(
        &app,
        Command::CreateMarket(Box::new(MarketSpec::yes_no(market, yes, no))),
    )
    .await
    .unwrap();
    let records = || app.journal_counts().0;
    let before = records();
    // no balance: refused, and the journal did not grow
    let Command::Place(spec) = v1_bid(7, maker, yes) else {
        unreachable!()
    };
    let refused = app.place(*spec.clone()).await.unwrap().unwrap();
    assert_eq!(
        refused.rejected,
        Some(clobkit_engine::Reject::NotEnoughBalance)
    );
    assert_eq!(records(), before);
    // funded, the same order is accepted and journaled
    fund(&app, maker).await;
    let placed = app.place(*spec).await.unwrap().unwrap();
    assert_eq!(placed.rejected, None);
    assert_eq!(records(), before + 2);
}
