#!/usr/bin/env bash
# dnp3-pcap replay --role master against dnp3-outstation over loopback:
# the recorded master session replays with zero differences; a simulator
# with one value changed (--set) gives a reported difference and exit 1;
# bad input (broken file, no DNP3, unreachable target) gives exit 2.
# Usage: replay_master.sh BUILD_DIR SOURCE_DIR [SHARED]   (exit 77: skipped)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
BUILD=$1 SRC=$2
OS="$BUILD/tests/harness/dnp3-outstation"
PCAP="$BUILD/pcaptools/dnp3-pcap"
[ -x "$OS" ] && [ -x "$PCAP" ] || { echo "skip: dnp3-outstation or dnp3-pcap not built"; exit 77; }
tmp=$(mktemp -d)
simpid=
stop_sim() { stop_pids "$simpid"; simpid=; }
trap 'stop_sim; rm -rf "$tmp"; [ -z "${stop_pids_failed:-}" ] || exit 1' EXIT
fail=0
# start_sim ARGS...: simulator on a free port, sets $port
start_sim() {
    start_server "$tmp/sim.log" "$OS" --port 0 "$@"; local ok=$?
    simpid=$server_pid
    [ "$ok" = 0 ] || { echo "FAIL: simulator did not start"; cat "$tmp/sim.log"; exit 1; }
}
R() { timeout 60 "$PCAP" replay "$@"; }

# 1. the recorded session against a fresh simulator: zero differences
start_sim --unsolicited
R --role master --target "127.0.0.1:$port" "$SRC/captures/master_session.pcap" > "$tmp/out" 2> "$tmp/err"; rc=$?
[ "$rc" = 0 ] || { echo "FAIL: replay of master_session exit $rc, want 0"; cat "$tmp/out" "$tmp/err" | head -30; fail=1; }
grep -q ' 0 different' "$tmp/out" || { echo "FAIL: summary: $(cat "$tmp/out")"; fail=1; }
stop_sim

# 2. one value changed: reported, exit 1, JSON names it
start_sim --unsolicited --set ai.3=12.5
R --role master --target "127.0.0.1:$port" "$SRC/captures/master_session.pcap" > "$tmp/out" 2> "$tmp/err"; rc=$?
[ "$rc" = 1 ] || { echo "FAIL: changed simulator exit $rc, want 1"; cat "$tmp/out" "$tmp/err" | head; fail=1; }
grep -q 'g30v1\[3\] value: recorded 0, got 12' "$tmp/out" || { echo "FAIL: difference not reported: $(head -5 "$tmp/out")"; fail=1; }
# each replay below runs against a fresh simulator (a replay changes its state: time, events)
stop_sim; start_sim --unsolicited --set ai.3=12.5
R --role master --json --ignore-values --target "127.0.0.1:$port" "$SRC/captures/master_session.pcap" > "$tmp/json" 2> "$tmp/err"; rc=$?
# ignoring values, the structure is the same
[ "$rc" = 0 ] || { echo "FAIL: --ignore-values exit $rc, want 0"; head -c 600 "$tmp/json"; fail=1; }
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["summary"]; sys.exit(0 if s["result"]=="equivalent" and s["exchanges"]==len(d["exchanges"])>50 else 1)' "$tmp/json" ||
    { echo "FAIL: JSON report shape"; fail=1; }
stop_sim; start_sim --unsolicited --set ai.3=12.5
R --role master --json --flow 1 --target "127.0.0.1:$port" "$SRC/captures/master_session.pcap" > "$tmp/json" 2> "$tmp/err"; rc=$?
[ "$rc" = 1 ] || { echo "FAIL: --flow 1 --json exit $rc, want 1"; fail=1; }
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); x=[e for e in d["exchanges"] if not e["equivalent"]]; sys.exit(0 if x and any("g30v1[3]" in l for l in x[0]["differences"]) and all(e["flow"]==1 for e in d["exchanges"]) else 1)' "$tmp/json" ||
    { echo "FAIL: JSON differences: $(head -c 600 "$tmp/json")"; fail=1; }
# tolerance covers 12.5 vs 0 for analogs
stop_sim; start_sim --unsolicited --set ai.3=12.5
R --role master --tolerance 13 --target "127.0.0.1:$port" --flow 1 "$SRC/captures/master_session.pcap" > "$tmp/out" 2>&1; rc=$?
[ "$rc" = 0 ] || { echo "FAIL: --tolerance 13 exit $rc, want 0"; head "$tmp/out"; fail=1; }

# an outstation at another link address: named with the --map-addresses hint
# after the first unanswered exchange (not 62 timeouts), exit 2; mapped, equivalent
stop_sim; start_sim --unsolicited --address 11
R --role master --timeout 1000 --target "127.0.0.1:$port" "$SRC/captures/master_session.pcap" > "$tmp/out" 2> "$tmp/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'answered nothing to master 1 -> outstation 10.*--map-addresses' "$tmp/err" &&
    grep -q '^replay: 1 exchanges' "$tmp/out" ||
    { echo "FAIL: wrong link address: exit $rc: $(cat "$tmp/err" "$tmp/out" | head -5)"; fail=1; }
stop_sim; start_sim --unsolicited --address 11
R --role master --map-addresses 1:11 --target "127.0.0.1:$port" "$SRC/captures/master_session.pcap" > "$tmp/out" 2> "$tmp/err"; rc=$?
[ "$rc" = 0 ] && grep -q ' 0 different' "$tmp/out" || { echo "FAIL: --map-addresses 1:11 exit $rc: $(tail -3 "$tmp/out")"; fail=1; }

# 3. bad input: exit 2 with a clear message, never a hang
printf 'not a capture' > "$tmp/broken.pcap"
R --role master --target "127.0.0.1:$port" "$tmp/broken.pcap" > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'cannot read' "$tmp/err" || { echo "FAIL: broken capture exit $rc: $(cat "$tmp/err")"; fail=1; }
R --role master --target "127.0.0.1:$port" -p 20001 "$SRC/captures/master_session.pcap" > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'no DNP3' "$tmp/err" || { echo "FAIL: no-DNP3 capture exit $rc: $(cat "$tmp/err")"; fail=1; }
stop_sim
dead=$(free_port)
R --role master --target "127.0.0.1:$dead" "$SRC/captures/master_session.pcap" > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" = 2 ] && grep -q "cannot connect to 127.0.0.1:$dead" "$tmp/err" || { echo "FAIL: unreachable exit $rc: $(cat "$tmp/err")"; fail=1; }
R --role master "$SRC/captures/master_session.pcap" > /dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || { echo "FAIL: missing --target exit $rc"; fail=1; }
# a target that closes the connection: a Python server that accepts then closes
python3 - "$tmp/port" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 0)); s.listen(4)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(20)
for _ in range(3):
    try:
        c, _ = s.accept(); c.recv(100); c.close()
    except Exception:
        break
PY
pypid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
R --role master --target "127.0.0.1:$(cat "$tmp/port")" "$SRC/captures/master_session.pcap" > "$tmp/out" 2> "$tmp/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'closed the connection' "$tmp/err" || { echo "FAIL: closing target exit $rc: $(cat "$tmp/err")"; fail=1; }
kill $pypid 2>/dev/null; wait $pypid 2>/dev/null
[ "$fail" = 0 ] && echo "replay master: all good"
exit "$fail"
