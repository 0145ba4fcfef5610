//! The test vectors of `shared/reference/protocol.md` §8.3–§8.4 (order signing end to end),
//! reproduced there with the official Python and TypeScript clients.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clobkit_core::amounts::limit_amounts;
use clobkit_core::auth::{ApiCredentials, L2Auth};
use clobkit_core::chain::{AmoyNegRisk, Chain};
use clobkit_core::eip712::ExchangeDomain;
use clobkit_core::order::{Order, OrderVersion, SignedOrder};
use clobkit_core::signer::{LocalSigner, Signer};
use clobkit_core::types::{ApiKey, OrderType, Side, SignatureType, TickSize, TokenId};
use clobkit_core::verify::{SignatureError, verify_order};
use clobkit_core::wallet::WalletFactories;
use clobkit_core::wire::PostOrder;
use clobkit_core::{Address, Decimal, U256};

const HARDHAT0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const TOKEN: &str = "71321045679252212594626385532706912750332728571942532289631379312455583992563";

fn signer() -> LocalSigner {
    LocalSigner::from_hex(HARDHAT0).unwrap()
}

fn addr(s: &str) -> Address {
    s.parse().unwrap()
}

/// §8.3: py-order-utils' own test order under five verifying contracts.
#[test]
fn py_order_utils_vectors() {
    let s = signer();
    let order = Order {
        salt: U256::from(479249096354u64),
        maker: s.address(),
        signer: s.address(),
        token_id: TokenId::from(1234),
        maker_amount: U256::from(100000000u64),
        taker_amount: U256::from(50000000u64),
        expiration: U256::ZERO,
        side: Side::Buy,
        signature_type: SignatureType::Eoa,
        version: OrderVersion::V1 {
            taker: Address::ZERO,
            nonce: U256::ZERO,
            fee_rate_bps: U256::from(100u64),
        },
    };
    let rows = [
        (
            80002,
            "0xdFE02Eb6733538f8Ea35D585af8DE5958AD99E40",
            "0x44b180a7e548e2d916b5410176db13a07744966f9b6c93c4bccdabebbcdfca93",
            "0x02ca1d1aa31103804173ad1acd70066cb6c1258a4be6dada055111f9a7ea4e55",
            "0x302cd9abd0b5fcaa202a344437ec0b6660da984e24ae9ad915a592a90facf5a51bb8a873cd8d270f070217fea1986531d5eec66f1162a81f66e026db653bf7ce1c",
        ),
        (
            80002,
            "0xC5d563A36AE78145C45a50134d48A1215220f80a",
            "0x9fa10822e4b86fd1eed68ea1c2628e0ee9a6c523cb2570592768432cfdb09bf1",
            "0xf15790d3edc4b5aed427b0b543a9206fcf4b1a13dfed016d33bfb313076263b8",
            "0x1b3646ef347e5bd144c65bd3357ba19c12c12abaeedae733cf8579bc51a2752c0454c3bc6b236957e393637982c769b8dc0706c0f5c399983d933850afd1cbcd1c",
        ),
        (
            80002,
            "0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296",
            "0x99482d105ff5a1b784f0ecde2173e4bacb02bed0a14e76c5c484649367f8528f",
            "0xe9b34ee0e5fea40ab21881a33367783bb4ac955efb4a711bc3a41743c7ae7e68",
            "0x09cf08886c5c5724fe21587527fe5d5c63724fe33bc28df0dc786b45377ebff275ce0f071fa17fcfe9360699de179f6d2bf6b0f3e0589ebc605e047de2bee9431b",
        ),
        (
            137,
            "0x4bFb41d5B3570DeFd03C39a9A4D8dE6Bd8B8982E",
            "0x1a573e3617c78403b5b4b892827992f027b03d4eaf570048b8ee8cdd84d151be",
            "0x46c2dec73dae47e86b5d589c084e6c54858d8f988db390421c8ec3a361fb78a2",
            "0x6435b08e46470f66939b330ab21e67f599857708cfbcc084d60738369f53b813595926e177af917b73378f6b3c6ee854ff18037a26f2869b98a483089f60bea71b",
        ),
        (
            137,
            "0xC5d563A36AE78145C45a50134d48A1215220f80a",
            "0x82cb6aa85babb812f4b521a12b10f0cbc68d2b44be7bc02c047004f544adb49f",
            "0xd9a5ac502d5ebb63a3afdcaf8ecd0fd85d49c7b6d05589fa35f0bff0fc5c86a3",
            "0x79e74485db6836e1c55d5fadf951021011cae6a49b4bf298781dd8942099774e26e91ac7f61d310f78ec0960e06a38ce898b078dd844cf3038da7a7061fafedb1c",
        ),
    ];
    for (chain, contract, separator, id, sig) in rows {
        let domain = ExchangeDomain::new(chain, addr(contract));
        assert_eq!(format!("{:#x}", domain.separator()), separator);
        let signed = order.sign(&domain, &s).unwrap();
        assert_eq!(signed.id(&domain).to_string(), id);
        assert_eq!(signed.signature.to_string(), sig);
        let chain = Chain::from_id(chain).unwrap();
        assert_eq!(
            verify_order(&signed, &domain, &WalletFactories::of(chain))
                .map(|v| v.id.to_string())
                .as_deref(),
            Ok(id)
        );
    }
    // Chain contracts resolve to the same separators.
    assert_eq!(
        ExchangeDomain::for_market(
            Chain::Amoy,
            &Chain::Amoy.contracts_with(AmoyNegRisk::PythonAdapter),
            true
        )
        .verifying_contract(),
        addr("0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296")
    );
}

