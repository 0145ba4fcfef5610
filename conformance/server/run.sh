#!/usr/bin/env bash
# The official clients and the CLI against a real `clobkit serve` process: admin, CLI, Python and
# TypeScript flows (V1, then V2 against `serve --protocol v2`), the demo, rate limits, then the
# crash test. Called by .ci/run after the pinned clients are installed. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --quiet -p clobkit-cli
BIN=$PWD/target/debug/clobkit
# the official Rust SDK's flow, outside the workspace, in its own target folder
CARGO_TARGET_DIR=$PWD/.deps/sdk-target cargo build --quiet --manifest-path conformance/rust-sdk-v2/Cargo.toml
SDK=$PWD/.deps/sdk-target/debug/clobkit-rust-sdk-v2-flow
# sdk_flow PORT DATA COND_BYTE YES NO VERSION: a market, the SDK's two wallets funded (the maker
# holding shares), then the SDK's session
sdk_flow() {
  local host="http://127.0.0.1:$1" adm=("$BIN" admin --host "http://127.0.0.1:$1" --data "$2")
  local cond="0x$(printf "$3%.0s" $(seq 32))"
  "${adm[@]}" market --condition "$cond" --yes "$4" --no "$5" > /dev/null
  "${adm[@]}" fund 0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f 100 > /dev/null
  "${adm[@]}" fund 0xa0Ee7A142d267C1f36714E4a8F75612F20a79720 100 > /dev/null
  "${adm[@]}" split 0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f "$cond" 50 > /dev/null
  "$SDK" "$host" "$6" "$4"
}
PY=$PWD/.deps/venv/bin/python
tmp=$(mktemp -d)
# below the kernel's ephemeral range (32768 and up), so that no client socket of this run can
# hold one of the ports the servers bind (port .. port + 9)
port=$((20000 + RANDOM % 12000))
"$BIN" serve --port "$port" --data "$tmp/flow" --protocol v1 --heartbeat-timeout 2 > "$tmp/flow.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
for _ in $(seq 100); do
  if "$PY" -c "import httpx,sys; httpx.get('http://127.0.0.1:$port/').raise_for_status()" 2>/dev/null; then break; fi
  sleep 0.1
done
echo "-- clobkit admin (the CLI) against the server"
out=$("$BIN" admin --host "http://127.0.0.1:$port" --data "$tmp/flow" market --condition "0x$(printf 'f0%.0s' $(seq 32))" --yes 9901 --no 9902 --tick 0.001 --neg-risk)
[ "$out" = '{"ok":true}' ] || { echo "admin market: $out"; exit 1; }
"$BIN" admin --host "http://127.0.0.1:$port" --data "$tmp/flow" fund 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 12.5 > /dev/null
if "$BIN" admin --host "http://127.0.0.1:$port" --token wrong fund 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 1 2> "$tmp/err"; then echo "a wrong admin token was accepted"; exit 1; fi
grep -q "401" "$tmp/err" || { echo "wrong token: $(cat "$tmp/err")"; exit 1; }
echo "3 passed, 0 failed"
echo "-- clobkit trading commands (the CLI over clobkit-client)"
DATA="$tmp/flow" bash conformance/server/cli_flow.sh "$BIN" "http://127.0.0.1:$port" "$PY"
echo "-- py-clob-client flow against clobkit serve (port $port)"
"$PY" conformance/server/py_flow.py "http://127.0.0.1:$port" "$tmp/flow" || { tail -20 "$tmp/flow.log"; exit 1; }
echo "-- @polymarket/clob-client flow against the same server"
node conformance/server/ts_flow.mjs "http://127.0.0.1:$port" "$tmp/flow" || { tail -20 "$tmp/flow.log"; exit 1; }
echo "-- the official Rust SDK (polymarket_client_sdk_v2 0.9.0) on the V1 server, signing V1"
sdk_flow "$port" "$tmp/flow" 5d 1501 1502 1 || { tail -20 "$tmp/flow.log"; exit 1; }
echo "-- the cutover drill: py-clob-client-v2 on the V1 server through clobkit admin cutover"
"$PY" conformance/server/py_cutover.py "http://127.0.0.1:$port" "$tmp/flow" "$BIN" || { tail -20 "$tmp/flow.log"; exit 1; }
kill -TERM "$pid"
if ! wait "$pid"; then echo "clobkit serve did not shut down cleanly on SIGTERM"; tail -20 "$tmp/flow.log"; exit 1; fi
grep -q "final snapshot written" "$tmp/flow.log" || { echo "no final snapshot at shutdown"; exit 1; }
echo "-- py-clob-client-v2 flow against clobkit serve (V2, the default)"
vport=$((port + 3))
"$BIN" serve --port "$vport" --data "$tmp/v2" --no-fsync > "$tmp/v2.log" 2>&1 &
vpid=$!
for _ in $(seq 100); do
  if "$PY" -c "import httpx; httpx.get('http://127.0.0.1:$vport/').raise_for_status()" 2>/dev/null; then break; fi
  sleep 0.1
