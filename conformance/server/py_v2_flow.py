"""The official V2 Python client (py-clob-client-v2 1.2.1), unmodified, trading against
`clobkit serve --protocol v2`.

Usage: python py_v2_flow.py HOST DATA_DIR
Every step asserts the outcome (fills, fees, balances, statuses, errors). Exits non-zero on the
first failure and prints a closing line `N passed, 0 failed`.
"""

import sys

from eth_account import Account
from eth_utils import to_checksum_address
from py_clob_client_v2.client import ClobClient
from py_clob_client_v2.clob_types import (
    AssetType, BalanceAllowanceParams, BookParams, BuilderTradeParams, DropNotificationParams,
    MarketOrderArgsV2, OpenOrderParams, OrderArgsV2, OrderMarketCancelParams, OrderPayload,
    OrderScoringParams, OrdersScoringParams, OrderType, PartialCreateOrderOptions, PostOrdersV2Args,
    TradeParams,
)
from py_clob_client_v2.order_builder.constants import BUY, SELL

from checks import check, done, refused
from wallets import admin_of, proxy_of, safe_of

HOST, DATA = sys.argv[1], sys.argv[2]
admin = admin_of(HOST, DATA)
KEYS = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
]
A_COND, A_YES, A_NO = "0x" + "a7" * 32, "701", "702"      # tick 0.01
B_COND, B_YES, B_NO = "0x" + "b8" * 32, "801", "802"      # neg-risk, tick 0.005, 2% platform fee










def client(i, sig_type):
    eoa = Account.from_key(KEYS[i]).address
    funder = {0: eoa, 1: proxy_of(eoa), 2: safe_of(eoa)}[sig_type]
    c = ClobClient(HOST, chain_id=137, key=KEYS[i], signature_type=sig_type, funder=funder)
    c.set_api_creds(c.create_or_derive_api_key())
    return c, funder


def balance(c, sig_type, token=None):
    asset = AssetType.CONDITIONAL if token else AssetType.COLLATERAL
    p = BalanceAllowanceParams(asset_type=asset, token_id=token, signature_type=sig_type)
    return int(c.get_balance_allowance(p)["balance"])


admin("markets", {"condition_id": A_COND, "tokens": [A_YES, A_NO]})
admin("markets", {"condition_id": B_COND, "tokens": [B_YES, B_NO], "tick_size": "0.005",
                  "neg_risk": True, "platform_fee": {"rate": "0.02", "exponent": 1}})

maker, maker_funder = client(0, 0)
taker, taker_funder = client(1, 1)
safe, safe_funder = client(2, 2)
for f in (maker_funder, taker_funder, safe_funder):
    admin("fund", {"address": f, "amount": "1000"})
admin("split", {"address": maker_funder, "market": B_COND, "amount": "100"})

check(maker.get_version() == 2, "GET /version is 2")
check(maker.get_ok() == "OK", "GET / is OK")

# a V2 SELL on the 0.005 tick rests; a POLY_PROXY BUY takes half of it at the maker's price
ask = maker.create_and_post_order(OrderArgsV2(token_id=B_YES, price=0.515, size=20, side=SELL))
check(ask["success"] and ask["status"] == "live", f"V2 ask rests: {ask}")
bid = taker.create_and_post_order(OrderArgsV2(token_id=B_YES, price=0.52, size=10, side=BUY))
check(bid["success"] and bid["status"] == "matched", f"V2 bid matches: {bid}")
check((bid["makingAmount"], bid["takingAmount"]) == ("5.15", "10"), f"filled at the maker's price: {bid}")
check(len(bid["transactionsHashes"]) == 1, "the fill's transaction hash is in the answer (no polling)")
# no V2 order signs a fee: the operator charges the taker the market's platform fee at match
# time, in collateral on top of the price: 10 × 0.02 × 0.515 × 0.485 = 0.049955, floored to
# 5 decimals; the maker (takers only) gets its full price
check(safe.get_clob_market_info(B_COND).get("fd") == {"r": 0.02, "e": 1, "to": True},
      "/clob-markets states the fee parameters")
check(balance(taker, 1, B_YES) == 10_000_000, f"the proxy wallet holds all 10 shares: {balance(taker, 1, B_YES)}")
check(balance(taker, 1) == 1_000_000_000 - 5_150_000 - 49_950,
      f"and paid $5.15 + $0.04995 fee: {balance(taker, 1)}")
check(balance(maker, 0) == 1_000_000_000 - 100_000_000 + 5_150_000,
      f"the maker received the full $5.15: {balance(maker, 0)}")

