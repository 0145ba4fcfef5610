//! The exchange's error messages, each written once.
//!
//! The official exchange reports every refusal as text (`{"error": "..."}` or an `errorMsg`), and
//! its clients' users match on that text. The local exchange must write exactly these words and
//! the SDK must read them back into typed errors, so both take them from here: the engine and the
//! server format them, the client classifies them with [`MessageKind::of`], which matches the same
//! constants the formatters use. A message whose wording changes here changes on both sides.

use std::fmt::Display;

use crate::types::{OrderId, TickSize};

/// Most orders in one `POST /orders` batch.
pub const MAX_BATCH: usize = 15;
/// Most order ids in one `DELETE /orders`.
pub const MAX_CANCEL_BATCH: usize = 3000;
/// Most items in one batch market-data request (`POST /books`, `/prices`, …).
pub const MAX_DATA_BATCH: usize = 500;

/// 401 of every L2 route whose headers do not authenticate.
pub const UNAUTHORIZED: &str = "Unauthorized/Invalid api key";
/// 401 of the L1 routes whose headers do not authenticate.
pub const INVALID_L1_HEADERS: &str = "Invalid L1 Request headers";
/// 429 of a request over its rate limit.
pub const TOO_MANY_REQUESTS: &str = "Too Many Requests";
/// 500 of the matching engine (exchange.md §1.6; the local exchange sends it in fault drills).
pub const EXECUTION_FAILED: &str = "could not run the execution";
/// 425 while production's engine restarts; production's body is not documented (the local
/// exchange sends this in fault drills).
pub const ENGINE_RESTARTING: &str = "the matching engine is restarting: retry shortly";
/// A body that is not an order payload (or a batch of them).
pub const INVALID_ORDER_PAYLOAD: &str = "Invalid order payload";
/// A body of a batch market-data or scoring route that does not parse.
pub const INVALID_PAYLOAD: &str = "Invalid payload";
/// A batch market-data request over [`MAX_DATA_BATCH`] items.
pub const PAYLOAD_TOO_LARGE: &str = "Payload exceeds the limit";
/// A token id that is malformed or names no market.
pub const INVALID_TOKEN_ID: &str = "Invalid token id";
/// A `side` that is neither BUY nor SELL.
pub const INVALID_SIDE: &str = "Invalid side";
/// An order id that is not `0x` + 64 hex digits.
pub const INVALID_ORDER_ID: &str = "Invalid orderID";
/// A condition id that does not parse.
pub const INVALID_MARKET: &str = "Invalid market";
/// A `signature_type` query parameter that is not 0, 1 or 2.
pub const INVALID_SIGNATURE_TYPE: &str = "Invalid signature_type";
/// An `asset_type` that is neither COLLATERAL nor CONDITIONAL.
pub const INVALID_ASSET_TYPE: &str = "Invalid asset type";
/// A `/data/trades` filter that does not parse.
pub const INVALID_TRADE_PARAMS: &str = "Invalid trade params payload";
/// A pagination cursor that is not one the exchange issued.
pub const INVALID_CURSOR: &str = "invalid next_cursor";
/// `/book` (and the price routes) for a token without a book.
pub const NO_ORDERBOOK: &str = "No orderbook exists for the requested token id";
/// A market looked up by id or token that does not exist.
pub const MARKET_NOT_FOUND: &str = "market not found";
/// `/data/order/{id}` for an order the caller does not own or that never existed.
pub const ORDER_NOT_FOUND: &str = "order not found";
/// A route that does not exist.
pub const NOT_FOUND: &str = "not found";
/// `POST /auth/api-key` for a (wallet, nonce) that already has a key.
pub const COULD_NOT_CREATE_API_KEY: &str = "Could not create api key";
/// `GET /auth/derive-api-key` for a (wallet, nonce) without a key.
pub const COULD_NOT_DERIVE_API_KEY: &str = "Could not derive api key!";
/// `DELETE /auth/api-key` that could not be applied.
pub const COULD_NOT_DELETE_API_KEY: &str = "Could not delete API key";
/// A heartbeat id that is not the last one issued.
pub const INVALID_HEARTBEAT_ID: &str = "Invalid Heartbeat ID";
/// The `not_canceled` reason of an order that cannot be cancelled.
pub const CANNOT_CANCEL: &str = "order can't be found - already canceled or matched";

