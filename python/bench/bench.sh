#!/usr/bin/env bash
# Python figures beside the C ones, from one outstation:
#   bash python/bench/bench.sh BUILD_DIR [POLLS] [CAPTURE]
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd) N=${2:-2000}
HERE=$(cd "$(dirname "$0")" && pwd)
CAP=${3:-}
if [ -z "$CAP" ]; then  # 4 MiB of polls and responses, 64 flows, written by the project's own writer
    CAP="$BUILD/bench-python-4m.pcap"
    [ -s "$CAP" ] || "$BUILD/tests/bench/dnp3-mkbench" "$CAP" 4 >/dev/null
fi
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
"$BUILD/tests/harness/dnp3-outstation" --port 0 > "$BUILD/bench-outstation.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
. "$HERE/../../tests/cli/lib.sh"
port=$(listening_port "$BUILD/bench-outstation.log")
echo "== C: dnp3-master-bench rtt (blocking API, integrity poll)"
"$BUILD/tests/master/dnp3-master-bench" rtt "$port" "$N" 0   # back to back, as the Python polls
echo "== Python"
DNP3KIT_LIB_DIR="$BUILD:$BUILD/master" "$PY" "$HERE/bench.py" "$BUILD" "$port" "$CAP" "$N"
