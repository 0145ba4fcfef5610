"""`clobkit serve --rate-limits polymarket` as py-clob-client sees it.

Usage: py_limits.py HOST. The documented health limit is 100 requests per 10 s per caller: the
first 100 `get_ok()` calls succeed (plus the refill of one per 100 ms while they run), the next
raises the client's PolyApiException with status 429, and the raw response carries `{"error":"Too Many Requests"}` and a Retry-After header.
Other routes keep working. Prints `N passed, 0 failed`.
"""

import sys
import time

import httpx
from py_clob_client.client import ClobClient
from py_clob_client.exceptions import PolyApiException

from checks import check, done

HOST = sys.argv[1]
client = ClobClient(HOST)
# 100 per 10 s is a bucket of 100 that refills one request per 100 ms: the official client is
# admitted 100 times plus what refilled while it ran, then refused with a 429.
start = time.monotonic()
oks, status = 0, None
while oks < 10_000:
    try:
        client.get_ok()
        oks += 1
    except PolyApiException as e:
        status = e.status_code
        break
elapsed = time.monotonic() - start
most = 100 + int(elapsed * 10) + 1
check(100 <= oks <= most, f"GET / admitted 100 times plus the refill ({oks} in {elapsed:.2f} s, at most {most})")
check(status == 429, f"the official client sees 429 ({status})")
# The bucket refills one request per 100 ms, so a request sent after a pause may be admitted
# again: drain it with raw requests on one connection and read the first refusal itself.
with httpx.Client() as raw:
    for _ in range(1000):
        r = raw.get(f"{HOST}/")
        if r.status_code == 429:
            break
check(r.status_code == 429 and r.json() == {"error": "Too Many Requests"}, f"429 body: {r.text}")
retry = int(r.headers.get("retry-after", "0"))
check(1 <= retry <= 10, f"Retry-After in whole seconds within the window ({retry})")
check(isinstance(client.get_server_time(), int), "other routes are not affected")
done()
