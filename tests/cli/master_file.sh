#!/usr/bin/env bash
# dnp3-master file ls|info|get|put|rm against dnp3-outstation --files DIR on
# loopback: a 1 MiB and an empty file put and got back compared octet for
# octet, block size negotiation, a transfer that survives dropped connections
# (retries), one that stops (no partial file left), refused names from the
# outstation, file authentication, deletion.
# Usage: master_file.sh BUILD_DIR SOURCE_DIR   (exit 77: skipped)
# Every run passes --max-rate 0: at the default cap (100 requests/s) each 1 MiB
# transfer (1024 READs) took 10 s of the test's 78; the cap is not what is tested here.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cli_setup "$1"
run() { # WANT ARGS...
    local want=$1; shift
    timeout 60 "$M" --port "$port" --max-rate 0 --timeout 2000 --retries 2 --retry-delay 100 "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
    local rc=$?
    [ "$rc" = "$want" ] || { bad "dnp3-master $* exited $rc, want $want"; head -c 600 "$tmp/out" "$tmp/err"; }
}

mkdir -p "$tmp/srv" "$tmp/loc"
head -c 1048576 /dev/urandom > "$tmp/loc/big.bin"
: > "$tmp/loc/empty.bin"
printf 'setting=1\n' > "$tmp/srv/config.ini"
start_sim main --files "$tmp/srv"

# put, then get back, both compared octet for octet (and the outstation's copy too)
run 0 --json file put "$tmp/loc/big.bin"
jq_py 'd["ok"] and d["size"] == 1048576 and d["blocks"] == 1024 and d["block_size"] == 1024 and d["remote"] == "big.bin"'
cmp -s "$tmp/loc/big.bin" "$tmp/srv/big.bin" || bad "put: the outstation's big.bin differs"
run 0 file put "$tmp/loc/empty.bin"
[ -f "$tmp/srv/empty.bin" ] && [ ! -s "$tmp/srv/empty.bin" ] || bad "put: empty file not created empty"
run 0 file get big.bin "$tmp/loc/big.got"
cmp -s "$tmp/loc/big.bin" "$tmp/loc/big.got" || bad "get: big.got differs from what was put"
run 0 file get empty.bin "$tmp/loc/empty.got"
[ -f "$tmp/loc/empty.got" ] && [ ! -s "$tmp/loc/empty.got" ] || bad "get: empty file"
# block size: asked smaller is granted; asked larger gets the outstation's
run 0 file get config.ini "$tmp/loc/c1" --block-size 4
has out 'in 3 blocks of 4'
cmp -s "$tmp/srv/config.ini" "$tmp/loc/c1" || bad "get with 4-octet blocks differs"
run 0 file get config.ini "$tmp/loc/c2" --block-size 60000
has out 'blocks of 1024'

# ls and info
run 0 --json file ls
jq_py '[e["name"] for e in d["entries"]] == ["big.bin", "config.ini", "empty.bin"] and d["entries"][0]["size"] == 1048576 and d["refused"] == 0'
run 0 file ls
has out 'file  *1048576 .* big.bin'
run 0 --json file info config.ini
jq_py 'd["size"] == 10 and d["type"] == "file" and d["time"].endswith("Z")'
run 1 file info missing.txt
has err 'GET_FILE_INFO refused: FILE_NOT_FOUND'
run 1 file get missing.txt "$tmp/loc/m"
has err "OPEN_FILE refused: FILE_NOT_FOUND (status 3) for 'missing.txt'"
[ ! -e "$tmp/loc/m" ] && [ ! -e "$tmp/loc/m.part" ] || bad "a refused get left a file"

# rm: confirmation needed, then deleted
run 2 file rm config.ini
has err 'nothing was sent'
[ -f "$tmp/srv/config.ini" ] || bad "rm without --yes deleted the file"
run 0 --yes file rm config.ini
[ ! -e "$tmp/srv/config.ini" ] || bad "rm: file still there"
run 1 --yes file rm config.ini
has err 'DELETE_FILE refused: FILE_NOT_FOUND'