/// The TypeScript client's hash-only vector.
#[test]
fn ts_hash_vector() {
    let order = Order {
        salt: U256::from(1u64),
        maker: addr("0x1111111111111111111111111111111111111111"),
        signer: addr("0x1111111111111111111111111111111111111111"),
        token_id: TokenId::from(101),
        maker_amount: U256::from(1000000u64),
        taker_amount: U256::from(2000000u64),
        expiration: U256::ZERO,
        side: Side::Buy,
        signature_type: SignatureType::Eoa,
        version: OrderVersion::V1 {
            taker: Address::ZERO,
            nonce: U256::from(2u64),
            fee_rate_bps: U256::ZERO,
        },
    };
    let domain = ExchangeDomain::new(137, addr("0x0000000000000000000000000000000000000001"));
    assert_eq!(
        domain.order_id(&order).to_string(),
        "0xeb162c6cc7aa28ad096a7c40fb9556d41fa1730d71103ba7103589ae1f18d942"
    );
}

/// §8.4: a limit BUY built from (price, size, tick) with both clients, and its HMAC'd body.
#[test]
fn end_to_end_limit_buy() {
    let s = signer();
    let amounts = limit_amounts(
        Side::Buy,
        Decimal::new(5, 1),
        Decimal::from(100),
        TickSize::Hundredth,
    )
    .unwrap();
    assert_eq!((amounts.maker, amounts.taker), (50000000, 100000000));
    let token: TokenId = TOKEN.parse().unwrap();
    let order = Order::new(
        1234567890,
        s.address(),
        s.address(),
        token,
        amounts,
        SignatureType::Eoa,
    );
    assert_eq!(
        format!("{:#x}", order.struct_hash()),
        "0x1721955868a880893c6881eec8760862228d619aa2190c4b463e728f2367a81a"
    );
    let domain = ExchangeDomain::for_market(Chain::Polygon, &Chain::Polygon.contracts(), false);
    let signed = order.sign(&domain, &s).unwrap();
    assert_eq!(
        signed.id(&domain).to_string(),
        "0xab4e69efe3068f9ba4fe0070599c64e484119777062f96d2b255bf1ea3d38d25"
    );
    assert_eq!(
        signed.signature.to_string(),
        "0xbba9a905384fd5f81c7e128fec7dfdf05078fde7e116c00005ac01a4174fd2da36b0f62b250c8e2503f74aab1b2341cebc70c298147005ae583dcd3039f076d81c"
    );

    let body = PostOrder {
        order: signed,
        owner: ApiKey::new("00000000-0000-0000-0000-000000000000").unwrap(),
        order_type: OrderType::Gtc,
        post_only: false,
        defer_exec: None,
    };
    let bytes = serde_json::to_vec(&body).unwrap();
    let creds = ApiCredentials {
        api_key: body.owner.clone(),
        secret: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
        passphrase: "a".repeat(64),
    };
    let l2 = L2Auth::new(creds, s.address()).unwrap();
    // The Python client's exact body and HMAC.
    assert_eq!(
        l2.signature("1700000000", "POST", "/order", &bytes),
        "OgCSFxiXryhb_7fIS3Xy3bLOAqsRL3nWkl_aEq1QOHM="
    );
    let back: PostOrder = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(back, body);
}

