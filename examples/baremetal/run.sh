#!/bin/sh
# run.sh KERNEL [QEMU-ARGS...]: boot a kernel made by build.sh under qemu, without an OS.
#
# The program's output (both streams) arrives on the serial port, which goes to this script's
# standard output byte for byte. The exit status follows `aura run`: 0 success, 1 a runtime error
# (its `runtime error: KIND: message` line is on the serial output), 2 the kernel could not run
# the program (a CPU exception, too little memory...), 124 timeout ($AURA_QEMU_TIMEOUT seconds,
# default 60), anything else: qemu itself failed (e.g. 0 from qemu is a triple fault/reset).
set -u

if [ $# -lt 1 ]; then
    echo "usage: $0 KERNEL [QEMU-ARGS...]" >&2
    exit 2
fi
kernel=$1
shift
qemu=${QEMU:-qemu-system-x86_64}
limit=${AURA_QEMU_TIMEOUT:-60}

# -cpu max: every feature TCG emulates, so code compiled for a modern host CPU still runs.
# isa-debug-exit: writing V to port 0xf4 ends qemu with status (V << 1) | 1; support.c writes
# 0x10 (success, 33), 0x11 (runtime error, 35) or 0x12 (could not run, 37).
timeout "$limit" "$qemu" \
    -kernel "$kernel" \
    -m 256M \
    -cpu max \
    -display none \
    -serial stdio \
    -monitor none \
    -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    "$@" </dev/null
status=$?
case $status in
    33) exit 0 ;;
    35) exit 1 ;;
    37) exit 2 ;;
    124) echo "$0: qemu timed out after ${limit}s" >&2; exit 124 ;;
    0) echo "$0: the machine reset (triple fault?) without reporting an exit code" >&2; exit 3 ;;
    *) echo "$0: qemu exited with status $status" >&2; exit "$status" ;;
esac
