#!/usr/bin/env bash
# The clobkit trading commands against a running exchange. Usage: cli_flow.sh BIN HOST PY
set -euo pipefail
BIN=$1; HOST=$2; PY=$3
export CLOB_HOST=$HOST
maker=0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba
taker=0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e
pass=0
ok() { pass=$((pass + 1)); }
jq_() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
M=0x$(printf 'c1%.0s' $(seq 32))
"$BIN" admin --data "$DATA" market --condition "$M" --yes 8801 --no 8802 > /dev/null
for k in $maker $taker; do
  addr=$(PRIVATE_KEY=$k "$BIN" --json keys create | jq_ 'd["apiKey"]')
  [ -n "$addr" ] && ok
done
fund() { "$PY" -c "from eth_account import Account; print(Account.from_key('$1').address)"; }
"$BIN" admin --data "$DATA" fund "$(fund $maker)" 100 > /dev/null
"$BIN" admin --data "$DATA" split "$(fund $maker)" "$M" 50 > /dev/null
"$BIN" admin --data "$DATA" fund "$(fund $taker)" 100 > /dev/null
[ "$(PRIVATE_KEY=$maker "$BIN" --json order --token 8801 --side sell --price 0.6 --size 20 2>/dev/null | jq_ 'd["status"]')" = live ] && ok
[ "$("$BIN" --json price 8801 --side sell | jq_ 'd')" = 0.6 ] && ok
[ "$(PRIVATE_KEY=$taker "$BIN" --json market-order --token 8801 --side buy --amount 6 2>/dev/null | jq_ 'd["takingAmount"]')" = 10 ] && ok
[ "$(PRIVATE_KEY=$maker "$BIN" --json orders 2>/dev/null | jq_ 'd[0]["size_matched"]')" = 10 ] && ok
[ "$(PRIVATE_KEY=$taker "$BIN" --json trades 2>/dev/null | jq_ 'len(d)')" = 1 ] && ok
[ "$(PRIVATE_KEY=$taker "$BIN" --json balance --token 8801 2>/dev/null | jq_ 'd["balance"]')" = 10000000 ] && ok
[ "$(PRIVATE_KEY=$maker "$BIN" --json cancel --all 2>/dev/null | jq_ 'len(d["canceled"])')" = 1 ] && ok
[ "$(PRIVATE_KEY=$maker "$BIN" --json notifications list 2>/dev/null | jq_ 'len(d)')" = 2 ] && ok
if PRIVATE_KEY=$maker "$BIN" order --token 8801 --side buy --price 0.555 --size 10 2> "$DATA.err"; then exit 1; fi
grep -q "multiple of the tick size" "$DATA.err" && ok
if "$BIN" book 424242 2> "$DATA.err"; then exit 1; fi
grep -q "No orderbook exists" "$DATA.err" && ok
# a value that does not parse is a usage error (exit 2), reported before anything is sent
set +e; PRIVATE_KEY=$maker "$BIN" --host http://127.0.0.1:9 order --token 8801 --side buy --price 0.5x --size 10 2> "$DATA.err"; code=$?; set -e
[ "$code" -eq 2 ] && grep -q 'invalid price "0.5x"' "$DATA.err" && ok
echo "$pass passed, 0 failed"
[ "$pass" -eq 13 ]
