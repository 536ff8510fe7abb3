#!/usr/bin/env bash
# The test command: every test of the workspace (unit, snapshot, no-panic, CLI, and the
# conformance suite on every backend). Installs what the tests need when it is missing; under
# CI=true a component that cannot be installed is a failure, never a silent skip.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { # need COMMAND: fail clearly when a required tool is absent
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "tests/run.sh: '$1' is required but not installed" >&2
        exit 1
    fi
}
need cargo
# The native backend compiles its runtime and links executables with the system toolchain.
need cc
need ld
need nm

# System packages the tests use: clang + lld rebuild the wasm32 runtime (checked to be current),
# qemu boots the bare-metal example, Chromium runs the browser host, Neovim drives `aura lsp`
# from a real editor.
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v clang >/dev/null 2>&1 || missing+=(clang)
command -v wasm-ld >/dev/null 2>&1 || missing+=(lld)
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v nvim >/dev/null 2>&1 || missing+=(neovim)
if [ ${#missing[@]} -gt 0 ]; then
    echo "tests/run.sh: installing ${missing[*]} with apt-get" >&2
    if ! { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"; } >&2; then
        if [ "${CI:-}" = "true" ]; then
            echo "tests/run.sh: could not install ${missing[*]}" >&2
            exit 1
        fi
        echo "tests/run.sh: warning: could not install ${missing[*]}; their tests will skip" >&2
    fi
fi

if cargo fmt --version >/dev/null 2>&1; then
    cargo fmt --all -- --check
elif [ "${CI:-}" = "true" ]; then
    echo "tests/run.sh: rustfmt is missing (rustup component add rustfmt)" >&2
    exit 1
fi

# Library and binary code: clippy clean (the workspace denies unwrap_used there).
if cargo clippy --version >/dev/null 2>&1; then
    cargo clippy --workspace --locked -- -D warnings
elif [ "${CI:-}" = "true" ]; then
    echo "tests/run.sh: clippy is missing (rustup component add clippy)" >&2
    exit 1
fi

# The VS Code extension's grammar is checked with VS Code's own tokenizer (npm packages).
if command -v npm >/dev/null 2>&1; then
    (cd editors/vscode && npm install --no-audit --no-fund --silent) ||
        { [ "${CI:-}" = "true" ] && { echo "tests/run.sh: npm install in editors/vscode failed" >&2; exit 1; }; }
elif [ "${CI:-}" = "true" ]; then
    echo "tests/run.sh: npm is missing (the VS Code grammar test needs it)" >&2
    exit 1
fi

# Doc tests are left out (there are none; their empty runs would close the log with "0 passed").
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test --workspace --locked --lib --bins --tests "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || {
    awk '/^test result:/ { p += $4; f += $6 } END { printf "total: %d passed, %d failed\n", p, f }' "$log"
    exit "$status"
}

# A fixed budget of differential fuzzing (tests/README.md): the same random programs on every
# backend, compared on stdout, stderr and exit status. `tests/fuzz.sh` runs it for longer.
need python3
set +e
AURA="${CARGO_TARGET_DIR:-target}/debug/aura" python3 tests/fuzz/fuzz.py run --seeds "${FUZZ_SEEDS:-24}"
fuzz=$?
set -e
# One closing line for the whole run, summed over every test binary (the fuzz run counts as one).
awk -v fuzz="$fuzz" '/^test result:/ { p += $4; f += $6 }
    END { if (fuzz == 0) p += 1; else f += 1; printf "total: %d passed, %d failed\n", p, f }' "$log"
exit "$fuzz"
