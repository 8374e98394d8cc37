#!/usr/bin/env bash
# `check` on a file without DNP3 (DNP3 on port 20001, checked on the default
# 20000) exits 3 and names the port where it saw link frames; --allow-empty
# exits 0; the JSON report says no_dnp3 and dnp3_ports_seen; the right port
# finds the traffic. Usage: check_empty.sh BUILD_DIR SOURCE_DIR SHARED
set -uo pipefail
BUILD=$1 SRC=$2 SHARED=${3:-}
PCAP="$BUILD/pcaptools/dnp3-pcap"
CAP="$SHARED/zeek/dnp3_read_p20001.pcap"
[ -r "$CAP" ] || { echo "skip: $CAP not found"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
"$PCAP" check -q "$CAP" > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" = 3 ] || { echo "FAIL: no-DNP3 file exit $rc, want 3"; fail=1; }
grep -q "no DNP3 found on port 20000; DNP3 link frames seen on port 20001" "$tmp/err" ||
    { echo "FAIL: message: $(cat "$tmp/err")"; fail=1; }
"$PCAP" check -q --allow-empty "$CAP" > /dev/null 2>&1; rc=$?
[ "$rc" = 0 ] || { echo "FAIL: --allow-empty exit $rc, want 0"; fail=1; }
"$PCAP" check -q -p 20001 "$CAP" > /dev/null 2> "$tmp/err2"; rc=$?
[ "$rc" = 0 ] && [ ! -s "$tmp/err2" ] || { echo "FAIL: -p 20001 exit $rc: $(cat "$tmp/err2")"; fail=1; }
# a file with DNP3 next to the empty one: still exit 3 (one empty file is enough)
"$PCAP" check -q "$SRC/captures/clean_session.pcap" "$CAP" > /dev/null 2>&1; rc=$?
[ "$rc" = 3 ] || { echo "FAIL: clean + empty exit $rc, want 3"; fail=1; }
"$PCAP" check --json "$SRC/captures/clean_session.pcap" "$CAP" > "$tmp/j" 2>/dev/null
python3 - "$tmp/j" <<'PY' || { echo "FAIL: JSON report: $(cat "$tmp/j")"; fail=1; }
import json, sys
d = json.load(open(sys.argv[1]))
a, b = d["files"]
ok = (d["exit"] == 3 and a["no_dnp3"] is False and b["no_dnp3"] is True
      and b["summary"]["dnp3_ports_seen"] == [20001] and "dnp3_ports_seen" not in a["summary"])
sys.exit(0 if ok else 1)
PY
[ "$fail" = 0 ] && echo "check: a file without DNP3 exits 3 and names port 20001"
exit "$fail"
