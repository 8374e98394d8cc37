#!/usr/bin/env bash
# dnp3-master over a serial line (pseudo-terminals, no hardware) against
# dnp3-outstation --pty: poll, SBO control and unsolicited responses at
# 9600 8N1 and 115200 8E1; the recording (LINKTYPE_RTAC_SERIAL) checks clean
# and decodes in dnp3-pcap; through a relay (serial_relay.py): the
# outstation's octets one at a time with gaps, noise between frames (reported,
# frames after it still taken), a frame split by a pause longer than the
# inter-character timeout (dropped and reported, the retry answered), and the
# master's turnaround before transmitting.
# Usage: master_serial.sh BUILD_DIR SOURCE_DIR   (exit 77: skipped)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
SRC=$2
cli_setup "$1" pcap

"$OS" --pty --unsolicited --change-every 200 2>"$tmp/sim.log" &
pids+=($!)
dev=$(wait_line "$tmp/sim.log" 's/.*serial on \(\/dev\/[^,]*\),.*/\1/p') || { echo "FAIL: simulator gave no pty"; cat "$tmp/sim.log"; exit 1; }
m() { timeout 30 "$M" --timeout 2000 --retries 1 --retry-delay 100 "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null; }
points() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["points"]))' "$tmp/out"; }

for line in 9600,8N1 115200,8E1; do
    m --serial "$dev:$line" --pcap "$tmp/s.pcap" --json poll || FAILM "poll at $line: $(cat "$tmp/err")"
    [ "$(points)" -ge 50 ] || FAILM "poll at $line: $(points) points"
    "$PCAP" check --quiet "$tmp/s.pcap" > "$tmp/check" 2>&1 || FAILM "check on the serial recording ($line): $(head -5 "$tmp/check")"
    "$PCAP" decode "$tmp/s.pcap" > "$tmp/dec" 2>&1
    grep -q 'serial:master -> serial:outstation' "$tmp/dec" && grep -q '^READ' "$tmp/dec" && grep -q '^RESPONSE' "$tmp/dec" ||
        FAILM "serial recording does not decode with direction ($line): $(head -5 "$tmp/dec")"
    if command -v tshark > /dev/null; then
        timeout 60 tshark -n -r "$tmp/s.pcap" -d rtacser.data,dnp3 > "$tmp/ts" 2>/dev/null
        grep -q 'DNP 3.0.*Read' "$tmp/ts" && grep -q 'DNP 3.0.*Response' "$tmp/ts" ||
            FAILM "tshark does not decode the serial recording as DNP3 ($line): $(head -3 "$tmp/ts")"
    fi
    m --serial "$dev:$line" --yes operate bo 1 on --sbo || FAILM "SBO at $line: $(cat "$tmp/err")"
    grep -q 'operate: OK' "$tmp/out" || FAILM "SBO at $line printed $(cat "$tmp/out")"
    timeout 30 "$M" --serial "$dev:$line" --timeout 2000 monitor --duration 2 --interval 60 > "$tmp/mon" 2>&1 < /dev/null
    grep -q -- '-- unsolicited' "$tmp/mon" || FAILM "no unsolicited response at $line: $(head -5 "$tmp/mon")"
done

# relay RUN-NAME ARGS: start a relay; sets $rdev
relay() {
    local name=$1; shift
    python3 "$SRC/tests/cli/serial_relay.py" "$dev" "$@" > "$tmp/$name.log" 2>&1 &
    rpid=$!
    pids+=($rpid)
    rdev=$(wait_line "$tmp/$name.log" 's/^relay on //p') || { echo "FAIL: relay $name did not start"; cat "$tmp/$name.log"; exit 1; }
}
relay_end() { kill "$rpid"; wait "$rpid" 2>/dev/null; }

# one octet at a time, 3 ms apart (far shorter than the inter-character timeout,
# even on a loaded machine)
relay bytewise --bytewise 3
m --serial "$rdev" --inter-char-timeout 1000 --timeout 20000 --json poll || FAILM "poll one octet at a time: $(cat "$tmp/err")"
[ "$(points)" -ge 50 ] || FAILM "one octet at a time: $(points) points"
relay_end

# noise before every frame: reported, resynchronised, every frame still taken
relay noise --noise
m --serial "$rdev" -vv --json poll || FAILM "poll through noise: $(cat "$tmp/err")"
[ "$(points)" -ge 50 ] || FAILM "through noise: $(points) points"
grep -qi 'link_garbage\|garbage' "$tmp/err" || FAILM "noise not reported: $(grep '!!!' "$tmp/err" | head -3)"
relay_end
grep -q '^noise [1-9]' "$tmp/noise.log" || FAILM "the relay injected no noise"

# a pause inside a frame longer than the inter-character timeout: the partial
# frame is dropped and reported; the master's retry gets whole frames
relay split --split-gap 300
m --serial "$rdev" --inter-char-timeout 100 --timeout 1000 --retries 0 poll
grep -q 'inter-character timeout' "$tmp/err" || FAILM "split frame not reported: $(head -3 "$tmp/err")"
relay_end

