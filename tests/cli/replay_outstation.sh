#!/usr/bin/env bash
# dnp3-pcap replay --role outstation: record a poll of a simulator holding
# ai.3=78, stop the simulator, serve the recording, and `dnp3-master poll`
# against it gets the recorded values; the project's master session serves a
# poll too; an unknown request is answered and logged.
# Usage: replay_outstation.sh BUILD_DIR SOURCE_DIR [SHARED]   (exit 77: skipped)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
BUILD=$1 SRC=$2
OS="$BUILD/tests/harness/dnp3-outstation"
M="$BUILD/master/dnp3-master"
PCAP="$BUILD/pcaptools/dnp3-pcap"
[ -x "$OS" ] && [ -x "$M" ] && [ -x "$PCAP" ] || { echo "skip: tools not built"; exit 77; }
tmp=$(mktemp -d)
pid=
stop() { stop_pids "$pid"; pid=; }
trap 'stop; rm -rf "$tmp"; [ -z "${stop_pids_failed:-}" ] || exit 1' EXIT
fail=0
# start LOG CMD...: background server, waits for "listening on 127.0.0.1:PORT"
start() {
    local log=$1; shift
    start_server "$log" "$@"; local ok=$?
    pid=$server_pid
    [ "$ok" = 0 ] || { echo "FAIL: $1 did not start: $(cat "$log")"; exit 1; }
}
echo "step: record a poll of the simulator"
start "$tmp/sim.log" "$OS" --port 0 --set ai.3=78 --set bi.2=1
timeout -k 5 30 "$M" --port "$port" --timeout 2000 --pcap "$tmp/rec.pcap" poll > /dev/null 2>&1 || { echo "FAIL: recording poll"; fail=1; }
stop
echo "step: serve the recording"
start "$tmp/rp.log" timeout -k 5 60 "$PCAP" replay --role outstation --listen 0 -p "$port" "$tmp/rec.pcap"
timeout -k 5 30 "$M" --port "$port" --timeout 2000 --json poll > "$tmp/out" 2> "$tmp/err"; rc=$?
[ "$rc" = 0 ] || { echo "FAIL: dnp3-master poll against the replayed outstation exit $rc: $(cat "$tmp/err")"; fail=1; }
python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
v={(p["type"],p["index"]):p["value"] for p in d["points"]}
sys.exit(0 if v.get(("ai",3))==78 and v.get(("bi",2)) in (1,True) and len(d["points"])>=50 else 1)' "$tmp/out" ||
    { echo "FAIL: recorded values not served: $(head -c 400 "$tmp/out")"; fail=1; }
# a request with no recorded answer: answered (IIN) and logged
timeout -k 5 30 "$M" --port "$port" --timeout 2000 --retries 0 freeze > /dev/null 2>&1
grep -q 'no recorded answer' "$tmp/rp.log" || { echo "FAIL: unmatched request not logged: $(cat "$tmp/rp.log")"; fail=1; }
# an outstation without device attributes or dead-bands (the replay answers OBJECT_UNKNOWN):
# the error says the feature is missing, not only which IIN bits came back
for cmd in "attributes" "deadband read 0"; do
    # shellcheck disable=SC2086
    timeout -k 5 30 "$M" --port "$port" --timeout 2000 --retries 0 --no-iin-reactions $cmd > /dev/null 2> "$tmp/err"; rc=$?
    case $cmd in attributes) want="device attributes (g0)" ;; *) want="analog dead-bands (g34)" ;; esac
    [ "$rc" = 1 ] && grep -q "OBJECT_UNKNOWN.*the outstation does not support $want" "$tmp/err" ||
        { echo "FAIL: $cmd against an outstation without it: exit $rc: $(cat "$tmp/err")"; fail=1; }
done
stop
# the project's recorded master session
echo "step: serve captures/master_session.pcap"
start "$tmp/rp.log" timeout -k 5 60 "$PCAP" replay --role outstation --listen 0 "$SRC/captures/master_session.pcap"
timeout -k 5 30 "$M" --port "$port" --timeout 2000 poll > "$tmp/out" 2> "$tmp/err"; rc=$?
[ "$rc" = 0 ] || { echo "FAIL: poll against master_session exit $rc: $(cat "$tmp/err")"; fail=1; }
stop
# bad input
echo "step: bad input"
timeout -k 5 10 "$PCAP" replay --role outstation "$SRC/captures/master_session.pcap" > /dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || { echo "FAIL: missing --listen exit $rc"; fail=1; }
printf 'junk' > "$tmp/junk.pcap"
timeout -k 5 10 "$PCAP" replay --role outstation --listen 0 "$tmp/junk.pcap" > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'cannot read' "$tmp/err" || { echo "FAIL: broken capture exit $rc: $(cat "$tmp/err")"; fail=1; }
timeout -k 5 10 "$PCAP" replay --role outstation --listen 0 "$SRC/captures/response_without_request.pcap" > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" = 2 ] || { echo "FAIL: capture without request/response pairs exit $rc: $(cat "$tmp/err")"; fail=1; }
[ "$fail" = 0 ] && echo "replay outstation: all good"
exit "$fail"
