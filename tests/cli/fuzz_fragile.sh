#!/usr/bin/env bash
# dnp3-pcap fuzz finds the deliberately fragile target (tests/fragile: it
# aborts on a g30 header with qualifier 0x00 and start > stop) within a
# bounded count, writes a reproducer, and replaying the reproducer crashes a
# fresh target again. Also: --target self is deterministic and survives.
# Usage: fuzz_fragile.sh BUILD_DIR SOURCE_DIR [SHARED]   (exit 77: skipped)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
BUILD=$1 SRC=$2
FR="$BUILD/tests/fragile/dnp3-fragile"
PCAP="$BUILD/pcaptools/dnp3-pcap"
[ -x "$FR" ] && [ -x "$PCAP" ] || { echo "skip: dnp3-fragile or dnp3-pcap not built"; exit 77; }
tmp=$(mktemp -d)
frpid=
trap '[ -n "$frpid" ] && kill "$frpid" 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
start_fragile() {
    start_server "$tmp/fr.log" "$FR" --port 0; local ok=$?
    frpid=$server_pid
    [ "$ok" = 0 ] || { echo "FAIL: fragile target did not start"; exit 1; }
}
mkdir "$tmp/out"
start_fragile
timeout 120 "$PCAP" fuzz --target "tcp://127.0.0.1:$port" --seed 1 --count 50000 --out "$tmp/out" --json -q > "$tmp/json" 2> "$tmp/err"; rc=$?
wait "$frpid"; frc=$?; frpid=
[ "$rc" = 1 ] || { echo "FAIL: fuzz exit $rc, want 1 (found)"; cat "$tmp/json" "$tmp/err"; fail=1; }
[ "$frc" = 134 ] || { echo "FAIL: the fragile target exited $frc, want 134 (abort)"; fail=1; }
repro=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["reproducer"] or ""); sys.exit(0 if d["crashes"]==1 and d["result"]=="found" else 1)' "$tmp/json") ||
    { echo "FAIL: JSON summary $(cat "$tmp/json")"; fail=1; }
[ -s "$repro" ] || { echo "FAIL: no reproducer written"; exit 1; }
# same seed, same finding at the same case
start_fragile
timeout 120 "$PCAP" fuzz --target "tcp://127.0.0.1:$port" --seed 1 --count 50000 --out "$tmp" -q > /dev/null 2>&1
wait "$frpid"; frpid=
[ -s "$tmp/$(basename "$repro")" ] || { echo "FAIL: --seed 1 is not deterministic"; fail=1; }
# the reproducer crashes a fresh target again
start_fragile
timeout 60 "$PCAP" replay --role master --target "127.0.0.1:$port" "$repro" > "$tmp/replay" 2>&1; rc=$?
wait "$frpid"; frc=$?; frpid=
[ "$rc" = 1 ] && grep -q 'closed the connection' "$tmp/replay" || { echo "FAIL: replay of reproducer exit $rc: $(cat "$tmp/replay")"; fail=1; }
[ "$frc" = 134 ] || { echo "FAIL: replayed reproducer: fragile exit $frc, want 134"; fail=1; }
# a harmless capture replayed raw: the target survives (exit 0)
start_fragile
timeout 60 "$PCAP" replay --raw --role master --target "127.0.0.1:$port" "$SRC/captures/clean_session.pcap" > "$tmp/replay" 2>&1; rc=$?
[ "$rc" = 0 ] && grep -q survived "$tmp/replay" || { echo "FAIL: raw replay of a clean capture exit $rc: $(cat "$tmp/replay")"; fail=1; }
kill "$frpid"; wait "$frpid" 2>/dev/null; frpid=

# --target self: bounded, deterministic, survives; bad input
timeout 120 "$PCAP" fuzz --count 200000 --seed 7 --out "$tmp" --json -q > "$tmp/self" 2>&1; rc=$?
[ "$rc" = 0 ] || { echo "FAIL: fuzz --target self exit $rc: $(cat "$tmp/self")"; fail=1; }
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["cases"]==200000 and d["crashes"]==0 and d["hangs"]==0 else 1)' "$tmp/self" ||
    { echo "FAIL: self summary $(cat "$tmp/self")"; fail=1; }
timeout 120 "$PCAP" fuzz --count 20000 --out "$tmp" -q "$SRC/captures/master_session.pcap" > "$tmp/self" 2>&1; rc=$?
[ "$rc" = 0 ] || { echo "FAIL: fuzz self with capture seeds exit $rc: $(cat "$tmp/self")"; fail=1; }
timeout 60 "$PCAP" fuzz --duration 1 --out "$tmp" -q > /dev/null 2>&1; rc=$?
[ "$rc" = 0 ] || { echo "FAIL: fuzz --duration 1 exit $rc"; fail=1; }
printf 'junk' > "$tmp/junk.pcap"
timeout 30 "$PCAP" fuzz --count 10 "$tmp/junk.pcap" > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'cannot read' "$tmp/err" || { echo "FAIL: broken capture exit $rc"; fail=1; }
dead=$(free_port)
timeout 30 "$PCAP" fuzz --count 10 --target "tcp://127.0.0.1:$dead" > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'cannot connect' "$tmp/err" || { echo "FAIL: unreachable target exit $rc: $(cat "$tmp/err")"; fail=1; }
timeout 30 "$PCAP" fuzz --count 10 --target bogus > /dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || { echo "FAIL: bad --target exit $rc"; fail=1; }
[ "$fail" = 0 ] && echo "fuzz fragile/self: all good"
exit "$fail"
