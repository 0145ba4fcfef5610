//! The CTF Exchange order: what is signed ([`Order`]), the signed order sent on the wire
//! ([`SignedOrder`], JSON form in `json`), and what signing yields ([`PreparedOrder`]: the signed
//! order with the id it was signed under, so nobody has to hash it again or recover its signature
//! to learn the id).

mod hash;
mod json;

use alloy_primitives::{Address, U256};

use crate::amounts::OrderAmounts;
use crate::eip712::ExchangeDomain;
use crate::signer::{Signature, Signer, SignerError};
use crate::types::{OrderId, Side, SignatureType, TokenId};

pub use hash::ORDER_TYPEHASH;

/// An order exactly as the CTF Exchange hashes it (field order is the EIP-712 struct order).
///
/// All `uint256` fields are kept as `U256` so that an order received from any client hashes to
/// the digest that client signed, whatever values it chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Order {
    /// Random entropy that makes otherwise equal orders distinct.
    pub salt: U256,
    /// The funder: holds the funds (the signer, its proxy wallet or its Safe).
    pub maker: Address,
    /// The EOA that signs.
    pub signer: Address,
    /// Zero for a public order, else the only address allowed to fill it.
    pub taker: Address,
    /// The outcome token traded.
    pub token_id: TokenId,
    /// What the maker gives, in base units (USDC for a BUY, shares for a SELL).
    pub maker_amount: U256,
    /// What the maker receives, in base units.
    pub taker_amount: U256,
    /// Unix seconds after which the order is void; 0 for none.
    pub expiration: U256,
    /// The maker's exchange nonce (on-chain cancellation of every order with a lower nonce).
    pub nonce: U256,
    /// Fee rate in basis points (the market's `base_fee`; at most 1000 on-chain).
    pub fee_rate_bps: U256,
    /// BUY or SELL.
    pub side: Side,
    /// How `maker` relates to `signer`.
    pub signature_type: SignatureType,
}

impl Order {
    /// A public order (zero taker, no expiration, nonce 0, no fee) for the given amounts.
    pub fn new(
        salt: u64,
        maker: Address,
        signer: Address,
        token_id: TokenId,
        amounts: OrderAmounts,
        signature_type: SignatureType,
    ) -> Order {
        Order {
            salt: U256::from(salt),
            maker,
            signer,
            taker: Address::ZERO,
            token_id,
            maker_amount: U256::from(amounts.maker),
            taker_amount: U256::from(amounts.taker),
            expiration: U256::ZERO,
            nonce: U256::ZERO,
            fee_rate_bps: U256::ZERO,
            side: amounts.side,
            signature_type,
        }
    }
    /// Sets the expiration (unix seconds; 0 = none).
    pub fn with_expiration(mut self, expiration: u64) -> Order {
        self.expiration = U256::from(expiration);
        self
    }
    /// Sets the exchange nonce.
    pub fn with_nonce(mut self, nonce: U256) -> Order {
        self.nonce = nonce;
        self
    }
    /// Sets the fee rate in basis points.
    pub fn with_fee_rate_bps(mut self, bps: u64) -> Order {
        self.fee_rate_bps = U256::from(bps);
        self
    }
    /// Sets the only taker allowed (zero for public).
    pub fn with_taker(mut self, taker: Address) -> Order {
        self.taker = taker;
        self
    }
    /// The maker amount, if it fits in `u64` base units.
    pub fn maker_amount_u64(&self) -> Option<u64> {
        u64::try_from(self.maker_amount).ok()
    }
    /// The taker amount, if it fits in `u64` base units.
    pub fn taker_amount_u64(&self) -> Option<u64> {
        u64::try_from(self.taker_amount).ok()
    }
    /// Fails unless `address` (the key about to sign) is the order's `signer` field.
    pub fn check_signer(&self, address: Address) -> Result<(), SignerError> {
        if address != self.signer {
            return Err(SignerError::SignerMismatch {
                order_signer: self.signer,
                key: address,
            });
        }
        Ok(())
    }
    /// Signs the order in `domain` and keeps the digest it signed as the order id. Fails if
    /// `signer` is not the order's `signer` field.
    pub fn prepare<S: Signer + ?Sized>(
        self,
        domain: &ExchangeDomain,
        signer: &S,
    ) -> Result<PreparedOrder, SignerError> {
        self.check_signer(signer.address())?;
        let id = domain.order_id(&self);
        let signature = signer.sign_hash(&id.0)?;
        Ok(PreparedOrder::from_parts(
            SignedOrder {
                order: self,
                signature,
            },
            id,
        ))
    }
    /// Signs the order in `domain` (see [`prepare`](Self::prepare), which also keeps the id).
    pub fn sign<S: Signer + ?Sized>(
        self,
        domain: &ExchangeDomain,
        signer: &S,
    ) -> Result<SignedOrder, SignerError> {
        self.prepare(domain, signer).map(PreparedOrder::into_signed)
    }
}

/// An order with its signature: the `order` object of `POST /order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignedOrder {
    /// The signed fields.
    pub order: Order,
    /// The signer's ECDSA signature over the order digest.
    pub signature: Signature,
}

impl SignedOrder {
    /// The order id in `domain` (the EIP-712 digest). This hashes the order: where the order was
    /// just signed, or just verified, use the id that step returned instead.
    pub fn id(&self, domain: &ExchangeDomain) -> OrderId {
        domain.order_id(&self.order)
    }
}

/// A signed order and its id: the EIP-712 digest its signature signs. Signing yields one
/// ([`Order::prepare`]), so the id travels with the order from the signer to the request and its
/// error reports without being hashed again or recovered from the signature.
///
/// The id is trusted because it was computed when signing: there is no way to pair a signed order
/// with another id from outside this crate except [`PreparedOrder::from_parts`], whose caller
/// vouches for it (a remote signer signs the digest the caller computed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PreparedOrder {
    signed: SignedOrder,
    id: OrderId,
}

impl PreparedOrder {
    /// Pairs a signed order with the digest that was signed for it.
    pub const fn from_parts(signed: SignedOrder, id: OrderId) -> PreparedOrder {
        PreparedOrder { signed, id }
    }
    /// The order id: the digest that was signed.
    pub const fn id(&self) -> OrderId {
        self.id
    }
    /// The signed order, as it goes on the wire.
    pub const fn signed(&self) -> &SignedOrder {
        &self.signed
    }
    /// The signed fields.
    pub const fn order(&self) -> &Order {
        &self.signed.order
    }
    /// The signed order without its id.
    pub const fn into_signed(self) -> SignedOrder {
        self.signed
    }
}
