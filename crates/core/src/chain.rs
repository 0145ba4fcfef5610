//! The two chains the CLOB clients support, and each one's contract addresses per protocol
//! version.

use std::fmt;
use std::str::FromStr;

use alloy_primitives::{Address, address};
use serde::{Deserialize, Serialize};

use crate::protocol::ProtocolVersion;

/// A chain the official clients accept. Any other chain id is refused by them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub enum Chain {
    /// Polygon mainnet, chain id 137.
    Polygon,
    /// Polygon Amoy testnet, chain id 80002.
    Amoy,
}

/// A chain id that is neither 137 nor 80002.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported chain id {0}: expected 137 (Polygon) or 80002 (Amoy)")]
pub struct UnsupportedChain(pub u64);

impl Chain {
    /// The EIP-155 chain id.
    pub const fn id(self) -> u64 {
        match self {
            Chain::Polygon => 137,
            Chain::Amoy => 80002,
        }
    }
    /// The chain with this id.
    pub fn from_id(id: u64) -> Result<Chain, UnsupportedChain> {
        match id {
            137 => Ok(Chain::Polygon),
            80002 => Ok(Chain::Amoy),
            other => Err(UnsupportedChain(other)),
        }
    }
    /// This chain's V1 contracts, with the default choice for the ambiguous Amoy neg-risk
    /// exchange ([`AmoyNegRisk::Exchange`]).
    pub const fn contracts(self) -> Contracts {
        self.contracts_with(AmoyNegRisk::Exchange)
    }
    /// This chain's contracts for orders of `version` (the Amoy neg-risk choice of V1 at its
    /// default).
    pub const fn contracts_for(self, version: ProtocolVersion) -> Contracts {
        match version {
            ProtocolVersion::V1 => self.contracts(),
            ProtocolVersion::V2 => self.contracts_v2(),
        }
    }
    /// This chain's V2 contracts. The V2 exchanges and pUSD have the same addresses on Polygon and
    /// Amoy in all three official V2 clients; the neg-risk adapter and the Conditional Tokens are
    /// those of V1.
    pub const fn contracts_v2(self) -> Contracts {
        let v1 = self.contracts();
        Contracts {
            version: ProtocolVersion::V2,
            exchange: address!("0xE111180000d2663C0091e4f400237545B87B996B"),
            neg_risk_exchange: address!("0xe2222d279d744050d28e00520010520000310F59"),
            neg_risk_adapter: v1.neg_risk_adapter,
            collateral: address!("0xC011a7E12a19f7B1f670d46F03B03f3342E82DFB"),
            conditional_tokens: v1.conditional_tokens,
        }
    }
    /// This chain's V1 contracts with an explicit choice of Amoy neg-risk exchange (ignored on
    /// Polygon, where every client agrees).
    pub const fn contracts_with(self, amoy_neg_risk: AmoyNegRisk) -> Contracts {
        match self {
            Chain::Polygon => Contracts {
                version: ProtocolVersion::V1,
                exchange: address!("0x4bFb41d5B3570DeFd03C39a9A4D8dE6Bd8B8982E"),
                neg_risk_exchange: address!("0xC5d563A36AE78145C45a50134d48A1215220f80a"),
                neg_risk_adapter: address!("0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296"),
                collateral: address!("0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174"),
                conditional_tokens: address!("0x4D97DCd97eC945f40cF65F87097ACe5EA0476045"),
            },
            Chain::Amoy => Contracts {
                version: ProtocolVersion::V1,
                exchange: address!("0xdFE02Eb6733538f8Ea35D585af8DE5958AD99E40"),
                neg_risk_exchange: amoy_neg_risk.address(),
                neg_risk_adapter: address!("0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296"),
                collateral: address!("0x9c4e1703476e875070ee25b56a58b008cfb8fa78"),
                conditional_tokens: address!("0x69308FB512518e39F9b16112fA8d994F4e2Bf8bB"),
            },
        }
    }
}

impl TryFrom<u64> for Chain {
    type Error = UnsupportedChain;
    fn try_from(id: u64) -> Result<Self, Self::Error> {
        Chain::from_id(id)
    }
}

impl From<Chain> for u64 {
    fn from(c: Chain) -> u64 {
        c.id()
    }
}

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Chain::Polygon => f.write_str("polygon (137)"),
            Chain::Amoy => f.write_str("amoy (80002)"),
        }
    }
}

impl FromStr for Chain {
    type Err = UnsupportedChain;
    /// Accepts the id (`"137"`) or the name (`"polygon"`, `"amoy"`, case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "polygon" | "matic" => Ok(Chain::Polygon),
            "amoy" => Ok(Chain::Amoy),
            other => Chain::from_id(other.parse().map_err(|_| UnsupportedChain(0))?),
        }
    }
}

