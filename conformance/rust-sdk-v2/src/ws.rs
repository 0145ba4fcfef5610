//! The SDK's WebSocket client (`clob::ws`, feature `ws`), unmodified, on `clobkit serve`'s
//! channels: the market streams of the flow's token and both wallets' user streams, opened
//! before the flow's first order and read after its trade.

use std::pin::Pin;
use std::time::Duration;

use futures::{Stream, StreamExt as _};
use polymarket_client_sdk_v2::clob::types::Side;
use polymarket_client_sdk_v2::clob::ws::types::response::{
    BookUpdate, LastTradePrice, OrderMessageType, PriceChange, TradeMessageStatus,
};
use polymarket_client_sdk_v2::clob::ws::{Client as WsClient, WsMessage};
use polymarket_client_sdk_v2::error::Error;
use polymarket_client_sdk_v2::types::U256;
use rust_decimal::Decimal;

type Events<T> = Pin<Box<dyn Stream<Item = Result<T, Error>> + Send>>;

/// The streams the flow watches.
pub struct Watch {
    books: Events<BookUpdate>,
    prices: Events<PriceChange>,
    last: Events<LastTradePrice>,
    maker: Events<WsMessage>,
    taker: Events<WsMessage>,
}

/// Everything a stream yields within `wait` of quiet.
async fn gather<T>(s: &mut Events<T>, wait: Duration) -> Result<Vec<T>, String> {
    let mut out = Vec::new();
    while let Ok(next) = tokio::time::timeout(wait, s.next()).await {
        match next {
            Some(Ok(v)) => out.push(v),
            Some(Err(e)) => return Err(format!("FAIL: a stream error: {e}")),
            None => break,
        }
    }
    Ok(out)
}

impl Watch {
    /// Subscribes: the market channel for `token`, the user channel for both wallets.
    pub fn open(
        host: &str,
        token: U256,
        maker: &polymarket_client_sdk_v2::clob::Client<
            polymarket_client_sdk_v2::auth::state::Authenticated<
                polymarket_client_sdk_v2::auth::Normal,
            >,
        >,
        taker: &polymarket_client_sdk_v2::clob::Client<
            polymarket_client_sdk_v2::auth::state::Authenticated<
                polymarket_client_sdk_v2::auth::Normal,
            >,
        >,
    ) -> Result<Watch, String> {
        let e = |what: &'static str| move |err: Error| format!("FAIL: {what}: {err}");
        let ws_host = host.replacen("http", "ws", 1);
        let market = WsClient::new(&ws_host, Default::default()).map_err(e("ws Client::new"))?;
        let books = market
            .subscribe_orderbook(vec![token])
            .map_err(e("subscribe_orderbook"))?;
        let prices = market
            .subscribe_prices(vec![token])
            .map_err(e("subscribe_prices"))?;
        let last = market
            .subscribe_last_trade_price(vec![token])
            .map_err(e("subscribe_last_trade_price"))?;
        let user = |c: &polymarket_client_sdk_v2::clob::Client<_>| {
            WsClient::new(&ws_host, Default::default())
                .and_then(|w| w.authenticate(c.credentials().clone(), c.address()))
                .and_then(|w| w.subscribe_user_events(Vec::new()))
                .map_err(e("subscribe_user_events"))
        };
        Ok(Watch {
            books: Box::pin(books),
            prices: Box::pin(prices),
            last: Box::pin(last),
            maker: Box::pin(user(maker)?),
            taker: Box::pin(user(taker)?),
        })
    }

    /// Waits for the subscribe snapshot (an empty book before the flow's first order).
    pub async fn snapshot(&mut self, c: &mut crate::Checks) -> Result<(), String> {
        let first = tokio::time::timeout(Duration::from_secs(10), self.books.next()).await;
        let ok = matches!(&first, Ok(Some(Ok(b))) if b.bids.is_empty());
        c.check(ok, format!("the subscribe snapshot reaches the SDK: {first:?}"))
    }

    /// After the flow's trade (the maker's SELL 20 @ 0.55, the taker's BUY 10 taking half):
    /// what each stream saw.
    pub async fn after_trade(&mut self, c: &mut crate::Checks) -> Result<(), String> {
        let wait = Duration::from_millis(1500);
        let dec = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        let prices = gather(&mut self.prices, wait).await?;
        let asks: Vec<(Decimal, Option<Decimal>)> = prices
            .iter()
            .flat_map(|p| p.price_changes.iter())
            .filter(|e| e.side == Side::Sell)
            .map(|e| (e.price, e.size))
            .collect();
        c.check(
            asks.contains(&(dec("0.55"), Some(dec("20"))))
                && asks.contains(&(dec("0.55"), Some(dec("10")))),
            format!("price_change: the ask rests with 20, then 10 remain: {asks:?}"),
        )?;
        let last = gather(&mut self.last, wait).await?;
        c.check(
            last.iter()
                .any(|t| t.price == dec("0.55") && t.side == Some(Side::Buy)),
            format!("last_trade_price 0.55, taker BUY: {last:?}"),
        )?;
        let books = gather(&mut self.books, wait).await?;
        c.check(
            books.last().is_some_and(|b| {
                b.asks.len() == 1 && b.asks[0].price == dec("0.55") && b.asks[0].size == dec("10")
            }),
            format!("the book after the trade: 10 left at 0.55: {books:?}"),
        )?;
        for (who, events) in [("maker", &mut self.maker), ("taker", &mut self.taker)] {
            let got = gather(events, wait).await?;
            let placed = got.iter().any(|m| {
                matches!(m, WsMessage::Order(o) if o.msg_type == Some(OrderMessageType::Placement))
            });
            let matched = got.iter().any(|m| {
                matches!(m, WsMessage::Trade(t) if t.status == TradeMessageStatus::Matched && t.size == dec("10") && t.price == dec("0.55"))
            });
            let own = got.iter().all(|m| match m {
                WsMessage::Order(o) => o.owner.is_some(),
                _ => true,
            });
            c.check(
                placed && matched && own,
                format!("the {who}'s user stream: its order placed and the trade matched: {got:?}"),
            )?;
        }
        Ok(())
    }
}
