//! The CLOB protocol versions: the one seam where V1 and V2 differ.
//!
//! Polymarket's production CLOB moved from V1 to **V2** on 2026-04-28 and has refused V1 orders
//! since (`order_version_mismatch`). A [`ProtocolVersion`] selects, in one place, everything that
//! differs between the two: the signed order struct and its EIP-712 type string
//! ([`crate::order`]), the exchange domain's `version` ([`ProtocolVersion::domain_version`]), the
//! exchange contracts and the collateral of each chain ([`crate::chain::Chain::contracts_for`]),
//! and the JSON of a posted order. Amounts, authentication, recovery and the maker rules are the
//! same code for both.
//!
//! A third value is expected (the "V3" exchange of Protocol V2 positions, domain version `"3"`);
//! the enum is `#[non_exhaustive]` to leave room for it without implementing it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A version of the CLOB order protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[non_exhaustive]
pub enum ProtocolVersion {
    /// The original CTF Exchange: orders sign `taker`, `expiration`, `nonce` and `feeRateBps`.
    #[default]
    V1,
    /// CTF Exchange V2: orders sign a millisecond `timestamp`, `metadata` and `builder`; the
    /// expiration travels in the body only and fees are set by the operator at match time.
    V2,
}

/// A `/version` number that is neither 1 nor 2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported CLOB protocol version {0}: expected 1 or 2")]
pub struct UnsupportedVersion(pub u64);

impl ProtocolVersion {
    /// Every version this crate implements, oldest first.
    pub const ALL: [ProtocolVersion; 2] = [ProtocolVersion::V1, ProtocolVersion::V2];

    /// The number `GET /version` answers (`{"version": 2}`).
    pub const fn number(self) -> u64 {
        match self {
            ProtocolVersion::V1 => 1,
            ProtocolVersion::V2 => 2,
        }
    }

    /// The version `GET /version` names.
    pub const fn from_number(n: u64) -> Result<ProtocolVersion, UnsupportedVersion> {
        match n {
            1 => Ok(ProtocolVersion::V1),
            2 => Ok(ProtocolVersion::V2),
            other => Err(UnsupportedVersion(other)),
        }
    }

    /// The `version` of the exchange's EIP-712 domain orders of this version are signed in.
    pub const fn domain_version(self) -> &'static str {
        match self {
            ProtocolVersion::V1 => "1",
            ProtocolVersion::V2 => "2",
        }
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "V{}", self.number())
    }
}

/// The body of `GET /version`: a JSON number, as all three official V2 clients parse it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionResponse {
    /// 1 or 2.
    pub version: u64,
}

impl From<ProtocolVersion> for VersionResponse {
    fn from(v: ProtocolVersion) -> VersionResponse {
        VersionResponse {
            version: v.number(),
        }
    }
}

impl TryFrom<VersionResponse> for ProtocolVersion {
    type Error = UnsupportedVersion;
    fn try_from(r: VersionResponse) -> Result<ProtocolVersion, UnsupportedVersion> {
        ProtocolVersion::from_number(r.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_wire() {
        for v in ProtocolVersion::ALL {
            assert_eq!(ProtocolVersion::from_number(v.number()), Ok(v));
        }
        assert_eq!(
            ProtocolVersion::from_number(3).map_err(|e| e.to_string()),
            Err("unsupported CLOB protocol version 3: expected 1 or 2".to_owned())
        );
        let body = serde_json::to_string(&VersionResponse::from(ProtocolVersion::V2));
        assert_eq!(body.ok().as_deref(), Some(r#"{"version":2}"#));
        let back: Result<VersionResponse, _> = serde_json::from_str(r#"{"version":1}"#);
        assert_eq!(
            back.ok().map(ProtocolVersion::try_from),
            Some(Ok(ProtocolVersion::V1))
        );
        // a string would break every official client, so it is not accepted either
        assert!(serde_json::from_str::<VersionResponse>(r#"{"version":"2"}"#).is_err());
        assert_eq!(ProtocolVersion::V2.domain_version(), "2");
    }
}
