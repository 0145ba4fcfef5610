//! Building a client: the builder, and moving between the authentication levels.

use std::sync::Arc;
use std::time::Duration;

use clobkit_core::Address;
use clobkit_core::auth::{ApiCredentials, L2Auth};
use clobkit_core::chain::{AmoyNegRisk, Chain};
use clobkit_core::protocol::ProtocolVersion;
use clobkit_core::signer::AsyncSigner;
use clobkit_core::types::SignatureType;
use clobkit_core::verify::expected_maker;
use clobkit_core::wallet::WalletFactories;

use crate::error::ClientError;
use crate::transport::{RetryPolicy, Transport, default_http};

use super::caches::MarketCaches;
use super::*;

/// Configures a [`ClobClient`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    host: String,
    chain: Chain,
    signature_type: SignatureType,
    funder: Option<Address>,
    http: Option<reqwest::Client>,
    timeout: Duration,
    retry: RetryPolicy,
    tick_ttl: Duration,
    amoy_neg_risk: AmoyNegRisk,
    protocol: Option<ProtocolVersion>,
}

impl ClientBuilder {
    /// The chain (default Polygon).
    pub fn chain(mut self, chain: Chain) -> Self {
        self.chain = chain;
        self
    }
    /// How orders relate signer and funder (default EOA).
    pub fn signature_type(mut self, t: SignatureType) -> Self {
        self.signature_type = t;
        self
    }
    /// The funder (default: the signer for EOA, its proxy wallet or Safe otherwise).
    pub fn funder(mut self, funder: Address) -> Self {
        self.funder = Some(funder);
        self
    }
    /// Use this HTTP client (its pool, proxy and TLS settings) instead of the default.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }
    /// Request timeout of the default HTTP client (default 10 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }
    /// Retries of idempotent GETs.
    pub fn retry(mut self, r: RetryPolicy) -> Self {
        self.retry = r;
        self
    }
    /// How long a looked-up tick size is trusted (default 300 s, as the official clients).
    pub fn tick_size_ttl(mut self, ttl: Duration) -> Self {
        self.tick_ttl = ttl;
        self
    }
    /// Which exchange neg-risk orders are signed for on Amoy (see [`AmoyNegRisk`]).
    pub fn amoy_neg_risk(mut self, choice: AmoyNegRisk) -> Self {
        self.amoy_neg_risk = choice;
        self
    }
    /// Signs orders for this protocol version instead of asking the exchange (`GET /version`)
    /// before the first order. An `order_version_mismatch` answer still makes the client ask.
    pub fn protocol(mut self, version: ProtocolVersion) -> Self {
        self.protocol = Some(version);
        self
    }
    /// A client for public data.
    pub fn build(self) -> Result<ClobClient<Public>, ClientError> {
        let http = match self.http {
            Some(h) => h,
            None => default_http(self.timeout)?,
        };
        let host = self.host.trim_end_matches('/').to_owned();
        let v1_contracts = self.chain.contracts_with(self.amoy_neg_risk);
        Ok(ClobClient {
            inner: Arc::new(Inner {
                t: Transport {
                    http,
                    host,
                    retry: self.retry,
                },
                chain: self.chain,
                domains: Domains::new(self.chain, &v1_contracts),
                signature_type: self.signature_type,
                funder: self.funder,
                caches: MarketCaches::new(self.tick_ttl, self.protocol),
            }),
            level: Public,
        })
    }
}

impl ClobClient<Public> {
    /// Starts configuring a client of the exchange at `host`.
    pub fn builder(host: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            host: host.into(),
            chain: Chain::Polygon,
            signature_type: SignatureType::Eoa,
            funder: None,
            http: None,
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            tick_ttl: Duration::from_secs(300),
            amoy_neg_risk: AmoyNegRisk::default(),
            protocol: None,
        }
    }

    /// A public client of `host` on `chain`, with the defaults.
    pub fn new(host: impl Into<String>, chain: Chain) -> Result<ClobClient<Public>, ClientError> {
        ClobClient::builder(host).chain(chain).build()
    }

    /// Adds a signer (L1). For proxy and Safe signature types the funder is derived from the
    /// signer (CREATE2) when not given, and a given funder that is not that wallet is refused.
    /// For POLY_1271 the funder, the deposit wallet the signer owns, must be given.
    pub fn with_signer<S: AsyncSigner>(self, signer: S) -> Result<ClobClient<L1<S>>, ClientError> {
        let address = signer.signer_address();
        let factories = WalletFactories::of(self.inner.chain);
        let ty = self.inner.signature_type;
        let mut inner = Arc::unwrap_or_clone(self.inner);
        if ty == SignatureType::Poly1271 {
            // a deposit wallet is a contract: nothing derives it from its owner's key
            if inner.funder.is_none() {
                return Err(ClientError::Validation(
                    "POLY_1271 orders need the deposit wallet as the funder".into(),
                ));
            }
            return Ok(ClobClient {
                inner: Arc::new(inner),
                level: L1 {
                    signer: Arc::new(signer),
                },
            });
        }
        let expected = expected_maker(ty, address, &factories)
            .map_err(|e| ClientError::Validation(e.to_string()))?;
        match inner.funder {
            Some(f) if f != expected => {
                return Err(ClientError::Validation(format!(
                    "funder {f} is not the {ty} wallet of signer {address} (expected {expected})"
                )));
            }
            _ => inner.funder = Some(expected),
        }
        Ok(ClobClient {
            inner: Arc::new(inner),
            level: L1 {
                signer: Arc::new(signer),
            },
        })
    }
}

impl<S: AsyncSigner> ClobClient<L1<S>> {
    /// Adds API credentials (L2).
    pub fn with_credentials(self, creds: ApiCredentials) -> Result<ClobClient<L2<S>>, ClientError> {
        let auth = L2Auth::new(creds, self.level.signer.signer_address())?;
        Ok(ClobClient {
            inner: self.inner,
            level: L2 {
                signer: self.level.signer,
                auth,
            },
        })
    }
}
