#!/usr/bin/env python3
"""A serial line between dnp3-master and dnp3-outstation --pty, for
tests/cli/master_serial.sh: creates a pseudo-terminal for the master, joins it
to the simulator's and can deliver the outstation's octets one at a time with
gaps, put noise between frames, and measure the master's turnaround.

serial_relay.py SIM_PTY [--bytewise GAP_MS] [--noise] [--split-gap MS]
Prints "relay on PATH" once ready, then (on SIGTERM or after 60 s idle)
"turnaround_min_ms X" (least time from the last octet handed to the master
to the next octet it sent) and "noise N" (noise octets injected)."""
import os
import pty
import select
import signal
import sys
import termios
import time
import tty

sim = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
tty.setraw(sim)
m, s = pty.openpty()
tty.setraw(s)
args = sys.argv[2:]
gap = float(args[args.index("--bytewise") + 1]) / 1000 if "--bytewise" in args else 0
split_gap = float(args[args.index("--split-gap") + 1]) / 1000 if "--split-gap" in args else 0
noise = "--noise" in args
print("relay on %s" % os.ttyname(s), flush=True)
NOISE = bytes([0xFF, 0x00, 0x05, 0x11, 0x64])  # includes a false start (05 not followed by 64)
last_to_master = None
turn = []
injected = 0
done = False


def stop(*_):
    global done
    done = True


signal.signal(signal.SIGTERM, stop)
idle = time.time()
while not done and time.time() - idle < 60:
    try:
        r, _, _ = select.select([m, sim], [], [], 0.2)
    except InterruptedError:
        continue
    for fd in r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b""
        if not data:
            continue
        idle = time.time()
        if fd == m:  # master -> outstation
            if last_to_master is not None:
                turn.append(time.monotonic() - last_to_master)
                last_to_master = None
            os.write(sim, data)
        else:  # outstation -> master
            if noise and data[:2] == b"\x05\x64":
                os.write(m, NOISE)
                injected += len(NOISE)
            if split_gap:  # a frame split in two with a pause in the middle
                h = len(data) // 2
                os.write(m, data[:h])
                time.sleep(split_gap)
                os.write(m, data[h:])
            elif gap:
                for b in data:
                    os.write(m, bytes([b]))
                    time.sleep(gap)
            else:
                os.write(m, data)
            last_to_master = time.monotonic()
print("turnaround_min_ms %.1f" % (min(turn) * 1000 if turn else -1), flush=True)
print("noise %d" % injected, flush=True)
