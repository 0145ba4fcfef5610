//! `hashStruct(Order)` of each protocol version, encoded into a fixed buffer.

use alloy_primitives::{B256, U256, b256, keccak256};

use super::{Order, OrderVersion};
use crate::eip712::Eip712Struct;

/// `keccak256("Order(uint256 salt,address maker,address signer,address taker,uint256 tokenId,
/// uint256 makerAmount,uint256 takerAmount,uint256 expiration,uint256 nonce,uint256 feeRateBps,
/// uint8 side,uint8 signatureType)")`, equal to `ORDER_TYPEHASH` in the on-chain CTFExchange.
pub const ORDER_TYPEHASH: B256 =
    b256!("0xa852566c4e14d00869b6db0220888a9090a13eccdaea03713ff0a3d27bf9767c");

/// The V2 struct's EIP-712 type string (186 bytes). Besides its hash, a POLY_1271 signature
/// carries it verbatim.
pub const ORDER_TYPE_STRING_V2: &str = "Order(uint256 salt,address maker,address signer,uint256 tokenId,uint256 makerAmount,uint256 takerAmount,uint8 side,uint8 signatureType,uint256 timestamp,bytes32 metadata,bytes32 builder)";

/// `keccak256(ORDER_TYPE_STRING_V2)`, equal to `ORDER_TYPEHASH` in the V2 CTF Exchange.
pub const ORDER_TYPEHASH_V2: B256 =
    b256!("0xbb86318a2138f5fa8ae32fbe8e659f8fcf13cc6ae4014a707893055433818589");

/// An address as a 32-byte ABI word.
fn addr_word(a: &alloy_primitives::Address) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(a.as_slice());
    w
}

/// A `uint8` as a 32-byte ABI word.
fn small_word(v: u8) -> [u8; 32] {
    U256::from(v).to_be_bytes::<32>()
}

impl Order {
    /// `hashStruct(order)` of the order's protocol version: keccak256 of the type hash and the
    /// fields (12 for V1, 11 for V2), each one 32-byte word.
    pub fn struct_hash(&self) -> B256 {
        let mut buf = [0u8; 32 * 13];
        let mut at = 0;
        let mut put = |word: [u8; 32]| {
            buf[at..at + 32].copy_from_slice(&word);
            at += 32;
        };
        match &self.version {
            OrderVersion::V1 {
                taker,
                nonce,
                fee_rate_bps,
            } => {
                put(ORDER_TYPEHASH.0);
                put(self.salt.to_be_bytes());
                put(addr_word(&self.maker));
                put(addr_word(&self.signer));
                put(addr_word(taker));
                put(self.token_id.0.to_be_bytes());
                put(self.maker_amount.to_be_bytes());
                put(self.taker_amount.to_be_bytes());
                put(self.expiration.to_be_bytes());
                put(nonce.to_be_bytes());
                put(fee_rate_bps.to_be_bytes());
                put(small_word(self.side.as_u8()));
                put(small_word(self.signature_type.as_u8()));
            }
            OrderVersion::V2 {
                timestamp,
                metadata,
                builder,
            } => {
                put(ORDER_TYPEHASH_V2.0);
                put(self.salt.to_be_bytes());
                put(addr_word(&self.maker));
                put(addr_word(&self.signer));
                put(self.token_id.0.to_be_bytes());
                put(self.maker_amount.to_be_bytes());
                put(self.taker_amount.to_be_bytes());
                put(small_word(self.side.as_u8()));
                put(small_word(self.signature_type.as_u8()));
                put(timestamp.to_be_bytes());
                put(metadata.0);
                put(builder.0);
            }
        }
        keccak256(&buf[..at])
    }
}

