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

[ "$fail" = 0 ] && echo "master_dialin: all passed"
exit "$fail"
