//! The caller's orders and trades, and whether its orders score.

use std::collections::HashMap;

use clobkit_core::signer::AsyncSigner;
use clobkit_core::types::OrderId;
use clobkit_core::wire::{Cursor, OpenOrder, Page, Trade};
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::args::{OpenOrderParams, Pages, TradeParams, TradesPage};
use crate::error::ClientError;

use super::*;

impl<S: AsyncSigner> ClobClient<L2<S>> {
    /// `GET /data/order/{id}`.
    pub async fn get_order(&self, id: &OrderId) -> Result<OpenOrder, ClientError> {
        self.l2(Method::GET, &format!("/data/order/{id}"), "", b"")
            .await
    }

    /// `GET /data/orders`: open orders, following cursors to the end or stopping after the first page.
    pub async fn get_open_orders(
        &self,
        params: &OpenOrderParams,
        pages: Pages,
        next_cursor: Option<&str>,
    ) -> Result<Vec<OpenOrder>, ClientError> {
        let q = |cursor: &str| {
            query(&[
                ("market", params.market.map(|m| m.to_string())),
                ("asset_id", params.asset_id.map(|a| a.to_string())),
                ("id", params.id.map(|i| i.to_string())),
                ("next_cursor", Some(cursor.to_owned())),
            ])
        };
        self.collect_pages("/data/orders", q, pages, next_cursor)
            .await
    }

    /// `GET /data/pre-migration-orders` (V2): this key's V1 orders that the venue cancelled when
    /// it cut over to V2, to re-place as V2 orders. Empty where no cutover happened.
    pub async fn get_pre_migration_orders(
        &self,
        pages: Pages,
        next_cursor: Option<&str>,
    ) -> Result<Vec<OpenOrder>, ClientError> {
        let q = |cursor: &str| query(&[("next_cursor", Some(cursor.to_owned()))]);
        self.collect_pages("/data/pre-migration-orders", q, pages, next_cursor)
            .await
    }

    /// Follows `next_cursor` from `next_cursor` (or the start) to the end marker, or stops after
    /// one page for [`Pages::First`], gathering every page's rows; `q` builds the query string for a cursor.
    pub(super) async fn collect_pages<T: DeserializeOwned>(
        &self,
        path: &str,
        q: impl Fn(&str) -> String,
        pages: Pages,
        next_cursor: Option<&str>,
    ) -> Result<Vec<T>, ClientError> {
        let mut cursor = next_cursor.unwrap_or(Cursor::START).to_owned();
        let mut out = Vec::new();
        while cursor != Cursor::END {
            let page: Page<T> = self.l2(Method::GET, path, &q(&cursor), b"").await?;
            out.extend(page.data);
            cursor = page.next_cursor.0;
            if pages == Pages::First {
                break;
            }
        }
        Ok(out)
    }

    /// `GET /data/trades`: trades, following cursors to the end or stopping after the first page.
    pub async fn get_trades(
        &self,
        params: &TradeParams,
        pages: Pages,
        next_cursor: Option<&str>,
    ) -> Result<Vec<Trade>, ClientError> {
        let q = |cursor: &str| trade_query(None, params, cursor);
        self.collect_pages("/data/trades", q, pages, next_cursor)
            .await
    }

    /// One page of trades with its cursor.
    pub async fn get_trades_paginated(
        &self,
        params: &TradeParams,
        next_cursor: Option<&str>,
    ) -> Result<TradesPage, ClientError> {
        let cursor = next_cursor.unwrap_or(Cursor::START);
        let page: Page<Trade> = self
            .l2(
                Method::GET,
                "/data/trades",
                &trade_query(None, params, cursor),
                b"",
            )
            .await?;
        Ok(TradesPage {
            trades: page.data,
            next_cursor: page.next_cursor.0,
            limit: page.limit,
            count: page.count,
        })
    }
}

impl<S: AsyncSigner> ClobClient<L2<S>> {
    /// `GET /order-scoring`.
    pub async fn is_order_scoring(&self, id: &OrderId) -> Result<bool, ClientError> {
        let v: clobkit_core::wire::OrderScoring = self
            .l2(
                Method::GET,
                "/order-scoring",
                &query(&[("order_id", Some(id.to_string()))]),
                b"",
            )
            .await?;
        Ok(v.scoring)
    }

    /// `POST /orders-scoring`: `order id → scoring`.
    pub async fn are_orders_scoring(
        &self,
        ids: &[OrderId],
    ) -> Result<HashMap<String, bool>, ClientError> {
        let list: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let body = json_body(&list)?;
        self.l2(Method::POST, "/orders-scoring", "", &body).await
    }
}
