//! Public market data: markets, prices, tick sizes, fees, price history.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::serde_util::{decimal_num, decimal_str, opt_side, tick_num};
use crate::types::{Side, TickSize};

/// One outcome token of a market.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketToken {
    /// Token id (decimal string).
    pub token_id: String,
    /// Outcome name.
    #[serde(default)]
    pub outcome: String,
    /// Last price (a JSON number).
    #[serde(with = "decimal_num", default)]
    pub price: Decimal,
    /// Whether this token won (after resolution).
    #[serde(default)]
    pub winner: bool,
}

/// Liquidity-reward parameters of a market.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Rewards {
    /// Reward rates, or `null`.
    #[serde(default)]
    pub rates: Option<Vec<serde_json::Value>>,
    /// Minimum size to earn rewards.
    #[serde(with = "decimal_num", default)]
    pub min_size: Decimal,
    /// Maximum spread to earn rewards.
    #[serde(with = "decimal_num", default)]
    pub max_spread: Decimal,
}

/// A market as `/markets` and `/markets/{condition_id}` return it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Market {
    /// Whether the order book is enabled.
    #[serde(default)]
    pub enable_order_book: bool,
    /// Whether the market is active.
    #[serde(default)]
    pub active: bool,
    /// Whether the market is closed.
    #[serde(default)]
    pub closed: bool,
    /// Whether the market is archived.
    #[serde(default)]
    pub archived: bool,
    /// Whether orders are accepted.
    #[serde(default)]
    pub accepting_orders: bool,
    /// When orders started being accepted (ISO-8601) or `null`.
    #[serde(default)]
    pub accepting_order_timestamp: Option<String>,
    /// Minimum order size in shares (a JSON number).
    #[serde(with = "decimal_num", default)]
    pub minimum_order_size: Decimal,
    /// Tick size (a JSON number).
    #[serde(with = "tick_num")]
    pub minimum_tick_size: TickSize,
    /// Condition id.
    pub condition_id: String,
    /// Question id.
    #[serde(default)]
    pub question_id: String,
    /// The question.
    #[serde(default)]
    pub question: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// URL slug.
    #[serde(default)]
    pub market_slug: String,
    /// End date (ISO-8601) or `null`.
    #[serde(default)]
    pub end_date_iso: Option<String>,
    /// Game start (ISO-8601) or `null`.
    #[serde(default)]
    pub game_start_time: Option<String>,
    /// Matching delay in seconds.
    #[serde(default)]
    pub seconds_delay: u64,
    /// FPMM address, if any.
    #[serde(default)]
    pub fpmm: String,
    /// Maker base fee (bps, a JSON number).
    #[serde(with = "decimal_num", default)]
    pub maker_base_fee: Decimal,
    /// Taker base fee (bps, a JSON number).
    #[serde(with = "decimal_num", default)]
    pub taker_base_fee: Decimal,
    /// Whether notifications are enabled.
    #[serde(default)]
    pub notifications_enabled: bool,
    /// Whether the market is neg-risk.
    #[serde(default)]
    pub neg_risk: bool,
    /// Neg-risk market id.
    #[serde(default)]
    pub neg_risk_market_id: String,
    /// Neg-risk request id.
    #[serde(default)]
    pub neg_risk_request_id: String,
    /// Icon URL.
    #[serde(default)]
    pub icon: String,
    /// Image URL.
    #[serde(default)]
    pub image: String,
    /// Reward parameters.
    #[serde(default)]
    pub rewards: Rewards,
    /// Whether the market is a 50/50 outcome.
    #[serde(default)]
    pub is_50_50_outcome: bool,
    /// The two outcome tokens.
    #[serde(default)]
    pub tokens: Vec<MarketToken>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A market as `/simplified-markets` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimplifiedMarket {
    /// Condition id.
    pub condition_id: String,
    /// Reward parameters.
    #[serde(default)]
    pub rewards: Rewards,
    /// The outcome tokens.
    #[serde(default)]
    pub tokens: Vec<MarketToken>,
    /// Whether the market is active.
    #[serde(default)]
    pub active: bool,
    /// Whether the market is closed.
    #[serde(default)]
    pub closed: bool,
    /// Whether the market is archived.
    #[serde(default)]
    pub archived: bool,
    /// Whether orders are accepted.
    #[serde(default)]
    pub accepting_orders: bool,
}

/// `GET /tick-size`: `{"minimum_tick_size": 0.01}` (a number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct TickSizeResponse {
    /// The tick size.
    pub minimum_tick_size: TickSize,
}

impl Serialize for TickSizeResponse {
    /// Writes the tick as a JSON number, as prod does (`0.01`).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        #[derive(Serialize)]
        struct Num(#[serde(with = "decimal_num")] Decimal);
        let mut st = s.serialize_struct("TickSizeResponse", 1)?;
        st.serialize_field(
            "minimum_tick_size",
            &Num(self.minimum_tick_size.as_decimal()),
        )?;
        st.end()
    }
}

