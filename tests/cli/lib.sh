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
