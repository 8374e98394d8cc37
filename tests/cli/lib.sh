# Helpers shared by the tests/cli scripts that run servers on loopback.
# Source it: . "$(dirname "$0")/lib.sh"

# listening_port LOG: wait (up to 5 s) until LOG holds the line
# "listening on 127.0.0.1:PORT" that dnp3-outstation, dnp3-fragile and
# dnp3-pcap (replay/fuzz --listen) print when started with port 0; print PORT.
listening_port() {
    wait_line "$1" 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p'
}

# wait_connectable PORT: wait (up to 5 s) until 127.0.0.1:PORT accepts a connection.
wait_connectable() {
    for _ in $(seq 100); do
        python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$1)))" && return 0
        sleep 0.05
    done
    return 1
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_line FILE SED-EXPR [SECONDS]: wait (default 5 s) until `sed -n SED-EXPR FILE` prints
# something (a path or port a server writes once ready); print its first line.
wait_line() {
    local v
    for _ in $(seq $(( ${3:-5} * 20 ))); do
        v=$(sed -n "$2" "$1" 2>/dev/null | head -n 1)
        [ -n "$v" ] && { echo "$v"; return 0; }
        sleep 0.05
    done
    return 1
}

# start_server LOG CMD...: run CMD in the background with stderr to LOG; set
# $server_pid, and $port once it prints "listening on 127.0.0.1:PORT" (returns 1
# if it does not within 5 s). LOG is emptied BEFORE the start: a script that
# restarts a server into the same LOG would otherwise read the previous
# server's port while the new child has not yet truncated the file.
start_server() {
    local log=$1; shift
    : > "$log"
    "$@" 2>> "$log" &
    server_pid=$!
    port=$(listening_port "$log")
}

# wait_for_line FILE REGEX [SECONDS]: wait (default 10 s) until a line of FILE
# matches the extended REGEX (grep -E: callers use +, | and {n}).
wait_for_line() {
    local n=$(( ${3:-10} * 20 ))
    for _ in $(seq "$n"); do
        grep -Eq -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# stop_pids PID...: SIGTERM each (empty arguments skipped) and wait for it - at most
# 10 s: a process still running then is SIGKILLed with its process group (a `timeout`
# wrapper's child is in the wrapper's group) and named on a FAIL line. A server that
# ignores SIGTERM is a defect to report, never a test that hangs until ctest's limit
# (an orphan holding the test's stdout keeps ctest waiting too).
stop_pids() {
    local p st end
    for p in "$@"; do
        [ -n "$p" ] || continue
        kill "$p" 2>/dev/null
        end=$((SECONDS + 10))
        while :; do
            st=$(proc_state "$p")
            case $st in "" | Z) break ;; esac
            [ "$SECONDS" -lt "$end" ] || break
            sleep 0.05
        done
        case $st in
        "" | Z) ;;
        *)
            echo "FAIL: PID $p ($(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null)) still running 10 s after SIGTERM: killed"
            kill -KILL -- "-$p" 2>/dev/null
            kill -KILL "$p" 2>/dev/null
            stop_pids_failed=1 ;;
        esac
        wait "$p" 2>/dev/null
    done
}
# proc_state PID: the state letter of /proc/PID/stat (R, S, Z, ...), empty when gone
proc_state() {
    local s
    { s=$(< "/proc/$1/stat"); } 2> /dev/null || return 0
    s=${s##*) }
    echo "${s%% *}"
}

# cli_setup BUILD_DIR [pcap] [cmd:NAME]...: the common start of the tests that
# run dnp3-master against dnp3-outstation. Sets BUILD (absolute), M, OS, PCAP;
# exits 77 (skipped) unless dnp3-master and dnp3-outstation are built (and
# dnp3-pcap with "pcap", the command NAME installed with "cmd:NAME"). Makes
# $tmp, sets fail=0 and an EXIT trap that stops every simulator the test
# started - the PIDs in the array pids and in $simpid / $server_pid (what
# start_server sets) - runs the test's cleanup_extra function if it has one,
# and removes $tmp. bad MESSAGE (alias FAILM) prints FAIL: MESSAGE and sets fail=1.
cli_setup() {
    BUILD=$(cd "$1" && pwd) || exit 1
    shift
    M="$BUILD/master/dnp3-master"
    OS="$BUILD/tests/harness/dnp3-outstation"
    PCAP="$BUILD/pcaptools/dnp3-pcap"
    local need=("$M" "$OS") a
    for a in "$@"; do
        case $a in
        pcap) need+=("$PCAP") ;;
        cmd:*) command -v "${a#cmd:}" > /dev/null ||
            { echo "skip: ${a#cmd:} not installed (scripts/deps.sh installs it)"; exit 77; } ;;
        *) echo "cli_setup: unknown requirement '$a'"; exit 1 ;;
        esac
    done
    for a in "${need[@]}"; do
        [ -x "$a" ] || { echo "skip: $a not built"; exit 77; }
    done
    tmp=$(mktemp -d)
    pids=()
    simpid=
    server_pid=
    fail=0
    trap cli_cleanup EXIT
}
cli_cleanup() {
    ! declare -F cleanup_extra > /dev/null || cleanup_extra
    stop_pids "${pids[@]}" "$simpid" "$server_pid"
    rm -rf "$tmp"
    [ -z "${stop_pids_failed:-}" ] || exit 1
}
bad() { echo "FAIL: $*"; fail=1; }
FAILM() { bad "$@"; }

# start_sim NAME ARGS...: dnp3-outstation ARGS on a free loopback port, its
# stderr in $tmp/NAME.log, its PID added to pids; sets $port (exits 1 if it
# does not start).
start_sim() {
    local name=$1; shift
    "$OS" --port 0 "$@" 2> "$tmp/$name.log" &
    pids+=($!)
    port=$(listening_port "$tmp/$name.log") || { echo "FAIL: simulator $name did not start"; cat "$tmp/$name.log"; exit 1; }
}
# has FILE PATTERN: bad unless $tmp/FILE has a line matching PATTERN (grep's basic regex).
has() { grep -q -- "$2" "$tmp/$1" || bad "$1 lacks '$2': $(head -c 400 "$tmp/$1")"; }
# jq_py EXPR: bad unless the Python expression EXPR holds over d, the JSON document in $tmp/out.
jq_py() {
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" "$tmp/out" ||
        bad "JSON check '$1' on: $(head -c 500 "$tmp/out")"
}
