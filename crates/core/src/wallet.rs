//! CREATE2 addresses of the Polymarket smart-contract wallets an EOA can trade through.
//!
//! * **Proxy wallet** (signature type 1, Magic/email users): deployed by the proxy factory with
//!   salt `keccak256(abi.encodePacked(signer))` (the 20 address bytes).
//! * **Gnosis Safe** (signature type 2, browser-wallet users): deployed by the Safe factory with
//!   salt `keccak256(abi.encode(signer))` (the address left-padded to 32 bytes).
//!
//! Factories and init-code hashes are those of Polymarket's deployments (the proxy-factories
//! repository, `PolyProxyLib`/`PolySafeLib` of the CTF Exchange, and the official Rust SDK), pinned
//! by known (EOA, wallet) pairs in the tests and the conformance vectors.

use alloy_primitives::{Address, B256, address, b256, keccak256};

use crate::chain::Chain;

/// The Polymarket proxy-wallet factory on Polygon.
pub const PROXY_FACTORY: Address = address!("0xaB45c5A4B0c941a2F231C04C3f49182e1A254052");
/// keccak256 of the proxy wallet's creation code (an EIP-1167 minimal proxy).
pub const PROXY_INIT_CODE_HASH: B256 =
    b256!("0xd21df8dc65880a8606f09fe0ce3df9b8869287ab0b058be05aa9e8af6330a00b");
/// The Polymarket Gnosis Safe factory (same address on Polygon and Amoy).
pub const SAFE_FACTORY: Address = address!("0xaacFeEa03eb1561C4e67d661e40682Bd20E3541b");
/// keccak256 of the Safe proxy's creation code with its master copy.
pub const SAFE_INIT_CODE_HASH: B256 =
    b256!("0x2bce2127ff07fb632d16c8347c4ebf501f4841168bed00d9e6ef715ddb6fcecf");

/// The factories a chain has. Amoy has no proxy-wallet factory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalletFactories {
    /// The proxy-wallet factory and its init-code hash, where deployed.
    pub proxy: Option<(Address, B256)>,
    /// The Safe factory and its init-code hash.
    pub safe: (Address, B256),
}

impl WalletFactories {
    /// The factories of `chain`.
    pub const fn of(chain: Chain) -> WalletFactories {
        match chain {
            Chain::Polygon => WalletFactories {
                proxy: Some((PROXY_FACTORY, PROXY_INIT_CODE_HASH)),
                safe: (SAFE_FACTORY, SAFE_INIT_CODE_HASH),
            },
            Chain::Amoy => WalletFactories {
                proxy: None,
                safe: (SAFE_FACTORY, SAFE_INIT_CODE_HASH),
            },
        }
    }
    /// The signer's proxy wallet, if the chain has a proxy factory.
    pub fn proxy_wallet(&self, signer: Address) -> Option<Address> {
        self.proxy
            .map(|(factory, init)| factory.create2(keccak256(signer), init))
    }
    /// The signer's Gnosis Safe.
    pub fn safe_wallet(&self, signer: Address) -> Address {
        let mut padded = [0u8; 32];
        padded[12..].copy_from_slice(signer.as_slice());
        let (factory, init) = self.safe;
        factory.create2(keccak256(padded), init)
    }
}

/// The Polymarket proxy wallet of `signer` on Polygon.
pub fn proxy_wallet(signer: Address) -> Address {
    PROXY_FACTORY.create2(keccak256(signer), PROXY_INIT_CODE_HASH)
}

/// The Polymarket Gnosis Safe of `signer` (Polygon and Amoy).
pub fn safe_wallet(signer: Address) -> Address {
    WalletFactories::of(Chain::Polygon).safe_wallet(signer)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pairs for the Hardhat/Anvil account #0, from the official Rust SDK's tests.
    #[test]
    fn known_pairs() {
        let eoa = address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        assert_eq!(
            proxy_wallet(eoa),
            address!("0x365f0cA36ae1F641E02Fe3b7743673DA42A13a70")
        );
        assert_eq!(
            safe_wallet(eoa),
            address!("0xd93b25Cb943D14d0d34FBAf01fc93a0F8b5f6e47")
        );
        assert_eq!(
            WalletFactories::of(Chain::Amoy).safe_wallet(eoa),
            safe_wallet(eoa)
        );
        assert_eq!(WalletFactories::of(Chain::Amoy).proxy_wallet(eoa), None);
    }
}
