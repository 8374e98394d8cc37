#!/usr/bin/env bash
# dnp3-pcap check on a terminal (script(1) gives it one): the progress line is
# drawn, and cleared before every finding, so no finding line starts after
# "98% of 3 MB" -- with -j 1 and with -j 2, where the progress is reported in
# order with the findings by the thread that prints them.
# Usage: pcap_progress.sh BUILD_DIR SOURCE_DIR   (exit 77: skipped)
set -uo pipefail
BUILD=$1
P=$BUILD/pcaptools/dnp3-pcap
MK=$BUILD/tests/bench/dnp3-mkbench
[ -x "$P" ] && [ -x "$MK" ] || { echo "skip: dnp3-pcap or dnp3-mkbench not built"; exit 77; }
command -v script > /dev/null || { echo "skip: script(1) not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# 3 MiB of clean traffic (progress steps are 1 MiB), one link header spoilt
# near the end: its findings come after the progress line was drawn
"$MK" "$tmp/big.pcap" 3 > /dev/null 2>&1 || { echo "FAIL: dnp3-mkbench"; exit 1; }
python3 - "$tmp/big.pcap" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.rfind(b"\x05\x64", 0, len(b) - 200)
b[i + 8] ^= 0xFF  # the header CRC's first octet
open(sys.argv[1], "wb").write(b)
PY

for j in 1 2; do
    script -qec "$P check -j $j $tmp/big.pcap" /dev/null > "$tmp/tty.$j" 2>&1 < /dev/null
    python3 - "$tmp/tty.$j" "$j" "$tmp/big.pcap" <<'PY' || fail=1
import re, sys
out = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
j = sys.argv[2]
if not re.search(r"\r *\d+% of 3 MB", out):
    print(f"FAIL: -j {j}: no progress line drawn: {out[:200]!r}")
    sys.exit(1)
finds = [m.start() for m in re.finditer(re.escape(sys.argv[3]) + r":\d+: ", out)]
if not finds:
    print(f"FAIL: -j {j}: no finding printed: {out[:300]!r}")
    sys.exit(1)
for at in finds:
    line = out[out.rfind("\n", 0, at) + 1:at]
    # what the terminal still shows before the finding on its line
    if line and not line.endswith("\x1b[K"):
        print(f"FAIL: -j {j}: a finding printed after {line!r}")
        sys.exit(1)
# the summary, after the last progress line was cleared
tail = out[out.rfind("\n", 0, out.find("packets (")) + 1:out.find("packets (")]
if re.search(r"% of", tail.split("\x1b[K")[-1]):
    print(f"FAIL: -j {j}: summary printed after the progress line: {tail!r}")
    sys.exit(1)
PY
done
[ "$fail" = 0 ] && echo "pcap progress: cleared before findings and summary at -j 1 and -j 2"
exit "$fail"
