#!/usr/bin/env bash
# Differential fuzzing for as long as asked: tests/fuzz.sh [MINUTES] [FIRST_SEED]
# (default 10 minutes from a seed taken from the clock). Builds the release `aura` first.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
start=${2:-$(date +%s)}
cargo build --release -p aura-cli
target=${CARGO_TARGET_DIR:-target}
AURA=${AURA:-$target/release/aura} exec python3 tests/fuzz/fuzz.py run --minutes "$minutes" --start "$start"