/// An order whose signature does not verify (or whose maker is not its signer's wallet).
pub const INVALID_SIGNATURE: &str = "invalid signature";
/// An order with a non-zero exchange nonce.
pub const INVALID_NONCE: &str = "invalid nonce";
/// A POLY_1271 (deposit wallet) order whose wallet the local exchange does not know (an exchange
/// without a chain checks the owner against its registry, `POST /admin/deposit-wallets`).
pub const DEPOSIT_WALLET_UNKNOWN: &str =
    "the order's deposit wallet is not registered with this exchange (POST /admin/deposit-wallets)";
/// An order of another protocol version than the exchange speaks (production V2 answers a V1
/// order with it; clients re-read `/version` and sign again).
pub const ORDER_VERSION_MISMATCH: &str = "order_version_mismatch";
/// An expiration in the past, on a non-GTD order, or too close for a GTD.
pub const INVALID_EXPIRATION: &str = "invalid expiration";
/// The exchange's journal could not be written: it stops serving (fail stop) and must be
/// restarted, which recovers the durable state.
pub const EXCHANGE_STOPPED: &str = "the exchange stopped: its journal could not be written; restart it to recover the durable state";
/// The local exchange's disk has no room for a change's journal record: the change was refused
/// before it was applied (nothing changed), and writes resume by themselves once space is freed.
pub const JOURNAL_NO_ROOM: &str = "the exchange's disk has no room for this change; nothing was changed, and writes resume once space is freed";
/// The local exchange's history database cannot be written now (a full disk, say): trading goes
/// on, reads of ended orders, trades and notifications are refused until a commit succeeds.
pub const HISTORY_UNAVAILABLE: &str = "the exchange's history database cannot be written now; trading goes on and history reads resume once it can";
/// A row of the local exchange's history database does not decode.
pub const HISTORY_UNREADABLE: &str = "the exchange's history database could not be read";
/// A request body that did not arrive in time.
pub const BODY_TIMEOUT: &str = "request body timed out";
/// A request body above the exchange's limit.
pub const BODY_TOO_LARGE: &str = "request body too large";
/// A state-changing request seen already, within the timestamp window (a replay).
pub const REPLAYED_REQUEST: &str = "this request was already received: sign each request anew";
/// A builder code that is not 0x + 64 hex digits, or the zero code.
pub const INVALID_BUILDER_CODE: &str =
    "invalid builder code: expected 0x and 64 hex digits, not zero";
/// A builder code nobody registered.
pub const BUILDER_NOT_FOUND: &str = "builder code not found";
/// A signed fee rate above the contract's cap.
pub const FEE_RATE_ABOVE_MAX: &str = "invalid fee rate: the maximum is 1000 bps";
/// An order whose signer is not the API key's wallet.
pub const SIGNER_NOT_API_KEY: &str =
    "the order signer address has to be the address of the API KEY";
/// An order whose `owner` is not the caller's API key.
pub const OWNER_NOT_API_KEY: &str = "the order owner has to be the owner of the API KEY";
/// An order on a market that is closed or resolved.
pub const MARKET_NOT_READY: &str = "the market is not yet ready to process new orders";
/// Available balance (after reservations) below what the order may spend.
pub const NOT_ENOUGH_BALANCE: &str = "not enough balance / allowance";
/// A post-only order that would cross.
pub const POST_ONLY_CROSSES: &str = "invalid post-only order: order crosses book";
/// Post-only on a FOK/FAK order.
pub const POST_ONLY_TYPE: &str =
    "invalid post-only order: only GTC and GTD order types are allowed";
