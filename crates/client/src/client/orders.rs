//! Orders: building and signing (L1), posting and cancelling (L2).

use clobkit_core::amounts::{limit_amounts, market_amounts};
use clobkit_core::order::{Order, PreparedOrder};
use clobkit_core::signer::AsyncSigner;
use clobkit_core::types::{ConditionId, OrderId, OrderType, TokenId};
use clobkit_core::wire::{CancelResponse, OrderResponse, PostOrder};
use clobkit_core::{Address, U256};
use reqwest::Method;
use serde_json::json;

use crate::args::{CreateOrderOptions, MarketOrderArgs, OrderArgs, PostMode, PostOrdersArgs};
use crate::error::{ApiErrorKind, ClientError};

use clobkit_core::amounts::OrderAmounts;

use super::*;

impl<A: HasSigner> ClobClient<A> {
    /// Signs `order` in the cached domain of its market; the digest signed is the order id, kept
    /// with the signed order (nothing later hashes it again or recovers the signature).
    pub(super) async fn sign(
        &self,
        order: Order,
        neg_risk: bool,
    ) -> Result<PreparedOrder, ClientError> {
        let signer = self.level.signer();
        order.check_signer(signer.signer_address())?;
        let domain = self.inner.domains.exchange_for(neg_risk);
        let request = order.signing_request(domain)?;
        let signature = signer.sign_hash_async(request.digest).await?;
        Ok(order.with_signature(domain, request, signature)?)
    }

    pub(super) fn maker(&self) -> Address {
        self.inner
            .funder
            .unwrap_or_else(|| self.level.signer().signer_address())
    }

    /// A fresh order of this client's maker, signer and signature type (random salt, no
    /// expiration) for `amounts` of `token`.
    fn order_for(
        &self,
        token: TokenId,
        amounts: OrderAmounts,
        fee_rate_bps: u32,
        nonce: u64,
        taker: Address,
    ) -> Order {
        Order::new(
            random_salt(),
            self.maker(),
            self.level.signer().signer_address(),
            token,
            amounts,
            self.inner.signature_type,
        )
        .with_fee_rate_bps(u64::from(fee_rate_bps))
        .with_nonce(U256::from(nonce))
        .with_taker(taker)
    }

    /// Builds and signs a limit order (looking up tick size, neg-risk and fee rate when not
    /// given). Exact amounts: see `clobkit_core::amounts`.
    pub async fn create_order(
        &self,
        args: &OrderArgs,
        options: CreateOrderOptions,
    ) -> Result<PreparedOrder, ClientError> {
        let ((tick, neg_risk), fee) = tokio::try_join!(
            self.resolve_options(&args.token_id, options),
            self.resolve_fee(&args.token_id, args.fee_rate_bps)
        )?;
        let amounts = limit_amounts(args.side, args.price, args.size, tick)?;
        let order = self
            .order_for(args.token_id, amounts, fee, args.nonce, args.taker)
            .with_expiration(args.expiration);
        self.sign(order, neg_risk).await
    }

    /// Builds and signs a market order; without a price, walks the book for it.
    pub async fn create_market_order(
        &self,
        args: &MarketOrderArgs,
        options: CreateOrderOptions,
    ) -> Result<PreparedOrder, ClientError> {
        let ((tick, neg_risk), fee) = tokio::try_join!(
            self.resolve_options(&args.token_id, options),
            self.resolve_fee(&args.token_id, args.fee_rate_bps)
        )?;
        let price = match args.price {
            Some(p) => p,
            None => {
                self.calculate_market_price(&args.token_id, args.side, args.amount, args.order_type)
                    .await?
            }
        };
        let amounts = market_amounts(args.side, args.amount, price, tick)?;
        let order = self.order_for(args.token_id, amounts, fee, args.nonce, args.taker);
        self.sign(order, neg_risk).await
    }
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
            ClientError::Api {
                kind: ApiErrorKind::TickSize,
                ..
            } => {
                self.clear_tick_size_cache(Some(token));
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
                    ClientError::Transport(reason) => {
                        ClientError::AmbiguousBatch { order_ids, reason }
                    }
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
        self.post_order(o, order_type).await
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
        self.post_order(o, args.order_type).await
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