/// Which contract signs as the neg-risk exchange on Amoy.
///
/// The official clients disagree: TypeScript (`@polymarket/clob-client`) and the current official
/// Rust SDK use `0xC5d563A3…f80a` (the same address as the Polygon neg-risk exchange); Python
/// (`py-clob-client`) and the older Rust SDK use `0xd91E80cF…5296`, which on Polygon is the
/// NegRiskAdapter, not an exchange. Orders signed by one are rejected by a server expecting the
/// other, so the choice is explicit.
///
/// **Decision:** the default is [`AmoyNegRisk::Exchange`] (`0xC5d5…`), the address of the newer
/// clients and of the actual Polygon exchange bytecode. A client talking to a server that follows
/// Python picks [`AmoyNegRisk::PythonAdapter`]; our local exchange accepts both on Amoy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AmoyNegRisk {
    /// `0xC5d563A36AE78145C45a50134d48A1215220f80a` (TypeScript client, current Rust SDK).
    #[default]
    Exchange,
    /// `0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296` (Python client).
    PythonAdapter,
    /// Any other address, for a deployment of one's own.
    Custom(Address),
}

impl AmoyNegRisk {
    /// The verifying contract this choice signs against.
    pub const fn address(self) -> Address {
        match self {
            AmoyNegRisk::Exchange => address!("0xC5d563A36AE78145C45a50134d48A1215220f80a"),
            AmoyNegRisk::PythonAdapter => address!("0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296"),
            AmoyNegRisk::Custom(a) => a,
        }
    }
}

/// The contracts of one chain that one version of the CLOB protocol refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contracts {
    /// The protocol version these exchanges settle (it selects the domain version orders are
    /// signed in).
    pub version: ProtocolVersion,
    /// The CTF Exchange: verifying contract of orders in normal markets.
    pub exchange: Address,
    /// The neg-risk CTF Exchange: verifying contract of orders in neg-risk markets.
    pub neg_risk_exchange: Address,
    /// The NegRiskAdapter (an allowance target in neg-risk markets).
    pub neg_risk_adapter: Address,
    /// The collateral ERC-20 (V1: USDC.e on Polygon; V2: pUSD on both chains).
    pub collateral: Address,
    /// The Conditional Tokens (ERC-1155) contract.
    pub conditional_tokens: Address,
}

impl Contracts {
    /// The verifying contract for an order in a market with this neg-risk flag.
    pub const fn exchange_for(&self, neg_risk: bool) -> Address {
        if neg_risk {
            self.neg_risk_exchange
        } else {
            self.exchange
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names() {
        assert_eq!(Chain::from_id(137).ok(), Some(Chain::Polygon));
        assert_eq!("80002".parse::<Chain>().ok(), Some(Chain::Amoy));
        assert_eq!("AMOY".parse::<Chain>().ok(), Some(Chain::Amoy));
        assert_eq!(
            Chain::from_id(1).err().map(|e| e.to_string()).as_deref(),
            Some("unsupported chain id 1: expected 137 (Polygon) or 80002 (Amoy)")
        );
        assert!(serde_json::from_str::<Chain>("5").is_err());
    }

    #[test]
    fn v2_contracts() {
        for chain in [Chain::Polygon, Chain::Amoy] {
            let c = chain.contracts_for(ProtocolVersion::V2);
            assert_eq!(c.version, ProtocolVersion::V2);
            assert_eq!(
                c.exchange_for(false),
                address!("0xE111180000d2663C0091e4f400237545B87B996B")
            );
            assert_eq!(
                c.exchange_for(true),
                address!("0xe2222d279d744050d28e00520010520000310F59")
            );
            assert_eq!(
                c.collateral,
                address!("0xC011a7E12a19f7B1f670d46F03B03f3342E82DFB")
            );
            assert_eq!(c.conditional_tokens, chain.contracts().conditional_tokens);
            assert_eq!(chain.contracts_for(ProtocolVersion::V1), chain.contracts());
        }
    }

    #[test]
    fn amoy_neg_risk_is_explicit() {
        let ts = Chain::Amoy.contracts();
        let py = Chain::Amoy.contracts_with(AmoyNegRisk::PythonAdapter);
        assert_ne!(ts.neg_risk_exchange, py.neg_risk_exchange);
        assert_eq!(
            py.neg_risk_exchange,
            address!("0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296")
        );
        assert_eq!(
            Chain::Polygon.contracts_with(AmoyNegRisk::PythonAdapter),
            Chain::Polygon.contracts()
        );
    }
}
