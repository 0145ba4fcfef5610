//! Public market data, and the tick-size, neg-risk and fee-rate caches orders are built from.

use std::collections::HashMap;

use clobkit_core::amounts::market_price;
use clobkit_core::book::OrderBookSummary;
use clobkit_core::chain::Chain;
use clobkit_core::fees::BuilderRates;
use clobkit_core::protocol::VersionResponse;
use clobkit_core::types::{ConditionId, OrderType, Side, TickSize, TokenId};
use clobkit_core::wire::BuilderTrade;
use clobkit_core::wire::{
    ClobMarketInfo, LastTradePrice, Market, MarketByToken, Page, SimplifiedMarket,
};
use clobkit_core::{Address, B256, Decimal};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::args::CreateOrderOptions;
use crate::error::ClientError;
use crate::transport::Auth;

use super::*;

impl<A> ClobClient<A> {
    pub(super) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        q: &str,
    ) -> Result<T, ClientError> {
        self.inner
            .t
            .call(Method::GET, path, q, b"", Auth::None)
            .await
    }

    pub(super) async fn post_public<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &Value,
    ) -> Result<T, ClientError> {
        let bytes = json_body(body)?;
        self.inner
            .t
            .call(Method::POST, path, "", &bytes, Auth::None)
            .await
    }

    /// The host this client talks to.
    pub fn host(&self) -> &str {
        &self.inner.t.host
    }

    /// The chain orders are signed for.
    pub fn chain(&self) -> Chain {
        self.inner.chain
    }

    /// The funder orders spend from (after [`ClobClient::with_signer`]).
    pub fn funder(&self) -> Option<Address> {
        self.inner.funder
    }

    /// `GET /`: `"OK"` when the exchange is up.
    pub async fn get_ok(&self) -> Result<String, ClientError> {
        self.get("/", "").await
    }

    /// `GET /version`: the protocol version the exchange's orders are signed for (a JSON number;
    /// production answers 2 since 2026-04-28).
    pub async fn get_version(&self) -> Result<ProtocolVersion, ClientError> {
        let r: VersionResponse = self.get("/version", "").await?;
        ProtocolVersion::try_from(r).map_err(|e| ClientError::Decode {
            path: "/version".into(),
            reason: e.to_string(),
        })
    }

    /// The protocol version this client signs orders for: the builder's choice, or what
    /// `/version` answered (asked once, then cached until an order is refused as of another
    /// version). An exchange without `/version` (404) is from before V2 and speaks V1.
    pub async fn protocol(&self) -> Result<ProtocolVersion, ClientError> {
        if let Some(v) = self.inner.caches.protocol() {
            return Ok(v);
        }
        let v = match self.get_version().await {
            Ok(v) => v,
            Err(ClientError::Api { status: 404, .. }) => ProtocolVersion::V1,
            Err(e) => return Err(e),
        };
        self.inner.caches.set_protocol(v);
        Ok(v)
    }

    /// Forgets the protocol version, so that the next order asks `/version` again.
    pub(super) fn forget_protocol(&self) {
        self.inner.caches.forget_protocol();
    }

    /// `GET /markets-by-token/{token}` (V2): the market a token trades in.
    pub async fn get_market_by_token(&self, token: &TokenId) -> Result<MarketByToken, ClientError> {
        self.get(&format!("/markets-by-token/{token}"), "").await
    }

    /// `GET /fees/builder-fees/{code}` (V2): what orders carrying a builder code pay its builder,
    /// as a maker and as a taker (basis points of each fill's collateral).
    pub async fn get_builder_fee_rates(&self, code: &B256) -> Result<BuilderRates, ClientError> {
        self.get(&format!("/fees/builder-fees/{code}"), "").await
    }

    /// `GET /builder/trades` (V2): one page of the trade sides whose orders carried `code`, with
    /// the filters of [`crate::TradeParams`]; follow `next_cursor` for more.
    pub async fn get_builder_trades(
        &self,
        code: &B256,
        params: &crate::args::TradeParams,
        next_cursor: Option<&str>,
    ) -> Result<Page<BuilderTrade>, ClientError> {
        let cursor = next_cursor.unwrap_or(clobkit_core::wire::Cursor::START);
        self.get("/builder/trades", &trade_query(Some(code), params, cursor))
            .await
    }

    /// `GET /clob-markets/{condition_id}` (V2): a market's trading parameters (tick size,
    /// neg-risk, base fees, minimum size), which also fill this client's caches.
    pub async fn get_clob_market_info(
        &self,
        market: &ConditionId,
    ) -> Result<ClobMarketInfo, ClientError> {
        let info: ClobMarketInfo = self.get(&format!("/clob-markets/{market}"), "").await?;
        for t in &info.t {
            if let Ok(token) = t.t.parse::<TokenId>() {
                self.inner.caches.set_tick(token, info.mts);
                self.inner.caches.set_neg_risk(token, info.nr);
            }
        }
        Ok(info)
    }

    /// `GET /time`: the exchange's clock, unix seconds.
    pub async fn get_server_time(&self) -> Result<u64, ClientError> {
        self.get("/time", "").await
    }

    /// `GET /markets`: one page of markets.
    pub async fn get_markets(
        &self,
        next_cursor: Option<&str>,
    ) -> Result<Page<Market>, ClientError> {
        self.get("/markets", &cursor_query(next_cursor)).await
    }

    /// `GET /markets/{condition_id}`.
    pub async fn get_market(&self, condition_id: &ConditionId) -> Result<Market, ClientError> {
        self.get(&format!("/markets/{condition_id}"), "").await
    }

    /// `GET /simplified-markets`: one page.
    pub async fn get_simplified_markets(
        &self,
        next_cursor: Option<&str>,
    ) -> Result<Page<SimplifiedMarket>, ClientError> {
        self.get("/simplified-markets", &cursor_query(next_cursor))
            .await
    }

    /// `GET /book`: a token's book (also refreshes the cached tick size).
    pub async fn get_order_book(&self, token: &TokenId) -> Result<OrderBookSummary, ClientError> {
        let b: OrderBookSummary = self.get("/book", &token_query(token)).await?;
        self.inner.caches.set_tick(*token, b.tick_size);
        Ok(b)
    }

    /// `POST /books`: several books.
    pub async fn get_order_books(
        &self,
        tokens: &[TokenId],
    ) -> Result<Vec<OrderBookSummary>, ClientError> {
        let body = token_list(tokens);
        self.post_public("/books", &body).await
    }

    /// `GET /price`: the best bid (BUY) or best ask (SELL).
    pub async fn get_price(&self, token: &TokenId, side: Side) -> Result<Decimal, ClientError> {
        let v: clobkit_core::wire::PriceResponse = self
            .get(
                "/price",
                &query(&[
                    ("token_id", Some(token.to_string())),
                    ("side", Some(side.to_string())),
                ]),
            )
            .await?;
        Ok(v.price)
    }

    /// `POST /prices`: prices of several (token, side) pairs, as `token → side → price`.
    pub async fn get_prices(
        &self,
        pairs: &[(TokenId, Side)],
    ) -> Result<HashMap<String, HashMap<String, Decimal>>, ClientError> {
        let body = json!(
            pairs
                .iter()
                .map(|(t, s)| json!({ "token_id": t.to_string(), "side": s.as_str() }))
                .collect::<Vec<_>>()
        );
        let v: HashMap<String, HashMap<String, String>> =
            self.post_public("/prices", &body).await?;
        decimals_2(v, "/prices")
    }

    /// `GET /midpoint`.
    pub async fn get_midpoint(&self, token: &TokenId) -> Result<Decimal, ClientError> {
        let v: clobkit_core::wire::MidpointResponse =
            self.get("/midpoint", &token_query(token)).await?;
        Ok(v.mid)
    }

    /// `POST /midpoints`: `token → midpoint`.
    pub async fn get_midpoints(
        &self,
        tokens: &[TokenId],
    ) -> Result<HashMap<String, Decimal>, ClientError> {
        let body = token_list(tokens);
        decimals_1(self.post_public("/midpoints", &body).await?, "/midpoints")
    }

    /// `GET /spread`.
    pub async fn get_spread(&self, token: &TokenId) -> Result<Decimal, ClientError> {
        let v: clobkit_core::wire::SpreadResponse =
            self.get("/spread", &token_query(token)).await?;
        Ok(v.spread)
    }

    /// `POST /spreads`: `token → spread`.
    pub async fn get_spreads(
        &self,
        tokens: &[TokenId],
    ) -> Result<HashMap<String, Decimal>, ClientError> {
        let body = token_list(tokens);
        decimals_1(self.post_public("/spreads", &body).await?, "/spreads")
    }

    /// `GET /last-trade-price`.
    pub async fn get_last_trade_price(
        &self,
        token: &TokenId,
    ) -> Result<LastTradePrice, ClientError> {
        self.get("/last-trade-price", &token_query(token)).await
    }

    /// `POST /last-trades-prices`.
    pub async fn get_last_trades_prices(
        &self,
        tokens: &[TokenId],
    ) -> Result<Vec<LastTradePrice>, ClientError> {
        let body = token_list(tokens);
        self.post_public("/last-trades-prices", &body).await
    }

    /// The market's tick size: cached for the TTL (and refreshed by every book read).
    pub async fn get_tick_size(&self, token: &TokenId) -> Result<TickSize, ClientError> {
        if let Some(t) = self.inner.caches.tick(token) {
            return Ok(t);
        }
        let v: clobkit_core::wire::TickSizeResponse =
            self.get("/tick-size", &token_query(token)).await?;
        self.inner.caches.set_tick(*token, v.minimum_tick_size);
        Ok(v.minimum_tick_size)
    }

    /// Forgets cached tick sizes (all, or one token's).
    pub fn clear_tick_size_cache(&self, token: Option<&TokenId>) {
        self.inner.caches.forget_ticks(token);
    }

    /// Whether the token's market is neg-risk (cached).
    pub async fn get_neg_risk(&self, token: &TokenId) -> Result<bool, ClientError> {
        if let Some(v) = self.inner.caches.neg_risk(token) {
            return Ok(v);
        }
        let v: clobkit_core::wire::NegRiskResponse =
            self.get("/neg-risk", &token_query(token)).await?;
        self.inner.caches.set_neg_risk(*token, v.neg_risk);
        Ok(v.neg_risk)
    }

    /// The market's fee rate in bps (cached).
    pub async fn get_fee_rate_bps(&self, token: &TokenId) -> Result<u32, ClientError> {
        if let Some(v) = self.inner.caches.fee(token) {
            return Ok(v);
        }
        let v: clobkit_core::wire::FeeRateResponse =
            self.get("/fee-rate", &token_query(token)).await?;
        let fee = u32::try_from(v.base_fee).map_err(|_| ClientError::Decode {
            path: "/fee-rate".into(),
            reason: "fee out of range".into(),
        })?;
        self.inner.caches.set_fee(*token, fee);
        Ok(fee)
    }

    /// The worst price a market order of `amount` must accept, walking the current book
    /// (BUY: asks, amount in USDC; SELL: bids, amount in shares). FOK fails when the book cannot
    /// fill it; FAK takes the worst level.
    pub async fn calculate_market_price(
        &self,
        token: &TokenId,
        side: Side,
        amount: Decimal,
        order_type: OrderType,
    ) -> Result<Decimal, ClientError> {
        let book = self.get_order_book(token).await?;
        let levels = match side {
            Side::Buy => &book.asks,
            Side::Sell => &book.bids,
        };
        Ok(market_price(side, levels, amount, order_type)?)
    }

    pub(super) async fn resolve_options(
        &self,
        token: &TokenId,
        opts: CreateOrderOptions,
    ) -> Result<(TickSize, bool), ClientError> {
        // the two lookups of a cold cache go out together
        let neg_risk = async {
            match opts.neg_risk {
                Some(n) => Ok(n),
                None => self.get_neg_risk(token).await,
            }
        };
        let (market_tick, neg_risk) = tokio::try_join!(self.get_tick_size(token), neg_risk)?;
        let tick = match opts.tick_size {
            Some(t) if t.as_decimal() < market_tick.as_decimal() => {
                return Err(ClientError::Validation(format!(
                    "invalid tick size ({t}), minimum for the market is {market_tick}"
                )));
            }
            Some(t) => t,
            None => market_tick,
        };
        Ok((tick, neg_risk))
    }

    /// The V1 fee rate an order signs: the market's, which a given rate must equal (a V2 order
    /// signs none: `check_version_args` refuses one).
    pub(super) async fn resolve_fee(
        &self,
        version: ProtocolVersion,
        token: &TokenId,
        user: Option<u32>,
    ) -> Result<u32, ClientError> {
        if version != ProtocolVersion::V1 {
            return Ok(0);
        }
        let market = self.get_fee_rate_bps(token).await?;
        match user {
            Some(u) if market > 0 && u != market => Err(ClientError::Validation(format!(
                "invalid user provided fee rate: ({u}), fee rate for the market must be {market}"
            ))),
            _ => Ok(market),
        }
    }
}

pub(super) fn decimals_1(
    v: HashMap<String, String>,
    path: &str,
) -> Result<HashMap<String, Decimal>, ClientError> {
    v.into_iter()
        .map(|(k, s)| {
            s.parse().map(|d| (k, d)).map_err(|_| ClientError::Decode {
                path: path.into(),
                reason: format!("not a decimal: {s}"),
            })
        })
        .collect()
}

pub(super) fn decimals_2(
    v: HashMap<String, HashMap<String, String>>,
    path: &str,
) -> Result<HashMap<String, HashMap<String, Decimal>>, ClientError> {
    v.into_iter()
        .map(|(k, m)| decimals_1(m, path).map(|m| (k, m)))
        .collect()
}