# a Gnosis Safe buys the rest with a market order: the client walks our book itself, after
# reading /markets-by-token and /clob-markets
m = safe.create_and_post_market_order(MarketOrderArgsV2(token_id=B_YES, amount=5, side=BUY))
check(m["success"] and m["status"] == "matched", f"V2 market order fills: {m}")
check(balance(safe, 2, B_YES) == 9_700_000, f"$5 at 0.515 buys 9.70 shares: {balance(safe, 2, B_YES)}")
check(balance(safe, 2) == 1_000_000_000 - 4_995_500 - 48_450,
      f"for $4.9955 + 9.7 × 0.02 × 0.249775 = $0.04845 fee: {balance(safe, 2)}")
# a SELL taker pays out of its proceeds: 10 shares into a 0.40 bid, 10 × 0.02 × 0.24 = $0.048
bid40 = safe.create_and_post_order(OrderArgsV2(token_id=B_YES, price=0.4, size=10, side=BUY))
check(bid40["status"] == "live", f"a 0.40 bid rests: {bid40}")
before = balance(taker, 1)
sold = taker.create_and_post_order(OrderArgsV2(token_id=B_YES, price=0.4, size=10, side=SELL))
check(sold["status"] == "matched", f"the proxy sells into it: {sold}")
check(balance(taker, 1) - before == 4_000_000 - 48_000, f"receiving $4 less the $0.048 fee: {balance(taker, 1) - before}")

# queries
open_orders = maker.get_open_orders(OpenOrderParams(market=B_COND))
check(len(open_orders) == 1 and open_orders[0]["size_matched"] == "19.7", f"the ask is 19.7 filled: {open_orders}")
check(maker.get_order(ask["orderID"])["status"] == "LIVE", "GET /data/order of the ask")
trades = taker.get_trades(TradeParams(market=B_COND))
check(sorted(t["price"] for t in trades) == ["0.4", "0.515"], f"the taker's two trades: {trades}")
check({t["fee_rate_bps"] for t in trades} == {"200"}, f"each at the 2% platform rate: {trades}")

# the official client signs 0.513 on a 0.005 tick (it only rounds to 3 decimals); we refuse it
check(refused(lambda: maker.create_and_post_order(OrderArgsV2(token_id=B_YES, price=0.513, size=10, side=SELL)),
              "breaks minimum tick size rule"), "a price between two ticks is refused")

# a V1 order from the V2 client is refused as of the wrong version, and changes nothing
before = len(maker.get_open_orders(OpenOrderParams()))
check(refused(lambda: maker.post_order(maker.create_order(
    OrderArgsV2(token_id=A_YES, price=0.4, size=10, side=BUY), PartialCreateOrderOptions(version=1))),
    "order_version_mismatch"), "a V1 order gets order_version_mismatch")
check(len(maker.get_open_orders(OpenOrderParams())) == before, "the refused V1 order changed nothing")

# a deposit wallet (POLY_1271): the official client wraps its owner's signature (ERC-7739); the
# exchange checks the wrapper and that the owner is the one the operator registered
DEPOSIT = to_checksum_address("0x" + "d0" * 20)
OWNER_KEY = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba"  # Hardhat #5
dw = ClobClient(HOST, chain_id=137, key=OWNER_KEY, signature_type=3, funder=DEPOSIT)
dw.set_api_creds(dw.create_or_derive_api_key())
admin("fund", {"address": DEPOSIT, "amount": "100"})
check(refused(lambda: dw.create_and_post_order(OrderArgsV2(token_id=A_YES, price=0.35, size=10, side=BUY)),
              "deposit wallet is not registered"), "an unregistered deposit wallet is refused")
admin("deposit-wallets", {"wallet": DEPOSIT, "owner": Account.from_key(OWNER_KEY).address})
w = dw.create_and_post_order(OrderArgsV2(token_id=A_YES, price=0.35, size=10, side=BUY))
check(w["success"] and w["status"] == "live", f"a POLY_1271 order from the official client rests: {w}")
got = dw.get_order(w["orderID"])
check(got["maker_address"].lower() == DEPOSIT.lower(), f"its maker is the deposit wallet: {got}")
check(dw.cancel_all()["canceled"] == [w["orderID"]], "the deposit wallet's order cancels")
check(balance(dw, 3) == 100_000_000, f"signature_type=3 balances are the deposit wallet's: {balance(dw, 3)}")
spenders = maker.get_balance_allowance(BalanceAllowanceParams(asset_type=AssetType.COLLATERAL, signature_type=0))["allowances"]
check("0xE111180000d2663C0091e4f400237545B87B996B" in spenders and "0xe2222d279d744050d28e00520010520000310F59" in spenders,
      f"the V2 exchanges are the collateral's spenders: {spenders}")

# builder codes: the operator registers one; orders carrying it pay the builder 1% of their
# collateral as takers, on top of the price (market A has no platform fee)
CODE, BUILDER = "0x" + "bc" * 32, "0x" + "bb" * 20
admin("builders", {"code": CODE, "address": BUILDER,
                   "builder_maker_fee_rate_bps": 0, "builder_taker_fee_rate_bps": 100})
