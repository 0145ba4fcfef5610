// The clobkit dashboard: markets from REST, each token's book ladder and trade tape kept live
// from the exchange's own market channel (/ws/market), charts drawn by the exchange as SVG
// (reloaded when what they show changes), and, with the admin token, accounts, the simulator's
// agents and the fault controls. No framework, no build step: the binary embeds this file.
"use strict";

const state = {
  markets: [],          // the /markets entries
  market: null,         // the selected market
  token: null,          // the selected token id
  books: new Map(),     // token id -> { bids: Map(price -> size), asks: Map, hash }
  tape: [],             // the selected market's trades in the selected token's terms, newest first
  ws: null,
  retry: 0,
  admin: sessionStorage.getItem("clobkit-admin-token") || "",
  agents: new Map(),    // wallet (lower case) -> agent name
};

const $ = (id) => document.getElementById(id);
const TAPE_ROWS = 30;
const CHART_TRADES = 200;

// ---- helpers ------------------------------------------------------------------------------

/** A decimal string without trailing zeros ("0.500" -> "0.5"), the key of a level. */
function norm(s) {
  s = String(s);
  if (!s.includes(".")) return s;
  s = s.replace(/0+$/, "");
  return s.endsWith(".") ? s.slice(0, -1) : s;
}

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function clock(secs) {
  return new Date(secs * 1000).toISOString().slice(11, 19);
}

function short(addr) {
  return addr.length > 12 ? `${addr.slice(0, 6)}…${addr.slice(-4)}` : addr;
}

async function getJson(path, init) {
  const r = await fetch(path, init);
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

/** Calls `f` at most once per `ms`, always after the last request. */
function throttle(f, ms) {
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => { timer = null; f(); }, ms);
  };
}

// ---- markets ------------------------------------------------------------------------------

async function loadMarkets() {
  const all = [];
  let cursor = "";
  for (let page = 0; page < 20; page++) {
    const q = cursor ? `?next_cursor=${encodeURIComponent(cursor)}` : "";
    const p = await getJson(`/markets${q}`);
    all.push(...p.data);
    cursor = p.next_cursor;
    if (!cursor || cursor === "LTE=") break;
  }
  state.markets = all;
  renderMarkets();
  const wanted = new URLSearchParams(location.hash.slice(1)).get("market");
  const pick = all.find((m) => m.condition_id === wanted) || state.market || all[0];
  if (pick && (!state.market || pick.condition_id !== state.market.condition_id)) {
    selectMarket(pick.condition_id);
  }
}

function renderMarkets() {
  const ul = $("markets");
  ul.replaceChildren();
  for (const m of state.markets) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.textContent = m.question || m.condition_id;
    if (m.closed) b.textContent += " (closed)";
    const id = document.createElement("span");
    id.className = "mono id";
    id.textContent = short(m.condition_id);
    b.appendChild(id);
    b.title = m.condition_id;
    b.dataset.market = m.condition_id;
    b.setAttribute("aria-selected", String(state.market?.condition_id === m.condition_id));
    b.onclick = () => selectMarket(m.condition_id);
    li.appendChild(b);
    ul.appendChild(li);
  }
}

function selectMarket(id) {
  const m = state.markets.find((x) => x.condition_id === id);
  if (!m) return;
  state.market = m;
  const wantedToken = new URLSearchParams(location.hash.slice(1)).get("token");
  const tokens = m.tokens.map((t) => t.token_id);
  state.token = tokens.includes(wantedToken) ? wantedToken : tokens[0];
  $("market-title").textContent = m.question || m.condition_id;
  renderMarkets();
  renderTokens();
  state.books.clear();
  state.tape = [];
  renderBook();
  renderTape();
  subscribe();
}

function selectToken(token) {
  state.token = token;
  history.replaceState(null, "", `#market=${state.market.condition_id}&token=${token}`);
  renderTokens();
  renderBook();
  state.tapeLoaded = false;
  state.pending = [];
  loadTape(state.pending);
  refreshDepth();
  refreshPrice();
}

