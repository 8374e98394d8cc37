#!/usr/bin/env python3
"""Every request in a dnp3-master recording means in tshark's built-in DNP3
dissector what the master intended: per request frame, the function code,
the object headers (group, variation), each header's qualifier prefix and
range codes, its count or start/stop, and each CROB's operation type and
trip/close code equal what `dnp3-pcap decode --json` reads from the same
bytes (and dnp3-pcap is itself checked against tshark and IEEE 1815 on real
captures by shared_vs_tshark.sh). Usage: master_tshark.py DNP3_PCAP CAPTURE PORT"""
import json
import subprocess
import sys

pcap_tool, capture, port = sys.argv[1], sys.argv[2], sys.argv[3]
FIELDS = ["frame.number", "dnp3.al.func", "dnp3.al.obj", "dnp3.al.objq.prefix", "dnp3.al.objq.range",
          "dnp3.al.range.quantity", "dnp3.al.range.start", "dnp3.al.range.stop", "dnp3.ctl.op", "dnp3.ctl.trip"]
cmd = ["tshark", "-r", capture, "-d", f"tcp.port=={port},dnp3", "-T", "fields", "-E", "occurrence=a",
       "-E", "aggregator=|"]
for f in FIELDS:
    cmd += ["-e", f]
out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
ts = {}
for line in out.splitlines():
    cols = line.split("\t")
    cols += [""] * (len(FIELDS) - len(cols))
    row = {f: [v for v in c.split("|") if v != ""] for f, c in zip(FIELDS, cols)}
    if row["dnp3.al.func"]:
        ts[int(row["frame.number"][0])] = row

dec = subprocess.run([pcap_tool, "decode", "--json", "-p", port, capture], capture_output=True, text=True,
                     check=True).stdout
fail = 0
checked = 0
crobs = 0


def bad(frame, what, kit, shark):
    global fail
    fail += 1
    print(f"FAIL frame {frame}: {what}: dnp3kit {kit}, tshark {shark}")


# All fragments completing in a frame, in order (one TCP segment may carry a
# confirm and the next request).
frames = {}
for line in dec.splitlines():
    d = json.loads(line)
    frames.setdefault(d["frame"], []).append(d)

requests = 0
for fr, ds in sorted(frames.items()):
    t = ts.get(fr)
    if t is None:
        bad(fr, "missing in tshark", [d["func"] for d in ds], None)
        continue
    checked += 1
    requests += sum(1 for d in ds if d["dir"] == "master" and d["func"] != 0)
    objs = [o for d in ds for o in d.get("objects", [])]
    if [int(x) for x in t["dnp3.al.func"]] != [d["func"] for d in ds]:
        bad(fr, "functions", [d["func"] for d in ds], t["dnp3.al.func"])
    kit_obj = [o["group"] << 8 | o["variation"] for o in objs]
    if [int(x, 16) for x in t["dnp3.al.obj"]] != kit_obj:
        bad(fr, "objects", kit_obj, t["dnp3.al.obj"])
    if [int(x) for x in t["dnp3.al.objq.prefix"]] != [(o["qualifier"] >> 4) & 7 for o in objs]:
        bad(fr, "prefix codes", [o["qualifier"] for o in objs], t["dnp3.al.objq.prefix"])
    if [int(x) for x in t["dnp3.al.objq.range"]] != [o["qualifier"] & 15 for o in objs]:
        bad(fr, "range codes", [o["qualifier"] for o in objs], t["dnp3.al.objq.range"])
    if [int(x) for x in t["dnp3.al.range.quantity"]] != [o["count"] for o in objs if "count" in o]:
        bad(fr, "counts", [o.get("count") for o in objs], t["dnp3.al.range.quantity"])
    if [int(x) for x in t["dnp3.al.range.start"]] != [o["start"] for o in objs if "start" in o] or \
       [int(x) for x in t["dnp3.al.range.stop"]] != [o["stop"] for o in objs if "stop" in o]:
        bad(fr, "ranges", [(o.get("start"), o.get("stop")) for o in objs],
            (t["dnp3.al.range.start"], t["dnp3.al.range.stop"]))
    codes = [p["code"] for o in objs if o["group"] == 12 and o["variation"] == 1 for p in o.get("points", [])]
    if codes:
        crobs += len(codes)
        if [int(x) for x in t["dnp3.ctl.op"]] != [c & 15 for c in codes] or \
           [int(x) for x in t["dnp3.ctl.trip"]] != [c >> 6 for c in codes]:
            bad(fr, "CROB op/trip-close", [hex(c) for c in codes], (t["dnp3.ctl.op"], t["dnp3.ctl.trip"]))

if requests == 0 or crobs == 0:
    print(f"FAIL: nothing compared ({requests} requests, {crobs} CROBs)")
    fail += 1
print(f"master recording vs tshark: {checked} frames ({requests} requests), {crobs} CROBs compared, "
      f"{fail} differences")
sys.exit(1 if fail else 0)
