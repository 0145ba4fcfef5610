//! What the exchange checks of an order's signature.
//!
//! The rules are the CTF Exchange contract's (`Signatures.sol`):
//! * the signature must recover to the order's `signer`, with `s` in the lower half of the curve
//!   order (OpenZeppelin `ECDSA` rejects malleable high-s signatures);
//! * EOA (0): `maker == signer`;
//! * POLY_PROXY (1): `maker` is the signer's proxy wallet (CREATE2);
//! * POLY_GNOSIS_SAFE (2): `maker` is the signer's Safe (CREATE2).
//!
//! `v` may be 27/28 (what the clients send) or 0/1.

use alloy_primitives::{Address, B256};

use crate::eip712::ExchangeDomain;
use crate::order::SignedOrder;
use crate::signer::{Signature, recover};
use crate::types::{OrderId, SignatureType};
use crate::wallet::WalletFactories;

/// Half the secp256k1 group order: signatures with a larger `s` are malleable and rejected.
const HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
];

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// `v` is not 0, 1, 27 or 28, or `r`/`s` are not a valid signature.
    #[error(
        "invalid signature: malformed (v must be 27 or 28, r and s a valid secp256k1 signature)"
    )]
    Malformed,
    /// `s` is in the upper half of the curve order.
    #[error("invalid signature: s is in the upper half of the curve order (malleable)")]
    HighS,
    /// The signature is valid but made by another key.
    #[error("invalid signature: it recovers to {recovered}, expected the signer {expected}")]
    WrongSigner {
        /// The signer the message names.
        expected: Address,
        /// The key that actually signed.
        recovered: Address,
    },
    /// The maker is not the wallet the signature type derives from the signer.
    #[error(
        "invalid signature: maker {maker} is not the {sig_type} wallet of signer {signer} (expected {expected})"
    )]
    MakerMismatch {
        /// The order's signature type.
        sig_type: SignatureType,
        /// The order's maker.
        maker: Address,
        /// The order's signer.
        signer: Address,
        /// The maker the rule requires.
        expected: Address,
    },
    /// POLY_PROXY orders cannot be checked on a chain without a proxy factory (Amoy).
    #[error("invalid signature: POLY_PROXY wallets do not exist on this chain (no proxy factory)")]
    NoProxyFactory,
}

/// Recovers the signer of `digest`, rejecting malformed and high-s signatures.
pub fn recover_signer(digest: &B256, sig: &Signature) -> Result<Address, SignatureError> {
    if sig.s() > &HALF_ORDER[..] {
        return Err(SignatureError::HighS);
    }
    recover(digest, sig).ok_or(SignatureError::Malformed)
}

/// Checks that `signer` signed `digest`.
pub fn verify_signer(
    digest: &B256,
    sig: &Signature,
    signer: Address,
) -> Result<(), SignatureError> {
    let recovered = recover_signer(digest, sig)?;
    if recovered != signer {
        return Err(SignatureError::WrongSigner {
            expected: signer,
            recovered,
        });
    }
    Ok(())
}

/// The maker a signature type requires for `signer`.
pub fn expected_maker(
    sig_type: SignatureType,
    signer: Address,
    factories: &WalletFactories,
) -> Result<Address, SignatureError> {
    match sig_type {
        SignatureType::Eoa => Ok(signer),
        SignatureType::PolyProxy => factories
            .proxy_wallet(signer)
            .ok_or(SignatureError::NoProxyFactory),
        SignatureType::PolyGnosisSafe => Ok(factories.safe_wallet(signer)),
    }
}

/// Checks an order as the exchange contract does: the signature recovers to `signer`, and
/// `maker` is what the signature type requires. Returns the order id.
pub fn verify_order(
    signed: &SignedOrder,
    domain: &ExchangeDomain,
    factories: &WalletFactories,
) -> Result<OrderId, SignatureError> {
    let o = &signed.order;
    let digest = domain.order_digest(o);
    verify_signer(&digest, &signed.signature, o.signer)?;
    let expected = expected_maker(o.signature_type, o.signer, factories)?;
    if o.maker != expected {
        return Err(SignatureError::MakerMismatch {
            sig_type: o.signature_type,
            maker: o.maker,
            signer: o.signer,
            expected,
        });
    }
    Ok(OrderId(digest))
}