impl Eip712Struct for Order {
    fn struct_hash(&self) -> B256 {
        Order::struct_hash(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Side, SignatureType, TokenId};
    use alloy_primitives::{Address, address};
    use alloy_sol_types::SolStruct;

    alloy_sol_types::sol! {
        struct Order {
            uint256 salt; address maker; address signer; address taker; uint256 tokenId;
            uint256 makerAmount; uint256 takerAmount; uint256 expiration; uint256 nonce;
            uint256 feeRateBps; uint8 side; uint8 signatureType;
        }
    }

    fn sample() -> crate::order::Order {
        crate::order::Order {
            salt: U256::from(479249096354u64),
            maker: address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
            signer: address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
            token_id: TokenId::from(1234),
            maker_amount: U256::from(100000000u64),
            taker_amount: U256::from(50000000u64),
            expiration: U256::ZERO,
            side: Side::Buy,
            signature_type: SignatureType::Eoa,
            version: OrderVersion::V1 {
                taker: Address::ZERO,
                nonce: U256::ZERO,
                fee_rate_bps: U256::from(100u64),
            },
        }
    }

    /// The fixed-buffer encoding equals alloy-sol-types' generic EIP-712 one, and the py-order-utils
    /// struct hash of protocol.md §8.3.
    #[test]
    fn matches_alloy_and_reference() {
        assert_eq!(
            Order::eip712_type_hash(&Order {
                salt: U256::ZERO,
                maker: Address::ZERO,
                signer: Address::ZERO,
                taker: Address::ZERO,
                tokenId: U256::ZERO,
                makerAmount: U256::ZERO,
                takerAmount: U256::ZERO,
                expiration: U256::ZERO,
                nonce: U256::ZERO,
                feeRateBps: U256::ZERO,
                side: 0,
                signatureType: 0,
            }),
            ORDER_TYPEHASH
        );
        let o = sample();
        let generic = Order {
            salt: o.salt,
            maker: o.maker,
            signer: o.signer,
            taker: Address::ZERO,
            tokenId: o.token_id.0,
            makerAmount: o.maker_amount,
            takerAmount: o.taker_amount,
            expiration: o.expiration,
            nonce: U256::ZERO,
            feeRateBps: U256::from(100u64),
            side: o.side.as_u8(),
            signatureType: o.signature_type.as_u8(),
        };
        assert_eq!(o.struct_hash(), generic.eip712_hash_struct());
        assert_eq!(
            o.struct_hash(),
            b256!("0x26eb80b08612a9945a9a2af3af152f3bcdccd154f9708a68d2f261f44b66a11d")
        );
    }

    mod v2 {
        alloy_sol_types::sol! {
            struct Order {
                uint256 salt; address maker; address signer; uint256 tokenId;
                uint256 makerAmount; uint256 takerAmount; uint8 side; uint8 signatureType;
                uint256 timestamp; bytes32 metadata; bytes32 builder;
            }
        }
    }

    /// The V2 type string and hash equal alloy-sol-types' for the same struct, and a V2 order's
    /// fixed-buffer encoding equals alloy's generic one.
    #[test]
    fn v2_matches_alloy() {
        use alloy_primitives::B256;
        assert_eq!(ORDER_TYPE_STRING_V2.len(), 186);
        assert_eq!(keccak256(ORDER_TYPE_STRING_V2), ORDER_TYPEHASH_V2);
        let mut o = sample();
        o.version = OrderVersion::V2 {
            timestamp: U256::from(1_710_000_000_000u64),
            metadata: B256::repeat_byte(7),
            builder: B256::repeat_byte(9),
        };
        let generic = v2::Order {
            salt: o.salt,
            maker: o.maker,
            signer: o.signer,
            tokenId: o.token_id.0,
            makerAmount: o.maker_amount,
            takerAmount: o.taker_amount,
            side: o.side.as_u8(),
            signatureType: o.signature_type.as_u8(),
            timestamp: U256::from(1_710_000_000_000u64),
            metadata: B256::repeat_byte(7),
            builder: B256::repeat_byte(9),
        };
        assert_eq!(generic.eip712_type_hash(), ORDER_TYPEHASH_V2);
        assert_eq!(o.struct_hash(), generic.eip712_hash_struct());
    }
}
