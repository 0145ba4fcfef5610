"""clobkit for Python: a local Polymarket CLOB exchange for tests, and exact fast order signing.

- :class:`LocalExchange` runs the exchange (V2 by default, as production) on a free port in a
  temporary folder, seeded with markets and funded wallets, with its admin calls; use it as a
  context manager. The pytest plugin gives it as the ``clob_exchange`` fixture, and funded
  wallets with API credentials as ``clob_wallets``.
- :class:`OrderBuilder`, :func:`create_level_1_headers` and :func:`create_level_2_headers` take
  and return what ``py-clob-client-v2``'s own do, with exact amounts (decimals, never floats)
  and orders signed in Rust: ``client.builder = clobkit.OrderBuilder(client.signer, ...)``.
- The ``clobkit`` command (``clobkit serve``, ``clobkit demo``) is installed with the package.
"""

from ._native import ExchangeError, InvalidInput, NoMatch
from .exchange import LocalExchange, Wallet, TEST_KEYS
from .signing import (
    OrderBuilder,
    Signer,
    SignedOrder,
    create_level_1_headers,
    create_level_2_headers,
    order_to_json,
)

__all__ = [
    "ExchangeError",
    "InvalidInput",
    "NoMatch",
    "LocalExchange",
    "Wallet",
    "TEST_KEYS",
    "OrderBuilder",
    "Signer",
    "SignedOrder",
    "create_level_1_headers",
    "create_level_2_headers",
    "order_to_json",
]
