"""The pass/fail counter shared by the Python conformance scripts.

A script calls `check(condition, what)` for every assertion; the first failure prints what failed
and the `N passed, 1 failed` line that run.sh reads, then exits 1. `done()` prints the closing
`N passed, 0 failed` line.
"""

import sys

_passed = 0


def check(cond, what):
    global _passed
    if not cond:
        print(f"FAIL: {what}")
        print(f"{_passed} passed, 1 failed")
        sys.exit(1)
    _passed += 1


def refused(f, text):
    """Whether `f()` is refused by the exchange with a message containing `text` (the API error
    of either official Python client; any other exception propagates)."""
    try:
        f()
    except Exception as e:  # noqa: BLE001 - py_clob_client's and py_clob_client_v2's PolyApiException
        message = getattr(e, "error_msg", None)
        if message is None:
            raise
        return text in str(message)
    return False


def done():
    print(f"{_passed} passed, 0 failed")
