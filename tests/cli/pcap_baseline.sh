#!/usr/bin/env bash
# dnp3-pcap check --baseline / --write-baseline (docs/dnp3-pcap.md, Baselines):
# known findings pass, only new ones fail; matching by name+flow+frame (default)
# or by name+count (--baseline-match count); baseline findings not seen are
# listed, and fail only with --fail-on-missing; several files each meet their
# own section; a bad baseline is a clear error (exit 2).
set -uo pipefail
BUILD=$1 SRC=$2
PCAP="$BUILD/pcaptools/dnp3-pcap"
C="$SRC/captures"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
# run CMD...: sets rc, output in $tmp/out, stderr in $tmp/err
run() { timeout -k 5 60 "$@" > "$tmp/out" 2> "$tmp/err"; rc=$?; }
# edit BASELINE PYTHON: rewrite a baseline with a python expression over d (the document)
edit() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); exec(sys.argv[2]); json.dump(d, open(sys.argv[3], "w"))' "$1" "$2" "$3"; }
J() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$tmp/out" "$1"; }

# Writing: exit 0 even with findings (it records them), every finding in the file.
run "$PCAP" check --quiet --write-baseline "$tmp/b.json" "$C/tcp_gap.pcap"
[ "$rc" = 0 ] || bad "--write-baseline exits $rc"
python3 - "$tmp/b.json" <<'PY' || bad "written baseline: wrong content"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == 1 and d["kind"] == "dnp3kit-baseline" and d["match"] == "frame", d
f = d["files"][0]
names = [(x["name"], x["frame"], x.get("flow")) for x in f["findings"]]
assert names == [("tcp_out_of_order", 8, 1), ("link_truncated_frame", 9, 1), ("tcp_gap", 9, 1),
                 ("link_garbage", 10, 1), ("session_no_response", 10, 1)], names
assert f["summary"]["findings"] == 5
PY

# The same capture against it: all known, exit 0 even with --fail-on info.
run "$PCAP" check --fail-on info --fail-on-missing --baseline "$tmp/b.json" "$C/tcp_gap.pcap"
[ "$rc" = 0 ] || bad "known findings fail (exit $rc)"
[ "$(grep -c ' (known)$' "$tmp/out")" = 5 ] || bad "known findings not marked: $(cat "$tmp/out")"
grep -q 'baseline .* (match frame): 5 known, 0 new, 0 not seen' "$tmp/out" || bad "no baseline summary line"
# Without the baseline the same run fails (so the baseline is what made it pass).
run "$PCAP" check --fail-on info "$C/tcp_gap.pcap"
[ "$rc" = 1 ] || bad "without a baseline --fail-on info exits $rc"

# One finding dropped from the baseline: it is new and fails; the others stay known.
edit "$tmp/b.json" 'd["files"][0]["findings"].pop(2)' "$tmp/b-drop.json"
run "$PCAP" check --json --fail-on warning --baseline "$tmp/b-drop.json" "$C/tcp_gap.pcap"
[ "$rc" = 1 ] || bad "a new warning passes --fail-on warning (exit $rc)"
[ "$(J '[x["name"] for x in d["files"][0]["findings"] if x["baseline"] == "new"]')" = "['tcp_gap']" ] \
    || bad "new finding not named: $(cat "$tmp/out")"
[ "$(J '(d["files"][0]["baseline"]["known"], d["files"][0]["baseline"]["new"], d["exit"])')" = "(4, 1, 1)" ] \
    || bad "baseline counts after a drop"
# a new finding below --fail-on does not fail
run "$PCAP" check --fail-on error --baseline "$tmp/b-drop.json" "$C/tcp_gap.pcap"
[ "$rc" = 0 ] || bad "a new warning fails --fail-on error (exit $rc)"
grep -q 'tcp_gap.pcap:9: warning capture tcp_gap: 10 octets .*\]$' "$tmp/out" || bad "new finding line marked known"

# An entry the run does not produce: reported, informational; fails with --fail-on-missing.
edit "$tmp/b.json" 'd["files"][0]["findings"].append({"name": "link_bad_header_crc", "frame": 3, "flow": 1})' "$tmp/b-extra.json"
run "$PCAP" check --fail-on info --baseline "$tmp/b-extra.json" "$C/tcp_gap.pcap"
[ "$rc" = 0 ] || bad "a baseline finding not seen fails without --fail-on-missing (exit $rc)"
grep -q 'not seen (in the baseline): link_bad_header_crc frame 3 flow 1' "$tmp/out" || bad "missing entry not listed: $(cat "$tmp/out")"
run "$PCAP" check --fail-on info --fail-on-missing --baseline "$tmp/b-extra.json" "$C/tcp_gap.pcap"
[ "$rc" = 1 ] || bad "--fail-on-missing exits $rc"
run "$PCAP" check --json --baseline "$tmp/b-extra.json" "$C/tcp_gap.pcap"
[ "$(J 'd["files"][0]["baseline"]["not_seen"]')" = "[{'name': 'link_bad_header_crc', 'frame': 3, 'flow': 1}]" ] \
    || bad "not_seen in JSON: $(cat "$tmp/out")"

