//! The CTF Exchange order: what is signed ([`Order`]), the signed order sent on the wire
//! ([`SignedOrder`], JSON form in `json`), and what signing yields ([`PreparedOrder`]: the signed
//! order with the id it was signed under, so nobody has to hash it again or recover its signature
//! to learn the id).

mod hash;
mod json;
mod signature;

use alloy_primitives::{Address, B256, U256};

use crate::amounts::OrderAmounts;
use crate::eip712::ExchangeDomain;
use crate::protocol::ProtocolVersion;
use crate::signer::{Signature, Signer, SignerError};
use crate::types::{OrderId, Side, SignatureType, TokenId};

pub use hash::{ORDER_TYPE_STRING_V2, ORDER_TYPEHASH, ORDER_TYPEHASH_V2};
pub use signature::{
    DEPOSIT_WALLET_NAME, DEPOSIT_WALLET_VERSION, OrderSignature, OrderSignatureError,
    POLY_1271_LEN, Poly1271Error, Poly1271Signature, poly1271_digest,
};

/// An order exactly as the CTF Exchange of its protocol version hashes it.
///
/// The fields both versions sign are plain fields; the ones only one version has are in
/// [`Order::version`], which also decides which EIP-712 struct is hashed ([`Order::struct_hash`]).
/// All `uint256` fields are kept as `U256` so that an order received from any client hashes to
/// the digest that client signed, whatever values it chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Order {
    /// Random entropy that makes otherwise equal orders distinct.
    pub salt: U256,
    /// The funder: holds the funds (the signer, its proxy wallet, its Safe, or a V2 deposit
    /// wallet).
    pub maker: Address,
    /// The EOA that signs (for V2's POLY_1271, the deposit wallet itself).
    pub signer: Address,
    /// The outcome token traded.
    pub token_id: TokenId,
    /// What the maker gives, in base units (collateral for a BUY, shares for a SELL).
    pub maker_amount: U256,
    /// What the maker receives, in base units.
    pub taker_amount: U256,
    /// Unix seconds after which the order is void; 0 for none. V1 signs it; V2 sends it in the
    /// body only.
    pub expiration: U256,
    /// BUY or SELL.
    pub side: Side,
    /// How `maker` relates to `signer`.
    pub signature_type: SignatureType,
    /// The fields of one protocol version only.
    pub version: OrderVersion,
}

/// What one protocol version's order signs beyond the common fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderVersion {
    /// The V1 CTF Exchange order.
    V1 {
        /// Zero for a public order, else the only address allowed to fill it.
        taker: Address,
        /// The maker's exchange nonce (on-chain cancellation of every order with a lower nonce).
        nonce: U256,
        /// Fee rate in basis points (the market's `base_fee`; at most 1000 on-chain).
        fee_rate_bps: U256,
    },
    /// The V2 CTF Exchange order.
    V2 {
        /// When it was created, unix **milliseconds** as every official client sends it (the
        /// contract never reads it).
        timestamp: U256,
        /// Free 32 bytes for the order's author.
        metadata: B256,
        /// The builder code credited with the order (zero for none).
        builder: B256,
    },
}

impl OrderVersion {
    /// The protocol version these fields belong to.
    pub const fn protocol(&self) -> ProtocolVersion {
        match self {
            OrderVersion::V1 { .. } => ProtocolVersion::V1,
            OrderVersion::V2 { .. } => ProtocolVersion::V2,
        }
    }
}

/// Who makes and signs an order, and how: the parts of an order that come from the account
/// rather than from the trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderParty {
    /// The funder (the `maker` field).
    pub maker: Address,
    /// The address of the key that signs.
    pub key: Address,
    /// How the signature is checked.
    pub signature_type: SignatureType,
}

