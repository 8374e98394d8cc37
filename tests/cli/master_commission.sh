#!/usr/bin/env bash
# dnp3-master for commissioning (issue 11) against dnp3-outstation on loopback:
# every object of an answer kept (g110, g102 beside the points), index-list
# reads, dead-bands (g34), device attributes (g0), the CLI explaining itself
# (per-command help, "did you mean", conflicting options, a declined control),
# timeouts naming their likely cause, --no-iin-reactions, monitor --json kinds,
# and shortest round-trip numbers.
# Usage: master_commission.sh BUILD_DIR SOURCE_DIR   (exit 77: skipped)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cli_setup "$1"

# run WANT_EXIT ARGS...: one dnp3-master invocation against $port
run() {
    local want=$1; shift
    timeout 30 "$M" --port "$port" --timeout 2000 --retries 1 "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
    local rc=$?
    [ "$rc" = "$want" ] || { bad "dnp3-master $* exited $rc, want $want"; head -c 600 "$tmp/out" "$tmp/err"; }
}

start_sim main --octet-strings 3 --uints 2

# ---- every object kept ----
run 0 --json poll
jq_py 'd["schema"] == 1 and d["command"] == "poll" and len(d["points"]) == 58'
jq_py '[(o["group"], o["index"]) for o in d["objects"]] == [(110,0),(110,1),(110,2),(102,0),(102,1)]'
jq_py 'd["objects"][1]["text"] == "text-001" and d["objects"][4]["fields"]["value"] == 42 and d["objects"][0]["name"] == "Octet String"'
jq_py 'all(isinstance(p["flags_raw"], int) for p in d["points"]) and isinstance(d["iin_raw"], int)'
# values typed alike per point type (docs/dnp3-master.md): binaries true/false, the rest numbers
jq_py 'set(p["type"] for p in d["points"]) == {"bi","dbi","bo","counter","frozen-counter","ai","ao"} and all(isinstance(p["value"], bool) if p["type"] in ("bi","bo") else (isinstance(p["value"], (int, float)) and not isinstance(p["value"], bool)) for p in d["points"])'
run 0 poll
has out 'g110v8 .* "text-002"'
has out '58 points, 5 other objects in 1 fragment'
# startup: its result is the poll alone (not the answers of time sync and unsolicited)
run 0 --json startup
jq_py 'd["fragments"] == 1 and len(d["objects"]) == 5'

# ---- index lists, every point type ----
for t in bi dbi bo counter frozen-counter ai ao; do
    run 0 --json read "$t" 3,1,2
    jq_py "[p['index'] for p in d['points']] == [3,1,2] and all(p['type'] == '$t' for p in d['points'])"
done
# 0x28 (an index above 255); 300 does not exist: one document with the point AND the error
run 1 --json read ai 300,1
jq_py '[p["index"] for p in d["points"]] == [1] and d["error"]["code"] == "ERR_PROTOCOL" and "PARAMETER_ERROR" in d["error"]["iin"]' 
run 2 read ai 3,x

# ---- dead-bands ----
run 0 --json deadband read 0-3
jq_py '[(o["group"], o["index"], o["fields"]["value"]) for o in d["objects"]] == [(34,0,1),(34,1,2),(34,2,3),(34,3,4)]'
run 0 deadband write 2 2.5
has out 'ai 2 dead-band = 2.5, g34v3'
run 0 --json read deadband 2,3 --variation 3
jq_py '[o["fields"]["value"] for o in d["objects"]] == [2.5, 4] and d["objects"][0]["qualifier"] == 0x17'
run 0 deadband write 1 700 --variation 1
run 0 --json deadband read 1 --variation 2
jq_py 'd["objects"][0]["fields"]["value"] == 700 and d["objects"][0]["variation"] == 2'
run 2 deadband write 1 70000 --variation 1
has err 'g34v1: a whole number 0-65535'

# ---- device attributes ----
run 0 --json attributes
jq_py 'any(a["variation"] == 252 and a["name"] == "Device Manufacturer'"'"'s Name" and a["value"] == "dnp3kit" and a["writable"] is False for a in d["attributes"])'
jq_py 'any(a["variation"] == 233 and a["type"] == "UINT" and a["value"] == 10 for a in d["attributes"])'
jq_py 'any(a["variation"] == 205 and a["type"] == "FLT" and a["value"] == 51.5 and a["writable"] for a in d["attributes"])'
run 0 attributes
has out 'User-assigned Device Name .*VSTR .*"outstation-10"  (writable)'
run 0 --json attributes --write 247=RTU-7
jq_py 'd["attributes"][0]["value"] == "RTU-7"'
run 0 --json attributes --write 205=-33.875
jq_py 'd["attributes"][0]["value"] == -33.875'
run 0 --json attributes 247
jq_py 'd["attributes"][0]["value"] == "RTU-7"'
run 2 attributes --write 252=other
has err 'attribute 252 (Device Manufacturer.s Name) is not writable on this outstation; nothing written'
run 2 attributes --write 205=north
has err 'attribute 205 is FLT: VALUE must be a number'

