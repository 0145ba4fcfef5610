//! Posting, cancelling and querying orders and trades.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use alloy_primitives::Address;
use rust_decimal::Decimal;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{InsertStatus, OrderStatus, TradeStatus, TraderSide};
use crate::order::SignedOrder;
use crate::protocol::ProtocolVersion;
use crate::serde_util::{
    decimal_or_zero, decimal_str, opt_decimal_str, u64_str, unix_secs, unix_secs_str,
};
use crate::types::{ApiKey, ConditionId, OrderId, OrderType, Side, TokenId};

/// The body of `POST /order` (and one element of `POST /orders`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostOrder {
    /// The signed order.
    pub order: SignedOrder,
    /// The API key that owns the order (not an address).
    pub owner: ApiKey,
    /// GTC, GTD, FOK or FAK.
    pub order_type: OrderType,
    /// Reject instead of matching if the order would cross (GTC/GTD only).
    pub post_only: bool,
    /// Sent by the TypeScript client only (always `false` there); `None` omits the key.
    pub defer_exec: Option<bool>,
}

impl Serialize for PostOrder {
    /// The Python client's body of the order's protocol version. V1: `order`, `owner`,
    /// `orderType`, `postOnly`, then `deferExec` if set. V2: `order`, `owner`, `orderType`,
    /// `deferExec` (false when not set, as the V2 client always sends it), `postOnly`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("PostOrder", 5)?;
        st.serialize_field("order", &self.order)?;
        st.serialize_field("owner", &self.owner)?;
        st.serialize_field("orderType", &self.order_type)?;
        match self.order.order.protocol() {
            ProtocolVersion::V1 => {
                st.serialize_field("postOnly", &self.post_only)?;
                if let Some(d) = self.defer_exec {
                    st.serialize_field("deferExec", &d)?;
                }
            }
            _ => {
                st.serialize_field("deferExec", &self.defer_exec.unwrap_or(false))?;
                st.serialize_field("postOnly", &self.post_only)?;
            }
        }
        st.end()
    }
}

impl<'de> Deserialize<'de> for PostOrder {
    /// Keys in any order and letter case; `postOnly` and `deferExec` optional; unknown keys
    /// ignored.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PostOrder;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an order payload {order, owner, orderType, postOnly}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PostOrder, A::Error> {
                let (mut order, mut owner, mut order_type, mut post_only, mut defer_exec) =
                    (None, None, None, None, None);
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    match key.to_ascii_lowercase().as_str() {
                        "order" => order = Some(map.next_value::<SignedOrder>()?),
                        "owner" => owner = Some(map.next_value::<ApiKey>()?),
                        "ordertype" => order_type = Some(map.next_value::<OrderType>()?),
                        "postonly" => post_only = map.next_value::<Option<bool>>()?,
                        "deferexec" => defer_exec = map.next_value::<Option<bool>>()?,
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(PostOrder {
                    order: order.ok_or_else(|| de::Error::missing_field("order"))?,
                    owner: owner.ok_or_else(|| de::Error::missing_field("owner"))?,
                    order_type: order_type.unwrap_or_default(),
                    post_only: post_only.unwrap_or(false),
                    defer_exec,
                })
            }
        }
        d.deserialize_map(V)
    }
}

/// The answer to `POST /order` (and each element of `POST /orders`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderResponse {
    /// `false` means a server-side error.
    #[serde(default)]
    pub success: bool,
    /// Non-empty when the order was not (immediately) placed.
    #[serde(rename = "errorMsg", default)]
    pub error_msg: String,
    /// The order id (`""` when the order was refused before it had one).
    #[serde(rename = "orderID", default)]
    pub order_id: String,
    /// Settlement transaction hashes of immediate fills.
    #[serde(
        rename = "transactionsHashes",
        alias = "transactionHashes",
        alias = "orderHashes",
        default
    )]
    pub transactions_hashes: Vec<String>,
    /// Ids of the trades made at once.
    #[serde(rename = "tradeIDs", default)]
    pub trade_ids: Vec<String>,
    /// What happened at insertion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<InsertStatus>,
    /// What was given at once (BUY: USDC; SELL: shares); `""` when nothing matched.
    #[serde(rename = "makingAmount", with = "opt_decimal_str", default)]
    pub making_amount: Option<Decimal>,
    /// What was received at once; `""` when nothing matched.
    #[serde(rename = "takingAmount", with = "opt_decimal_str", default)]
    pub taking_amount: Option<Decimal>,
}

