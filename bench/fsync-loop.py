"""The disk alone: how long appending a journal-sized record and `fdatasync`ing it takes.

Usage: python3 bench/fsync-loop.py DIR [SECONDS] [--burst]

Appends 400-byte records (the journal averages about 385 bytes per order) to a file in DIR,
each followed by `os.fdatasync`, for SECONDS (default 20), and prints the latency percentiles,
the slowest sync and how many took over 20 ms (issue 10's stall bound). With `--burst`, a second
thread meanwhile writes 4 MiB to another file and fsyncs it every 100 ms, as the history's
checkpoints do. The exchange's own requests cannot be faster than this disk's syncs.
"""

import os
import sys
import threading
import time

RECORD = b"x" * 400
BURST = b"y" * (4 << 20)


def bursts(folder: str, until: float) -> None:
    fd = os.open(os.path.join(folder, "fsync-loop-other"), os.O_CREAT | os.O_WRONLY | os.O_TRUNC)
    try:
        rounds = 0
        while time.time() < until:
            os.write(fd, BURST)
            os.fsync(fd)
            rounds += 1
            if rounds % 16 == 0:
                os.lseek(fd, 0, os.SEEK_SET)
            time.sleep(0.1)
    finally:
        os.close(fd)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not args:
        sys.exit(__doc__)
    folder = args[0]
    seconds = float(args[1]) if len(args) > 1 else 20.0
    until = time.time() + seconds
    other = None
    if "--burst" in sys.argv:
        other = threading.Thread(target=bursts, args=(folder, until))
        other.start()
    path = os.path.join(folder, "fsync-loop-journal")
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC)
    took = []
    try:
        while time.time() < until:
            start = time.perf_counter()
            os.write(fd, RECORD)
            os.fdatasync(fd)
            took.append(time.perf_counter() - start)
    finally:
        os.close(fd)
        os.unlink(path)
    if other is not None:
        other.join()
        os.unlink(os.path.join(folder, "fsync-loop-other"))
    took.sort()
    n = len(took)

    def ms(q: float) -> float:
        return took[min(n - 1, int(n * q))] * 1e3

    print(
        f"{n} syncs in {seconds:.0f} s: p50 {ms(0.5):.2f} ms, p99 {ms(0.99):.2f} ms, "
        f"p99.9 {ms(0.999):.2f} ms, slowest {took[-1] * 1e3:.1f} ms, "
        f"{sum(1 for t in took if t > 0.02)} over 20 ms"
    )


if __name__ == "__main__":
    main()