# ---- numbers: shortest round trip ----
run 0 --yes operate ao 3 3.14159 --type double
has out 'ao 3 = 3.14159 as double'
run 0 read ao 3 --variation 4
has out '^ao  *3  3.14159 '
# whole numbers with trailing zeros never in exponent form (opendnp3's counter 10 and
# analog 30 were shown as 1e+01 and 3e+01); large and tiny ones keep it
run 0 --yes operate ao 3 30 --type double
has out 'ao 3 = 30 as double'
run 0 read ao 3 --variation 4
has out '^ao  *3  30 '
run 0 --yes operate ao 3 1200000 --type double
run 0 read ao 3 --variation 4
has out '^ao  *3  1200000 '
run 0 --yes operate ao 3 1e20 --type double
run 0 read ao 3 --variation 4
has out '^ao  *3  1e+20 '
run 0 --yes operate ao 2 0.1 --type float
run 0 --json read ao 2 --variation 3
jq_py 'd["points"][0]["value"] == 0.1'

# ---- the CLI explains itself ----
run 0 operate --help
has out 'usage: dnp3-master \[OPTIONS\] operate bo INDEX'
run 0 help deadband
has out 'Analog input dead-bands (g34)'
run 2 opreate bo 1 on
has err "unknown command 'opreate'; did you mean 'operate'?"
run 2 help polll
has err "did you mean 'poll'?"
run 2 --yes operate bo 3 on --sbo --direct
has err -- '--sbo and --direct conflict'
run 2 time-sync --lan --non-lan
has err -- '--lan and --non-lan conflict'
run 2 operate bo 1 on
has err 'nothing was sent'
# a declined control on a terminal: "n" at the prompt
python3 - "$M" "$port" > "$tmp/pty" 2>&1 <<'EOF' || bad "declined control: $(cat "$tmp/pty")"
import os, pty, sys, select
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "--port", sys.argv[2], "operate", "bo", "1", "on"])
out = b""
while b"[y/N]" not in out:
    r, _, _ = select.select([fd], [], [], 10)
    if not r: sys.exit("no prompt: %r" % out)
    out += os.read(fd, 1024)
os.write(fd, b"n\n")
while True:
    try:
        c = os.read(fd, 1024)
    except OSError:
        break
    if not c: break
    out += c
_, st = os.waitpid(pid, 0)
ok = b"declined: nothing was sent" in out and os.WEXITSTATUS(st) == 2
sys.exit(0 if ok else "output %r exit %d" % (out, os.WEXITSTATUS(st)))
EOF

# ---- --no-iin-reactions: a read sends only the read (the simulator asks for restart clear and time) ----
start_sim fresh
timeout 30 "$M" --port "$port" --no-iin-reactions -v read ai 0 > /dev/null 2> "$tmp/err"
[ "$(grep -c -- '^--> ' "$tmp/err")" = 1 ] || bad "--no-iin-reactions: $(grep -- '^--> ' "$tmp/err")"
timeout 30 "$M" --port "$port" -v read ai 0 > /dev/null 2> "$tmp/err"
[ "$(grep -c -- '^--> ' "$tmp/err")" -gt 1 ] || bad "without --no-iin-reactions the IIN bits were not answered"

start_sim main2 --octet-strings 3 --uints 2
# ---- monitor --json: JSON Lines with a kind ----
run 0 --json monitor --duration 1 --interval 0.3
python3 - "$tmp/out" <<'EOF' || bad "monitor --json: $(head -c 400 "$tmp/out")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert recs and all(r["schema"] == 1 and r["kind"] in ("integrity", "events", "unsolicited", "reconnected", "error") for r in recs)
assert recs[0]["kind"] == "integrity" and len([p for p in recs[0]["points"] if not p["event"]]) == 58 and len(recs[0]["objects"]) == 5 and recs[0]["time"].endswith("Z")
EOF

