//! Order intake: turning a posted order into an engine command, outside the sequencer.
//!
//! Everything here is a pure function of the posted order, the caller, one snapshot of the
//! market's rules ([`MarketRules`], read once per order) and the clock, so it runs on whichever
//! core the request landed on, in parallel with every other request: the signature recovery
//! (the expensive part, ~29 µs) never holds the sequencer lock. The sequencer then only orders,
//! journals and applies.
//!
//! The checks, in the reference's order:
//! 1. the token names a market (its rules select the exchange the order was signed for);
//! 2. the signature recovers to `signer` and `maker` is the wallet its signature type requires
//!    ([`Verifier`]); this yields the order id;
//! 3. the wire values fit the engine's (`feeRateBps` at most 1000, amounts in `u64`);
//! 4. the order's own terms against the market: fee rate, post-only type, expiration
//!    ([`clobkit_engine::check_terms`], the engine's own rule, so it is written once);
//! 5. nonce, signer and owner against the API key;
//! 6. decimal precision of the amounts (limit orders: shares to 2 decimals, collateral to
//!    tick + 2; market orders: maker 2, taker 4).
//!
//! The engine then checks, under the sequencer, everything that depends on state: market open,
//! duplicate id, tick, minimum size, balance.
//!
//! Deviations from the official exchange, both only visible to an order that breaks two rules at
//! once: the token is checked first (the signature cannot be checked without it), and a
//! duplicate is reported by the engine, after the checks above (the duplicate set is sequencer
//! state; reading it here would take the lock a second time and still race).

use clobkit_core::amounts::market_received_decimals;
use clobkit_core::chain::{AmoyNegRisk, Chain};
use clobkit_core::eip712::ExchangeDomain;
use clobkit_core::order::{OrderVersion, SignedOrder};
use clobkit_core::protocol::ProtocolVersion;
use clobkit_core::types::{Side, SignatureType, TickSize, TokenId};
use clobkit_core::verify::{VerifiedOrder, verify_order};
use clobkit_core::wallet::WalletFactories;
use clobkit_core::wire::PostOrder;
use clobkit_core::wire::errors as msg;
use clobkit_core::{Address, B256, U256};
use clobkit_engine::{FeeBasis, MAX_FEE_RATE_BPS, OrderSpec, OrderTerms, Owner, check_terms};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::exchange::Exchange;

/// What intake needs to know of an order's market, copied out in one read of the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketRules {
    /// Whether orders are signed for the neg-risk exchange.
    pub neg_risk: bool,
    /// The fee rate V1 orders must sign.
    pub fee_rate_bps: u32,
    /// The price grid, which sets the collateral precision.
    pub tick_size: TickSize,
}

impl MarketRules {
    /// The rules of `token`'s market, if it has one.
    pub fn of(exchange: &Exchange, token: &TokenId) -> Option<MarketRules> {
        exchange.engine.market_of(token).map(|(m, _)| MarketRules {
            neg_risk: m.spec.neg_risk,
            fee_rate_bps: m.spec.fee_rate_bps,
            tick_size: m.spec.tick_size,
        })
    }
}

/// Signature verification for one chain and protocol version, with its exchange domains hashed
/// once at start-up.
#[derive(Debug, Clone)]
pub struct Verifier {
    protocol: ProtocolVersion,
    normal: Vec<ExchangeDomain>,
    neg_risk: Vec<ExchangeDomain>,
    factories: WalletFactories,
}

impl Verifier {
    /// The domains orders of `protocol` on `chain` may be signed in. V1's Amoy neg-risk accepts
    /// both official clients' addresses (they disagree, protocol.md), so it has two.
    pub fn new(chain: Chain, protocol: ProtocolVersion) -> Verifier {
        let contracts = chain.contracts_for(protocol);
        let mut neg_risk = vec![ExchangeDomain::for_market(chain, &contracts, true)];
        if chain == Chain::Amoy && protocol == ProtocolVersion::V1 {
            neg_risk.push(ExchangeDomain::for_market(
                chain,
                &chain.contracts_with(AmoyNegRisk::PythonAdapter),
                true,
            ));
        }
        Verifier {
            protocol,
            normal: vec![ExchangeDomain::for_market(chain, &contracts, false)],
            neg_risk,
            factories: WalletFactories::of(chain),
        }
    }

