//! Query strings and batch bodies of the public calls.

use clobkit_core::types::TokenId;
use clobkit_core::wire::Cursor;
use serde_json::{Value, json};

pub(super) fn query(pairs: &[(&str, Option<String>)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", encode(v))))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// The query of the per-token public calls: `?token_id=…`.
pub(super) fn token_query(token: &TokenId) -> String {
    query(&[("token_id", Some(token.to_string()))])
}

/// The body of the batch public calls: `[{"token_id": …}, …]`.
pub(super) fn token_list(tokens: &[TokenId]) -> Value {
    Value::Array(
        tokens
            .iter()
            .map(|t| json!({ "token_id": t.to_string() }))
            .collect(),
    )
}

/// The query of the trade listings: the filters of `params` from `cursor`, for one builder's
/// trades when `builder` is given (`/builder/trades`).
pub(super) fn trade_query(
    builder: Option<&clobkit_core::B256>,
    params: &crate::args::TradeParams,
    cursor: &str,
) -> String {
    query(&[
        ("builder_code", builder.map(|c| c.to_string())),
        ("market", params.market.map(|m| m.to_string())),
        ("asset_id", params.asset_id.map(|a| a.to_string())),
        ("after", params.after.map(|a| a.to_string())),
        ("before", params.before.map(|b| b.to_string())),
        (
            "maker_address",
            params.maker_address.map(|a| a.to_checksum(None)),
        ),
        ("id", params.id.clone()),
        ("next_cursor", Some(cursor.to_owned())),
    ])
}

/// The query of a public paged listing: just the cursor (the first page when `None`).
pub(super) fn cursor_query(next_cursor: Option<&str>) -> String {
    query(&[(
        "next_cursor",
        Some(next_cursor.unwrap_or(Cursor::START).to_owned()),
    )])
}

/// Percent-encodes a query value (unreserved characters kept).
pub(super) fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
