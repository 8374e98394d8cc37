#!/usr/bin/env bash
# dnp3-pcap fuzz: every usage error says what was wrong (exit 2), before the
# usage text; --target without its tcp:// scheme is the common mistake.
# Usage: pcap_fuzz_usage.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
P=$1/pcaptools/dnp3-pcap
fail=0
want() { # EXPECTED_TEXT ARGS...: exit 2 and the text on stderr's first line
    local text=$1; shift
    "$P" fuzz "$@" > /dev/null 2> "$err"; rc=$?
    [ "$rc" = 2 ] || { echo "FAIL: fuzz $*: exit $rc, want 2"; fail=1; }
    head -n 1 "$err" | grep -qF -- "$text" || { echo "FAIL: fuzz $*: first line '$(head -n 1 "$err")', want '$text'"; fail=1; }
}
err=$(mktemp)
trap 'rm -f "$err"' EXIT
want "--target takes self or tcp://HOST:PORT" --target 127.0.0.1:20000
want "got '127.0.0.1:20000'" --target 127.0.0.1:20000
want "--role takes master or outstation; got 'slave'" --role slave
want "--role outstation needs --listen PORT" --role outstation
want "more than one CAPTURE given" a.pcap b.pcap
[ "$fail" = 0 ] && echo "fuzz usage errors name their reason"
exit "$fail"
