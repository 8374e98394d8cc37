#!/usr/bin/env bash
# dnp3-pcap reads zstd-compressed captures like gzip'd ones (by their magic,
# not their name): check --json and decode --json of FILE.zst equal those of
# FILE (but for the file name), also for several zstd frames one after the
# other and a pcapng inside; a .zst cut short keeps what decompressed before
# the cut, names the cause and exits 2; damaged data is named too. The same
# through a pipe (standard input), decompressed as it comes.
# Usage: pcap_zstd.sh BUILD_DIR SOURCE_DIR   (exit 77: built without libzstd or no zstd tool)
set -uo pipefail
BUILD=$1 SRC=$2
P=$BUILD/pcaptools/dnp3-pcap
grep -q '^ZSTD_FOUND:INTERNAL=1' "$BUILD/CMakeCache.txt" || { echo "skip: built without libzstd"; exit 77; }
command -v zstd >/dev/null || { echo "skip: the zstd tool (package zstd) is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
same() { # same CMD FILE COMPRESSED: output of CMD on both equal but for the name
    (cd "$tmp" && timeout -k 5 60 $P $1 "$2") > "$tmp/plain" 2>&1
    (cd "$tmp" && timeout -k 5 60 $P $1 "$3") | sed "s/$3\"/$2\"/g" > "$tmp/z" 2>&1
    [ -s "$tmp/plain" ] && cmp -s "$tmp/plain" "$tmp/z" || { echo "FAIL: $1 $3 differs from $2"; diff "$tmp/plain" "$tmp/z" | head -5; fail=1; }
}
for c in master_session app_range_address tcp_split_frames; do
    cp "$SRC/captures/$c.pcap" "$tmp/$c.pcap"
    zstd -q -c "$tmp/$c.pcap" > "$tmp/$c.pcap.zst"
    for cmd in "check --json" "decode --json"; do same "$cmd" "$c.pcap" "$c.pcap.zst"; done
done
# not by name: a .zst called .pcap
cp "$tmp/tcp_split_frames.pcap.zst" "$tmp/renamed.pcap"
same "check --json" tcp_split_frames.pcap renamed.pcap
# several frames: zstd concatenates them (zstd -d does the same)
head -c 5000 "$tmp/master_session.pcap" > "$tmp/a"; tail -c +5001 "$tmp/master_session.pcap" > "$tmp/b"
{ zstd -q -c "$tmp/a"; zstd -q -c "$tmp/b"; } > "$tmp/frames.pcap.zst"
same "decode --json" master_session.pcap frames.pcap.zst
if command -v editcap >/dev/null; then
    editcap -F pcapng "$tmp/app_range_address.pcap" "$tmp/ng.pcapng" && zstd -q -c "$tmp/ng.pcapng" > "$tmp/ng.pcapng.zst"
    same "decode --json" ng.pcapng ng.pcapng.zst
fi
# cut short: the first half of the compressed octets (of 8 KiB frames: a zstd
# block of up to 128 KiB yields nothing until it is whole)
split -b 8192 "$tmp/master_session.pcap" "$tmp/part."
for f in "$tmp"/part.*; do zstd -q -c "$f"; done > "$tmp/parts.pcap.zst"
same "check --json" master_session.pcap parts.pcap.zst
z=$tmp/parts.pcap.zst
head -c $(( $(stat -c %s "$z") / 2 )) "$z" > "$tmp/cut.pcap.zst"
timeout -k 5 60 "$P" check "$tmp/cut.pcap.zst" > "$tmp/cut.out" 2> "$tmp/cut.err"; rc=$?
[ "$rc" = 2 ] || { echo "FAIL: a cut .zst exits $rc, want 2"; fail=1; }
grep -q 'cut.pcap.zst: zstd: unexpected end of file after [0-9]* octets' "$tmp/cut.err" || { echo "FAIL: cut .zst: $(cat "$tmp/cut.err")"; fail=1; }
n=$(sed -n 's/.*: \([0-9]*\) packets.*/\1/p' "$tmp/cut.out")
[ "${n:-0}" -gt 0 ] || { echo "FAIL: a cut .zst lost the packets before the cut: $(cat "$tmp/cut.out")"; fail=1; }
# damaged: octets in the middle of the compressed data changed
cp "$z" "$tmp/bad.pcap.zst"
printf '\377\377\377\377\377\377\377\377' | dd of="$tmp/bad.pcap.zst" bs=1 seek=$(( $(stat -c %s "$z") / 2 )) conv=notrunc status=none
timeout -k 5 60 "$P" check "$tmp/bad.pcap.zst" > /dev/null 2> "$tmp/bad.err"; rc=$?
[ "$rc" = 2 ] && grep -q 'bad.pcap.zst: zstd: ' "$tmp/bad.err" || { echo "FAIL: damaged .zst: exit $rc: $(cat "$tmp/bad.err")"; fail=1; }
# only the magic
printf '\050\265\057\375' > "$tmp/magic.zst"
timeout -k 5 60 "$P" check "$tmp/magic.zst" > /dev/null 2> "$tmp/magic.err"; rc=$?
[ "$rc" = 2 ] && grep -q 'magic.zst: zstd: ' "$tmp/magic.err" || { echo "FAIL: a bare zstd magic: exit $rc: $(cat "$tmp/magic.err")"; fail=1; }
# on a pipe: decompressed as it comes, with the same records as the file (one
# or several frames), and a cut one keeps what decompressed before the cut
pipe_same() { # CMD FILE COMPRESSED: CMD on FILE equals CMD on COMPRESSED piped, but for the name
    (cd "$tmp" && timeout -k 5 60 $P $1 "$2") | sed "s|\"$2\"|\"-\"|g" > "$tmp/plain" 2>&1
    timeout -k 5 60 $P $1 - < <(cat "$tmp/$3") > "$tmp/z" 2>&1
    [ -s "$tmp/plain" ] && cmp -s "$tmp/plain" "$tmp/z" || { echo "FAIL: $1 - < $3 differs from $2"; diff "$tmp/plain" "$tmp/z" | head -5; fail=1; }
}
pipe_same "check --json" master_session.pcap master_session.pcap.zst
pipe_same "decode --json" master_session.pcap frames.pcap.zst
pipe_same "check --json" master_session.pcap parts.pcap.zst
[ -f "$tmp/ng.pcapng.zst" ] && pipe_same "decode --json" ng.pcapng ng.pcapng.zst
cat "$tmp/cut.pcap.zst" | timeout -k 5 60 "$P" check - > "$tmp/pcut.out" 2> "$tmp/pcut.err"; rc=$?
pn=$(sed -n 's/.*: \([0-9]*\) packets.*/\1/p' "$tmp/pcut.out")
[ "$rc" = 2 ] && grep -q '^dnp3-pcap: -: zstd: unexpected end of file after [0-9]* octets' "$tmp/pcut.err" && [ "${pn:-0}" = "$n" ] \
    || { echo "FAIL: a cut .zst on a pipe: exit $rc, $pn packets (file: $n): $(cat "$tmp/pcut.err")"; fail=1; }
cat "$tmp/bad.pcap.zst" | timeout -k 5 60 "$P" check - > /dev/null 2> "$tmp/pbad.err"; rc=$?
[ "$rc" = 2 ] && grep -q '^dnp3-pcap: -: zstd: ' "$tmp/pbad.err" || { echo "FAIL: damaged .zst on a pipe: exit $rc: $(cat "$tmp/pbad.err")"; fail=1; }
timeout -k 5 60 "$P" check - < <(cat "$tmp/magic.zst") > /dev/null 2> "$tmp/pmagic.err"; rc=$?
[ "$rc" = 2 ] && grep -q '^dnp3-pcap: -: zstd: unexpected end of file after 0 octets' "$tmp/pmagic.err" \
    || { echo "FAIL: a bare zstd magic on a pipe: exit $rc: $(cat "$tmp/pmagic.err")"; fail=1; }
[ "$fail" = 0 ] && echo "zstd captures read like plain ones (one or several frames, pcap and pcapng); a cut one keeps $n packets and names the cause"
exit "$fail"
