#!/usr/bin/env bash
# The dashboard in a real browser: `clobkit serve --simulate examples/sim.toml` on a free
# loopback port, Debian's chromium (/usr/bin/chromium, or $CHROMIUM) driven by the pinned
# playwright-core through dashboard.mjs, then a clean shutdown that prints the simulation's
# summary. Called by .ci/run after it installed chromium.
#
# run.sh CLOBKIT_BINARY SCREENSHOT.png
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
bin=$1
shot=$2
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
tmp=$(mktemp -d)
port=$((20000 + RANDOM % 12000))
"$bin" serve --port "$port" --data "$tmp/data" --no-fsync --simulate "$root/examples/sim.toml" > "$tmp/serve.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
base="http://127.0.0.1:$port"
node -e "
  const end = Date.now() + 20000;
  (async () => {
    while (Date.now() < end) {
      try { if ((await fetch('$base/')).ok) process.exit(0); } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
    process.exit(1);
  })();" || { echo "clobkit serve did not come up"; cat "$tmp/serve.log"; exit 1; }
node "$here/dashboard.mjs" "$base" "$(cat "$tmp/data/admin-token")" "$shot" || { tail -20 "$tmp/serve.log"; exit 1; }
kill -TERM "$pid"
if ! wait "$pid"; then echo "clobkit serve did not shut down cleanly"; tail -20 "$tmp/serve.log"; exit 1; fi
grep -q "^simulation: seed " "$tmp/serve.log" || { echo "no simulation summary at shutdown"; tail -20 "$tmp/serve.log"; exit 1; }