impl OrderResponse {
    /// The answer for an order the exchange took: its id, nothing matched yet (the caller adds
    /// the status, amounts and trades).
    pub fn accepted(id: OrderId) -> OrderResponse {
        OrderResponse {
            success: true,
            error_msg: String::new(),
            order_id: id.to_string(),
            transactions_hashes: Vec::new(),
            trade_ids: Vec::new(),
            status: None,
            making_amount: None,
            taking_amount: None,
        }
    }
    /// The answer for one order of a batch that was refused, with the reason.
    pub fn failed(error_msg: impl Into<String>) -> OrderResponse {
        OrderResponse {
            success: false,
            error_msg: error_msg.into(),
            order_id: String::new(),
            transactions_hashes: Vec::new(),
            trade_ids: Vec::new(),
            status: None,
            making_amount: None,
            taking_amount: None,
        }
    }
}

/// An order as `/data/order/{id}` and `/data/orders` report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenOrder {
    /// The order id.
    pub id: OrderId,
    /// Its state.
    pub status: OrderStatus,
    /// The owning API key.
    #[serde(default)]
    pub owner: String,
    /// The funder.
    pub maker_address: Address,
    /// The condition id.
    pub market: ConditionId,
    /// The token.
    pub asset_id: TokenId,
    /// BUY or SELL.
    pub side: Side,
    /// Size at placement, in shares.
    #[serde(with = "decimal_or_zero", default)]
    pub original_size: Decimal,
    /// Shares matched so far.
    #[serde(with = "decimal_or_zero", default)]
    pub size_matched: Decimal,
    /// The limit price.
    #[serde(with = "decimal_str")]
    pub price: Decimal,
    /// Ids of the trades it took part in.
    #[serde(default)]
    pub associate_trades: Vec<String>,
    /// The outcome name ("Yes", "No", …).
    #[serde(default)]
    pub outcome: String,
    /// Unix seconds of acceptance (a JSON integer).
    #[serde(with = "unix_secs", default)]
    pub created_at: u64,
    /// Unix seconds, `"0"` for none (a string).
    #[serde(with = "u64_str", default)]
    pub expiration: u64,
    /// GTC, GTD, FOK or FAK (old docs call it `type`).
    #[serde(alias = "type")]
    pub order_type: OrderType,
}

/// One maker's part in a trade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MakerOrder {
    /// The resting order.
    pub order_id: OrderId,
    /// Its API key.
    #[serde(default)]
    pub owner: String,
    /// Its funder.
    pub maker_address: Address,
    /// Shares matched against it.
    #[serde(with = "decimal_or_zero", default)]
    pub matched_amount: Decimal,
    /// Its limit price.
    #[serde(with = "decimal_str")]
    pub price: Decimal,
    /// Its fee rate.
    #[serde(with = "decimal_or_zero", default)]
    pub fee_rate_bps: Decimal,
    /// Its token (the complement of the taker's in a MINT or MERGE match).
    pub asset_id: TokenId,
    /// Its outcome name.
    #[serde(default)]
    pub outcome: String,
    /// Its side.
    pub side: Side,
}

