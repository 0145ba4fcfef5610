//! `clobkit watch TOKEN` (a token's live book and trades, redrawn in place) and `clobkit stream
//! market|user …` (one JSON line per event, for scripts), over `clobkit_client::ws`.

use std::collections::VecDeque;
use std::io::Write as _;
use std::time::{Duration, Instant};

use clap::Subcommand;
use clobkit_client::ws::{MarketStream, StreamConfig, StreamItem, UserStream};
use clobkit_core::types::{ConditionId, TokenId};
use clobkit_core::wire::stream::StreamEvent;
use serde_json::{Value, json};

use crate::error::CliError;
use crate::trade::Conn;

/// `clobkit stream …`.
#[derive(Subcommand, Debug)]
pub enum StreamCmd {
    /// The market channel of some tokens.
    Market {
        /// Token ids.
        #[arg(required = true)]
        tokens: Vec<String>,
        /// Also `best_bid_ask`, `new_market` and `market_resolved`.
        #[arg(long)]
        custom: bool,
    },
    /// Your orders and trades (credentials as for the trading commands).
    User {
        /// Only these markets (condition ids); all by default.
        #[arg(long = "market")]
        markets: Vec<String>,
    },
}

/// The WebSocket base of `conn`: `--ws` when given, else the REST host's.
fn ws_base(conn: &Conn, ws: Option<&str>) -> String {
    ws.map_or_else(|| conn.host.clone(), str::to_owned)
}

fn token(s: &str) -> Result<TokenId, CliError> {
    s.parse().map_err(|e| CliError::input("token id", s, e))
}

/// One line of `stream`: the event as the exchange sent it, or a connection item under
/// `"clobkit"`.
fn line(item: &StreamItem) -> Value {
    match item {
        StreamItem::Event { event, .. } => match event {
            StreamEvent::Unknown { raw, .. } => raw.clone(),
            e => serde_json::to_value(e).unwrap_or(Value::Null),
        },
        StreamItem::Connected { shard } => json!({ "clobkit": "connected", "socket": shard }),
        StreamItem::Gap { shard, reason } => {
            json!({ "clobkit": "gap", "socket": shard, "reason": format!("{reason:?}") })
        }
        StreamItem::Reconnected {
            shard,
            attempts,
            down_for,
        } => json!({
            "clobkit": "reconnected", "socket": shard, "attempts": attempts,
            "down_ms": down_for.as_millis() as u64,
        }),
        StreamItem::Stale {
            shard,
            asset,
            silent_for,
        } => json!({
            "clobkit": "stale", "socket": shard, "asset_id": asset.to_string(),
            "silent_ms": silent_for.as_millis() as u64,
        }),
        StreamItem::BookChecked { asset, differences } => json!({
            "clobkit": "book_checked", "asset_id": asset.to_string(), "differences": differences,
        }),
        StreamItem::SnapshotIgnored {
            asset,
            snapshot,
            book,
        } => json!({
            "clobkit": "snapshot_ignored", "asset_id": asset.to_string(),
            "snapshot": snapshot, "book": book,
        }),
        StreamItem::Notice { shard, text } => {
            json!({ "clobkit": "notice", "socket": shard, "text": text })
        }
    }
}

