"""Crash safety: acknowledged orders survive a SIGKILL.

Usage: python py_crash.py CLOBKIT_BINARY PORT DATA_DIR
Starts `clobkit serve`, streams signed orders from the official Python client, kills the server
with SIGKILL mid-stream, restarts it on the same data folder, and checks that every order
acknowledged with HTTP 200 is there and live, and that balances are unchanged (no value lost or
created). The history database is kept in a folder of its own (`--history-dir DATA_DIR-history`)
and an order cancelled after the restart is read back from it. Prints `N passed, 0 failed`.
"""

import os
import signal
import subprocess
import sys
import threading
import time

import httpx
from py_clob_client.client import ClobClient
from py_clob_client.clob_types import AssetType, BalanceAllowanceParams, OpenOrderParams, OrderArgs
from py_clob_client.order_builder.constants import BUY

from checks import check, done

BIN, PORT, DATA = sys.argv[1], sys.argv[2], sys.argv[3]
HOST = f"http://127.0.0.1:{PORT}"
HISTORY = f"{DATA}-history"
KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
COND, YES, NO = "0x" + "d4" * 32, "401", "402"


def start():
    p = subprocess.Popen([BIN, "serve", "--port", PORT, "--data", DATA, "--history-dir", HISTORY, "--protocol", "v1"], stdout=subprocess.DEVNULL, stderr=open(f"{DATA}.log", "a"))
    for _ in range(200):
        if p.poll() is not None:
            raise SystemExit(f"server exited with {p.returncode} at start; its log ends:\n" + open(f"{DATA}.log").read()[-2000:])
        try:
            if httpx.get(f"{HOST}/", timeout=0.5).status_code == 200:
                return p
        except httpx.HTTPError:
            time.sleep(0.05)
    raise SystemExit("server did not start within 10 s; its log ends:\n" + open(f"{DATA}.log").read()[-2000:])


server = start()
token = open(f"{DATA}/admin-token").read().strip()
auth = {"Authorization": f"Bearer {token}"}
httpx.post(f"{HOST}/admin/markets", json={"condition_id": COND, "tokens": [YES, NO], "tick_size": "0.001"}, headers=auth).raise_for_status()
c = ClobClient(HOST, key=KEY, chain_id=137)
c.set_api_creds(c.create_or_derive_api_creds())
httpx.post(f"{HOST}/admin/fund", json={"address": c.get_address(), "amount": "100000"}, headers=auth).raise_for_status()

# Orders are signed up front so the stream is as fast as the server allows.
orders = [c.create_order(OrderArgs(token_id=YES, price=round(0.001 * (1 + i % 400), 3), size=5 + i % 7, side=BUY)) for i in range(600)]
acked, errors = [], []


def stream():
    for o in orders:
        try:
            r = c.post_order(o)
            acked.append((r["orderID"], o))
        except Exception as e:  # noqa: BLE001 - the server is being killed
            errors.append(str(e))
            return


t = threading.Thread(target=stream)
t.start()
while len(acked) < 150 and t.is_alive():
    time.sleep(0.005)
os.kill(server.pid, signal.SIGKILL)
server.wait()
t.join()
check(len(acked) >= 150 and errors, f"killed mid-stream after {len(acked)} acknowledged orders")

server = start()
try:
    open_ids = {o["id"] for o in c.get_orders(OpenOrderParams())}
    missing = [i for i, _ in acked if i not in open_ids]
    check(not missing, f"{len(missing)} acknowledged orders lost: {missing[:3]}")
    check(len(open_ids) - len(acked) <= 1, f"at most the in-flight order beyond the acknowledged ones: {len(open_ids)} vs {len(acked)}")
    for i, _ in acked[:: max(1, len(acked) // 20)]:
        check(c.get_order(i)["status"] == "LIVE", f"order {i} live after restart")
    bal = int(c.get_balance_allowance(BalanceAllowanceParams(asset_type=AssetType.COLLATERAL))["balance"])
    check(bal == 100_000 * 10**6, f"balance unchanged by the crash: {bal}")
    # the book holds exactly the open orders' sizes
    book = c.get_order_book(YES)
    total = sum(float(b.size) for b in book.bids)
    check(abs(total - sum(float(o["original_size"]) for o in c.get_orders(OpenOrderParams()))) < 1e-9, "book = open orders")
    # an order that ends now is read back from the history, in its own folder
    first = acked[0][0]
    c.cancel(first)
    check(c.get_order(first)["status"] == "CANCELED", "a cancelled order is read back from the history")
    check(os.path.isfile(f"{HISTORY}/history.sqlite") and not os.path.exists(f"{DATA}/history.sqlite"), "the history lives in --history-dir")
    # and the restarted server keeps accepting
    r = c.create_and_post_order(OrderArgs(token_id=YES, price=0.5, size=5, side=BUY))
    check(r["status"] == "live", "trading resumes after recovery")
finally:
    server.send_signal(signal.SIGTERM)
    code = server.wait(timeout=10)
check(code == 0, f"clean shutdown on SIGTERM (exit {code})")
print(f"acknowledged before the kill: {len(acked)}")
done()
