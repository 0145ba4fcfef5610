// The official V2 TypeScript client (@polymarket/clob-client-v2 1.1.0), unmodified, against
// `clobkit serve --protocol v2`.
// Usage: node ts_v2_flow.mjs HOST DATA_DIR   (prints "N passed, 0 failed"; exits 1 on the first failure)
import { createRequire } from "node:module";
import { Wallet } from "@ethersproject/wallet";
import { AssetType, ClobClient, OrderType, Side } from "@polymarket/clob-client-v2";
import { adminOf, check, done } from "./checks.mjs";

// the CREATE2 proxy and Safe of an EOA, as Polymarket's relayer client derives them
const relayer = createRequire(import.meta.url)("@polymarket/builder-relayer-client/dist/builder/derive.js");
const PROXY_FACTORY = "0xaB45c5A4B0c941a2F231C04C3f49182e1A254052";
const SAFE_FACTORY = "0xaacFeEa03eb1561C4e67d661e40682Bd20E3541b";

const [host, data] = process.argv.slice(2);
const admin = adminOf(host, data);
const COND = `0x${"c9".repeat(32)}`; // tick 0.0025, 5% platform fee at exponent 2, makers pay too
const YES = "901";
const NO = "902";

// A client for `key` trading through the wallet of `signatureType` (0 EOA, 1 proxy, 2 Safe,
// 3 the deposit wallet `wallet`).
async function client(key, signatureType = 0, wallet = undefined) {
  const signer = new Wallet(key);
  const l1 = new ClobClient({ host, chain: 137, signer });
  const creds = await l1.createOrDeriveApiKey();
  check(typeof creds.key === "string" && creds.key.length > 0, "createOrDeriveApiKey returns credentials");
  const address = [signer.address, relayer.deriveProxyWallet(signer.address, PROXY_FACTORY),
    relayer.deriveSafe(signer.address, SAFE_FACTORY), wallet][signatureType];
  const c = new ClobClient({ host, chain: 137, signer, creds, signatureType, funderAddress: address });
  return { c, address };
}

await admin("markets", {
  condition_id: COND, tokens: [YES, NO], tick_size: "0.0025",
  platform_fee: { rate: "0.05", exponent: 2, taker_only: false },
});
// Hardhat test accounts #3 and #4
const a = await client("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6");
const b = await client("0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a");
await admin("fund", { address: a.address, amount: "1000" });
await admin("fund", { address: b.address, amount: "1000" });
await admin("split", { address: a.address, market: COND, amount: "100" });

check((await a.c.getVersion()) === 2, "GET /version is 2");
check((await a.c.getTickSize(YES)) === "0.0025", "the V2 tick 0.0025");

// a V2 SELL on the 0.0025 tick rests; a BUY above it fills at the maker's price
let r = await a.c.createAndPostOrder({ tokenID: YES, price: 0.5025, size: 20, side: Side.SELL }, undefined, OrderType.GTC);
check(r.success === true && r.status === "live", `V2 SELL rests: ${JSON.stringify(r)}`);
const askId = r.orderID;
r = await b.c.createAndPostOrder({ tokenID: YES, price: 0.51, size: 8, side: Side.BUY }, undefined, OrderType.GTC);
check(r.status === "matched" && r.makingAmount === "4.02" && r.takingAmount === "8", `V2 BUY 8 @0.51 fills at 0.5025: ${JSON.stringify(r)}`);

// a market BUY with the client's own book walk (it reads /markets-by-token and /clob-markets)
r = await b.c.createAndPostMarketOrder({ tokenID: YES, amount: 2, side: Side.BUY }, undefined, OrderType.FAK);
check(r.success === true && r.status === "matched", `V2 market BUY fills: ${JSON.stringify(r)}`);
const held = await b.c.getBalanceAllowance({ asset_type: AssetType.CONDITIONAL, token_id: YES });
// 8 shares, then $2 at 0.5025 buys 3.98 shares (whole lots of 0.01)
check(held.balance === "11980000", `the buyer holds 11.98 shares: ${JSON.stringify(held)}`);

