//! Queries of the history: every one is served by an index and reads at most one page.

use clobkit_core::types::{ConditionId, OrderId, TokenId};
use clobkit_core::{Address, B256};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};

use super::HistoryError;
use super::rows::{NotificationRow, OrderRow, TradeRow};
use super::schema::id_key;

/// The filters of a trade listing (`/data/trades`, `/builder/trades`); `None` keeps everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TradeQuery {
    /// Only this market.
    pub market: Option<ConditionId>,
    /// Only trades in this token (either side's).
    pub asset: Option<TokenId>,
    /// Only this trade.
    pub trade: Option<u64>,
    /// Only where the viewer's side was funded by this address.
    pub maker: Option<Address>,
    /// Only trades matched at or after this unix second.
    pub after: Option<u64>,
    /// Only trades matched at or before this unix second.
    pub before: Option<u64>,
    /// A filter was given that no trade can match (a malformed id, say): the listing is empty.
    pub nothing: bool,
}

/// One page of a listing ordered by a numeric key: the rows, and the key to continue after when
/// there are more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyset<T> {
    /// The rows, in key order.
    pub rows: Vec<T>,
    /// The last row's key, when another page follows.
    pub next: Option<u64>,
}

impl<T> Keyset<T> {
    /// Splits `limit + 1` fetched `(key, row)`s into a page and whether another follows.
    fn of(mut fetched: Vec<(u64, T)>, limit: usize) -> Keyset<T> {
        let more = fetched.len() > limit;
        fetched.truncate(limit);
        let next = if more {
            fetched.last().map(|(k, _)| *k)
        } else {
            None
        };
        Keyset {
            rows: fetched.into_iter().map(|(_, r)| r).collect(),
            next,
        }
    }
}

/// One trade, seen from one side: by a party (`/data/trades`) or a builder (`/builder/trades`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SideOf {
    /// The trade.
    pub row: TradeRow,
    /// Whether the side is the taker's.
    pub taker: bool,
}

/// Read access to the history, one connection per query.
#[derive(Debug)]
pub struct Reader<'a>(pub(super) &'a Connection);

/// SQL `LIMIT` of a page: one more than it shows, to learn whether another follows.
fn fetch_limit(limit: usize) -> i64 {
    i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX)
}

fn json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, HistoryError> {
    serde_json::from_str(text).map_err(|e| HistoryError::Corrupt(e.to_string()))
}

/// A trade row read with its current status columns.
fn trade_row(row: &str, status: &str, last_update: u64) -> Result<TradeRow, HistoryError> {
    let mut t: TradeRow = json(row)?;
    t.trade.status = clobkit_core::wire::TradeStatus::parse(status);
    t.last_update = last_update;
    Ok(t)
}

/// The filter clauses of a trade listing over the `trades` table aliased `t`, and their
/// parameters: `side_address` is the column of the viewed side's funder, `side_asset` that of its
/// token (`None`: a token filter keeps a trade in either side's token).
fn trade_clauses(
    q: &TradeQuery,
    side_address: &str,
    side_asset: Option<&str>,
) -> (String, Vec<Value>) {
    let mut sql = String::new();
    let mut args = Vec::new();
    if let Some(m) = &q.market {
        sql.push_str(" AND t.market = ?");
        args.push(Value::Text(m.to_string()));
    }
    if let Some(a) = &q.asset {
        match side_asset {
            Some(col) => {
                sql.push_str(&format!(" AND {col} = ?"));
                args.push(Value::Text(a.to_string()));
            }
            None => {
                sql.push_str(" AND (t.asset_id = ? OR t.maker_asset_id = ?)");
                args.push(Value::Text(a.to_string()));
                args.push(Value::Text(a.to_string()));
            }
        }
    }
    if let Some(id) = q.trade {
        sql.push_str(" AND t.id = ?");
        args.push(int(id));
    }
    if let Some(m) = &q.maker {
        sql.push_str(&format!(" AND {side_address} = ?"));
        args.push(Value::Text(m.to_string()));
    }
    if let Some(a) = q.after {
        sql.push_str(" AND t.match_time >= ?");
        args.push(int(a));
    }
    if let Some(b) = q.before {
        sql.push_str(" AND t.match_time <= ?");
        args.push(int(b));
    }
    (sql, args)
}

fn int(v: u64) -> Value {
    Value::Integer(super::schema::int(v))
}

