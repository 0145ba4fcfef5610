//! The stream client and the order path against every fault the exchange can be told to
//! throw (`/admin/faults`): each is noticed within the configured bounds, reported as a gap or
//! a reconnection, and the kept books equal the REST books afterwards; orders whose answer was
//! lost are found with `get_order`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::time::Duration;

use clobkit_client::ws::{GapReason, MarketStream, OnStale, StreamConfig, StreamItem, UserStream};
use clobkit_client::{ApiErrorKind, ClientError, ClobClient, CreateOrderOptions, L2, OrderArgs};
use clobkit_core::signer::LocalSigner;
use clobkit_core::types::{OrderType, Side, SignatureType};
use clobkit_core::wire::stream::StreamEvent;
use common::*;
use serde_json::json;

/// Items until every book of `tokens` is fresh again, within `wait`.
async fn until_fresh(s: &mut MarketStream, tokens: &[&str], wait: Duration) -> Vec<StreamItem> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        if tokens
            .iter()
            .all(|t| s.books().get(&tok(t)).is_some_and(|b| b.fresh))
        {
            return seen;
        }
        match tokio::time::timeout_at(deadline, s.next()).await {
            Ok(Some(item)) => seen.push(item),
            other => panic!("not fresh within {wait:?} ({other:?}); saw {seen:#?}"),
        }
    }
}

struct Setup {
    ex: Ex,
    maker: ClobClient<L2<LocalSigner>>,
    rest: ClobClient<clobkit_client::Public>,
}

async fn setup(c: u8, yes: &str, no: &str) -> Setup {
    let ex = exchange(10).await;
    ex.market(c, yes, no, json!({})).await;
    let maker = ex.trader(0, SignatureType::Eoa).await;
    let rest = ClobClient::new(&ex.base, clobkit_core::chain::Chain::Polygon).unwrap();
    Setup { ex, maker, rest }
}

impl Setup {
    async fn bid(&self, token: &str, price: &str) -> String {
        let args = OrderArgs::new(tok(token), d(price), d("10"), Side::Buy);
        self.maker
            .create_and_post_order(&args, CreateOrderOptions::default(), OrderType::Gtc)
            .await
            .unwrap()
            .order_id
    }