/// What only one protocol version signs beyond the amounts: V1's fee rate, nonce and taker, V2's
/// creation time, metadata and builder code. The other version's fields are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VersionFields {
    /// V1: the fee rate signed, basis points.
    pub fee_rate_bps: u64,
    /// V1: the nonce.
    pub nonce: U256,
    /// V1: the only taker allowed (zero: anyone).
    pub taker: Address,
    /// V2: creation time, unix milliseconds.
    pub timestamp_ms: u64,
    /// V2: metadata.
    pub metadata: B256,
    /// V2: the builder code.
    pub builder: B256,
}

impl Order {
    /// A public V1 order (zero taker, no expiration, nonce 0, no fee) for the given amounts.
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
            token_id,
            maker_amount: U256::from(amounts.maker),
            taker_amount: U256::from(amounts.taker),
            expiration: U256::ZERO,
            side: amounts.side,
            signature_type,
            version: OrderVersion::V1 {
                taker: Address::ZERO,
                nonce: U256::ZERO,
                fee_rate_bps: U256::ZERO,
            },
        }
    }
    /// A V2 order created at `timestamp_ms` (unix milliseconds), with no expiration, zero
    /// metadata and no builder, for the given amounts.
    pub fn new_v2(
        salt: u64,
        maker: Address,
        signer: Address,
        token_id: TokenId,
        amounts: OrderAmounts,
        signature_type: SignatureType,
        timestamp_ms: u64,
    ) -> Order {
        Order {
            version: OrderVersion::V2 {
                timestamp: U256::from(timestamp_ms),
                metadata: B256::ZERO,
                builder: B256::ZERO,
            },
            ..Order::new(salt, maker, signer, token_id, amounts, signature_type)
        }
    }
    /// An order of `version` by `party` for `amounts` of `token`, with `salt` and the version's
    /// own `fields`. In V2 a deposit wallet (POLY_1271) is the order's signer as well as its
    /// maker; its owner's key signs.
    pub fn build(
        version: ProtocolVersion,
        salt: u64,
        party: OrderParty,
        token_id: TokenId,
        amounts: OrderAmounts,
        fields: &VersionFields,
    ) -> Order {
        let OrderParty {
            maker,
            key,
            signature_type,
        } = party;
        match version {
            ProtocolVersion::V1 => Order::new(salt, maker, key, token_id, amounts, signature_type)
                .with_fee_rate_bps(fields.fee_rate_bps)
                .with_nonce(fields.nonce)
                .with_taker(fields.taker),
            ProtocolVersion::V2 => {
                let signer = if signature_type == SignatureType::Poly1271 {
                    maker
                } else {
                    key
                };
                Order::new_v2(
                    salt,
                    maker,
                    signer,
                    token_id,
                    amounts,
                    signature_type,
                    fields.timestamp_ms,
                )
                .with_attribution(fields.metadata, fields.builder)
            }
        }
    }
    /// The protocol version the order is signed for.
    pub const fn protocol(&self) -> ProtocolVersion {
        self.version.protocol()
    }
    /// Sets the expiration (unix seconds; 0 = none).
    pub fn with_expiration(mut self, expiration: u64) -> Order {
        self.expiration = U256::from(expiration);
        self
    }
    /// Sets the exchange nonce of a V1 order (a V2 order signs no nonce and is returned as is).
    pub fn with_nonce(mut self, value: U256) -> Order {
        if let OrderVersion::V1 { nonce, .. } = &mut self.version {
            *nonce = value;
        }
        self
    }
    /// Sets the fee rate of a V1 order in basis points (V2 fees are not signed: the operator
    /// charges them at match time, so a V2 order is returned as is).
    pub fn with_fee_rate_bps(mut self, bps: u64) -> Order {
        if let OrderVersion::V1 { fee_rate_bps, .. } = &mut self.version {
            *fee_rate_bps = U256::from(bps);
        }
        self
    }
    /// Sets the only taker allowed of a V1 order (zero for public; V2 orders are always public
    /// and are returned as is).
    pub fn with_taker(mut self, only: Address) -> Order {
        if let OrderVersion::V1 { taker, .. } = &mut self.version {
            *taker = only;
        }
        self
    }
    /// Sets a V2 order's metadata and builder code (a V1 order signs neither and is returned as
    /// is).
    pub fn with_attribution(mut self, meta: B256, code: B256) -> Order {
        if let OrderVersion::V2 {
            metadata, builder, ..
        } = &mut self.version
        {
            *metadata = meta;
            *builder = code;
        }
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
    /// Fails unless `address` (the key about to sign) may sign the order: its `signer` field, or
    /// for POLY_1271 (where `signer` is the deposit wallet) any key, whose ownership of the
    /// wallet only the wallet contract can confirm.
    pub fn check_signer(&self, address: Address) -> Result<(), SignerError> {
        if self.signature_type == SignatureType::Poly1271 {
            return Ok(());
        }
        if address != self.signer {
            return Err(SignerError::SignerMismatch {
                order_signer: self.signer,
                key: address,
            });
        }
        Ok(())
    }
    /// What the key must sign for this order in `domain`, with the order id (the order's own
    /// digest). For POLY_1271 the key signs the nested digest of [`poly1271_digest`] instead.
    /// Fails if the domain is of another protocol version than the order.
    pub fn signing_request(&self, domain: &ExchangeDomain) -> Result<SigningRequest, SignerError> {
        if domain.version() != self.protocol() {
            return Err(SignerError::VersionMismatch {
                order: self.protocol(),
                domain: domain.version(),
            });
        }
        let id = domain.order_id(self);
        let digest = match self.signature_type {
            SignatureType::Poly1271 => poly1271_digest(domain, self),
            _ => id.0,
        };
        Ok(SigningRequest { id, digest })
    }
    /// Pairs the key's signature of `request.digest` with the order (wrapping it for POLY_1271).
    pub fn with_signature(
        self,
        domain: &ExchangeDomain,
        request: SigningRequest,
        signature: Signature,
    ) -> Result<PreparedOrder, SignerError> {
        let signature = match self.signature_type {
            SignatureType::Poly1271 => self.poly1271_signature(domain, signature)?,
            _ => OrderSignature::Ecdsa(signature),
        };
        Ok(PreparedOrder::from_parts(
            SignedOrder {
                order: self,
                signature,
            },
            request.id,
        ))
    }
    /// Signs the order in `domain` and keeps the digest it signed as the order id. Fails if
    /// `signer` may not sign it ([`Order::check_signer`]), or if the domain is of another protocol
    /// version than the order.
    pub fn prepare<S: Signer + ?Sized>(
        self,
        domain: &ExchangeDomain,
        signer: &S,
    ) -> Result<PreparedOrder, SignerError> {
        self.check_signer(signer.address())?;
        let request = self.signing_request(domain)?;
        let signature = signer.sign_hash(&request.digest)?;
        self.with_signature(domain, request, signature)
    }
    /// Wraps a deposit wallet owner's signature of [`poly1271_digest`] for this order (POLY_1271
    /// orders of V2 only; remote signers sign the digest and wrap it here).
    pub fn poly1271_signature(
        &self,
        domain: &ExchangeDomain,
        owner: Signature,
    ) -> Result<OrderSignature, SignerError> {
        if self.protocol() == ProtocolVersion::V1 || self.signer != self.maker {
            return Err(SignerError::Poly1271Order);
        }
        Ok(OrderSignature::Poly1271(Poly1271Signature {
            owner,
            app_domain: domain.separator(),
            contents_hash: self.struct_hash(),
        }))
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

/// What a key signs for one order ([`Order::signing_request`]): the digest, and the order id it
/// stays known by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningRequest {
    /// The order id (the order's EIP-712 digest).
    pub id: OrderId,
    /// What the key signs (the id, or POLY_1271's nested digest).
    pub digest: B256,
}

/// An order with its signature: the `order` object of `POST /order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignedOrder {
    /// The signed fields.
    pub order: Order,
    /// The signer's ECDSA signature over the order digest, or a deposit wallet's wrapped one.
    pub signature: OrderSignature,
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
