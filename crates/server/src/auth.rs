//! Request authentication: L1 (a wallet's `ClobAuth` signature) and L2 (an API key's HMAC).
//!
//! Authentication never takes the sequencer lock: the API keys it needs live in their own
//! [`KeyRegistry`], a read-mostly map of shared entries that the sequencer updates when it applies
//! a key record. Every L2 request reads it under a short read lock and verifies the HMAC with no
//! lock held, so authentication runs in parallel on every core and never waits for matching or
//! for the journal.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::http::{HeaderMap, Method};
use clobkit_core::Address;
use clobkit_core::auth::{
    self, POLY_ADDRESS, POLY_API_KEY, POLY_NONCE, POLY_PASSPHRASE, POLY_SIGNATURE, POLY_TIMESTAMP,
};
use clobkit_core::clock::unix_secs;
use clobkit_core::eip712::ClobAuthDomain;
use clobkit_core::types::parse_address;

use crate::error::ApiError;
use crate::exchange::{Exchange, KeyEntry};

/// The authenticated caller of an L2 request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Its API key.
    pub key: String,
    /// Its wallet (signer) address.
    pub address: Address,
    /// The request's `POLY_SIGNATURE` (the HMAC): two requests with the same one within the
    /// timestamp window are the same request sent twice.
    pub signature: String,
}

/// The wallet of an L1 request and the nonce its `ClobAuth` signed.
#[derive(Debug, Clone)]
pub struct L1Caller {
    /// The wallet that signed.
    pub address: Address,
    /// The signed nonce, in decimal (a `uint256`: keys are stored under it as sent).
    pub nonce: String,
}

/// The API keys the exchange knows, keyed by the key string, each entry shared so a lookup is a
/// reference-count increment.
#[derive(Debug, Default)]
pub struct KeyRegistry {
    keys: RwLock<HashMap<String, Arc<KeyEntry>>>,
}

impl KeyRegistry {
    /// A registry holding every key of `exchange` (at start-up, after recovery).
    pub fn of(exchange: &Exchange) -> KeyRegistry {
        let keys = exchange
            .keys()
            .map(|(k, e)| (k.to_owned(), Arc::new(e.clone())))
            .collect();
        KeyRegistry {
            keys: RwLock::new(keys),
        }
    }

    /// Mirrors the exchange's entry for `key` after a key record was applied: present, or gone.
    pub fn refresh(&self, key: &str, exchange: &Exchange) {
        let mut keys = self.keys.write().unwrap_or_else(|p| p.into_inner());
        match exchange.key(key) {
            Some(e) => keys.insert(key.to_owned(), Arc::new(e.clone())),
            None => keys.remove(key),
        };
    }

    /// Whether `key` exists and `passphrase` is its passphrase: the cheap part of L2
    /// authentication (no HMAC, no body), enough to key rate limits by identity (a made-up key
    /// or a wrong passphrase is not one).
    pub fn knows(&self, key: &str, passphrase: &str) -> bool {
        self.get(key)
            .is_some_and(|e| e.auth.verify_passphrase(passphrase).is_ok())
    }

    /// The wallet of `key` if `secret` and `passphrase` are its own: the user channel's
    /// authentication, whose subscription carries the credentials in clear.
    pub fn verify_in_clear(&self, key: &str, secret: &str, passphrase: &str) -> Option<Address> {
        let e = self.get(key)?;
        let ok =
            e.auth.verify_secret(secret).is_ok() & e.auth.verify_passphrase(passphrase).is_ok();
        ok.then_some(e.address)
    }

    fn get(&self, key: &str) -> Option<Arc<KeyEntry>> {
        self.keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }
}

/// Verifies L1 and L2 headers against the keys and the chain's `ClobAuth` domain.
#[derive(Debug)]
pub struct Authenticator {
    /// The API keys.
    pub keys: KeyRegistry,
    domain: ClobAuthDomain,
    window: u64,
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

impl Authenticator {
    /// An authenticator for chain `chain_id` accepting timestamps within `window` seconds.
    pub fn new(keys: KeyRegistry, chain_id: u64, window: u64) -> Authenticator {
        Authenticator {
            keys,
            domain: ClobAuthDomain::new(chain_id),
            window,
        }
    }

    /// Verifies L1 headers; returns the wallet and the nonce it signed.
    pub fn verify_l1(&self, h: &HeaderMap) -> Result<L1Caller, ApiError> {
        let (Some(addr), Some(sig), Some(ts)) = (
            header(h, POLY_ADDRESS),
            header(h, POLY_SIGNATURE),
            header(h, POLY_TIMESTAMP),
        ) else {
            return Err(ApiError::bad_l1());
        };
        auth::check_timestamp(ts, unix_secs(), self.window)
            .map_err(|e| ApiError::bad_l1().because(e))?;
        let (address, nonce) = auth::verify_l1(&self.domain, addr, sig, ts, header(h, POLY_NONCE))
            .map_err(|e| ApiError::bad_l1().because(e))?;
        Ok(L1Caller {
            address,
            nonce: nonce.to_string(),
        })
    }

    /// Verifies L2 headers over `method`, `path` and the raw `body`.
    pub fn verify_l2(
        &self,
        h: &HeaderMap,
        method: &Method,
        path: &str,
        body: &[u8],
    ) -> Result<Caller, ApiError> {
        let get = |n: &str| header(h, n).ok_or_else(ApiError::unauthorized);
        let (key, pass, addr, sig, ts) = (
            get(POLY_API_KEY)?,
            get(POLY_PASSPHRASE)?,
            get(POLY_ADDRESS)?,
            get(POLY_SIGNATURE)?,
            get(POLY_TIMESTAMP)?,
        );
        auth::check_timestamp(ts, unix_secs(), self.window)
            .map_err(|e| ApiError::unauthorized().because(e))?;
        let address = parse_address(addr).map_err(|e| ApiError::unauthorized().because(e))?;
        let entry = self.keys.get(key).ok_or_else(ApiError::unauthorized)?;
        entry
            .auth
            .verify_passphrase(pass)
            .map_err(|e| ApiError::unauthorized().because(e))?;
        if entry.auth.address() != address {
            return Err(ApiError::unauthorized().because("the key belongs to another address"));
        }
        entry
            .auth
            .verify(ts, method.as_str(), path, body, sig)
            .map_err(|e| ApiError::unauthorized().because(e))?;
        Ok(Caller {
            key: key.to_owned(),
            address,
            signature: sig.to_owned(),
        })
    }
}
