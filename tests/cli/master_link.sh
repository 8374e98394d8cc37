#!/usr/bin/env bash
# dnp3-master --link-confirm over a serial line (pseudo-terminal) against
# dnp3-outstation --pty: IEEE 1815 clause 9 as the wire shows it (-vv trace):
# RESET_LINK_STATES before the first confirmed frame, CONFIRMED_USER_DATA with
# FCV=1 and FCB 1, 0, 1 ...; a dropped ACK (--fault drop-link-ack) makes the
# master send the same frame with the same FCB after --link-timeout, which the
# outstation acknowledges and does not process again; a silent line fails with
# the link layer named, bounded by timeout x attempts.
# Usage: master_link.sh BUILD_DIR SOURCE_DIR   (exit 77: skipped)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cli_setup "$1"

# start_sim LOG ARGS...: a simulator on a new pty; sets $dev and $simpid
start_sim() {
    local log=$1; shift
    "$OS" --pty "$@" 2> "$log" &
    simpid=$!
    pids+=($simpid)
    dev=$(wait_line "$log" 's/.*serial on \(\/dev\/[^,]*\),.*/\1/p') || { echo "FAIL: simulator gave no pty"; cat "$log"; exit 1; }
}
# wire: the link frames of the -vv trace in $tmp/err, one a line: "--> RESET_LINK_STATES fcb=0 fcv=0"
wire() {
    sed -n 's/^[^ ]* \(-->\|<--\) link \([A-Z_]*\) dir=[01] prm=[01] \(fcb=[01] fcv=[01]\|dfc=[01]\).*/\1 \2 \3/p' "$tmp/err"
}
m() { timeout -k 5 30 "$M" --serial "$dev:115200,8N1" --link-confirm --no-iin-reactions -vv "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null; }

# 1. RESET first, then CONFIRMED_USER_DATA with FCB alternating from 1; every frame ACKed
start_sim "$tmp/sim1.log"
m --timeout 3000 --yes operate bo 1 on --sbo || FAILM "SBO with --link-confirm: $(tail -3 "$tmp/err")"
grep -q 'operate: OK' "$tmp/out" || FAILM "SBO with --link-confirm printed $(cat "$tmp/out")"
wire > "$tmp/w1"
sent=$(grep '^-->' "$tmp/w1" | cut -d' ' -f2- | tr '\n' ';')
want="RESET_LINK_STATES fcb=0 fcv=0;CONFIRMED_USER_DATA fcb=1 fcv=1;CONFIRMED_USER_DATA fcb=0 fcv=1;"
[ "$sent" = "$want" ] || FAILM "SBO frames sent: '$sent', want '$want'"
[ "$(grep -c '^<-- ACK' "$tmp/w1")" = 3 ] || FAILM "SBO: ACKs received: $(grep -c '^<-- ACK' "$tmp/w1"), want 3"
# the next connection resets the link again and starts over at FCB 1
m --timeout 3000 poll || FAILM "poll with --link-confirm: $(tail -3 "$tmp/err")"
sent=$(wire | grep '^-->' | head -2 | cut -d' ' -f2- | tr '\n' ';')
[ "$sent" = "RESET_LINK_STATES fcb=0 fcv=0;CONFIRMED_USER_DATA fcb=1 fcv=1;" ] || FAILM "second connection: '$sent'"
# without --link-confirm: unconfirmed user data, no reset
timeout -k 5 30 "$M" --serial "$dev:115200,8N1" -vv --timeout 3000 poll > "$tmp/out" 2> "$tmp/err" < /dev/null ||
    FAILM "poll without --link-confirm: $(tail -3 "$tmp/err")"
sent=$(wire | grep '^-->' | cut -d' ' -f2 | sort -u | tr '\n' ';')
[ "$sent" = "UNCONFIRMED_USER_DATA;" ] || FAILM "without --link-confirm the master sent '$sent'"
stop_pids "$simpid"
grep -q 'link: 2 RESET_LINK_STATES, 3 CONFIRMED_USER_DATA taken, 0 repeats' "$tmp/sim1.log" ||
    FAILM "simulator's link counts: $(grep 'link:' "$tmp/sim1.log")"

# 2. the ACK to the SELECT is lost: the master sends that frame again with the same FCB
# after the link timeout; the outstation ACKs it and does not execute it twice; the
# OPERATE then goes with FCB 0
start_sim "$tmp/sim2.log" --fault drop-link-ack:1
t0=$(date +%s%N)
m --timeout 3000 --link-timeout 400 --yes operate bo 1 on --sbo || FAILM "SBO over a lost ACK: $(tail -3 "$tmp/err")"
grep -q 'operate: OK' "$tmp/out" || FAILM "SBO over a lost ACK printed $(cat "$tmp/out")"
wire > "$tmp/w2"
sent=$(grep '^-->' "$tmp/w2" | cut -d' ' -f2- | tr '\n' ';')
want="RESET_LINK_STATES fcb=0 fcv=0;CONFIRMED_USER_DATA fcb=1 fcv=1;CONFIRMED_USER_DATA fcb=1 fcv=1;CONFIRMED_USER_DATA fcb=0 fcv=1;"
[ "$sent" = "$want" ] || FAILM "frames over a lost ACK: '$sent', want '$want'"
# the repeat is the same frame, octet for octet
python3 - "$tmp/err" <<'PY' || FAILM "the repeated frame differs from the first"
import re, sys
lines = open(sys.argv[1]).read().split("\n")
frames, cur = [], None
for l in lines:
    if re.match(r"^\S+ (-->|<--) ", l):
        cur = [] if " --> link CONFIRMED_USER_DATA" in l else None
        if cur is not None:
            frames.append(cur)
    elif cur is not None and re.match(r"^\s+[0-9a-f]{4}  ", l):
        cur.append(l.split("  ", 2)[2].strip())
assert len(frames) >= 2 and frames[0] and frames[0] == frames[1], frames[:2]
PY
stop_pids "$simpid"
grep -q 'dnp3-outstation: 2 requests' "$tmp/sim2.log" || FAILM "the outstation executed: $(grep 'requests' "$tmp/sim2.log")"
grep -q 'link: 1 RESET_LINK_STATES, 2 CONFIRMED_USER_DATA taken, 1 repeats acknowledged and not processed again, 1 ACKs dropped' \
    "$tmp/sim2.log" || FAILM "simulator's link counts over a lost ACK: $(grep 'link:' "$tmp/sim2.log")"

# 3. nothing answers on the line: the link layer is named, after 1 + --link-retries
# RESET_LINK_STATES, in about link timeout x attempts (not the response timeout)
start_sim "$tmp/sim3.log" --address 30
t0=$(date +%s%N)
m --outstation 31 --timeout 10000 --retries 0 --link-timeout 200 --link-retries 2 poll; rc=$?
el=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$rc" = 3 ] || FAILM "silent line: exit $rc, want 3"
grep -q 'no link-layer ACK to RESET_LINK_STATES (READ request) from serial /dev/.* within 0.200 s (3 attempts)' "$tmp/out" "$tmp/err" ||
    FAILM "silent line error: $(grep -h -i 'link' "$tmp/out" "$tmp/err" | grep -v ' --> ' | head -3)"
[ "$(wire | grep -c '^--> RESET_LINK_STATES')" = 3 ] || FAILM "silent line: $(wire | grep -c '^--> RESET') resets, want 3"
[ "$el" -ge 550 ] && [ "$el" -lt 5000 ] || FAILM "silent line took $el ms, want about 600"

# bad values are named
timeout -k 5 10 "$M" --serial "$dev" --link-confirm --link-timeout 0 poll > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'link timeout 0 ms' "$tmp/err" || FAILM "--link-timeout 0: exit $rc, $(cat "$tmp/err")"

[ "$fail" = 0 ] && echo "master_link: all passed"
exit "$fail"
