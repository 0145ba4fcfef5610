"""Differential V2 vectors from the official V2 clients, py-clob-client-v2 1.2.1 and (through
gen_ts_v2.mjs) @polymarket/clob-client-v2 1.1.0, unmodified and offline.

Draws cases from a fixed seed:
* V2 orders, built with each client's own `OrderBuilder`: limit and market orders; EOA,
  POLY_PROXY, POLY_GNOSIS_SAFE and POLY_1271; all six ticks; both sides; neg-risk or not; Polygon
  and Amoy; builder codes and metadata; GTC/GTD/FOK/FAK bodies;
* V1 orders as the V2 clients build them when `/version` answers 1 (signed fee rate and nonce);
* L1 headers (ClobAuth signatures) and L2 headers (HMACs) from the clients' header functions;
* market-price walks over a book side (the clients' own book walk for market orders);
* order-book hashes, including books before their first trade (`last_trade_price` "").
The salt and the millisecond timestamp are fixed per case by replacing each client's salt source
and clock (the only way in: the builders expose no hook). TypeScript's salt is
`round(random × now)`, so its cases use the Python salt modulo the timestamp.
Writes vectors/v2_orders.json, v2_v1_orders.json, v2_headers.json, v2_walks.json and
v2_books.json.

The Rust test crates/core/tests/conformance_v2.rs checks clobkit-core against every case.
Run:  python generate_v2.py [--out vectors] [--check]
  --check  regenerate into a temporary folder and fail if anything differs from vectors/.
"""

import argparse
import base64
import json
import os
import random
import subprocess
import sys
import tempfile
import time

from eth_account import Account
from eth_utils import to_checksum_address
from py_clob_client_v2.clob_types import (
    ApiCreds, CreateOrderOptions, MarketOrderArgsV2, OrderArgsV2, RequestArgs,
)
from py_clob_client_v2.config import get_contract_config
from py_clob_client_v2.headers.headers import create_level_1_headers, create_level_2_headers
from py_clob_client_v2.order_builder.builder import OrderBuilder
from py_clob_client_v2.order_utils import exchange_order_builder_v1 as v1
from py_clob_client_v2.order_utils import exchange_order_builder_v2 as v2
from py_clob_client_v2.order_utils.model.order_data_v1 import order_to_json_v1
from py_clob_client_v2.order_utils.model.order_data_v2 import OrderV2, order_to_json_v2
from py_clob_client_v2.signer import Signer
from py_clob_client_v2.utilities import generate_orderbook_summary_hash, parse_raw_orderbook_summary

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "server"))
from wallets import proxy_of, safe_of  # noqa: E402

SEED = 20261202
HERE = os.path.dirname(os.path.abspath(__file__))
TICKS = ["0.1", "0.01", "0.005", "0.0025", "0.001", "0.0001"]
KEYS = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",  # hardhat #0
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",  # hardhat #1
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",  # hardhat #2
]
TOKEN = "71321045679252212594626385532706912750332728571942532289631379312455583992563"
OWNER = "000000000-0000-0000-0000-000000000000"