# a transfer across dropped connections: every 97th response is cut off mid-fragment
# and the connection closed; the retries reconnect and read the same block again
start_sim flaky --files "$tmp/srv" --fault close-mid-fragment,every=97
run 0 file get big.bin "$tmp/loc/big.flaky"
cmp -s "$tmp/loc/big.bin" "$tmp/loc/big.flaky" || bad "get across dropped connections differs"
run 0 file put "$tmp/loc/big.bin" big2.bin
cmp -s "$tmp/loc/big.bin" "$tmp/srv/big2.bin" || bad "put across dropped connections differs"

# a transfer that stops: the 300th answer never comes and no retry is allowed
start_sim stop --files "$tmp/srv" --fault silent,every=300
timeout 60 "$M" --port "$port" --max-rate 0 --timeout 500 --retries 0 file get big.bin "$tmp/loc/big.stopped" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" = 3 ] || bad "stopped get exited $rc, want 3"
has err "get 'big.bin' stopped after [0-9]* of 1048576 octets (block [0-9]*): no response to READ"
# how far it got is exact: the blocks before the one that failed
python3 -c '
import re, sys
m = re.search(r"stopped after (\d+) of 1048576 octets \(block (\d+)\)", open(sys.argv[1]).read())
sys.exit(0 if m and int(m.group(1)) == 1024 * int(m.group(2)) and int(m.group(2)) > 200 else 1)' "$tmp/err" || bad "stopped get: progress $(cat "$tmp/err")"
has err 'big.stopped not written'
[ ! -e "$tmp/loc/big.stopped" ] && [ ! -e "$tmp/loc/big.stopped.part" ] || bad "a stopped get left a partial file"

# names the outstation sends that must not become local file names
start_sim hostile --files "$tmp/srv" --files-bad-names
run 1 --json file ls
jq_py '[e["name"] for e in d["entries"]] == ["big.bin", "big2.bin", "empty.bin"] and d["refused"] == 2'
has err 'directory entry 3 refused: its name (../escape) holds a path separator'
has err 'directory entry 4 refused: its name (a\\x00b) holds a NUL'

# file authentication (AUTHENTICATE_FILE, g70v2)
start_sim auth --files "$tmp/srv" --file-auth op:secret
run 1 file get empty.bin "$tmp/loc/a1"
has err 'PERMISSION_DENIED'
run 1 file get empty.bin "$tmp/loc/a2" --user op --password wrong
has err "refused the user name or password for 'op'"
run 0 file get big.bin "$tmp/loc/a3" --user op --password secret
cmp -s "$tmp/loc/big.bin" "$tmp/loc/a3" || bad "authenticated get differs"

# a lost connection with no retry allowed: a clear error naming it, no partial file
start_sim lost --files "$tmp/srv" --fault close-mid-fragment,every=300
timeout 60 "$M" --port "$port" --max-rate 0 --timeout 2000 --retries 0 file get big.bin "$tmp/loc/big.lost" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" = 3 ] || bad "get over a lost connection exited $rc, want 3"
has err "get 'big.bin' stopped after [0-9]* of 1048576 octets (block [0-9]*): .*connection"
has err 'big.lost not written'
[ ! -e "$tmp/loc/big.lost" ] && [ ! -e "$tmp/loc/big.lost.part" ] || bad "a get over a lost connection left a partial file"
timeout 60 "$M" --port "$port" --max-rate 0 --timeout 2000 --retries 0 file put "$tmp/loc/big.bin" lost.bin > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" = 3 ] || bad "put over a lost connection exited $rc, want 3"
has err "put 'lost.bin' stopped after [0-9]* of 1048576 octets: .*connection"

