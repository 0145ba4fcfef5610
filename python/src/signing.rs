//! Orders and headers, exact: the amounts of `clobkit-core` (decimals, never floats), signed
//! with a key parsed once per [`OrderSigner`].
//!
//! The Python package's `OrderBuilder` and header functions wrap these with the official
//! client's inputs and outputs; the salt and the creation time come from there (so a caller can
//! fix them, as the conformance vectors do).

use std::str::FromStr;

use clobkit_core::amounts::{
    OrderAmounts, limit_amounts, market_amounts_for, market_order_price, market_price,
};
use clobkit_core::auth::{ApiCredentials, L2Auth, l1_headers};
use clobkit_core::book::PriceLevel;
use clobkit_core::chain::Chain;
use clobkit_core::eip712::{ClobAuthDomain, ExchangeDomain};
use clobkit_core::order::{Order, OrderParty, VersionFields};
use clobkit_core::protocol::ProtocolVersion;
use clobkit_core::signer::{LocalSigner, Signer as _};
use clobkit_core::types::{ApiKey, OrderType, Side, SignatureType, TickSize, TokenId};
use clobkit_core::{Address, B256, Decimal, U256};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::invalid;

/// Adds the signing functions and classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<OrderSigner>()?;
    m.add_function(wrap_pyfunction!(l2_signature, m)?)?;
    m.add_function(wrap_pyfunction!(walk_market_price, m)?)?;
    Ok(())
}

/// A decimal from its text (`"0.45"`); the package turns floats into their shortest text first.
fn decimal(what: &str, text: &str) -> PyResult<Decimal> {
    Decimal::from_str(text.trim())
        .map_err(|e| invalid(what, format!("{text:?} is not a decimal number ({e})")))
}

fn parsed<T: FromStr>(what: &str, text: &str, expected: &str) -> PyResult<T>
where
    T::Err: std::fmt::Display,
{
    text.parse::<T>()
        .map_err(|e| invalid(what, format!("{text:?}: {e} (expected {expected})")))
}

fn bytes32(what: &str, text: Option<&str>) -> PyResult<B256> {
    match text {
        None => Ok(B256::ZERO),
        Some(t) => parsed(what, t, "0x and 64 hex digits"),
    }
}

/// Keeps the key and the four exchange domains of one chain (V1 and V2, neg-risk or not) ready,
/// so an order costs one hash and one signature.
#[pyclass(module = "clobkit._native", frozen)]
pub struct OrderSigner {
    key: LocalSigner,
    chain: Chain,
    /// `[V1 plain, V1 neg-risk, V2 plain, V2 neg-risk]`.
    domains: [ExchangeDomain; 4],
    auth_domain: ClobAuthDomain,
}

/// The inputs of one order, as the package passes them.
struct Terms {
    version: ProtocolVersion,
    neg_risk: bool,
    party: OrderParty,
    token: TokenId,
    amounts: OrderAmounts,
    salt: u64,
    fields: VersionFields,
    expiration: u64,
}

impl OrderSigner {
    fn domain(&self, version: ProtocolVersion, neg_risk: bool) -> &ExchangeDomain {
        let v = usize::from(version == ProtocolVersion::V2);
        &self.domains[v * 2 + usize::from(neg_risk)]
    }

    /// The signed order's fields as `POST /order` carries them (a dict of the JSON object's
    /// keys: numbers as ints, the rest as strings, written by the wire serializer) and its id.
    fn sign<'py>(&self, py: Python<'py>, t: Terms) -> PyResult<(Bound<'py, PyDict>, String)> {
        let order = Order::build(t.version, t.salt, t.party, t.token, t.amounts, &t.fields)
            .with_expiration(t.expiration);
        let prepared = order
            .prepare(self.domain(t.version, t.neg_risk), &self.key)
            .map_err(|e| invalid("order", e))?;
        let id = prepared.id().to_string();
        let wire = serde_json::to_value(prepared.into_signed()).map_err(|e| invalid("order", e))?;
        let fields = PyDict::new(py);
        if let serde_json::Value::Object(map) = wire {
            for (k, v) in map {
                match v {
                    serde_json::Value::String(text) => fields.set_item(k, text)?,
                    serde_json::Value::Number(n) => match n.as_u64() {
                        Some(n) => fields.set_item(k, n)?,
                        None => fields.set_item(k, n.to_string())?,
                    },
                    other => fields.set_item(k, other.to_string())?,
                }
            }
        }
        Ok((fields, id))
    }

    fn party(&self, signature_type: u8, funder: Option<&str>) -> PyResult<OrderParty> {
        let signature_type = SignatureType::from_u8(signature_type).ok_or_else(|| {
            invalid(
                "signature_type",
                format!("{signature_type}: expected 0 (EOA), 1 (POLY_PROXY), 2 (POLY_GNOSIS_SAFE) or 3 (POLY_1271)"),
            )
        })?;
        let key = self.key.address();
        let maker = match funder {
            Some(f) => parsed::<Address>("funder", f, "an 0x address")?,
            None => key,
        };
        Ok(OrderParty {
            maker,
            key,
            signature_type,
        })
    }
}

