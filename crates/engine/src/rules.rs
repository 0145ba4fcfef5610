//! The rules on an order's own terms, written once: the engine applies them when it places an
//! order, and the exchange's intake applies the same function early, before the checks that need
//! the signature, so that a client hears about the first broken rule in the reference's order.

use clobkit_core::types::OrderType;

use crate::event::Reject;
use crate::types::{FeeBasis, OrderSpec};

/// A GTD order must expire at least this many seconds after it is placed (the official
/// exchange's threshold).
pub const GTD_THRESHOLD_SECS: u64 = 60;

/// Checks a V1 `spec`'s signed fee rate against the market's (`market_fee_bps`; a V2 order signs
/// none), that post-only is only asked
/// of resting types, and its expiration at time `now`: a GTD must expire more than
/// [`GTD_THRESHOLD_SECS`] ahead, any other type must not expire at all.
pub fn check_terms(spec: &OrderSpec, market_fee_bps: u32, now: u64) -> Result<(), Reject> {
    let t = &spec.terms;
    if t.fees == FeeBasis::Signed && t.fee_rate_bps != market_fee_bps {
        return Err(Reject::FeeRate {
            signed: t.fee_rate_bps,
            required: market_fee_bps,
        });
    }
    if spec.post_only && !t.order_type.rests() {
        return Err(Reject::PostOnlyType);
    }
    let expiration_ok = match t.order_type {
        OrderType::Gtd => {
            t.expiration != 0 && now.saturating_add(GTD_THRESHOLD_SECS) < t.expiration
        }
        _ => t.expiration == 0,
    };
    if !expiration_ok {
        return Err(Reject::InvalidExpiration);
    }
    Ok(())
}
