//! Faults on demand: what production throws at bots (websocket.md §6), injected into the local
//! exchange so a bot can meet them on purpose. A test tool: nothing is armed unless an operator
//! asks (admin routes, loopback and admin token only; `clobkit admin fault …`), every fault is
//! logged when armed, each time it fires and when cleared, and listed until it is cleared.
//!
//! | kind | where | what happens |
//! |---|---|---|
//! | `freeze` | channel | data stops; `PONG` still answers (the silent freeze) |
//! | `drop` | channel | open connections are cut without a close frame (and new ones while a duration lasts) |
//! | `pong_delay` | channel | each `PONG` comes `delay_ms` late |
//! | `pong_withheld` | channel | no `PONG` at all |
//! | `burst` | market channel | `events` copies of each subscribed book, at once |
//! | `duplicate_snapshot` | market channel | each subscribed book again |
//! | `stale_snapshot` | market channel | each subscribed book as it was at an earlier snapshot |
//! | `unknown_event` | channel | an event whose type no client knows |
//! | `too_many_requests` | route | 429 with `Retry-After: retry_after` |
//! | `too_early` | route | 425 (production, while its engine restarts) |
//! | `execution_failed` | route | 500 `could not run the execution` |
//! | `delay` | route | the request is carried out at once, its answer sent `delay_ms` late |
//! | `answer_lost` | route | the request is carried out (an order is applied and journaled), then the connection is closed without an answer |
//!
//! A fault lasts `duration_ms`, or `count` uses (requests it answered, for route faults), or
//! until cleared; the instant ones (`drop` without a duration, `burst`, the snapshots,
//! `unknown_event`) act once when armed. A tick-size change is the admin route
//! `/admin/tick-size` (it is a real, journaled change).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clobkit_core::wire::stream::ChannelKind;
use serde::{Deserialize, Serialize};

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Channel data stops, `PONG` goes on.
    Freeze,
    /// Connections are cut.
    Drop,
    /// `PONG`s come late.
    PongDelay,
    /// No `PONG`s.
    PongWithheld,
    /// Many copies of each book at once.
    Burst,
    /// Each book again.
    DuplicateSnapshot,
    /// Each book as it was earlier.
    StaleSnapshot,
    /// An event of a type nobody knows.
    UnknownEvent,
    /// 429 with `Retry-After`.
    TooManyRequests,
    /// 425.
    TooEarly,
    /// 500 `could not run the execution`.
    ExecutionFailed,
    /// A late answer.
    Delay,
    /// Carried out, answer never sent.
    AnswerLost,
}

impl FaultKind {
    /// Whether it acts on a channel (else on routes).
    pub fn on_channel(self) -> bool {
        matches!(
            self,
            FaultKind::Freeze
                | FaultKind::Drop
                | FaultKind::PongDelay
                | FaultKind::PongWithheld
                | FaultKind::Burst
                | FaultKind::DuplicateSnapshot
                | FaultKind::StaleSnapshot
                | FaultKind::UnknownEvent
        )
    }

    /// Whether it acts once, when armed, on the connections open then.
    pub fn instant(self) -> bool {
        matches!(
            self,
            FaultKind::Burst
                | FaultKind::DuplicateSnapshot
                | FaultKind::StaleSnapshot
                | FaultKind::UnknownEvent
        )
    }
}

impl std::str::FromStr for FaultKind {
    type Err = FaultError;
    /// The wire name (`pong_delay`) or the command line's (`pong-delay`).
    fn from_str(s: &str) -> Result<FaultKind, FaultError> {
        let name = serde_json::Value::String(s.trim().replace('-', "_"));
        serde_json::from_value(name).map_err(|_| {
            FaultError::Invalid(format!(
                "unknown fault kind {s:?}: expected freeze, drop, pong-delay, pong-withheld, burst, duplicate-snapshot, stale-snapshot, unknown-event, too-many-requests, too-early, execution-failed, delay or answer-lost"
            ))
        })
    }
}

/// Which channels a fault acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ChannelScope {
    /// `/ws/market`.
    #[default]
    Market,
    /// `/ws/user`.
    User,
    /// Both.
    All,
}