/// A trade as `/data/trades` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    /// Trade id.
    pub id: String,
    /// The taker's order.
    pub taker_order_id: OrderId,
    /// Condition id.
    pub market: ConditionId,
    /// The taker's token.
    pub asset_id: TokenId,
    /// The taker's side.
    pub side: Side,
    /// Shares traded.
    #[serde(with = "decimal_str")]
    pub size: Decimal,
    /// The taker's fee rate.
    #[serde(with = "decimal_or_zero", default)]
    pub fee_rate_bps: Decimal,
    /// Execution price in the taker's token.
    #[serde(with = "decimal_str")]
    pub price: Decimal,
    /// Settlement state.
    pub status: TradeStatus,
    /// Unix seconds (a string).
    #[serde(with = "unix_secs_str", default)]
    pub match_time: u64,
    /// Unix seconds of the last status change (a string).
    #[serde(with = "unix_secs_str", default)]
    pub last_update: u64,
    /// The taker's outcome name.
    #[serde(default)]
    pub outcome: String,
    /// Index among the trades one match was split into.
    #[serde(default)]
    pub bucket_index: u64,
    /// The API key of the user this trade is reported to.
    #[serde(default)]
    pub owner: String,
    /// The funder of the user this trade is reported to.
    pub maker_address: Address,
    /// The makers matched.
    #[serde(default)]
    pub maker_orders: Vec<MakerOrder>,
    /// Settlement transaction hash.
    #[serde(default)]
    pub transaction_hash: String,
    /// Whether the user was taker or maker (old docs: `type`).
    #[serde(alias = "type")]
    pub trader_side: TraderSide,
    /// Why settlement failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}

/// One side of a trade whose order carried a builder code, as `GET /builder/trades` reports it
/// (V2; camelCase keys, amounts as decimal strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuilderTrade {
    /// Trade id.
    pub id: String,
    /// `TAKER` or `MAKER`: the side whose order carried the code.
    pub trade_type: TraderSide,
    /// The taker's order.
    pub taker_order_hash: OrderId,
    /// The builder's fee address.
    pub builder: Address,
    /// Condition id.
    pub market: ConditionId,
    /// That side's token.
    pub asset_id: TokenId,
    /// That side's side.
    pub side: Side,
    /// Shares traded.
    #[serde(with = "decimal_str")]
    pub size: Decimal,
    /// Collateral of that side.
    #[serde(with = "decimal_str")]
    pub size_usdc: Decimal,
    /// That side's price.
    #[serde(with = "decimal_str")]
    pub price: Decimal,
    /// Settlement state.
    pub status: TradeStatus,
    /// That side's outcome name.
    #[serde(default)]
    pub outcome: String,
    /// 0 for the market's first token, 1 for the second.
    #[serde(default)]
    pub outcome_index: u32,
    /// That side's API key.
    #[serde(default)]
    pub owner: String,
    /// That side's funder.
    pub maker: Address,
    /// Settlement transaction hash.
    #[serde(default)]
    pub transaction_hash: String,
    /// Unix seconds (a string).
    #[serde(with = "unix_secs_str", default)]
    pub match_time: u64,
    /// Index among the trades one match was split into.
    #[serde(default)]
    pub bucket_index: u64,
    /// That side's platform fee, in what it paid it in.
    #[serde(with = "decimal_str")]
    pub fee: Decimal,
    /// The same in collateral (V2 fees are collateral).
    #[serde(with = "decimal_str")]
    pub fee_usdc: Decimal,
    /// What it paid the builder, collateral.
    #[serde(with = "decimal_str")]
    pub builder_fee: Decimal,
    /// The builder code (bytes32).
    pub builder_code: crate::B256,
    /// Why settlement failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub err_msg: Option<String>,
}

