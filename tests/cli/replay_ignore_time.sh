#!/usr/bin/env bash
# `dnp3-pcap replay --ignore-time`: captures/read_time.pcap reads the
# outstation's clock (g50v1); a live simulator answers with its own time, so
# the replay differs (exit 1, the time named in the diff) unless --ignore-time.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
BUILD=$1 SRC=$2
PCAP="$BUILD/pcaptools/dnp3-pcap"
OS="$BUILD/tests/harness/dnp3-outstation"
[ -x "$PCAP" ] && [ -x "$OS" ] || exit 77
tmp=$(mktemp -d)
ospid=
cleanup() { [ -n "$ospid" ] && kill "$ospid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
"$OS" --port 0 --no-need-time 2> "$tmp/os.err" &
ospid=$!
port=$(listening_port "$tmp/os.err") || { echo "FAIL: simulator did not listen"; exit 1; }
fail=0
# the simulator reports DEVICE_RESTART after start: not what this test is about
R() { timeout 30 "$PCAP" replay --role master --target "127.0.0.1:$port" --ignore-iin DEVICE_RESTART "$@"; }
R "$SRC/captures/read_time.pcap" > "$tmp/out" 2>&1; rc=$?
[ "$rc" = 1 ] || { echo "FAIL: a different clock replays with exit $rc, want 1"; cat "$tmp/out"; fail=1; }
grep -q "g50v1\[0\] time: recorded 1700000001234" "$tmp/out" || { echo "FAIL: the difference does not name the recorded time"; cat "$tmp/out"; fail=1; }
R --ignore-time "$SRC/captures/read_time.pcap" > "$tmp/out" 2>&1; rc=$?
[ "$rc" = 0 ] || { echo "FAIL: --ignore-time replays with exit $rc, want 0"; cat "$tmp/out"; fail=1; }
[ "$fail" = 0 ] && echo "replay --ignore-time: differs without it (exit 1), equivalent with it (exit 0)"
exit $fail
