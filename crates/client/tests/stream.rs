//! The stream client against the real exchange over real sockets: books kept from the market
//! channel equal the REST books while signed orders trade, the user channel carries the
//! trader's own orders and trades, a restart of the exchange is a reported gap followed by a
//! reconnection with fresh snapshots checked against REST, and assets are spread over sockets.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::time::Duration;

use clobkit_client::ws::{GapReason, MarketStream, StreamConfig, StreamItem, UserStream};
use clobkit_client::{ClobClient, CreateOrderOptions, OrderArgs};
use clobkit_core::types::{OrderType, Side, SignatureType, TokenId};
use clobkit_core::wire::TraderSide;
use clobkit_core::wire::stream::{OrderEventKind, StreamEvent};
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn books_and_user_events_follow_signed_trading() {
    let ex = exchange(10).await;
    ex.market(0x31, "3101", "3102", json!({})).await;
    let maker = ex.trader(0, SignatureType::Eoa).await;
    let taker = ex.trader(1, SignatureType::Eoa).await;
    ex.admin(
        "split",
        json!({ "address": maker.funder().unwrap().to_string(), "market": cond(0x31).to_string(), "amount": "100" }),
    )
    .await;
    let rest = ClobClient::new(&ex.base, clobkit_core::chain::Chain::Polygon).unwrap();

    let mut market = MarketStream::new(&ex.base, quick());
    market.subscribe([tok("3101"), tok("3102")]);
    let mut books_seen = 0;
    until(&mut market, Duration::from_secs(5), |i| {
        books_seen += usize::from(matches!(
            i,
            StreamItem::Event {
                event: StreamEvent::Book(_),
                ..
            }
        ));
        books_seen == 2
    })
    .await;
    let mut mine = UserStream::new(&ex.base, maker.credentials(), [], quick());
    let mut theirs = UserStream::new(&ex.base, taker.credentials(), [cond(0x31)], quick());
    for s in [&mut mine, &mut theirs] {
        until(s, Duration::from_secs(5), |i| {
            matches!(i, StreamItem::Connected { .. })
        })
        .await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;

    // the maker rests two asks, the taker takes the better one and part of the other
    for (price, size) in [("0.55", "10"), ("0.60", "10")] {
        let args = OrderArgs::new(tok("3101"), d(price), d(size), Side::Sell);
        maker
            .create_and_post_order(&args, CreateOrderOptions::default(), OrderType::Gtc)
            .await
            .unwrap();
    }
    let args = OrderArgs::new(tok("3101"), d("0.60"), d("15"), Side::Buy);
    let taken = taker
        .create_and_post_order(&args, CreateOrderOptions::default(), OrderType::Gtc)
        .await
        .unwrap();
    let args = OrderArgs::new(tok("3101"), d("0.30"), d("10"), Side::Buy);
    taker
        .create_and_post_order(&args, CreateOrderOptions::default(), OrderType::Gtc)
        .await
        .unwrap();
    until(&mut market, Duration::from_secs(5), |i| {
        matches!(i, StreamItem::Event { event: StreamEvent::PriceChange(p), .. } if p.price_changes.iter().any(|c| c.price == d("0.3")))
    })
    .await;
    books_equal_rest(&market, &rest, &["3101", "3102"]).await;
    let book = market.books().get(&tok("3101")).unwrap();
    assert_eq!(
        book.best_ask()
            .map(|(p, s)| (p.to_string(), s.normalize().to_string())),
        Some(("0.6".into(), "5".into()))
    );
    assert_eq!(
        rest.get_midpoint(&tok("3102")).await.unwrap(),
        market
            .books()
            .get(&tok("3102"))
            .unwrap()
            .midpoint()
            .unwrap_or_default(),
        "the kept book's midpoint is the exchange's"
    );

    // the maker's user stream: two placements, the trades as maker, the updates
    let items = until(&mut mine, Duration::from_secs(5), |i| {
        matches!(i, StreamItem::Event { event: StreamEvent::Order(o), .. } if o.kind == OrderEventKind::Update && o.price == d("0.6"))
    })
    .await;
    let trades: Vec<_> = items
        .iter()
        .filter_map(|i| match i {
            StreamItem::Event {
                event: StreamEvent::Trade(t),
                ..
            } => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(trades.len(), 2, "{items:#?}");
    assert!(
        trades.iter().all(|t| t.trader_side == TraderSide::Maker
            && t.taker_order_id.to_string() == taken.order_id)
    );
    let theirs_items = until(&mut theirs, Duration::from_secs(5), |i| {
        matches!(i, StreamItem::Event { event: StreamEvent::Trade(t), .. } if t.price == d("0.6"))
    })
    .await;
    assert!(
        theirs_items.iter().all(|i| !matches!(i, StreamItem::Event { event: StreamEvent::Order(o), .. } if o.owner != taker.credentials().api_key.as_str())),
        "the taker sees only its own orders: {theirs_items:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_is_a_gap_then_a_reconnection_with_fresh_books_that_match_rest() {
    let mut ex = exchange(10).await;
    ex.market(0x32, "3201", "3202", json!({})).await;
    let maker = ex.trader(0, SignatureType::Eoa).await;
    let rest = ClobClient::new(&ex.base, clobkit_core::chain::Chain::Polygon).unwrap();
    let args = OrderArgs::new(tok("3201"), d("0.40"), d("10"), Side::Buy);
    maker
        .create_and_post_order(&args, CreateOrderOptions::default(), OrderType::Gtc)
        .await
        .unwrap();
    let mut market = MarketStream::new(&ex.base, quick()).with_rest_check(rest.clone());
    market.subscribe([tok("3201"), tok("3202")]);
    let mut n = 0;
    until(&mut market, Duration::from_secs(5), |i| {
        n += usize::from(matches!(
            i,
            StreamItem::Event {
                event: StreamEvent::Book(_),
                ..
            }
        ));
        n == 2
    })
    .await;

    ex.restart(Duration::from_millis(300)).await;
    let items = until(&mut market, Duration::from_secs(10), |i| {
        matches!(i, StreamItem::Gap { .. })
    })
    .await;
    let Some(StreamItem::Gap { reason, .. }) = items.last() else {
        unreachable!()
    };
    assert!(
        matches!(
            reason,
            GapReason::Closed { code: 1001, .. } | GapReason::Broken(_)
        ),
        "{reason:?}"
    );
    assert!(
        !market.books().get(&tok("3201")).unwrap().fresh,
        "stale across the gap"
    );
    let items = until(
        &mut market,
        Duration::from_secs(10),
        |i| matches!(i, StreamItem::BookChecked { asset, .. } if *asset == tok("3202")),
    )
    .await;
    assert!(
        items
            .iter()
            .any(|i| matches!(i, StreamItem::Reconnected { .. })),
        "{items:#?}"
    );
    for i in &items {
        if let StreamItem::BookChecked { differences, .. } = i {
            assert!(differences.is_empty(), "{differences:?}");
        }
    }
    books_equal_rest(&market, &rest, &["3201", "3202"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_beyond_the_per_socket_limit_get_sockets_of_their_own() {
    let ex = exchange(10).await;
    let mut tokens = Vec::new();
    for m in 0..3u8 {
        let (yes, no) = (format!("33{m}1"), format!("33{m}2"));
        ex.market(0x40 + m, &yes, &no, json!({})).await;
        tokens.push(yes);
        tokens.push(no);
    }
    let config = StreamConfig {
        max_assets_per_socket: 4,
        ..quick()
    };
    let mut market = MarketStream::new(&ex.base, config);
    market.subscribe(tokens.iter().map(|t| tok(t)));
    assert_eq!(market.sockets(), 2);
    let mut books = std::collections::HashSet::<TokenId>::new();
    let mut shards = std::collections::HashSet::new();
    until(&mut market, Duration::from_secs(5), |i| {
        if let StreamItem::Event {
            shard,
            event: StreamEvent::Book(b),
        } = i
        {
            books.insert(b.asset_id);
            shards.insert(*shard);
        }
        books.len() == 6
    })
    .await;
    assert_eq!(shards.len(), 2);
    market.unsubscribe([tok(&tokens[0])]);
    market.subscribe([tok(&tokens[0])]);
    assert_eq!(
        market.sockets(),
        2,
        "room was made on the first socket again"
    );
}
