"""The pytest plugin of clobkit (registered by ``pip install``): a local exchange per test, and
funded wallets with API credentials on it.

Fixtures:

- ``clob_exchange``: a :class:`clobkit.LocalExchange`, started before the test and stopped after
  it, even when the test fails. One per test by default; ``clob_exchange_scope = session`` in
  the pytest ini options shares one across the session. ``clob_exchange_protocol`` (``v2`` or
  ``v1``) picks the protocol version.
- ``clob_seed``: the markets it starts with (override it in a ``conftest.py``); by default one
  market, tokens ``1001``/``1002``, tick 0.01, condition id :data:`MARKET`.
- ``clob_wallets``: the test keys' wallets (:data:`clobkit.TEST_KEYS`, ``clob_wallet_count`` of
  them, 2 by default), each credited 10,000 USDC, with 1,000 of it split into YES+NO pairs of
  every seeded market, and an API key.

A test is then a few lines with the official client::

    def test_my_bot(clob_exchange, clob_wallets):
        client = clob_exchange.client(clob_wallets[0])  # py-clob-client-v2's ClobClient
        ...
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from .exchange import TEST_KEYS, LocalExchange, Wallet

#: The default seed's market.
MARKET = "0x" + "c1" * 32
#: The default seed's tokens.
YES, NO = "1001", "1002"


def pytest_addoption(parser: Any) -> None:
    parser.addini(
        "clob_exchange_scope",
        "scope of clobkit's clob_exchange and clob_wallets fixtures: function (default) or session",
        default="function",
    )
    parser.addini(
        "clob_exchange_protocol", "protocol of clob_exchange: v2 (default) or v1", default="v2"
    )
    parser.addini("clob_wallet_count", "how many wallets clob_wallets funds (default 2)", default="2")


def _scope(fixture_name: str, config: Any) -> str:
    scope = config.getini("clob_exchange_scope") or "function"
    if scope not in ("function", "session", "module", "package", "class"):
        raise pytest.UsageError(f"clob_exchange_scope = {scope!r}: expected function or session")
    return scope


@pytest.fixture(scope="session")
def clob_seed() -> dict:
    """The markets ``clob_exchange`` starts with."""
    return {"market": [{"condition_id": MARKET, "tokens": [YES, NO], "tick_size": "0.01"}]}


@pytest.fixture(scope=_scope)
def clob_exchange(request: Any, clob_seed: dict) -> Iterator[LocalExchange]:
    """A running local exchange, stopped (and its folder removed) after the test."""
    protocol = request.config.getini("clob_exchange_protocol") or "v2"
    with LocalExchange(seed=clob_seed, protocol=protocol) as ex:
        yield ex


@pytest.fixture(scope=_scope)
def clob_wallets(request: Any, clob_exchange: LocalExchange, clob_seed: dict) -> list[Wallet]:
    """Funded wallets with API keys on ``clob_exchange``."""
    count = int(request.config.getini("clob_wallet_count") or 2)
    if not 1 <= count <= len(TEST_KEYS):
        raise pytest.UsageError(f"clob_wallet_count = {count}: expected 1 to {len(TEST_KEYS)}")
    markets = [m["condition_id"] for m in clob_seed.get("market", [])]
    return [
        clob_exchange.wallet(key, usdc=10_000, splits={m: 1_000 for m in markets})
        for key in TEST_KEYS[:count]
    ]