const open = await a.c.getOpenOrders({ market: COND });
check(open.length === 1 && open[0].id === askId && open[0].size_matched === "11.98", `the ask is 11.98 filled: ${JSON.stringify(open)}`);
const trades = await b.c.getTrades({ market: COND });
check(trades.length === 2, `the buyer's two trades: ${trades.length}`);
// each side of each fill pays 0.05 × (0.5025 × 0.4975)² per share, floored to 5 decimals: the
// buyer on top of its price, the seller out of its proceeds (8 shares: $0.02499; 3.98: $0.01243)
const paid = await b.c.getBalanceAllowance({ asset_type: AssetType.COLLATERAL });
check(paid.balance === String(1_000_000_000 - 4_020_000 - 24_990 - 1_999_950 - 12_430), `the buyer paid price + fees: ${JSON.stringify(paid)}`);
const got = await a.c.getBalanceAllowance({ asset_type: AssetType.COLLATERAL });
check(got.balance === String(900_000_000 + 4_020_000 - 24_990 + 1_999_950 - 12_430), `the seller received price − fees: ${JSON.stringify(got)}`);

// a price between two ticks, which the client signs, is refused by the exchange
r = await a.c.createAndPostOrder({ tokenID: YES, price: 0.501, size: 10, side: Side.SELL }, undefined, OrderType.GTC);
check(r.error && String(r.error).includes("breaks minimum tick size rule"), `0.501 on a 0.0025 tick is refused: ${JSON.stringify(r)}`);

// a proxy wallet and a Safe (Hardhat #10 and #11) trade through the same client
let c;
const px = await client("0xf214f2b2cd398c806f84e317254e0f0b801d0643303237d97a22a48e01628897", 1);
const sf = await client("0x701b615bbdfb9de65240bc28bd21bbc0d996645a3dd57e7b12bc2bdf6f192c82", 2);
await admin("fund", { address: px.address, amount: "100" });
await admin("fund", { address: sf.address, amount: "100" });
r = await px.c.createAndPostOrder({ tokenID: YES, price: 0.5025, size: 5, side: Side.BUY }, undefined, OrderType.GTC);
check(r.status === "matched", `a POLY_PROXY BUY fills: ${JSON.stringify(r)}`);
const pxHeld = await px.c.getBalanceAllowance({ asset_type: AssetType.CONDITIONAL, token_id: YES });
check(pxHeld.balance === "5000000", `the proxy wallet holds the shares: ${JSON.stringify(pxHeld)}`);
const bids = [];
for (const price of [0.3, 0.31, 0.32, 0.33]) {
  r = await sf.c.createAndPostOrder({ tokenID: YES, price, size: 5, side: Side.BUY }, undefined, OrderType.GTC);
  check(r.status === "live", `a POLY_GNOSIS_SAFE bid rests: ${JSON.stringify(r)}`);
  bids.push(r.orderID);
}

// a deposit wallet (POLY_1271, Hardhat #12 its owner): the client wraps the owner's signature
const DEPOSIT = "0x" + "d2".repeat(20);
const ownerKey = "0xa267530f49f8280200edf313ee7af6b827f2a8bce2897751d06a843f644967b1";
const dw = await client(ownerKey, 3, DEPOSIT);
await admin("fund", { address: DEPOSIT, amount: "50" });
await admin("deposit-wallets", { wallet: DEPOSIT, owner: new Wallet(ownerKey).address });
r = await dw.c.createAndPostOrder({ tokenID: YES, price: 0.2, size: 10, side: Side.BUY }, undefined, OrderType.GTC);
check(r.success === true && r.status === "live", `a POLY_1271 order from the TypeScript client rests: ${JSON.stringify(r)}`);
const dwOrder = await dw.c.getOrder(r.orderID);
check(dwOrder.maker_address.toLowerCase() === DEPOSIT, `its maker is the deposit wallet: ${JSON.stringify(dwOrder)}`);
c = await dw.c.cancelAll();
check(c.canceled.length === 1, `the deposit wallet's order cancels: ${JSON.stringify(c)}`);

// every cancel route
c = await sf.c.cancelOrder({ orderID: bids[0] });
check(c.canceled.length === 1 && c.canceled[0] === bids[0], `cancelOrder: ${JSON.stringify(c)}`);
c = await sf.c.cancelOrders([bids[1]]);
check(c.canceled.length === 1 && c.canceled[0] === bids[1], `cancelOrders: ${JSON.stringify(c)}`);
c = await sf.c.cancelMarketOrders({ asset_id: YES });
check(c.canceled.length === 2, `cancelMarketOrders: ${JSON.stringify(c)}`);
c = await a.c.cancelAll();
check(c.canceled.length === 1 && c.canceled[0] === askId, `cancel all: ${JSON.stringify(c)}`);
check((await a.c.getOpenOrders({ market: COND })).length === 0, "nothing left open");

done();
