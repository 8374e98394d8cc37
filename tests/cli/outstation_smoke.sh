#!/bin/bash
# Smoke test of dnp3-outstation over loopback: start it on a free port, run a
# hand-built master (outstation_smoke.py: link status, integrity poll with CRC
# and object checks, clear restart, CROB, read back, unknown function), then
# SIGTERM it and expect exit 0. Usage: outstation_smoke.sh BUILD_DIR SOURCE_DIR [SHARED]
set -u
BUILD=$1
SRC=$2
BIN=$BUILD/tests/harness/dnp3-outstation
[ -x "$BIN" ] || { echo "no $BIN"; exit 77; }
command -v python3 >/dev/null || { echo "no python3"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib.sh"

start() { # start ARGS...: sets PID and PORT (the simulator picks a free port with --port 0)
    : > "$TMP/out"
    start_server "$TMP/err" "$BIN" --port 0 "$@" >"$TMP/out"; local ok=$?
    PID=$server_pid PORT=$port
    [ "$ok" = 0 ] && return 0
    echo "simulator did not start"; cat "$TMP/err"; kill "$PID" 2>/dev/null; exit 1
}

stop() { # SIGTERM and expect exit 0 within 5 s
    kill -TERM "$PID"
    for _ in $(seq 1 100); do
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$PID" 2>/dev/null; then
        echo "simulator ignored SIGTERM"; kill -KILL "$PID"; exit 1
    fi
    wait "$PID"
    rc=$?
    [ "$rc" -eq 0 ] || { echo "simulator exited $rc"; cat "$TMP/err"; exit 1; }
}

start --print
timeout 20 python3 "$SRC/tests/cli/outstation_smoke.py" "$PORT" || { echo FAIL; cat "$TMP/err"; kill "$PID"; exit 1; }
stop
grep -q "DIRECT_OPERATE seq=5" "$TMP/out" || { echo "--print did not log the requests"; exit 1; }

# usage errors exit 2
"$BIN" --no-such-flag 2>/dev/null; [ $? -eq 2 ] || { echo "bad flag must exit 2"; exit 1; }
"$BIN" --fault nonsense 2>/dev/null; [ $? -eq 2 ] || { echo "bad fault must exit 2"; exit 1; }

# a config file is accepted and applied
cat >"$TMP/os.conf" <<'CONF'
# test config
address = 10
binary-inputs = 3
analog-inputs = 2
ai.1 = 1234
CONF
start --config "$TMP/os.conf" --udp
timeout 20 python3 "$SRC/tests/cli/outstation_smoke.py" "$PORT" --expect-ai1 1234 || { echo FAIL config; kill "$PID"; exit 1; }
stop
echo "outstation smoke: all OK"
