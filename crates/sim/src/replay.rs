//! Replaying a recording (`clobkit serve --replay FILE [--speed X]`): the recorded books become
//! resting liquidity of a house account on the local exchange, changed as the recording changed
//! them, so a user's orders trade against what the venue showed.
//!
//! The fill model:
//! - the first token's book is replayed (the second is its mirror on the exchange, as on the
//!   venue); each price level is a queue of house orders, oldest first;
//! - a level that grows gets a new house order for the difference, at the back of the queue, so
//!   a user's order that joined the level earlier stays ahead of it and one that joins later
//!   waits behind the recorded size;
//! - a level that shrinks loses its newest house orders first (cancellations come from the back
//!   of the house's queue);
//! - a recorded trade is replayed as a fill-and-kill order of the recorded size at the recorded
//!   price from the taker's side, which takes the level in time priority: the house orders ahead
//!   of a user's order first, then the user's. A recorded BUY of less than $1 cannot be sent (the
//!   exchange's minimum for a marketable BUY) and is skipped; the level's next recorded size
//!   still applies;
//! - replayed markets accept orders down to 0.01 share, so every recorded size can be mirrored;
//! - the house sees its own fills on the user channel, and reads its open orders again after each
//!   replayed trade; between a user's fill and its event the house's view of a level can be a
//!   moment behind.
//!
//! Gaps in the recording are reported, not filled: the snapshot after the reconnection resets
//! each level.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

use clobkit_client::ws::{StreamConfig, StreamItem, UserStream};
use clobkit_client::{
    ClobClient, CreateOrderOptions, L2, MarketOrderArgs, OpenOrderParams, OrderArgs, Pages,
};
use clobkit_core::Decimal;
use clobkit_core::signer::{LocalSigner, Signer as _};
use clobkit_core::types::{OrderId, OrderType, Side, TokenId};
use clobkit_core::wire::OrderStatus;
use clobkit_core::wire::stream::{OrderEventKind, StreamEvent};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::record::Line;
use crate::run::{SimError, admin, funded_client};

/// Collateral the house is funded with.
pub const HOUSE_FUNDING: u64 = 10_000_000;
/// Pairs it splits in each market (so it can rest asks).
pub const HOUSE_PAIRS: u64 = 5_000_000;

/// What a replay did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayReport {
    /// Events replayed.
    pub events: u64,
    /// House orders placed.
    pub house_orders: u64,
    /// Recorded trades replayed.
    pub trades: u64,
    /// Recorded trades that could not be sent (a BUY under $1).
    pub skipped_trades: u64,
    /// Orders the exchange refused.
    pub refused: u64,
    /// Gaps the recording had.
    pub gaps: u64,
}

/// A running replay.
pub struct Replay {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<ReplayReport>,
}

/// One house order: its id and what is left of it.
type Queue = VecDeque<(OrderId, Decimal)>;

struct House {
    client: ClobClient<L2<LocalSigner>>,
    /// Per (token, side, price): the house's orders there, oldest first.
    levels: BTreeMap<(TokenId, Side, Decimal), Queue>,
    /// Where each house order rests.
    orders: HashMap<OrderId, (TokenId, Side, Decimal)>,
    report: ReplayReport,
}

impl House {
    fn size_at(&self, key: &(TokenId, Side, Decimal)) -> Decimal {
        self.levels
            .get(key)
            .map_or(Decimal::ZERO, |q| q.iter().map(|(_, r)| *r).sum())
    }

    /// Makes the house's size at a level `target`.
    async fn set_level(&mut self, token: TokenId, side: Side, price: Decimal, target: Decimal) {
        let key = (token, side, price);
        let mut current = self.size_at(&key);
        while current > target {
            let Some((id, left)) = self.levels.get_mut(&key).and_then(VecDeque::pop_back) else {
                break;
            };
            self.orders.remove(&id);
            let _ = self.client.cancel_order(&id).await;
            current -= left;
        }
        if target > current {
            self.post(token, side, price, target - current).await;
        }
    }

    async fn post(&mut self, token: TokenId, side: Side, price: Decimal, size: Decimal) {
        let args = OrderArgs::new(token, price, size, side);
        match self
            .client
            .create_and_post_order(&args, CreateOrderOptions::default(), OrderType::Gtc)
            .await
        {
            Ok(r) => {
                self.report.house_orders += 1;
                if let Ok(id) = r.order_id.parse::<OrderId>() {
                    let key = (token, side, price);
                    self.levels.entry(key).or_default().push_back((id, size));
                    self.orders.insert(id, key);
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "replay: a house order was refused");
                self.report.refused += 1;
            }
        }
    }

