#!/usr/bin/env bash
# `dnp3-master monitor` survives the outstation going away and coming back:
# it reports the lost connection, reconnects, and runs the startup sequence
# again before it goes on polling (the outstation may have restarted).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cli_setup "$1"
port=$(free_port)
start_os() {
    "$OS" --port "$port" > /dev/null 2>&1 &
    simpid=$!
    wait_connectable "$port"
}
start_os || { echo "FAIL: simulator did not start"; exit 1; }
timeout 40 "$M" --port "$port" --json monitor --duration 14 --interval 0.3 > "$tmp/out" 2> "$tmp/err" &
mpid=$!
sleep 2
kill "$simpid"; wait "$simpid" 2>/dev/null; simpid=
sleep 6
start_os || { echo "FAIL: simulator did not restart"; exit 1; }
wait "$mpid"
rc=$?
fail=0
grep -q "event poll: .*ERR_" "$tmp/err" || { echo "FAIL: the lost connection was not reported"; fail=1; }
grep -q "reconnected; startup sequence run again" "$tmp/err" || { echo "FAIL: no startup sequence after reconnecting"; fail=1; }
# two integrity polls printed: the first startup and the one after reconnecting, each once
# (the poll after a reconnection used to be printed a second time as an event poll's answer)
python3 - "$tmp/out" <<'EOF' || fail=1
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
kinds = [r["kind"] for r in recs]
static = [r["kind"] for r in recs if any(not p["event"] for p in r.get("points", []))]
if kinds.count("integrity") != 1 or kinds.count("reconnected") != 1 or static != ["integrity", "reconnected"]:
    sys.exit("FAIL: integrity polls printed %s (records %s)" % (static, kinds))
EOF
[ "$fail" = 0 ] && echo "monitor: reconnected and resynchronised (exit $rc)"
[ "$fail" = 0 ] || { echo "--- stderr"; cat "$tmp/err"; }
exit $fail