/// `GET /neg-risk`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NegRiskResponse {
    /// Whether the token's market is neg-risk.
    pub neg_risk: bool,
}

/// `GET /fee-rate`: the market's fee rate in bps (`null`/missing means 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeRateResponse {
    /// The fee rate in basis points.
    #[serde(default, deserialize_with = "null_as_zero")]
    pub base_fee: u64,
}

fn null_as_zero<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(Option::<u64>::deserialize(d)?.unwrap_or(0))
}

/// `GET /price`: `{"price": "0.52"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceResponse {
    /// The price.
    #[serde(with = "decimal_str")]
    pub price: Decimal,
}

/// `GET /midpoint`: `{"mid": "0.5"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MidpointResponse {
    /// Mean of the best bid and ask.
    #[serde(with = "decimal_str")]
    pub mid: Decimal,
}

/// `GET /spread`: `{"spread": "0.02"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpreadResponse {
    /// Best ask minus best bid.
    #[serde(with = "decimal_str")]
    pub spread: Decimal,
}

/// `GET /last-trade-price` and the elements of `/last-trades-prices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastTradePrice {
    /// The token (only in the batch form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    /// The price of the last trade.
    #[serde(with = "decimal_str")]
    pub price: Decimal,
    /// The taker side of the last trade (`""` before the first trade).
    #[serde(default, with = "opt_side")]
    pub side: Option<Side>,
}

/// One point of `/prices-history`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceHistoryPoint {
    /// Unix seconds.
    pub t: u64,
    /// Price (a JSON number).
    #[serde(with = "decimal_num")]
    pub p: Decimal,
}

/// `GET /prices-history`: `{"history": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PriceHistory {
    /// The points, oldest first.
    #[serde(default)]
    pub history: Vec<PriceHistoryPoint>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_forms() {
        let t: TickSizeResponse = serde_json::from_str(r#"{"minimum_tick_size":0.001}"#).unwrap();
        assert_eq!(t.minimum_tick_size, TickSize::Thousandth);
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"minimum_tick_size":0.001}"#
        );
        let f: FeeRateResponse = serde_json::from_str(r#"{"base_fee":null}"#).unwrap();
        assert_eq!(f.base_fee, 0);
        let f: FeeRateResponse = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!(f.base_fee, 0);
        let h: PriceHistory =
            serde_json::from_str(r#"{"history":[{"t":1697875200,"p":0.5}]}"#).unwrap();
        assert_eq!(h.history[0].p.to_string(), "0.5");
        assert_eq!(
            serde_json::to_string(&h).unwrap(),
            r#"{"history":[{"t":1697875200,"p":0.5}]}"#
        );
        let m: Market = serde_json::from_str(r#"{"condition_id":"0x1","minimum_tick_size":0.01,"minimum_order_size":5,"tokens":[{"token_id":"1","outcome":"Yes","price":0.55,"winner":false}],"unknown":true}"#).unwrap();
        assert_eq!(m.tokens[0].price.to_string(), "0.55");
        assert_eq!(m.minimum_order_size.to_string(), "5");
    }
}

/// `GET /markets-by-token/{token_id}` (V2): the market a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketByToken {
    /// The market's condition id.
    pub condition_id: String,
    /// Its first outcome token.
    pub primary_token_id: String,
    /// Its second outcome token.
    pub secondary_token_id: String,
}

/// One token of [`ClobMarketInfo`]: id and outcome name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClobMarketToken {
    /// Token id.
    pub t: String,
    /// Outcome name.
    pub o: String,
}

/// `GET /clob-markets/{condition_id}` (V2): a market's trading parameters in the compact form
/// the V2 clients read (they cache the tick, the neg-risk flag and the fees from it). Only the
/// fields this crate can state are modelled; unknown ones are ignored when reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClobMarketInfo {
    /// Condition id.
    pub c: String,
    /// The two tokens.
    pub t: Vec<ClobMarketToken>,
    /// Minimum tick size (a JSON number).
    #[serde(with = "tick_num")]
    pub mts: TickSize,
    /// Neg-risk.
    pub nr: bool,
    /// Maker base fee, basis points.
    #[serde(default)]
    pub mbf: u32,
    /// Taker base fee, basis points.
    #[serde(default)]
    pub tbf: u32,
    /// Minimum order size in shares (a JSON number).
    #[serde(with = "decimal_num")]
    pub mos: Decimal,
    /// The platform fee's parameters; absent for a market without fees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fd: Option<FeeDetails>,
}

/// `fd` of [`ClobMarketInfo`]: the V2 platform fee `shares × r × (p(1 − p))^e`
/// (see [`crate::fees`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeDetails {
    /// The rate (a JSON number, `0.02`).
    #[serde(with = "decimal_num")]
    pub r: Decimal,
    /// The exponent.
    pub e: u8,
    /// Takers only.
    #[serde(default)]
    pub to: bool,
}
