#!/usr/bin/env bash
# Master benchmark (figures for the README): poll round trip and 1,000 sessions
# in one process against one dnp3-outstation on loopback.
# Usage: bash tests/bench/master_bench.sh BUILD_DIR [SESSIONS] [SECONDS]
set -euo pipefail
BUILD=${1:-build} N=${2:-1000} SECS=${3:-5}
OS="$BUILD/tests/harness/dnp3-outstation"
B="$BUILD/tests/master/dnp3-master-bench"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ulimit -n 4096 2>/dev/null || true
"$OS" --port "$port" --count "$N" --max-connections $((N + 16)) 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 100); do
    python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$port)))" && break
    sleep 0.05
done
"$B" rtt "$port" 2000     # paced under the default cap of 100 requests/s
"$B" rtt "$port" 2000 0   # back to back, no cap
"$B" scale "$port" "$N" "$SECS"
