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
