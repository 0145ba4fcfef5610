//! Balances and allowances, API-key management, closed-only mode and notifications.

use clobkit_core::signer::AsyncSigner;
use clobkit_core::wire::{BalanceAllowance, Notification};
use reqwest::Method;

use crate::args::BalanceAllowanceParams;
use crate::error::ClientError;

use super::*;

impl<S: AsyncSigner> ClobClient<L2<S>> {
    pub(super) fn balance_query(&self, p: &BalanceAllowanceParams) -> String {
        let ty = p.signature_type.unwrap_or(self.inner.signature_type);
        query(&[
            ("asset_type", Some(p.asset_type.as_str().to_owned())),
            ("token_id", p.token_id.map(|t| t.to_string())),
            ("signature_type", Some(ty.as_u8().to_string())),
        ])
    }

    /// `GET /balance-allowance`.
    pub async fn get_balance_allowance(
        &self,
        params: &BalanceAllowanceParams,
    ) -> Result<BalanceAllowance, ClientError> {
        if params.asset_type == clobkit_core::types::AssetType::Conditional
            && params.token_id.is_none()
        {
            return Err(ClientError::Validation(
                "a CONDITIONAL balance needs a token_id".into(),
            ));
        }
        self.l2(
            Method::GET,
            "/balance-allowance",
            &self.balance_query(params),
            b"",
        )
        .await
    }

    /// `GET /balance-allowance/update`: asks the exchange to refresh its view of the chain.
    pub async fn update_balance_allowance(
        &self,
        params: &BalanceAllowanceParams,
    ) -> Result<(), ClientError> {
        self.l2_unit(
            Method::GET,
            "/balance-allowance/update",
            &self.balance_query(params),
            b"",
        )
        .await
    }

    /// `GET /auth/api-keys`: the wallet's API keys.
    pub async fn get_api_keys(&self) -> Result<Vec<String>, ClientError> {
        let v: clobkit_core::wire::ApiKeysResponse =
            self.l2(Method::GET, "/auth/api-keys", "", b"").await?;
        Ok(v.api_keys)
    }

    /// `DELETE /auth/api-key`: deletes the key in use.
    pub async fn delete_api_key(&self) -> Result<(), ClientError> {
        self.l2_unit(Method::DELETE, "/auth/api-key", "", b"").await
    }

    /// `GET /auth/ban-status/closed-only`.
    pub async fn get_closed_only_mode(&self) -> Result<bool, ClientError> {
        let v: clobkit_core::wire::BanStatus = self
            .l2(Method::GET, "/auth/ban-status/closed-only", "", b"")
            .await?;
        Ok(v.closed_only)
    }

    /// `GET /notifications`.
    pub async fn get_notifications(&self) -> Result<Vec<Notification>, ClientError> {
        let q = query(&[(
            "signature_type",
            Some(self.inner.signature_type.as_u8().to_string()),
        )]);
        self.l2(Method::GET, "/notifications", &q, b"").await
    }

    /// `DELETE /notifications?ids=…`.
    pub async fn drop_notifications(&self, ids: &[u64]) -> Result<(), ClientError> {
        let list: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let q = query(&[("ids", Some(list.join(",")))]);
        self.l2_unit(Method::DELETE, "/notifications", &q, b"")
            .await
    }
}
