#!/usr/bin/env bash
# Fuzzing speed: cases/s for --target self (one worker, one core) and against
# dnp3-outstation on loopback. Target: >= 100,000 cases/s in-process.
# Usage: bash tests/bench/fuzz_bench.sh BUILD_DIR [SECONDS]
set -uo pipefail
BUILD=$1 SECS=${2:-10}
PCAP="$BUILD/pcaptools/dnp3-pcap" OS="$BUILD/tests/harness/dnp3-outstation"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "self (core in-process, 1 worker):"
taskset -c 0 "$PCAP" fuzz --target self --duration "$SECS" --seed 1 --out "$tmp" -q
"$OS" --port 0 2> "$tmp/sim.log" & sim=$!
for _ in $(seq 100); do port=$(grep -o '127.0.0.1:[0-9]*' "$tmp/sim.log" | sed 's/.*://'); [ -n "$port" ] && break; sleep 0.05; done
echo "dnp3-outstation on loopback:"
"$PCAP" fuzz --target "tcp://127.0.0.1:$port" --duration "$SECS" --seed 1 --out "$tmp" -q
kill $sim; wait $sim
