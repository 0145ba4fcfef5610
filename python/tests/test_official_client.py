"""py-clob-client-v2 1.2.1, unmodified, trading through a scripted session against the
``clob_exchange`` fixture: what a bot author's test looks like, and what it can assert."""

import pytest
from py_clob_client_v2.clob_types import (
    AssetType,
    BalanceAllowanceParams,
    MarketOrderArgsV2,
    OpenOrderParams,
    OrderArgsV2,
    OrderType,
    TradeParams,
)

import clobkit
from clobkit.pytest_plugin import MARKET, NO, YES


def usdc(client):
    p = BalanceAllowanceParams(asset_type=AssetType.COLLATERAL)
    return int(client.get_balance_allowance(p)["balance"])


def shares(client, token):
    p = BalanceAllowanceParams(asset_type=AssetType.CONDITIONAL, token_id=token)
    return int(client.get_balance_allowance(p)["balance"])


def test_a_session_with_the_official_client(clob_exchange, clob_wallets):
    maker, taker = (clob_exchange.client(w) for w in clob_wallets)
    assert maker.get_version() == 2
    start = usdc(maker), usdc(taker), shares(maker, YES), shares(taker, YES)

    # a resting bid, visible in the book and in the maker's open orders
    r = maker.post_order(maker.create_order(OrderArgsV2(token_id=YES, price=0.45, size=20, side="BUY")), OrderType.GTC)
    assert r["success"] and r["status"] == "live", r
    bid = r["orderID"]
    book = maker.get_order_book(YES)
    assert [(lv["price"], lv["size"]) for lv in book["bids"]] == [("0.45", "20")]
    assert [o["id"] for o in maker.get_open_orders(OpenOrderParams(market=MARKET))] == [bid]

    # the taker sells 8 shares at market into it: a FOK that fills at 0.45
    price = taker.calculate_market_price(YES, "SELL", 8, OrderType.FOK)
    assert price == 0.45
    sell = taker.create_market_order(MarketOrderArgsV2(token_id=YES, amount=8, side="SELL", price=price))
    r = taker.post_order(sell, OrderType.FOK)
    assert r["success"] and r["status"] == "matched", r
    [t] = taker.get_trades(TradeParams(market=MARKET))
    assert (t["side"], t["size"], t["price"], t["status"]) == ("SELL", "8", "0.45", "MATCHED")

    # balances moved by exactly 8 × 0.45 = 3.6 USDC and 8 shares (no fees on this market)
    assert usdc(taker) == start[1] + 3_600_000
    assert shares(taker, YES) == start[3] - 8_000_000
    assert shares(maker, YES) == start[2] + 8_000_000
    assert usdc(maker) == start[0] - 3_600_000  # the rest of the bid is reserved, not spent

    # the rest of the bid is cancelled; a post-only ask that would cross is refused
    assert maker.cancel_all()["canceled"] == [bid]
    assert maker.get_open_orders(OpenOrderParams(market=MARKET)) == []
    maker.post_order(maker.create_order(OrderArgsV2(token_id=NO, price=0.6, size=5, side="SELL")), OrderType.GTC)
    crossing = taker.create_order(OrderArgsV2(token_id=NO, price=0.6, size=5, side="BUY"))
    with pytest.raises(Exception) as e:
        taker.post_order(crossing, OrderType.GTC, post_only=True)
    assert "post-only" in str(e.value).lower() or "cross" in str(e.value).lower()


def test_our_builder_in_the_official_client(clob_exchange, clob_wallets):
    """``client.builder = clobkit.OrderBuilder(...)``: the official client posts our orders."""
    maker, taker = (clob_exchange.client(w) for w in clob_wallets)
    for c in (maker, taker):
        c.builder = clobkit.OrderBuilder(c.signer, c.builder.signature_type, c.builder.funder)
    # 0.07 × 10: the float product is 0.7000000000000001; our amounts are exact
    r = maker.post_order(maker.create_order(OrderArgsV2(token_id=YES, price=0.07, size=10, side="BUY")), OrderType.GTC)
    assert r["success"], r
    order = maker.get_order(r["orderID"])
    assert (order["original_size"], order["price"]) == ("10", "0.07")
    price = taker.calculate_market_price(YES, "SELL", 10, OrderType.FOK)
    r = taker.post_order(
        taker.create_market_order(MarketOrderArgsV2(token_id=YES, amount=10, side="SELL", price=price)),
        OrderType.FOK,
    )
    assert r["status"] == "matched", r
    assert [t["size"] for t in maker.get_trades(TradeParams(market=MARKET))] == ["10"]