impl ChannelScope {
    /// Whether it covers `channel`.
    pub fn covers(self, channel: ChannelKind) -> bool {
        matches!(
            (self, channel),
            (ChannelScope::All, _)
                | (ChannelScope::Market, ChannelKind::Market)
                | (ChannelScope::User, ChannelKind::User)
        )
    }
}

/// An operator's request for a fault (the JSON of `POST /admin/faults`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// What it does.
    pub kind: FaultKind,
    /// Channel faults: which channels (default `market`).
    #[serde(default)]
    pub channel: ChannelScope,
    /// Route faults: which requests, `METHOD /path` or `/path` (any method); a trailing `*`
    /// matches any rest, `*` alone every route (the default).
    #[serde(default)]
    pub route: Option<String>,
    /// How long it lasts, milliseconds.
    #[serde(default)]
    pub duration_ms: Option<u64>,
    /// How many uses it lasts.
    #[serde(default)]
    pub count: Option<u32>,
    /// `pong_delay`, `delay`: how late, milliseconds.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// `burst`: copies of each book (default 100).
    #[serde(default)]
    pub events: Option<u32>,
    /// `too_many_requests`: the `Retry-After` seconds (default 1).
    #[serde(default)]
    pub retry_after: Option<u64>,
}

/// A fault that is armed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaultView {
    /// Its id (to clear it alone).
    pub id: u64,
    /// What was asked.
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// Uses left (`None`: not counted).
    pub remaining: Option<u32>,
    /// Milliseconds left (`None`: until cleared or used up).
    pub expires_in_ms: Option<u64>,
    /// How many times it fired.
    pub fired: u64,
}

/// Why a fault request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    /// A route fault given a channel scope, or the reverse.
    #[error("{0}")]
    Invalid(String),
}

/// What a route fault does to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteFault {
    /// Answer 429 with this `Retry-After`.
    TooManyRequests(u64),
    /// Answer 425.
    TooEarly,
    /// Answer 500 `could not run the execution`.
    ExecutionFailed,
    /// Answer after this delay.
    Delay(Duration),
    /// Carry it out, send nothing.
    AnswerLost,
}

/// What the `PONG` of a channel does now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pong {
    /// At once.
    Now,
    /// Late.
    After(Duration),
    /// Never.
    Withheld,
}

#[derive(Debug)]
struct Armed {
    id: u64,
    spec: FaultSpec,
    until: Option<Instant>,
    remaining: Option<u32>,
    armed_at: Instant,
    fired: u64,
}

impl Armed {
    fn live(&self, now: Instant) -> bool {
        self.until.is_none_or(|u| now < u) && self.remaining.is_none_or(|r| r > 0)
    }
}

/// The armed faults.
#[derive(Debug)]
pub struct FaultBoard {
    armed: Mutex<Vec<Armed>>,
    /// How many are in `armed`: read without the lock on every request and every frame sent,
    /// so an exchange with no fault armed pays one atomic load for the drills.
    count: AtomicUsize,
    next: AtomicU64,
    /// Turns over each time a fault is armed or cleared (open connections look again).
    changed: tokio::sync::watch::Sender<u64>,
}

impl Default for FaultBoard {
    fn default() -> Self {
        FaultBoard {
            armed: Mutex::new(Vec::new()),
            count: AtomicUsize::new(0),
            next: AtomicU64::new(1),
            changed: tokio::sync::watch::channel(0).0,
        }
    }
}

