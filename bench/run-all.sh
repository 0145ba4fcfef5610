#!/usr/bin/env bash
# Every benchmark of BENCHMARKS.md in one run, so ratios compare figures taken minutes apart on
# the same machine: clobkit-core's criterion benches, the official Rust SDK side by side, and the
# official Python clients, our Python binding against py-clob-client-v2, and the simulator. Needs
# the Python venv that .ci/run installs (.deps/venv).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(date -u +%F)"
echo "== clobkit-core criterion benches"
cargo bench -p clobkit-core --bench core 2>&1 | grep -E '^[a-z_]+/[a-z_0-9]+|time:' | paste - - | sed 's/  */ /g'
echo "== polymarket-client-sdk 0.4.4 vs clobkit-core (same process, interleaved)"
bash bench/sdk-compare/run.sh
echo "== py-clob-client 0.34.6"
.deps/venv/bin/python bench/python/create_order.py
echo "== py-clob-client-v2 1.2.1"
.deps/venv/bin/python bench/python/create_order_v2.py
echo "== clobkit for Python against py-clob-client-v2 1.2.1 (release wheel in .deps/pybench)"
if [ ! -x .deps/pybench/bin/python ]; then
  python3 -m venv .deps/pybench
  .deps/pybench/bin/python -m pip install --quiet --disable-pip-version-check -r conformance/requirements.txt
fi
CARGO_TARGET_DIR="$PWD/target" .deps/pybench/bin/python -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./python
.deps/pybench/bin/python python/bench/bench_signing.py
echo "== the simulator: agent rate and a user's p99 beside it"
cargo bench -p clobkit-sim --bench sim
