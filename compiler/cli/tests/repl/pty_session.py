"""Drives `aura repl` through a pseudo-terminal, as a user at a terminal would.

Usage: pty_session.py AURA HISTORY_FILE < lines
Types each line of standard input after the next prompt appears, then `:quit`, and prints
everything the terminal showed. Exits 3 when a prompt does not come within the timeout.
"""
import os
import pty
import select
import sys
import time

aura, history = sys.argv[1], sys.argv[2]
lines = sys.stdin.read().splitlines()

pid, fd = pty.fork()
if pid == 0:
    os.environ["AURA_HISTORY"] = history
    os.environ["TERM"] = "xterm"
    os.environ.pop("NO_COLOR", None)
    os.execv(aura, [aura, "--color", "never", "repl"])

out = b""


def read_until_prompt(start, timeout=30.0):
    """Reads until a prompt shows after byte `start`; False at end of output or timeout."""
    global out
    end = time.time() + timeout
    while time.time() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return False
            if not data:
                return False
            out += data
            tail = out[start:]
            if b"aura> " in tail or b"...   " in tail:
                return True
    return False


for line in lines + [":quit"]:
    start = len(out)
    if not read_until_prompt(start):
        sys.stdout.write(out.decode("utf-8", "replace"))
        sys.stdout.write("\n[pty_session: no prompt before %r]\n" % line)
        os.kill(pid, 9)
        sys.exit(3)
    os.write(fd, line.encode() + b"\r")

# Read what is left until the program exits.
deadline = time.time() + 30
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.05)
    if ready:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
