//! Per-user data: balances, notifications, keys, heartbeats, and the error body.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::serde_util::decimal_str;

/// `GET /balance-allowance`, in base units (decimal strings).
///
/// Two forms exist: `{balance, allowance}` (the TypeScript client's type) and
/// `{balance, allowances: {exchange: amount}}` (the official Rust SDK). We read either and write
/// both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceAllowance {
    /// Balance in base units.
    #[serde(with = "decimal_str")]
    pub balance: Decimal,
    /// Allowance in base units, as sent: a decimal integer that may be as large as 2^256 − 1
    /// (an unlimited approval), beyond what `Decimal` holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowance: Option<String>,
    /// Allowance per spender (exchange address).
    #[serde(default)]
    pub allowances: BTreeMap<String, String>,
}

/// A notification (`GET /notifications`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Notification id.
    pub id: u64,
    /// 1 = order cancelled, 2 = order filled, 4 = market resolved.
    #[serde(rename = "type")]
    pub kind: u32,
    /// The API key it is for (`""` for a global one).
    #[serde(default)]
    pub owner: String,
    /// Details (order id, market, sizes, …).
    #[serde(default)]
    pub payload: serde_json::Value,
    /// Unix seconds, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<u64>,
}

impl Notification {
    /// Type of an order cancellation.
    pub const ORDER_CANCELLATION: u32 = 1;
    /// Type of an order fill (maker or taker).
    pub const ORDER_FILL: u32 = 2;
    /// Type of a market resolution.
    pub const MARKET_RESOLVED: u32 = 4;
}

/// `GET /auth/api-keys`: `{"apiKeys": [...]}` (strings; objects with `apiKey` are read too).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ApiKeysResponse {
    /// The keys of the authenticated address.
    #[serde(rename = "apiKeys", default, deserialize_with = "keys_any_form")]
    pub api_keys: Vec<String>,
}

fn keys_any_form<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum K {
        S(String),
        O {
            #[serde(rename = "apiKey", alias = "key")]
            api_key: String,
        },
    }
    Ok(Vec::<K>::deserialize(d)?
        .into_iter()
        .map(|k| match k {
            K::S(s) | K::O { api_key: s } => s,
        })
        .collect())
}

/// `GET /auth/ban-status/closed-only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BanStatus {
    /// Whether the address may only close positions.
    pub closed_only: bool,
}

/// `POST /v1/heartbeats` body: `null` to start a chain, then the last id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatRequest {
    /// The previous heartbeat id, or `None` for the first.
    pub heartbeat_id: Option<String>,
}

/// `POST /v1/heartbeats` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatResponse {
    /// The id to send next time.
    pub heartbeat_id: String,
}

/// Every error answer: `{"error": "..."}`, sometimes with extra keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The message.
    pub error: String,
    /// Extra keys (e.g. `heartbeat_id`).
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// `GET /order-scoring`: whether the order earns liquidity rewards now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderScoring {
    /// `true` while the order counts toward rewards.
    #[serde(default)]
    pub scoring: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_balance_forms() {
        let a: BalanceAllowance =
            serde_json::from_str(r#"{"balance":"1000000","allowance":"5"}"#).unwrap();
        assert_eq!(a.allowance.as_deref(), Some("5"));
        let max = r#"{"balance":"1","allowance":"115792089237316195423570985008687907853269984665640564039457584007913129639935"}"#;
        assert!(serde_json::from_str::<BalanceAllowance>(max).is_ok());
        let b: BalanceAllowance =
            serde_json::from_str(r#"{"balance":"1000000","allowances":{"0x4bFb":"7"}}"#).unwrap();
        assert_eq!(b.allowance, None);
        assert_eq!(b.allowances.len(), 1);
        let k: ApiKeysResponse =
            serde_json::from_str(r#"{"apiKeys":["a",{"apiKey":"b"}]}"#).unwrap();
        assert_eq!(k.api_keys, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(
            serde_json::to_string(&HeartbeatRequest { heartbeat_id: None }).unwrap(),
            r#"{"heartbeat_id":null}"#
        );
        let e: ErrorBody =
            serde_json::from_str(r#"{"error":"Invalid Heartbeat ID","heartbeat_id":"x"}"#).unwrap();
        assert_eq!(e.extra.len(), 1);
    }
}
