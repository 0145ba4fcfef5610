"""The official Python client (py-clob-client 0.34.6), unmodified, trading against `clobkit serve`.

Usage: python py_flow.py HOST DATA_DIR
Every step asserts the outcome (fills, balances, statuses, errors). Exits non-zero on the first
failure and prints a closing line `N passed, 0 failed`.
"""

import sys
import time

from py_clob_client.client import ClobClient
from py_clob_client.clob_types import (
    AssetType, BalanceAllowanceParams, DropNotificationParams, MarketOrderArgs, OpenOrderParams,
    OrderArgs, OrderType, PostOrdersArgs, TradeParams,
)
from py_clob_client.order_builder.constants import BUY, SELL

from checks import check, done, refused
from wallets import admin_of, proxy_of, safe_of

HOST, DATA = sys.argv[1], sys.argv[2]
admin = admin_of(HOST, DATA)
KEYS = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
]
A_COND, A_YES, A_NO = "0x" + "a1" * 32, "101", "102"      # tick 0.01
B_COND, B_YES, B_NO = "0x" + "b2" * 32, "201", "202"      # neg-risk, tick 0.001
C_COND, C_YES, C_NO = "0x" + "c3" * 32, "301", "302"      # fee 100 bps






def addr(key):
    from eth_account import Account
    return Account.from_key(key).address






def client(i, sig_type=0):
    eoa = addr(KEYS[i])
    funder = {0: None, 1: proxy_of(eoa), 2: safe_of(eoa)}[sig_type]
    c = ClobClient(HOST, key=KEYS[i], chain_id=137, signature_type=sig_type, funder=funder)
    c.set_api_creds(c.create_or_derive_api_creds())
    return c, (funder or eoa)


def usdc(c, sig_type):
    return int(c.get_balance_allowance(BalanceAllowanceParams(asset_type=AssetType.COLLATERAL, signature_type=sig_type))["balance"])


def shares(c, token, sig_type):
    return int(c.get_balance_allowance(BalanceAllowanceParams(asset_type=AssetType.CONDITIONAL, token_id=token, signature_type=sig_type))["balance"])


# ---- set up: three markets, three wallets (EOA, proxy, Safe) ----
admin("markets", {"condition_id": A_COND, "tokens": [A_YES, A_NO]})
admin("markets", {"condition_id": B_COND, "tokens": [B_YES, B_NO], "tick_size": "0.001", "neg_risk": True})
admin("markets", {"condition_id": C_COND, "tokens": [C_YES, C_NO], "fee_rate_bps": 100})
eoa, eoa_funder = client(0, 0)
prx, prx_funder = client(1, 1)
saf, saf_funder = client(2, 2)
for f in (eoa_funder, prx_funder, saf_funder):
    admin("fund", {"address": f, "amount": "1000"})
admin("split", {"address": eoa_funder, "market": A_COND, "amount": "500"})
admin("split", {"address": saf_funder, "market": A_COND, "amount": "200"})
check(usdc(eoa, 0) == 500_000_000, "EOA collateral after split")
check(shares(eoa, A_YES, 0) == 500_000_000, "EOA YES after split")
check(usdc(prx, 1) == 1000_000_000, "proxy wallet funded (balance by signature_type 1)")
check(eoa.get_ok() == "OK" and abs(eoa.get_server_time() - time.time()) < 5, "ok and time")
check(eoa.get_tick_size(B_YES) == "0.001" and eoa.get_neg_risk(B_YES) is True, "tick size and neg-risk lookups")
check(eoa.get_fee_rate_bps(C_YES) == 100, "fee rate lookup")

# ---- complementary match with price improvement: EOA sells, proxy buys ----
r = eoa.post_order(eoa.create_order(OrderArgs(token_id=A_YES, price=0.55, size=100, side=SELL)), OrderType.GTC)
check(r["success"] and r["status"] == "live" and r["makingAmount"] == "", "resting SELL is live")
ask_id = r["orderID"]
r = prx.create_and_post_order(OrderArgs(token_id=A_YES, price=0.60, size=50, side=BUY))
check(r["status"] == "matched" and r["makingAmount"] == "27.5" and r["takingAmount"] == "50", f"BUY 50 @0.60 fills at 0.55: {r}")
check(usdc(prx, 1) == 972_500_000 and shares(prx, A_YES, 1) == 50_000_000, "proxy balances after the fill")
o = eoa.get_order(ask_id)
check(o["status"] == "LIVE" and o["size_matched"] == "50" and o["original_size"] == "100", f"maker order partly filled: {o}")
book = eoa.get_order_book(A_YES)
check(book.asks[-1].price == "0.55" and book.asks[-1].size == "50", "book shows the rest of the ask")
check(eoa.get_order_book_hash(book) == book.hash, "book hash as the client computes it")
no_book = eoa.get_order_book(A_NO)
check(no_book.bids[-1].price == "0.45" and no_book.bids[-1].size == "50", "the NO book mirrors the YES book")
check(eoa.get_price(A_YES, "SELL")["price"] == "0.55", "price SELL = best ask")

