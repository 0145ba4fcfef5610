// Shared set-up of the examples (included with `include!`): the client of the seed's examples,
// configured from the environment like the official clients.
//
// Run an exchange first:  cargo run --release -- serve --seed examples/markets.toml
// Defaults: CLOB_HOST=http://127.0.0.1:8080, PRIVATE_KEY = the public Hardhat #0 test key
// (funded by the sample seed), TOKEN_ID=1001 (a market of the sample seed).

use clobkit_client::{ClientError, ClobClient, L2};
use clobkit_core::signer::LocalSigner;
use clobkit_core::types::{SignatureType, TokenId};

#[allow(dead_code)]
const TEST_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

#[allow(dead_code)]
fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[allow(dead_code)]
fn token() -> Result<TokenId, ClientError> {
    let raw = env("TOKEN_ID", "1001");
    raw.parse()
        .map_err(|e| ClientError::Validation(format!("TOKEN_ID {raw:?}: {e}")))
}

/// Client initialization (the seed's first example): host, chain, signer, signature type,
/// funder, and API credentials (given, or created/derived with the signer).
#[allow(dead_code)]
async fn client() -> Result<ClobClient<L2<LocalSigner>>, ClientError> {
    let signer = LocalSigner::from_hex(&env("PRIVATE_KEY", TEST_KEY))?;
    let sig_type: SignatureType = env("SIGNATURE_TYPE", "0").parse().map_err(|e| ClientError::Validation(format!("{e}")))?;
    let mut builder = ClobClient::builder(env("CLOB_HOST", "http://127.0.0.1:8080")).signature_type(sig_type);
    if let Ok(f) = std::env::var("FUNDER_ADDRESS") {
        builder = builder.funder(f.parse().map_err(|e| ClientError::Validation(format!("FUNDER_ADDRESS: {e}")))?);
    }
    let l1 = builder.build()?.with_signer(signer)?;
    let creds = match (std::env::var("API_KEY"), std::env::var("SECRET"), std::env::var("PASSPHRASE")) {
        (Ok(k), Ok(s), Ok(p)) => clobkit_core::auth::ApiCredentials {
            api_key: clobkit_core::types::ApiKey::new(k).map_err(|e| ClientError::Validation(e.to_string()))?,
            secret: s,
            passphrase: p,
        },
        _ => l1.create_or_derive_api_key(None).await?,
    };
    l1.with_credentials(creds)
}
