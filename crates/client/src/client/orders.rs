//! Orders: building and signing (L1), posting and cancelling (L2).

use clobkit_core::amounts::{limit_amounts, market_amounts_for, market_order_price};
use clobkit_core::clock::unix_millis;
use clobkit_core::order::{Order, OrderParty, PreparedOrder, VersionFields};
use clobkit_core::signer::AsyncSigner;
use clobkit_core::types::{ConditionId, OrderId, OrderType, TickSize, TokenId};
use clobkit_core::wire::{CancelResponse, OrderResponse, PostOrder};
use clobkit_core::{Address, B256, U256};
use reqwest::Method;
use serde_json::json;

use crate::args::{CreateOrderOptions, MarketOrderArgs, OrderArgs, PostMode, PostOrdersArgs};
use crate::error::{ApiErrorKind, ClientError};

use clobkit_core::amounts::OrderAmounts;

use super::*;

impl<A: HasSigner> ClobClient<A> {
    /// Signs `order` in the cached domain of its version and market; the digest signed is the
    /// order id, kept with the signed order (nothing later hashes it again or recovers the
    /// signature).
    pub(super) async fn sign(
        &self,
        order: Order,
        neg_risk: bool,
    ) -> Result<PreparedOrder, ClientError> {
        let signer = self.level.signer();
        order.check_signer(signer.signer_address())?;
        let domain = self.inner.domains.exchange_for(order.protocol(), neg_risk);
        let request = order.signing_request(domain)?;
        let signature = signer.sign_hash_async(request.digest).await?;
        Ok(order.with_signature(domain, request, signature)?)
    }

    pub(super) fn maker(&self) -> Address {
        self.inner
            .funder
            .unwrap_or_else(|| self.level.signer().signer_address())
    }

    /// A fresh order of `version` from this client's maker, signer and signature type (random
    /// salt; V2: created now, in milliseconds) for `amounts` of `token`, with what only one
    /// version signs.
    fn order_for(
        &self,
        version: ProtocolVersion,
        token: TokenId,
        amounts: OrderAmounts,
        extras: &VersionArgs,
    ) -> Order {
        let party = OrderParty {
            maker: self.maker(),
            key: self.level.signer().signer_address(),
            signature_type: self.inner.signature_type,
        };
        let fields = VersionFields {
            fee_rate_bps: u64::from(extras.fee_rate_bps),
            nonce: U256::from(extras.nonce),
            taker: extras.taker,
            timestamp_ms: unix_millis(),
            metadata: extras.metadata.unwrap_or(B256::ZERO),
            builder: extras.builder_code.unwrap_or(B256::ZERO),
        };
        Order::build(version, random_salt(), party, token, amounts, &fields)
    }

    /// The market's tick and neg-risk flag, the protocol version, and the V1 fee rate, looked up
    /// together where not cached; the arguments are checked against the version.
    async fn order_terms(
        &self,
        token: &TokenId,
        options: CreateOrderOptions,
        args: VersionArgs,
    ) -> Result<OrderTerms, ClientError> {
        let (version, (tick, neg_risk)) =
            tokio::try_join!(self.protocol(), self.resolve_options(token, options))?;
        args.check(version)?;
        let fee_rate_bps = self.resolve_fee(version, token, args.fee_arg).await?;
        Ok(OrderTerms {
            version,
            tick,
            neg_risk,
            args: VersionArgs {
                fee_rate_bps,
                ..args
            },
        })
    }

    /// Builds and signs a limit order for the exchange's protocol version (looking up what is
    /// not given or cached: version, tick size, neg-risk, and for V1 the fee rate). Exact
    /// amounts: see `clobkit_core::amounts`.
    pub async fn create_order(
        &self,
        args: &OrderArgs,
        options: CreateOrderOptions,
    ) -> Result<PreparedOrder, ClientError> {
        let t = self
            .order_terms(&args.token_id, options, VersionArgs::of_limit(args))
            .await?;
        let amounts = limit_amounts(args.side, args.price, args.size, t.tick)?;
        let order = self
            .order_for(t.version, args.token_id, amounts, &t.args)
            .with_expiration(args.expiration);
        self.sign(order, t.neg_risk).await
    }

