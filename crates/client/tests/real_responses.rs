//! The client reads what the real exchange sends, over a real socket: empty strings where a
//! number has no value yet (a book's `last_trade_price` before the first trade, a killed FOK's
//! `size_matched`), timestamps as numbers or strings, in seconds or milliseconds, and fields our
//! types do not know. Nothing fails a whole response, amounts stay exact, and the book's hash
//! comes out over what was sent. The answers are production's shapes, served by a scripted
//! HTTP server (no local exchange emits them: it always has a value).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::str::FromStr;

use clobkit_client::{ClobClient, Pages, TradeParams};
use clobkit_core::Decimal;
use clobkit_core::auth::ApiCredentials;
use clobkit_core::signer::LocalSigner;
use clobkit_core::types::{ApiKey, OrderId, TokenId};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ORDER: &str = "0xab4e69efe3068f9ba4fe0070599c64e484119777062f96d2b255bf1ea3d38d25";
const MAKER: &str = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

/// The body production would answer for `path` (without its query).
fn answer(path: &str) -> String {
    match path {
        // before the first trade: last_trade_price is "", plus a field we do not model
        "/book" => {
            let mut b = clobkit_core::book::OrderBookSummary {
                market: format!("0x{}", "11".repeat(32)),
                asset_id: "7".into(),
                timestamp: "1733000000123".into(),
                hash: String::new(),
                bids: vec![clobkit_core::book::PriceLevel {
                    price: "0.48".parse().unwrap(),
                    size: "30".parse().unwrap(),
                }],
                asks: vec![],
                min_order_size: "5".parse().unwrap(),
                tick_size: clobkit_core::types::TickSize::Hundredth,
                neg_risk: false,
                last_trade_price: None,
            };
            b = b.with_hash();
            let mut v = serde_json::to_value(&b).unwrap();
            v["last_trade_price"] = serde_json::Value::String(String::new());
            v["some_new_field"] = serde_json::json!({ "nested": [1, 2] });
            v.to_string()
        }
        // a killed FOK: size_matched "", created_at in milliseconds, expiration a number
        p if p.starts_with("/data/order/") => format!(
            r#"{{"id":"{ORDER}","status":"CANCELED","owner":"k","maker_address":"{MAKER}","market":"{ORDER}","asset_id":"7","side":"BUY","original_size":"10.5","size_matched":"","price":"0.52","associate_trades":[],"outcome":"Yes","created_at":1733000000123,"expiration":0,"order_type":"FOK","new_field":true}}"#
        ),
        // a trade whose times are strings, one in milliseconds, and an unknown field
        "/data/trades" => format!(
            r#"{{"data":[{{"id":"t1","taker_order_id":"{ORDER}","market":"{ORDER}","asset_id":"7","side":"BUY","size":"10.123456","fee_rate_bps":"","price":"0.52","status":"MATCHED","match_time":"1733000000","last_update":"1733000000999","outcome":"Yes","bucket_index":0,"owner":"k","maker_address":"{MAKER}","maker_orders":[{{"order_id":"{ORDER}","owner":"m","maker_address":"{MAKER}","matched_amount":"10.123456","price":"0.52","fee_rate_bps":"0","asset_id":"7","outcome":"Yes","side":"SELL","extra":1}}],"transaction_hash":"0x01","trader_side":"TAKER","builder":"0x00"}}],"next_cursor":"LTE=","limit":100,"count":1}}"#
        ),
        _ => r#"{"error":"not found"}"#.into(),
    }
}

/// Serves `answer` over HTTP/1.1 on a loopback port, one request per connection.
async fn scripted() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut req = Vec::new();
                let mut buf = [0u8; 4096];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&req);
                let target = line.split_whitespace().nth(1).unwrap_or("/");
                let path = target.split('?').next().unwrap_or("/");
                let body = answer(path);
                let status = if body.contains("\"error\"") {
                    "404 Not Found"
                } else {
                    "200 OK"
                };
                let resp = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(resp.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_shapes_parse_exactly() {
    clobkit_client::install_crypto_provider();
    let base = scripted().await;
    let creds = ApiCredentials {
        api_key: ApiKey::new("00000000-0000-0000-0000-000000000000").unwrap(),
        secret: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
        passphrase: "p".into(),
    };
    let signer =
        LocalSigner::from_hex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
            .unwrap();
    let c = ClobClient::builder(&base)
        .build()
        .unwrap()
        .with_signer(signer)
        .unwrap()
        .with_credentials(creds)
        .unwrap();

    let book = c.get_order_book(&TokenId::from(7)).await.unwrap();
    assert_eq!(book.last_trade_price, None, "\"\" is no trade yet");
    assert!(book.hash_is_valid(), "the hash over what was sent");
    assert_eq!(book.bids[0].price, Decimal::from_str("0.48").unwrap());

    let o = c
        .get_order(&ORDER.parse::<OrderId>().unwrap())
        .await
        .unwrap();
    assert_eq!(o.size_matched, Decimal::ZERO, "\"\" matched nothing");
    assert_eq!(o.original_size, Decimal::from_str("10.5").unwrap());
    assert_eq!(o.created_at, 1_733_000_000, "milliseconds read as seconds");

    let trades = c
        .get_trades(&TradeParams::default(), Pages::All, None)
        .await
        .unwrap();
    assert_eq!(trades.len(), 1);
    let t = &trades[0];
    assert_eq!(t.size, Decimal::from_str("10.123456").unwrap(), "exact");
    assert_eq!(
        (t.match_time, t.last_update),
        (1_733_000_000, 1_733_000_000)
    );
    assert_eq!(t.fee_rate_bps, Decimal::ZERO);
}