    /// Reads the house's open orders in `token` and keeps, level by level and in queue order,
    /// what is still open with what is left of it.
    async fn resync(&mut self, token: TokenId) {
        let params = OpenOrderParams::default().asset_id(token);
        let Ok(open) = self.client.get_open_orders(&params, Pages::All, None).await else {
            return;
        };
        let left: HashMap<OrderId, Decimal> = open
            .iter()
            .map(|o| (o.id, o.original_size - o.size_matched))
            .collect();
        for ((t, _, _), q) in self.levels.iter_mut() {
            if *t != token {
                continue;
            }
            q.retain_mut(|(id, rest)| match left.get(id) {
                Some(l) if !l.is_zero() => {
                    *rest = *l;
                    true
                }
                _ => false,
            });
        }
        self.orders
            .retain(|id, (t, _, _)| *t != token || left.contains_key(id));
    }

    /// The house's own order changed (a user filled it, or it filled).
    fn own(&mut self, kind: &OrderEventKind, id: OrderId, status: &OrderStatus, left: Decimal) {
        let Some(key) = self.orders.get(&id).copied() else {
            return;
        };
        let gone = *kind == OrderEventKind::Cancellation
            || *status == OrderStatus::Matched
            || left.is_zero();
        if let Some(q) = self.levels.get_mut(&key) {
            if gone {
                q.retain(|(o, _)| *o != id);
            } else if let Some(entry) = q.iter_mut().find(|(o, _)| *o == id) {
                entry.1 = left;
            }
        }
        if gone {
            self.orders.remove(&id);
        }
    }

    /// Replays one event of a first token.
    async fn apply(&mut self, event: &StreamEvent, first: &[TokenId]) {
        match event {
            StreamEvent::Book(b) if first.contains(&b.asset_id) => {
                for (side, levels) in [(Side::Buy, &b.bids), (Side::Sell, &b.asks)] {
                    let recorded: BTreeMap<Decimal, Decimal> = levels
                        .iter()
                        .map(|l| (l.price.normalize(), l.size))
                        .collect();
                    let held: Vec<Decimal> = self
                        .levels
                        .keys()
                        .filter(|(t, s, _)| *t == b.asset_id && *s == side)
                        .map(|(_, _, p)| *p)
                        .collect();
                    for p in held {
                        if !recorded.contains_key(&p) {
                            self.set_level(b.asset_id, side, p, Decimal::ZERO).await;
                        }
                    }
                    for (p, size) in recorded {
                        self.set_level(b.asset_id, side, p, size).await;
                    }
                }
            }
            StreamEvent::PriceChange(pc) => {
                for c in pc
                    .price_changes
                    .iter()
                    .filter(|c| first.contains(&c.asset_id))
                {
                    self.set_level(c.asset_id, c.side, c.price.normalize(), c.size)
                        .await;
                }
            }
            StreamEvent::LastTradePrice(t) if first.contains(&t.asset_id) => {
                let amount = match t.side {
                    Side::Buy => (t.size * t.price).trunc_with_scale(2),
                    Side::Sell => t.size,
                };
                if t.side == Side::Buy && amount < Decimal::ONE {
                    self.report.skipped_trades += 1;
                    return;
                }
                let args = MarketOrderArgs::new(t.asset_id, amount, t.side)
                    .price(t.price)
                    .order_type(OrderType::Fak);
                match self
                    .client
                    .create_and_post_market_order(&args, CreateOrderOptions::default())
                    .await
                {
                    Ok(_) => self.report.trades += 1,
                    Err(e) => {
                        tracing::debug!(error = %e, "replay: a recorded trade found nothing to take");
                        self.report.refused += 1;
                    }
                }
                // the trade took house orders (and maybe users'): read what is left
                self.resync(t.asset_id).await;
            }
            _ => {}
        }
    }
}

