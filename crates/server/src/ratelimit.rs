//! Request rate limits (the buckets; `http::limited` is the middleware that applies them), so a bot meets `429 Too Many Requests` here before it meets it on
//! Polymarket.
//!
//! Decisions (protocol.md §7 lists Polymarket's documented limits; how they are enforced is not
//! fully documented):
//! - **Off by default.** The local exchange is a test bed and our load benchmarks exceed the
//!   real limits; `clobkit serve --rate-limits polymarket` turns on [`RateLimits::polymarket`].
//! - **Rejected, not queued.** Polymarket's edge may also delay excess requests; we always answer
//!   429 `{"error":"Too Many Requests"}` with a `Retry-After` header (whole seconds, at least 1),
//!   which is the case a client must handle and the one a test can provoke deterministically.
//! - **Token buckets.** Each rule is a bucket of `requests` tokens refilled evenly over `window`,
//!   per caller: the API key when the request names a key that exists with its passphrase (the
//!   identity L2 authentication then verifies), else the peer IP, so made-up headers cannot
//!   escape the limits (faults.md F8). A request
//!   takes one token from every rule it matches (the general rule and its route's rules), and
//!   only when all of them have one, so a rejected request costs nothing.
//! - Admin routes are never limited.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::Method;

/// How many requests a window allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Requests per window (the bucket's size).
    pub requests: u32,
    /// The window over which the bucket refills completely.
    pub window: Duration,
}

impl Limit {
    /// `requests` per `seconds` seconds.
    pub const fn per_secs(requests: u32, seconds: u64) -> Limit {
        Limit {
            requests,
            window: Duration::from_secs(seconds),
        }
    }
}

/// Which requests a rule counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Every request.
    Any,
    /// One method on one exact path.
    Exact(Method, String),
    /// One method on every path starting with the prefix.
    Prefix(Method, String),
    /// Any method on every path starting with the prefix.
    AnyMethodPrefix(String),
}

impl Route {
    fn matches(&self, method: &Method, path: &str) -> bool {
        match self {
            Route::Any => true,
            Route::Exact(m, p) => m == method && p == path,
            Route::Prefix(m, p) => m == method && path.starts_with(p.as_str()),
            Route::AnyMethodPrefix(p) => path.starts_with(p.as_str()),
        }
    }
}

/// The limits an exchange enforces: a list of (route, limit) rules, all of which apply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimits {
    rules: Vec<(Route, Limit)>,
}

impl RateLimits {
    /// No rules (everything admitted); add some with [`RateLimits::rule`].
    pub fn new() -> RateLimits {
        RateLimits::default()
    }

    /// Adds a rule.
    pub fn rule(mut self, route: Route, limit: Limit) -> RateLimits {
        self.rules.push((route, limit));
        self
    }

    /// Polymarket's documented CLOB limits (protocol.md §7, 10 s and 10 min windows). Where the
    /// docs group routes ("ledger", "API-key endpoints") the group's limit applies to each route
    /// of the group, per caller.
    pub fn polymarket() -> RateLimits {
        use Method as M;
        let exact = |m: Method, p: &str| Route::Exact(m, p.to_owned());
        let s10 = |n| Limit::per_secs(n, 10);
        let m10 = |n| Limit::per_secs(n, 600);
        RateLimits::new()
            .rule(Route::Any, s10(9_000))
            .rule(exact(M::GET, "/"), s10(100))
            .rule(exact(M::GET, "/balance-allowance"), s10(200))
            .rule(exact(M::GET, "/balance-allowance/update"), s10(50))
            .rule(exact(M::GET, "/book"), s10(1_500))
            .rule(exact(M::POST, "/books"), s10(500))
            .rule(exact(M::GET, "/price"), s10(1_500))
            .rule(exact(M::POST, "/prices"), s10(500))
            .rule(exact(M::GET, "/midpoint"), s10(1_500))
            .rule(exact(M::POST, "/midpoints"), s10(500))
            .rule(exact(M::GET, "/prices-history"), s10(1_000))
            .rule(exact(M::GET, "/tick-size"), s10(200))
            .rule(Route::Prefix(M::GET, "/data/".into()), s10(900))
            .rule(exact(M::GET, "/data/orders"), s10(500))
            .rule(exact(M::GET, "/data/trades"), s10(500))
            .rule(Route::AnyMethodPrefix("/notifications".into()), s10(125))
            .rule(Route::AnyMethodPrefix("/auth/".into()), s10(100))
            .rule(exact(M::POST, "/order"), s10(3_500))
            .rule(exact(M::POST, "/order"), m10(36_000))
            .rule(exact(M::DELETE, "/order"), s10(3_000))
            .rule(exact(M::DELETE, "/order"), m10(30_000))
            .rule(exact(M::POST, "/orders"), s10(1_000))
            .rule(exact(M::POST, "/orders"), m10(15_000))
    }

    /// Whether there is nothing to enforce.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// A token bucket in integer units: one token is `window` nanoseconds' worth, and the bucket
/// refills `requests` units per nanosecond, so no fractions are needed.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    level: u128,
    at: Instant,
}

/// The limiter's state: the rules and, per caller, one bucket per rule (indexed like the rules).
#[derive(Debug)]
pub struct RateLimiter {
    limits: RateLimits,
    buckets: Mutex<HashMap<String, Vec<Bucket>>>,
}

/// Callers kept before idle ones (all buckets full) are dropped.
const PRUNE_AT: usize = 50_000;

