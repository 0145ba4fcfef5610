"""Differential test vectors from the official Polymarket clients.

Draws cases from a fixed seed, computes every case with the official Python client
(py-clob-client 0.34.6 and its py-order-utils) in this process and with the official TypeScript
client (@polymarket/clob-client 5.8.1, plus @polymarket/builder-relayer-client 0.0.10 for CREATE2
wallet addresses) through gen_ts.mjs, and writes one JSON file per category into vectors/.

The Rust test crates/core/tests/conformance.rs checks clobkit-core against every case.
Run:  python generate.py [--out vectors] [--check]
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

from py_clob_client.clob_types import (
    CreateOrderOptions,
    OrderArgs,
    OrderBookSummary,
    OrderSummary,
    OrderType,
)
from py_clob_client.config import get_contract_config
from py_clob_client.order_builder.builder import ROUNDING_CONFIG, OrderBuilder
from py_clob_client.signer import Signer
from py_clob_client.signing.eip712 import sign_clob_auth_message
from py_clob_client.signing.hmac import build_hmac_signature
from py_clob_client.utilities import generate_orderbook_summary_hash, order_to_json
from py_order_utils.builders import OrderBuilder as UtilsOrderBuilder
from py_order_utils.signer import Signer as UtilsSigner

SEED = 20261124
HERE = os.path.dirname(os.path.abspath(__file__))
TICKS = ["0.1", "0.01", "0.001", "0.0001"]
KEYS = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",  # hardhat #0
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",  # hardhat #1
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",  # hardhat #2
]
TOKEN = "71321045679252212594626385532706912750332728571942532289631379312455583992563"


def price_on_tick(rng, tick):
    d = len(tick) - 2
    n = rng.randint(1, 10**d - 1)
    return format(n / 10**d, f".{d}f").rstrip("0").rstrip(".") if d else str(n)


def decimal_text(rng, max_int, max_decimals):
    whole = rng.randint(0, max_int)
    dec = rng.randint(0, max_decimals)
    frac = "".join(str(rng.randint(0, 9)) for _ in range(dec))
    text = f"{whole}.{frac}" if dec else str(whole)
    if float(text) == 0:
        text = "1"
    return text


def draw(rng):
    cases = {}
    # L1 ClobAuth signatures
    cases["l1"] = [
        {
            "key": rng.choice(KEYS),
            "chain": rng.choice([137, 80002]),
            "timestamp": rng.randint(10**9, 2 * 10**9),
            "nonce": rng.choice([0, 0, rng.randint(1, 1000), rng.randint(1, 2**53 - 1)]),
        }
        for _ in range(40)
    ]
    # L2 HMACs, bodies with non-ASCII text and apostrophes
    words = ["it's", "don't", "café", "naïve", "漢字", "🚀", "plain", "a'b'c", "ß", "\u00e9t\u00e9"]
    paths = ["/order", "/orders", "/data/orders", "/cancel-all", "/v1/heartbeats", "/balance-allowance",
             "/data/order/0x" + "ab" * 32, "/notifications", "/auth/api-keys"]
    l2 = []
    for _ in range(80):
        body = None
        if rng.random() < 0.7:
            obj = {"note": " ".join(rng.choice(words) for _ in range(rng.randint(1, 4))),
                   "n": rng.randint(0, 10**6), "ids": [rng.choice(words) for _ in range(rng.randint(0, 3))]}
            body = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
        l2.append({
            "secret": base64.urlsafe_b64encode(bytes(rng.getrandbits(8) for _ in range(32))).decode(),
            "timestamp": rng.randint(10**9, 2 * 10**9),
            "method": rng.choice(["GET", "POST", "DELETE"]),
            "path": rng.choice(paths),
            "body": body,
        })
    cases["l2"] = l2
    # Signed orders: every signature type, side, tick, neg-risk flag and chain
    orders = []
    for i in range(120):
        tick = TICKS[i % 4]
        orders.append({
            "key": rng.choice(KEYS),
            "chain": [137, 80002][(i // 4) % 2],
            "neg_risk": bool((i // 8) % 2),
            "sig_type": (i // 16) % 3,
            "side": rng.choice(["BUY", "SELL"]),
            "tick": tick,
            "price": price_on_tick(rng, tick),
            "size": decimal_text(rng, 5000, 2),
            "fee_rate_bps": rng.choice([0, 0, 100, 1000]),
            "nonce": rng.choice([0, 0, rng.randint(1, 10**6)]),
            "expiration": rng.choice([0, rng.randint(1_700_000_000, 2_000_000_000)]),
            "salt": rng.randint(0, 2**53 - 1),
            "funder": "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(40)),
            "token_id": rng.choice([TOKEN, str(rng.randint(1, 2**255))]),
            "order_type": rng.choice(["GTC", "GTD", "FOK", "FAK"]),
        })
    cases["orders"] = orders
    # Amounts: limit orders (size in shares) and market orders (BUY in USDC, SELL in shares)
    amounts = []
    for i in range(380):
        tick = TICKS[i % 4]
        kind = "limit" if i < 220 else "market"
        special = rng.random() < 0.3
        size = decimal_text(rng, 300 if special else 20000, 2 if special else 4)
        amounts.append({"kind": kind, "side": rng.choice(["BUY", "SELL"]), "tick": tick,
                        "price": price_on_tick(rng, tick), "size": size})
    cases["amounts"] = amounts
    # Market-price walks over a book side
    walks = []
    for _ in range(60):
        tick = rng.choice(TICKS)
        side = rng.choice(["BUY", "SELL"])
        prices = sorted({price_on_tick(rng, tick) for _ in range(rng.randint(0, 6))}, key=float)
        if side == "BUY":
            prices = prices[::-1]  # asks descend, best last
        levels = [{"price": p, "size": decimal_text(rng, 500, 2)} for p in prices]
        walks.append({"side": side, "levels": levels, "amount": decimal_text(rng, 800, 2),
                      "order_type": rng.choice(["FOK", "FAK"])})
    cases["walks"] = walks
    # Order-book hashes
    books = []
    for _ in range(40):
        tick = rng.choice(TICKS)
        def side(desc):
            ps = sorted({price_on_tick(rng, tick) for _ in range(rng.randint(0, 5))}, key=float, reverse=desc)
            return [{"price": p, "size": decimal_text(rng, 5000, 2)} for p in ps]
        books.append({
            "market": "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(64)),
            "asset_id": str(rng.randint(1, 2**255)),
            "timestamp": rng.choice(["", str(rng.randint(1_700_000_000_000, 1_900_000_000_000))]),
            "bids": side(False), "asks": side(True),
            "min_order_size": rng.choice(["5", "15", "1", "0.5"]),
            "tick_size": tick, "neg_risk": rng.random() < 0.5,
            "last_trade_price": rng.choice(["0.5", price_on_tick(rng, tick), "0"]),
        })
    cases["books"] = books
    # CREATE2 wallets of random EOAs
    cases["wallets"] = [{"eoa": "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(40))} for _ in range(40)]
    return cases


def py_l1(c):
    return sign_clob_auth_message(Signer(c["key"], c["chain"]), c["timestamp"], c["nonce"])


def py_l2(c):
    return build_hmac_signature(c["secret"], c["timestamp"], c["method"], c["path"], c["body"])


def py_amounts(c):
    b = OrderBuilder(Signer(KEYS[0], 137))
    cfg = ROUNDING_CONFIG[c["tick"]]
    f = b.get_order_amounts if c["kind"] == "limit" else b.get_market_order_amounts
    try:
        _, maker, taker = f(c["side"], float(c["size"]), float(c["price"]), cfg)
        return {"maker": str(maker), "taker": str(taker)}
    except Exception as e:  # noqa: BLE001 - the record is the point
        return {"error": str(e)}


def py_order(c):
    signer = Signer(c["key"], c["chain"])
    funder = None if c["sig_type"] == 0 else c["funder"]
    b = OrderBuilder(signer, c["sig_type"], funder)
    args = OrderArgs(token_id=c["token_id"], price=float(c["price"]), size=float(c["size"]), side=c["side"],
                     fee_rate_bps=c["fee_rate_bps"], nonce=c["nonce"], expiration=c["expiration"])
    # The same steps as OrderBuilder.create_order, with the salt fixed.
    _, maker_amt, taker_amt = b.get_order_amounts(args.side, args.size, args.price, ROUNDING_CONFIG[c["tick"]])
    from py_order_utils.model import OrderData, BUY as UB, SELL as US
    data = OrderData(maker=b.funder, taker=args.taker, tokenId=args.token_id, makerAmount=str(maker_amt),
                     takerAmount=str(taker_amt), side=UB if c["side"] == "BUY" else US,
                     feeRateBps=str(args.fee_rate_bps), nonce=str(args.nonce), signer=signer.address(),
                     expiration=str(args.expiration), signatureType=b.sig_type)
    exchange = get_contract_config(c["chain"], c["neg_risk"]).exchange
    ub = UtilsOrderBuilder(exchange, c["chain"], UtilsSigner(key=signer.private_key), salt_generator=lambda: c["salt"])
    order = ub.build_order(data)
    order_id = ub._create_struct_hash(order)
    signed = ub.build_signed_order(data)
    body = order_to_json(signed, "00000000-0000-0000-0000-000000000000", c["order_type"], False)
    return {"exchange": exchange, "order_id": order_id, "signature": signed.signature,
            "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False)}


def py_walk(c):
    b = OrderBuilder(Signer(KEYS[0], 137))
    positions = [OrderSummary(price=l["price"], size=l["size"]) for l in c["levels"]]
    ot = OrderType.FOK if c["order_type"] == "FOK" else OrderType.FAK
    f = b.calculate_buy_market_price if c["side"] == "BUY" else b.calculate_sell_market_price
    try:
        return {"price": repr(f(positions, float(c["amount"]), ot))}
    except Exception as e:  # noqa: BLE001
        return {"error": str(e)}


def py_book(c):
    ob = OrderBookSummary(market=c["market"], asset_id=c["asset_id"], timestamp=c["timestamp"],
                          bids=[OrderSummary(**l) for l in c["bids"]], asks=[OrderSummary(**l) for l in c["asks"]],
                          min_order_size=c["min_order_size"], neg_risk=c["neg_risk"], tick_size=c["tick_size"],
                          last_trade_price=c["last_trade_price"], hash="")
    return generate_orderbook_summary_hash(ob)


def generate(out_dir):
    rng = random.Random(SEED)
    cases = draw(rng)
    py = {
        "l1": [py_l1(c) for c in cases["l1"]],
        "l2": [py_l2(c) for c in cases["l2"]],
        "orders": [py_order(c) for c in cases["orders"]],
        "amounts": [py_amounts(c) for c in cases["amounts"]],
        "walks": [py_walk(c) for c in cases["walks"]],
        "books": [py_book(c) for c in cases["books"]],
    }
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "cases.json")
        with open(inp, "w") as f:
            json.dump(cases, f)
        res = subprocess.run(["node", os.path.join(HERE, "gen_ts.mjs"), inp], capture_output=True, text=True)
        if res.returncode != 0:
            sys.exit("gen_ts.mjs failed:\n" + res.stderr)
        ts = json.loads(res.stdout)
    os.makedirs(out_dir, exist_ok=True)
    total = 0
    for cat, items in cases.items():
        rows = []
        for i, c in enumerate(items):
            row = {"case": c}
            if cat in py:
                row["python"] = py[cat][i]
            row["ts"] = ts[cat][i]
            rows.append(row)
        total += len(rows)
        meta = {"generator": "conformance/generate.py", "seed": SEED,
                "packages": {"py-clob-client": "0.34.6", "py-order-utils": "0.3.2",
                             "@polymarket/clob-client": "5.8.1", "@polymarket/builder-relayer-client": "0.0.10"},
                "cases": rows}
        with open(os.path.join(out_dir, f"{cat}.json"), "w", encoding="utf-8") as f:
            json.dump(meta, f, indent=1, ensure_ascii=False)
            f.write("\n")
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "vectors"))
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    if not a.check:
        print(f"wrote {generate(a.out)} cases to {a.out}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        n = generate(tmp)
        bad = []
        for name in sorted(os.listdir(tmp)):
            with open(os.path.join(tmp, name), encoding="utf-8") as f1:
                new = f1.read()
            try:
                with open(os.path.join(a.out, name), encoding="utf-8") as f2:
                    old = f2.read()
            except FileNotFoundError:
                old = None
            if new != old:
                bad.append(name)
        if bad:
            sys.exit(f"vectors differ from the committed ones: {', '.join(bad)} (run: python conformance/generate.py)")
        print(f"vectors: {n} cases regenerated with the pinned official clients, identical to the committed ones")


if __name__ == "__main__":
    main()
