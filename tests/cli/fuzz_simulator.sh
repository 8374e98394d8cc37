#!/usr/bin/env bash
# dnp3-pcap fuzz against dnp3-outstation over loopback for a bounded time:
# the simulator survives (no crash, no silence) and still answers a poll.
# Usage: fuzz_simulator.sh BUILD_DIR SOURCE_DIR [SHARED]   (exit 77: skipped)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
BUILD=$1 SRC=$2
OS="$BUILD/tests/harness/dnp3-outstation"
PCAP="$BUILD/pcaptools/dnp3-pcap"
M="$BUILD/master/dnp3-master"
[ -x "$OS" ] && [ -x "$PCAP" ] || { echo "skip: dnp3-outstation or dnp3-pcap not built"; exit 77; }
tmp=$(mktemp -d)
simpid=
trap '[ -n "$simpid" ] && kill "$simpid" 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
"$OS" --port 0 --unsolicited 2> "$tmp/sim.log" &
simpid=$!
port=$(listening_port "$tmp/sim.log") || { echo "FAIL: simulator did not start"; exit 1; }
for seeds in "" "$SRC/captures/master_session.pcap"; do
    timeout 60 "$PCAP" fuzz --target "tcp://127.0.0.1:$port" --duration 5 --seed 3 --out "$tmp" --json -q $seeds > "$tmp/json" 2> "$tmp/err"; rc=$?
    [ "$rc" = 0 ] || { echo "FAIL: fuzzing the simulator ($seeds) exit $rc: $(cat "$tmp/json" "$tmp/err")"; fail=1; }
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("fuzz simulator:", d["cases"], "cases,", d["cases_per_s"], "cases/s"); sys.exit(0 if d["cases"]>100 and d["crashes"]==0 and d["silences"]==0 else 1)' "$tmp/json" ||
        { echo "FAIL: summary $(cat "$tmp/json")"; fail=1; }
done
kill -0 "$simpid" 2>/dev/null || { echo "FAIL: the simulator died"; fail=1; }
if [ -x "$M" ]; then
    timeout 30 "$M" --port "$port" --timeout 2000 poll > /dev/null 2>&1 || { echo "FAIL: the simulator no longer answers a poll"; fail=1; }
fi
kill "$simpid"; wait "$simpid"; rc=$?; simpid=
[ "$rc" = 0 ] || { echo "FAIL: simulator exit $rc after fuzzing"; fail=1; }
[ "$fail" = 0 ] && echo "fuzz simulator: all good"
exit "$fail"
