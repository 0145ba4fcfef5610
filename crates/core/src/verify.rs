//! What the exchange checks of an order's signature.
//!
//! The rules are the CTF Exchange contract's (`Signatures.sol`):
//! * the signature must recover to the order's `signer`, with `s` in the lower half of the curve
//!   order (OpenZeppelin `ECDSA` rejects malleable high-s signatures);
//! * EOA (0): `maker == signer`;
//! * POLY_PROXY (1): `maker` is the signer's proxy wallet (CREATE2);
//! * POLY_GNOSIS_SAFE (2): `maker` is the signer's Safe (CREATE2).
//! * POLY_1271 (3, V2 only): `maker == signer`, the deposit wallet, and the wallet's
//!   `isValidSignature` accepts the wrapped signature. Offline we check everything but the wallet
//!   contract: the wrapper's structure and type string, that its app domain is the exchange's
//!   domain and its contents hash the order's struct hash, and we recover the owner key that
//!   signed the nested digest ([`crate::order::poly1271_digest`]). **Not checked here**: that the
//!   wallet exists on chain and that the recovered key owns it; [`VerifiedOrder::key`] names the
//!   key so that the caller (the local exchange's registry of deposit wallets) can decide.
//!
//! `v` may be 27/28 (what the clients send) or 0/1.

use alloy_primitives::{Address, B256};

use crate::eip712::ExchangeDomain;
use crate::order::{OrderSignature, SignedOrder, poly1271_digest};
use crate::protocol::ProtocolVersion;
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
    /// The signature's form is not the one its signature type uses (65 bytes for types 0–2, the
    /// 317-byte wrapper for POLY_1271).
    #[error("invalid signature: a {sig_type} order needs {expected}")]
    WrongForm {
        /// The order's signature type.
        sig_type: SignatureType,
        /// The form it needs.
        expected: &'static str,
    },
    /// POLY_1271 is a V2 signature type.
    #[error("invalid signature: POLY_1271 orders exist only in V2")]
    Poly1271InV1,
    /// The wrapper names another domain or another order than the one it came with.
    #[error("invalid signature: the POLY_1271 wrapper signs another {what} than this order's")]
    Poly1271Mismatch {
        /// `"exchange domain"` or `"order"`.
        what: &'static str,
    },
}

/// What [`verify_order`] proved of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedOrder {
    /// The order id: its EIP-712 digest.
    pub id: OrderId,
    /// The key that signed: the order's `signer`, or for POLY_1271 the deposit wallet's owner
    /// (whose ownership of the wallet is not checked here).
    pub key: Address,
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
        SignatureType::Poly1271 => Ok(signer),
    }
}

/// Checks an order as the exchange contract does (for POLY_1271, as far as an exchange without
/// the chain can: see the module docs): the signature recovers to `signer` (POLY_1271: the wrapper
/// matches the order and the domain, and names the key that signed), and `maker` is what the
/// signature type requires.
pub fn verify_order(
    signed: &SignedOrder,
    domain: &ExchangeDomain,
    factories: &WalletFactories,
) -> Result<VerifiedOrder, SignatureError> {
    let o = &signed.order;
    let digest = domain.order_digest(o);
    let key = match (&signed.signature, o.signature_type) {
        (OrderSignature::Ecdsa(sig), t) if t != SignatureType::Poly1271 => {
            verify_signer(&digest, sig, o.signer)?;
            o.signer
        }
        (OrderSignature::Poly1271(p), SignatureType::Poly1271) => {
            if o.protocol() == ProtocolVersion::V1 {
                return Err(SignatureError::Poly1271InV1);
            }
            if p.app_domain != domain.separator() {
                return Err(SignatureError::Poly1271Mismatch {
                    what: "exchange domain",
                });
            }
            if p.contents_hash != o.struct_hash() {
                return Err(SignatureError::Poly1271Mismatch { what: "order" });
            }
            recover_signer(&poly1271_digest(domain, o), &p.owner)?
        }
        (_, t) => {
            return Err(SignatureError::WrongForm {
                sig_type: t,
                expected: if t == SignatureType::Poly1271 {
                    "the 317-byte POLY_1271 wrapper"
                } else {
                    "a 65-byte signature"
                },
            });
        }
    };
    let expected = expected_maker(o.signature_type, o.signer, factories)?;
    if o.maker != expected {
        return Err(SignatureError::MakerMismatch {
            sig_type: o.signature_type,
            maker: o.maker,
            signer: o.signer,
            expected,
        });
    }
    Ok(VerifiedOrder {
        id: OrderId(digest),
        key,
    })
}
