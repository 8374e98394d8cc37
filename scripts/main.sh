#!/usr/bin/env bash
# The main job: installs what is missing, builds, then checks and decodes the
# project's bundled captures with dnp3-pcap.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
BUILD=${BUILD_DIR:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
echo "building into $BUILD/ (log: $BUILD/build.log)"
cmake --build "$BUILD" -j"$(nproc)" > "$BUILD/build.log" 2>&1 || { tail -n 40 "$BUILD/build.log"; exit 1; }
PCAP="$BUILD/pcaptools/dnp3-pcap"
echo "== dnp3-pcap check of the clean session capture"
"$PCAP" check captures/clean_session.pcap
echo "== dnp3-pcap decode (text) of the clean session capture"
# (through a file: `decode | head` would end decode with SIGPIPE under pipefail)
"$PCAP" decode --max-points 8 captures/clean_session.pcap > "$BUILD/clean_session.txt"
head -n 60 "$BUILD/clean_session.txt"
echo "... ($(wc -l < "$BUILD/clean_session.txt") lines in $BUILD/clean_session.txt)"
echo "== dnp3-pcap check of every bundled capture (defects expected: they are crafted to have them)"
"$PCAP" check --quiet captures/*.pcap || true
# A live session: the simulator on loopback, the master's startup sequence and
# a poll, an SBO control and an analog output, each recorded with --pcap, then
# the recordings checked.
OS="$BUILD/tests/harness/dnp3-outstation"
M="$BUILD/master/dnp3-master"
if [ -x "$OS" ] && [ -x "$M" ]; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    rec=$(mktemp -d)
    "$OS" --port "$port" &
    ospid=$!
    trap 'kill $ospid 2>/dev/null || true; rm -rf "$rec"' EXIT
    for _ in $(seq 100); do
        python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$port)))" && break
        sleep 0.05
    done
    echo "== dnp3-master: startup sequence + integrity poll (port $port)"
    "$M" --port "$port" --startup --pcap "$rec/1-startup-poll.pcap" poll
    echo "== dnp3-master: SBO control (latch on binary output 1)"
    "$M" --port "$port" --yes --pcap "$rec/2-sbo.pcap" operate bo 1 on --sbo
    echo "== dnp3-master: analog output 0 = 12.5 (float)"
    "$M" --port "$port" --yes --pcap "$rec/3-ao.pcap" operate ao 0 12.5 --type float
    echo "== dnp3-pcap check of the recordings"
    "$PCAP" check -p "$port" "$rec"/*.pcap
    echo "== the SBO recording decoded (dnp3-pcap decode)"
    "$PCAP" decode -p "$port" "$rec/2-sbo.pcap"
    so=$(find "$BUILD/dissector" -name dnp3kit.so 2>/dev/null | head -n 1)
    if [ -n "$so" ] && command -v tshark >/dev/null; then
        echo "== the recordings dissected by tshark with the dnp3kit plugin"
        # Wireshark loads per-user plugins only for an unprivileged user
        home="$rec/home"
        mkdir -p "$home/.local/lib/wireshark/plugins/4.0/epan"
        cp "$so" "$home/.local/lib/wireshark/plugins/4.0/epan/"
        chmod -R a+rX "$rec"
        run_ts() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$home" tshark "$@"; else HOME="$home" tshark "$@"; fi; }
        for f in "$rec"/1-startup-poll.pcap "$rec"/2-sbo.pcap "$rec"/3-ao.pcap; do
            run_ts -r "$f" -d "tcp.port==$port,dnp3kit" -Y dnp3kit -T fields -e frame.number -e _ws.col.Info
        done
    fi
    kill "$ospid"; wait "$ospid" || true
fi
