#!/usr/bin/env bash
# dnp3-master checkout POINTS.csv against dnp3-outstation: a 50-point list
# with exactly 2 failing points (the report names exactly those two), two
# controls operated and watched, a declined control (nothing sent), bad lists
# refused naming their line, and the HTML report opened in headless Chromium
# (offline, no external resources): the pass/fail table is in the rendered
# DOM and a screenshot is taken.
# Usage: master_checkout.sh BUILD_DIR SOURCE_DIR   (exit 77: skipped)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cli_setup "$1" cmd:chromium
"$OS" --port 0 2> "$tmp/sim.log" &
simpid=$!
port=$(listening_port "$tmp/sim.log") || { echo "FAIL: simulator did not start"; exit 1; }

# the list: 48 points as the simulator has them, ai 3 expected out of its range, bi 12 not there
python3 - "$tmp/points.csv" <<'PY'
import sys
rows = ["type,index,name,expected,flags,control,watch,watch_expected"]
rows += [f"bi,{i},Breaker {i} status,OFF,ONLINE,,," for i in range(10)]
rows += [f"dbi,{i},Isolator {i},INTERMEDIATE,,,," for i in range(10)]
rows += [f"counter,{i},Energy meter {i},0..1000000,ONLINE,,," for i in range(10)]
rows += [f'ai,{i},"Feeder {i} current, A",{"100..200" if i == 3 else "-5..5"},ONLINE,,,' for i in range(10)]
rows += ["bo,0,Trip coil 0,,ONLINE,,,", "bo,1,Close coil 1,OFF,ONLINE,on,bo 1,ON", "bo,2,Spare 2,,,,,",
         "bo,3,Spare 3,,,,,", "ao,0,Setpoint 0,0,ONLINE,,,", "ao,1,Setpoint 1,0,ONLINE,1234,ao 1,1234",
         "ao,2,Setpoint 2,,,,,", "ao,3,Setpoint 3,,,,,", "frozen-counter,0,Frozen energy 0,0,,,,",
         "bi,12,Breaker 12 status (not wired),OFF,ONLINE,,,"]
assert len(rows) == 51
open(sys.argv[1], "w").write("\n".join(rows) + "\n")
PY

# without a terminal and without --yes: every control is declined, nothing is sent
timeout 60 "$M" --port "$port" checkout "$tmp/points.csv" --report "$tmp/declined" > "$tmp/out" 2> "$tmp/err" < /dev/null
[ $? = 1 ] || bad "declined run: exit status, want 1 (two points fail)"
grep -q 'checkout: 50 points, 46 passed, 2 failed, 2 skipped' "$tmp/out" || bad "declined run: $(cat "$tmp/out")"
grep -q 'operate bo 1 (Close coil 1): on declined: nothing was sent' "$tmp/err" || bad "no declined message: $(cat "$tmp/err")"
timeout 30 "$M" --port "$port" --json read bo 1 > "$tmp/bo1" && python3 -c '
import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["points"][0]["value"] is False else 1)' "$tmp/bo1" ||
    bad "a declined control changed bo 1"

# with --yes: operated and watched; exactly the two bad points fail
timeout 60 "$M" --port "$port" --yes --pcap "$tmp/rec.pcap" --json checkout "$tmp/points.csv" --report "$tmp/report" > "$tmp/out" 2> "$tmp/err"
[ $? = 1 ] || bad "checkout exit status, want 1: $(cat "$tmp/err")"
python3 - "$tmp/out" "$tmp/report.csv" <<'PY' || bad "report: $(head -c 600 "$tmp/out")"
import csv, json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == 1 and d["checked"] == 50 and d["passed"] == 48 and d["failed"] == 2 and d["skipped"] == 0, d
assert [(f["type"], f["index"]) for f in d["failures"]] == [("ai", 3), ("bi", 12)], d["failures"]
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == 50
failed = [(r["type"], r["index"], r["detail"]) for r in rows if r["result"] == "FAIL"]
assert failed == [("ai", "3", "value 0, expected 100..200"), ("bi", "12", "not reported by the outstation")], failed
ctl = {(r["type"], r["index"]): r for r in rows if r["control"]}
assert ctl[("bo", "1")]["result"] == "PASS" and "bo 1 showed ON" in ctl[("bo", "1")]["detail"]
assert ctl[("ao", "1")]["result"] == "PASS" and "ao 1 showed 1234" in ctl[("ao", "1")]["detail"]
assert rows[30]["name"] == "Feeder 0 current, A"   # a quoted cell with a comma survives
PY