    /// Builds and signs a market order for the exchange's protocol version; without a price,
    /// walks the book for it (V2 rounds the price down to the tick's decimals first).
    pub async fn create_market_order(
        &self,
        args: &MarketOrderArgs,
        options: CreateOrderOptions,
    ) -> Result<PreparedOrder, ClientError> {
        let t = self
            .order_terms(&args.token_id, options, VersionArgs::of_market(args))
            .await?;
        let price = match args.price {
            Some(p) => p,
            None => {
                self.calculate_market_price(&args.token_id, args.side, args.amount, args.order_type)
                    .await?
            }
        };
        let price = market_order_price(t.version, price, t.tick);
        let amounts = market_amounts_for(t.version, args.side, args.amount, price, t.tick)?;
        let order = self.order_for(t.version, args.token_id, amounts, &t.args);
        self.sign(order, t.neg_risk).await
    }
}

/// The arguments only one protocol version signs, gathered from either kind of order.
#[derive(Debug, Clone, Copy)]
struct VersionArgs {
    /// The fee rate the caller asked for (V1), if any.
    fee_arg: Option<u32>,
    /// The fee rate to sign (V1; resolved from the market).
    fee_rate_bps: u32,
    nonce: u64,
    taker: Address,
    builder_code: Option<B256>,
    metadata: Option<B256>,
}

impl VersionArgs {
    /// What an order's arguments ask to sign beyond its amounts (the fee rate still to resolve).
    fn new(
        fee_arg: Option<u32>,
        nonce: u64,
        taker: Address,
        builder_code: Option<B256>,
        metadata: Option<B256>,
    ) -> VersionArgs {
        VersionArgs {
            fee_arg,
            fee_rate_bps: 0,
            nonce,
            taker,
            builder_code,
            metadata,
        }
    }
    fn of_limit(a: &OrderArgs) -> VersionArgs {
        VersionArgs::new(a.fee_rate_bps, a.nonce, a.taker, a.builder_code, a.metadata)
    }
    fn of_market(a: &MarketOrderArgs) -> VersionArgs {
        VersionArgs::new(a.fee_rate_bps, a.nonce, a.taker, a.builder_code, a.metadata)
    }
    /// Refuses what `version` cannot sign, rather than dropping it silently.
    fn check(&self, version: ProtocolVersion) -> Result<(), ClientError> {
        let refuse = |what: &str| {
            Err(ClientError::Validation(format!(
                "{what}: this exchange speaks {version}"
            )))
        };
        match version {
            ProtocolVersion::V1 if self.builder_code.is_some() || self.metadata.is_some() => {
                refuse("builder codes and metadata are signed by V2 orders only")
            }
            ProtocolVersion::V1 => Ok(()),
            _ if self.fee_arg.is_some() => {
                refuse("V2 orders sign no fee rate (the operator charges fees when they match)")
            }
            _ if self.nonce != 0 => refuse("V2 orders sign no nonce"),
            _ if self.taker != Address::ZERO => {
                refuse("V2 orders sign no taker (they are always public)")
            }
            _ => Ok(()),
        }
    }
}

/// What an order is built with once its market and the exchange are known.
#[derive(Debug, Clone, Copy)]
struct OrderTerms {
    version: ProtocolVersion,
    tick: TickSize,
    neg_risk: bool,
    args: VersionArgs,
}

