"""Our order builder against py-clob-client-v2's, side by side in one run (a bench, not a test).

    python python/bench/bench_signing.py [ORDERS]

Both build and sign the same V2 limit order (a BUY of 100 at 0.45, tick 0.01) from the same
argument objects, through their Python interface; each is timed over ORDERS orders (default:
2,000 for ours, a tenth of that for the official one), three rounds, best round kept.
"""

import sys
import time

from py_clob_client_v2.clob_types import CreateOrderOptions, OrderArgsV2
from py_clob_client_v2.order_builder.builder import OrderBuilder as OfficialBuilder
from py_clob_client_v2.signer import Signer as OfficialSigner

import clobkit

KEY = clobkit.TEST_KEYS[0]
TOKEN = "71321045679252212594626385532706912750332728571942532289631379312455583992563"


def per_order(build, n):
    """Best of three rounds of ``n`` orders, seconds per order."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            build()
        best = min(best, (time.perf_counter() - start) / n)
    return best


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    args = OrderArgsV2(token_id=TOKEN, price=0.45, size=100, side="BUY")
    opts = CreateOrderOptions(tick_size="0.01", neg_risk=False)
    official = OfficialBuilder(OfficialSigner(KEY, 137))
    ours = clobkit.OrderBuilder(clobkit.Signer(KEY, 137))
    # the same order, but for the salt and the clock
    a, b = official.build_order(args, opts), ours.build_order(args, opts)
    assert (a.makerAmount, a.takerAmount, a.maker) == (b.makerAmount, b.takerAmount, b.maker)
    t_official = per_order(lambda: official.build_order(args, opts), max(1, n // 10))
    t_ours = per_order(lambda: ours.build_order(args, opts), n)
    print(f"py-clob-client-v2 OrderBuilder.build_order: {t_official * 1e6:.1f} µs per order")
    print(f"clobkit.OrderBuilder.build_order:           {t_ours * 1e6:.1f} µs per order")
    print(f"ratio: {t_official / t_ours:.0f}x (target >= 100x)")


if __name__ == "__main__":
    main()
