"""LocalExchange and the pytest fixtures: they start and stop real exchanges (also when a test
fails), seed them, run the admin calls, and refuse bad input with clear exceptions."""

import json
import os
import socket
import subprocess
import sys
import textwrap
import urllib.request

import pytest

from clobkit import ExchangeError, InvalidInput, LocalExchange
from clobkit.exchange import AdminError
from clobkit.pytest_plugin import MARKET, NO, YES


def get(host, path):
    with urllib.request.urlopen(host + path, timeout=10) as r:
        return json.loads(r.read().decode())


def port_open(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_the_fixture_serves_the_seeded_market_and_funded_wallets(clob_exchange, clob_wallets):
    assert get(clob_exchange.host, "/version") == {"version": 2}
    book = get(clob_exchange.host, f"/book?token_id={YES}")
    assert book["market"] == MARKET and book["tick_size"] == "0.01"
    accounts = {a["address"]: a for a in clob_exchange.accounts()}
    for w in clob_wallets:
        a = accounts[w.address.lower()]
        assert a["collateral"]["balance"] == "9000"
        assert {p["token"]: p["balance"] for p in a["positions"]} == {YES: "1000", NO: "1000"}
        assert w.api_key and w.api_secret and w.api_passphrase


def test_a_context_manager_starts_and_stops_and_cleans_up():
    with LocalExchange() as ex:
        port, folder = ex.port, ex.data_dir
        assert ex.running and port_open(port) and os.path.isdir(folder)
        assert ex.ws_host == f"ws://127.0.0.1:{port}"
    assert not ex.running and not port_open(port) and not os.path.exists(folder)
    ex.stop()  # twice is fine
    with pytest.raises(ExchangeError, match="not running"):
        ex.host


def test_a_given_folder_is_kept_and_recovered(tmp_path):
    seed = f"""
[[market]]
condition_id = "{MARKET}"
tokens = ["{YES}", "{NO}"]
tick_size = "0.001"
"""
    path = tmp_path / "seed.toml"
    path.write_text(seed)
    with LocalExchange(seed=path, data_dir=tmp_path / "data", fsync=True) as ex:
        ex.fund("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "12.5")
    # restarted on the same folder: the seed is not applied twice, the deposit is still there
    with LocalExchange(seed=seed, data_dir=tmp_path / "data") as ex:
        assert get(ex.host, f"/tick-size?token_id={YES}") == {"minimum_tick_size": 0.001}
        [a] = [a for a in ex.accounts() if a["address"] == "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"]
        assert a["collateral"]["balance"] == "12.5"


def test_admin_calls(clob_exchange, clob_wallets):
    ex, (a, b) = clob_exchange, clob_wallets
    ex.set_tick_size(MARKET, "0.001")
    assert get(ex.host, f"/tick-size?token_id={YES}") == {"minimum_tick_size": 0.001}
    fid = ex.arm_fault("too_many_requests", route="GET /time", count=1, retry_after=2)
    assert [f["id"] for f in ex.faults()] == [fid]
    with pytest.raises(urllib.error.HTTPError) as e:
        get(ex.host, "/time")
    assert e.value.code == 429 and e.value.headers["Retry-After"] == "2"
    ex.arm_fault("freeze", channel="market", duration_ms=1000)
    ex.clear_faults()
    assert ex.faults() == []
    # a trade, then its status moved by the operator, then the market resolved
    ca, cb = ex.client(a), ex.client(b)
    from py_clob_client_v2.clob_types import OrderArgsV2, OrderType, TradeParams

    ca.post_order(ca.create_order(OrderArgsV2(token_id=YES, price=0.4, size=10, side="BUY")), OrderType.GTC)
    cb.post_order(cb.create_order(OrderArgsV2(token_id=YES, price=0.4, size=10, side="SELL")), OrderType.GTC)
    [trade] = ca.get_trades(TradeParams(market=MARKET))
    ex.set_trade_status(trade["id"], "MINED")
    ex.set_trade_status(trade["id"], "CONFIRMED")
    [trade] = ca.get_trades(TradeParams(market=MARKET))
    assert trade["status"] == "CONFIRMED"
    ex.resolve(MARKET, YES)
    assert get(ex.host, f"/markets/{MARKET}")["closed"] is True


def test_bad_input_raises_clear_exceptions(tmp_path):
    with pytest.raises(InvalidInput, match="seed"):
        LocalExchange(seed={"market": [{"condition_id": "nope", "tokens": ["1", "2"]}]}).start()
    with pytest.raises(InvalidInput, match="protocol"):
        LocalExchange(protocol="v9").start()
    with pytest.raises(InvalidInput, match="chain_id"):
        LocalExchange(chain_id=5).start()
    with pytest.raises(InvalidInput, match="seed"):
        LocalExchange(seed=42)
    with LocalExchange() as ex:
        # the port is taken: a clear error, and the temporary folder is gone
        with pytest.raises(ExchangeError, match="binding"):
            LocalExchange(port=ex.port).start()
        with pytest.raises(AdminError) as e:
            ex.fund("not-an-address", "1")
        assert e.value.status == 400
        with pytest.raises(AdminError):
            ex.split("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", MARKET, "1")  # no such market
        assert ex.running  # nothing above stopped it


def test_the_fixtures_stop_the_exchange_when_a_test_fails(tmp_path):
    """A failing test in a pytest run of its own: its exchange is stopped and removed anyway."""
    out = tmp_path / "seen.json"
    test = tmp_path / "test_fails.py"
    test.write_text(textwrap.dedent(f"""
        import json
        def test_fails(clob_exchange, clob_wallets):
            open({str(out)!r}, "w").write(json.dumps([clob_exchange.port, clob_exchange.data_dir]))
            assert False, "this test fails on purpose"
    """))
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == 1 and "1 failed" in r.stdout, r.stdout + r.stderr
    port, folder = json.loads(out.read_text())
    assert not port_open(port) and not os.path.exists(folder)


def test_the_session_scope_shares_one_exchange(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\nclob_exchange_scope = session\nclob_wallet_count = 3\n")
    (tmp_path / "test_shared.py").write_text(textwrap.dedent("""
        seen = []
        def test_one(clob_exchange, clob_wallets):
            seen.append(clob_exchange.port)
            assert len(clob_wallets) == 3
        def test_two(clob_exchange):
            seen.append(clob_exchange.port)
            assert seen[0] == seen[1]
    """))
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == 0 and "2 passed" in r.stdout, r.stdout + r.stderr


def test_the_clobkit_command_is_installed():
    exe = os.path.join(os.path.dirname(sys.executable), "clobkit")
    r = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith("clobkit "), r
    # the whole trading session of the demo, on its own embedded exchange
    r = subprocess.run([exe, "demo"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "== summary" in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]
    r = subprocess.run([exe, "serve", "--port", "nope"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "invalid value" in r.stderr
    with LocalExchange(seed={"market": [{"condition_id": MARKET, "tokens": [YES, NO]}]}) as ex:
        r = subprocess.run([exe, "book", YES, "--host", ex.host, "--json"], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["asset_id"] == YES
