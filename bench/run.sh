#!/usr/bin/env bash
# Run the Aura benchmarks (interpreter, wasm, native) against CPython, Lua 5.4 and gcc -O2 and print
# a Markdown table (time and peak RSS per cell), then time the compiler on a generated 10 000-line program (bench/compile.py).
# Usage (from the repository root): bench/run.sh
# Environment: BENCH_RUNS (default 5), BENCH_SET=speed|memory|all, BENCH_ONLY=fib,loops, BENCH_TIMEOUT (s), AURA, PYTHON, LUA
# (see bench/bench.py).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! command -v "${PYTHON:-python3}" >/dev/null 2>&1; then
    echo "bench: ${PYTHON:-python3} is required (it runs bench/bench.py)" >&2
    exit 1
fi

if [ -z "${LUA:-}" ] && ! command -v lua5.4 >/dev/null 2>&1; then
    echo "bench: lua5.4 not found, installing it with apt-get" >&2
    if ! { as_root apt-get update && as_root apt-get install -y lua5.4; } >&2; then
        echo "bench: warning: could not install lua5.4; the Lua column will show errors" >&2
    fi
fi

if [ ! -x /usr/bin/time ]; then
    echo "bench: /usr/bin/time not found, installing it with apt-get (peak RSS per program)" >&2
    if ! { as_root apt-get update && as_root apt-get install -y time; } >&2; then
        echo "bench: warning: could not install time; peak RSS will include the Python parent" >&2
    fi
fi

echo "bench: cargo build --release -p aura-cli" >&2
if ! cargo build --release -p aura-cli >&2; then
    echo "bench: warning: the Aura CLI did not build; the aura column will show errors" >&2
fi

"${PYTHON:-python3}" bench/bench.py
status=$?
echo
"${PYTHON:-python3}" bench/compile.py || status=1
exit $status