impl Reader<'_> {
    /// An order that ended.
    pub fn order(&self, id: &OrderId) -> Result<Option<OrderRow>, HistoryError> {
        let text: Option<String> = self
            .0
            .prepare_cached("SELECT row FROM orders WHERE id_key = ? AND id = ?")?
            .query_row(params![id_key(id), id.to_string()], |r| r.get(0))
            .optional()?;
        text.map(|t| json(&t)).transpose()
    }

    /// Whether an order with this id ended and is stored (the duplicate check for ids the
    /// engine forgot).
    pub fn has_order(&self, id: &OrderId) -> Result<bool, HistoryError> {
        Ok(self
            .0
            .prepare_cached("SELECT 1 FROM orders WHERE id_key = ? AND id = ?")?
            .query_row(params![id_key(id), id.to_string()], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Ended orders by id, in the order asked (ids not found are left out).
    pub fn orders(&self, ids: &[OrderId]) -> Result<Vec<OrderRow>, HistoryError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(row) = self.order(id)? {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// One trade by id, with its current status (the user channel's status messages for a
    /// trade older than the streams remember).
    pub fn trade(&self, id: u64) -> Result<Option<TradeRow>, HistoryError> {
        let found = self
            .0
            .prepare_cached("SELECT row, status, last_update FROM trades WHERE id = ?")?
            .query_row(params![int(id)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u64>(2)?,
                ))
            })
            .optional()?;
        found
            .map(|(row, status, last_update)| trade_row(&row, &status, last_update))
            .transpose()
    }

    /// The latest `limit` trades of `market`, newest first (the dashboard's tape and price
    /// chart).
    pub fn recent_trades(
        &self,
        market: &ConditionId,
        limit: usize,
    ) -> Result<Vec<TradeRow>, HistoryError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT row, status, last_update FROM trades WHERE market = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![market.to_string(), int(limit as u64)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u64>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.iter()
            .map(|(row, status, last_update)| trade_row(row, status, *last_update))
            .collect()
    }

    /// The trades `owner` took part in with a trade id above `after`, oldest first, at most
    /// `limit`.
    pub fn trades_of(
        &self,
        owner: &str,
        q: &TradeQuery,
        after: u64,
        limit: usize,
    ) -> Result<Keyset<SideOf>, HistoryError> {
        if q.nothing {
            return Ok(Keyset {
                rows: Vec::new(),
                next: None,
            });
        }
        let (clauses, args) = trade_clauses(q, "p.address", None);
        let sql = format!(
            "SELECT t.id, p.is_taker, t.row, t.status, t.last_update FROM trade_parties p \
             JOIN trades t ON t.id = p.trade_id \
             WHERE p.owner = ? AND p.trade_id > ?{clauses} ORDER BY p.trade_id LIMIT ?"
        );
        self.sides(&sql, Value::Text(owner.to_owned()), after, args, limit)
    }

    /// The sides of trades whose order carried builder `code`, after position `after` (a trade's
    /// taker side is at `2 × id`, its maker side at `2 × id + 1`), at most `limit`.
    pub fn builder_trades(
        &self,
        code: &B256,
        q: &TradeQuery,
        after: u64,
        limit: usize,
    ) -> Result<Keyset<SideOf>, HistoryError> {
        if q.nothing {
            return Ok(Keyset {
                rows: Vec::new(),
                next: None,
            });
        }
        let (clauses, args) = trade_clauses(q, "b.address", Some("b.asset_id"));
        let sql = format!(
            "SELECT b.pos, b.is_taker, t.row, t.status, t.last_update FROM builder_trades b \
             JOIN trades t ON t.id = b.trade_id \
             WHERE b.code = ? AND b.pos > ?{clauses} ORDER BY b.pos LIMIT ?"
        );
        self.sides(&sql, Value::Text(code.to_string()), after, args, limit)
    }

    /// Runs a side listing: `sql` takes the listing's key, the key to resume after, the filters'
    /// `args` and the limit, in that order.
    fn sides(
        &self,
        sql: &str,
        key: Value,
        after: u64,
        args: Vec<Value>,
        limit: usize,
    ) -> Result<Keyset<SideOf>, HistoryError> {
        let mut all = Vec::with_capacity(args.len() + 3);
        all.push(key);
        all.push(int(after));
        all.extend(args);
        all.push(Value::Integer(fetch_limit(limit)));
        let mut stmt = self.0.prepare_cached(sql)?;
        let raw = stmt
            .query_map(rusqlite::params_from_iter(all), |r| {
                Ok((
                    r.get::<_, u64>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, u64>(4)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut fetched = Vec::with_capacity(raw.len());
        for (key, taker, row, status, last_update) in raw {
            fetched.push((
                key,
                SideOf {
                    row: trade_row(&row, &status, last_update)?,
                    taker,
                },
            ));
        }
        Ok(Keyset::of(fetched, limit))
    }

    /// Trade prices of `token` matched in `[start, end]`, oldest first: the taker's price where
    /// the token is the taker's, the maker's where it is the maker's (MINT/MERGE).
    pub fn price_history(
        &self,
        token: &TokenId,
        start: u64,
        end: u64,
    ) -> Result<Vec<(u64, u32)>, HistoryError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT match_time, price_pips, id FROM trades \
               WHERE asset_id = ?1 AND match_time BETWEEN ?2 AND ?3 \
             UNION ALL \
             SELECT match_time, maker_price_pips, id FROM trades \
               WHERE maker_asset_id = ?1 AND asset_id <> ?1 AND match_time BETWEEN ?2 AND ?3 \
             ORDER BY 3",
        )?;
        let rows = stmt
            .query_map(params![token.to_string(), int(start), int(end)], |r| {
                Ok((r.get::<_, u64>(0)?, r.get::<_, u32>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// `owner`'s notifications with an id above `after`, oldest first, at most `limit`.
    pub fn notifications(
        &self,
        owner: &str,
        after: u64,
        limit: usize,
    ) -> Result<Keyset<NotificationRow>, HistoryError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT id, kind, payload, timestamp FROM notifications \
             WHERE owner = ? AND id > ? ORDER BY id LIMIT ?",
        )?;
        let raw = stmt
            .query_map(params![owner, int(after), fetch_limit(limit)], |r| {
                Ok((
                    r.get::<_, u64>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, u64>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut fetched = Vec::with_capacity(raw.len());
        for (id, kind, payload, timestamp) in raw {
            fetched.push((
                id,
                NotificationRow {
                    id,
                    kind,
                    payload: json(&payload)?,
                    timestamp,
                },
            ));
        }
        Ok(Keyset::of(fetched, limit))
    }
}
