// @nevuamarkets/poly-websockets 1.0.2, unmodified, keeping books from `clobkit serve`'s market
// channel while @polymarket/clob-client-v2 trades: its book cache must equal the REST book.
// The package dials production's URL, which is fixed in its code; the `ws` module it loads is
// given a subclass that dials the local exchange instead (the package's code is untouched).
// Usage: node ts_ws_book.mjs HOST DATA_DIR   (prints "N passed, 0 failed"; exits 1 on the first failure)
import { createRequire } from "node:module";
import { Wallet } from "@ethersproject/wallet";
import { ClobClient, OrderType, Side } from "@polymarket/clob-client-v2";
import { adminOf, check, done } from "./checks.mjs";

const [host, data] = process.argv.slice(2);
const admin = adminOf(host, data);
const COND = `0x${"d7".repeat(32)}`;
const YES = "9701";
const NO = "9702";

// route the package's connections to the local exchange
const require = createRequire(import.meta.url);
const fromPackage = createRequire(require.resolve("@nevuamarkets/poly-websockets"));
const wsPath = fromPackage.resolve("ws");
const WebSocket = fromPackage("ws");
const local = host.replace(/^http/, "ws");
class LocalWebSocket extends WebSocket {
  constructor(url, ...rest) {
    super(String(url).replace("wss://ws-subscriptions-clob.polymarket.com", local), ...rest);
  }
}
require.cache[wsPath].exports = LocalWebSocket;
const { WSSubscriptionManager } = require("@nevuamarkets/poly-websockets");

async function client(key) {
  const signer = new Wallet(key);
  const l1 = new ClobClient({ host, chain: 137, signer });
  const creds = await l1.createOrDeriveApiKey();
  return new ClobClient({ host, chain: 137, signer, creds, signatureType: 0, funderAddress: signer.address });
}

await admin("markets", { condition_id: COND, tokens: [YES, NO] });
// Hardhat test accounts #5 and #6
const a = await client("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba");
const b = await client("0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e");
for (const c of [a, b]) {
  await admin("fund", { address: await c.signer.getAddress(), amount: "1000" });
}
await admin("split", { address: await a.signer.getAddress(), market: COND, amount: "200" });

const seen = { book: 0, price_change: 0, last_trade_price: 0, closed: [] };
const manager = new WSSubscriptionManager(
  {
    onBook: async (events) => { seen.book += events.length; },
    onPriceChange: async (events) => { seen.price_change += events.length; },
    onLastTradePrice: async (events) => { seen.last_trade_price += events.length; },
    onWSClose: async (_id, code, reason) => { seen.closed.push([code, String(reason)]); },
    onError: async (err) => { console.log(`poly-websockets error: ${err}`); },
  },
  { pendingFlushIntervalMs: 50 },
);
await manager.addSubscriptions([YES, NO]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (let i = 0; i < 100 && seen.book < 2; i++) await sleep(50);
check(seen.book >= 2, `a book per asset on subscribe: ${JSON.stringify(seen)}`);

// resting asks and bids on both tokens, a crossing order, a cancel
const ids = [];
for (const [c, token, side, price, size] of [
  [a, YES, Side.SELL, 0.6, 20], [a, YES, Side.SELL, 0.62, 10], [b, YES, Side.BUY, 0.4, 15],
  [b, NO, Side.BUY, 0.3, 10], [a, NO, Side.SELL, 0.45, 10], [b, YES, Side.BUY, 0.61, 25],
]) {
  const r = await c.createAndPostOrder({ tokenID: token, price, size, side }, undefined, OrderType.GTC);
  check(r.success === true, `order ${side} ${size} ${token} @ ${price}: ${JSON.stringify(r)}`);
  ids.push([c, r.orderID]);
}
const cancelled = await ids[2][0].cancelOrder({ orderID: ids[2][1] });
check(cancelled.canceled.length === 1, `cancel: ${JSON.stringify(cancelled)}`);
await sleep(600);

check(seen.price_change > 0 && seen.last_trade_price > 0, `price changes and trades streamed: ${JSON.stringify(seen)}`);
const cache = manager.bookCache;
const levels = (ls) => ls.map((l) => `${Number(l.price)}x${Number(l.size)}`).join(",");
for (const token of [YES, NO]) {
  const rest = await (await fetch(`${host}/book?token_id=${token}`)).json();
  const mine = cache.getBookEntry(token);
  check(mine !== null, `poly-websockets keeps a book for ${token}`);
  check(levels(mine.bids) === levels(rest.bids) && levels(mine.asks) === levels(rest.asks),
    `poly-websockets' book for ${token} equals REST: ws bids ${levels(mine.bids)} asks ${levels(mine.asks)}; REST bids ${levels(rest.bids)} asks ${levels(rest.asks)}`);
}
check(seen.closed.length === 0, `the connection stayed open: ${JSON.stringify(seen.closed)}`);
await manager.clearState();
done();
process.exit(0);
