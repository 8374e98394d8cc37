#!/usr/bin/env bash
# Dial-in inside the socket loop (library): dnp3-master-bench dialin puts three
# sessions (outstations 10, 11, 12) on one listening port of one
# dnp3kit_master_loop; three simulators dial in (dnp3-outstation --connect),
# each is matched to its session by the link source address of its first
# frame and polled; a simulator with an unknown address (99) and a dialler that
# sends nothing are refused with their reasons logged, without holding up the
# others.
# Usage: master_dialin_loop.sh BUILD_DIR SOURCE_DIR   (exit 77: skipped)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cli_setup "$1"
BENCH="$BUILD/tests/master/dnp3-master-bench"
[ -x "$BENCH" ] || { echo "skip: $BENCH not built"; exit 77; }
lport=$(free_port)

DNP3KIT_BENCH_LOG=1 timeout -k 5 60 "$BENCH" dialin "$lport" 3 2 > "$tmp/out" 2> "$tmp/log" &
bpid=$!
wait_line "$tmp/out" 's/^\(listening on\).*/\1/p' > /dev/null || { echo "FAIL: bench not listening: $(cat "$tmp/log")"; exit 1; }
# first the intruders: a silent dialler and an unknown address
python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
time.sleep(4)' "$lport" &
pids+=($!)
"$OS" --connect "127.0.0.1:$lport" --address 99 2> "$tmp/d99.log" &
pids+=($!)
for a in 10 11 12; do
    "$OS" --connect "127.0.0.1:$lport" --address "$a" 2> "$tmp/d$a.log" &
    pids+=($!)
done
wait "$bpid"; rc=$?
[ "$rc" = 0 ] || FAILM "dialin bench: exit $rc: $(cat "$tmp/out" "$tmp/log" | tail -5)"
grep -q '^3 outstations dialled in' "$tmp/out" || FAILM "not all dialled in: $(cat "$tmp/out")"
grep -q '^3 dial-in sessions in one thread (3 connected): [1-9][0-9]* integrity polls/s sustained over .*, 0 errors' "$tmp/out" ||
    FAILM "dial-in sessions did not poll: $(tail -1 "$tmp/out")"
for a in 10 11 12; do
    grep -q "listen: outstation $a dialled in from 127.0.0.1:" "$tmp/log" || FAILM "outstation $a not logged: $(cat "$tmp/log")"
done
grep -q "refused the connection from 127.0.0.1:[0-9]*: its first frame is from link address 99 to 1: no session for that outstation" "$tmp/log" ||
    FAILM "unknown address not refused with its reason: $(cat "$tmp/log")"
grep -q "refused the connection from 127.0.0.1:[0-9]*: no link frame within 2.000 s" "$tmp/log" ||
    FAILM "silent dialler not refused with its reason: $(cat "$tmp/log")"

# the same over TLS: the loop is the TLS server (a certificate made here), the
# simulators dial with --tls and check it; a plain TCP dialler and one that never
# starts its handshake are refused naming why
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/k.pem" -out "$tmp/c.pem" \
    -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2> /dev/null || { echo "FAIL: openssl"; exit 1; }
lport=$(free_port)
DNP3KIT_BENCH_LOG=1 DNP3KIT_BENCH_TLS_CERT="$tmp/c.pem" DNP3KIT_BENCH_TLS_KEY="$tmp/k.pem" \
    timeout -k 5 60 "$BENCH" dialin "$lport" 2 2 > "$tmp/tout" 2> "$tmp/tlog" &
bpid=$!
wait_line "$tmp/tout" 's/^\(listening on\).*/\1/p' > /dev/null || { echo "FAIL: TLS bench not listening: $(cat "$tmp/tlog")"; exit 1; }
python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
time.sleep(4)' "$lport" &
pids+=($!)
"$OS" --connect "127.0.0.1:$lport" --address 12 2> "$tmp/dplain.log" &
pids+=($!)
for a in 10 11; do
    "$OS" --connect "127.0.0.1:$lport" --address "$a" --tls --tls-ca "$tmp/c.pem" 2> "$tmp/dt$a.log" &
    pids+=($!)
done
wait "$bpid"; rc=$?
[ "$rc" = 0 ] || FAILM "TLS dialin bench: exit $rc: $(cat "$tmp/tout" "$tmp/tlog" | tail -5)"
grep -q '^2 dial-in sessions in one thread (2 connected): [1-9][0-9]* integrity polls/s sustained over .*, 0 errors' "$tmp/tout" ||
    FAILM "TLS dial-in sessions did not poll: $(tail -2 "$tmp/tout")"
[ "$(grep -c 'tls: TLSv1.3 .* with 127.0.0.1:' "$tmp/tlog")" -ge 2 ] || FAILM "TLS handshakes not logged: $(cat "$tmp/tlog")"
grep -q 'refused the connection from 127.0.0.1:[0-9]*: TLS: the client does not speak TLS' "$tmp/tlog" ||
    FAILM "plain TCP dialler on the TLS listener not refused with its reason: $(cat "$tmp/tlog")"
grep -q 'refused the connection from 127.0.0.1:[0-9]*: TLS handshake not finished within 2.000 s' "$tmp/tlog" ||
    FAILM "a stalled TLS handshake not refused with its reason: $(cat "$tmp/tlog")"

# listen_peer: sessions that want their outstations from 127.0.0.2 refuse one dialling from 127.0.0.1
lport=$(free_port)
DNP3KIT_BENCH_LOG=1 DNP3KIT_BENCH_LISTEN_PEER=127.0.0.2 timeout -k 2 6 "$BENCH" dialin "$lport" 1 1 > "$tmp/pout" 2> "$tmp/plog" &
bpid=$!
wait_line "$tmp/pout" 's/^\(listening on\).*/\1/p' > /dev/null || { echo "FAIL: bench not listening: $(cat "$tmp/plog")"; exit 1; }
"$OS" --connect "127.0.0.1:$lport" --address 10 2> "$tmp/dp.log" &
pids+=($!)
wait_for_line "$tmp/plog" 'outstation 10 must dial in from 127\.0\.0\.2 \(listen_peer\)' 5 ||
    FAILM "listen_peer: refusal not logged: $(cat "$tmp/plog")"
grep -q 'dialled in from' "$tmp/plog" && FAILM "listen_peer: taken from the wrong address: $(cat "$tmp/plog")"
stop_pids "$bpid"
[ "$fail" = 0 ] && echo "master_dialin_loop: all passed"
exit "$fail"
