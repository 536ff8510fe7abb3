#!/usr/bin/env bash
# MeshFS resolve on `aura serve` vs the same route in FastAPI on uvicorn, one load generator (wrk)
# for both, loopback only. Prints a Markdown table on stdout (progress on stderr).
# Usage (from anywhere): bench/host/run.sh
# Environment: DURATION (seconds per server, default 10), CONNECTIONS (default 32),
#              THREADS (wrk threads, default 1), PYTHON (default python3).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
root=$(pwd)
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
PYTHON=${PYTHON:-python3}
work=$root/target/bench-host
venv=$work/venv
mkdir -p "$work"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
}
trap cleanup EXIT INT TERM

if ! command -v wrk >/dev/null 2>&1; then
    echo "bench: wrk not found, installing it with apt-get" >&2
    { as_root apt-get update && as_root apt-get install -y wrk; } >&2 || {
        echo "bench: cannot install wrk" >&2
        exit 1
    }
fi
if ! command -v curl >/dev/null 2>&1; then
    echo "bench: curl is required" >&2
    exit 1
fi
if ! [ -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import fastapi, uvicorn' 2>/dev/null; then
    echo "bench: installing fastapi and uvicorn into $venv" >&2
    "$PYTHON" -m venv "$venv" >&2 && "$venv/bin/pip" install --quiet fastapi uvicorn >&2 || {
        echo "bench: cannot install fastapi/uvicorn" >&2
        exit 1
    }
fi
echo "bench: cargo build --release -p aura-cli" >&2
cargo build --release -p aura-cli >&2 || exit 1
aura=$root/target/release/aura

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits (at most 30 s) until URL answers.
wait_for() {
    for _ in $(seq 300); do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "bench: $1 did not come up" >&2
    return 1
}

payload='{"pointer": "bench/doc", "data": {"title": "hello", "tags": ["a", "b"], "n": 42}}'
resolve_path='/api/v2/meshfs/resolve?pointer=bench/doc'

# Runs wrk against BASE_URL and prints "rps|p50|p99|errors".
load() {
    local out rps p50 p99 non2xx sockerr
    out=$(timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$1$resolve_path")
    echo "$out" >&2
    rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    sockerr=$(echo "$out" | awk -F'[ ,]+' '/Socket errors/ {print $4 + $6 + $8 + $10}')
    echo "${rps:-?}|${p50:-?}|${p99:-?}|$(( ${non2xx:-0} + ${sockerr:-0} ))"
}

# aura serve, on a copy of examples/meshfs.aura in a fresh directory.
dir=$work/aura
rm -rf "$dir" && mkdir -p "$dir"
cp examples/meshfs.aura "$dir/"
"$aura" serve "$dir" --port 0 >"$work/aura.out" 2>"$work/aura.err" &
pids+=($!)
for _ in $(seq 300); do
    grep -q '^listening on ' "$work/aura.out" 2>/dev/null && break
    sleep 0.1
done
aura_url=$(sed -n 's/^listening on //p' "$work/aura.out" | head -n1)
[ -n "$aura_url" ] || { echo "bench: aura serve did not start (see $work/aura.err)" >&2; exit 1; }
wait_for "$aura_url/health" || exit 1
curl -s -X POST "$aura_url/api/v2/meshfs/write" -H 'content-type: application/json' -d "$payload" >&2; echo >&2
echo "bench: aura answers $(curl -s "$aura_url$resolve_path")" >&2
aura_result=$(load "$aura_url")
kill "${pids[0]}" 2>/dev/null; wait "${pids[0]}" 2>/dev/null

# FastAPI on uvicorn (one worker, its defaults; access log off).
port=$(free_port)
uv_url=http://127.0.0.1:$port
(cd bench/host && exec "$venv/bin/python" -m uvicorn meshfs_app:app --host 127.0.0.1 --port "$port" \
    --log-level warning --no-access-log) 2>"$work/uvicorn.err" &
pids+=($!)
wait_for "$uv_url/api/v2/meshfs/resolve" || exit 1
curl -s -X POST "$uv_url/api/v2/meshfs/write" -H 'content-type: application/json' -d "$payload" >&2; echo >&2
echo "bench: uvicorn answers $(curl -s "$uv_url$resolve_path")" >&2
uv_result=$(load "$uv_url")

IFS='|' read -r a_rps a_p50 a_p99 a_err <<<"$aura_result"
IFS='|' read -r u_rps u_p50 u_p99 u_err <<<"$uv_result"
ratio=$("$PYTHON" -c "import sys; a, u = sys.argv[1:]; print(f'{float(a) / float(u):.1f}x')" "$a_rps" "$u_rps" 2>/dev/null || echo '?')
uv_version=$("$venv/bin/python" -c 'import fastapi, uvicorn; print(f"FastAPI {fastapi.__version__}, uvicorn {uvicorn.__version__}")')

echo "MeshFS \`GET $resolve_path\`: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, 127.0.0.1, $(nproc) cores shared by load generator and server."
echo
echo "| server | requests/s | p50 latency | p99 latency | errors |"
echo "| --- | ---: | ---: | ---: | ---: |"
echo "| aura serve (release) | $a_rps | $a_p50 | $a_p99 | $a_err |"
echo "| $uv_version (1 worker) | $u_rps | $u_p50 | $u_p99 | $u_err |"
echo
echo "aura serve / uvicorn throughput: $ratio"