/// §8.4: the neg-risk SELL.
#[test]
fn end_to_end_neg_risk_sell() {
    let s = signer();
    let amounts = limit_amounts(
        Side::Sell,
        "0.52".parse().unwrap(),
        "21.04".parse().unwrap(),
        TickSize::Hundredth,
    )
    .unwrap();
    assert_eq!((amounts.maker, amounts.taker), (21040000, 10940800));
    let order = Order::new(
        987654321,
        s.address(),
        s.address(),
        TOKEN.parse().unwrap(),
        amounts,
        SignatureType::Eoa,
    )
    .with_expiration(1735689600);
    assert_eq!(
        format!("{:#x}", order.struct_hash()),
        "0x69ef1fe6f343b806d8bf9a23a32e21a1ab9d61ed04d94e9576a205c057f7f298"
    );
    let domain = ExchangeDomain::for_market(Chain::Polygon, &Chain::Polygon.contracts(), true);
    let signed = order.sign(&domain, &s).unwrap();
    assert_eq!(
        signed.id(&domain).to_string(),
        "0xa94b35d88b50de4515a62bd37ecd8191782624aa72f7e5f5b9de78f152eea258"
    );
    assert_eq!(
        signed.signature.to_string(),
        "0x58b9afe601ad5fc120b24ba384e714c59c60c4a9147421dd5f460f6bc81b9ab038a5704c6159926ea54614615ee6fe399b3d84add2b54888a3eb48065f5ca4b91b"
    );
}

/// The maker/signer rule of each signature type, and tampering.
#[test]
fn signature_type_rules() {
    let s = signer();
    let f = WalletFactories::of(Chain::Polygon);
    let domain = ExchangeDomain::for_market(Chain::Polygon, &Chain::Polygon.contracts(), false);
    let amounts = limit_amounts(
        Side::Buy,
        "0.5".parse().unwrap(),
        "10".parse().unwrap(),
        TickSize::Hundredth,
    )
    .unwrap();
    let token = TokenId::from(7);
    let proxy = f.proxy_wallet(s.address()).unwrap();
    let safe = f.safe_wallet(s.address());
    for (ty, maker, ok) in [
        (SignatureType::Eoa, s.address(), true),
        (SignatureType::Eoa, proxy, false),
        (SignatureType::PolyProxy, proxy, true),
        (SignatureType::PolyProxy, safe, false),
        (SignatureType::PolyGnosisSafe, safe, true),
        (SignatureType::PolyGnosisSafe, s.address(), false),
    ] {
        let signed = Order::new(1, maker, s.address(), token, amounts, ty)
            .sign(&domain, &s)
            .unwrap();
        let r = verify_order(&signed, &domain, &f);
        assert_eq!(r.is_ok(), ok, "{ty} maker {maker}: {r:?}");
        if !ok {
            assert!(matches!(r, Err(SignatureError::MakerMismatch { .. })));
        }
    }
    // On Amoy there is no proxy factory.
    let amoy = WalletFactories::of(Chain::Amoy);
    let signed = Order::new(
        1,
        proxy,
        s.address(),
        token,
        amounts,
        SignatureType::PolyProxy,
    )
    .sign(&domain, &s)
    .unwrap();
    assert_eq!(
        verify_order(&signed, &domain, &amoy),
        Err(SignatureError::NoProxyFactory)
    );

    // Any change to a signed field breaks the signature.
    let good = Order::new(
        1,
        s.address(),
        s.address(),
        token,
        amounts,
        SignatureType::Eoa,
    )
    .sign(&domain, &s)
    .unwrap();
    let mut tampered: SignedOrder = good;
    tampered.order.taker_amount += U256::from(1u64);
    assert!(matches!(
        verify_order(&tampered, &domain, &f),
        Err(SignatureError::WrongSigner { .. })
    ));
    // Signed for the other exchange.
    let neg = ExchangeDomain::for_market(Chain::Polygon, &Chain::Polygon.contracts(), true);
    assert!(verify_order(&good, &neg, &f).is_err());
    // A high-s twin of a valid signature is refused (malleability).
    let mut high = good;
    let n: [u8; 32] = U256::from_str_radix(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
        16,
    )
    .unwrap()
    .to_be_bytes();
    let s_val = U256::from_be_slice(good.signature.ecdsa().s());
    let flipped = U256::from_be_bytes(n) - s_val;
    let mut raw = *good.signature.ecdsa();
    raw.0[32..64].copy_from_slice(&flipped.to_be_bytes::<32>());
    raw.0[64] ^= 1 ^ (27 ^ 28) ^ 1; // flip v between 27 and 28
    high.signature = raw.into();
    assert_eq!(verify_order(&high, &domain, &f), Err(SignatureError::HighS));
    // Signing with a key that is not the order's signer is refused before signing.
    let other = LocalSigner::from_hex(&"11".repeat(32)).unwrap();
    assert!(
        Order::new(
            1,
            s.address(),
            s.address(),
            token,
            amounts,
            SignatureType::Eoa
        )
        .sign(&domain, &other)
        .is_err()
    );
}