# a write that fails mid-transfer (the file size limit: EFBIG, as ENOSPC would):
# named with the local file, the .part removed, nothing renamed
start_sim main2 --files "$tmp/srv"
( trap '' XFSZ; ulimit -f 256; exec timeout 60 "$M" --port "$port" --max-rate 0 --timeout 2000 file get big.bin "$tmp/loc/big.efbig" ) \
    > "$tmp/out" 2> "$tmp/err" < /dev/null
rc=$?
[ "$rc" = 3 ] || bad "get with a failing write exited $rc, want 3"
has err "get 'big.bin' stopped after [0-9]* of 1048576 octets (block [0-9]*): writing $tmp/loc/big.efbig.part: File too large; $tmp/loc/big.efbig not written"
[ ! -e "$tmp/loc/big.efbig" ] && [ ! -e "$tmp/loc/big.efbig.part" ] || bad "a failed write left a partial file"

# a file larger than the free space (a 512 KiB tmpfs in a private mount namespace):
# refused before anything is written, naming the sizes and the directory
if unshare -rm true 2> /dev/null; then
    mkdir -p "$tmp/small"
    unshare -rm sh -c 'mount -t tmpfs -o size=512k none "$1" && shift && exec "$@"' sh "$tmp/small" \
        timeout 60 "$M" --port "$port" --max-rate 0 --timeout 2000 file get big.bin "$tmp/small/big.got" > "$tmp/out" 2> "$tmp/err" < /dev/null
    rc=$?
    [ "$rc" = 3 ] || bad "get larger than the free space exited $rc, want 3"
    has err "'big.bin' is 1048576 octets; only 524288 free in $tmp/small: nothing written"
    [ -z "$(ls -A "$tmp/small")" ] || bad "a refused get left a file"
    # it fits: the same tmpfs takes a small file
    head -c 200000 /dev/urandom > "$tmp/srv/small.bin"
    unshare -rm sh -c 'mount -t tmpfs -o size=512k none "$1" && timeout 60 "$2" --port "$3" --max-rate 0 --timeout 2000 \
        file get small.bin "$1/s.got" && cmp "$1/s.got" "$4"' sh "$tmp/small" "$M" "$port" "$tmp/srv/small.bin" \
        > "$tmp/out" 2> "$tmp/err" < /dev/null || bad "get into a small tmpfs: $(cat "$tmp/err")"
else
    echo "note: no unprivileged mount namespace here (unshare -rm): the free-space refusal is not exercised"
fi

# progress on a terminal (stderr a pty): a line rewritten in place up to 100%; none on a pipe
python3 - "$M" "$port" "$tmp/loc/big.tty" > "$tmp/pty" 2>&1 <<'PY' || bad "progress on a terminal: $(head -c 400 "$tmp/pty")"
import os, pty, re, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "--port", sys.argv[2], "--max-rate", "0", "--timeout", "2000", "file", "get", "big.bin", sys.argv[3]])
out = b""
while True:
    try:
        c = os.read(fd, 65536)
    except OSError:
        break
    if not c:
        break
    out += c
_, st = os.waitpid(pid, 0)
steps = re.findall(rb"\rget big\.bin: (\d+) of 1048576 octets \((\d+)%\)", out)
ok = os.WEXITSTATUS(st) == 0 and len(steps) > 2 and steps[-1] == (b"1048576", b"100") and b"(100%)\r\n" in out
sys.exit(0 if ok else "exit %d, output %r" % (os.WEXITSTATUS(st), out[:300] + out[-200:]))
PY
cmp -s "$tmp/loc/big.bin" "$tmp/loc/big.tty" || bad "get on a terminal differs"
run 0 file get big.bin "$tmp/loc/big.pipe"
if grep -q 'octets (' "$tmp/err"; then bad "progress printed on a pipe: $(head -c 200 "$tmp/err")"; fi

run 0 help file
has out 'File transfer (g70)'
[ "$fail" = 0 ] && echo "master file transfer: all good"
exit "$fail"
