//! The CTF Exchange EIP-712 domain, computed once per (chain, verifying contract).

use alloy_primitives::{Address, B256};
use alloy_sol_types::eip712_domain;

use super::Eip712Struct;
use crate::chain::{Chain, Contracts};
use crate::protocol::ProtocolVersion;
use crate::types::OrderId;

/// `name` of the CTF Exchange domain.
pub const EXCHANGE_DOMAIN_NAME: &str = "Polymarket CTF Exchange";

/// The domain orders are signed in: `EIP712Domain(string name,string version,uint256 chainId,
/// address verifyingContract)` with the exchange that will settle the order; `version` is the
/// protocol version's ([`ProtocolVersion::domain_version`]).
///
/// Build one per exchange and reuse it: the separator is hashed here, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExchangeDomain {
    version: ProtocolVersion,
    chain_id: u64,
    verifying_contract: Address,
    separator: B256,
}

impl ExchangeDomain {
    /// The V1 domain of an arbitrary chain id and exchange (tests, custom deployments).
    pub fn new(chain_id: u64, verifying_contract: Address) -> Self {
        ExchangeDomain::versioned(ProtocolVersion::V1, chain_id, verifying_contract)
    }
    /// The domain of protocol `version` for an arbitrary chain id and exchange.
    pub fn versioned(version: ProtocolVersion, chain_id: u64, verifying_contract: Address) -> Self {
        let domain = eip712_domain! {
            name: EXCHANGE_DOMAIN_NAME,
            version: version.domain_version(),
            chain_id: chain_id,
            verifying_contract: verifying_contract,
        };
        ExchangeDomain {
            version,
            chain_id,
            verifying_contract,
            separator: domain.separator(),
        }
    }
    /// The domain for orders in a normal or neg-risk market of `chain`, with `contracts` (whose
    /// protocol version it signs under).
    pub fn for_market(chain: Chain, contracts: &Contracts, neg_risk: bool) -> Self {
        ExchangeDomain::versioned(
            contracts.version,
            chain.id(),
            contracts.exchange_for(neg_risk),
        )
    }
    /// The protocol version whose orders this domain signs.
    pub const fn version(&self) -> ProtocolVersion {
        self.version
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

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::b256;

    /// The V2 domain separators reproduced with the official V2 clients (v2.md §1.1).
    #[test]
    fn v2_separators() {
        let cases = [
            (
                Chain::Polygon,
                false,
                b256!("0x3264e159346253e26a64e00b69032db0e7d32f94628de3e6eecb50304d7af3d2"),
            ),
            (
                Chain::Polygon,
                true,
                b256!("0x9b858f53327b0bd13af8ec14cfb35234fb9eb7b0504d1a4e61f433840d30e81a"),
            ),
            (
                Chain::Amoy,
                false,
                b256!("0xa440cbd865bc0c6243d7a8df9a8bf48a8827b0a4abbb61c30e96d305423af148"),
            ),
            (
                Chain::Amoy,
                true,
                b256!("0x1468e39841f0a0e05d3762b235cb7acecabf8cd7b6d3a672965a5d415bf9378e"),
            ),
        ];
        for (chain, neg_risk, separator) in cases {
            let d = ExchangeDomain::for_market(chain, &chain.contracts_v2(), neg_risk);
            assert_eq!(d.separator(), separator, "{chain} neg_risk={neg_risk}");
            assert_eq!(d.version(), ProtocolVersion::V2);
        }
        // the same contract in the V1 domain is a different separator
        let v1 = ExchangeDomain::new(137, Chain::Polygon.contracts_v2().exchange);
        assert_ne!(v1.separator(), cases[0].2);
    }
}