admin("split", {"address": maker_funder, "market": A_COND, "amount": "100"})
ask_a = maker.create_and_post_order(OrderArgsV2(token_id=A_YES, price=0.5, size=30, side=SELL))
check(ask_a["status"] == "live", f"an ask on market A: {ask_a}")
before = balance(safe, 2)
r = safe.create_and_post_order(OrderArgsV2(token_id=A_YES, price=0.5, size=10, side=BUY, builder_code=CODE))
check(r["status"] == "matched", f"a BUY with the builder code fills: {r}")
check(before - balance(safe, 2) == 5_000_000 + 50_000, f"$5 + 1% to the builder: {before - balance(safe, 2)}")
# the client reads /fees/builder-fees to keep a market BUY within the balance it is given:
# $2 becomes $1.98, which with its $0.0198 builder fee fits
before = balance(safe, 2)
r = safe.create_and_post_market_order(MarketOrderArgsV2(token_id=A_YES, amount=2, side=BUY,
                                                         user_usdc_balance=2, builder_code=CODE))
check(r["status"] == "matched" and r["makingAmount"] == "1.98", f"the fee-adjusted market BUY: {r}")
check(before - balance(safe, 2) == 1_980_000 + 19_800, f"within $2: {before - balance(safe, 2)}")
bt = safe.get_builder_trades(BuilderTradeParams(builder_code=CODE))
check([(t["tradeType"], t["sizeUsdc"], t["builderFee"]) for t in bt["trades"]]
      == [("TAKER", "5", "0.05"), ("TAKER", "1.98", "0.0198")], f"/builder/trades: {bt}")
check(bt["trades"][0]["builder"].lower() == BUILDER and bt["trades"][0]["builderCode"] == CODE,
      f"attributed to the builder: {bt['trades'][0]}")
maker.cancel_order(OrderPayload(orderID=ask_a["orderID"]))

# cancels
resting = maker.create_and_post_order(OrderArgsV2(token_id=A_YES, price=0.3, size=10, side=BUY))
check(resting["success"], "a V2 bid rests on the 0.01 tick")
c = maker.cancel_order(OrderPayload(orderID=resting["orderID"]))
check(c["canceled"] == [resting["orderID"]], f"cancel one: {c}")
c = maker.cancel_all()
check(c["canceled"] == [ask["orderID"]], f"cancel all takes the rest of the ask: {c}")
check(maker.get_open_orders(OpenOrderParams()) == [], "nothing left open")

# ---- the rest of the seed's methods, through the V2 client ----
C_COND, C_YES, C_NO = "0x" + "c6" * 32, "1701", "1702"   # tick 0.001
admin("markets", {"condition_id": C_COND, "tokens": [C_YES, C_NO], "tick_size": "0.001"})
admin("split", {"address": maker_funder, "market": C_COND, "amount": "600"})
check(maker.get_tick_size(C_YES) == "0.001" and maker.get_neg_risk(B_YES) is True, "tick size and neg-risk lookups")
check(maker.get_fee_rate_bps(C_YES) == 0, "the V1 fee-rate lookup still answers")
check(abs(maker.get_server_time() - int(__import__("time").time())) < 5, "server time")
ask_c = maker.create_and_post_order(OrderArgsV2(token_id=C_YES, price=0.6, size=50, side=SELL))
bid_c = taker.create_and_post_order(OrderArgsV2(token_id=C_YES, price=0.4, size=50, side=BUY))
check(ask_c["status"] == "live" and bid_c["status"] == "live", "a two-sided book")
check(maker.get_midpoint(C_YES)["mid"] == "0.5" and maker.get_spread(C_YES)["spread"] == "0.2", "midpoint and spread")
check(maker.get_price(C_YES, "BUY")["price"] == "0.4" and maker.get_price(C_YES, "SELL")["price"] == "0.6",
      "price: best bid for BUY, best ask for SELL")
book = maker.get_order_book(C_YES)
check(book["asks"][-1] == {"price": "0.6", "size": "50"} and book["bids"][-1] == {"price": "0.4", "size": "50"},
      f"the book, best last (a dict in V2): {book}")
