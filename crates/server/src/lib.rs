//! # clobkit-server
//!
//! The local exchange: it sequences commands, makes each one durable in the [`journal`] before
//! answering, applies it to the deterministic engine, and serves the CLOB v1 HTTP API that the
//! official clients speak ([`http`]), plus loopback-only [`admin`] routes to operate it.
//!
//! Durability first: every state change is a journaled record, written and fsynced (with group
//! commit) before its response is sent; periodic snapshots bound the replay; recovery truncates a
//! torn tail left by a crash and refuses to start on corruption in the middle.

pub mod admin;
pub mod app;
pub mod error;
pub mod exchange;
pub mod http;
pub mod journal;
pub mod ratelimit;
pub mod seed;
pub mod serve;
pub mod views;