# ---- MINT: proxy bids YES, Safe buys NO against it ----
r = prx.create_and_post_order(OrderArgs(token_id=A_YES, price=0.50, size=10, side=BUY))
check(r["status"] == "live", "YES bid rests")
r = saf.create_and_post_order(OrderArgs(token_id=A_NO, price=0.55, size=10, side=BUY))
check(r["status"] == "matched" and r["makingAmount"] == "5" and r["takingAmount"] == "10", f"BUY NO mints at 1 - 0.50: {r}")
check(shares(saf, A_NO, 2) == 210_000_000 and shares(prx, A_YES, 1) == 60_000_000, "both buyers got their side of the minted sets")

# ---- MERGE: Safe sells YES, EOA sells NO ----
r = saf.create_and_post_order(OrderArgs(token_id=A_YES, price=0.30, size=20, side=SELL))
check(r["status"] == "live", "YES ask at 0.30 rests (below the 0.50 bid? no: the bid was filled)")
r = eoa.create_and_post_order(OrderArgs(token_id=A_NO, price=0.60, size=20, side=SELL))
check(r["status"] == "matched" and r["takingAmount"] == "14", f"SELL NO merges with SELL YES @0.30, receives 0.70: {r}")

# ---- market orders (the client walks the book for the price) ----
before = usdc(prx, 1)
r = prx.post_order(prx.create_market_order(MarketOrderArgs(token_id=A_YES, amount=10, side=BUY)), OrderType.FOK)
check(r["status"] == "matched" and r["makingAmount"] == "9.999" and r["takingAmount"] == "18.18", f"FOK BUY $10 at 0.55 buys whole lots (1818 x 0.01): {r}")
check(usdc(prx, 1) == before - 9_999_000, "FOK spent what it reported")
check(refused(lambda: prx.post_order(prx.create_market_order(MarketOrderArgs(token_id=A_YES, amount=10, side=BUY, price=0.01)), OrderType.FOK), "FOK orders are fully filled or killed"), "FOK that cannot fill is killed")
prx.create_and_post_order(OrderArgs(token_id=A_YES, price=0.40, size=6, side=BUY))
r = eoa.post_order(eoa.create_market_order(MarketOrderArgs(token_id=A_YES, amount=10, side=SELL, order_type=OrderType.FAK)), OrderType.FAK)
check(r["status"] == "matched" and r["makingAmount"] == "6" and r["takingAmount"] == "2.4", f"FAK SELL 10 fills the 6 bid, the rest is killed: {r}")

# ---- a batch of 15 and pagination past 100 ----
batch = [PostOrdersArgs(order=eoa.create_order(OrderArgs(token_id=A_YES, price=round(0.10 + 0.01 * i, 2), size=5, side=BUY)), orderType=OrderType.GTC) for i in range(15)]
rs = eoa.post_orders(batch)
check(len(rs) == 15 and all(x["success"] and x["status"] == "live" for x in rs), "batch of 15 all live")
check(refused(lambda: eoa.post_orders(batch + batch[:1]), "Too many orders in payload: 16, max allowed: 15"),
      "16 orders refused")
ids = [x["orderID"] for x in rs]
more = [eoa.create_and_post_order(OrderArgs(token_id=B_YES, price=0.011 + 0.001 * i, size=5, side=BUY))["orderID"] for i in range(100)]
opened = eoa.get_orders(OpenOrderParams())
check(len(opened) == 1 + 15 + 100, f"open orders across two pages: {len(opened)}")
check(len(eoa.get_orders(OpenOrderParams(market=B_COND))) == 100, "open orders filtered by market (neg-risk market B)")

# ---- cancels, every route ----
r = eoa.cancel(ids[0])
check(r["canceled"] == [ids[0]] and r["not_canceled"] == {}, "cancel one")
r = eoa.cancel(ids[0])
check(r["canceled"] == [] and ids[0] in r["not_canceled"], "cancel twice: not_canceled with a reason")
r = eoa.cancel_orders(ids[1:4])
check(sorted(r["canceled"]) == sorted(ids[1:4]), "cancel many")
r = eoa.cancel_market_orders(market=B_COND)
check(len(r["canceled"]) == 100, "cancel by market")
r = eoa.cancel_market_orders(asset_id=A_YES)
check(len(r["canceled"]) == 12, f"cancel by asset: {len(r['canceled'])}")
check(len(prx.cancel(ask_id)["canceled"]) == 0, "another owner cannot cancel")
last = eoa.create_and_post_order(OrderArgs(token_id=A_NO, price=0.05, size=5, side=BUY))["orderID"]
r = eoa.cancel_all()
check(r["canceled"] == [last] and eoa.get_orders(OpenOrderParams()) == [], f"cancel all: {r}")

