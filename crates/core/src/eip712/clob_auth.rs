//! The L1 `ClobAuth` attestation: an EOA proves it controls its address.

use alloy_primitives::{Address, B256, U256, b256, keccak256};
use alloy_sol_types::eip712_domain;

/// The fixed text every `ClobAuth` signs.
pub const CLOB_AUTH_MESSAGE: &str = "This message attests that I control the given wallet";

/// `keccak256("ClobAuth(address address,string timestamp,uint256 nonce,string message)")`.
///
/// `address` is a Solidity keyword, so this struct cannot be declared with `sol!`; it is encoded
/// by hand here and checked against the reference intermediates.
pub const CLOB_AUTH_TYPEHASH: B256 =
    b256!("0x52578c5c725a28a84fedc8c22aa47947822942f35b4dc350db028e45320e035c");

/// The `ClobAuthDomain` domain (`name`, `version`, `chainId` only: no verifying contract),
/// hashed once per chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClobAuthDomain {
    chain_id: u64,
    separator: B256,
}

impl ClobAuthDomain {
    /// The domain for `chain_id` (137 or 80002 for the official clients).
    pub fn new(chain_id: u64) -> Self {
        let domain = eip712_domain! { name: "ClobAuthDomain", version: "1", chain_id: chain_id, };
        ClobAuthDomain {
            chain_id,
            separator: domain.separator(),
        }
    }
    /// The chain id.
    pub const fn chain_id(&self) -> u64 {
        self.chain_id
    }
    /// The domain separator.
    pub const fn separator(&self) -> B256 {
        self.separator
    }
    /// The digest an L1 header signature signs.
    pub fn digest(&self, auth: &ClobAuth<'_>) -> B256 {
        super::signing_digest(&self.separator, &auth.struct_hash())
    }
}

/// The values of one `ClobAuth` attestation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClobAuth<'a> {
    /// The signer's address (`POLY_ADDRESS`).
    pub address: Address,
    /// The decimal string sent in `POLY_TIMESTAMP`, signed as a *string*.
    pub timestamp: &'a str,
    /// The `POLY_NONCE` value.
    pub nonce: U256,
}

impl ClobAuth<'_> {
    /// `hashStruct(ClobAuth)`.
    pub fn struct_hash(&self) -> B256 {
        let mut buf = [0u8; 32 * 5];
        buf[..32].copy_from_slice(CLOB_AUTH_TYPEHASH.as_slice());
        buf[32 + 12..64].copy_from_slice(self.address.as_slice());
        buf[64..96].copy_from_slice(keccak256(self.timestamp.as_bytes()).as_slice());
        buf[96..128].copy_from_slice(&self.nonce.to_be_bytes::<32>());
        buf[128..160].copy_from_slice(keccak256(CLOB_AUTH_MESSAGE.as_bytes()).as_slice());
        keccak256(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    /// protocol.md §8.1 intermediates.
    #[test]
    fn reference_intermediates() {
        assert_eq!(
            keccak256("ClobAuth(address address,string timestamp,uint256 nonce,string message)"),
            CLOB_AUTH_TYPEHASH
        );
        let amoy = ClobAuthDomain::new(80002);
        assert_eq!(
            amoy.separator(),
            b256!("0xa1df8f4e3112eaee2448fbec9ab79f68278407e49d9cf52e3dd3d9692fcac9b6")
        );
        assert_eq!(
            ClobAuthDomain::new(137).separator(),
            b256!("0xcfc66be2a3b30464cb3b588324101f660c9a205fa76e8e5f83ee16a528e1c4cb")
        );
        let auth = ClobAuth {
            address: address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
            timestamp: "10000000",
            nonce: U256::from(23),
        };
        assert_eq!(
            auth.struct_hash(),
            b256!("0x11100b50654a1fcdab3af4f391788034786202690bb9319db16fd3f335ef643c")
        );
        assert_eq!(
            amoy.digest(&auth),
            b256!("0x8f442df8073c9cf2e36d7b20ca9d64d1a9352e982cc82a293b7de2df57920610")
        );
        assert_eq!(
            ClobAuthDomain::new(137).digest(&auth),
            b256!("0x577908bf2b712def8592d5078487f59ab9aa28b656e6fda011c8ac4333792037")
        );
    }
}
