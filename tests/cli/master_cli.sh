#!/usr/bin/env bash
# dnp3-master against dnp3-outstation over loopback: every command, its exit
# code and --json shape; every session recorded with --pcap must pass
# `dnp3-pcap check` clean and decode in tshark's own DNP3 dissector with no
# malformed packet and the intended meaning (master_tshark.py compares, per
# frame, function, objects, qualifier, count/range and CROB codes).
# Usage: master_cli.sh BUILD_DIR SOURCE_DIR [SHARED]   (exit 77: skipped)
# With MASTER_SESSION_OUT=FILE.pcap, also writes the merged session there
# (used to make captures/master_session.pcap; the simulator then listens on 20000).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
SRC=$2
cli_setup "$1" pcap
# port 0: the simulator picks a free port and names it (a port picked here
# could be taken by a parallel test before the simulator binds it)
lport=0
[ -n "${MASTER_SESSION_OUT:-}" ] && lport=20000
start_server "$tmp/sim.log" "$OS" --port "$lport" --unsolicited; ok=$?
simpid=$server_pid
[ "$ok" = 0 ] || { echo "FAIL: simulator did not start"; cat "$tmp/sim.log"; exit 1; }

n=0
# run EXPECTED_EXIT ARGS... : one dnp3-master invocation, recorded
run() {
    local want=$1; shift
    n=$((n + 1))
    local cap
    cap=$(printf '%s/s%02d.pcap' "$tmp" "$n")
    timeout 30 "$M" --port "$port" --timeout 2000 --retries 1 --pcap "$cap" "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
    local rc=$?
    if [ "$rc" != "$want" ]; then
        echo "FAIL: dnp3-master $* exited $rc, want $want"; cat "$tmp/out" "$tmp/err" | head -20; fail=1
    fi
}
json_check() { # python expression over `d` (the JSON output)
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" "$tmp/out" ||
        { echo "FAIL: JSON check '$1' on: $(head -c 400 "$tmp/out")"; fail=1; }
}

run 0 startup
run 0 poll
grep -q '^IIN:' "$tmp/out" || { echo "FAIL: poll table has no IIN line"; fail=1; }
run 0 --json poll
json_check 'isinstance(d["points"], list) and len(d["points"]) >= 50 and isinstance(d["iin"], list) and all(set(p) >= {"type","index","value","flags","time","event"} for p in d["points"])'
json_check 'set(p["type"] for p in d["points"]) == {"bi","dbi","bo","counter","frozen-counter","ai","ao"}'
run 0 --json read class 1,2,3
json_check 'isinstance(d["points"], list)'
for t in bi dbi bo counter frozen-counter ai ao; do
    run 0 --json read "$t" 0-2
    json_check "len(d['points']) == 3 and all(p['type'] == '$t' and not p['event'] for p in d['points'])"
done
run 0 --json read ai 1 --variation 5
json_check 'len(d["points"]) == 1 and d["points"][0]["index"] == 1'
run 0 --yes operate bo 1 on --sbo
run 0 --yes operate bo 1 off --direct
run 0 --yes operate bo 2 trip
run 0 --yes operate bo 2 close --on-ms 200 --count 2
run 0 --yes operate bo 3 pulse-on --no-ack
run 0 --yes --json operate bo 0 pulse-off --on-ms 100 --off-ms 100
json_check 'd["ok"] is True and d["status"] == "SUCCESS"'
run 1 --yes --json operate bo 999 on
json_check 'd["error"]["code"] == "ERR_CONTROL" and d["error"]["control_status"] == "NOT_SUPPORTED"'
run 0 --yes operate ao 0 -100000
run 0 --yes operate ao 1 1234 --type int16 --direct
run 0 --yes operate ao 2 12.5 --type float
run 0 --yes operate ao 3 0.1 --type double
run 2 --yes operate ao 1 70000 --type int16
run 2 --yes operate ao 1 1e39 --type float
run 0 --json read ao 0-3 --variation 4
json_check '[p["value"] for p in d["points"]] == [-100000, 1234, 12.5, 0.1]'
run 2 operate bo 1 on          # no terminal and no --yes
run 0 freeze
run 0 freeze --clear
run 0 time-sync --lan
run 0 time-sync --non-lan
run 0 unsolicited disable
run 0 unsolicited enable 1,2,3
run 0 link-status
run 0 --yes --json restart warm
json_check 'd["delay_ms"] > 0'
run 0 --yes restart cold
run 0 --startup poll
run 0 --json monitor --duration 1 --interval 0.3
run 2 read xx 1
run 2 bogus
run 2 --port 0 poll
# communication error: nothing listens there
deadport=$(free_port)
timeout 30 "$M" --port "$deadport" --retries 0 poll > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" = 3 ] || { echo "FAIL: refused connection exit $rc, want 3"; fail=1; }
grep -q "127.0.0.1:$deadport" "$tmp/err" || { echo "FAIL: connection error lacks host:port: $(cat "$tmp/err")"; fail=1; }
# -v prints the fragments through the core renderer
timeout 30 "$M" --port "$port" -v poll > /dev/null 2> "$tmp/err"
grep -q -- '--> READ seq=' "$tmp/err" && grep -q '<-- RESPONSE' "$tmp/err" || { echo "FAIL: -v trace"; head "$tmp/err"; fail=1; }

