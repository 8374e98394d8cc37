#!/usr/bin/env bash
# dnp3-pcap reads gzip'd captures as tshark does: check --json and decode --json
# of FILE.gz equal those of FILE (but for the file name); a .gz cut short keeps
# what inflated before the cut, names the cause and exits 2; the same through a
# pipe (standard input), inflated as it comes.
# Usage: pcap_gzip.sh BUILD_DIR SOURCE_DIR   (exit 77: built without zlib)
set -uo pipefail
BUILD=$1 SRC=$2
P=$BUILD/pcaptools/dnp3-pcap
grep -q '^ZLIB_LIBRARY_RELEASE:FILEPATH=/' "$BUILD/CMakeCache.txt" || { echo "skip: built without zlib"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for c in master_session app_range_address tcp_split_frames; do
    cp "$SRC/captures/$c.pcap" "$tmp/$c.pcap"
    gzip -c "$tmp/$c.pcap" > "$tmp/$c.pcap.gz"
    for cmd in "check --json" "decode --json"; do
        (cd "$tmp" && $P $cmd "$c.pcap") > "$tmp/plain" 2>&1
        (cd "$tmp" && $P $cmd "$c.pcap.gz") | sed 's/\.pcap\.gz"/.pcap"/g' > "$tmp/gz" 2>&1
        [ -s "$tmp/plain" ] && cmp -s "$tmp/plain" "$tmp/gz" || { echo "FAIL: $cmd $c.pcap.gz differs from $c.pcap"; diff "$tmp/plain" "$tmp/gz" | head -5; fail=1; }
    done
done
# cut short: the first half of the compressed octets
gz=$tmp/master_session.pcap.gz
head -c $(( $(stat -c %s "$gz") / 2 )) "$gz" > "$tmp/cut.pcap.gz"
"$P" check "$tmp/cut.pcap.gz" > "$tmp/cut.out" 2> "$tmp/cut.err"; rc=$?
[ "$rc" = 2 ] || { echo "FAIL: a cut .gz exits $rc, want 2"; fail=1; }
grep -q 'cut.pcap.gz: gzip: unexpected end of file after [0-9]* octets' "$tmp/cut.err" || { echo "FAIL: cut .gz: $(cat "$tmp/cut.err")"; fail=1; }
n=$(sed -n 's/.*: \([0-9]*\) packets.*/\1/p' "$tmp/cut.out")
[ "${n:-0}" -gt 0 ] || { echo "FAIL: a cut .gz lost the packets before the cut: $(cat "$tmp/cut.out")"; fail=1; }
# on a pipe (standard input): inflated as it comes, the same records as the
# file; several members one after another; octets after the last member
# ignored (as gunzip does); a cut one keeps what inflated before the cut
M=$tmp/master_session.pcap
(cd "$tmp" && $P decode --json master_session.pcap) | sed 's|"master_session.pcap"|"-"|g' > "$tmp/plain"
gzip -c "$M" | $P decode --json - > "$tmp/p1" 2>&1
head -c 5000 "$M" > "$tmp/a"; tail -c +5001 "$M" > "$tmp/b"
{ gzip -c "$tmp/a"; gzip -c "$tmp/b"; } | $P decode --json - > "$tmp/p2" 2>&1
{ gzip -c "$M"; echo "not a gzip member"; } | $P decode --json - > "$tmp/p3" 2>&1
for k in 1 2 3; do
    cmp -s "$tmp/plain" "$tmp/p$k" || { echo "FAIL: gzip on a pipe (case $k) differs from the file"; diff "$tmp/plain" "$tmp/p$k" | head -5; fail=1; }
done
cat "$tmp/cut.pcap.gz" | "$P" check - > "$tmp/pcut.out" 2> "$tmp/pcut.err"; rc=$?
pn=$(sed -n 's/.*: \([0-9]*\) packets.*/\1/p' "$tmp/pcut.out")
[ "$rc" = 2 ] && grep -q '^dnp3-pcap: -: gzip: unexpected end of file after [0-9]* octets' "$tmp/pcut.err" && [ "${pn:-0}" = "$n" ] \
    || { echo "FAIL: a cut .gz on a pipe: exit $rc, $pn packets (file: $n): $(cat "$tmp/pcut.err")"; fail=1; }
printf '\037\213' | "$P" check - > /dev/null 2> "$tmp/pmagic.err"; rc=$?
[ "$rc" = 2 ] && grep -q '^dnp3-pcap: -: gzip: unexpected end of file after 0 octets' "$tmp/pmagic.err" \
    || { echo "FAIL: a bare gzip magic on a pipe: exit $rc: $(cat "$tmp/pmagic.err")"; fail=1; }
[ "$fail" = 0 ] && echo "gzip'd captures read like plain ones, from a file or a pipe; a cut one keeps $n packets and names the cause"
exit "$fail"
