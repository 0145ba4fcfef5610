#!/usr/bin/env bash
# V2 order build + sign against polymarket_client_sdk_v2 0.9.0 (release builds), side by side:
# starts a local V2 `clobkit serve` for the SDK's one /version call, then runs the bench binary
# of conformance/rust-sdk-v2.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p clobkit-cli
CARGO_TARGET_DIR=$PWD/.deps/sdk-target cargo build --release --quiet \
  --manifest-path conformance/rust-sdk-v2/Cargo.toml --bin sign-bench
tmp=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
target/release/clobkit serve --port "$port" --data "$tmp" --no-fsync > "$tmp/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/" > /dev/null && break
  sleep 0.1
done
.deps/sdk-target/release/sign-bench "http://127.0.0.1:$port"