# the HTML: self-contained, rendered by headless Chromium offline
if grep -Eiq '(src|href)=|url\(|@import' "$tmp/report.html"; then bad "the report refers to external resources"; fi
grep -q '/rec.pcap' "$tmp/report.html" || bad "the report does not name the recording"
chrome() { timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run \
    --user-data-dir="$(mktemp -d -p "$tmp")" "$@" 2> /dev/null; }
chrome --dump-dom "file://$tmp/report.html" > "$tmp/dom.html"
python3 - "$tmp/dom.html" <<'PY' || bad "rendered DOM: $(head -c 300 "$tmp/dom.html")"
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.in_results = False; self.rows = []; self.cell = None; self.cur = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == "results": self.in_results = True
        if self.in_results and tag == "tr": self.cur = []
        if self.in_results and tag == "td": self.cell = ""
    def handle_endtag(self, tag):
        if tag == "table": self.in_results = False
        if self.in_results and tag == "td" and self.cur is not None: self.cur.append(self.cell); self.cell = None
        if self.in_results and tag == "tr" and self.cur: self.rows.append(self.cur); self.cur = None
    def handle_data(self, d):
        if self.cell is not None: self.cell += d
p = P(); p.feed(open(sys.argv[1]).read())
assert len(p.rows) == 50, len(p.rows)
fails = [(r[1], r[2]) for r in p.rows if r[6] == "FAIL"]
assert fails == [("ai", "3"), ("bi", "12")], fails
assert sum(r[6] == "PASS" for r in p.rows) == 48
PY
chrome --window-size=1400,1100 --screenshot="$tmp/report.png" "file://$tmp/report.html" > /dev/null
python3 - "$tmp/report.png" <<'PY' || bad "no screenshot of the report"
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", b[16:24]) == (1400, 1100) and len(b) > 20000
PY

# bad lists: each refused naming its line, nothing sent, no report written
bad_list() { # EXPECTED-MESSAGE CSV...
    local want=$1; shift
    printf '%s\n' "$@" > "$tmp/bad.csv"
    rm -f "$tmp/bad-report.csv" "$tmp/bad-report.html"
    timeout 30 "$M" --port "$port" --yes checkout "$tmp/bad.csv" > /dev/null 2> "$tmp/err"
    [ $? = 2 ] || bad "bad list ($want): exit status"
    grep -q -- "$want" "$tmp/err" || bad "bad list: want '$want', got: $(cat "$tmp/err")"
    [ ! -e "$tmp/bad-report.csv" ] || bad "a refused list wrote a report"
}
bad_list "bad.csv:1: the header lacks the column 'index'" "type,name" "bi,x"
bad_list "bad.csv:1: unknown column 'colour'" "type,index,name,colour"
bad_list "bad.csv:3: unknown point type 'analog'" "type,index,name" "bi,0,a" "analog,1,b"
bad_list "bad.csv:4: bi 2 is listed twice (first on line 2)" "type,index,name" "bi,2,a" "ai,2,b" "bi,2,c"
bad_list "bad.csv:2: the 'name' cell is missing" "type,index,name" "bi,2"
bad_list "bad.csv:2: control 'on': only outputs (bo, ao) have controls" "type,index,name,control" "bi,2,a,on"
bad_list "bad.csv:2: expected 'high'" "type,index,name,expected" "ai,2,a,high"

[ "$fail" = 0 ] && echo "checkout: 50 points, exactly the 2 failing ones reported; HTML rendered in Chromium"
exit "$fail"
