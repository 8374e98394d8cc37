#!/usr/bin/env bash
# IP fragment reassembly in dnp3-pcap (docs/dnp3-pcap.md, Input): responses
# carried in IPv4 fragments and IPv6 fragment headers decode (text and JSON)
# exactly as the same responses sent whole, on one thread and on two; nothing
# reassemblable gives a finding, and a lost fragment is named, not a silent
# session_no_response.
set -euo pipefail
BUILD=$1 SRC=$2
PCAP="$BUILD/pcaptools/dnp3-pcap"
C="$SRC/captures"
exec python3 - "$PCAP" "$C" <<'PY'
import json, os, subprocess, sys
pcap, caps = os.path.abspath(sys.argv[1]), sys.argv[2]
fail = []

def run(*args):
    p = subprocess.run([pcap] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=caps)
    if p.returncode not in (0, 1):
        fail.append("%s exited %d: %s" % (" ".join(args), p.returncode, p.stderr.decode()[-300:]))
    return p.stdout.decode()

def records(name, threads):
    return [json.loads(l) for l in run("decode", "--json", "-j", threads, name + ".pcap").splitlines() if l.strip()]

# name: (frames the responses complete in, of which the last one is whole)
want = {"ip_fragments": [6, 11, 13], "ipv6_fragments": [3, 8]}
whole_objects = None
for name, frames in want.items():
    recs = records(name, "1")
    if recs != records(name, "2"):
        fail.append("%s: decode --json differs between -j 1 and -j 2" % name)
    rsp = [r for r in recs if r["func"] == 129]
    if [r["frame"] for r in rsp] != frames:
        fail.append("%s: responses in frames %s, want %s" % (name, [r["frame"] for r in rsp], frames))
    if len([r for r in recs if r["func"] == 1]) != len(frames):
        fail.append("%s: %d READs" % (name, len([r for r in recs if r["func"] == 1])))
    for r in rsp:
        objs = r.get("objects")
        if whole_objects is None:
            whole_objects = objs
        if objs != whole_objects or r.get("findings") or "decode_error" in r or r.get("complete") is False:
            fail.append("%s frame %d: response decodes otherwise than the whole one: %s" % (name, r["frame"], r))
    if len(whole_objects or []) != 5:
        fail.append("%s: the response has %d object headers, want 5" % (name, len(whole_objects or [])))
    # the text form too: one RESPONSE line per response
    text = run("decode", name + ".pcap")
    if text.count("RESPONSE seq=") != len(frames):
        fail.append("%s: decode (text) shows %d responses, want %d" % (name, text.count("RESPONSE seq="), len(frames)))
    chk = json.loads(run("check", "--json", name + ".pcap"))
    f = chk["files"][0]
    if f["findings"] or f["summary"]["fragments"] != 2 * len(frames):
        fail.append("%s: check --json: %d fragments, findings %s" % (name, f["summary"]["fragments"], f["findings"]))

# What cannot be reassembled is named at the frame where it is given up.
for name, finding, frame in [("ip_fragment_incomplete", "ip_fragment_incomplete", 4),
                             ("ip_fragment_timeout", "ip_fragment_incomplete", 5),
                             ("ip_fragment_overlap", "ip_fragment_overlap", 6),
                             ("ip_fragment_too_large", "ip_fragment_limit", 5)]:
    chk = json.loads(run("check", "--json", name + ".pcap"))
    got = [(x["frame"], x["name"], x["layer"]) for x in chk["files"][0]["findings"]]
    if (frame, finding, "capture") not in got:
        fail.append("%s: check --json lacks %s at frame %d: %s" % (name, finding, frame, got))
    if not any(x["name"] == finding and "IPv4 datagram from frame 4" in x["detail"] for x in chk["files"][0]["findings"]):
        fail.append("%s: %s does not name the datagram's first frame: %s" % (name, finding, chk["files"][0]["findings"]))

for m in fail:
    print("FAIL " + m)
if not fail:
    print("ip fragments: reassembled responses decode as whole ones; unreassemblable ones are named")
sys.exit(1 if fail else 0)
PY