function renderTokens() {
  const box = $("tokens");
  box.replaceChildren();
  for (const t of state.market.tokens) {
    const b = document.createElement("button");
    b.textContent = t.outcome || short(t.token_id);
    b.title = t.token_id;
    b.dataset.token = t.token_id;
    b.setAttribute("role", "tab");
    b.setAttribute("aria-selected", String(t.token_id === state.token));
    b.onclick = () => selectToken(t.token_id);
    box.appendChild(b);
  }
}

// ---- the book -----------------------------------------------------------------------------

function setBook(msg) {
  const side = (levels) => new Map(levels.map((l) => [norm(l.price), l.size]));
  state.books.set(msg.asset_id, { bids: side(msg.bids), asks: side(msg.asks), hash: msg.hash });
}

function changeLevel(c) {
  const book = state.books.get(c.asset_id);
  if (!book) return; // a change before its snapshot: the snapshot that follows holds it
  const levels = c.side === "BUY" ? book.bids : book.asks;
  if (Number(c.size) === 0) levels.delete(norm(c.price));
  else levels.set(norm(c.price), c.size);
  book.hash = c.hash;
}

/** [price, size] of one side, best first. */
function sorted(levels, bids) {
  const v = [...levels.entries()];
  v.sort((a, b) => (bids ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])));
  return v;
}

function renderBook() {
  const book = state.books.get(state.token);
  const bids = book ? sorted(book.bids, true) : [];
  const asks = book ? sorted(book.asks, false) : [];
  const rows = (levels, body, side) => {
    body.replaceChildren();
    for (const [price, size] of levels) {
      const tr = document.createElement("tr");
      tr.dataset.side = side;
      tr.dataset.price = price;
      tr.dataset.size = norm(size);
      cell(tr, price);
      cell(tr, norm(size));
      body.appendChild(tr);
    }
  };
  rows([...asks].reverse(), $("asks"), "ask"); // the best ask next to the spread
  rows(bids, $("bids"), "bid");
  $("ladder").dataset.hash = book ? book.hash : "";
  $("ladder").dataset.ready = book ? "true" : "false";
  const bb = bids[0]?.[0], ba = asks[0]?.[0];
  $("spread").textContent = bb && ba
    ? `spread ${(Number(ba) - Number(bb)).toFixed(4).replace(/0+$/, "").replace(/\.$/, "")}`
    : "no two-sided quote";
}

/**
 * Draws the chart at `url` (SVG from the exchange) into the element `id`, replacing the old one
 * only once the new one has arrived (never a blank chart), and never with an older answer.
 */
const drawn = new Map();
async function drawChart(id, url) {
  const n = (drawn.get(id)?.asked || 0) + 1;
  drawn.set(id, { ...drawn.get(id), asked: n });
  const r = await fetch(url, { cache: "no-store" });
  const svg = await r.text();
  if (!r.ok || !svg.startsWith("<svg") || n < (drawn.get(id).shown || 0)) return;
  drawn.get(id).shown = n;
  $(id).innerHTML = svg;
  $(id).dataset.src = url;
}

const refreshDepth = throttle(() => {
  if (state.token) drawChart("depth-chart", `chart/depth.svg?token_id=${state.token}`);
}, 500);

// ---- the tape -----------------------------------------------------------------------------

function sameTrade(a, b) {
  return a.price === b.price && a.size === b.size && a.side === b.side && a.time === b.time;
}

/** The tape from REST, then the trades the channel brought meanwhile that it does not hold. */
async function loadTape(pending) {
  const token = state.token;
  const rest = await getJson(`/ui/api/trades?token_id=${token}&limit=${TAPE_ROWS}`);
  if (token !== state.token) return;
  const tape = rest.map((t) => ({
    price: norm(t.price), size: norm(t.size), side: t.side, time: t.match_time,
  }));
  for (const p of pending) {
    if (!tape.some((t) => sameTrade(t, p))) tape.unshift(p);
  }
  state.tape = tape.slice(0, TAPE_ROWS);
  state.tapeLoaded = true;
  renderTape();
}

