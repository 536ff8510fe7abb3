#!/bin/sh
# Builds the runtime natively with the flags the native backend uses (warnings are errors), links
# it into the C test driver and runs it; then checks that build-wasm.sh reproduces the committed
# aura_rt.wasm (and runs it under node when available). With an aura binary, also compares the
# runtime with the interpreter on test/diff/cases.txt. Uses runtime/rt/num.c and sha256.c when
# present, else a libc stand-in (test/num_stub.c: printf/strtod, no real sha256).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
rt=$(dirname "$here")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
objs=""
for f in "$rt"/*.c; do
    o="$out/$(basename "$f" .c).o"
    cc -O2 -ffreestanding -fno-builtin -fno-stack-protector -fno-pic -Wall -Wextra -Werror \
        -c "$f" -o "$o"
    objs="$objs $o"
done
flag=""
if [ -f "$rt/num.c" ] && [ -f "$rt/sha256.c" ]; then
    flag="--real-num"
else
    echo "note: runtime/rt/num.c or sha256.c missing: testing with test/num_stub.c"
    cc -O2 -c "$here/num_stub.c" -o "$out/num_stub.o"
    objs="$objs $out/num_stub.o"
fi
cc -O1 -g -Wall -Wno-unused-function -c "$here/test_rt.c" -o "$out/test_rt.o"
cc -no-pie -o "$out/test_rt" "$out/test_rt.o" $objs
"$out/test_rt" $flag
# Differential cases against the interpreter, when an `aura` binary is at hand (AURA_BIN, or the
# shared cargo target's debug build).
aura=${AURA_BIN:-${CARGO_TARGET_DIR:-/work/target-shared}/debug/aura}
if [ -x "$aura" ]; then
    cc -O1 -Wall -c "$here/diff/diff_driver.c" -o "$out/diff_driver.o"
    # shellcheck disable=SC2086
    cc -no-pie -o "$out/diff_driver" "$out/diff_driver.o" $objs
    python3 "$here/diff/run_diff.py" "$aura" "$out/diff_driver"
else
    echo "note: no aura binary ($aura): differential cases skipped"
fi
if [ "${1:-}" != "--no-wasm" ]; then
    "$rt/build-wasm.sh" "$out/aura_rt.wasm"
    python3 "$here/check_wasm.py" "$out/aura_rt.wasm"
    if command -v node >/dev/null 2>&1; then
        node --stack-size=6000 "$here/wasm_test.mjs" "$out/aura_rt.wasm"
        node "$here/message_test.mjs" "$out/aura_rt.wasm"
    else
        echo "note: node not found: the wasm module is not run"
    fi
    if [ -f "$rt/aura_rt.wasm" ] && ! cmp -s "$out/aura_rt.wasm" "$rt/aura_rt.wasm"; then
        echo "runtime/rt/aura_rt.wasm is not current: run runtime/rt/build-wasm.sh" >&2
        exit 1
    fi
fi
echo "runtime tests passed"
