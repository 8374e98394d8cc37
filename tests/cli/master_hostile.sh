#!/usr/bin/env bash
# dnp3-master against hostile outstations (dnp3-outstation --fault ...): every
# command ends within its documented time with its documented exit status, and
# the number of requests it sent (counted by the simulator) is bounded.
# Usage: master_hostile.sh BUILD_DIR SOURCE_DIR   (exit 77: skipped)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cli_setup "$1"

# sim ARGS...: start a simulator on a free port (sets $port, $simpid)
sim() {
    rm -f "$tmp/sim.log" # not the last one's "listening on" line
    "$OS" --port 0 "$@" 2>"$tmp/sim.log" &
    simpid=$!
    port=$(listening_port "$tmp/sim.log") || { echo "FAIL: simulator did not start: $*"; cat "$tmp/sim.log"; exit 1; }
}
# sim_stop: stop it and set $requests (application requests the master sent, confirms excluded)
sim_stop() {
    kill "$simpid"
    wait "$simpid"
    simpid=
    local line
    line=$(sed -n 's/^dnp3-outstation: \([0-9]*\) requests (\([0-9]*\) of them confirms).*/\1 \2/p' "$tmp/sim.log")
    [ -n "$line" ] || { echo "FAIL: no request count from the simulator"; cat "$tmp/sim.log"; fail=1; requests=-1; return; }
    requests=$(( ${line% *} - ${line#* } ))
}
# check NAME WANT_EXIT MAX_SECONDS MIN_REQ MAX_REQ -- MASTER_ARGS...: one master command against the running simulator
check() {
    local name=$1 want=$2 max_s=$3 lo=$4 hi=$5
    shift 6
    local t0 t1 rc
    t0=$EPOCHREALTIME
    timeout 60 "$M" --port "$port" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
    t1=$EPOCHREALTIME
    sim_stop
    local secs
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    if [ "$rc" != "$want" ]; then
        echo "FAIL: $name: exit $rc, want $want"; head -5 "$tmp/out" "$tmp/err"; fail=1
    fi
    if awk -v s="$secs" -v m="$max_s" 'BEGIN { exit !(s > m) }'; then
        echo "FAIL: $name: took ${secs} s, documented bound ${max_s} s"; fail=1
    fi
    if [ "$requests" -lt "$lo" ] || [ "$requests" -gt "$hi" ]; then
        echo "FAIL: $name: $requests requests, want $lo-$hi"; fail=1
    fi
    echo "$name: exit $rc in ${secs} s, $requests requests"
}
expect_err() { grep -q -- "$1" "$tmp/err" || { echo "FAIL: stderr lacks '$1':"; head -5 "$tmp/err"; fail=1; }; }
expect_out() { grep -q -- "$1" "$tmp/out" || { echo "FAIL: stdout lacks '$1':"; head -5 "$tmp/out"; fail=1; }; }

# ---- an outstation that keeps DEVICE_RESTART and NEED_TIME set in every response ----
# (this used to send ~18,000 requests a second until the backstop, then exit 0)
stuck="--fault keep-iin:restart+need-time"
sim $stuck
check "poll, IIN stuck" 1 5 4 4 -- poll # READ, clear restart, RECORD_CURRENT_TIME + WRITE time
expect_err "DEVICE_RESTART still set after clearing it once"
expect_err "ERR_PROTOCOL"
expect_out "points in 1 fragment"
sim $stuck
check "read class, IIN stuck" 1 5 4 4 -- --json read class 1,2,3
expect_out '"finding":"session_iin_stuck"'
sim $stuck
check "read ai, IIN stuck" 1 5 4 4 -- read ai 0-3
sim $stuck
check "startup, IIN stuck" 1 5 6 6 -- startup
expect_err "still set after"
sim $stuck
check "--startup poll, IIN stuck" 1 5 7 7 -- --startup poll
sim --fault keep-iin:need-time
check "time-sync, NEED_TIME stuck" 1 5 3 3 -- time-sync # RECORD + WRITE, clear restart (set at start), no second sync
expect_out "time-sync: OK"
expect_err "NEED_TIME still set after synchronising the time once"
sim $stuck
check "operate, IIN stuck" 1 5 4 4 -- --yes operate bo 0 on --direct
expect_out "operate: OK" # the control did happen: said so, then the failure
# monitor: startup (6 requests, the first clear and time sync), then a poll every 0.5 s; the
# reactions come at most once per 1 s window and stop after 3 futile ones each: at most
# 6 + 7 polls + 2 clears + 2 time syncs of 2 requests.
sim $stuck
check "monitor --duration 3, IIN stuck" 1 7 10 19 -- monitor --duration 3 --interval 0.5 --reaction-window 1000
expect_err "DEVICE_RESTART still set after clearing it 3 times; the master stops reacting to it"
# the bounds are options: a longer window, fewer attempts
sim $stuck
check "monitor, window 10 s" 1 7 8 12 -- monitor --duration 3 --interval 0.5 --reaction-window 10000 \
    --reaction-attempts 1
# EVENT_BUFFER_OVERFLOW: one integrity poll in reaction; the next answer tells whether it helped
# (the bit clears once the events are confirmed). A call that would end before a next request
# sends one event poll for that verdict, so a poll against a stuck bit exits 1, not 0.
sim --fault keep-iin:overflow
check "poll, overflow stuck" 1 5 6 6 -- poll # READ, integrity poll, clear restart + time sync (set at start), event poll for the verdict
expect_err "EVENT_BUFFER_OVERFLOW still set after"
sim --fault keep-iin:overflow
# (each 1 s window: one integrity poll in reaction and its verdict's event poll)
check "monitor, overflow stuck" 1 7 4 14 -- monitor --duration 2 --interval 0.5 --reaction-window 1000
expect_err "EVENT_BUFFER_OVERFLOW still set after"

# ---- responses the master must not take: timeout after the retries (exit 3) ----
# bound: (retries + 1) x timeout + retries x retry delay = 3 x 0.3 + 2 x 0.1 s (plus start-up)
for f in wrong-fcv wrong-address wrong-seq; do
    sim --fault "$f"
    check "poll, $f" 3 4 3 3 -- --timeout 300 --retries 2 --retry-delay 100 poll
    expect_err "no response to READ"
done

# ---- streams: endless octets (session_rx_overrun, bounded recordings), one octet a second ----
# pcap_ok FILE MAX: FILE is a pcap of whole records, at most MAX octets
pcap_ok() {
    python3 - "$1" "$2" <<'PY' || { echo "FAIL: $1 is not a whole capture of at most $2 octets"; fail=1; }
import struct, sys
d = open(sys.argv[1], "rb").read()
assert len(d) <= int(sys.argv[2]), "%d octets" % len(d)
assert d[:4] == b"\xd4\xc3\xb2\xa1", "no pcap header"
off = 24
while off < len(d):
    assert off + 16 <= len(d), "cut record header"
    incl = struct.unpack_from("<I", d, off + 8)[0]
    off += 16 + incl
assert off == len(d), "cut record"
PY
}
# the master closes after 64 KiB that are no DNP3 for it; each attempt reconnects:
# bound (retries + 1) x the overrun + 2 x retry delay, well under the 1 s timeout each
endless="--timeout 1000 --retries 2 --retry-delay 100"
sim --fault endless-octets
check "poll, endless octets" 3 4 3 3 -- $endless --pcap "$tmp/e.pcap" poll
expect_err "session_rx_overrun"
expect_err "no frame for this master: connection closed"
pcap_ok "$tmp/e.pcap" 1048576 # the overrun bounds the recording before any cap
sim --fault endless-octets
check "poll, endless octets, --pcap-max 100K" 3 4 3 3 -- $endless --pcap "$tmp/c.pcap" --pcap-max 100K poll
expect_err "c.pcap: reached the size cap of 102400 octets: recording stopped (the session goes on unrecorded)"
[ "$(grep -c 'recording stopped' "$tmp/err")" = 1 ] || { echo "FAIL: not one message at the cap"; fail=1; }
pcap_ok "$tmp/c.pcap" 102400
sim --fault endless-octets
check "poll, endless octets, --pcap-files 3" 3 4 3 3 -- $endless --pcap "$tmp/r.pcap" --pcap-max 64K \
    --pcap-files 3 poll
for f in r.pcap r.pcap.1 r.pcap.2; do
    [ -f "$tmp/$f" ] && pcap_ok "$tmp/$f" 65536 || { echo "FAIL: rotation: $f missing"; fail=1; }
done
[ ! -e "$tmp/r.pcap.3" ] || { echo "FAIL: rotation kept more than 3 files"; fail=1; }
if grep -q "recording stopped" "$tmp/err"; then echo "FAIL: rotation stopped recording"; fail=1; fi
"$M" --pcap-max 12 poll 2>"$tmp/err" </dev/null
rc=$?
[ "$rc" = 2 ] || { echo "FAIL: --pcap-max 12: exit $rc, want 2"; fail=1; }
expect_err "bad value for --pcap-max: '12'"
# one octet a second: the response never completes within the timeout, and the error says why
sim --fault slow-octets
check "poll, slow octets" 3 4 1 1 -- --timeout 2000 --retries 0 poll
expect_err "no response to READ"
expect_err "octets of a frame arrived: the outstation sends too slowly"

# ---- an outstation that behaves: no reaction is held back, exit 0 ----
sim
check "poll, sane outstation" 0 5 4 4 -- poll # READ, clear restart, time sync (2): the simulator starts with both bits
sim
check "startup, sane outstation" 0 5 6 6 -- startup # clear, disable, integrity, time sync (2), enable: no reaction twice
exit $fail