impl FaultBoard {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Armed>> {
        self.armed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Arms a fault.
    pub fn arm(&self, spec: FaultSpec) -> Result<FaultView, FaultError> {
        if !spec.kind.on_channel() && spec.channel != ChannelScope::Market {
            return Err(FaultError::Invalid(format!(
                "{:?} acts on routes: give \"route\", not \"channel\"",
                spec.kind
            )));
        }
        if spec.kind.on_channel() && spec.route.is_some() {
            return Err(FaultError::Invalid(format!(
                "{:?} acts on channels: give \"channel\", not \"route\"",
                spec.kind
            )));
        }
        if matches!(spec.kind, FaultKind::PongDelay | FaultKind::Delay) && spec.delay_ms.is_none() {
            return Err(FaultError::Invalid(format!(
                "{:?} needs \"delay_ms\"",
                spec.kind
            )));
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        let armed = Armed {
            id,
            until: spec.duration_ms.map(|ms| now + Duration::from_millis(ms)),
            remaining: spec.count,
            spec,
            armed_at: now,
            fired: 0,
        };
        tracing::warn!(id, spec = ?armed.spec, "fault armed");
        let view = view(&armed, now);
        let mut all = self.lock();
        all.push(armed);
        self.count.store(all.len(), Ordering::Relaxed);
        drop(all);
        self.changed.send_modify(|n| *n += 1);
        Ok(view)
    }

    /// Clears one fault, or every fault; how many were cleared.
    pub fn clear(&self, id: Option<u64>) -> usize {
        let mut armed = self.lock();
        let before = armed.len();
        armed.retain(|a| id.is_some_and(|id| a.id != id));
        self.count.store(armed.len(), Ordering::Relaxed);
        let cleared = before - armed.len();
        drop(armed);
        if cleared > 0 {
            tracing::warn!(?id, cleared, "faults cleared");
            self.changed.send_modify(|n| *n += 1);
        }
        cleared
    }

    /// Every fault still armed (used-up and expired ones are dropped here).
    pub fn list(&self) -> Vec<FaultView> {
        let now = Instant::now();
        let mut armed = self.lock();
        armed.retain(|a| a.live(now) && !(a.spec.kind.instant() && a.fired > 0));
        self.count.store(armed.len(), Ordering::Relaxed);
        armed.iter().map(|a| view(a, now)).collect()
    }

    /// Notified when faults are armed or cleared.
    pub fn watch(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Marks instant faults fired once they were carried out.
    pub fn fired(&self, id: u64) {
        if let Some(a) = self.lock().iter_mut().find(|a| a.id == id) {
            a.fired += 1;
        }
    }

    /// What happens to a request now (one use of a counted fault is spent).
    pub fn route(&self, method: &str, path: &str) -> Option<RouteFault> {
        if !self.any() {
            return None;
        }
        let now = Instant::now();
        let mut armed = self.lock();
        let a = armed.iter_mut().find(|a| {
            !a.spec.kind.on_channel()
                && a.live(now)
                && route_matches(a.spec.route.as_deref(), method, path)
        })?;
        if let Some(r) = a.remaining.as_mut() {
            *r -= 1;
        }
        a.fired += 1;
        tracing::info!(id = a.id, kind = ?a.spec.kind, method, path, "fault fired");
        Some(match a.spec.kind {
            FaultKind::TooManyRequests => {
                RouteFault::TooManyRequests(a.spec.retry_after.unwrap_or(1))
            }
            FaultKind::TooEarly => RouteFault::TooEarly,
            FaultKind::ExecutionFailed => RouteFault::ExecutionFailed,
            FaultKind::Delay => {
                RouteFault::Delay(Duration::from_millis(a.spec.delay_ms.unwrap_or(0)))
            }
            _ => RouteFault::AnswerLost,
        })
    }

    /// Whether `channel`'s data is frozen now.
    pub fn frozen(&self, channel: ChannelKind) -> bool {
        self.channel_fault(channel, FaultKind::Freeze).is_some()
    }

    /// What a `PING` on `channel` gets now.
    pub fn pong(&self, channel: ChannelKind) -> Pong {
        if self
            .channel_fault(channel, FaultKind::PongWithheld)
            .is_some()
        {
            return Pong::Withheld;
        }
        match self.channel_fault(channel, FaultKind::PongDelay) {
            Some(spec) => Pong::After(Duration::from_millis(spec.delay_ms.unwrap_or(0))),
            None => Pong::Now,
        }
    }

    /// Whether a connection of `channel` opened at `opened` must be cut now: a drop armed after
    /// it opened, or one whose duration covers now.
    pub fn cut(&self, channel: ChannelKind, opened: Instant) -> bool {
        if !self.any() {
            return false;
        }
        let now = Instant::now();
        let mut armed = self.lock();
        let Some(a) = armed.iter_mut().find(|a| {
            a.spec.kind == FaultKind::Drop
                && a.spec.channel.covers(channel)
                && a.live(now)
                && (a.armed_at >= opened || a.until.is_some())
        }) else {
            return false;
        };
        a.fired += 1;
        tracing::info!(id = a.id, ?channel, "fault fired: connection cut");
        true
    }

    /// Whether any fault is armed (without the lock).
    fn any(&self) -> bool {
        self.count.load(Ordering::Relaxed) > 0
    }

    fn channel_fault(&self, channel: ChannelKind, kind: FaultKind) -> Option<FaultSpec> {
        if !self.any() {
            return None;
        }
        let now = Instant::now();
        let mut armed = self.lock();
        let a = armed
            .iter_mut()
            .find(|a| a.spec.kind == kind && a.spec.channel.covers(channel) && a.live(now))?;
        a.fired += 1;
        Some(a.spec.clone())
    }
}

fn view(a: &Armed, now: Instant) -> FaultView {
    FaultView {
        id: a.id,
        spec: a.spec.clone(),
        remaining: a.remaining,
        expires_in_ms: a
            .until
            .map(|u| u.saturating_duration_since(now).as_millis() as u64),
        fired: a.fired,
    }
}

/// Whether `pattern` (`METHOD /path*`, `/path`, `*`) covers a request.
fn route_matches(pattern: Option<&str>, method: &str, path: &str) -> bool {
    let pattern = pattern.unwrap_or("*").trim();
    let (m, p) = match pattern.split_once(' ') {
        Some((m, p)) => (Some(m), p.trim()),
        None => (None, pattern),
    };
    if m.is_some_and(|m| !m.eq_ignore_ascii_case(method)) {
        return false;
    }
    match p.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix),
        None => p == path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: FaultKind) -> FaultSpec {
        FaultSpec {
            kind,
            channel: ChannelScope::Market,
            route: None,
            duration_ms: None,
            count: None,
            delay_ms: None,
            events: None,
            retry_after: None,
        }
    }

