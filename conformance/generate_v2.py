"""Differential V2 order vectors from the official V2 Python client (py-clob-client-v2 1.2.1).

Draws cases from a fixed seed and builds every one with the client's own `OrderBuilder` (limit
and market orders; EOA, POLY_PROXY, POLY_GNOSIS_SAFE and POLY_1271; all six ticks; both sides;
neg-risk or not; Polygon and Amoy; builder codes and metadata; GTC/GTD/FOK/FAK bodies), with the
salt and the millisecond timestamp fixed per case by replacing the client's salt generator and
clock (the only way in: the builder exposes no hook). Writes vectors/v2_orders.json.

The Rust test crates/core/tests/conformance_v2.rs checks clobkit-core against every case.
Run:  python generate_v2.py [--out vectors] [--check]
  --check  regenerate into a temporary folder and fail if anything differs from vectors/.
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time

from eth_account import Account
from eth_utils import to_checksum_address
from py_clob_client_v2.clob_types import CreateOrderOptions, MarketOrderArgsV2, OrderArgsV2
from py_clob_client_v2.config import get_contract_config
from py_clob_client_v2.order_builder.builder import OrderBuilder
from py_clob_client_v2.order_utils import exchange_order_builder_v2 as v2
from py_clob_client_v2.order_utils.model.order_data_v2 import OrderV2, order_to_json_v2
from py_clob_client_v2.signer import Signer

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


def draw(rng, n):
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
        cases.append(c)
    return cases


def build(c):
    key = KEYS[c["key"]]
    eoa = Account.from_key(key).address
    funder = {0: eoa, 1: proxy_of(eoa), 2: safe_of(eoa), 3: to_checksum_address("0x" + "d1" * 20)}[c["sig_type"]]
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
        "case": {**c, "funder": funder},
        "python": {
            "exchange": exchange,
            "order_id": order_id if order_id.startswith("0x") else "0x" + order_id,
            "maker_amount": signed.makerAmount,
            "taker_amount": signed.takerAmount,
            "signature": signed.signature,
            "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        },
    }


def generate(out_dir):
    rng = random.Random(SEED)
    rows = [build(c) for c in draw(rng, 300)]
    os.makedirs(out_dir, exist_ok=True)
    meta = {
        "generator": "conformance/generate_v2.py",
        "client": "py-clob-client-v2==1.2.1",
        "seed": SEED,
        "rows": rows,
    }
    with open(os.path.join(out_dir, "v2_orders.json"), "w") as f:
        json.dump(meta, f, indent=1, ensure_ascii=False)
        f.write("\n")


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
        with open(os.path.join(tmp, "v2_orders.json")) as f:
            new = f.read()
        with open(os.path.join(a.out, "v2_orders.json")) as f:
            old = f.read()
        if new != old:
            sys.exit("conformance/vectors/v2_orders.json differs from what py-clob-client-v2 generates now")
        print("v2 vectors: up to date")


if __name__ == "__main__":
    main()