/// `clobkit stream …`: prints until interrupted.
pub async fn stream(conn: &Conn, ws: Option<&str>, cmd: StreamCmd) -> Result<(), CliError> {
    let base = ws_base(conn, ws);
    let mut out = std::io::stdout().lock();
    let mut print = |item: &StreamItem| writeln!(out, "{}", line(item)).is_ok();
    match cmd {
        StreamCmd::Market { tokens, custom } => {
            let tokens = tokens
                .iter()
                .map(|t| token(t))
                .collect::<Result<Vec<_>, _>>()?;
            let mut s = MarketStream::new(&base, StreamConfig::default());
            if custom {
                s = s.with_custom_features();
            }
            s.subscribe(tokens);
            while let Some(item) = next_or_interrupt(s.next()).await {
                if !print(&item) {
                    break;
                }
            }
        }
        StreamCmd::User { markets } => {
            let markets = markets
                .iter()
                .map(|m| {
                    m.parse::<ConditionId>()
                        .map_err(|e| CliError::input("market", m, e))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let client = crate::trade::l2(conn).await?;
            let mut s = UserStream::new(
                &base,
                client.credentials(),
                markets,
                StreamConfig::default(),
            );
            while let Some(item) = next_or_interrupt(s.next()).await {
                if !print(&item) {
                    break;
                }
            }
        }
    }
    Ok(())
}

/// The next item, or `None` on Ctrl-C.
async fn next_or_interrupt<F: std::future::Future<Output = Option<StreamItem>>>(
    next: F,
) -> Option<StreamItem> {
    tokio::select! {
        item = next => item,
        _ = tokio::signal::ctrl_c() => None,
    }
}

/// `clobkit watch TOKEN`: the book (`depth` levels a side) and the last trades, redrawn at
/// most ten times a second, until interrupted.
pub async fn watch(
    conn: &Conn,
    ws: Option<&str>,
    token_id: &str,
    depth: usize,
) -> Result<(), CliError> {
    let asset = token(token_id)?;
    let mut s = MarketStream::new(&ws_base(conn, ws), StreamConfig::default());
    s.subscribe([asset]);
    let mut tape: VecDeque<String> = VecDeque::new();
    let mut state = "connecting".to_owned();
    let mut drawn = Instant::now() - Duration::from_secs(1);
    while let Some(item) = next_or_interrupt(s.next()).await {
        match &item {
            StreamItem::Event {
                event: StreamEvent::LastTradePrice(t),
                ..
            } if t.asset_id == asset => {
                tape.push_front(format!(
                    "{:>4} {:>8} @ {}",
                    t.side.as_str(),
                    t.size.normalize(),
                    t.price
                ));
                tape.truncate(10);
            }
            StreamItem::Connected { .. } => state = "live".into(),
            StreamItem::Reconnected { .. } => state = "live (reconnected)".into(),
            StreamItem::Gap { reason, .. } => state = format!("reconnecting: {reason:?}"),
            _ => {}
        }
        if drawn.elapsed() < Duration::from_millis(100) {
            continue;
        }
        drawn = Instant::now();
        let mut screen = String::from("\x1b[2J\x1b[H");
        screen.push_str(&format!("{token_id}  [{state}]\n\n"));
        match s.books().get(&asset) {
            None => screen.push_str("waiting for the book…\n"),
            Some(book) => {
                let asks: Vec<_> = book.asks().take(depth).collect();
                for (p, size) in asks.iter().rev() {
                    screen.push_str(&format!(
                        "        {:>8}  {:>12}  ask\n",
                        p.normalize(),
                        size.normalize()
                    ));
                }
                let mid = book.midpoint().map_or("-".into(), |m| m.to_string());
                let spread = book
                    .spread()
                    .map_or("-".into(), |m| m.normalize().to_string());
                screen.push_str(&format!(
                    "  ----- mid {mid}  spread {spread} -----{}\n",
                    if book.fresh { "" } else { " (stale)" }
                ));
                for (p, size) in book.bids().take(depth) {
                    screen.push_str(&format!(
                        "        {:>8}  {:>12}  bid\n",
                        p.normalize(),
                        size.normalize()
                    ));
                }
            }
        }
        screen.push_str("\nlast trades\n");
        for t in &tape {
            screen.push_str(&format!("  {t}\n"));
        }
        let mut out = std::io::stdout().lock();
        if out
            .write_all(screen.as_bytes())
            .and_then(|()| out.flush())
            .is_err()
        {
            break;
        }
    }
    Ok(())
}

/// `clobkit record`: the market channel of `tokens` to `out`, until Ctrl-C or `for_secs`.
pub async fn record(
    conn: &Conn,
    ws: Option<&str>,
    tokens: &[String],
    out: &std::path::Path,
    for_secs: Option<u64>,
) -> Result<(), CliError> {
    let tokens = tokens
        .iter()
        .map(|t| token(t))
        .collect::<Result<Vec<_>, _>>()?;
    let file = |reason: String| CliError::File {
        path: out.to_path_buf(),
        reason,
    };
    let mut w =
        std::io::BufWriter::new(std::fs::File::create(out).map_err(|e| file(e.to_string()))?);
    let rest = clobkit_client::ClobClient::new(&conn.host, clobkit_core::chain::Chain::Polygon)?;
    let until = async move {
        match for_secs {
            Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    };
    let n = clobkit_sim::record::record(&ws_base(conn, ws), &rest, tokens, &mut w, until)
        .await
        .map_err(|e| file(e.to_string()))?;
    eprintln!("{n} events recorded to {}", out.display());
    Ok(())
}
