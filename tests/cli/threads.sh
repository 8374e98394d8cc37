#!/usr/bin/env bash
# dnp3-pcap gives byte-identical output on one thread and on two (reader and
# DNP3 engine in a pipeline): for the crafted captures, every shared capture
# and a generated multi-flow capture of a few MB.
set -euo pipefail
BUILD=$1 SRC=$2 SHARED=${3:-}
PCAP="$BUILD/pcaptools/dnp3-pcap"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files=("$SRC"/captures/*.pcap)
if [ -n "$SHARED" ] && [ -d "$SHARED" ]; then
    while IFS= read -r f; do files+=("$f"); done < <(find "$SHARED" -name '*.pcap' -o -name '*.pcapng' | sort)
fi
if [ -x "$BUILD/tests/bench/dnp3-mkbench" ]; then
    "$BUILD/tests/bench/dnp3-mkbench" "$tmp/multi.pcap" 4 >/dev/null
    files+=("$tmp/multi.pcap")
    # --sessions=1 (the dissector benchmark's like-for-like capture): one flow, clean
    "$BUILD/tests/bench/dnp3-mkbench" --sessions=1 "$tmp/one.pcap" 1 >/dev/null 2>&1
    files+=("$tmp/one.pcap")
    sum=$("$PCAP" check "$tmp/one.pcap" | tail -n 1)
    case $sum in
    *" 1 flows, "*" 0 findings"*) ;;
    *) echo "FAIL: dnp3-mkbench --sessions=1: $sum"; exit 1 ;;
    esac
    # --no-wrap (the benchmark's equal-work capture): clean, and no fragment's
    # segments wrap the transport sequence from 63 to 0 (per flow and direction)
    "$BUILD/tests/bench/dnp3-mkbench" --sessions=4 --no-wrap "$tmp/nowrap.pcap" 1 >/dev/null 2>&1
    files+=("$tmp/nowrap.pcap")
    sum=$("$PCAP" check "$tmp/nowrap.pcap" | tail -n 1)
    case $sum in
    *" 4 flows, "*" 0 findings"*) ;;
    *) echo "FAIL: dnp3-mkbench --no-wrap: $sum"; exit 1 ;;
    esac
    wraps() { # capture -> wraps inside a fragment, then fragments of several segments
        "$PCAP" decode --layer link --json "$1" | python3 -c '
import json, sys
last, wraps, multi = {}, 0, 0
for line in sys.stdin:
    r = json.loads(line)
    t = r.get("transport")
    if not t:
        continue
    k = (r["flow"], r["dir"])
    if not t["fir"] and k in last:
        wraps += t["seq"] < last[k]
        multi += t["fin"]
    last[k] = t["seq"]
print(wraps, multi)'
    }
    read -r w m < <(wraps "$tmp/nowrap.pcap")
    read -r w0 _ < <(wraps "$tmp/multi.pcap")
    if [ "$w" != 0 ] || [ "$m" -lt 100 ] || [ "$w0" = 0 ]; then
        echo "FAIL: --no-wrap: $w wraps in $m multi-segment fragments (without it: $w0 wraps)"; exit 1
    fi
    if "$BUILD/tests/bench/dnp3-mkbench" --sessions=65 "$tmp/bad.pcap" 1 >/dev/null 2>&1; then
        echo "FAIL: dnp3-mkbench --sessions=65 accepted"; exit 1
    fi
fi
fail=0 n=0
for f in "${files[@]}"; do
    for cmd in "check --json --any-port" "decode --json" "decode --layer link --json"; do
        set +e
        # shellcheck disable=SC2086
        "$PCAP" $cmd -j 1 "$f" > "$tmp/one" 2>&1; r1=$?
        # shellcheck disable=SC2086
        "$PCAP" $cmd -j 2 "$f" > "$tmp/two" 2>&1; r2=$?
        set -e
        if [ "$r1" != "$r2" ] || ! cmp -s "$tmp/one" "$tmp/two"; then
            echo "FAIL: $cmd $f differs between -j 1 and -j 2 (exit $r1 vs $r2)"
            diff "$tmp/one" "$tmp/two" | head -5
            fail=1
        fi
        n=$((n + 1))
    done
done
echo "threads: $n runs compared, $( [ $fail = 0 ] && echo identical || echo DIFFERENT )"
exit $fail
