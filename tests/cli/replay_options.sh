#!/usr/bin/env bash
# dnp3-pcap replay --role master options against dnp3-outstation (loopback):
# --pace recorded keeps the recorded gaps (the 3.4 s session takes >= 3 s,
# fast takes less), --map-addresses reaches a simulator at other link
# addresses (without it: no answers, exit 1), --ignore-iin masks an IIN
# difference (a simulator that does not ask for time). Not covered yet:
# --ignore-time (needs a simulator clock knob or a crafted capture).
# Usage: replay_options.sh BUILD_DIR SOURCE_DIR [SHARED]   (exit 77: skipped)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
BUILD=$1 SRC=$2
OS="$BUILD/tests/harness/dnp3-outstation"
PCAP="$BUILD/pcaptools/dnp3-pcap"
CAP="$SRC/captures/master_session.pcap"
[ -x "$OS" ] && [ -x "$PCAP" ] || { echo "skip: dnp3-outstation or dnp3-pcap not built"; exit 77; }
tmp=$(mktemp -d)
simpid=
stop_sim() { stop_pids "$simpid"; simpid=; }
trap 'stop_sim; rm -rf "$tmp"; [ -z "${stop_pids_failed:-}" ] || exit 1' EXIT
fail=0
start_sim() {
    start_server "$tmp/sim.log" "$OS" --port 0 "$@"; local ok=$?
    simpid=$server_pid
    [ "$ok" = 0 ] || { echo "FAIL: simulator did not start"; exit 1; }
}
R() { timeout 50 "$PCAP" replay --role master --target "127.0.0.1:$port" "$@"; }
ms() { date +%s%3N; }

# --pace recorded vs fast
start_sim --unsolicited
t0=$(ms); R "$CAP" > "$tmp/out" 2>&1; rc=$?; fast=$(( $(ms) - t0 ))
stop_sim; start_sim --unsolicited
t0=$(ms); R --pace recorded "$CAP" > "$tmp/out2" 2>&1; rc2=$?; rec=$(( $(ms) - t0 ))
stop_sim
[ "$rc" = 0 ] && [ "$rc2" = 0 ] || { echo "FAIL: pace fast exit $rc, recorded exit $rc2: $(cat "$tmp/out2")"; fail=1; }
[ "$rec" -ge 3000 ] && [ "$fast" -lt "$rec" ] || { echo "FAIL: --pace recorded took ${rec} ms (fast ${fast} ms), want >= 3000"; fail=1; }

# --map-addresses: a simulator at outstation 20 / master 2
start_sim --unsolicited --address 20 --master 2
R --timeout 100 "$CAP" > "$tmp/out" 2>&1; rc=$?
[ "$rc" != 0 ] || { echo "FAIL: replay to other addresses without --map-addresses exit 0"; fail=1; }
stop_sim; start_sim --unsolicited --address 20 --master 2
R --map-addresses 2:20 "$CAP" > "$tmp/out" 2>&1; rc=$?
[ "$rc" = 0 ] || { echo "FAIL: --map-addresses 2:20 exit $rc: $(tail -5 "$tmp/out")"; fail=1; }
stop_sim

# --ignore-iin: a simulator that does not ask for time differs in IIN1.4 NEED_TIME
start_sim --unsolicited --no-need-time
R "$CAP" > "$tmp/out" 2>&1; rc=$?
stop_sim
if [ "$rc" = 1 ] && grep -qi 'need_time\|iin' "$tmp/out"; then
    start_sim --unsolicited --no-need-time
    R --ignore-iin NEED_TIME "$CAP" > "$tmp/out" 2>&1; rc=$?
    [ "$rc" = 0 ] || { echo "FAIL: --ignore-iin NEED_TIME exit $rc: $(grep -i iin "$tmp/out" | head -5)"; fail=1; }
    stop_sim
else
    echo "FAIL: --no-need-time simulator gave exit $rc without an IIN difference: $(tail -5 "$tmp/out")"; fail=1
fi

[ "$fail" = 0 ] && echo "replay options: all good"
exit "$fail"
