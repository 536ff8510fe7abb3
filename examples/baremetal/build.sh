#!/bin/sh
# build.sh PROG OUT: build a bootable Multiboot kernel image OUT from PROG.
#
# PROG is an Aura program (.aura or UAST .json), compiled with `aura build --target native`
# (the aura binary: $AURA, default target/release/aura of this repository), or an already
# compiled x86-64 object (.o), or a C file standing in for one (.c, e.g. test/fake_aura.c,
# compiled like support.c). OUT is a flat image for `qemu -kernel`
# (run.sh); OUT.elf is the same kernel as an ELF file, for gdb and objdump.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 PROG.aura|PROG.o OUT" >&2
    exit 2
fi
prog=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
aura=${AURA:-$repo/target/release/aura}
cc=${CC:-gcc}
ld=${LD:-ld}
objcopy=${OBJCOPY:-objcopy}

work=$(mktemp -d "${TMPDIR:-/tmp}/aura-baremetal.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The kernel runs in long mode without an OS: no red zone (exception handlers would clobber
# it), no PIC, no stack protector (no TLS canary), no builtins that would call back into libc.
cflags="-ffreestanding -fno-builtin -nostdlib -mno-red-zone -fno-pic -fno-pie
    -fno-stack-protector -fno-asynchronous-unwind-tables -O2 -Wall -Wextra -std=c11"

case $prog in
    *.o)
        cp "$prog" "$work/prog.o"
        ;;
    *.c)
        # shellcheck disable=SC2086
        "$cc" $cflags -c "$prog" -o "$work/prog.o"
        ;;
    *)
        if [ ! -x "$aura" ]; then
            echo "$0: no aura binary at $aura (build it, or set AURA)" >&2
            exit 2
        fi
        "$aura" build "$prog" --target native -o "$work/prog.o"
        ;;
esac
# shellcheck disable=SC2086
"$cc" $cflags -c "$here/support.c" -o "$work/support.o"
"$cc" -c "$here/boot.S" -o "$work/boot.o"

# libgcc supplies helpers the compilers may call (128-bit division and the like).
libgcc=$("$cc" -print-libgcc-file-name)
# One RWX load segment is what a flat kernel image is; binutils >= 2.39 warns about it.
quiet=""
if "$ld" --help 2>/dev/null | grep -q -- --no-warn-rwx-segments; then
    quiet="--no-warn-rwx-segments"
fi
# shellcheck disable=SC2086
"$ld" $quiet -nostdlib -static -z max-page-size=0x1000 -z noexecstack --orphan-handling=error \
    -T "$here/linker.ld" -o "$out.elf" \
    "$work/boot.o" "$work/support.o" "$work/prog.o" "$libgcc"

# qemu's Multiboot loader does not take an x86-64 ELF; the header's a.out kludge makes it load a
# flat image instead: the bytes from _load_start (1 MiB) to _load_end.
"$objcopy" -O binary --remove-section=.bss "$out.elf" "$out"