# turnaround: never transmits sooner than 80 ms after the last octet received.
# Against a quiet outstation (no unsolicited responses): the relay measures from
# the octet it handed over, which is only the master's last octet received when
# the outstation does not speak on its own (an unsolicited response crossing a
# request on the line measured 27 ms on a loaded machine)
"$OS" --pty 2>"$tmp/simq.log" &
pids+=($!)
devq=$(wait_line "$tmp/simq.log" 's/.*serial on \(\/dev\/[^,]*\),.*/\1/p') || { echo "FAIL: quiet simulator gave no pty"; exit 1; }
dev_main=$dev dev=$devq
relay turn
dev=$dev_main
timeout 30 "$M" --serial "$rdev" --turnaround 80 --timeout 2000 startup > "$tmp/out" 2> "$tmp/err" < /dev/null || FAILM "startup with turnaround: $(cat "$tmp/err")"
relay_end
t=$(sed -n 's/^turnaround_min_ms //p' "$tmp/turn.log")
python3 -c "import sys; t=float(sys.argv[1]); sys.exit(0 if t >= 79 else 1)" "$t" || FAILM "turnaround $t ms, want >= 80"

# multi-drop: three addresses on one line, 22 silent; each polled in turn, the
# silent one costs only its own timeout, the one after it still answers
"$OS" --pty --count 2 --address 20 2>"$tmp/sim2.log" &
pids+=($!)
dev2=$(wait_line "$tmp/sim2.log" 's/.*serial on \(\/dev\/[^,]*\),.*/\1/p') || { echo "FAIL: simulator 2 gave no pty"; exit 1; }
timeout 30 "$M" --serial "$dev2:115200,8N1" --outstation 20 --outstation 22 --outstation 21 --timeout 500 --retries 0 \
    --pcap "$tmp/md.pcap" poll > "$tmp/out" 2> "$tmp/err" < /dev/null; rc=$?
[ "$rc" = 3 ] || FAILM "multi-drop with a silent outstation: exit $rc, want 3"
grep -q '^outstation 20: OK' "$tmp/out" && grep -q '^outstation 21: OK' "$tmp/out" ||
    FAILM "multi-drop: 20 and 21 did not both answer: $(grep '^outstation' "$tmp/out")"
grep -q '^outstation 22: no response to READ from serial' "$tmp/out" || FAILM "multi-drop: 22 not reported silent: $(grep '^outstation 22' "$tmp/out")"
grep -q '^2 of 3 outstations answered' "$tmp/out" || FAILM "multi-drop summary: $(tail -1 "$tmp/out")"
# without --pcap the socket loop runs it (the port opened once, one session per
# outstation): the same outcome, and 21, polled after the silent 22, still answers
timeout 30 "$M" --serial "$dev2:115200,8N1" --outstation 20 --outstation 22 --outstation 21 --timeout 500 --retries 0 \
    poll > "$tmp/out" 2> "$tmp/err" < /dev/null; rc=$?
[ "$rc" = 3 ] || FAILM "multi-drop through the loop: exit $rc, want 3"
grep -q '^outstation 20: OK' "$tmp/out" && grep -q '^outstation 21: OK' "$tmp/out" &&
    grep -q '^outstation 22: no response to READ from serial' "$tmp/out" && grep -q '^2 of 3 outstations answered' "$tmp/out" ||
    FAILM "multi-drop through the loop: $(cat "$tmp/out" | grep -v '^ ' | head -8)"
# the same with --json: one poll document per outstation, then the summary
timeout 30 "$M" --serial "$dev2:115200,8N1" --outstation 20 --outstation 22 --outstation 21 --timeout 500 --retries 0 \
    --json poll > "$tmp/md.json" 2> "$tmp/err" < /dev/null; rc=$?
[ "$rc" = 3 ] || FAILM "multi-drop --json: exit $rc, want 3"
python3 - "$tmp/md.json" <<'PY' || FAILM "multi-drop --json: $(cat "$tmp/md.json" | cut -c1-300)"
import json, sys
docs = [json.loads(line) for line in open(sys.argv[1])]
assert [d.get("outstation") for d in docs[:3]] == [20, 22, 21], docs
assert all(d["schema"] == 1 and d["command"] == "poll" for d in docs)
assert docs[0]["points"] and docs[2]["points"] and "error" not in docs[0] and "error" not in docs[2]
assert docs[1]["error"]["code"] == "ERR_TIMEOUT" and "points" not in docs[1], docs[1]
assert docs[3]["summary"] == {"outstations": 3, "answered": 2}, docs[3]
PY
"$PCAP" decode "$tmp/md.pcap" > "$tmp/dec" 2>&1
grep -q 'master 1 -> 20' "$tmp/dec" && grep -q 'master 1 -> 21' "$tmp/dec" && grep -q 'master 1 -> 22' "$tmp/dec" ||
    FAILM "multi-drop recording lacks a request: $(grep -c 'master 1 ->' "$tmp/dec")"

# bad settings are named
timeout 10 "$M" --serial "$dev:12345" poll > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'baud' "$tmp/err" || FAILM "bad baud: exit $rc, $(cat "$tmp/err")"
timeout 10 "$M" --serial /nonexistent/tty --retries 0 poll > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" = 3 ] && grep -q 'cannot open serial port /nonexistent/tty' "$tmp/err" || FAILM "missing device: exit $rc, $(cat "$tmp/err")"

[ "$fail" = 0 ] && echo "master_serial: all passed"
exit "$fail"
