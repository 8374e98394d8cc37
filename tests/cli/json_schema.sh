#!/usr/bin/env bash
# Every JSON record the tools print validates against schema/dnp3kit.schema.json
# (docs/json.md): dnp3-pcap check/decode (both layers) on every crafted capture,
# one file at a time and several at once, and dnp3-master against a live
# simulator. A tool that adds a member must add it to the schema.
# Usage: json_schema.sh BUILD_DIR SOURCE_DIR [SHARED]   (exit 77: skipped)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
BUILD=$1 SRC=$2
python3 -c 'import jsonschema' 2>/dev/null || { echo "skip: python3-jsonschema not installed"; exit 77; }
tmp=$(mktemp -d)
simpid=
trap '[ -n "$simpid" ] && kill "$simpid" 2>/dev/null; rm -rf "$tmp"' EXIT
PCAP="$BUILD/pcaptools/dnp3-pcap" M="$BUILD/master/dnp3-master" OS="$BUILD/tests/harness/dnp3-outstation"
V() { python3 "$SRC/tests/cli/json_schema.py" "$SRC/schema/dnp3kit.schema.json" "$@"; }
fail=0
caps=("$SRC"/captures/*.pcap)
# The records of each capture go to files named after it ($tmp/NAME.*), all
# validated by one json_schema.py run after the loop (its start-up, importing
# jsonschema and checking the schema, cost as much as the validation: a run per
# capture was 40 of them); each error it prints names the file, so the capture.
vargs=()
for c in "${caps[@]}"; do
    b=$tmp/$(basename "$c" .pcap)
    "$PCAP" check --json "$c" > "$b.check.json"
    "$PCAP" decode --json "$c" > "$b.app0.jsonl"
    "$PCAP" decode --json --findings "$c" > "$b.app.jsonl"
    "$PCAP" decode --json --findings --layer link "$c" > "$b.link.jsonl"
    vargs+=(check_document "$b.check.json" decode_app_record "$b.app0.jsonl" decode_app_line "$b.app.jsonl"
            decode_link_line "$b.link.jsonl")
    # decode --json --findings names every finding check names, at both layers
    # (issue 9); without --findings, only fragment records
    python3 - "$b.check.json" "$b.app.jsonl" "$b.link.jsonl" <<'PY' || { echo "FAIL: $(basename "$c"): decode --json and check name different findings"; fail=1; }
import collections, json, sys
chk = collections.Counter(f["name"] for fl in json.load(open(sys.argv[1]))["files"] for f in fl["findings"])
app, link = collections.Counter(), collections.Counter()
for line in open(sys.argv[2]):
    r = json.loads(line)
    if "layer" in r:
        app[r["name"]] += 1
    else:
        app.update(r["findings"])
for line in open(sys.argv[3]):
    r = json.loads(line)
    if "layer" in r:
        link[r["name"]] += 1
for name, got in (("decode --json", app), ("decode --json --layer link", link)):
    if got != chk:
        print(f"  {name}: {dict(got - chk)} not in check, {dict(chk - got)} missing")
        sys.exit(1)
PY
    ! grep -q '"layer"' "$b.app0.jsonl" || { echo "FAIL: $(basename "$c"): finding records without --findings"; fail=1; }
done
V "${vargs[@]}" || { echo "FAIL: records of the crafted captures do not validate (each error above names NAME.*: the capture)"; fail=1; }
# several files at once: each record names its own file
"$PCAP" check --json "${caps[@]}" > "$tmp/all.json"
"$PCAP" decode --json "${caps[@]}" > "$tmp/all.jsonl"
V check_document "$tmp/all.json" decode_app_record "$tmp/all.jsonl" || fail=1
# baselines: the crafted captures' expected results, a count baseline, and check --baseline's report
bargs=()
for e in "$SRC"/captures/*.expected.json; do bargs+=(baseline_document "$e"); done
"$PCAP" check --quiet --baseline-match count --write-baseline "$tmp/count.json" "${caps[@]}" > /dev/null
"$PCAP" check --json --baseline "$tmp/count.json" "${caps[@]}" > "$tmp/bcheck.json"
"$PCAP" check --json --baseline "$SRC/captures/tcp_gap.expected.json" "$SRC/captures/tcp_gap.pcap" "$SRC/captures/master_session.pcap" > "$tmp/bcheck2.json"
V "${bargs[@]}" baseline_document "$tmp/count.json" check_document "$tmp/bcheck.json" check_document "$tmp/bcheck2.json" || fail=1
python3 - "$tmp/all.jsonl" "${caps[@]}" <<'PY' || { echo "FAIL: decode records do not name their files"; fail=1; }
import json, sys
want = set(sys.argv[2:])
got = {json.loads(l)["file"] for l in open(sys.argv[1])}
sys.exit(0 if got and got <= want and len(got) > 1 else 1)
PY

# dnp3-master: whatever its commands print with --json (add commands here as they come)
if [ -x "$M" ] && [ -x "$OS" ]; then
    mkdir "$tmp/files" && echo hello > "$tmp/files/a.txt"
    start_server "$tmp/sim.log" "$OS" --port 0 --unsolicited --files "$tmp/files" || { echo "FAIL: simulator did not start"; exit 1; }
    simpid=$server_pid
    n=0
    mrun() { n=$((n + 1)); timeout 30 "$M" --port "$port" --timeout 2000 --json --yes "$@" > "$tmp/m$n.jsonl" 2>/dev/null; }
    mrun poll; mrun read class 1,2,3; mrun read ai 0-3; mrun read ai 1,3; mrun attributes; mrun file ls; mrun operate bo 1 on --direct; mrun link-status
    mrun time-sync; mrun startup; mrun restart warm
    mrun deadband read 0-1; mrun deadband write 1 2.5; mrun attributes --write 247=RTU-7
    mrun file info a.txt; mrun file get a.txt "$tmp/got.txt"; mrun file put "$tmp/files/a.txt" b.txt; mrun file rm b.txt
    printf 'type,index,name,expected\nbi,0,Breaker 0,OFF\nai,1,Volts,0..1000\n' > "$tmp/points.csv"
    mrun checkout "$tmp/points.csv" --report "$tmp/report"
    mrun --port 1 poll # an error document (nothing listens on port 1)
    mrun monitor --duration 1 --interval 0.2
    args=()
    for i in $(seq "$n"); do
        [ -s "$tmp/m$i.jsonl" ] || { echo "FAIL: dnp3-master command $i printed no JSON"; fail=1; }
        args+=(master_document "$tmp/m$i.jsonl")
    done
    V "${args[@]}" || fail=1
fi
[ "$fail" = 0 ] && echo "json schema: every record valid (${#caps[@]} captures, dnp3-master)"
exit "$fail"