function addTrade(msg) {
  const t = {
    price: norm(msg.price), size: norm(msg.size), side: msg.side,
    time: Math.floor(Number(msg.timestamp) / 1000),
  };
  if (!state.tapeLoaded) {
    state.pending.push(t);
    return;
  }
  state.tape.unshift(t);
  state.tape.length = Math.min(state.tape.length, TAPE_ROWS);
  renderTape();
}

function renderTape() {
  const body = $("tape-rows");
  body.replaceChildren();
  for (const t of state.tape) {
    const tr = document.createElement("tr");
    Object.assign(tr.dataset, { price: t.price, size: t.size, side: t.side, time: String(t.time) });
    cell(tr, clock(t.time));
    cell(tr, t.side, t.side === "BUY" ? "buy" : "sell");
    cell(tr, t.price);
    cell(tr, t.size);
    body.appendChild(tr);
  }
}

const refreshPrice = throttle(() => {
  if (state.token) drawChart("price-chart", `chart/price.svg?token_id=${state.token}&limit=${CHART_TRADES}`);
}, 1000);

// ---- the market channel -------------------------------------------------------------------

function setConn(s, text) {
  const el = $("conn");
  el.dataset.state = s;
  el.textContent = `market channel: ${text}`;
}

function subscribe() {
  if (state.ws) {
    state.ws.onclose = null;
    state.ws.close();
  }
  if (!state.market) return;
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/market`);
  state.ws = ws;
  state.tapeLoaded = false;
  state.pending = [];
  let ping = null;
  ws.onopen = () => {
    ws.send(JSON.stringify({
      assets_ids: state.market.tokens.map((t) => t.token_id),
      type: "market",
      custom_feature_enabled: true,
    }));
    ping = setInterval(() => ws.send("PING"), 10000);
    state.retry = 0;
    setConn("live", "live");
  };
  ws.onmessage = (e) => {
    if (e.data === "PONG") return;
    let msg;
    try { msg = JSON.parse(e.data); } catch { return; }
    for (const m of Array.isArray(msg) ? msg : [msg]) onEvent(m);
  };
  ws.onclose = () => {
    clearInterval(ping);
    setConn("down", "reconnecting");
    const wait = Math.min(10000, 250 * 2 ** state.retry++) * (0.5 + Math.random() / 2);
    setTimeout(subscribe, wait);
  };
}

function onEvent(m) {
  switch (m.event_type) {
    case "book":
      setBook(m);
      if (m.asset_id === state.token) {
        renderBook();
        refreshDepth();
        // the first snapshot after (re)subscribing: the tape catches up from REST
        if (!state.tapeLoaded && !state.tapeLoading) {
          state.tapeLoading = true;
          loadTape(state.pending).finally(() => { state.tapeLoading = false; });
          refreshPrice();
        }
      }
      break;
    case "price_change":
      for (const c of m.price_changes) changeLevel(c);
      if (m.price_changes.some((c) => c.asset_id === state.token)) {
        renderBook();
        refreshDepth();
      }
      break;
    case "last_trade_price":
      if (m.asset_id === state.token) {
        addTrade(m);
        refreshPrice();
      }
      break;
    case "new_market":
    case "market_resolved":
      loadMarkets();
      break;
    default:
      break;
  }
}

// ---- operator panels (admin token) --------------------------------------------------------

function admin(path, init = {}) {
  return getJson(path, {
    ...init,
    headers: { ...(init.headers || {}), authorization: `Bearer ${state.admin}` },
  });
}

async function refreshAdmin() {
  if (!state.admin) return;
  try {
    const [companions, accounts, faults] = await Promise.all([
      admin("/admin/companions"), admin("/admin/accounts"), admin("/admin/faults"),
    ]);
    $("admin-body").hidden = false;
    $("admin-login").hidden = true;
    renderSimulation(companions.find((c) => c.name === "simulation"));
    renderAccounts(accounts);
    renderFaults(faults);
  } catch (e) {
    $("admin-error").textContent = String(e.message || e);
    $("admin-body").hidden = true;
    $("admin-login").hidden = false;
  }
}

function renderSimulation(sim) {
  const body = $("agents").tBodies[0];
  body.replaceChildren();
  state.agents.clear();
  if (!sim) {
    $("simulation-summary").textContent = "no simulation is running";
    return;
  }
  const r = sim.report;
  const fair = r.markets.map((m) => `fair ${m.fair}${m.winner ? " (resolved)" : ""}`).join(", ");
  $("simulation-summary").textContent =
    `seed ${r.seed} · ${Math.round(r.running_ms / 1000)} s · ${r.orders} orders · ${fair}`;
  for (const a of r.agents) {
    state.agents.set(a.address.toLowerCase(), a.name);
    const tr = document.createElement("tr");
    cell(tr, a.name);
    cell(tr, a.kind);
    cell(tr, short(a.address), "mono").title = a.address;
    cell(tr, String(a.orders));
    cell(tr, String(a.refused));
    body.appendChild(tr);
  }
}

function renderAccounts(accounts) {
  const body = $("accounts").tBodies[0];
  body.replaceChildren();
  for (const a of accounts) {
    const tr = document.createElement("tr");
    tr.dataset.address = a.address;
    cell(tr, short(a.address), "mono").title = a.address;
    cell(tr, state.agents.get(a.address.toLowerCase()) || "");
    cell(tr, norm(a.collateral.balance));
    cell(tr, norm(a.collateral.reserved));
    cell(tr, a.positions.map((p) => `${short(p.token)}: ${norm(p.balance)}`).join(", "));
    const orders = a.open_orders
      .map((o) => `${o.side} ${norm(o.original_size)}@${norm(o.price)}`)
      .join(", ");
    cell(tr, `${a.open_orders.length}${orders ? ` (${orders})` : ""}`);
    body.appendChild(tr);
  }
}

function renderFaults(faults) {
  const body = $("faults").tBodies[0];
  body.replaceChildren();
  for (const f of faults) {
    const tr = document.createElement("tr");
    cell(tr, String(f.id));
    cell(tr, f.kind);
    cell(tr, f.route || f.channel || "");
    const left = [];
    if (f.remaining != null) left.push(`${f.remaining} uses`);
    if (f.expires_in_ms != null) left.push(`${Math.ceil(f.expires_in_ms / 1000)} s`);
    cell(tr, left.join(", ") || "until cleared");
    cell(tr, String(f.fired));
    const td = cell(tr, "");
    const b = document.createElement("button");
    b.textContent = "Clear";
    b.onclick = () => admin(`/admin/faults/${f.id}`, { method: "DELETE" }).then(refreshAdmin);
    td.appendChild(b);
    body.appendChild(tr);
  }
}

function armFault(e) {
  e.preventDefault();
  const kind = $("fault-kind").value;
  const onChannel = $("fault-kind").selectedOptions[0].parentElement.label === "channels";
  const spec = { kind };
  const num = (id) => (($(id).value || "").trim() ? Number($(id).value) : undefined);
  if (onChannel) spec.channel = $("fault-channel").value;
  else if ($("fault-route").value.trim()) spec.route = $("fault-route").value.trim();
  spec.duration_ms = num("fault-duration");
  spec.count = num("fault-count");
  spec.delay_ms = num("fault-delay");
  admin("/admin/faults", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(spec),
  }).then(refreshAdmin, (err) => { $("admin-error").textContent = String(err.message || err); });
}

// ---- start --------------------------------------------------------------------------------

$("admin-login").onsubmit = (e) => {
  e.preventDefault();
  state.admin = $("admin-token").value.trim();
  sessionStorage.setItem("clobkit-admin-token", state.admin);
  $("admin-error").textContent = "";
  refreshAdmin();
};
$("fault-form").onsubmit = armFault;
$("faults-clear").onclick = () => admin("/admin/faults", { method: "DELETE" }).then(refreshAdmin);
setInterval(refreshAdmin, 2000);
setInterval(() => { refreshPrice(); }, 5000);
refreshAdmin();
loadMarkets().catch((e) => { $("market-title").textContent = `could not load the markets: ${e.message}`; });
