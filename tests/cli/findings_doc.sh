#!/usr/bin/env bash
# docs/findings.md lists exactly the findings the code knows (no drift).
set -euo pipefail
BUILD=$1 SRC=$2
got=$("$BUILD/pcaptools/dnp3-pcap" findings)
# The first table (the list); the rules coverage table follows it.
doc=$(sed -n '/^| name | severity/,/^[^|]/p' "$SRC/docs/findings.md" | grep '^|')
if [ "$got" != "$doc" ]; then
    echo "FAIL: docs/findings.md is out of date; regenerate the table with: dnp3-pcap findings"
    diff <(echo "$doc") <(echo "$got") || true
    exit 1
fi
n=$(echo "$got" | tail -n +3 | wc -l)
echo "findings: $n documented, names unique: $(echo "$got" | tail -n +3 | cut -d'|' -f2 | sort | uniq -d | wc -l) duplicates"
[ "$(echo "$got" | tail -n +3 | cut -d'|' -f2 | sort | uniq -d | wc -l)" = 0 ]
