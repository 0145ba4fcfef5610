//! The client: its authentication levels, shared state and transport helpers; every method lives
//! in the submodule of its family.
//!
//! | module | what |
//! |---|---|
//! | `builder` | configuring a client, adding a signer (L1) and credentials (L2) |
//! | `query` | query strings and batch bodies |
//! | `caches` | tick sizes, neg-risk flags and fee rates remembered per token |
//! | `public` | public market data, and the lookups orders are built from |
//! | `keys` | L1 headers, creating and deriving API keys |
//! | `orders` | building and signing orders; posting and cancelling them |
//! | `queries` | the caller's orders, trades and scoring |
//! | `account` | balances, API keys, closed-only mode, notifications |
//! | `heartbeat` | the dead-man switch |

mod account;
mod builder;
mod caches;
mod heartbeat;
mod keys;
mod orders;
mod public;
mod queries;
mod query;

pub use builder::ClientBuilder;
pub use heartbeat::Heartbeat;
use query::*;

use std::sync::Arc;

use clobkit_core::Address;
use clobkit_core::auth::{ApiCredentials, L2Auth};
use clobkit_core::chain::{Chain, Contracts};
use clobkit_core::eip712::{ClobAuthDomain, ExchangeDomain};
use clobkit_core::protocol::ProtocolVersion;
use clobkit_core::signer::AsyncSigner;
use clobkit_core::types::SignatureType;
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::error::ClientError;
use crate::transport::{Auth, Transport};

/// Most orders in one `post_orders` (the exchange's limit, from `clobkit_core::wire`).
pub use clobkit_core::wire::MAX_BATCH;

/// No authentication: public market data only.
#[derive(Debug, Clone, Copy)]
pub struct Public;

/// A signer: L1 calls (API keys) and order signing.
#[derive(Debug)]
pub struct L1<S> {
    signer: Arc<S>,
}

impl<S> Clone for L1<S> {
    fn clone(&self) -> Self {
        L1 {
            signer: self.signer.clone(),
        }
    }
}

/// A signer and API credentials: every call.
#[derive(Debug)]
pub struct L2<S> {
    signer: Arc<S>,
    auth: L2Auth,
}

impl<S> Clone for L2<S> {
    fn clone(&self) -> Self {
        L2 {
            signer: self.signer.clone(),
            auth: self.auth.clone(),
        }
    }
}

/// Levels that hold a signer.
pub trait HasSigner {
    /// The signer type.
    type Signer: AsyncSigner;
    /// The signer.
    fn signer(&self) -> &Self::Signer;
}

impl<S: AsyncSigner> HasSigner for L1<S> {
    type Signer = S;
    fn signer(&self) -> &S {
        &self.signer
    }
}

impl<S: AsyncSigner> HasSigner for L2<S> {
    type Signer = S;
    fn signer(&self) -> &S {
        &self.signer
    }
}

/// The EIP-712 domains this client signs in, for both protocol versions, hashed once when it is
/// built.
#[derive(Debug, Clone, Copy)]
struct Domains {
    /// V1 orders of normal and neg-risk markets (with the builder's Amoy neg-risk choice).
    v1: [ExchangeDomain; 2],
    /// V2 orders of normal and neg-risk markets.
    v2: [ExchangeDomain; 2],
    /// L1 `ClobAuth` attestations (the same in both versions).
    clob_auth: ClobAuthDomain,
}

impl Domains {
    fn new(chain: Chain, v1: &Contracts) -> Domains {
        let v2 = chain.contracts_v2();
        let pair = |c: &Contracts| {
            [
                ExchangeDomain::for_market(chain, c, false),
                ExchangeDomain::for_market(chain, c, true),
            ]
        };
        Domains {
            v1: pair(v1),
            v2: pair(&v2),
            clob_auth: ClobAuthDomain::new(chain.id()),
        }
    }
    /// The domain an order of `version` in a market with this flag is signed in.
    fn exchange_for(&self, version: ProtocolVersion, neg_risk: bool) -> &ExchangeDomain {
        let pair = match version {
            ProtocolVersion::V1 => &self.v1,
            _ => &self.v2,
        };
        &pair[usize::from(neg_risk)]
    }
}

#[derive(Debug, Clone)]
struct Inner {
    t: Transport,
    chain: Chain,
    domains: Domains,
    signature_type: SignatureType,
    funder: Option<Address>,
    caches: caches::MarketCaches,
}

/// A client of the CLOB API (either protocol version). The type parameter is the authentication level
/// ([`Public`], [`L1`], [`L2`]): methods that need credentials exist only on `ClobClient<L2<_>>`,
/// so a call without them does not compile. Cloning is cheap and clones share the connection
/// pool and caches.
#[derive(Debug)]
pub struct ClobClient<A = Public> {
    inner: Arc<Inner>,
    level: A,
}

impl<A: Clone> Clone for ClobClient<A> {
    fn clone(&self) -> Self {
        ClobClient {
            inner: self.inner.clone(),
            level: self.level.clone(),
        }
    }
}

/// A request body as JSON bytes (serialized once; the L2 HMAC is computed over exactly these).
fn json_body(body: &impl serde::Serialize) -> Result<Vec<u8>, ClientError> {
    serde_json::to_vec(body).map_err(|e| ClientError::Encode(e.to_string()))
}

fn random_salt() -> u64 {
    let mut b = [0u8; 8];
    // Below 2^53 so that every JSON reader (JavaScript included) keeps it exact.
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b) & ((1 << 53) - 1)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl<S: AsyncSigner> ClobClient<L2<S>> {
    /// The credentials in use.
    pub fn credentials(&self) -> &ApiCredentials {
        self.level.auth.credentials()
    }

    async fn l2<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        q: &str,
        body: &[u8],
    ) -> Result<T, ClientError> {
        self.inner
            .t
            .call(method, path, q, body, Auth::L2(&self.level.auth))
            .await
    }

    async fn l2_unit(
        &self,
        method: Method,
        path: &str,
        q: &str,
        body: &[u8],
    ) -> Result<(), ClientError> {
        self.inner
            .t
            .call_raw(method, path, q, body, Auth::L2(&self.level.auth))
            .await
            .map(|_| ())
    }
}
