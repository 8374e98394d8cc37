#!/usr/bin/env bash
# Multi-drop inside the socket loop (library): sessions for addresses 20, 22 and
# 21 on one serial line (a pty of dnp3-outstation --pty --count 2 --address 20:
# 22 is silent) share one channel; dnp3-master-bench multidrop polls back to
# back through dnp3kit_master_loop. Asserted: requests never overlap (one on the
# wire at a time), the line goes round in turn (20 and 21 within one poll of
# each other), the silent address costs only its own timeouts (20 and 21 keep
# polling), all answering addresses share the line evenly, and a second
# session for an address already on the line is refused.
# Usage: master_multidrop_loop.sh BUILD_DIR SOURCE_DIR   (exit 77: skipped)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cli_setup "$1"
BENCH="$BUILD/tests/master/dnp3-master-bench"
[ -x "$BENCH" ] || { echo "skip: $BENCH not built"; exit 77; }

"$OS" --pty --count 3 --address 20 2> "$tmp/sim.log" &
simpid=$!
dev=$(wait_line "$tmp/sim.log" 's/.*serial on \(\/dev\/[^,]*\),.*/\1/p') || { echo "FAIL: simulator gave no pty"; exit 1; }

# count OUT ADDR polls|errors|timeouts
count() {
    sed -n "s/^outstation $2: \([0-9]*\) polls, \([0-9]*\) errors (\([0-9]*\) timeouts)/\1 \2 \3/p" "$1" |
        awk -v f="$3" '{ print (f == "polls" ? $1 : f == "errors" ? $2 : $3) }'
}

# 20, 21, 22 all answer: each polled, evenly
timeout -k 5 30 "$BENCH" multidrop "$dev:115200" 20-22 2 1000 > "$tmp/all" 2>&1 || FAILM "multidrop bench failed: $(cat "$tmp/all")"
grep -q '^overlaps 0 ' "$tmp/all" || FAILM "requests overlapped: $(grep overlaps "$tmp/all")"
p20=$(count "$tmp/all" 20 polls) p21=$(count "$tmp/all" 21 polls) p22=$(count "$tmp/all" 22 polls)
[ "${p20:-0}" -ge 5 ] && [ "${p21:-0}" -ge 5 ] && [ "${p22:-0}" -ge 5 ] || FAILM "all three answering: polls $p20 $p21 $p22"
python3 -c 'import sys; v=[int(x) for x in sys.argv[1:]]; sys.exit(0 if max(v)-min(v) <= 1 else 1)' "$p20" "$p21" "$p22" ||
    FAILM "not in turn: polls $p20 $p21 $p22"
stop_pids "$simpid"; simpid=

# 22 silent (the simulator answers 20 and 21 only)
"$OS" --pty --count 2 --address 20 2> "$tmp/sim2.log" &
simpid=$!
dev=$(wait_line "$tmp/sim2.log" 's/.*serial on \(\/dev\/[^,]*\),.*/\1/p') || { echo "FAIL: simulator 2 gave no pty"; exit 1; }
timeout -k 5 30 "$BENCH" multidrop "$dev:115200" 20,22,21 3 300 > "$tmp/md" 2>&1 || FAILM "multidrop bench failed: $(cat "$tmp/md")"
grep -q '^overlaps 0 ' "$tmp/md" || FAILM "requests overlapped with a silent outstation: $(grep overlaps "$tmp/md")"
p20=$(count "$tmp/md" 20 polls) p21=$(count "$tmp/md" 21 polls)
e22=$(count "$tmp/md" 22 errors) t22=$(count "$tmp/md" 22 timeouts) p22=$(count "$tmp/md" 22 polls)
[ "${p22:-x}" = 0 ] && [ "${e22:-0}" -ge 3 ] && [ "$e22" = "$t22" ] || FAILM "silent 22: $(grep 'outstation 22' "$tmp/md")"
# 3 s of 300 ms timeouts: about 10 rounds; 20 and 21 are polled once a round whatever 22 does
[ "${p20:-0}" -ge 3 ] && [ "${p21:-0}" -ge 3 ] || FAILM "a silent outstation stalled the others: polls $p20 $p21"
python3 -c 'import sys; a,b,c=map(int,sys.argv[1:]); sys.exit(0 if abs(a-b) <= 1 and abs(a-c) <= 2 else 1)' "$p20" "$p21" "$e22" ||
    FAILM "not in turn with a silent outstation: polls $p20 $p21, timeouts of 22 $e22"

# one address twice on the line: refused, named
timeout -k 5 10 "$BENCH" multidrop "$dev:115200" 20,20 1 > "$tmp/dup" 2>&1; rc=$?
[ "$rc" = 1 ] && grep -q "serial line $dev already carries a session for this outstation address (outstation 20)" "$tmp/dup" ||
    FAILM "duplicate address: exit $rc, $(cat "$tmp/dup")"
[ "$fail" = 0 ] && echo "master_multidrop_loop: all passed"
exit "$fail"