fn version_of(version: u8) -> PyResult<ProtocolVersion> {
    match version {
        1 => Ok(ProtocolVersion::V1),
        2 => Ok(ProtocolVersion::V2),
        v => Err(invalid("version", format!("{v}: expected 1 or 2"))),
    }
}

#[pymethods]
impl OrderSigner {
    /// Parses `private_key` (0x and 64 hex digits) for orders and L1 headers on `chain_id`
    /// (137 Polygon, 80002 Amoy).
    #[new]
    fn new(private_key: &str, chain_id: u64) -> PyResult<OrderSigner> {
        let key = LocalSigner::from_hex(private_key).map_err(|e| {
            invalid(
                "private_key",
                format!("{e} (expected 0x and 64 hex digits)"),
            )
        })?;
        let chain = Chain::from_id(chain_id).map_err(|e| invalid("chain_id", e))?;
        let d = |v: ProtocolVersion, neg: bool| {
            ExchangeDomain::for_market(chain, &chain.contracts_for(v), neg)
        };
        Ok(OrderSigner {
            key,
            chain,
            domains: [
                d(ProtocolVersion::V1, false),
                d(ProtocolVersion::V1, true),
                d(ProtocolVersion::V2, false),
                d(ProtocolVersion::V2, true),
            ],
            auth_domain: ClobAuthDomain::new(chain_id),
        })
    }

    /// The key's address, checksummed.
    #[getter]
    fn address(&self) -> String {
        self.key.address().to_checksum(None)
    }

    /// The chain id.
    #[getter]
    fn chain_id(&self) -> u64 {
        self.chain.id()
    }

    /// The exchange contract orders of `version` on a (neg-risk) market are signed for.
    fn exchange(&self, version: u8, neg_risk: bool) -> PyResult<String> {
        Ok(self
            .domain(version_of(version)?, neg_risk)
            .verifying_contract()
            .to_checksum(None))
    }

    /// A limit order of `size` shares at `price` (decimal texts) expiring at `expiration`
    /// (0: never): returns the signed order's fields and its id.
    fn limit_order<'py>(
        &self,
        py: Python<'py>,
        common: OrderInputs,
        price: &str,
        size: &str,
        expiration: u64,
    ) -> PyResult<(Bound<'py, PyDict>, String)> {
        let (side, tick) = common.side_and_tick()?;
        let amounts = limit_amounts(side, decimal("price", price)?, decimal("size", size)?, tick)
            .map_err(|e| invalid("order", e))?;
        self.sign(py, common.terms(self, amounts, expiration)?)
    }

    /// A market order of `amount` (USDC for a BUY, shares for a SELL) accepting `price` at
    /// worst: returns the signed order's fields and its id.
    fn market_order<'py>(
        &self,
        py: Python<'py>,
        common: OrderInputs,
        amount: &str,
        price: &str,
    ) -> PyResult<(Bound<'py, PyDict>, String)> {
        let (side, tick) = common.side_and_tick()?;
        let version = version_of(common.version)?;
        let price = market_order_price(version, decimal("price", price)?, tick);
        let amounts = market_amounts_for(version, side, decimal("amount", amount)?, price, tick)
            .map_err(|e| invalid("order", e))?;
        self.sign(py, common.terms(self, amounts, 0)?)
    }

    /// The four L1 headers (`POLY_ADDRESS`, `POLY_SIGNATURE`, `POLY_TIMESTAMP`, `POLY_NONCE`)
    /// at `timestamp` (unix seconds).
    fn l1_headers(&self, timestamp: u64, nonce: u64) -> PyResult<Vec<(&'static str, String)>> {
        let h = l1_headers(&self.key, &self.auth_domain, timestamp, U256::from(nonce))
            .map_err(|e| invalid("l1 headers", e))?;
        Ok(h.iter().map(|(k, v)| (k, v.to_owned())).collect())
    }

    fn __repr__(&self) -> String {
        format!(
            "OrderSigner(address={:?}, chain_id={})",
            self.address(),
            self.chain.id()
        )
    }
}

