// The TypeScript half of generate.py: computes every case with the official
// @polymarket/clob-client (5.8.1) and @polymarket/builder-relayer-client (0.0.10).
// Usage: node gen_ts.mjs cases.json > results.json
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { polygon, polygonAmoy } from "viem/chains";

const dist = "@polymarket/clob-client/dist";
const { buildClobEip712Signature } = await import(`${dist}/signing/eip712.js`);
const { buildPolyHmacSignature } = await import(`${dist}/signing/hmac.js`);
const helpers = await import(`${dist}/order-builder/helpers.js`);
const { ExchangeOrderBuilder } = await import(`${dist}/order-utils/index.js`);
const { getContractConfig } = await import(`${dist}/config.js`);
const { generateOrderBookSummaryHash, orderToJson } = await import(`${dist}/utilities.js`);
const require = createRequire(import.meta.url);
const relayer = require("@polymarket/builder-relayer-client/dist/builder/derive.js");
const { parseUnits } = await import("viem");

const PROXY_FACTORY = "0xaB45c5A4B0c941a2F231C04C3f49182e1A254052";
const SAFE_FACTORY = "0xaacFeEa03eb1561C4e67d661e40682Bd20E3541b";

const wallets = new Map();
function wallet(key, chain) {
  const id = `${key}:${chain}`;
  if (!wallets.has(id)) {
    // A local account signs locally; the transport is never used.
    wallets.set(id, createWalletClient({
      account: privateKeyToAccount(key),
      chain: chain === 137 ? polygon : polygonAmoy,
      transport: http("http://127.0.0.1:9"),
    }));
  }
  return wallets.get(id);
}

async function attempt(f) {
  try {
    return await f();
  } catch (e) {
    return { error: String(e && e.message ? e.message : e) };
  }
}

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = {};

out.l1 = [];
for (const c of cases.l1) {
  out.l1.push(await buildClobEip712Signature(wallet(c.key, c.chain), c.chain, c.timestamp, BigInt(c.nonce)));
}

out.l2 = [];
for (const c of cases.l2) {
  out.l2.push(await buildPolyHmacSignature(c.secret, c.timestamp, c.method, c.path, c.body === null ? undefined : c.body));
}

out.orders = [];
for (const c of cases.orders) {
  const w = wallet(c.key, c.chain);
  const signer = w.account.address;
  const maker = c.sig_type === 0 ? signer : c.funder;
  const user = {
    tokenID: c.token_id, price: Number.parseFloat(c.price), size: Number.parseFloat(c.size), side: c.side,
    feeRateBps: c.fee_rate_bps, nonce: c.nonce, expiration: c.expiration,
  };
  // The same steps as createOrder, with the salt fixed.
  const data = await helpers.buildOrderCreationArgs(signer, maker, c.sig_type, user, helpers.ROUNDING_CONFIG[c.tick]);
  const cfg = getContractConfig(c.chain);
  const exchange = c.neg_risk ? cfg.negRiskExchange : cfg.exchange;
  const builder = new ExchangeOrderBuilder(exchange, c.chain, w, () => String(c.salt));
  const signed = await builder.buildSignedOrder(data);
  const orderId = builder.buildOrderHash(builder.buildOrderTypedData(signed));
  const body = JSON.stringify(orderToJson(signed, "00000000-0000-0000-0000-000000000000", c.order_type, false, false));
  out.orders.push({ exchange, order_id: orderId, signature: signed.signature, body });
}

out.amounts = [];
for (const c of cases.amounts) {
  out.amounts.push(await attempt(() => {
    const cfg = helpers.ROUNDING_CONFIG[c.tick];
    const f = c.kind === "limit" ? helpers.getOrderRawAmounts : helpers.getMarketOrderRawAmounts;
    const r = f(c.side, Number.parseFloat(c.size), Number.parseFloat(c.price), cfg);
    return {
      maker: parseUnits(r.rawMakerAmt.toString(), 6).toString(),
      taker: parseUnits(r.rawTakerAmt.toString(), 6).toString(),
    };
  }));
}

out.walks = [];
for (const c of cases.walks) {
  out.walks.push(await attempt(() => {
    const f = c.side === "BUY" ? helpers.calculateBuyMarketPrice : helpers.calculateSellMarketPrice;
    return { price: String(f(c.levels, Number.parseFloat(c.amount), c.order_type)) };
  }));
}

out.books = [];
for (const c of cases.books) {
  // Keys in the Go server's order, as a server sends them.
  const book = {
    market: c.market, asset_id: c.asset_id, timestamp: c.timestamp, hash: "", bids: c.bids, asks: c.asks,
    min_order_size: c.min_order_size, tick_size: c.tick_size, neg_risk: c.neg_risk,
    last_trade_price: c.last_trade_price,
  };
  out.books.push(await generateOrderBookSummaryHash(book));
}

out.wallets = cases.wallets.map((c) => ({
  proxy: relayer.deriveProxyWallet(c.eoa, PROXY_FACTORY),
  safe: relayer.deriveSafe(c.eoa, SAFE_FACTORY),
}));

process.stdout.write(JSON.stringify(out));
