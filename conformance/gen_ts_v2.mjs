// The TypeScript half of generate_v2.py: every case with the official
// @polymarket/clob-client-v2 (1.1.0), unmodified, offline: its exported OrderBuilder (V2 orders,
// and V1 orders as the V2 client builds them when /version answers 1), orderToJsonV2/V1, and the
// L1/L2 header functions. The client's clock and salt source are fixed per case by replacing
// Date.now and Math.random (its salt is Math.round(Math.random() × Date.now()), so a case's salt
// here is the Python case's salt modulo its timestamp: the only salts TypeScript can produce).
// Usage: node gen_ts_v2.mjs cases.json > results.json
import { readFileSync } from "node:fs";
import { Wallet } from "@ethersproject/wallet";
import {
  OrderBuilder, Side, createL1Headers, createL2Headers, orderToJsonV1, orderToJsonV2,
} from "@polymarket/clob-client-v2";

const OWNER = "000000000-0000-0000-0000-000000000000";
// the book-walk helpers are not in the package's exports map: imported by file
const helper = (name) => import(new URL(`./node_modules/@polymarket/clob-client-v2/dist/order-builder/helpers/${name}.js`, import.meta.url));
const { calculateBuyMarketPrice } = await helper("calculateBuyMarketPrice");
const { calculateSellMarketPrice } = await helper("calculateSellMarketPrice");
const { generateOrderBookSummaryHash } = await import(new URL("./node_modules/@polymarket/clob-client-v2/dist/utilities.js", import.meta.url));
const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const realNow = Date.now;
const realRandom = Math.random;

function fixClock(timestampMs, salt) {
  Date.now = () => timestampMs;
  Math.random = () => salt / timestampMs;
}
function restoreClock() {
  Date.now = realNow;
  Math.random = realRandom;
}

/** The salt TypeScript signs for a case: the Python salt brought below the timestamp. */
function tsSalt(c) {
  return (c.salt % c.timestamp) || 1;
}

async function attempt(f) {
  try {
    return await f();
  } catch (e) {
    return { error: String(e && e.message ? e.message : e) };
  } finally {
    restoreClock();
  }
}

async function order(c, version) {
  fixClock(c.timestamp, tsSalt(c));
  const wallet = new Wallet(c.private_key);
  const ob = new OrderBuilder(wallet, c.chain, c.sig_type, c.funder);
  const opts = { tickSize: c.tick, negRisk: c.neg_risk };
  const side = c.side === "BUY" ? Side.BUY : Side.SELL;
  let signed;
  if (c.kind === "limit") {
    const args = { tokenID: c.token, price: Number(c.price), size: Number(c.size), side, expiration: c.expiration };
    if (version === 2) Object.assign(args, { builderCode: c.builder, metadata: c.metadata });
    else Object.assign(args, { feeRateBps: c.fee_rate_bps, nonce: c.nonce });
    signed = await ob.buildOrder(args, opts, version);
  } else {
    const args = { tokenID: c.token, amount: Number(c.size), side, price: Number(c.price), orderType: c.order_type };
    if (version === 2) Object.assign(args, { builderCode: c.builder, metadata: c.metadata });
    else Object.assign(args, { feeRateBps: c.fee_rate_bps, nonce: c.nonce });
    signed = await ob.buildMarketOrder(args, opts, version);
  }
  const body = version === 2 ? orderToJsonV2(signed, OWNER, c.order_type) : orderToJsonV1(signed, OWNER, c.order_type);
  return { salt: String(tsSalt(c)), maker_amount: signed.makerAmount, taker_amount: signed.takerAmount,
           signature: signed.signature, body: JSON.stringify(body) };
}

const out = { orders: [], v1_orders: [], l1: [], l2: [], walks: [], books: [] };
for (const c of cases.books) {
  // the keys in the order the exchange sends them
  const book = {
    market: c.market, asset_id: c.asset_id, timestamp: c.timestamp, hash: "", bids: c.bids, asks: c.asks,
    min_order_size: c.min_order_size, tick_size: c.tick_size, neg_risk: c.neg_risk,
    last_trade_price: c.last_trade_price,
  };
  out.books.push(await attempt(() => generateOrderBookSummaryHash(book)));
}
for (const c of cases.walks) {
  out.walks.push(await attempt(() => {
    const f = c.side === "BUY" ? calculateBuyMarketPrice : calculateSellMarketPrice;
    return { price: String(f(c.levels, Number.parseFloat(c.amount), c.order_type)) };
  }));
}
for (const c of cases.orders) out.orders.push(await attempt(() => order(c, 2)));
for (const c of cases.v1_orders) out.v1_orders.push(await attempt(() => order(c, 1)));
for (const c of cases.l1) {
  out.l1.push(await attempt(() => createL1Headers(new Wallet(c.private_key), c.chain, c.nonce, c.timestamp)));
}
for (const c of cases.l2) {
  const creds = { key: c.api_key, secret: c.secret, passphrase: c.passphrase };
  const args = { method: c.method, requestPath: c.path, body: c.body === null ? undefined : c.body };
  out.l2.push(await attempt(() => createL2Headers(new Wallet(c.private_key), creds, args, c.timestamp)));
}
process.stdout.write(JSON.stringify(out));