# ---- -vv: every frame as hex with a time; --log FILE ----
timeout 30 "$M" --port "$port" -vv read ai 0 > /dev/null 2> "$tmp/err"
grep -Eq '^20[0-9-]{8}T[0-9:.]{15}Z --> link UNCONFIRMED_USER_DATA .*dst=10 src=1' "$tmp/err" || bad "-vv: no stamped frame line"
grep -Eq '^    0000  05 64 ' "$tmp/err" || bad "-vv: no hex of the frame: $(head -c 300 "$tmp/err")"
grep -Eq 'Z <-- RESPONSE seq=' "$tmp/err" || bad "-vv: no stamped response"
timeout 30 "$M" --port "$port" --log "$tmp/m.log" read ai 0 > /dev/null 2> "$tmp/err"
[ ! -s "$tmp/err" ] || bad "--log without -v printed on stderr: $(head -c 200 "$tmp/err")"
grep -q 'Z dnp3-master --port .* --log .* read ai 0$' "$tmp/m.log" && grep -q '^    0000  05 64 ' "$tmp/m.log" &&
    grep -q 'Z exit status 0$' "$tmp/m.log" || bad "--log FILE: $(head -c 400 "$tmp/m.log")"

# ---- site profiles ----
printf '# two sites\n[bench]\nport = %s\noutstation = 10\ntimeout = 2000\nno-iin-reactions = yes\n[other]\nport = 1\n[typo]\nportt = 3\n[switch-with-value]\njson = 1\n' "$port" > "$tmp/sites.conf"
timeout 30 "$M" --profile "$tmp/sites.conf" --site bench --json read ai 2 > "$tmp/out" 2> "$tmp/err" || bad "--site bench: $(cat "$tmp/err")"
jq_py 'd["points"][0]["index"] == 2'
# the command line overrides the profile
timeout 30 "$M" --profile "$tmp/sites.conf" --site other --port "$port" --json read ai 1 > "$tmp/out" 2> "$tmp/err" || bad "override: $(cat "$tmp/err")"
jq_py 'd["points"][0]["index"] == 1'
run 2 --profile "$tmp/sites.conf" --site typo poll
has err "unknown option --portt"
has err "in $tmp/sites.conf line 10, site \[typo\]"
run 2 --profile "$tmp/sites.conf" --site switch-with-value poll
has err '--json takes no value (yes or no)'
run 2 --profile "$tmp/sites.conf" --site nowhere poll
has err 'no site \[nowhere\] in .*(sites: bench, other, typo, switch-with-value)'
# the default file: $XDG_CONFIG_HOME/dnp3kit/sites.conf
mkdir -p "$tmp/xdg/dnp3kit" && cp "$tmp/sites.conf" "$tmp/xdg/dnp3kit/sites.conf"
XDG_CONFIG_HOME="$tmp/xdg" timeout 30 "$M" --site bench --json read ai 3 > "$tmp/out" 2> "$tmp/err" || bad "default profile: $(cat "$tmp/err")"
jq_py 'd["points"][0]["index"] == 3'

# a transport's endpoint option in a profile (UDP): the site alone says where and how
start_sim udp --udp
printf '[udp-site]\nudp = 127.0.0.1:%s\ntimeout = 2000\n' "$port" > "$tmp/udp.conf"
timeout 30 "$M" --profile "$tmp/udp.conf" --site udp-site --pcap "$tmp/udp.pcap" --json read ai 2 > "$tmp/out" 2> "$tmp/err" ||
    bad "--site with udp: $(cat "$tmp/err")"
jq_py 'd["points"][0]["index"] == 2'
python3 - "$tmp/udp.pcap" <<'PY' || bad "--site with udp: the recording holds no UDP datagram"
import struct, sys
b = open(sys.argv[1], "rb").read()
pos, udp = 24, 0
while pos + 16 <= len(b):
    incl = struct.unpack("<I", b[pos + 8:pos + 12])[0]
    pkt = b[pos + 16:pos + 16 + incl]
    udp += len(pkt) > 23 and pkt[12:14] == b"\x08\x00" and pkt[23] == 17
    pos += 16 + incl
sys.exit(0 if udp else 1)
PY

# ---- timeouts name their cause ----
start_sim other --address 11 --any-address
run 3 --retries 0 --timeout 1000 poll
has err 'outstation answered from address 11, not 10'
start_sim late --fault delay:1500
run 3 --retries 1 --timeout 1000 --retry-delay 1000 read ai 0
has err 'an answer came 1[0-9][0-9][0-9] ms after its request: raise --timeout'
start_sim silent --fault silent
run 3 --yes --retries 0 --timeout 500 operate bo 1 on --direct
has err 'the request was sent: the control MAY HAVE EXECUTED'
# not DNP3: a server that answers every request with a line of text
python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print("listening on 127.0.0.1:%d" % s.getsockname()[1], file=sys.stderr, flush=True)
c, _ = s.accept()
while c.recv(4096):
    c.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
' 2> "$tmp/http.log" &
pids+=($!)
port=$(listening_port "$tmp/http.log") || { echo "FAIL: text server did not start"; exit 1; }
run 3 --retries 0 --timeout 1000 poll
has err 'octets received, none of them a DNP3 frame: not DNP3?'

[ "$fail" = 0 ] && echo "master commissioning: all good"
exit "$fail"
