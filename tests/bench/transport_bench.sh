#!/usr/bin/env bash
# Transport benchmarks (figures for docs/transports.md and the README):
#  - N outstations (default 200) dialling in at once to one socket loop
#    (dnp3-master-bench dialin; one dnp3-outstation --connect process each),
#    beside the same N sessions as TCP clients (dnp3-master-bench scale against
#    one dnp3-outstation --count N);
#  - M outstations (default 32) multi-dropped on one pty at 115200 baud
#    (dnp3-master-bench multidrop against dnp3-outstation --pty --count M);
#  - T sessions (default 1000) over TLS 1.3 beside plain TCP (dnp3-master-bench
#    scale, DNP3KIT_BENCH_TLS_CA): time to connect all (the handshakes) and polls/s.
# Usage: bash tests/bench/transport_bench.sh BUILD_DIR [N] [M] [SECONDS] [T]
set -euo pipefail
BUILD=${1:-build} N=${2:-200} MD=${3:-32} SECS=${4:-5} T=${5:-1000}
OS="$BUILD/tests/harness/dnp3-outstation"
B="$BUILD/tests/master/dnp3-master-bench"
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$tmp"' EXIT
ulimit -n 4096 2>/dev/null || true
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }

echo "== $N outstations dialling in at once"
port=$(free_port)
"$B" dialin "$port" "$N" "$SECS" > "$tmp/dialin" 2>&1 &
bpid=$!
wait_for "$tmp/dialin" listening
for i in $(seq 0 $((N - 1))); do
    "$OS" --connect "127.0.0.1:$port" --address $((10 + i)) 2>/dev/null &
    pids+=($!)
done
wait "$bpid"
cat "$tmp/dialin"
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
wait "${pids[@]}" 2>/dev/null || true
pids=()

echo "== the same $N sessions as TCP clients"
port=$(free_port)
"$OS" --port "$port" --count "$N" --max-connections $((N + 16)) 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do
    python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$port)))" && break
    sleep 0.05
done
"$B" scale "$port" "$N" "$SECS"
kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
pids=()

echo "== $MD outstations multi-dropped on one pty at 115200 baud"
"$OS" --pty --count "$MD" --address 10 2> "$tmp/pty.log" &
pids+=($!)
wait_for "$tmp/pty.log" 'serial on'
dev=$(sed -n 's/.*serial on \(\/dev\/[^,]*\),.*/\1/p' "$tmp/pty.log")
"$B" multidrop "$dev:115200" "10-$((10 + MD - 1))" "$SECS" | tail -2
kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
pids=()

echo "== $T sessions: plain TCP, then TLS 1.3 (P-256 certificate)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/k.pem" -out "$tmp/c.pem" \
    -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
for mode in tcp tls; do
    port=$(free_port)
    extra=()
    [ "$mode" = tls ] && extra=(--tls --tls-cert "$tmp/c.pem" --tls-key "$tmp/k.pem")
    "$OS" --port "$port" --count "$T" --max-connections $((T + 16)) "${extra[@]}" 2>/dev/null &
    pids+=($!)
    for _ in $(seq 100); do
        python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$port)))" && break
        sleep 0.05
    done
    if [ "$mode" = tls ]; then
        DNP3KIT_BENCH_TLS_CA="$tmp/c.pem" "$B" scale "$port" "$T" "$SECS"
    else
        "$B" scale "$port" "$T" "$SECS"
    fi
    kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
    pids=()
done
