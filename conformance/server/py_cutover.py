"""The cutover drill with the official V2 Python client (py-clob-client-v2 1.2.1), unmodified:
a bot trading on a V1 `clobkit serve` when the operator runs `clobkit admin cutover`, as
production switched to V2 on 2026-04-28.

Usage: python py_cutover.py HOST DATA_DIR CLOBKIT_BIN
Prints `N passed, 0 failed`; exits 1 on the first failure.
"""

import json
import subprocess
import sys

from eth_account import Account
from py_clob_client_v2.client import ClobClient
from py_clob_client_v2.clob_types import OpenOrderParams, OrderArgsV2
from py_clob_client_v2.order_builder.constants import BUY

from checks import check, done, refused
from wallets import admin_of

HOST, DATA, BIN = sys.argv[1], sys.argv[2], sys.argv[3]
admin = admin_of(HOST, DATA)
KEY = "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356"  # Hardhat #7
COND, YES, NO = "0x" + "e4" * 32, "1401", "1402"


def bot():
    c = ClobClient(HOST, chain_id=137, key=KEY)
    c.set_api_creds(c.create_or_derive_api_key())
    return c


def cutover():
    out = subprocess.run([BIN, "admin", "--host", HOST, "--data", DATA, "cutover"],
                         capture_output=True, text=True)
    return out.returncode, out.stdout.strip(), out.stderr.strip()


admin("markets", {"condition_id": COND, "tokens": [YES, NO]})
admin("fund", {"address": Account.from_key(KEY).address, "amount": "100"})
c = bot()
check(c.get_version() == 1, "the exchange speaks V1 before the cutover")
ids = []
for price in (0.30, 0.31):
    r = c.create_and_post_order(OrderArgsV2(token_id=YES, price=price, size=10, side=BUY))
    check(r["success"] and r["status"] == "live", f"the V2 client signs V1 and its bid rests: {r}")
    ids.append(r["orderID"])
check(c.get_pre_migration_orders() == [], "no pre-migration orders before a cutover")

code, out, err = cutover()
# every resting V1 order on the venue is cancelled: ours and whatever the earlier flows left
check(code == 0 and json.loads(out)["cancelled"] >= 2, f"clobkit admin cutover: {code} {out} {err}")
check(c.get_version() == 2, "GET /version answers 2 at once")
check(c.get_open_orders(OpenOrderParams(market=COND)) == [], "the V1 bids are no longer open")
pre = c.get_pre_migration_orders()
check([o["id"] for o in pre] == ids, f"/data/pre-migration-orders lists them, oldest first: {pre}")
check({o["status"] for o in pre} == {"CANCELED"}, f"as cancelled: {pre}")

# the client cached version 1 and its re-detection runs only on a 200 answer, while the
# mismatch is a 400 that raises first: this client keeps signing V1 (v2.md §8.4)
stuck = refused(lambda: c.create_and_post_order(OrderArgsV2(token_id=YES, price=0.30, size=10, side=BUY)),
                "order_version_mismatch")
check(stuck, "py-clob-client-v2 1.2.1 stays on V1 after the cutover: order_version_mismatch")
# a new client asks /version again and trades V2; the balance the V1 bids held is free again
fresh = bot()
r = fresh.create_and_post_order(OrderArgsV2(token_id=YES, price=0.30, size=10, side=BUY))
check(r["success"] and r["status"] == "live", f"a new client re-places the bid as V2: {r}")
code, out, err = cutover()
check(code == 1 and "speaks V2 already" in err, f"a second cutover is refused: {code} {out} {err}")
done()
