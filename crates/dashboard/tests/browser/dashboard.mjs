// The dashboard in a real browser (Debian's chromium, driven by playwright-core) against a real
// `clobkit serve --simulate`: while the simulator trades, the book ladder and the trade tape on
// the page equal the exchange's REST answers, the charts load, the operator panels show the
// agents, the accounts and the faults, and a screenshot shows all of it.
//
// node dashboard.mjs BASE ADMIN_TOKEN SCREENSHOT.png
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";

const [base, adminToken, shot] = process.argv.slice(2);
if (!base || !adminToken || !shot) {
  console.error("usage: node dashboard.mjs BASE ADMIN_TOKEN SCREENSHOT.png");
  process.exit(2);
}
let passed = 0;
let failed = 0;
function check(name, ok, detail = "") {
  if (ok) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name} ${detail}`);
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const getJson = async (path, init) => {
  const r = await fetch(`${base}${path}`, init);
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
};
/** "0.500" -> "0.5", as the page writes decimals. */
const norm = (s) => {
  s = String(s);
  if (!s.includes(".")) return s;
  s = s.replace(/0+$/, "");
  return s.endsWith(".") ? s.slice(0, -1) : s;
};
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Tries `attempt` until it returns true or `ms` pass; the page and the exchange move while the
 * simulator trades, so each comparison reads the page, then REST, then the page again, and
 * counts only when the page did not change meanwhile.
 */
async function eventually(ms, attempt) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await attempt()) return true;
    await sleep(50);
  }
  return false;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));

  const health = await (await fetch(`${base}/`)).text();
  check("GET / still answers OK beside the dashboard", health.trim() === '"OK"' || health.trim() === "OK", health);

  await page.goto(`${base}/ui/`);
  await page.waitForSelector('#conn[data-state="live"]', { timeout: 15000 });
  check("the page subscribes to the exchange's market channel", true);
  await page.waitForSelector('#ladder[data-ready="true"]', { timeout: 15000 });
  const markets = await page.$$eval("#markets button", (bs) => bs.map((b) => b.dataset.market));
  const restMarkets = (await getJson("/markets")).data.map((m) => m.condition_id);
  check("the market list is the exchange's", same(markets, restMarkets), `${markets} vs ${restMarkets}`);

  const ladder = () => page.evaluate(() => ({
    token: document.querySelector('.tokens button[aria-selected="true"]').dataset.token,
    asks: [...document.querySelectorAll("#asks tr")].map((r) => [r.dataset.price, r.dataset.size]),
    bids: [...document.querySelectorAll("#bids tr")].map((r) => [r.dataset.price, r.dataset.size]),
  }));
  /** The REST book in the page's order: asks worst to best (best next to the spread), bids best first. */
  const restLadder = async (token) => {
    const b = await getJson(`/book?token_id=${token}`);
    const lv = (l) => [norm(l.price), norm(l.size)];
    return { token, asks: b.asks.map(lv), bids: [...b.bids].reverse().map(lv) };
  };
  async function ladderMatchesRest(times) {
    let matches = 0;
    let last = null;
    const ok = await eventually(30000, async () => {
      const before = await ladder();
      const rest = await restLadder(before.token);
      const after = await ladder();
      if (same(before, after) && same(before, rest) && !same(before, last) && rest.asks.length + rest.bids.length > 0) {
        matches++;
        last = before;
      }
      return matches >= times;
    });
    return { ok, matches, last };
  }
  const book = await ladderMatchesRest(3);
  check("the book ladder equals GET /book, three times as the simulator trades", book.ok,
    `matched ${book.matches} times`);

  // the tape: a trade arrives over the channel, and the tape equals the REST trades
  const tape = () => page.$$eval("#tape-rows tr", (rows) =>
    rows.map((r) => [r.dataset.price, r.dataset.size, r.dataset.side, r.dataset.time]));
  const first = await tape();
  const moved = await eventually(30000, async () => {
    const now = await tape();
    return now.length > 0 && !same(now, first);
  });
  check("trades arrive on the tape over the market channel", moved);
  const token = (await ladder()).token;
  let tapeRows = 0;
  const tapeOk = await eventually(30000, async () => {
    const before = await tape();
    const rest = (await getJson(`/ui/api/trades?token_id=${token}&limit=50`))
      .map((t) => [norm(t.price), norm(t.size), t.side, String(t.match_time)]);
    const after = await tape();
    tapeRows = before.length;
    return before.length > 0 && same(before, after) && same(before, rest.slice(0, before.length));
  });
  check("the trade tape equals the exchange's trades, newest first", tapeOk, `${tapeRows} rows`);

  // the charts: SVG drawn by the exchange, loaded by the page
  for (const id of ["depth-chart", "price-chart"]) {
    const shown = await eventually(15000, () => page.$eval(`#${id}`, (d) => d.querySelector("svg") !== null));
    const src = await page.$eval(`#${id}`, (d) => d.dataset.src);
    const svg = src ? await (await fetch(`${base}/ui/${src}`)).text() : "";
    check(`the ${id.replace("-", " ")} is an SVG drawn by the exchange and shown`, shown && svg.startsWith("<svg"), src);
  }

  // the other token: its own book
  const other = await page.$eval('.tokens button[aria-selected="false"]', (b) => b.dataset.token);
  await page.click(`.tokens button[data-token="${other}"]`);
  const otherBook = await ladderMatchesRest(1);
  check("the second token's ladder equals its GET /book", otherBook.ok && otherBook.last?.token === other);
  await page.click(`.tokens button[data-token="${token}"]`);

  // operator panels, behind the admin token
  check("the operator panels stay hidden without the admin token",
    await page.$eval("#admin-body", (d) => d.hidden));
  await page.fill("#admin-token", "not-the-token");
  await page.click("#admin-login button");
  await page.waitForFunction(() => document.querySelector("#admin-error").textContent.includes("401"), null, { timeout: 10000 });
  check("a wrong admin token is refused with the exchange's 401", true);
  await page.fill("#admin-token", adminToken);
  await page.click("#admin-login button");
  await page.waitForSelector("#admin-body:not([hidden])", { timeout: 10000 });
  const auth = { headers: { authorization: `Bearer ${adminToken}` } };
  const sim = (await getJson("/admin/companions", auth)).find((c) => c.name === "simulation");
  await page.waitForFunction((n) => document.querySelectorAll("#agents tbody tr").length === n,
    sim.report.agents.length, { timeout: 10000 });
  const agentNames = await page.$$eval("#agents tbody tr", (rows) => rows.map((r) => r.cells[0].textContent));
  check("the agents panel lists the simulator's agents", same(agentNames, sim.report.agents.map((a) => a.name)));
  const accounts = await getJson("/admin/accounts", auth);
  await page.waitForFunction(() => document.querySelectorAll("#accounts tbody tr").length > 0, null, { timeout: 10000 });
  const shown = await page.$$eval("#accounts tbody tr", (rows) => rows.map((r) => r.dataset.address));
  const agentsShown = sim.report.agents.every((a) => shown.includes(a.address.toLowerCase()));
  check("the accounts panel shows every agent's wallet", agentsShown && shown.length >= accounts.length - 1,
    `${shown.length} shown, ${accounts.length} accounts`);

  // a fault armed from the page is armed on the exchange, and cleared from the page
  await page.selectOption("#fault-kind", "too_early");
  await page.fill("#fault-route", "GET /nothing-uses-this");
  await page.fill("#fault-count", "3");
  await page.click('#fault-form button[type="submit"]');
  await page.waitForFunction(() => [...document.querySelectorAll("#faults tbody tr")].some((r) => r.cells[1].textContent === "too_early"), null, { timeout: 10000 });
  const armed = await getJson("/admin/faults", auth);
  check("a fault armed from the page is armed on the exchange",
    armed.some((f) => f.kind === "too_early" && f.route === "GET /nothing-uses-this" && f.remaining === 3));
  await page.click("#faults tbody tr button");
  await page.waitForFunction(() => document.querySelectorAll("#faults tbody tr").length === 0, null, { timeout: 10000 });
  check("clearing it from the page clears it on the exchange", (await getJson("/admin/faults", auth)).length === 0);

  // the screenshot: every part of the page is there and drawn
  await sleep(1500); // the charts' next refresh
  await page.screenshot({ path: shot, fullPage: true });
  const png = readFileSync(shot);
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  check("the screenshot is a PNG of the whole page",
    png.subarray(1, 4).toString() === "PNG" && width === 1440 && height >= 1100, `${width}x${height}`);
  const parts = await page.evaluate(() => ({
    markets: document.querySelectorAll("#markets button").length,
    ladder: document.querySelectorAll("#asks tr, #bids tr").length,
    tape: document.querySelectorAll("#tape-rows tr").length,
    charts: document.querySelectorAll(".chart svg").length,
    agents: document.querySelectorAll("#agents tbody tr").length,
    accounts: document.querySelectorAll("#accounts tbody tr").length,
  }));
  check("the screenshot shows markets, ladder, both charts, tape, agents and accounts",
    parts.markets > 0 && parts.ladder > 0 && parts.tape > 0 && parts.charts === 2 && parts.agents > 0 && parts.accounts > 0,
    JSON.stringify(parts));
  check("the page raised no script error", pageErrors.length === 0, pageErrors.join("; "));
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