done
"$PY" conformance/server/py_v2_flow.py "http://127.0.0.1:$vport" "$tmp/v2" || { tail -20 "$tmp/v2.log"; kill "$vpid"; exit 1; }
echo "-- the official Rust SDK (polymarket_client_sdk_v2 0.9.0) on the V2 server"
sdk_flow "$vport" "$tmp/v2" 6d 1601 1602 2 || { tail -20 "$tmp/v2.log"; kill "$vpid"; exit 1; }
echo "-- @polymarket/clob-client-v2 flow against the same V2 server"
node conformance/server/ts_v2_flow.mjs "http://127.0.0.1:$vport" "$tmp/v2" || { tail -20 "$tmp/v2.log"; kill "$vpid"; exit 1; }
echo "-- clobkit stream and clobkit admin fault (the CLI) against the same V2 server"
bash conformance/server/cli_stream.sh "$BIN" "http://127.0.0.1:$vport" "$tmp/v2" "$PY" || { tail -20 "$tmp/v2.log"; kill "$vpid"; exit 1; }
echo "-- @nevuamarkets/poly-websockets 1.0.2 keeps books from the market channel while clob-client-v2 trades"
node conformance/server/ts_ws_book.mjs "http://127.0.0.1:$vport" "$tmp/v2" || { tail -20 "$tmp/v2.log"; kill "$vpid"; exit 1; }
kill -TERM "$vpid"; wait "$vpid" || true
echo "-- clobkit demo"
"$BIN" demo > "$tmp/demo.log" 2>&1 || { cat "$tmp/demo.log"; exit 1; }
grep -q "embedded V2 exchange" "$tmp/demo.log" && grep -q "every L2 method of the official clients called" "$tmp/demo.log" || { cat "$tmp/demo.log"; exit 1; }
"$BIN" demo --protocol v1 > "$tmp/demo1.log" 2>&1 || { cat "$tmp/demo1.log"; exit 1; }
grep -q "embedded V1 exchange" "$tmp/demo1.log" && grep -q "every L2 method of the official clients called" "$tmp/demo1.log" || { cat "$tmp/demo1.log"; exit 1; }
echo "2 passed, 0 failed"
echo "-- rate limits (serve --rate-limits polymarket) seen by py-clob-client"
lport=$((port + 2))
"$BIN" serve --port "$lport" --data "$tmp/limits" --no-fsync --protocol v1 --rate-limits polymarket > "$tmp/limits.log" 2>&1 &
lpid=$!
for _ in $(seq 100); do
  if "$PY" -c "import httpx; httpx.get('http://127.0.0.1:$lport/time').raise_for_status()" 2>/dev/null; then break; fi
  sleep 0.1
done
"$PY" conformance/server/py_limits.py "http://127.0.0.1:$lport" || { kill "$lpid"; exit 1; }
kill -TERM "$lpid"; wait "$lpid" || true
echo "-- crash safety (SIGKILL mid-stream, restart, check)"
"$PY" conformance/server/py_crash.py "$BIN" "$((port + 1))" "$tmp/crash"