kill "$simpid"; wait "$simpid"; rc=$?; simpid=
[ "$rc" = 0 ] || { echo "FAIL: dnp3-outstation exit $rc on SIGTERM"; fail=1; }

# every recording: check clean, tshark decodes it with no malformed packet
# (--allow-empty: a command refused after connecting records a session without DNP3)
for cap in "$tmp"/s*.pcap; do
    [ -s "$cap" ] || continue
    if ! "$PCAP" check --quiet --allow-empty -p "$port" "$cap" > "$tmp/check" 2>&1; then
        echo "FAIL: dnp3-pcap check $(basename "$cap")"; cat "$tmp/check"; fail=1
    fi
done
mergecap -F pcap -a -w "$tmp/all.pcap" "$tmp"/s*.pcap 2>/dev/null || cp "$tmp/s01.pcap" "$tmp/all.pcap"
if command -v tshark > /dev/null; then
    tshark -r "$tmp/all.pcap" -d "tcp.port==$port,dnp3" -Y "_ws.malformed || _ws.expert.severity == error" -T fields -e frame.number > "$tmp/bad" 2>/dev/null
    if [ -s "$tmp/bad" ]; then
        echo "FAIL: tshark reports malformed/error packets: $(head -c 200 "$tmp/bad")"; fail=1
    fi
    tshark -r "$tmp/all.pcap" -d "tcp.port==$port,dnp3" -T fields -e dnp3.al.func 2>/dev/null | tr ',' '\n' | sort -un > "$tmp/funcs"
    # READ WRITE SELECT OPERATE DIRECT_OPERATE DIRECT_OPERATE_NR IMMED_FREEZE FREEZE_CLEAR COLD WARM
    # ENABLE/DISABLE_UNSOLICITED DELAY_MEASURE RECORD_CURRENT_TIME RESPONSE
    for f in 1 2 3 4 5 6 7 9 13 14 20 21 23 24 129; do
        grep -qx "$f" "$tmp/funcs" || { echo "FAIL: tshark does not see function $f in the recordings"; fail=1; }
    done
    # the CROB codes: LATCH_ON 0x03, TRIP (pulse on) 0x81, CLOSE (pulse on) 0x41
    tshark -r "$tmp/all.pcap" -d "tcp.port==$port,dnp3" -T fields -e dnp3.al.ctrlstatus -e dnp3.al.ptnum 2>/dev/null > /dev/null
    tshark -r "$tmp/all.pcap" -d "tcp.port==$port,dnp3" -V 2>/dev/null | grep -c "Control Code" > "$tmp/cc"
    [ "$(cat "$tmp/cc")" -gt 0 ] || { echo "FAIL: tshark shows no CROB control code"; fail=1; }
    # per frame: function, objects, qualifier codes, counts/ranges, CROB op and trip/close
    python3 "$SRC/tests/cli/master_tshark.py" "$PCAP" "$tmp/all.pcap" "$port" || fail=1
    # and the committed recording of such a session
    python3 "$SRC/tests/cli/master_tshark.py" "$PCAP" "$SRC/captures/master_session.pcap" 20000 || fail=1
fi
if [ -n "${MASTER_SESSION_OUT:-}" ]; then
    cp "$tmp/all.pcap" "$MASTER_SESSION_OUT"
    echo "wrote $MASTER_SESSION_OUT"
fi
[ "$fail" = 0 ] && echo "master CLI: all good ($n invocations)"
exit "$fail"
