//! What a client sends on the channels: subscription messages (websocket.md §1.2, §2). Every
//! variant real clients send reads: `type` in any case or absent, `operation` on the first
//! message too, both `assets_ids` and `markets` (the unused one empty), `asset_ids` as an alias,
//! `level`, and `auth` on either channel.

use serde::{Deserialize, Serialize};

use crate::types::{ConditionId, TokenId};

/// Which channel a message names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// `/ws/market`.
    Market,
    /// `/ws/user`.
    User,
}

impl ChannelKind {
    /// The spelling clients send (`market`, `user`).
    pub const fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Market => "market",
            ChannelKind::User => "user",
        }
    }
}

impl Serialize for ChannelKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ChannelKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        if s.eq_ignore_ascii_case("market") {
            Ok(ChannelKind::Market)
        } else if s.eq_ignore_ascii_case("user") {
            Ok(ChannelKind::User)
        } else {
            Err(serde::de::Error::custom(format!(
                "unknown channel type {s:?}: expected \"market\" or \"user\""
            )))
        }
    }
}

/// Whether a message adds or removes subscriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// Add (the default, and what a first message without `operation` means).
    #[default]
    #[serde(alias = "SUBSCRIBE", alias = "Subscribe")]
    Subscribe,
    /// Remove.
    #[serde(alias = "UNSUBSCRIBE", alias = "Unsubscribe")]
    Unsubscribe,
}

/// The user channel's credentials, in clear inside the message (production's way).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamAuth {
    /// The API key.
    #[serde(rename = "apiKey", alias = "api_key", alias = "apikey", default)]
    pub api_key: String,
    /// Its secret (base64).
    #[serde(default)]
    pub secret: String,
    /// Its passphrase.
    #[serde(default)]
    pub passphrase: String,
}

impl std::fmt::Debug for StreamAuth {
    /// The key only: a log line must never carry the secret or the passphrase.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamAuth")
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

/// A subscription message, as sent and as read.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SubscribeRequest {
    /// The channel (`None`: the connection's own).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<ChannelKind>,
    /// Subscribe or unsubscribe (`None`: subscribe).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<Operation>,
    /// Tokens (market channel).
    #[serde(
        rename = "assets_ids",
        alias = "asset_ids",
        default,
        deserialize_with = "crate::serde_util::null_as_empty"
    )]
    pub assets_ids: Vec<TokenId>,
    /// Condition ids (user channel; empty: every market).
    #[serde(default, deserialize_with = "crate::serde_util::null_as_empty")]
    pub markets: Vec<ConditionId>,
    /// Whether to send each asset's `book` on subscribe (`None`: yes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_dump: Option<bool>,
    /// Book depth level (1, 2 or 3; read and ignored: every level sends full books).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    /// Whether to receive `best_bid_ask`, `new_market` and `market_resolved`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_feature_enabled: Option<bool>,
    /// Credentials (user channel; ignored on the market channel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<StreamAuth>,
}

impl SubscribeRequest {
    /// A market-channel subscription to `assets` with their snapshots.
    pub fn market(assets: Vec<TokenId>) -> SubscribeRequest {
        SubscribeRequest {
            channel: Some(ChannelKind::Market),
            operation: Some(Operation::Subscribe),
            assets_ids: assets,
            initial_dump: Some(true),
            ..SubscribeRequest::default()
        }
    }

    /// A user-channel subscription to `markets` (empty: all) with `auth`.
    pub fn user(markets: Vec<ConditionId>, auth: StreamAuth) -> SubscribeRequest {
        SubscribeRequest {
            channel: Some(ChannelKind::User),
            operation: Some(Operation::Subscribe),
            markets,
            auth: Some(auth),
            ..SubscribeRequest::default()
        }
    }

    /// The same message as an unsubscription.
    pub fn unsubscribe(mut self) -> SubscribeRequest {
        self.operation = Some(Operation::Unsubscribe);
        self.initial_dump = None;
        self
    }

    /// The same message with custom features on or off.
    pub fn custom_features(mut self, on: bool) -> SubscribeRequest {
        self.custom_feature_enabled = Some(on);
        self
    }
}
