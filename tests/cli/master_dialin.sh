#!/usr/bin/env bash
# Dial-in: dnp3-master --listen waits for outstations that connect to it
# (dnp3-outstation --connect, redialling with back-off), takes each by the
# link source address of its first frame and refuses the rest with the
# reason logged: an unknown address refused, a dialler that sends nothing
# closed after the identification time, three simulators polled in turn,
# one that drops and redials taken back.
# Usage: master_dialin.sh BUILD_DIR SOURCE_DIR   (exit 77: skipped)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cli_setup "$1"
declare -A sims
cleanup_extra() { stop_pids "${sims[@]}"; }
port=$(free_port)
dial() { "$OS" --connect "127.0.0.1:$port" --address "$1" 2>"$tmp/sim$1.log" & sims[$1]=$!; }
m() { timeout 60 "$M" --listen "127.0.0.1:$port" --timeout 2000 --retries 0 "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null; }

# an unknown address is refused, with the reason (nothing else dials)
dial 99
m --outstation 10 --connect-timeout 4000 poll; rc=$?
[ "$rc" = 3 ] || FAILM "only an unknown outstation dialling: exit $rc, want 3"
grep -q 'listen: refused the connection from 127.0.0.1:[0-9]*: its first frame is from link address 99 to 1, not from outstation 10 to 1' "$tmp/err" ||
    FAILM "unknown address not refused with its reason: $(head -3 "$tmp/err")"
kill "${sims[99]}"; wait "${sims[99]}" 2>/dev/null; unset 'sims[99]'

# a dialler that sends nothing is closed after the identification time; the
# outstation that dials after it is still taken
timeout 60 "$M" --listen "127.0.0.1:$port" --timeout 2000 --retries 0 --outstation 10 --connect-timeout 15000 poll \
    > "$tmp/out" 2> "$tmp/err" < /dev/null &
mpid=$!
python3 -c "
import socket, sys, time
for _ in range(200):
    try:
        s = socket.create_connection(('127.0.0.1', $port))
        break
    except OSError:
        time.sleep(0.05)
else:
    sys.exit(1)
print('connected', flush=True)
time.sleep(4)
" > "$tmp/silent.log" &
silent=$!
wait_line "$tmp/silent.log" 's/^connected$/yes/p' > /dev/null || FAILM "the silent dialler could not connect"
dial 10
wait "$mpid" || FAILM "poll after a silent dialler: $(tail -3 "$tmp/err")"
wait "$silent"
grep -q 'listen: refused the connection from 127.0.0.1:[0-9]*: no link frame within 2.000 s' "$tmp/err" ||
    FAILM "silent dialler not refused with its reason: $(head -3 "$tmp/err")"

# three outstations dial in, each taken by its link address, polled in turn
dial 11
dial 12
m --outstation 10 --outstation 11 --outstation 12 --connect-timeout 15000 poll || FAILM "three dial-ins: exit $?: $(cat "$tmp/out")"
for a in 10 11 12; do
    grep -q "^outstation $a: OK" "$tmp/out" || FAILM "outstation $a not polled: $(grep "^outstation $a" "$tmp/out")"
    grep -q "listen: outstation $a dialled in from 127.0.0.1:" "$tmp/err" || FAILM "no dial-in logged for $a"
done
grep -q '^3 of 3 outstations answered' "$tmp/out" || FAILM "summary: $(tail -1 "$tmp/out")"

# one drops (its simulator restarts) and redials: taken back
kill "${sims[11]}"; wait "${sims[11]}" 2>/dev/null
dial 11
m --outstation 11 --connect-timeout 15000 poll || FAILM "redialled outstation not taken back: $(tail -3 "$tmp/err")"
grep -q 'points in' "$tmp/out" || FAILM "redialled outstation poll printed $(head -3 "$tmp/out")"

# matched by peer address too (--listen-peer): outstation 12 dials from 127.0.0.1,
# so a master that wants it from 127.0.0.2 refuses it naming why; from 127.0.0.1 it is taken
m --outstation 12 --listen-peer 127.0.0.2 --connect-timeout 3000 poll; rc=$?
[ "$rc" = 3 ] || FAILM "--listen-peer 127.0.0.2: exit $rc, want 3"
grep -q 'listen: refused the connection from 127.0.0.1:[0-9]*: outstation 12 must dial in from 127.0.0.2 (--listen-peer)' "$tmp/err" ||
    FAILM "--listen-peer: refusal not logged: $(head -3 "$tmp/err")"
m --outstation 12 --listen-peer 127.0.0.1 --connect-timeout 15000 poll || FAILM "--listen-peer 127.0.0.1: $(tail -3 "$tmp/err")"
timeout 10 "$M" --listen "127.0.0.1:$port" --listen-peer rtu.example poll > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" = 2 ] && grep -q -- "--listen-peer: a numeric IPv4 or IPv6 address, not 'rtu.example'" "$tmp/err" ||
    FAILM "--listen-peer with a name: exit $rc, $(cat "$tmp/err")"
# the identifying frame is the session's at once: an outstation that dials in and
# sends an unsolicited response with CON (opendnp3 sends its null one so) and then
# waits for the confirm gets it, not only when it next sends something (before:
# the frame stayed in the listener until more octets came; opendnp3 waited 5 s
# for the confirm and held the READ's answer back meanwhile)
timeout 60 "$M" --listen "127.0.0.1:$port" --timeout 3000 --retries 0 --outstation 10 --connect-timeout 15000 poll \
    > "$tmp/out" 2> "$tmp/err" < /dev/null &
mpid=$!
python3 -c "
import socket, sys, time
def crc(b):
    c = 0
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ 0xA6BC if c & 1 else c >> 1
    c = ~c & 0xFFFF
    return bytes([c & 0xFF, c >> 8])
def frame(ctrl, dst, src, data):
    h = bytes([0x05, 0x64, 5 + len(data), ctrl, dst & 0xFF, dst >> 8, src & 0xFF, src >> 8])
    out = h + crc(h)
    for i in range(0, len(data), 16):
        out += data[i:i + 16] + crc(data[i:i + 16])
    return out
def user_data(buf):
    # yield the link user data of each whole frame in buf
    while len(buf) >= 10:
        n = buf[2] - 5
        size = 10 + n + 2 * ((n + 15) // 16)
        if len(buf) < size:
            return
        body, p = b'', 10
        while len(body) < n:
            k = min(16, n - len(body)); body += buf[p:p + k]; p += k + 2
        yield body
        buf = buf[size:]
for _ in range(200):
    try:
        s = socket.create_connection(('127.0.0.1', $port))
        break
    except OSError:
        time.sleep(0.05)
else:
    sys.exit(1)
# null unsolicited response, FIR FIN CON UNS SEQ 5, from outstation 10 to master 1
s.sendall(frame(0x44, 1, 10, bytes([0xC0, 0xF5, 0x82, 0x00, 0x00])))
s.settimeout(0.1)
buf, t0 = b'', time.monotonic()
while time.monotonic() - t0 < 2.0:
    try:
        d = s.recv(4096)
    except socket.timeout:
        continue
    if not d:
        break
    buf += d
    for u in user_data(buf):
        if len(u) >= 3 and u[1] & 0x0F == 5 and u[1] & 0x10 and u[2] == 0x00:
            print('confirmed after %.3f s' % (time.monotonic() - t0), flush=True)
            sys.exit(0)
print('no confirm within 2 s', flush=True)
" > "$tmp/uns.log"
wait "$mpid"
grep -q '^confirmed after 0\.' "$tmp/uns.log" ||
    FAILM "the dialler's first frame (an unsolicited response) was not confirmed at once: $(cat "$tmp/uns.log"); master: $(head -3 "$tmp/err")"

[ "$fail" = 0 ] && echo "master_dialin: all passed"
exit "$fail"
