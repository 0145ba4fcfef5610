//! The user channel: the credentials' owner's orders and trades.

use std::collections::BTreeSet;

use clobkit_core::auth::ApiCredentials;
use clobkit_core::types::ConditionId;
use clobkit_core::wire::stream::{Operation, StreamAuth};
use tokio::sync::mpsc;

use super::shard::{Follow, Shard, ShardCtl};
use super::{StreamConfig, StreamItem, channel_url};

/// A user-channel stream (one socket). Needs a tokio runtime; connects at once.
pub struct UserStream {
    ctl: mpsc::UnboundedSender<ShardCtl>,
    rx: mpsc::Receiver<StreamItem>,
}

impl UserStream {
    /// The events of `creds`' owner in `markets` (empty: every market), from the exchange at
    /// `base` (as [`super::MarketStream::new`] takes it).
    pub fn new(
        base: &str,
        creds: &ApiCredentials,
        markets: impl IntoIterator<Item = ConditionId>,
        config: StreamConfig,
    ) -> UserStream {
        let (tx, rx) = mpsc::channel(config.buffer.max(1));
        let (ctl, ctl_rx) = mpsc::unbounded_channel();
        let shard = Shard {
            index: 0,
            url: channel_url(base, "user"),
            config,
            follow: Follow::User {
                auth: StreamAuth {
                    api_key: creds.api_key.as_str().to_owned(),
                    secret: creds.secret.clone(),
                    passphrase: creds.passphrase.clone(),
                },
                markets: markets.into_iter().collect::<BTreeSet<_>>(),
            },
            ctl: ctl_rx,
            out: tx,
        };
        tokio::spawn(shard.run());
        UserStream { ctl, rx }
    }

    /// Adds markets to follow.
    pub fn subscribe(&self, markets: Vec<ConditionId>) {
        let _ = self
            .ctl
            .send(ShardCtl::Markets(Operation::Subscribe, markets));
    }

    /// Drops markets.
    pub fn unsubscribe(&self, markets: Vec<ConditionId>) {
        let _ = self
            .ctl
            .send(ShardCtl::Markets(Operation::Unsubscribe, markets));
    }

    /// The next item. `None` once the socket stopped.
    pub async fn next(&mut self) -> Option<StreamItem> {
        self.rx.recv().await
    }
}

impl Drop for UserStream {
    fn drop(&mut self) {
        let _ = self.ctl.send(ShardCtl::Close);
    }
}