impl RateLimiter {
    /// A limiter enforcing `limits`.
    pub fn new(limits: RateLimits) -> Arc<RateLimiter> {
        Arc::new(RateLimiter {
            limits,
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Admits one request from `caller` to `method path` at `now`, or says how long to wait.
    pub fn admit(
        &self,
        caller: &str,
        method: &Method,
        path: &str,
        now: Instant,
    ) -> Result<(), Duration> {
        let rules = &self.limits.rules;
        let applies = |i: &usize| rules[*i].0.matches(method, path);
        if !(0..rules.len()).any(|i| applies(&i)) {
            return Ok(());
        }
        let mut callers = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if callers.len() > PRUNE_AT {
            callers.retain(|_, row| {
                row.iter()
                    .zip(rules)
                    .any(|(b, (_, l))| refilled(b, *l, now) < full(*l))
            });
        }
        if !callers.contains_key(caller) {
            let fresh = rules
                .iter()
                .map(|(_, l)| Bucket {
                    level: full(*l),
                    at: now,
                })
                .collect();
            callers.insert(caller.to_owned(), fresh);
        }
        let Some(row) = callers.get_mut(caller) else {
            return Ok(());
        };
        let mut wait = Duration::ZERO;
        for i in (0..rules.len()).filter(applies) {
            let limit = rules[i].1;
            let level = refilled(&row[i], limit, now);
            let cost = limit.window.as_nanos();
            if level < cost {
                let rate = u128::from(limit.requests.max(1));
                let nanos = (cost - level).div_ceil(rate);
                wait = wait.max(Duration::from_nanos(
                    u64::try_from(nanos).unwrap_or(u64::MAX),
                ));
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        for i in (0..rules.len()).filter(applies) {
            let limit = rules[i].1;
            row[i] = Bucket {
                level: refilled(&row[i], limit, now) - limit.window.as_nanos(),
                at: now,
            };
        }
        Ok(())
    }
}

fn full(limit: Limit) -> u128 {
    u128::from(limit.requests) * limit.window.as_nanos()
}

fn refilled(b: &Bucket, limit: Limit, now: Instant) -> u128 {
    let elapsed = now.saturating_duration_since(b.at).as_nanos();
    b.level
        .saturating_add(elapsed.saturating_mul(u128::from(limit.requests)))
        .min(full(limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_per_second() -> RateLimiter {
        RateLimiter {
            limits: RateLimits::new().rule(
                Route::Exact(Method::GET, "/book".into()),
                Limit::per_secs(2, 1),
            ),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    #[test]
    fn a_bucket_empties_then_refills_evenly() {
        let l = two_per_second();
        let t0 = Instant::now();
        assert_eq!(l.admit("k", &Method::GET, "/book", t0), Ok(()));
        assert_eq!(l.admit("k", &Method::GET, "/book", t0), Ok(()));
        // empty: one token comes back after half the window
        assert_eq!(
            l.admit("k", &Method::GET, "/book", t0),
            Err(Duration::from_millis(500))
        );
        let later = t0 + Duration::from_millis(499);
        assert_eq!(
            l.admit("k", &Method::GET, "/book", later),
            Err(Duration::from_millis(1))
        );
        assert_eq!(
            l.admit("k", &Method::GET, "/book", t0 + Duration::from_millis(500)),
            Ok(())
        );
    }

    #[test]
    fn callers_routes_and_methods_are_separate() {
        let l = two_per_second();
        let t0 = Instant::now();
        for _ in 0..2 {
            assert_eq!(l.admit("a", &Method::GET, "/book", t0), Ok(()));
        }
        assert!(l.admit("a", &Method::GET, "/book", t0).is_err());
        assert_eq!(l.admit("b", &Method::GET, "/book", t0), Ok(()));
        assert_eq!(l.admit("a", &Method::POST, "/book", t0), Ok(()));
        assert_eq!(l.admit("a", &Method::GET, "/books", t0), Ok(()));
    }

    #[test]
    fn a_rejected_request_takes_no_token_from_any_rule() {
        // POST /order: 3 per second and 4 per 10 s
        let l = RateLimiter::new(
            RateLimits::new()
                .rule(
                    Route::Exact(Method::POST, "/order".into()),
                    Limit::per_secs(3, 1),
                )
                .rule(
                    Route::Exact(Method::POST, "/order".into()),
                    Limit::per_secs(4, 10),
                ),
        );
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(l.admit("k", &Method::POST, "/order", t0), Ok(()));
        }
        // the 1 s bucket is empty; the 10 s bucket keeps its last token
        assert_eq!(
            l.admit("k", &Method::POST, "/order", t0),
            Err(Duration::from_nanos(333_333_334))
        );
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(l.admit("k", &Method::POST, "/order", t1), Ok(()));
        // now the 10 s bucket is the one that says wait: 1.0 of 4 tokens refilled after 1 s
        // (0.4) leaves 0.6 of a token = 1.5 s
        assert_eq!(
            l.admit("k", &Method::POST, "/order", t1),
            Err(Duration::from_millis(1_500))
        );
    }

    #[test]
    fn the_polymarket_table_limits_the_documented_routes() {
        let l = RateLimiter::new(RateLimits::polymarket());
        let t0 = Instant::now();
        for _ in 0..50 {
            assert_eq!(
                l.admit("k", &Method::GET, "/balance-allowance/update", t0),
                Ok(())
            );
        }
        assert!(
            l.admit("k", &Method::GET, "/balance-allowance/update", t0)
                .is_err()
        );
        // /notifications: 125 per 10 s for GET and DELETE together
        for i in 0..125 {
            let m = if i % 2 == 0 {
                Method::GET
            } else {
                Method::DELETE
            };
            assert_eq!(l.admit("k", &m, "/notifications", t0), Ok(()));
        }
        assert!(l.admit("k", &Method::GET, "/notifications", t0).is_err());
        assert_eq!(l.admit("k", &Method::GET, "/time", t0), Ok(()));
    }
}
