//! Recording a venue's market channel to newline-delimited JSON, through reconnections (gaps
//! are marked), for [`crate::replay`]: `clobkit record --token T … --out FILE`.
//!
//! Each line is one of:
//! - `{"market":{"condition_id","tokens":[first,second],"tick_size","min_order_size","neg_risk"}}`,
//!   written before the first event of each market (read once over REST);
//! - `{"recv_ms":…,"event":{…}}`: an event as received, with the unix milliseconds it came;
//! - `{"recv_ms":…,"gap":"…"}` when the connection was lost, `{"recv_ms":…,"reconnected":true}`
//!   when it is back (fresh snapshots follow).

use std::collections::HashSet;
use std::io::Write;

use clobkit_client::ws::{MarketStream, StreamConfig, StreamItem};
use clobkit_client::{ClobClient, Public};
use clobkit_core::types::{ConditionId, TokenId};
use clobkit_core::wire::stream::StreamEvent;
use serde::{Deserialize, Serialize};

/// A market as the recording describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedMarket {
    /// The condition id.
    pub condition_id: ConditionId,
    /// Its two tokens, the first first.
    pub tokens: [TokenId; 2],
    /// Its tick size (`"0.01"`).
    pub tick_size: String,
    /// Its minimum order size (`"5"`).
    pub min_order_size: String,
    /// Whether it is neg-risk.
    pub neg_risk: bool,
}

/// One line of a recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Line {
    /// A market's description.
    Market {
        /// It.
        market: RecordedMarket,
    },
    /// An event.
    Event {
        /// Unix milliseconds it was received.
        recv_ms: u64,
        /// The event, as received.
        event: serde_json::Value,
    },
    /// The connection was lost.
    Gap {
        /// Unix milliseconds.
        recv_ms: u64,
        /// Why.
        gap: String,
    },
    /// The connection is back.
    Reconnected {
        /// Unix milliseconds.
        recv_ms: u64,
        /// Always true.
        reconnected: bool,
    },
}

/// Why a recording failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The output could not be written.
    #[error("cannot write the recording: {0}")]
    Write(String),
    /// A recording line that does not read.
    #[error("line {line} of the recording: {reason}")]
    Read {
        /// 1-based.
        line: usize,
        /// Why.
        reason: String,
    },
}

fn write_line(out: &mut impl Write, line: &Line) -> Result<(), RecordError> {
    let text = serde_json::to_string(line).map_err(|e| RecordError::Write(e.to_string()))?;
    writeln!(out, "{text}").map_err(|e| RecordError::Write(e.to_string()))
}

/// Records the market channel of `tokens` at `ws` (markets described from `rest`) into `out`
/// until `until` resolves; returns how many events were written.
pub async fn record(
    ws: &str,
    rest: &ClobClient<Public>,
    tokens: Vec<TokenId>,
    out: &mut impl Write,
    until: impl std::future::Future<Output = ()>,
) -> Result<u64, RecordError> {
    let mut stream = MarketStream::new(ws, StreamConfig::default());
    stream.subscribe(tokens);
    let mut described: HashSet<ConditionId> = HashSet::new();
    let mut events = 0u64;
    tokio::pin!(until);
    loop {
        let item = tokio::select! {
            item = stream.next() => match item {
                Some(i) => i,
                None => break,
            },
            () = &mut until => break,
        };
        let recv_ms = clobkit_core::clock::unix_millis();
        let line = match item {
            StreamItem::Event { event, .. } => {
                if let StreamEvent::Book(b) = &event
                    && described.insert(b.market)
                    && let Ok(m) = rest.get_market(&b.market).await
                {
                    let tokens: Vec<TokenId> = m
                        .tokens
                        .iter()
                        .filter_map(|t| t.token_id.parse().ok())
                        .collect();
                    if let [first, second] = tokens[..] {
                        write_line(
                            out,
                            &Line::Market {
                                market: RecordedMarket {
                                    condition_id: b.market,
                                    tokens: [first, second],
                                    tick_size: m.minimum_tick_size.as_str().to_owned(),
                                    min_order_size: m.minimum_order_size.to_string(),
                                    neg_risk: m.neg_risk,
                                },
                            },
                        )?;
                    }
                }
                let value = match &event {
                    StreamEvent::Unknown { raw, .. } => raw.clone(),
                    e => serde_json::to_value(e).map_err(|e| RecordError::Write(e.to_string()))?,
                };
                events += 1;
                Line::Event {
                    recv_ms,
                    event: value,
                }
            }
            StreamItem::Gap { reason, .. } => Line::Gap {
                recv_ms,
                gap: format!("{reason:?}"),
            },
            StreamItem::Reconnected { .. } => Line::Reconnected {
                recv_ms,
                reconnected: true,
            },
            _ => continue,
        };
        write_line(out, &line)?;
    }
    out.flush().map_err(|e| RecordError::Write(e.to_string()))?;
    Ok(events)
}

/// Reads a recording.
pub fn read(text: &str) -> Result<Vec<Line>, RecordError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| RecordError::Read {
                line: i + 1,
                reason: e.to_string(),
            })
        })
        .collect()
}