    /// The protocol version whose orders this exchange accepts.
    pub fn protocol(&self) -> ProtocolVersion {
        self.protocol
    }

    /// The wallet factories of the chain (to derive proxy and Safe funders).
    pub fn factories(&self) -> &WalletFactories {
        &self.factories
    }

    /// Verifies `order` for a market with this neg-risk flag; returns its id (the digest its
    /// signature signs) from the domain it verified in, and the key that signed.
    pub fn verify(&self, order: &SignedOrder, neg_risk: bool) -> Result<VerifiedOrder, ApiError> {
        let domains = if neg_risk {
            &self.neg_risk
        } else {
            &self.normal
        };
        let mut last = None;
        for domain in domains {
            match verify_order(order, domain, &self.factories) {
                Ok(verified) => return Ok(verified),
                Err(e) => last = Some(e),
            }
        }
        let refused = ApiError::bad_request(msg::INVALID_SIGNATURE);
        Err(match last {
            Some(e) => refused.because(e),
            None => refused,
        })
    }
}

/// The verifiers of both protocol versions on one chain, domains hashed once at start-up: the
/// exchange's version can change while it runs (a cutover).
#[derive(Debug, Clone)]
pub struct Verifiers {
    v1: Verifier,
    v2: Verifier,
}

impl Verifiers {
    /// Both versions' verifiers on `chain`.
    pub fn new(chain: Chain) -> Verifiers {
        Verifiers {
            v1: Verifier::new(chain, ProtocolVersion::V1),
            v2: Verifier::new(chain, ProtocolVersion::V2),
        }
    }

    /// The verifier of `protocol` (V2's for any later version, which this exchange does not
    /// speak: its orders then fail as of the wrong version).
    pub fn of(&self, protocol: ProtocolVersion) -> &Verifier {
        match protocol {
            ProtocolVersion::V1 => &self.v1,
            _ => &self.v2,
        }
    }

    /// The wallet factories of the chain (to derive proxy and Safe funders).
    pub fn factories(&self) -> &WalletFactories {
        self.v2.factories()
    }
}

/// What intake reads of the exchange's state for one order, in one read: the protocol version
/// it speaks, its market's rules
/// (`None` when the token names no market) and, for a POLY_1271 order, the registered owner of
/// its deposit wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntakeState {
    /// The protocol version the exchange speaks.
    pub protocol: ProtocolVersion,
    /// The market's rules.
    pub rules: Option<MarketRules>,
    /// The key that owns the order's deposit wallet, if it is one and registered.
    pub wallet_owner: Option<Address>,
}

impl IntakeState {
    /// Reads what intake needs for `order`.
    pub fn of(exchange: &Exchange, order: &SignedOrder) -> IntakeState {
        let o = &order.order;
        IntakeState {
            protocol: exchange.protocol(),
            rules: MarketRules::of(exchange, &o.token_id),
            wallet_owner: (o.signature_type == SignatureType::Poly1271)
                .then(|| exchange.deposit_wallet_owner(&o.maker))
                .flatten(),
        }
    }
}

