#!/usr/bin/env bash
# `dnp3-pcap fuzz --role outstation` against a real master: dnp3-master polls
# the fuzzer repeatedly and gets mutated responses. The master must never
# crash or hang past its timeout (exit 0, 1 or 3 only, each poll bounded),
# some answers must be accepted (the fuzzer answers with the request's SEQ,
# else a master drops every response), and the fuzzer counts its cases.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
BUILD=$1 SRC=$2
PCAP="$BUILD/pcaptools/dnp3-pcap"
M="$BUILD/master/dnp3-master"
[ -x "$PCAP" ] && [ -x "$M" ] || exit 77
tmp=$(mktemp -d)
fzpid=
cleanup() { [ -n "$fzpid" ] && kill "$fzpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
"$PCAP" fuzz --role outstation --listen 0 --seed 7 --count 60 --timeout 2000 --json -q --layers link,transport --out "$tmp" \
    "$SRC/captures/master_session.pcap" > "$tmp/summary.json" 2> "$tmp/err" &
fzpid=$!
port=$(listening_port "$tmp/err") || { echo "FAIL: fuzzer did not listen"; cat "$tmp/err"; exit 1; }
fail=0 answered=0 polls=0
for i in $(seq 40); do
    kill -0 "$fzpid" 2>/dev/null || break
    timeout 15 "$M" --port "$port" --timeout 500 --retries 0 poll > /dev/null 2>> "$tmp/master.err"
    rc=$?
    polls=$((polls + 1))
    case $rc in
        0|1) answered=$((answered + 1)) ;;
        3) ;;
        124) echo "FAIL: dnp3-master hung past its timeout (poll $i)"; fail=1 ;;
        *) echo "FAIL: dnp3-master exit $rc on a mutated response (poll $i)"; fail=1 ;;
    esac
done
kill -INT "$fzpid" 2>/dev/null
wait "$fzpid"
fzpid=
cases=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cases"])' "$tmp/summary.json" 2>/dev/null || echo 0)
# Link and transport mutations only (--layers), seed 7: with answers carrying
# the request's SEQ, 8 of 40 polls are answered; with the seeds' own SEQ, 1
# (chance). 4 separates the two.
[ "$answered" -ge 4 ] || { echo "FAIL: $answered of $polls polls got an accepted answer (SEQ not the request's?)"; fail=1; }
[ "$cases" -gt 0 ] || { echo "FAIL: the fuzzer counted no case"; cat "$tmp/summary.json" "$tmp/err"; fail=1; }
[ "$fail" = 0 ] && echo "fuzz master: $polls polls, $answered answered, $cases cases, no crash or hang"
exit $fail