impl<S: AsyncSigner> ClobClient<L2<S>> {
    pub(super) fn check_response(
        &self,
        token: &TokenId,
        r: OrderResponse,
    ) -> Result<OrderResponse, ClientError> {
        if r.success && r.error_msg.is_empty() {
            return Ok(r);
        }
        let kind = ApiErrorKind::from_message(200, &r.error_msg);
        if kind == ApiErrorKind::TickSize {
            self.clear_tick_size_cache(Some(token));
        }
        Err(ClientError::Rejected {
            message: r.error_msg,
            kind,
        })
    }

    pub(super) fn map_post_error(
        &self,
        token: &TokenId,
        id: OrderId,
        e: ClientError,
    ) -> ClientError {
        match e {
            // sent, but the outcome is unknown: never retried
            ClientError::Transport(reason) => ClientError::Ambiguous {
                order_id: id,
                reason,
            },
            // the exchange failed while handling it (500, or a gateway's 502/504): it may or
            // may not have taken the order
            ClientError::Api {
                status: 500 | 502 | 504,
                message,
                ..
            } => ClientError::Ambiguous {
                order_id: id,
                reason: message,
            },
            ClientError::Api {
                kind: ApiErrorKind::TickSize,
                ..
            } => {
                self.clear_tick_size_cache(Some(token));
                e
            }
            // the exchange speaks another version now: the next order asks it which
            ClientError::Api {
                kind: ApiErrorKind::VersionMismatch,
                ..
            } => {
                self.forget_protocol();
                e
            }
            other => other,
        }
    }

    /// `POST /order` with type `order_type` (GTC by default in the official clients).
    pub async fn post_order(
        &self,
        order: PreparedOrder,
        order_type: OrderType,
    ) -> Result<OrderResponse, ClientError> {
        self.post_order_with(order, order_type, PostMode::Normal)
            .await
    }

    /// `POST /order` in `mode` (post-only: GTC/GTD only).
    pub async fn post_order_with(
        &self,
        order: PreparedOrder,
        order_type: OrderType,
        mode: PostMode,
    ) -> Result<OrderResponse, ClientError> {
        check_post_mode(mode, order_type)?;
        let token = order.order().token_id;
        let id = order.id();
        let body = PostOrder {
            order: order.into_signed(),
            owner: self.credentials().api_key.clone(),
            order_type,
            post_only: mode.is_post_only(),
            defer_exec: None,
        };
        let bytes = json_body(&body)?;
        let r: OrderResponse = self
            .l2(Method::POST, "/order", "", &bytes)
            .await
            .map_err(|e| self.map_post_error(&token, id, e))?;
        self.check_response(&token, r)
    }

    /// `POST /orders`: up to 15 orders; each answer is checked separately.
    pub async fn post_orders(
        &self,
        orders: Vec<PostOrdersArgs>,
    ) -> Result<Vec<Result<OrderResponse, ClientError>>, ClientError> {
        if orders.len() > MAX_BATCH {
            return Err(ClientError::Validation(format!(
                "Too many orders in payload: {}, max allowed: {MAX_BATCH}",
                orders.len()
            )));
        }
        for o in &orders {
            check_post_mode(o.mode, o.order_type)?;
        }
        let tokens: Vec<TokenId> = orders.iter().map(|o| o.order.order().token_id).collect();
        let order_ids: Vec<OrderId> = orders.iter().map(|o| o.order.id()).collect();
        let body: Vec<PostOrder> = orders
            .into_iter()
            .map(|o| PostOrder {
                order: o.order.into_signed(),
                owner: self.credentials().api_key.clone(),
                order_type: o.order_type,
                post_only: o.mode.is_post_only(),
                defer_exec: None,
            })
            .collect();
        let bytes = json_body(&body)?;
        let rs: Vec<OrderResponse> =
            self.l2(Method::POST, "/orders", "", &bytes)
                .await
                .map_err(|e| match e {
                    ClientError::Transport(reason)
                    | ClientError::Api {
                        status: 500 | 502 | 504,
                        message: reason,
                        ..
                    } => ClientError::AmbiguousBatch { order_ids, reason },
                    other => other,
                })?;
        Ok(rs
            .into_iter()
            .zip(tokens)
            .map(|(r, t)| self.check_response(&t, r))
            .collect())
    }

