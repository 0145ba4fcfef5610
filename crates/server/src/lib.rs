//! # clobkit-server
//!
//! The local exchange: it sequences commands, makes each one durable in the [`journal`] before
//! answering, applies it to the deterministic engine, and serves the CLOB HTTP API (V1, or V2
//! with `--protocol v2`) that the official clients speak, plus loopback-only admin routes to
//! operate it.
//!
//! Where things live:
//! - `auth`: L1/L2 request authentication, with its own key registry (never the sequencer lock);
//! - `intake`: checking and verifying a posted order, on the request's core;
//! - [`app`]: the sequencer (journal, then apply, under one lock), snapshots, heartbeats;
//! - [`exchange`]: the state machine over journaled records (keys, open orders over the engine),
//!   emitting the history each record implies;
//! - [`journal`]: the durable log and snapshots;
//! - [`history`]: orders that ended, trades and notifications in SQLite, a projection of the
//!   journal read off the sequencer;
//! - `http`: one router per route family (market data, keys, orders, queries, account,
//!   heartbeats, admin, the dashboard at `/ui/`) and the extractors they share;
//! - [`companion`]: programs in the same process that report their state (the simulator);
//! - [`faults`]: faults on demand for drills (channel freezes, drops, lost answers, …);
//! - [`stream`]: the WebSocket market and user channels, fed from the records once durable;
//! - [`priority`]: background threads (history, streams, simulated agents) below the order path;
//! - `views`: state to wire types; `ids`: the identifiers the exchange makes up.
//!
//! Durability first: every state change is a journaled record, written and fsynced (with group
//! commit) before its response is sent; periodic snapshots bound the replay; recovery truncates a
//! torn tail left by a crash and refuses to start on corruption in the middle.

pub mod app;
mod auth;
pub mod companion;
pub mod error;
pub mod exchange;
pub mod faults;
pub mod history;
mod http;
mod ids;
mod intake;
pub mod journal;
pub mod listen;
pub mod priority;
pub mod ratelimit;
pub mod seed;
pub mod serve;
pub mod stream;
mod views;
