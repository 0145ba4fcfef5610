//! The CTF Exchange EIP-712 domain, computed once per (chain, verifying contract).

use alloy_primitives::{Address, B256};
use alloy_sol_types::eip712_domain;

use super::Eip712Struct;
use crate::chain::{Chain, Contracts};
use crate::types::OrderId;

/// `name` of the CTF Exchange domain.
pub const EXCHANGE_DOMAIN_NAME: &str = "Polymarket CTF Exchange";
/// `version` of the CTF Exchange domain (v1 protocol).
pub const EXCHANGE_DOMAIN_VERSION: &str = "1";

/// The domain orders are signed in: `EIP712Domain(string name,string version,uint256 chainId,
/// address verifyingContract)` with the exchange that will settle the order.
///
/// Build one per exchange and reuse it: the separator is hashed here, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExchangeDomain {
    chain_id: u64,
    verifying_contract: Address,
    separator: B256,
}

impl ExchangeDomain {
    /// The domain of an arbitrary chain id and exchange (tests, custom deployments).
    pub fn new(chain_id: u64, verifying_contract: Address) -> Self {
        let domain = eip712_domain! {
            name: EXCHANGE_DOMAIN_NAME,
            version: EXCHANGE_DOMAIN_VERSION,
            chain_id: chain_id,
            verifying_contract: verifying_contract,
        };
        ExchangeDomain {
            chain_id,
            verifying_contract,
            separator: domain.separator(),
        }
    }
    /// The domain for orders in a normal or neg-risk market of `chain`, with `contracts`.
    pub fn for_market(chain: Chain, contracts: &Contracts, neg_risk: bool) -> Self {
        ExchangeDomain::new(chain.id(), contracts.exchange_for(neg_risk))
    }
    /// The chain id signed in the domain.
    pub const fn chain_id(&self) -> u64 {
        self.chain_id
    }
    /// The exchange contract signed in the domain.
    pub const fn verifying_contract(&self) -> Address {
        self.verifying_contract
    }
    /// The domain separator.
    pub const fn separator(&self) -> B256 {
        self.separator
    }
    /// The digest of `order` in this domain: what is signed, and the order's id.
    pub fn order_digest<T: Eip712Struct + ?Sized>(&self, order: &T) -> B256 {
        super::signing_digest(&self.separator, &order.struct_hash())
    }
    /// The order id (= [`order_digest`](Self::order_digest)).
    pub fn order_id<T: Eip712Struct + ?Sized>(&self, order: &T) -> OrderId {
        OrderId(self.order_digest(order))
    }
}
