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
"$PCAP" decode --max-points 8 captures/clean_session.pcap | head -n 60
echo "== dnp3-pcap check of every bundled capture (defects expected: they are crafted to have them)"
"$PCAP" check --quiet captures/*.pcap || true
