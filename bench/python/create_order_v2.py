"""Times the official V2 Python client's order creation (py-clob-client-v2 1.2.1, local signing).

The order of clobkit-core's `order/build_hash_sign_v2` bench (vector A of the V2 clients): limit
BUY of 100 shares at 0.50, tick 0.01, Polygon, the V2 exchange, EOA, Hardhat #0 key. The tick
size and neg-risk flag are passed in and the version is 2, so no request is made: this is amounts
+ EIP-712 + signing.

Run: .deps/venv/bin/python bench/python/create_order_v2.py
Prints the median microseconds per order over interleaved samples.
"""

import statistics
import time

from py_clob_client_v2.clob_types import CreateOrderOptions, OrderArgsV2
from py_clob_client_v2.order_builder.builder import OrderBuilder
from py_clob_client_v2.signer import Signer

KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
TOKEN = "71321045679252212594626385532706912750332728571942532289631379312455583992563"


def main():
    builder = OrderBuilder(Signer(KEY, 137))
    args = OrderArgsV2(token_id=TOKEN, price=0.5, size=100.0, side="BUY")
    opts = CreateOrderOptions(tick_size="0.01", neg_risk=False)
    for _ in range(20):
        builder.build_order(args, opts, version=2)
    samples = []
    per = 50
    for _ in range(21):
        t = time.perf_counter()
        for _ in range(per):
            builder.build_order(args, opts, version=2)
        samples.append((time.perf_counter() - t) * 1e6 / per)
    print(f"py-clob-client-v2 1.2.1 build_order (V2) median {statistics.median(samples):.1f} us "
          f"(min {min(samples):.1f}, max {max(samples):.1f}, {len(samples)} samples of {per})")


if __name__ == "__main__":
    main()
