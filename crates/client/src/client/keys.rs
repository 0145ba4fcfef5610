//! API keys: the L1 headers, creating and deriving credentials.

use clobkit_core::U256;
use clobkit_core::auth::ApiCredentials;
use clobkit_core::signer::AsyncSigner;
use reqwest::Method;

use crate::error::ClientError;
use crate::transport::Auth;

use super::*;

impl<A: HasSigner> ClobClient<A> {
    pub(super) async fn l1(&self, nonce: u64) -> Result<Vec<(&'static str, String)>, ClientError> {
        let signer = self.level.signer();
        let domain = &self.inner.domains.clob_auth;
        let ts = now();
        let address = signer.signer_address();
        let digest = domain.digest(&clobkit_core::eip712::ClobAuth {
            address,
            timestamp: &ts.to_string(),
            nonce: U256::from(nonce),
        });
        let sig = signer.sign_hash_async(digest).await?;
        let h = clobkit_core::auth::L1Headers {
            address: address.to_checksum(None),
            signature: sig.to_string(),
            timestamp: ts.to_string(),
            nonce: nonce.to_string(),
        };
        Ok(h.iter().map(|(k, v)| (k, v.to_owned())).collect())
    }

    /// `POST /auth/api-key`: new credentials for `nonce` (default 0).
    pub async fn create_api_key(&self, nonce: Option<u64>) -> Result<ApiCredentials, ClientError> {
        let h = self.l1(nonce.unwrap_or(0)).await?;
        self.inner
            .t
            .call(Method::POST, "/auth/api-key", "", b"", Auth::L1(h))
            .await
    }

    /// `GET /auth/derive-api-key`: the existing credentials for `nonce`.
    pub async fn derive_api_key(&self, nonce: Option<u64>) -> Result<ApiCredentials, ClientError> {
        let h = self.l1(nonce.unwrap_or(0)).await?;
        self.inner
            .t
            .call(Method::GET, "/auth/derive-api-key", "", b"", Auth::L1(h))
            .await
    }

    /// Creates credentials, or derives them when they exist.
    pub async fn create_or_derive_api_key(
        &self,
        nonce: Option<u64>,
    ) -> Result<ApiCredentials, ClientError> {
        match self.create_api_key(nonce).await {
            Ok(c) => Ok(c),
            Err(ClientError::Api { status: 400, .. }) => self.derive_api_key(nonce).await,
            Err(e) => Err(e),
        }
    }
}