/// A FOK order the book cannot fill completely.
pub const FOK_NOT_FILLED: &str =
    "order couldn't be fully filled. FOK orders are fully filled or killed.";
/// A FAK order that matched nothing.
pub const FAK_NO_MATCH: &str = "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found.";

/// The fixed part of the duplicate-order message.
const DUPLICATED: &str = "Duplicated.";
/// The fixed part of the tick-size message.
const BREAKS_TICK: &str = "breaks minimum tick size rule";
/// The fixed part of the minimum-size message.
const BELOW_MINIMUM: &str = "lower than the minimum";
/// The fixed part of the $1 marketable-BUY message.
const MIN_ONE_DOLLAR: &str = "min size: $1";
/// The fixed part of the precision message.
const INVALID_AMOUNTS: &str = "invalid amounts";
/// The fixed part of the fee-rate mismatch message.
const FEE_RATE_MISMATCH: &str = "invalid user provided fee rate";

/// `order {id} is invalid. Duplicated.`
pub fn duplicated(id: &OrderId) -> String {
    format!("order {id} is invalid. {DUPLICATED}")
}

/// `order {id} is invalid. Price ({price}) breaks minimum tick size rule: {tick}`
pub fn breaks_tick(id: &OrderId, price: impl Display, tick: TickSize) -> String {
    format!("order {id} is invalid. Price ({price}) {BREAKS_TICK}: {tick}")
}

/// `order {id} is invalid. Size ({size}) lower than the minimum: {min}`
pub fn below_minimum_size(id: &OrderId, size: impl Display, min: impl Display) -> String {
    format!("order {id} is invalid. Size ({size}) {BELOW_MINIMUM}: {min}")
}

/// `invalid amount for a marketable BUY order (${amount}), min size: $1`
pub fn market_buy_below_one_dollar(amount: impl Display) -> String {
    format!("invalid amount for a marketable BUY order (${amount}), {MIN_ONE_DOLLAR}")
}

/// Zero amounts, a price outside (0, 1), or a size that is not whole lots of 0.01 share.
pub fn not_whole_lots(id: &OrderId) -> String {
    format!(
        "order {id} is invalid. Amounts must be positive whole lots of 0.01 share at a price between 0 and 1."
    )
}

/// A wallet asking for more API keys than the exchange keeps per wallet.
pub fn too_many_api_keys(limit: usize) -> String {
    format!(
        "Could not create api key: a wallet may hold at most {limit} API keys; delete one first"
    )
}

/// `invalid user provided fee rate: ({signed}), fee rate for the market must be {required}`
pub fn fee_rate_mismatch(signed: impl Display, required: impl Display) -> String {
    format!("{FEE_RATE_MISMATCH}: ({signed}), fee rate for the market must be {required}")
}

/// The decimal-precision message: `kind` is `buy`, `sell`, `market buy` or `market sell`.
pub fn invalid_precision(kind: &str, max_maker: u32, max_taker: u32) -> String {
    format!(
        "{INVALID_AMOUNTS}, the {kind} orders maker amount supports a max accuracy of {max_maker} decimals, taker amount a max of {max_taker} decimals"
    )
}

/// `Too many orders in payload: {n}, max allowed: 15`
pub fn too_many_orders(n: usize) -> String {
    format!("Too many orders in payload: {n}, max allowed: {MAX_BATCH}")
}

/// `Too many orders in payload, max allowed: 3000`
pub fn too_many_cancels() -> String {
    format!("Too many orders in payload, max allowed: {MAX_CANCEL_BATCH}")
}

