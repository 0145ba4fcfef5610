//! EIP-712 domains and signing digests: the CTF Exchange domain orders are signed in, and the
//! L1 `ClobAuth` attestation (domain and struct).
//!
//! This module knows no order type: a struct that can be signed implements [`Eip712Struct`]
//! where it is defined (the exchange `Order` in `crate::order`), as alloy's `SolStruct` does, so
//! the arrows point one way. Domain separators are computed once (an [`ExchangeDomain`] or
//! [`ClobAuthDomain`] is built per chain and contract and then reused). Both encodings are checked
//! in tests against `alloy-sol-types`' generic EIP-712 implementation and against the official
//! clients' vectors.

mod clob_auth;
mod domain;

pub use clob_auth::{CLOB_AUTH_MESSAGE, CLOB_AUTH_TYPEHASH, ClobAuth, ClobAuthDomain};
pub use domain::{EXCHANGE_DOMAIN_NAME, ExchangeDomain};

/// A typed structure that can be signed: its `hashStruct` (type hash and encoded fields).
pub trait Eip712Struct {
    /// `hashStruct(self)`.
    fn struct_hash(&self) -> B256;
}

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
