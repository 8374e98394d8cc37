#!/usr/bin/env bash
# Cross-check dnp3-pcap against tshark and the publishers' expected results on
# every real capture under the shared captures folder (../shared/captures).
#
#   bash shared_vs_tshark.sh BUILD_DIR SOURCE_DIR SHARED_CAPTURES_DIR
#
# For each *.pcap / *.pcapng (recursively) this runs
#   dnp3-pcap check, check --json, decode --json          (ports from PORTS below)
#   dnp3-pcap check --any-port, decode --json --any-port
#   tshark -T fields -e frame.number -e dnp3.al.func -e dnp3.al.obj
# in parallel, requires exit status 0 or 1 from every dnp3-pcap run (anything
# else is a crash or a usage/I-O error), then hands the outputs to
# compare_tshark.py, which compares function codes and object headers per
# application fragment, and the publishers' Zeek/Suricata expectations.
# Exit 77 (ctest SKIP) when the captures, tshark, python3 or dnp3-pcap are absent.
set -u

BUILD_DIR=${1:?usage: shared_vs_tshark.sh BUILD_DIR SOURCE_DIR SHARED_CAPTURES_DIR}
SOURCE_DIR=${2:?usage: shared_vs_tshark.sh BUILD_DIR SOURCE_DIR SHARED_CAPTURES_DIR}
CAPS=${3:-}

skip() { echo "SKIP: $*"; exit 77; }
[ -n "$CAPS" ] && [ -d "$CAPS" ] || skip "shared captures folder '${CAPS}' not found"
command -v tshark >/dev/null 2>&1 || skip "tshark not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
DNP3PCAP=$BUILD_DIR/pcaptools/dnp3-pcap
[ -x "$DNP3PCAP" ] || skip "$DNP3PCAP not built (DNP3KIT_PCAPTOOLS off?)"
HELPER=$(dirname "$0")/compare_tshark.py
[ -f "$HELPER" ] || HELPER=$SOURCE_DIR/tests/cli/compare_tshark.py

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dnp3kit-xcheck.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT

# Captures whose DNP3 is not on port 20000 (see MANIFEST.md). compare_tshark.py
# also checks that --any-port finds nothing beyond these ports.
port_of() {
    case "$1" in
    zeek/dnp3_read_p20001.pcap) echo 20001 ;;
    *) echo 20000 ;;
    esac
}

(cd "$CAPS" && find . -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sed 's|^\./||' | LC_ALL=C sort) \
    >"$WORK/list"
[ -s "$WORK/list" ] || skip "no captures under $CAPS"

while IFS= read -r rel; do
    printf '%s\t%s\n' "$rel" "$(port_of "$rel")"
done <"$WORK/list" >"$WORK/jobs"

# One capture: all tool runs, outputs under $WORK/<rel with / -> __>.*
run_one() {
    rel=$1 port=$2
    f=$CAPS/$rel
    o=$WORK/out/$(printf '%s' "$rel" | sed 's|/|__|g')
    "$DNP3PCAP" check -p "$port" "$f" >"$o.check" 2>"$o.check.err"; echo "check $?" >"$o.rc"
    "$DNP3PCAP" check --json -p "$port" "$f" >"$o.checkjson" 2>>"$o.check.err"; echo "check--json $?" >>"$o.rc"
    "$DNP3PCAP" decode --json -p "$port" "$f" >"$o.decode" 2>"$o.decode.err"; echo "decode--json $?" >>"$o.rc"
    "$DNP3PCAP" check --any-port "$f" >"$o.check_any" 2>>"$o.check.err"; echo "check--any-port $?" >>"$o.rc"
    "$DNP3PCAP" decode --json --any-port "$f" >"$o.decode_any" 2>>"$o.decode.err"; echo "decode--json--any-port $?" >>"$o.rc"
    set --
    if [ "$port" != 20000 ]; then
        set -- -d "tcp.port==$port,dnp3" -d "udp.port==$port,dnp3"
    fi
    tshark -n -r "$f" "$@" -o dnp3.desegment:TRUE -T fields \
        -e frame.number -e dnp3.al.func -e dnp3.al.obj >"$o.tshark" 2>"$o.tshark.err"
    echo "tshark $?" >>"$o.rc"
}
export -f run_one
export CAPS WORK DNP3PCAP
mkdir -p "$WORK/out"

JOBS=$(nproc 2>/dev/null || echo 2)
[ "$JOBS" -gt 8 ] && JOBS=8
# Largest captures first so the long tshark runs start early.
while IFS=$'\t' read -r rel port; do
    printf '%s\t%s\t%s\n' "$(stat -c %s "$CAPS/$rel")" "$rel" "$port"
done <"$WORK/jobs" | LC_ALL=C sort -rn | cut -f2- |
    tr '\t' '\n' | xargs -d '\n' -n 2 -P "$JOBS" bash -c 'run_one "$1" "$2"' _

python3 "$HELPER" ${DNP3KIT_XCHECK_VERBOSE:+-v} --captures "$CAPS" --work "$WORK/out" --jobs "$WORK/jobs"