check(maker.get_order_book_hash(book) == book["hash"], "the book's hash as the client computes it")
both = [BookParams(token_id=C_YES), BookParams(token_id=C_NO)]
check(len(maker.get_order_books(both)) == 2, "books in one call")
check(maker.get_midpoints(both)[C_NO] == "0.5", f"midpoints: {maker.get_midpoints(both)}")
check(maker.get_prices([BookParams(token_id=C_YES, side="BUY")])[C_YES]["BUY"] == "0.4", "prices in one call")
check(maker.get_spreads(both)[C_YES] == "0.2", "spreads in one call")
r = taker.create_and_post_order(OrderArgsV2(token_id=C_YES, price=0.6, size=10, side=BUY))
check(r["status"] == "matched", f"a trade at 0.6: {r}")
check(maker.get_last_trade_price(C_YES)["price"] == "0.6", "last trade price")
check(maker.get_last_trades_prices([BookParams(token_id=C_YES)])[0]["price"] == "0.6", "last trade prices")
check(any(m["condition_id"] == C_COND for m in maker.get_markets()["data"]), "markets")
check(maker.get_market(C_COND)["minimum_tick_size"] == 0.001, "one market")
for listing in (maker.get_simplified_markets, maker.get_sampling_markets, maker.get_sampling_simplified_markets):
    check("data" in listing(), f"{listing.__name__}")
# a batch of 15 (16 refused), and open orders across pages
batch = [PostOrdersV2Args(order=maker.create_order(OrderArgsV2(token_id=C_YES, price=round(0.70 + 0.001 * i, 3), size=5, side=SELL)),
                          orderType=OrderType.GTC) for i in range(15)]
rs = maker.post_orders(batch)
check(len(rs) == 15 and all(x["status"] == "live" for x in rs), "a batch of 15 V2 orders")
check(refused(lambda: maker.post_orders(batch + batch[:1]), "Too many orders in payload: 16, max allowed: 15"), "16 refused")
for i in range(90):
    maker.create_and_post_order(OrderArgsV2(token_id=C_YES, price=round(0.80 + 0.001 * i, 3), size=5, side=SELL))
opened = maker.get_open_orders(OpenOrderParams(market=C_COND))
check(len(opened) == 1 + 15 + 90, f"open orders across two pages: {len(opened)}")
check(maker.is_order_scoring(OrderScoringParams(orderId=ask_c["orderID"]))["scoring"] is True, "a resting order scores")
check(len(maker.are_orders_scoring(OrdersScoringParams(orderIds=[x["orderID"] for x in rs[:2]]))) == 2, "orders scoring")
ids = [x["orderID"] for x in rs]
check(sorted(maker.cancel_orders(ids[:3])["canceled"]) == sorted(ids[:3]), "cancel many")
c = maker.cancel_market_orders(OrderMarketCancelParams(asset_id=C_YES))
check(len(c["canceled"]) == 1 + 12 + 90, f"cancel by token: {len(c['canceled'])}")
check(len(taker.cancel_market_orders(OrderMarketCancelParams(market=C_COND))["canceled"]) == 1, "cancel by market")
# GTD, trades by page, notifications, account
exp = int(__import__("time").time()) + 3600
g = maker.post_order(maker.create_order(OrderArgsV2(token_id=C_YES, price=0.9, size=5, side=SELL, expiration=exp)), OrderType.GTD)
check(g["status"] == "live" and int(maker.get_order(g["orderID"])["expiration"]) == exp, f"a GTD order: {g}")
maker.cancel_order(OrderPayload(orderID=g["orderID"]))
tp = taker.get_trades_paginated(TradeParams(market=C_COND))
check(len(tp["trades"]) == 1 and tp["count"] == 1, f"trades, one page: {tp}")
n = maker.get_notifications()
check(any(x["type"] == 2 for x in n) and any(x["type"] == 1 for x in n), "fill and cancel notifications")
maker.drop_notifications(DropNotificationParams(ids=[str(x["id"]) for x in n[:2]]))
check(len(maker.get_notifications()) == len(n) - 2, "notifications dropped")
check(maker.get_closed_only_mode()["closed_only"] is False, "not in closed-only mode")
maker.update_balance_allowance(BalanceAllowanceParams(asset_type=AssetType.COLLATERAL))
check(balance(maker, 0, C_YES) == 600_000_000 - 10_000_000, "the maker's shares after the trade")
# API keys
k = safe.get_api_keys()["apiKeys"]
check(safe.creds.api_key in k, "the key is listed")
check(safe.derive_api_key().api_key == safe.creds.api_key, "derive returns it")
safe.delete_api_key()
check(refused(lambda: safe.get_open_orders(OpenOrderParams()), "Unauthorized"), "a deleted key is refused")
safe.set_api_creds(safe.create_or_derive_api_key())
check(safe.get_open_orders(OpenOrderParams()) == [], "a new key works")

# heartbeats as the V2 client sends them: "" starts a chain, then each answer's id continues it
# (last in the flow: a chain that goes silent cancels the maker's orders)
hb = maker.post_heartbeat()
check(len(hb.get("heartbeat_id", "")) == 36, f"the first heartbeat (id \"\") starts a chain: {hb}")
hb2 = maker.post_heartbeat(hb["heartbeat_id"])
check(hb2["heartbeat_id"] != hb["heartbeat_id"], f"the chain continues: {hb2}")

done()