    /// Creates, signs and posts a limit order (GTC unless `order_type` is GTD).
    pub async fn create_and_post_order(
        &self,
        args: &OrderArgs,
        options: CreateOrderOptions,
        order_type: OrderType,
    ) -> Result<OrderResponse, ClientError> {
        if !order_type.rests() {
            return Err(ClientError::Validation(format!(
                "create_and_post_order takes GTC or GTD, not {order_type}"
            )));
        }
        let o = self.create_order(args, options).await?;
        match self.post_order(o, order_type).await {
            Err(e) if e.kind() == Some(ApiErrorKind::VersionMismatch) => {
                // Refused as of another protocol version, the order was never placed: signing
                // it again for the version the exchange now names and posting once more cannot
                // place it twice.
                let o = self.create_order(args, options).await?;
                self.post_order(o, order_type).await
            }
            other => other,
        }
    }

    /// Creates, signs and posts a market order (FOK unless FAK).
    pub async fn create_and_post_market_order(
        &self,
        args: &MarketOrderArgs,
        options: CreateOrderOptions,
    ) -> Result<OrderResponse, ClientError> {
        if args.order_type.rests() {
            return Err(ClientError::Validation(format!(
                "market orders are FOK or FAK, not {}",
                args.order_type
            )));
        }
        let o = self.create_market_order(args, options).await?;
        match self.post_order(o, args.order_type).await {
            // never placed (see create_and_post_order): one more try in the exchange's version
            Err(e) if e.kind() == Some(ApiErrorKind::VersionMismatch) => {
                let o = self.create_market_order(args, options).await?;
                self.post_order(o, args.order_type).await
            }
            other => other,
        }
    }

    /// `DELETE /order`.
    pub async fn cancel_order(&self, id: &OrderId) -> Result<CancelResponse, ClientError> {
        let body = json_body(&json!({ "orderID": id.to_string() }))?;
        self.l2(Method::DELETE, "/order", "", &body).await
    }

    /// `DELETE /orders`.
    pub async fn cancel_orders(&self, ids: &[OrderId]) -> Result<CancelResponse, ClientError> {
        let list: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let body = json_body(&list)?;
        self.l2(Method::DELETE, "/orders", "", &body).await
    }

    /// `DELETE /cancel-all`.
    pub async fn cancel_all(&self) -> Result<CancelResponse, ClientError> {
        self.l2(Method::DELETE, "/cancel-all", "", b"").await
    }

    /// `DELETE /cancel-market-orders`: in a market and/or of a token.
    pub async fn cancel_market_orders(
        &self,
        market: Option<&ConditionId>,
        asset_id: Option<&TokenId>,
    ) -> Result<CancelResponse, ClientError> {
        if market.is_none() && asset_id.is_none() {
            return Err(ClientError::Validation("cancel_market_orders needs a market or an asset_id (cancel_all cancels everything)".into()));
        }
        let mut m = serde_json::Map::new();
        if let Some(c) = market {
            m.insert("market".into(), c.to_string().into());
        }
        if let Some(t) = asset_id {
            m.insert("asset_id".into(), t.to_string().into());
        }
        let body = json_body(&m)?;
        self.l2(Method::DELETE, "/cancel-market-orders", "", &body)
            .await
    }
}

/// Refuses post-only on a type that does not rest, before anything is sent, with the exchange's
/// own message and the type that was asked for.
fn check_post_mode(mode: PostMode, order_type: OrderType) -> Result<(), ClientError> {
    if mode.is_post_only() && !order_type.rests() {
        return Err(ClientError::Validation(format!(
            "{} (got {order_type})",
            clobkit_core::wire::errors::POST_ONLY_TYPE
        )));
    }
    Ok(())
}
