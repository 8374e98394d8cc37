#!/usr/bin/env bash
# Streaming (docs/dnp3-pcap.md, Streaming): with -j 1 and -j 2, check and
# decode read from a pipe print each finding and record as soon as the record
# that caused it is in, not at the end of input: pcap_stream.py writes one
# record at a time and waits (timeout, no sleeps) for that record's lines
# before it writes the next. Also a FIFO given by path, and pcapng.
set -uo pipefail
BUILD=$1 SRC=$2
PCAP="$BUILD/pcaptools/dnp3-pcap"
C="$SRC/captures"
S() { timeout -k 5 120 python3 "$SRC/tests/cli/pcap_stream.py" "$PCAP" "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for j in 1 2; do
    S "$C/tcp_gap.pcap" "$j" check || fail=1
    S "$C/link_bad_block_crc.pcap" "$j" check || fail=1
    S "$C/transport_sequence_gap.pcap" "$j" check || fail=1
    S "$C/master_session.pcap" "$j" decode-json || fail=1
    S "$C/clean_session.pcap" "$j" decode-text || fail=1
done
if command -v editcap >/dev/null; then
    editcap -F pcapng "$C/tcp_gap.pcap" "$tmp/tcp_gap.pcapng" && S "$tmp/tcp_gap.pcapng" 2 check || fail=1
    editcap -F pcapng "$C/clean_session.pcap" "$tmp/clean.pcapng" && S "$tmp/clean.pcapng" 2 decode-json || fail=1
else
    echo "editcap not installed: pcapng streaming not tested"
fi
# A FIFO named by its path is a stream too (and is not read twice).
mkfifo "$tmp/fifo"
timeout -k 5 30 cat "$C/tcp_gap.pcap" > "$tmp/fifo" &
cat_pid=$!
timeout -k 5 30 "$PCAP" check --fail-on info "$tmp/fifo" > "$tmp/out" 2>&1
rc=$?
wait "$cat_pid"
[ "$rc" = 1 ] && grep -q 'fifo: 11 packets (10 DNP3), 1 flows, 3 link frames' "$tmp/out" \
    || { echo "FAIL: check of a FIFO: exit $rc: $(cat "$tmp/out")"; fail=1; }
[ "$fail" = 0 ] && echo "stream: findings and records follow their records through a pipe (-j 1 and -j 2)"
exit "$fail"
