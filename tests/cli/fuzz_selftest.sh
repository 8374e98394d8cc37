#!/usr/bin/env bash
# --target self crash and hang handling, driven by the documented test hook
# DNP3KIT_FUZZ_SELFTEST=crash|hang (the fuzz worker aborts / hangs on a frame
# carrying application function code 99; the core is not touched): each
# finding is detected and counted, the worker is restarted and fuzzing goes on
# to --count, a minimised reproducer is written, and
# `dnp3-pcap fuzz --replay REPRO` triggers the same failure again.
# Usage: fuzz_selftest.sh BUILD_DIR SOURCE_DIR [SHARED]   (exit 77: skipped)
set -uo pipefail
BUILD=$1
PCAP="$BUILD/pcaptools/dnp3-pcap"
[ -x "$PCAP" ] || { echo "skip: dnp3-pcap not built"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for kind in crash hang; do
    out="$tmp/$kind"; mkdir "$out"
    DNP3KIT_FUZZ_SELFTEST=$kind timeout 50 "$PCAP" fuzz --target self --seed 1 --count 1000 --timeout 200 \
        --keep-going --out "$out" --json -q > "$out/json" 2> "$out/err"; rc=$?
    [ "$rc" = 1 ] || { echo "FAIL($kind): fuzz exit $rc, want 1: $(cat "$out/json" "$out/err")"; fail=1; continue; }
    # counted, restarted, went on to the end
    python3 - "$out/json" "$kind" <<'PY' || { echo "FAIL($kind): summary $(cat "$out/json")"; fail=1; }
import json, sys
d = json.load(open(sys.argv[1])); k = sys.argv[2]
n = d["crashes"] if k == "crash" else d["hangs"]
other = d["hangs"] if k == "crash" else d["crashes"]
ok = d["cases"] == 1000 and n >= 2 and other == 0 and d["restarts"] == n and d["result"] == "found"
sys.exit(0 if ok else 1)
PY
    nrep=$(ls "$out"/dnp3fuzz-1-*-"$kind".pcap 2>/dev/null | wc -l)
    nfind=$(grep -c "the core" "$out/err")
    [ "$nrep" -ge 2 ] && [ "$nrep" = "$nfind" ] || { echo "FAIL($kind): $nrep reproducers for $nfind findings"; fail=1; }
    # minimised: smaller than the case that failed
    grep -q "minimised from" "$out/err" || { echo "FAIL($kind): no minimisation line: $(cat "$out/err")"; fail=1; }
    python3 - "$out/err" <<'PY' || { echo "FAIL($kind): reproducers not minimised: $(cat "$out/err")"; fail=1; }
import re, sys
pairs = [(int(a), int(b)) for a, b in re.findall(r"\((\d+) octets, minimised from (\d+)\)", open(sys.argv[1]).read())]
sys.exit(0 if pairs and all(a <= b for a, b in pairs) and any(a < b for a, b in pairs) else 1)
PY
    # each reproducer triggers the same failure again, and only with the hook
    for r in "$out"/dnp3fuzz-1-*-"$kind".pcap; do
        DNP3KIT_FUZZ_SELFTEST=$kind timeout 20 "$PCAP" fuzz --target self --timeout 200 --replay "$r" --json > "$out/rj" 2>&1; rc=$?
        [ "$rc" = 1 ] && grep -q "\"result\":\"$kind\"" "$out/rj" || { echo "FAIL($kind): replay of $r exit $rc: $(cat "$out/rj")"; fail=1; }
        timeout 20 "$PCAP" fuzz --target self --timeout 200 --replay "$r" --json > "$out/rj" 2>&1; rc=$?
        [ "$rc" = 0 ] && grep -q '"result":"survived"' "$out/rj" || { echo "FAIL($kind): replay of $r without the hook exit $rc: $(cat "$out/rj")"; fail=1; }
    done
done
# stop-on-find (default): one finding, exit 1, the worker is not restarted
DNP3KIT_FUZZ_SELFTEST=crash timeout 30 "$PCAP" fuzz --seed 1 --count 1000 --out "$tmp" --json -q > "$tmp/j1" 2>/dev/null; rc=$?
[ "$rc" = 1 ] && grep -q '"crashes":1,' "$tmp/j1" && grep -q '"restarts":0,' "$tmp/j1" || { echo "FAIL: stop on find: exit $rc $(cat "$tmp/j1")"; fail=1; }
# the hook is never read by a live fuzz (only the self worker)
timeout 10 "$PCAP" fuzz --target self --replay "$tmp/missing.pcap" > /dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || { echo "FAIL: --replay of a missing file exit $rc, want 2"; fail=1; }
[ "$fail" = 0 ] && echo "fuzz self-test hook: all good"
exit "$fail"