def price_on_tick(rng, tick):
    """A price that is a whole number of ticks, strictly inside (0, 1), as the client would get it."""
    d = len(tick) - 2
    step = round(float(tick) * 10**d)
    n = rng.randint(1, 10**d // step - 1) * step
    return format(n / 10**d, f".{d}f").rstrip("0").rstrip(".")


def size_text(rng):
    whole = rng.choice([rng.randint(1, 99), rng.randint(100, 5000)])
    dec = rng.randint(0, 3)
    frac = "".join(str(rng.randint(0, 9)) for _ in range(dec))
    return f"{whole}.{frac}" if dec else str(whole)


def bytes32(rng):
    return "0x" + "".join(f"{rng.randrange(256):02x}" for _ in range(32))


def funder_of(key, sig_type):
    eoa = Account.from_key(key).address
    return {0: eoa, 1: proxy_of(eoa), 2: safe_of(eoa), 3: to_checksum_address("0x" + "d1" * 20)}[sig_type]


def draw_orders(rng, n):
    cases = []
    for i in range(n):
        chain = rng.choice([137, 80002])
        sig_type = rng.choice([0, 1, 2, 3] if chain == 137 else [0, 2, 3])
        market = i % 3 == 2
        c = {
            "chain": chain,
            "neg_risk": rng.random() < 0.4,
            "tick": rng.choice(TICKS),
            "side": rng.choice(["BUY", "SELL"]),
            "sig_type": sig_type,
            "key": rng.randrange(len(KEYS)),
            "salt": rng.randint(1, 2**53 - 1),
            "timestamp": rng.randint(1_700_000_000_000, 1_900_000_000_000),
            "kind": "market" if market else "limit",
            "order_type": rng.choice(["FOK", "FAK"]) if market else rng.choice(["GTC", "GTD"]),
            "builder": bytes32(rng) if rng.random() < 0.3 else "0x" + "00" * 32,
            "metadata": bytes32(rng) if rng.random() < 0.2 else "0x" + "00" * 32,
        }
        c["price"] = price_on_tick(rng, c["tick"])
        c["size"] = size_text(rng)
        c["expiration"] = rng.randint(1_900_000_000, 2_000_000_000) if c["order_type"] == "GTD" else 0
        c["private_key"] = KEYS[c["key"]]
        c["funder"] = funder_of(c["private_key"], c["sig_type"])
        c["token"] = TOKEN
        cases.append(c)
    return cases


def draw_v1_orders(rng, n):
    """V1 orders from the V2 clients: no POLY_1271 (V1 has none), a signed fee rate and nonce."""
    cases = []
    for c in draw_orders(rng, n):
        if c["sig_type"] == 3:
            c["sig_type"] = 0
            c["funder"] = funder_of(c["private_key"], 0)
        c["fee_rate_bps"] = rng.choice([0, 0, 100, 1000])
        c["nonce"] = rng.choice([0, 0, rng.randint(1, 1000)])
        del c["builder"], c["metadata"]
        cases.append(c)
    return cases


def draw_headers(rng):
    l1 = [{"private_key": KEYS[rng.randrange(len(KEYS))], "chain": rng.choice([137, 80002]),
           "timestamp": rng.randint(1_700_000_000, 1_900_000_000), "nonce": rng.choice([0, rng.randint(1, 10**9)])}
          for _ in range(40)]
    paths = ["/order", "/orders", "/data/orders", "/cancel-all", "/heartbeats", "/data/pre-migration-orders"]
    bodies = [None, "", '{"orderID":"0xabc"}', '["0x1","0x2"]', '{"heartbeat_id":""}',
              "{\"note\":\"it's\"}", '{"x":"\u00e9"}']
    l2 = []
    for _ in range(40):
        secret = base64.urlsafe_b64encode(bytes(rng.randrange(256) for _ in range(32))).decode()
        l2.append({"private_key": KEYS[rng.randrange(len(KEYS))], "api_key": "00000000-0000-0000-0000-00000000000" + str(rng.randrange(10)),
                   "secret": secret, "passphrase": "p" + str(rng.randrange(1000)),
                   "timestamp": rng.randint(1_700_000_000, 1_900_000_000),
                   "method": rng.choice(["GET", "POST", "DELETE"]), "path": rng.choice(paths),
                   "body": rng.choice(bodies)})
    return l1, l2


def draw_walks(rng, n):
    walks = []
    for _ in range(n):
        tick = rng.choice(TICKS)
        side = rng.choice(["BUY", "SELL"])
        prices = sorted({price_on_tick(rng, tick) for _ in range(rng.randint(0, 6))}, key=float)
        if side == "BUY":
            prices = prices[::-1]  # asks descend, best last
        levels = [{"price": p, "size": size_text(rng)} for p in prices]
        walks.append({"side": side, "levels": levels, "amount": size_text(rng),
                      "order_type": rng.choice(["FOK", "FAK"])})
    return walks


def draw_books(rng, n):
    books = []
    for _ in range(n):
        tick = rng.choice(TICKS)
        def side(desc):
            ps = sorted({price_on_tick(rng, tick) for _ in range(rng.randint(0, 4))}, key=float, reverse=desc)
            return [{"price": p, "size": size_text(rng)} for p in ps]
        books.append({
            "market": "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(64)),
            "asset_id": str(rng.randint(1, 2**255)),
            "timestamp": str(rng.randint(1_700_000_000_000, 1_900_000_000_000)),
            "hash": "",
            "bids": side(False), "asks": side(True),
            "min_order_size": rng.choice(["5", "15", "1"]),
            "tick_size": tick, "neg_risk": rng.random() < 0.5,
            "last_trade_price": rng.choice(["", "", "0.5", price_on_tick(rng, tick)]),
        })
    return books


def py_book(c):
    return generate_orderbook_summary_hash(parse_raw_orderbook_summary(dict(c)))


def py_walk(c):
    b = OrderBuilder(Signer(KEYS[0], 137))
    f = b.calculate_buy_market_price if c["side"] == "BUY" else b.calculate_sell_market_price
    try:
        return {"price": repr(f(c["levels"], float(c["amount"]), c["order_type"]))}
    except Exception as e:  # noqa: BLE001 - the record is the point
        return {"error": str(e)}


def build(c):
    key, funder = c["private_key"], c["funder"]
    # the client's salt generator and clock, fixed for this case
    v2.ExchangeOrderBuilderV2.__init__.__defaults__ = (lambda: str(c["salt"]), "2")
    time.time_ns = lambda: c["timestamp"] * 1_000_000
    builder = OrderBuilder(Signer(key, c["chain"]), signature_type=c["sig_type"], funder=funder)
    opts = CreateOrderOptions(tick_size=c["tick"], neg_risk=c["neg_risk"])
    if c["kind"] == "limit":
        args = OrderArgsV2(token_id=TOKEN, price=float(c["price"]), size=float(c["size"]), side=c["side"],
                           expiration=c["expiration"], builder_code=c["builder"], metadata=c["metadata"])
        signed = builder.build_order(args, opts, version=2)
    else:
        args = MarketOrderArgsV2(token_id=TOKEN, amount=float(c["size"]), side=c["side"], price=float(c["price"]),
                                 order_type=c["order_type"], builder_code=c["builder"], metadata=c["metadata"])
        signed = builder.build_market_order(args, opts, version=2)
    cfg = get_contract_config(c["chain"])
    exchange = cfg.neg_risk_exchange_v2 if c["neg_risk"] else cfg.exchange_v2
    eb = v2.ExchangeOrderBuilderV2(exchange, c["chain"], Signer(key, c["chain"]))
    unsigned = OrderV2(**{k: getattr(signed, k) for k in OrderV2.__dataclass_fields__})
    order_id = eb.build_order_hash(eb.build_order_typed_data(unsigned))
    body = order_to_json_v2(signed, OWNER, c["order_type"])
    return {
        "exchange": exchange,
        "order_id": order_id if order_id.startswith("0x") else "0x" + order_id,
        "maker_amount": signed.makerAmount,
        "taker_amount": signed.takerAmount,
        "signature": signed.signature,
        "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False),
    }


def build_v1(c):
    """A V1 order as py-clob-client-v2 builds it for a venue whose /version is 1."""
    key = c["private_key"]
    v1.ExchangeOrderBuilderV1.__init__.__defaults__ = (lambda: str(c["salt"]),)
    builder = OrderBuilder(Signer(key, c["chain"]), signature_type=c["sig_type"], funder=c["funder"])
    opts = CreateOrderOptions(tick_size=c["tick"], neg_risk=c["neg_risk"])
    try:
        if c["kind"] == "limit":
            args = OrderArgsV2(token_id=TOKEN, price=float(c["price"]), size=float(c["size"]), side=c["side"],
                               expiration=c["expiration"])
            args.nonce = c["nonce"]
            signed = builder.build_order(args, opts, version=1, fee_rate_bps=c["fee_rate_bps"])
        else:
            args = MarketOrderArgsV2(token_id=TOKEN, amount=float(c["size"]), side=c["side"], price=float(c["price"]),
                                     order_type=c["order_type"])
            args.nonce = c["nonce"]
            signed = builder.build_market_order(args, opts, version=1, fee_rate_bps=c["fee_rate_bps"])
    except Exception as e:  # noqa: BLE001 - the record is the point
        return {"error": str(e)}
    body = order_to_json_v1(signed, OWNER, c["order_type"])
    return {"maker_amount": signed.makerAmount, "taker_amount": signed.takerAmount,
            "signature": signed.signature, "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False)}


def py_l1(c):
    return create_level_1_headers(Signer(c["private_key"], c["chain"]), c["nonce"], c["timestamp"])


def py_l2(c):
    creds = ApiCreds(api_key=c["api_key"], api_secret=c["secret"], api_passphrase=c["passphrase"])
    args = RequestArgs(method=c["method"], request_path=c["path"], body=c["body"], serialized_body=c["body"])
    return create_level_2_headers(Signer(c["private_key"], 137), creds, args, c["timestamp"])


def write(out_dir, name, rows):
    meta = {
        "generator": "conformance/generate_v2.py",
        "clients": {"py-clob-client-v2": "1.2.1", "@polymarket/clob-client-v2": "1.1.0"},
        "seed": SEED,
        "rows": rows,
    }
    with open(os.path.join(out_dir, name), "w") as f:
        json.dump(meta, f, indent=1, ensure_ascii=False)
        f.write("\n")


def generate(out_dir):
    rng = random.Random(SEED)
    cases = {"orders": draw_orders(rng, 520), "v1_orders": draw_v1_orders(rng, 60)}
    cases["l1"], cases["l2"] = draw_headers(rng)
    cases["walks"] = draw_walks(rng, 80)
    cases["books"] = draw_books(rng, 30)
    py = {
        "orders": [build(c) for c in cases["orders"]],
        "v1_orders": [build_v1(c) for c in cases["v1_orders"]],
        "l1": [py_l1(c) for c in cases["l1"]],
        "l2": [py_l2(c) for c in cases["l2"]],
        "walks": [py_walk(c) for c in cases["walks"]],
        "books": [py_book(c) for c in cases["books"]],
    }
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "cases.json")
        with open(inp, "w") as f:
            json.dump(cases, f)
        res = subprocess.run(["node", os.path.join(HERE, "gen_ts_v2.mjs"), inp], capture_output=True, text=True)
        if res.returncode != 0:
            sys.exit("gen_ts_v2.mjs failed:\n" + res.stderr)
        ts = json.loads(res.stdout)
    rows = {cat: [{"case": c, "python": py[cat][i], "ts": ts[cat][i]} for i, c in enumerate(items)]
            for cat, items in cases.items()}
    os.makedirs(out_dir, exist_ok=True)
    write(out_dir, "v2_orders.json", rows["orders"])
    write(out_dir, "v2_v1_orders.json", rows["v1_orders"])
    write(out_dir, "v2_headers.json", {"l1": rows["l1"], "l2": rows["l2"]})
    write(out_dir, "v2_walks.json", rows["walks"])
    write(out_dir, "v2_books.json", rows["books"])


FILES = ["v2_orders.json", "v2_v1_orders.json", "v2_headers.json", "v2_walks.json", "v2_books.json"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "vectors"))
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    if not a.check:
        generate(a.out)
        return
    with tempfile.TemporaryDirectory() as tmp:
        generate(tmp)
        for name in FILES:
            with open(os.path.join(tmp, name)) as f:
                new = f.read()
            try:
                with open(os.path.join(a.out, name)) as f:
                    old = f.read()
            except FileNotFoundError:
                old = None
            if new != old:
                sys.exit(f"conformance/vectors/{name} differs from what the official V2 clients generate now")
        print("v2 vectors: up to date")


if __name__ == "__main__":
    main()