/// Checks a posted order (see the module docs for the order of the checks) and builds the
/// engine's command for it.
///
/// **POLY_1271 (V2 deposit wallets)**: the wallet must be registered (`POST
/// /admin/deposit-wallets`), the wrapped signature must fit the order and the exchange's domain
/// and recover to the registered owner, and the API key must be the owner's (production's rule
/// that the order's signer be the API key's address cannot hold here: the signer is the wallet).
pub fn check_post_order(
    posted: &PostOrder,
    caller: &Caller,
    state: IntakeState,
    verifier: &Verifier,
    now: u64,
) -> Result<OrderSpec, ApiError> {
    let order = &posted.order.order;
    let bad = |m: &str| ApiError::bad_request(m);
    // an order of the other version is refused as production refuses V1 orders since V2
    if order.protocol() != verifier.protocol() {
        return Err(bad(msg::ORDER_VERSION_MISMATCH));
    }
    let expiration = u64::try_from(order.expiration).map_err(|_| bad(msg::INVALID_EXPIRATION))?;
    let rules = state.rules.ok_or_else(|| bad(msg::INVALID_TOKEN_ID))?;
    let wallet_owner = match order.signature_type {
        SignatureType::Poly1271 => Some(
            state
                .wallet_owner
                .ok_or_else(|| bad(msg::DEPOSIT_WALLET_UNKNOWN))?,
        ),
        _ => None,
    };
    let verified = verifier.verify(&posted.order, rules.neg_risk)?;
    let id = verified.id;
    // the key that must own the API key: the order's signer, or the deposit wallet's owner
    let key_holder = match wallet_owner {
        Some(owner) if verified.key != owner => {
            return Err(bad(msg::INVALID_SIGNATURE).because(format!(
                "signed by {}, but deposit wallet {} belongs to {owner}",
                verified.key, order.maker
            )));
        }
        Some(owner) => owner,
        None => order.signer,
    };
    // V1 signs its fee rate (checked against the market's below) and a nonce that must be 0; a
    // V2 order signs neither, and the operator charges the market's platform fee when it matches.
    let (fee_rate_bps, fees, nonce, builder) = match order.version {
        OrderVersion::V1 {
            fee_rate_bps,
            nonce,
            ..
        } => (
            u32::try_from(fee_rate_bps)
                .ok()
                .filter(|f| *f <= MAX_FEE_RATE_BPS)
                .ok_or_else(|| bad(msg::FEE_RATE_ABOVE_MAX))?,
            FeeBasis::Signed,
            nonce,
            B256::ZERO,
        ),
        OrderVersion::V2 { builder, .. } => (0, FeeBasis::Operator, U256::ZERO, builder),
    };
    let (Some(maker_amount), Some(taker_amount)) =
        (order.maker_amount_u64(), order.taker_amount_u64())
    else {
        return Err(bad(msg::INVALID_ORDER_PAYLOAD));
    };
    let spec = OrderSpec {
        terms: OrderTerms {
            id,
            maker: order.maker,
            token: order.token_id,
            side: order.side,
            maker_amount,
            taker_amount,
            fee_rate_bps,
            fees,
            builder,
            order_type: posted.order_type,
            expiration,
        },
        owner: Owner::new(&caller.key),
        post_only: posted.post_only,
    };
    check_terms(&spec, rules.fee_rate_bps, now)
        .map_err(|r| ApiError::bad_request(r.message(&id)))?;
    if nonce != U256::ZERO {
        return Err(bad(msg::INVALID_NONCE));
    }
    if key_holder != caller.address {
        return Err(bad(msg::SIGNER_NOT_API_KEY));
    }
    if posted.owner.as_str() != caller.key {
        return Err(bad(msg::OWNER_NOT_API_KEY));
    }
    check_precision(&spec, rules.tick_size, verifier.protocol())?;
    Ok(spec)
}

/// How many decimals a base-unit amount has (0 to 6).
fn decimals(v: u64) -> u32 {
    (0..=6u32)
        .find(|d| v.is_multiple_of(10u64.pow(6 - d)))
        .unwrap_or(6)
}

/// The exchange's decimal precision rules: limit orders keep shares to 2 decimals and collateral
/// to tick + 2; market (FOK/FAK) orders keep the maker amount to 2 decimals and the taker to 4.
fn check_precision(
    spec: &OrderSpec,
    tick: TickSize,
    version: ProtocolVersion,
) -> Result<(), ApiError> {
    let side = match spec.terms.side {
        Side::Buy => "buy",
        Side::Sell => "sell",
    };
    let (max_maker, max_taker, kind) = if spec.terms.order_type.rests() {
        let collateral = tick.decimals() + 2;
        match spec.terms.side {
            Side::Buy => (collateral, 2, side.to_owned()),
            Side::Sell => (2, collateral, side.to_owned()),
        }
    } else {
        // maker: the dollars (BUY) or shares (SELL) given, 2 decimals; taker: what is received
        (
            2,
            market_received_decimals(version, tick),
            format!("market {side}"),
        )
    };
    if decimals(spec.terms.maker_amount) > max_maker
        || decimals(spec.terms.taker_amount) > max_taker
    {
        return Err(ApiError::bad_request(msg::invalid_precision(
            &kind, max_maker, max_taker,
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_of_base_units() {
        assert_eq!(decimals(5_000_000), 0);
        assert_eq!(decimals(5_500_000), 1);
        assert_eq!(decimals(5_010_000), 2);
        assert_eq!(decimals(1), 6);
        assert_eq!(decimals(0), 0);
    }
}
