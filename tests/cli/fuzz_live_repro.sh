#!/usr/bin/env bash
# Live-target findings (tests/fragile):
#  - the reproducer starts from the exchange (the last --history cases of the
#    connection) and, with --restart, is minimised: fewer cases than the
#    exchange, and replaying it with `dnp3-pcap replay` crashes a fresh target;
#  - without --restart the whole exchange is kept and still crashes a target;
#  - the liveness probe is tied to its case: a target whose application layer
#    dies while its link layer still answers link status (--half-dead) is
#    reported as a silence (a link-status probe would call it alive).
# Usage: fuzz_live_repro.sh BUILD_DIR SOURCE_DIR [SHARED]   (exit 77: skipped)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
BUILD=$1
FR="$BUILD/tests/fragile/dnp3-fragile"
PCAP="$BUILD/pcaptools/dnp3-pcap"
[ -x "$FR" ] && [ -x "$PCAP" ] || { echo "skip: dnp3-fragile or dnp3-pcap not built"; exit 77; }
tmp=$(mktemp -d)
frpid=
trap '[ -n "$frpid" ] && kill "$frpid" 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
start_fragile() {
    start_server "$tmp/fr.log" "$FR" --port 0 "$@"; local ok=$?
    frpid=$server_pid
    [ "$ok" = 0 ] || { echo "FAIL: fragile target did not start"; exit 1; }
}
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
replay_crashes() { # REPRO: a fresh target dies (abort) when it is replayed
    start_fragile
    timeout 30 "$PCAP" replay --role master --target "127.0.0.1:$port" "$1" > "$tmp/replay" 2>&1; local rc=$?
    wait "$frpid"; local frc=$?; frpid=
    [ "$rc" = 1 ] && grep -q 'closed the connection' "$tmp/replay" && [ "$frc" = 134 ]
}

# 1. minimised with --restart
mkdir "$tmp/min"
start_fragile
timeout 50 "$PCAP" fuzz --target "tcp://127.0.0.1:$port" --seed 1 --count 50000 --history 8 --out "$tmp/min" \
    --restart "exec '$FR' --port $port 2>/dev/null" --json -q > "$tmp/json" 2> "$tmp/err"; rc=$?
wait "$frpid"; frpid=
[ "$rc" = 1 ] || { echo "FAIL: fuzz exit $rc: $(cat "$tmp/json" "$tmp/err")"; fail=1; }
python3 - "$tmp/json" <<'PY' || { echo "FAIL: minimised summary $(cat "$tmp/json")"; fail=1; }
import json, sys
d = json.load(open(sys.argv[1]))
ok = (d["crashes"] == 1 and d["exchange_cases"] == 8 and 1 <= d["repro_cases"] < d["exchange_cases"]
      and d["trials"] >= 1 and d["restarts"] >= 1 and d["reproducer"])
sys.exit(0 if ok else 1)
PY
min=$(field "$tmp/json" reproducer)
min_oct=$(field "$tmp/json" repro_octets)
replay_crashes "$min" || { echo "FAIL: minimised reproducer does not crash a fresh target: $(cat "$tmp/replay")"; fail=1; }
# no target the fuzzer restarted is left behind
left=1
for _ in $(seq 100); do pgrep -f "dnp3-fragile --port $port" > /dev/null || { left=0; break; }; sleep 0.05; done
[ "$left" = 0 ] || { echo "FAIL: a restarted target was left running"; fail=1; }

# 2. without --restart: the exchange, unminimised, larger than the minimised one
mkdir "$tmp/full"
start_fragile
timeout 50 "$PCAP" fuzz --target "tcp://127.0.0.1:$port" --seed 1 --count 50000 --history 8 --out "$tmp/full" --json -q > "$tmp/json2" 2> "$tmp/err2"; rc=$?
wait "$frpid"; frpid=
[ "$rc" = 1 ] || { echo "FAIL: fuzz (no restart) exit $rc"; fail=1; }
[ "$(field "$tmp/json2" repro_cases)" = 8 ] || { echo "FAIL: unminimised reproducer is not the 8-case exchange: $(cat "$tmp/json2")"; fail=1; }
full_oct=$(field "$tmp/json2" repro_octets)
[ "$min_oct" -lt "$full_oct" ] || { echo "FAIL: minimised $min_oct octets not smaller than the exchange's $full_oct"; fail=1; }
[ "$(stat -c %s "$min")" -lt "$(stat -c %s "$(field "$tmp/json2" reproducer)")" ] || { echo "FAIL: minimised pcap not smaller"; fail=1; }
replay_crashes "$(field "$tmp/json2" reproducer)" || { echo "FAIL: exchange reproducer does not crash a fresh target: $(cat "$tmp/replay")"; fail=1; }

# 3. a half-dead target (link layer alive, application dead) is a silence
mkdir "$tmp/half"
start_fragile --half-dead
timeout 50 "$PCAP" fuzz --target "tcp://127.0.0.1:$port" --seed 1 --count 50000 --timeout 200 --out "$tmp/half" --json -q > "$tmp/json3" 2> "$tmp/err3"; rc=$?
kill "$frpid"; wait "$frpid" 2>/dev/null; frpid=
[ "$rc" = 1 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["silences"]==1 and d["crashes"]==0 and d["cases"]<50000 else 1)' "$tmp/json3" ||
    { echo "FAIL: half-dead target not found as a silence (exit $rc): $(cat "$tmp/json3")"; fail=1; }
# the same half-dead target: replaying its reproducer leaves it silent
start_fragile --half-dead
timeout 30 "$PCAP" replay --role master --target "127.0.0.1:$port" --timeout 300 "$(field "$tmp/json3" reproducer)" > "$tmp/replay" 2>&1; rc=$?
kill "$frpid"; wait "$frpid" 2>/dev/null; frpid=
[ "$rc" = 1 ] && grep -q 'went silent' "$tmp/replay" || { echo "FAIL: half-dead replay exit $rc: $(cat "$tmp/replay")"; fail=1; }
[ "$fail" = 0 ] && echo "fuzz live reproducers: all good"
exit "$fail"