impl Replay {
    /// Creates the recording's markets and the funded house on the exchange at `base`, then
    /// replays `lines` at `speed` times the recorded pace (2: twice as fast). Needs a tokio
    /// runtime.
    pub async fn start(
        base: &str,
        admin_token: &str,
        lines: Vec<Line>,
        speed: Decimal,
    ) -> Result<Replay, SimError> {
        clobkit_client::install_crypto_provider();
        let mut h = Sha256::new();
        h.update(b"clobkit-replay-house");
        let key: [u8; 32] = h.finalize().into();
        let house_fail = |reason: String| SimError::Agent {
            agent: "house".into(),
            reason,
        };
        let signer = LocalSigner::from_bytes(&key).map_err(|e| house_fail(e.to_string()))?;
        let address = signer.address().to_string();
        let http = reqwest::Client::new();
        let client =
            funded_client(&http, base, admin_token, signer, HOUSE_FUNDING, "house").await?;
        let creds = client.credentials().clone();
        let mut first = Vec::new();
        for line in &lines {
            if let Line::Market { market } = line {
                admin(
                    &http,
                    base,
                    admin_token,
                    "markets",
                    json!({
                        "condition_id": market.condition_id.to_string(),
                        "tokens": [market.tokens[0].to_string(), market.tokens[1].to_string()],
                        "tick_size": market.tick_size,
                        "neg_risk": market.neg_risk,
                        "min_order_size": "0.01",
                    }),
                )
                .await?;
                admin(
                    &http,
                    base,
                    admin_token,
                    "split",
                    json!({ "address": address, "market": market.condition_id.to_string(), "amount": HOUSE_PAIRS.to_string() }),
                )
                .await?;
                first.push(market.tokens[0]);
            }
        }
        let own = UserStream::new(base, &creds, [], StreamConfig::default());
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let house = House {
            client,
            levels: BTreeMap::new(),
            orders: HashMap::new(),
            report: ReplayReport::default(),
        };
        let task = tokio::spawn(run(house, own, lines, first, speed, stopped));
        Ok(Replay { stop, task })
    }

    /// Waits for the end of the recording.
    pub async fn finished(self) -> ReplayReport {
        self.task.await.unwrap_or_default()
    }

    /// Stops now.
    pub async fn stop(self) -> ReplayReport {
        let _ = self.stop.send(true);
        self.task.await.unwrap_or_default()
    }
}

/// Milliseconds after the start at which a recorded time is replayed at `speed`.
fn replay_at(recorded_ms: u64, first_ms: u64, speed: Decimal) -> u64 {
    let elapsed = Decimal::from(recorded_ms.saturating_sub(first_ms));
    let speed = if speed > Decimal::ZERO {
        speed
    } else {
        Decimal::ONE
    };
    u64::try_from((elapsed / speed).trunc()).unwrap_or(u64::MAX)
}

async fn run(
    mut house: House,
    mut own: UserStream,
    lines: Vec<Line>,
    first: Vec<TokenId>,
    speed: Decimal,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> ReplayReport {
    let start = tokio::time::Instant::now();
    let first_ms = lines
        .iter()
        .find_map(|l| match l {
            Line::Event { recv_ms, .. } => Some(*recv_ms),
            _ => None,
        })
        .unwrap_or(0);
    for line in lines {
        let (recv_ms, event) = match line {
            Line::Event { recv_ms, event } => (recv_ms, event),
            Line::Gap { .. } => {
                house.report.gaps += 1;
                continue;
            }
            _ => continue,
        };
        let due = start + Duration::from_millis(replay_at(recv_ms, first_ms, speed));
        // the house's own fills are taken in while it waits for the next event
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(due) => break,
                item = own.next() => {
                    if let Some(StreamItem::Event { event: StreamEvent::Order(o), .. }) = item {
                        house.own(&o.kind, o.id, &o.status, o.original_size - o.size_matched);
                    }
                }
                _ = stop.changed() => return house.report,
            }
        }
        let event = StreamEvent::from_value(event);
        house.apply(&event, &first).await;
        house.report.events += 1;
    }
    house.report
}

#[cfg(test)]
mod tests {
    use super::replay_at;
    use clobkit_core::Decimal;

    #[test]
    fn replay_times_scale_with_the_speed() {
        assert_eq!(replay_at(1_500, 1_000, Decimal::ONE), 500);
        assert_eq!(replay_at(1_500, 1_000, Decimal::TWO), 250);
        assert_eq!(
            replay_at(1_500, 1_000, "0.5".parse().unwrap_or(Decimal::ONE)),
            1_000
        );
        assert_eq!(replay_at(900, 1_000, Decimal::ONE), 0);
    }
}