/// What an order-related error message says, read back from its text (the client's side of the
/// table above). `None` for messages that name no order rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageKind {
    /// [`NOT_ENOUGH_BALANCE`].
    NotEnoughBalance,
    /// [`INVALID_SIGNATURE`].
    InvalidSignature,
    /// [`breaks_tick`].
    TickSize,
    /// [`below_minimum_size`] or [`market_buy_below_one_dollar`].
    MinimumSize,
    /// [`invalid_precision`].
    Precision,
    /// [`FOK_NOT_FILLED`].
    FokNotFilled,
    /// [`FAK_NO_MATCH`].
    FakNoMatch,
    /// [`POST_ONLY_CROSSES`].
    PostOnlyCrosses,
    /// [`duplicated`].
    Duplicated,
    /// [`INVALID_EXPIRATION`].
    InvalidExpiration,
    /// [`fee_rate_mismatch`].
    FeeRate,
    /// [`ORDER_VERSION_MISMATCH`].
    VersionMismatch,
}

impl MessageKind {
    /// The rule a message reports, matched case-insensitively on the message's fixed words.
    pub fn of(message: &str) -> Option<MessageKind> {
        const TABLE: &[(&str, MessageKind)] = &[
            ("not enough balance", MessageKind::NotEnoughBalance),
            (INVALID_SIGNATURE, MessageKind::InvalidSignature),
            (BREAKS_TICK, MessageKind::TickSize),
            (BELOW_MINIMUM, MessageKind::MinimumSize),
            (MIN_ONE_DOLLAR, MessageKind::MinimumSize),
            (INVALID_AMOUNTS, MessageKind::Precision),
            (
                "fok orders are fully filled or killed",
                MessageKind::FokNotFilled,
            ),
            (
                "no orders found to match with fak order",
                MessageKind::FakNoMatch,
            ),
            ("order crosses book", MessageKind::PostOnlyCrosses),
            (DUPLICATED, MessageKind::Duplicated),
            (INVALID_EXPIRATION, MessageKind::InvalidExpiration),
            (FEE_RATE_MISMATCH, MessageKind::FeeRate),
            (ORDER_VERSION_MISMATCH, MessageKind::VersionMismatch),
        ];
        let m = message.to_ascii_lowercase();
        TABLE
            .iter()
            .find(|(needle, _)| m.contains(&needle.to_ascii_lowercase()))
            .map(|(_, k)| *k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every formatted message is read back as its own kind, so the client's table cannot drift
    /// from the server's wording.
    #[test]
    fn every_message_reads_back_as_its_kind() {
        let id = OrderId::default();
        let cases = [
            (NOT_ENOUGH_BALANCE.to_owned(), MessageKind::NotEnoughBalance),
            (INVALID_SIGNATURE.to_owned(), MessageKind::InvalidSignature),
            (
                breaks_tick(&id, "0.055", TickSize::Hundredth),
                MessageKind::TickSize,
            ),
            (below_minimum_size(&id, "1", "5"), MessageKind::MinimumSize),
            (market_buy_below_one_dollar("0.5"), MessageKind::MinimumSize),
            (invalid_precision("buy", 4, 2), MessageKind::Precision),
            (FOK_NOT_FILLED.to_owned(), MessageKind::FokNotFilled),
            (FAK_NO_MATCH.to_owned(), MessageKind::FakNoMatch),
            (POST_ONLY_CROSSES.to_owned(), MessageKind::PostOnlyCrosses),
            (duplicated(&id), MessageKind::Duplicated),
            (
                INVALID_EXPIRATION.to_owned(),
                MessageKind::InvalidExpiration,
            ),
            (fee_rate_mismatch(0, 100), MessageKind::FeeRate),
            (
                ORDER_VERSION_MISMATCH.to_owned(),
                MessageKind::VersionMismatch,
            ),
        ];
        for (message, kind) in cases {
            assert_eq!(MessageKind::of(&message), Some(kind), "{message}");
        }
        assert_eq!(MessageKind::of(INVALID_ORDER_PAYLOAD), None);
        assert_eq!(MessageKind::of(POST_ONLY_TYPE), None);
    }
}
