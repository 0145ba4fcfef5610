//! `hashStruct(Order)`, encoded into a fixed buffer.

use alloy_primitives::{B256, U256, b256, keccak256};

use super::Order;
use crate::eip712::Eip712Struct;

/// `keccak256("Order(uint256 salt,address maker,address signer,address taker,uint256 tokenId,
/// uint256 makerAmount,uint256 takerAmount,uint256 expiration,uint256 nonce,uint256 feeRateBps,
/// uint8 side,uint8 signatureType)")`, equal to `ORDER_TYPEHASH` in the on-chain CTFExchange.
pub const ORDER_TYPEHASH: B256 =
    b256!("0xa852566c4e14d00869b6db0220888a9090a13eccdaea03713ff0a3d27bf9767c");

impl Order {
    /// `hashStruct(order)`: keccak256 of the type hash and the 12 fields, each one 32-byte word.
    pub fn struct_hash(&self) -> B256 {
        let mut buf = [0u8; 32 * 13];
        let mut put = |i: usize, word: [u8; 32]| buf[32 * i..32 * (i + 1)].copy_from_slice(&word);
        let addr = |a: &alloy_primitives::Address| {
            let mut w = [0u8; 32];
            w[12..].copy_from_slice(a.as_slice());
            w
        };
        let small = |v: u8| U256::from(v).to_be_bytes::<32>();
        put(0, ORDER_TYPEHASH.0);
        put(1, self.salt.to_be_bytes());
        put(2, addr(&self.maker));
        put(3, addr(&self.signer));
        put(4, addr(&self.taker));
        put(5, self.token_id.0.to_be_bytes());
        put(6, self.maker_amount.to_be_bytes());
        put(7, self.taker_amount.to_be_bytes());
        put(8, self.expiration.to_be_bytes());
        put(9, self.nonce.to_be_bytes());
        put(10, self.fee_rate_bps.to_be_bytes());
        put(11, small(self.side.as_u8()));
        put(12, small(self.signature_type.as_u8()));
        keccak256(buf)
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
            taker: Address::ZERO,
            token_id: TokenId::from(1234),
            maker_amount: U256::from(100000000u64),
            taker_amount: U256::from(50000000u64),
            expiration: U256::ZERO,
            nonce: U256::ZERO,
            fee_rate_bps: U256::from(100u64),
            side: Side::Buy,
            signature_type: SignatureType::Eoa,
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
            taker: o.taker,
            tokenId: o.token_id.0,
            makerAmount: o.maker_amount,
            takerAmount: o.taker_amount,
            expiration: o.expiration,
            nonce: o.nonce,
            feeRateBps: o.fee_rate_bps,
            side: o.side.as_u8(),
            signatureType: o.signature_type.as_u8(),
        };
        assert_eq!(o.struct_hash(), generic.eip712_hash_struct());
        assert_eq!(
            o.struct_hash(),
            b256!("0x26eb80b08612a9945a9a2af3af152f3bcdccd154f9708a68d2f261f44b66a11d")
        );
    }
}