# Frame matching: the same finding on another frame (or flow) is new, and its entry not seen;
# count matching ignores where it is.
edit "$tmp/b.json" 'd["files"][0]["findings"][2]["frame"] = 5' "$tmp/b-moved.json"
run "$PCAP" check --fail-on warning --baseline "$tmp/b-moved.json" "$C/tcp_gap.pcap"
[ "$rc" = 1 ] || bad "a finding on another frame is known (exit $rc)"
grep -q 'not seen (in the baseline): tcp_gap frame 5 flow 1' "$tmp/out" || bad "moved entry not reported"
edit "$tmp/b.json" 'd["files"][0]["findings"][2]["flow"] = 2' "$tmp/b-flow.json"
run "$PCAP" check --fail-on warning --baseline "$tmp/b-flow.json" "$C/tcp_gap.pcap"
[ "$rc" = 1 ] || bad "a finding on another flow is known (exit $rc)"
run "$PCAP" check --fail-on info --fail-on-missing --baseline-match count --baseline "$tmp/b-moved.json" "$C/tcp_gap.pcap"
[ "$rc" = 0 ] || bad "--baseline-match count: a moved finding fails (exit $rc)"

# Count baselines: written with counts, matched by name up to the count.
run "$PCAP" check --quiet --baseline-match count --write-baseline "$tmp/c.json" "$C/master_session.pcap"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["match"]=="count"; f=d["files"][0]["findings"]; assert all("frame" not in x and x["count"]>=1 for x in f), f' "$tmp/c.json" \
    || bad "count baseline content"
run "$PCAP" check --fail-on info --fail-on-missing --baseline "$tmp/c.json" "$C/master_session.pcap"
[ "$rc" = 0 ] || bad "count baseline against its own capture exits $rc: $(tail -3 "$tmp/out")"
grep -q '(match count)' "$tmp/out" || bad "a count baseline is not matched by count by default"
edit "$tmp/c.json" 'x = d["files"][0]["findings"][0]; x["count"] += 2' "$tmp/c-more.json"
run "$PCAP" check --json --fail-on-missing --baseline "$tmp/c-more.json" "$C/master_session.pcap"
[ "$rc" = 1 ] || bad "count baseline: two fewer than counted passes --fail-on-missing (exit $rc)"
[ "$(J 'd["files"][0]["baseline"]["missing"]')" = 2 ] || bad "count baseline: missing count"
edit "$tmp/c.json" 'd["files"][0]["findings"] = []' "$tmp/c-none.json"
run "$PCAP" check --fail-on info --baseline "$tmp/c-none.json" "$C/master_session.pcap"
[ "$rc" = 1 ] || bad "count baseline: more findings than counted pass (exit $rc)"
run "$PCAP" check --baseline-match frame --baseline "$tmp/c.json" "$C/master_session.pcap"
[ "$rc" = 2 ] && grep -q 'holds counts, not frames' "$tmp/err" || bad "frame match on a count baseline: exit $rc, $(cat "$tmp/err")"

# Several files: each is compared with its own section (by path, else base name).
run "$PCAP" check --quiet --write-baseline "$tmp/two.json" "$C/tcp_gap.pcap" "$C/link_bad_block_crc.pcap"
mkdir "$tmp/elsewhere" && cp "$C/tcp_gap.pcap" "$C/link_bad_block_crc.pcap" "$tmp/elsewhere/"
run "$PCAP" check --fail-on info --fail-on-missing --baseline "$tmp/two.json" "$tmp/elsewhere/link_bad_block_crc.pcap" "$tmp/elsewhere/tcp_gap.pcap"
[ "$rc" = 0 ] || bad "two files against a two-file baseline (other directory): exit $rc"
run "$PCAP" check --fail-on info --baseline "$tmp/b.json" "$C/tcp_gap.pcap" "$C/link_bad_block_crc.pcap"
[ "$rc" = 1 ] || bad "a file without a section passes (exit $rc)"
grep -q 'link_bad_block_crc.pcap: baseline .*no section for this file): 0 known, 2 new' "$tmp/out" || bad "no-section file not reported"

# A saved check --json report reads as a baseline too.
run "$PCAP" check --json "$C/tcp_gap.pcap"; cp "$tmp/out" "$tmp/report.json"
run "$PCAP" check --fail-on info --fail-on-missing --baseline "$tmp/report.json" "$C/tcp_gap.pcap"
[ "$rc" = 0 ] || bad "a check --json report as baseline: exit $rc"

# Bad baselines: exit 2 with the reason.
printf '{"schema":1,"files":[{"file":"x","findings":[{"frame":1}]}]}' > "$tmp/noname.json"
printf '{"schema":2,"kind":"dnp3kit-baseline","files":[]}' > "$tmp/v2.json"
printf '{"schema":1,\n "files":[}' > "$tmp/broken.json"
for b in noname:'no "name"' v2:'schema 2 is not supported' broken:'not JSON: line 2, column' missing:'cannot open'; do
    f=${b%%:*} want=${b#*:}
    run "$PCAP" check --baseline "$tmp/$f.json" "$C/tcp_gap.pcap"
    [ "$rc" = 2 ] && grep -q "$want" "$tmp/err" || bad "baseline $f: exit $rc, stderr: $(cat "$tmp/err")"
done
run "$PCAP" check --fail-on-missing "$C/tcp_gap.pcap"
[ "$rc" = 2 ] && grep -q 'needs --baseline' "$tmp/err" || bad "--fail-on-missing alone: exit $rc"
run "$PCAP" decode --baseline "$tmp/b.json" "$C/tcp_gap.pcap"
[ "$rc" = 2 ] && grep -q 'apply to check' "$tmp/err" || bad "decode --baseline: exit $rc"
run "$PCAP" check --baseline-match sometimes --baseline "$tmp/b.json" "$C/tcp_gap.pcap"
[ "$rc" = 2 ] || bad "--baseline-match sometimes: exit $rc"

[ "$fail" = 0 ] && echo "baseline: known findings pass, new ones fail, frame and count matching, not-seen reporting, bad baselines refused"
exit "$fail"