/// The answer to every cancel route. Note the spelling: `canceled`, `not_canceled`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CancelResponse {
    /// Ids cancelled.
    #[serde(default)]
    pub canceled: Vec<String>,
    /// Ids not cancelled, with the reason.
    #[serde(default)]
    pub not_canceled: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const PY_BODY: &str = r#"{"order":{"salt":1234567890,"maker":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","signer":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","taker":"0x0000000000000000000000000000000000000000","tokenId":"71321045679252212594626385532706912750332728571942532289631379312455583992563","makerAmount":"50000000","takerAmount":"100000000","expiration":"0","nonce":"0","feeRateBps":"0","side":"BUY","signatureType":0,"signature":"0xbba9a905384fd5f81c7e128fec7dfdf05078fde7e116c00005ac01a4174fd2da36b0f62b250c8e2503f74aab1b2341cebc70c298147005ae583dcd3039f076d81c"},"owner":"00000000-0000-0000-0000-000000000000","orderType":"GTC","postOnly":false}"#;

    #[test]
    fn post_order_round_trips_python_bytes() {
        let p: PostOrder = serde_json::from_str(PY_BODY).unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), PY_BODY);
    }

    #[test]
    fn post_order_reads_ts_and_odd_case() {
        let ts = r#"{"deferExec":false,"order":{"salt":1,"maker":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266","signer":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266","taker":"0x0000000000000000000000000000000000000000","tokenId":"1","makerAmount":"1","takerAmount":"2","side":"SELL","expiration":"0","nonce":"0","feeRateBps":"0","signatureType":2,"signature":"SIG","extra":[1]},"OWNER":"k","ordertype":"fak"}"#;
        let ts = ts.replace("SIG", &format!("0x{}1b", "00".repeat(64)));
        let p: PostOrder = serde_json::from_str(&ts).unwrap();
        assert_eq!(p.defer_exec, Some(false));
        assert_eq!(p.order_type, OrderType::Fak);
        assert!(!p.post_only);
        assert_eq!(p.order.order.side, Side::Sell);
        for bad in [
            r#"{"owner":"k"}"#,
            r#"{"order":{"salt":1.5},"owner":"k"}"#,
            "[]",
            r#"{"order":{},"owner":"k"}"#,
        ] {
            assert!(serde_json::from_str::<PostOrder>(bad).is_err(), "{bad}");
        }
        // a salt above u64 written as a JSON number is refused, never rounded through f64
        let big = PY_BODY.replace("1234567890", "123456789012345678901234567890");
        assert!(serde_json::from_str::<PostOrder>(&big).is_err());
    }

    #[test]
    fn responses_parse() {
        let r: OrderResponse = serde_json::from_str(r#"{"success":true,"errorMsg":"","orderID":"0xab","transactionsHashes":["0x1"],"status":"matched","makingAmount":"4.599999","takingAmount":"5.609755"}"#).unwrap();
        assert_eq!(r.status, Some(InsertStatus::Matched));
        assert_eq!(
            r.making_amount.map(|d| d.to_string()).as_deref(),
            Some("4.599999")
        );
        let r: OrderResponse = serde_json::from_str(r#"{"success":true,"errorMsg":"","orderID":"0xab","status":"live","makingAmount":"","takingAmount":""}"#).unwrap();
        assert_eq!(r.making_amount, None);
        let c: CancelResponse = serde_json::from_str(r#"{"canceled":["0x1"],"not_canceled":{"0x2":"order can't be found - already canceled or matched"}}"#).unwrap();
        assert_eq!(c.not_canceled.len(), 1);
        let o: OpenOrder = serde_json::from_str(r#"{"id":"0xab4e69efe3068f9ba4fe0070599c64e484119777062f96d2b255bf1ea3d38d25","status":"LIVE","owner":"k","maker_address":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266","market":"0xab4e69efe3068f9ba4fe0070599c64e484119777062f96d2b255bf1ea3d38d25","asset_id":"1","side":"BUY","original_size":"100","size_matched":"25","price":"0.65","associate_trades":[],"outcome":"Yes","created_at":1697875200,"expiration":"0","order_type":"GTC"}"#).unwrap();
        assert_eq!(o.size_matched.to_string(), "25");
    }
}
