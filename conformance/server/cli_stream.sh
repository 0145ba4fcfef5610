#!/usr/bin/env bash
# The CLI's streaming and fault commands against a running `clobkit serve`:
# `clobkit stream market` prints one JSON line per event (and per connection change), and
# `clobkit admin fault` arms, lists and clears drills that the stream then shows.
# Usage: cli_stream.sh BIN HOST DATA PYTHON   (prints "N passed, 0 failed"; exits 1 on the first failure)
set -euo pipefail
BIN=$1 HOST=$2 DATA=$3 PY=$4
status() { "$PY" -c "import httpx,sys; print(httpx.get(sys.argv[1]).status_code)" "$1"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
ok() { passed=$((passed + 1)); }
fail() { echo "FAIL: $1"; echo "$passed passed, 1 failed"; exit 1; }
adm=("$BIN" admin --host "$HOST" --data "$DATA")
cond="0x$(printf 'e4%.0s' $(seq 32))"
"${adm[@]}" market --condition "$cond" --yes 4401 --no 4402 > /dev/null
timeout 4 "$BIN" stream --host "$HOST" market 4401 4402 > "$tmp/stream.jsonl" 2> "$tmp/stream.err" &
spid=$!
sleep 1
"${adm[@]}" fault arm unknown-event > /dev/null
id=$("${adm[@]}" fault arm too-early --route "GET /book" --for-ms 60000 | sed -E 's/.*"id":([0-9]+).*/\1/')
"${adm[@]}" fault list | grep -q '"kind":"too_early"' && ok || fail "fault list shows the armed fault"
code=$(status "$HOST/book?token_id=4401")
[ "$code" = 425 ] && ok || fail "the armed 425 answers GET /book (got $code)"
"${adm[@]}" fault clear "$id" | grep -q '"cleared":1' && ok || fail "fault clear ID"
code=$(status "$HOST/book?token_id=4401")
[ "$code" = 200 ] && ok || fail "GET /book answers again once cleared (got $code)"
wait "$spid" || true
grep -q '"clobkit":"connected"' "$tmp/stream.jsonl" && ok || fail "stream says it connected: $(cat "$tmp/stream.jsonl" "$tmp/stream.err")"
[ "$(grep -c '"event_type":"book"' "$tmp/stream.jsonl")" = 2 ] && ok || fail "a book line per token: $(cat "$tmp/stream.jsonl")"
grep -q '"event_type":"clobkit_unknown_event"' "$tmp/stream.jsonl" && ok || fail "the unknown event is printed as received"
echo "$passed passed, 0 failed"