# ---- trades, notifications ----
t = prx.get_trades(TradeParams())
check(len(t) >= 3 and all(x["status"] == "MATCHED" for x in t), f"proxy trades: {len(t)}")
check(any(x["trader_side"] == "MAKER" for x in eoa.get_trades(TradeParams())), "maker side of trades reported")
n = eoa.get_notifications()
check(any(x["type"] == 2 for x in n) and any(x["type"] == 1 for x in n), "fill and cancel notifications")
eoa.drop_notifications(DropNotificationParams(ids=[str(x["id"]) for x in n[:3]]))
check(len(eoa.get_notifications()) == len(n) - 3, "notifications dropped")

# ---- fees: the client signs the market's rate, the exchange takes it ----
admin("fund", {"address": eoa_funder, "amount": "100"})
admin("split", {"address": saf_funder, "market": C_COND, "amount": "100"})
saf.create_and_post_order(OrderArgs(token_id=C_YES, price=0.50, size=100, side=SELL))
r = eoa.create_and_post_order(OrderArgs(token_id=C_YES, price=0.50, size=100, side=BUY))
check(r["status"] == "matched", "fee-bearing match")
check(shares(eoa, C_YES, 0) == 99_000_000, f"taker BUY 100 @0.50 at 1% pays 1 share: {shares(eoa, C_YES, 0)}")

# ---- GTD: lives until 60 s before its expiration ----
gtd = saf.create_order(OrderArgs(token_id=A_YES, price=0.11, size=5, side=BUY, expiration=int(time.time()) + 60 + 3600))
r = saf.post_order(gtd, OrderType.GTD)
check(r["status"] == "live", "GTD order rests")
g = saf.get_order(r["orderID"])
check(g["order_type"] == "GTD" and int(g["expiration"]) > time.time() + 3600, f"GTD order reported: {g}")
stale = saf.create_order(OrderArgs(token_id=A_YES, price=0.11, size=5, side=BUY, expiration=int(time.time()) + 30))
check(refused(lambda: saf.post_order(stale, OrderType.GTD), "invalid expiration"), "GTD inside the 60 s threshold refused")
saf.cancel(r["orderID"])

# ---- trades across pages: 105 fills in a market with a 1-share minimum ----
D_COND, D_YES, D_NO = "0x" + "d7" * 32, "701", "702"
admin("markets", {"condition_id": D_COND, "tokens": [D_YES, D_NO], "min_order_size": "1"})
admin("split", {"address": eoa_funder, "market": D_COND, "amount": "200"})
eoa.create_and_post_order(OrderArgs(token_id=D_YES, price=0.50, size=150, side=SELL))
before = len(prx.get_trades(TradeParams()))
for i in range(105):
    prx.create_and_post_order(OrderArgs(token_id=D_YES, price=0.50, size=1, side=BUY))
trades = prx.get_trades(TradeParams())
check(len(trades) == before + 105, f"trades across pages: {len(trades)}")
check(len(prx.get_trades(TradeParams(market=D_COND))) == 105, "trades filtered by market")
check(len(eoa.get_trades(TradeParams(market=D_COND))) == 105, "the maker sees the same 105 trades")

# ---- errors ----
check(refused(lambda: prx.create_and_post_order(OrderArgs(token_id=A_YES, price=0.5, size=100000, side=BUY)), "not enough balance / allowance"), "not enough balance")
check(refused(lambda: prx.create_and_post_order(OrderArgs(token_id=A_YES, price=0.5, size=1, side=BUY)), "lower than the minimum: 5"), "minimum size")

# ---- heartbeats cancel on silence ----
r = prx.create_and_post_order(OrderArgs(token_id=A_YES, price=0.20, size=5, side=BUY))
hb = prx.post_heartbeat(None)["heartbeat_id"]
hb = prx.post_heartbeat(hb)["heartbeat_id"]
check(refused(lambda: prx.post_heartbeat("not-the-last-id"), "Invalid Heartbeat ID"), "wrong heartbeat id refused")
time.sleep(4)
check(prx.get_order(r["orderID"])["status"] == "CANCELED", "silent heartbeat cancelled the open order")

# ---- API keys ----
keys = eoa.get_api_keys()["apiKeys"]
check(eoa.creds.api_key in keys, "key listed")
eoa.delete_api_key()
check(refused(lambda: eoa.get_orders(OpenOrderParams()), "Unauthorized"), "deleted key refused")
eoa.set_api_creds(eoa.create_or_derive_api_creds())
check(eoa.get_orders(OpenOrderParams()) == [], "a new key works")
check(eoa.derive_api_key().api_key == eoa.creds.api_key, "derive returns the existing key")
check(refused(lambda: eoa.create_api_key(), "Could not create api key"), "creating a second key for the same nonce fails")

done()
