#!/usr/bin/env bash
# dnp3-master monitor on a terminal (tmux): a live view updated in place (one
# header on the screen, not one per answer; the points' values, change and
# event counts move), and the append-only output kept when stdout is a pipe.
# Usage: master_live_view.sh BUILD_DIR SOURCE_DIR   (exit 77: skipped)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cli_setup "$1" cmd:tmux
sock="$tmp/tmux.sock"
cleanup_extra() { tmux -S "$sock" kill-server 2>/dev/null; }

# two analog inputs change every 100 ms (class 2 events)
"$OS" --port 0 --binary-inputs 2 --double-bits 0 --binary-outputs 0 --counters 0 --frozen-counters 0 \
    --analog-inputs 2 --analog-outputs 0 --change-every 100 2> "$tmp/sim.log" &
simpid=$!
port=$(listening_port "$tmp/sim.log") || { echo "FAIL: simulator did not start"; exit 1; }

# screen SECONDS PATTERN: wait until the pane shows PATTERN (extended regex); keep the screen in $tmp/screen
screen() {
    local until=$((SECONDS + $1))
    while [ "$SECONDS" -le "$until" ]; do
        tmux -S "$sock" capture-pane -p -t live > "$tmp/screen" 2>/dev/null
        grep -Eq "$2" "$tmp/screen" && return 0
        sleep 0.2
    done
    return 1
}

tmux -S "$sock" new-session -d -s live -x 150 -y 30 \
    "$M --port $port monitor --interval 0.2 --duration 20; echo MONITOR-EXITED \$?; sleep 30"
screen 10 'answers: [0-9]+ integrity, [1-9][0-9]* event polls' || bad "no live view: $(cat "$tmp/screen")"
# the changing points have change and event counts; wait until one has several
screen 10 '^ai +[01] .* [2-9][0-9]* +[2-9][0-9]*$' || bad "no point with changes counted: $(cat "$tmp/screen")"
cp "$tmp/screen" "$tmp/first"
[ "$(grep -c '^TYPE ' "$tmp/first")" = 1 ] || bad "the header is not shown exactly once: $(cat "$tmp/first")"
[ "$(grep -c '^ai ' "$tmp/first")" = 2 ] || bad "not one row per analog input: $(cat "$tmp/first")"
[ "$(grep -c '^bi ' "$tmp/first")" = 2 ] || bad "not one row per binary input: $(cat "$tmp/first")"
grep -Eq '^IIN: ' "$tmp/first" || bad "no IIN line"
# in place: later, the same rows with larger counts (the screen was redrawn, not appended to)
polls() { sed -n 's/.*integrity, \([0-9]*\) event polls.*/\1/p' "$1"; }
polls1=$(polls "$tmp/first")
polls2=$polls1
until=$((SECONDS + 10))
while [ "$SECONDS" -le "$until" ] && [ "${polls2:-0}" -le $((polls1 + 2)) ]; do
    sleep 0.2
    tmux -S "$sock" capture-pane -p -t live > "$tmp/screen"
    polls2=$(polls "$tmp/screen")
done
[ -n "$polls2" ] && [ "$polls2" -gt "$polls1" ] || bad "the view did not update: $polls1 then $polls2"
[ "$(grep -c '^TYPE ' "$tmp/screen")" = 1 ] && [ "$(grep -c '^ai ' "$tmp/screen")" = 2 ] ||
    bad "the update was appended, not in place: $(cat "$tmp/screen")"

# not a terminal: the append-only output (a table per answer)
# (wait for the second table rather than a fixed duration: on a loaded machine
# a 1.5 s monitor may see only its integrity poll)
: > "$tmp/pipe"   # exists before the loop's first grep (the background job's redirection may come later)
"$M" --port "$port" monitor --interval 0.2 --duration 30 >> "$tmp/pipe" 2> "$tmp/err" &
monpid=$!
until=$((SECONDS + 30))
while [ "$SECONDS" -le "$until" ] && [ "$(grep -c '^TYPE ' "$tmp/pipe")" -lt 2 ] && kill -0 "$monpid" 2>/dev/null; do
    sleep 0.2
done
kill "$monpid" 2>/dev/null; wait "$monpid" 2>/dev/null
[ "$(grep -c '^TYPE ' "$tmp/pipe")" -ge 2 ] || bad "append-only output lost when piped: $(head -c 300 "$tmp/pipe")"
grep -q $'\033\\[H' "$tmp/pipe" && bad "escape sequences written to a pipe"

[ "$fail" = 0 ] && echo "monitor live view: updated in place under tmux; append-only on a pipe"
exit "$fail"