    async fn subscribed(&self, config: StreamConfig, tokens: &[&str]) -> MarketStream {
        let mut s = MarketStream::new(&self.ex.base, config);
        s.subscribe(tokens.iter().map(|t| tok(t)));
        let mut books = 0;
        until(&mut s, Duration::from_secs(5), |i| {
            books += usize::from(matches!(
                i,
                StreamItem::Event {
                    event: StreamEvent::Book(_),
                    ..
                }
            ));
            books == tokens.len()
        })
        .await;
        s
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_freeze_is_caught_by_the_watchdog_and_healed_by_a_reconnection() {
    let s = setup(0x51, "5101", "5102").await;
    let config = StreamConfig {
        stale_after: Some(Duration::from_millis(500)),
        on_stale: OnStale::Reconnect,
        ..quick()
    };
    let mut stream = s.subscribed(config, &["5101", "5102"]).await;
    s.ex.fault(json!({ "kind": "freeze", "channel": "market", "duration_ms": 1500 }))
        .await;
    // the book moves while the data is frozen; PONG still answers, so only the watchdog sees it
    s.bid("5101", "0.42").await;
    let items = until(&mut stream, Duration::from_secs(6), |i| {
        matches!(
            i,
            StreamItem::Gap {
                reason: GapReason::Stale(_),
                ..
            }
        )
    })
    .await;
    assert!(
        items.iter().any(|i| matches!(i, StreamItem::Stale { .. })),
        "{items:#?}"
    );
    assert!(
        !items.iter().any(|i| matches!(
            i,
            StreamItem::Event {
                event: StreamEvent::PriceChange(_),
                ..
            }
        )),
        "nothing came through the freeze: {items:#?}"
    );
    assert!(
        !items.iter().any(|i| matches!(
            i,
            StreamItem::Gap {
                reason: GapReason::HeartbeatTimeout,
                ..
            }
        )),
        "PONG kept coming: {items:#?}"
    );
    // reconnected once the freeze is over, the fresh snapshots have the bid
    let items = until_fresh(&mut stream, &["5101", "5102"], Duration::from_secs(10)).await;
    assert!(
        items
            .iter()
            .any(|i| matches!(i, StreamItem::Reconnected { .. })),
        "{items:#?}"
    );
    books_equal_rest(&stream, &s.rest, &["5101", "5102"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_connections_are_gaps_and_what_changed_meanwhile_comes_in_fresh_snapshots() {
    let s = setup(0x52, "5201", "5202").await;
    let mut stream = s.subscribed(quick(), &["5201", "5202"]).await;
    let mut user = UserStream::new(&s.ex.base, s.maker.credentials(), [], quick());
    assert!(matches!(
        user.next().await,
        Some(StreamItem::Connected { .. })
    ));
    // cut now, and every new connection for 800 ms
    s.ex.fault(json!({ "kind": "drop", "channel": "all", "duration_ms": 800 }))
        .await;
    let items = until(&mut stream, Duration::from_secs(5), |i| {
        matches!(i, StreamItem::Gap { .. })
    })
    .await;
    let Some(StreamItem::Gap { reason, .. }) = items.last() else {
        unreachable!()
    };
    assert!(
        matches!(reason, GapReason::Broken(_)),
        "cut without a close frame: {reason:?}"
    );
    let placed = s.bid("5201", "0.44").await;
    let items = until_fresh(&mut stream, &["5201", "5202"], Duration::from_secs(10)).await;
    assert!(
        items
            .iter()
            .any(|i| matches!(i, StreamItem::Reconnected { .. })),
        "{items:#?}"
    );
    books_equal_rest(&stream, &s.rest, &["5201", "5202"]).await;
    // the user stream reconnects too; what it missed is in the REST views
    let mut gap = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while let Ok(Some(item)) = tokio::time::timeout_at(deadline, user.next()).await {
        match item {
            StreamItem::Gap { .. } => gap = true,
            StreamItem::Reconnected { .. } if gap => break,
            _ => {}
        }
    }
    assert!(gap, "the user stream saw its cut");
    let order = s.maker.get_order(&placed.parse().unwrap()).await.unwrap();
    assert_eq!(order.id.to_string(), placed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withheld_pong_reconnects_within_the_heartbeat_timeout_and_a_late_one_does_not() {
    let s = setup(0x53, "5301", "5302").await;
    let mut stream = s.subscribed(quick(), &["5301", "5302"]).await;
    // late, but within the timeout: nothing happens
    let id = s
        .ex
        .fault(json!({ "kind": "pong_delay", "channel": "market", "delay_ms": 250, "duration_ms": 1200 }))
        .await;
    let quiet = drain(&mut stream, Duration::from_millis(1500)).await;
    assert!(
        !quiet.iter().any(|i| matches!(i, StreamItem::Gap { .. })),
        "a PONG 250 ms late is not a dead connection (timeout 600 ms): {quiet:#?}"
    );
    let _ = id;
    s.ex.fault(json!({ "kind": "pong_withheld", "channel": "market", "duration_ms": 1000 }))
        .await;
    let armed = tokio::time::Instant::now();
    until(&mut stream, Duration::from_secs(5), |i| {
        matches!(
            i,
            StreamItem::Gap {
                reason: GapReason::HeartbeatTimeout,
                ..
            }
        )
    })
    .await;
    // the configured bound: the timeout after the last PONG, plus one PING interval
    assert!(
        armed.elapsed() < Duration::from_millis(600 + 100 + 1000),
        "noticed after {:?}",
        armed.elapsed()
    );
    until_fresh(&mut stream, &["5301", "5302"], Duration::from_secs(10)).await;
    books_equal_rest(&stream, &s.rest, &["5301", "5302"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bursts_duplicate_and_stale_snapshots_and_unknown_events_leave_the_books_right() {
    let s = setup(0x54, "5401", "5402").await;
    s.bid("5401", "0.30").await;
    let mut stream = s.subscribed(quick(), &["5401", "5402"]).await;
    // an event type nobody knows arrives whole, and the stream goes on
    s.ex.fault(json!({ "kind": "unknown_event", "channel": "market" }))
        .await;
    let items = until(&mut stream, Duration::from_secs(5), |i| {
        matches!(
            i,
            StreamItem::Event {
                event: StreamEvent::Unknown { .. },
                ..
            }
        )
    })
    .await;
    let Some(StreamItem::Event { event, .. }) = items.last() else {
        unreachable!()
    };
    assert_eq!(event.event_type(), "clobkit_unknown_event");
    // the book moves on in a later second, then an earlier snapshot comes again
    tokio::time::sleep(Duration::from_millis(1100)).await;
    s.bid("5401", "0.35").await;
    until(&mut stream, Duration::from_secs(5), |i| {
        matches!(
            i,
            StreamItem::Event {
                event: StreamEvent::PriceChange(_),
                ..
            }
        )
    })
    .await;
    s.ex.fault(json!({ "kind": "stale_snapshot", "channel": "market" }))
        .await;
    let items = until(&mut stream, Duration::from_secs(5), |i| {
        matches!(i, StreamItem::SnapshotIgnored { .. })
    })
    .await;
    assert!(
        items.iter().any(|i| matches!(
            i,
            StreamItem::Event {
                event: StreamEvent::Book(_),
                ..
            }
        )),
        "{items:#?}"
    );
    books_equal_rest(&stream, &s.rest, &["5401", "5402"]).await;
    // a duplicate changes nothing
    s.ex.fault(json!({ "kind": "duplicate_snapshot", "channel": "market" }))
        .await;
    let dup = drain(&mut stream, Duration::from_millis(400)).await;
    assert!(
        dup.iter().any(|i| matches!(
            i,
            StreamItem::Event {
                event: StreamEvent::Book(_),
                ..
            }
        )),
        "{dup:#?}"
    );
    books_equal_rest(&stream, &s.rest, &["5401", "5402"]).await;
    // a burst of 2,000 copies of each book: taken, or the exchange drops this reader as too
    // slow and it reconnects; either way the books end up right
    s.ex.fault(json!({ "kind": "burst", "channel": "market", "events": 2000 }))
        .await;
    let burst = drain(&mut stream, Duration::from_millis(800)).await;
    let books = burst
        .iter()
        .filter(|i| {
            matches!(
                i,
                StreamItem::Event {
                    event: StreamEvent::Book(_),
                    ..
                }
            )
        })
        .count();
    let dropped = burst.iter().any(|i| matches!(i, StreamItem::Gap { .. }));
    assert!(books >= 2, "{books} books, dropped {dropped}");
    until_fresh(&mut stream, &["5401", "5402"], Duration::from_secs(10)).await;
    books_equal_rest(&stream, &s.rest, &["5401", "5402"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_faults_meet_retries_and_ambiguous_orders_are_found() {
    let s = setup(0x55, "5501", "5502").await;
    // GETs are retried through 429 (after Retry-After) and 425
    s.ex.fault(
        json!({ "kind": "too_many_requests", "route": "GET /book", "count": 1, "retry_after": 1 }),
    )
    .await;
    s.ex.fault(json!({ "kind": "too_early", "route": "GET /tick-size", "count": 2 }))
        .await;
    assert!(s.rest.get_order_book(&tok("5501")).await.is_ok());
    assert!(s.rest.get_tick_size(&tok("5501")).await.is_ok());

    // 500 "could not run the execution" on a post: ambiguous; here nothing was taken
    s.ex.fault(json!({ "kind": "execution_failed", "route": "POST /order", "count": 1 }))
        .await;
    let args = OrderArgs::new(tok("5501"), d("0.41"), d("10"), Side::Buy);
    let e = s
        .maker
        .create_and_post_order(&args, CreateOrderOptions::default(), OrderType::Gtc)
        .await
        .unwrap_err();
    let ClientError::Ambiguous { order_id, reason } = e else {
        panic!("{e}")
    };
    assert!(reason.contains("could not run the execution"), "{reason}");
    let looked = s.maker.get_order(&order_id).await.unwrap_err();
    assert_eq!(looked.kind(), Some(ApiErrorKind::NotFound), "{looked}");

    // the order goes in, the answer is lost: ambiguous, then found
    s.ex.fault(json!({ "kind": "answer_lost", "route": "POST /order", "count": 1 }))
        .await;
    let args = OrderArgs::new(tok("5501"), d("0.42"), d("10"), Side::Buy);
    let e = s
        .maker
        .create_and_post_order(&args, CreateOrderOptions::default(), OrderType::Gtc)
        .await
        .unwrap_err();
    let ClientError::Ambiguous { order_id, .. } = e else {
        panic!("{e}")
    };
    let found = s.maker.get_order(&order_id).await.unwrap();
    assert_eq!(found.id, order_id, "the lost answer's order is on the book");

    // an answer later than the client waits: ambiguous, and the order is in
    s.ex.fault(json!({ "kind": "delay", "route": "POST /order", "count": 1, "delay_ms": 1500 }))
        .await;
    let impatient = ClobClient::builder(&s.ex.base)
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap()
        .with_signer(LocalSigner::from_hex(K[0]).unwrap())
        .unwrap()
        .with_credentials(s.maker.credentials().clone())
        .unwrap();
    let args = OrderArgs::new(tok("5501"), d("0.43"), d("10"), Side::Buy);
    let e = impatient
        .create_and_post_order(&args, CreateOrderOptions::default(), OrderType::Gtc)
        .await
        .unwrap_err();
    let ClientError::Ambiguous { order_id, .. } = e else {
        panic!("{e}")
    };
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(
        s.maker.get_order(&order_id).await.is_ok(),
        "carried out before the late answer"
    );

    // the armed faults are listed until used up or cleared
    s.ex.fault(json!({ "kind": "too_early", "route": "*", "duration_ms": 60000 }))
        .await;
    let listed: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/admin/faults", s.ex.base))
        .bearer_auth(&s.ex.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    s.ex.clear_faults().await;
    assert!(s.rest.get_order_book(&tok("5501")).await.is_ok());
}