/// What limit and market orders share, as the package passes it (a dict).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct OrderInputs {
    version: u8,
    token_id: String,
    side: String,
    tick_size: String,
    neg_risk: bool,
    salt: u64,
    timestamp_ms: u64,
    signature_type: u8,
    funder: Option<String>,
    builder_code: Option<String>,
    metadata: Option<String>,
    fee_rate_bps: u64,
    nonce: u64,
    taker: Option<String>,
}

impl OrderInputs {
    fn side_and_tick(&self) -> PyResult<(Side, TickSize)> {
        Ok((
            parsed("side", &self.side, "BUY or SELL")?,
            parsed(
                "tick_size",
                &self.tick_size,
                "0.1, 0.01, 0.005, 0.0025, 0.001 or 0.0001",
            )?,
        ))
    }

    fn terms(&self, s: &OrderSigner, amounts: OrderAmounts, expiration: u64) -> PyResult<Terms> {
        Ok(Terms {
            version: version_of(self.version)?,
            neg_risk: self.neg_risk,
            party: s.party(self.signature_type, self.funder.as_deref())?,
            token: parsed("token_id", &self.token_id, "a decimal token id")?,
            amounts,
            salt: self.salt,
            fields: VersionFields {
                fee_rate_bps: self.fee_rate_bps,
                nonce: U256::from(self.nonce),
                taker: match &self.taker {
                    Some(t) => parsed("taker", t, "an 0x address")?,
                    None => Address::ZERO,
                },
                timestamp_ms: self.timestamp_ms,
                metadata: bytes32("metadata", self.metadata.as_deref())?,
                builder: bytes32("builder_code", self.builder_code.as_deref())?,
            },
            expiration,
        })
    }
}

/// The L2 `POLY_SIGNATURE` of a request: URL-safe base64 HMAC-SHA256 of
/// `timestamp + method + path + body` under the URL-safe base64 `secret`.
#[pyfunction]
pub fn l2_signature(
    secret: &str,
    timestamp: &str,
    method: &str,
    path: &str,
    body: &str,
) -> PyResult<String> {
    let creds = ApiCredentials {
        api_key: ApiKey::new("-").map_err(|e| invalid("api_key", e))?,
        secret: secret.to_owned(),
        passphrase: String::new(),
    };
    let auth = L2Auth::new(creds, Address::ZERO)
        .map_err(|e| invalid("secret", format!("{e} (expected URL-safe base64)")))?;
    Ok(auth.signature(timestamp, method, path, body.as_bytes()))
}

/// The worst price a market order of `amount` must accept, walking `levels` (`(price, size)`
/// texts as the book lists them, best last); raises `InvalidInput("no match")`-style errors when
/// a FOK order cannot fill or the side is empty.
#[pyfunction]
pub fn walk_market_price(
    side: &str,
    levels: Vec<(String, String)>,
    amount: &str,
    order_type: &str,
) -> PyResult<String> {
    let side: Side = parsed("side", side, "BUY or SELL")?;
    let order_type: OrderType = parsed("order_type", order_type, "GTC, GTD, FOK or FAK")?;
    let levels = levels
        .iter()
        .map(|(p, s)| {
            Ok(PriceLevel {
                price: decimal("price", p)?,
                size: decimal("size", s)?,
            })
        })
        .collect::<PyResult<Vec<_>>>()?;
    market_price(side, &levels, decimal("amount", amount)?, order_type)
        .map(|p| p.normalize().to_string())
        .map_err(|e| crate::NoMatch::new_err(e.to_string()))
}
