#!/bin/sh
# Builds runtime/rt/aura_rt.wasm (or the path given as $1) from the C sources with clang 14 and
# wasm-ld. Deterministic: the same sources give the same bytes.
#
# The module: exports every rt_* function of aura_rt.h, its memory ("memory"), its indirect
# function table ("__indirect_function_table", holding the builtins' generic entry), and
# "__heap_base" / "__data_end"; the table has no maximum (a linked program may add its entries
# after the runtime's); imports only aura.aura_write, aura.aura_fail and
# aura.aura_cap_{store,log,clock}. The C shadow stack (1 MiB) comes first in memory, then data.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/aura_rt.wasm"}
clang=${CLANG:-clang-14}
wasmld=${WASM_LD:-wasm-ld-14}
command -v "$clang" >/dev/null 2>&1 || clang=clang
command -v "$wasmld" >/dev/null 2>&1 || wasmld=wasm-ld
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
objs=""
for f in "$here"/*.c; do
    o="$tmp/$(basename "$f" .c).o"
    # -ffile-prefix-map keeps the build directory out of the output.
    "$clang" --target=wasm32 -O2 -nostdlib -ffreestanding -fno-builtin -fvisibility=hidden \
        -Wall -Wextra -Werror -ffile-prefix-map="$here"=. -c "$f" -o "$o"
    objs="$objs $o"
done
# shellcheck disable=SC2086
"$wasmld" --no-entry --export-dynamic --allow-undefined --export-table --growable-table \
    --export=__heap_base --export=__data_end --stack-first -z stack-size=1048576 \
    --strip-debug -o "$out" $objs
