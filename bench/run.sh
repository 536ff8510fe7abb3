#!/usr/bin/env bash
# Run the Aura benchmarks (interpreter, wasm, native) against CPython, Lua 5.4 and gcc -O2 and print
# a Markdown table (time and peak RSS per cell), then time the compiler on a generated 10 000-line program (bench/compile.py).
# Usage (from the repository root): bench/run.sh [--quick] [NAME...]
#   NAME...   only these benchmarks (default: all; the compile-time table only runs with all)
#   --quick   small sizes, one run each: checks that every version prints the same
# Environment: BENCH_RUNS (default 5), BENCH_SET=speed|classics|memory|all, BENCH_ONLY=fib,loops, BENCH_TIMEOUT (s), AURA, PYTHON, LUA
# (see bench/bench.py).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

names=()
quick=
for arg in "$@"; do
    case "$arg" in
        --quick) quick=1 ;;
        -h|--help) sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "bench: unknown option $arg (usage: bench/run.sh [--quick] [NAME...])" >&2; exit 2 ;;
        *) names+=("$arg") ;;
    esac
done
if [ ${#names[@]} -gt 0 ]; then
    BENCH_ONLY=$(IFS=,; echo "${names[*]}")
    export BENCH_ONLY
fi
if [ -n "$quick" ]; then
    export BENCH_QUICK=1 BENCH_RUNS="${BENCH_RUNS:-1}"
fi

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
if [ -z "$quick" ] && [ -z "${BENCH_ONLY:-}" ]; then
    echo
    "${PYTHON:-python3}" bench/compile.py || status=1
fi
exit $status
