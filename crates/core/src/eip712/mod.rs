//! EIP-712 hashing of the two typed structures of the protocol: the CTF Exchange `Order`
//! and the L1 `ClobAuth` attestation.
//!
//! Domain separators and type hashes are computed once (a [`ExchangeDomain`] or
//! [`ClobAuthDomain`] is built per chain and contract and then reused); an order's struct hash is
//! encoded into a fixed stack buffer, with no allocation. Both encodings are checked in tests
//! against `alloy-sol-types`' generic EIP-712 implementation and against the official clients'
//! vectors.

mod clob_auth;
mod domain;
mod order_hash;

pub use clob_auth::{CLOB_AUTH_MESSAGE, CLOB_AUTH_TYPEHASH, ClobAuth, ClobAuthDomain};
pub use domain::{EXCHANGE_DOMAIN_NAME, EXCHANGE_DOMAIN_VERSION, ExchangeDomain};
pub use order_hash::ORDER_TYPEHASH;

use alloy_primitives::{B256, keccak256};

/// The digest that is signed: `keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash)`.
pub fn signing_digest(domain_separator: &B256, struct_hash: &B256) -> B256 {
    let mut buf = [0u8; 66];
    buf[0] = 0x19;
    buf[1] = 0x01;
    buf[2..34].copy_from_slice(domain_separator.as_slice());
    buf[34..66].copy_from_slice(struct_hash.as_slice());
    keccak256(buf)
}