    #[test]
    fn kinds_read_by_either_name() {
        assert_eq!(
            "pong-delay".parse::<FaultKind>().ok(),
            Some(FaultKind::PongDelay)
        );
        assert_eq!(
            "answer_lost".parse::<FaultKind>().ok(),
            Some(FaultKind::AnswerLost)
        );
        assert!("nonsense".parse::<FaultKind>().is_err());
    }

    #[test]
    fn routes_match_by_method_and_prefix() {
        assert!(route_matches(None, "GET", "/book"));
        assert!(route_matches(Some("POST /order"), "POST", "/order"));
        assert!(!route_matches(Some("POST /order"), "POST", "/orders"));
        assert!(route_matches(Some("POST /order*"), "POST", "/orders"));
        assert!(!route_matches(Some("GET /order*"), "POST", "/order"));
        assert!(route_matches(Some("/book"), "GET", "/book"));
    }

    #[test]
    fn counted_faults_are_used_up_and_cleared_ones_are_gone() {
        let b = FaultBoard::default();
        let f = b
            .arm(FaultSpec {
                route: Some("GET /book".into()),
                count: Some(2),
                ..spec(FaultKind::TooEarly)
            })
            .unwrap();
        assert_eq!(b.route("GET", "/book"), Some(RouteFault::TooEarly));
        assert_eq!(b.route("GET", "/price"), None);
        assert_eq!(b.route("GET", "/book"), Some(RouteFault::TooEarly));
        assert_eq!(b.route("GET", "/book"), None, "used up");
        assert!(b.list().is_empty());
        b.arm(spec(FaultKind::Freeze)).unwrap();
        assert!(b.frozen(ChannelKind::Market));
        assert!(!b.frozen(ChannelKind::User));
        assert_eq!(b.clear(None), 1);
        assert!(!b.frozen(ChannelKind::Market));
        let _ = f;
        assert!(
            b.arm(FaultSpec {
                route: Some("*".into()),
                ..spec(FaultKind::Freeze)
            })
            .is_err()
        );
        assert!(b.arm(spec(FaultKind::PongDelay)).is_err(), "needs a delay");
    }
}
