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

if cargo fmt --version >/dev/null 2>&1; then
    cargo fmt --all -- --check
elif [ "${CI:-}" = "true" ]; then
    echo "tests/run.sh: rustfmt is missing (rustup component add rustfmt)" >&2
    exit 1
fi

cargo test --workspace --locked "$@"
