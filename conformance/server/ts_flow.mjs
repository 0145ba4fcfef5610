// The official TypeScript client (@polymarket/clob-client 5.8.1), unmodified, against `clobkit serve`.
// Usage: node ts_flow.mjs HOST DATA_DIR   (prints "N passed, 0 failed"; exits 1 on the first failure)
import { createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { polygon } from "viem/chains";
import { AssetType, ClobClient, OrderType, Side } from "@polymarket/clob-client";
import { adminOf, check, done } from "./checks.mjs";

const [host, data] = process.argv.slice(2);
const admin = adminOf(host, data);
const COND = `0x${"e5".repeat(32)}`;
const YES = "501";
const NO = "502";

async function client(key) {
  const wallet = createWalletClient({ account: privateKeyToAccount(key), chain: polygon, transport: http("http://127.0.0.1:9") });
  const l1 = new ClobClient(host, 137, wallet);
  const creds = await l1.createOrDeriveApiKey();
  check(typeof creds.key === "string" && creds.key.length > 0, "createOrDeriveApiKey returns credentials");
  return { c: new ClobClient(host, 137, wallet, creds), address: wallet.account.address };
}

await admin("markets", { condition_id: COND, tokens: [YES, NO], tick_size: "0.01" });
const a = await client("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6");
const b = await client("0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a");
await admin("fund", { address: a.address, amount: "1000" });
await admin("fund", { address: b.address, amount: "1000" });
await admin("split", { address: a.address, market: COND, amount: "300" });

check((await a.c.getOk()) === "OK", "ok");
check((await a.c.getTickSize(YES)) === "0.01", "tick size");
check((await a.c.getNegRisk(YES)) === false, "neg-risk flag");

// TS posts `deferExec` and orders its keys differently from Python: the exchange does not care
let r = await a.c.createAndPostOrder({ tokenID: YES, price: 0.6, size: 50, side: Side.SELL }, { tickSize: "0.01", negRisk: false }, OrderType.GTC);
check(r.success === true && r.status === "live", `TS limit SELL rests: ${JSON.stringify(r)}`);
const askId = r.orderID;
r = await b.c.createAndPostOrder({ tokenID: YES, price: 0.65, size: 20, side: Side.BUY }, { tickSize: "0.01", negRisk: false }, OrderType.GTC);
check(r.status === "matched" && r.makingAmount === "12" && r.takingAmount === "20", `TS BUY 20 @0.65 fills at 0.60: ${JSON.stringify(r)}`);

const book = await a.c.getOrderBook(YES);
check(book.asks.at(-1).price === "0.6" && book.asks.at(-1).size === "30", "book after the fill");
check((await a.c.getOrderBookHash(book)) === book.hash, "book hash as the TS client computes it");

r = await b.c.createAndPostMarketOrder({ tokenID: YES, amount: 6, side: Side.BUY }, { tickSize: "0.01", negRisk: false }, OrderType.FOK);
check(r.status === "matched" && r.takingAmount === "10", `TS market BUY $6 at 0.60: ${JSON.stringify(r)}`);

const open = await a.c.getOpenOrders();
check(open.length === 1 && open[0].size_matched === "30", `TS open orders: ${JSON.stringify(open)}`);
const order = await a.c.getOrder(askId);
check(order.status === "LIVE" && order.original_size === "50", "TS get order");
const trades = await b.c.getTrades();
check(trades.length === 2 && trades.every((t) => t.trader_side === "TAKER"), `TS trades: ${trades.length}`);
const bal = await b.c.getBalanceAllowance({ asset_type: AssetType.CONDITIONAL, token_id: YES });
check(bal.balance === "30000000", `TS conditional balance: ${JSON.stringify(bal)}`);

r = await a.c.cancelOrder({ orderID: askId });
check(r.canceled.length === 1 && r.canceled[0] === askId, "TS cancel");
r = await a.c.createAndPostOrder({ tokenID: NO, price: 0.2, size: 10, side: Side.BUY }, { tickSize: "0.01", negRisk: false });
r = await a.c.cancelMarketOrders({ asset_id: NO });
check(r.canceled.length === 1, "TS cancel by asset (only the keys it sends)");
r = await a.c.cancelAll();
check(r.canceled.length === 0 && Object.keys(r.not_canceled).length === 0, "TS cancel all on nothing");
const hb = await a.c.postHeartbeat(null);
check(typeof hb.heartbeat_id === "string", "TS heartbeat");
const notes = await a.c.getNotifications();
check(notes.some((n) => n.type === 2) && notes.some((n) => n.type === 1), "TS notifications");
const keys = await a.c.getApiKeys();
check(keys.apiKeys.length === 1, "TS api keys");

done();
