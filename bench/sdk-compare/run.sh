#!/usr/bin/env bash
# Builds and runs the side-by-side benchmark against polymarket-client-sdk 0.4.4 (release).
set -euo pipefail
cd "$(dirname "$0")"
cargo run --release --quiet
