//! Trades' ids and settlement statuses.
//!
//! Every trade starts MATCHED, and only an operator's command (the admin trade-status route)
//! moves it on. So the engine remembers a status only for the trades that moved: its memory and
//! its snapshots grow with those commands, not with trading. (A status per trade, kept from the
//! first trade on, cost 24 bytes a trade in memory and again in every snapshot, copied under
//! the sequencer: 24 MB after a million trades.)

use std::collections::BTreeMap;

use clobkit_core::wire::TradeStatus;

use crate::types::TradeId;

/// The next trade id and the statuses of the trades that left MATCHED.
#[derive(Debug, Clone)]
pub(crate) struct Settlement {
    /// The id the next trade gets (ids are sequential from 1).
    next: u64,
    /// Trades whose status is not MATCHED.
    moved: BTreeMap<TradeId, TradeStatus>,
}

impl Default for Settlement {
    fn default() -> Settlement {
        Settlement {
            next: 1,
            moved: BTreeMap::new(),
        }
    }
}

impl Settlement {
    /// Rebuilds the record from a snapshot's parts.
    pub(crate) fn restore(
        next: u64,
        moved: impl IntoIterator<Item = (TradeId, TradeStatus)>,
    ) -> Settlement {
        Settlement {
            next,
            moved: moved
                .into_iter()
                .filter(|(_, s)| *s != TradeStatus::Matched)
                .collect(),
        }
    }

    /// A new trade's id; the trade is MATCHED.
    pub(crate) fn open(&mut self) -> TradeId {
        let id = TradeId(self.next);
        self.next += 1;
        id
    }

    /// The id the next trade will get.
    pub(crate) fn next(&self) -> u64 {
        self.next
    }

    /// A trade's status (`None`: no such trade).
    pub(crate) fn status(&self, id: TradeId) -> Option<TradeStatus> {
        if id.0 == 0 || id.0 >= self.next {
            return None;
        }
        Some(self.moved.get(&id).cloned().unwrap_or(TradeStatus::Matched))
    }

    /// The trades that left MATCHED, by id.
    pub(crate) fn moved(&self) -> impl Iterator<Item = (TradeId, &TradeStatus)> {
        self.moved.iter().map(|(id, s)| (*id, s))
    }

    /// Records a trade's new status (the caller checked it with [`may_move`], which never leads
    /// back to MATCHED).
    pub(crate) fn set(&mut self, id: TradeId, to: TradeStatus) {
        self.moved.insert(id, to);
    }
}

/// The settlement lifecycle: MATCHED moves to MINED, CONFIRMED, RETRYING or FAILED; MINED to
/// CONFIRMED, RETRYING or FAILED; RETRYING to MINED, CONFIRMED or FAILED. CONFIRMED and FAILED
/// are final.
pub(crate) fn may_move(from: &TradeStatus, to: &TradeStatus) -> bool {
    use TradeStatus as S;
    matches!(
        (from, to),
        (
            S::Matched,
            S::Mined | S::Confirmed | S::Retrying | S::Failed
        ) | (S::Mined, S::Confirmed | S::Retrying | S::Failed)
            | (S::Retrying, S::Mined | S::Confirmed | S::Failed)
    )
}
