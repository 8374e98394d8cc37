#!/usr/bin/env python3
"""The shipped colouring rules (dissector/dnp3kit.colorfilters) with the real tshark.

    dissector_colors.py BUILD_DIR SOURCE_DIR [SHARED_CAPTURES]

- every rule's filter compiles (tshark -Y FILTER), and tshark reads the file
  as its profile's colorfilters without a warning;
- with the file as the profile's colorfilters, `tshark -2 --color` gives each
  frame (frame.coloring_rule.name) the first rule, top to bottom, whose
  condition holds for that frame by `dnp3-pcap decode --json` (function codes,
  IIN) and `dnp3-pcap check --json` (findings), on every crafted capture and
  a sample of the shared ones. The last rule (any dnp3kit frame) is judged by
  frame.protocols.
"""
import json
import os
import re
import shutil
import sys
from collections import defaultdict

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dissector_run as dr  # noqa: E402
import dissector_tables as dt  # noqa: E402  (run: argv, staging environment)

SHARED = ["GAN-NIDS/dnp3.pcap", "zeek/dnp3.pcap", "suricata-verify/dnp3-eve.pcap",
          "ICS-Security-Tools/dnp3_test_data_part1.pcap", "ICS-Security-Tools/auth_control_challenge_response.pcap",
          "ICS-Security-Tools/cold_restart_and_response.pcap", "ICS-Security-Tools/direct_operate_analog_output.pcap",
          "zeek/dnp3_file_write.pcap"]
IIN_ERROR = 0x003F      # IIN2.0-2.5: no func code support ... config corrupt
IIN_RESTART = 0xC000    # IIN1.7 device restart, IIN1.6 device trouble
# What each rule means, in dnp3-pcap's terms (same order as the file).
RULES = {
    "DNP3kit bad CRC": lambda r: r["names"] & {"link_bad_header_crc", "link_bad_block_crc"},
    "DNP3kit error finding": lambda r: r["errors"],
    "DNP3kit secure authentication": lambda r: r["funcs"] & {32, 33, 131},
    "DNP3kit control": lambda r: r["funcs"] & {3, 4, 5, 6},
    "DNP3kit restart or application control": lambda r: r["funcs"] & set(range(13, 19)),
    "DNP3kit IIN error": lambda r: r["iin"] & IIN_ERROR,
    "DNP3kit IIN restart or trouble": lambda r: r["iin"] & IIN_RESTART,
    "DNP3kit unsolicited response": lambda r: 130 in r["funcs"],
    "DNP3kit": lambda r: r["dnp3kit"],
}
# Findings reported when a stream ends: the plugin puts them on the stream's
# last PDU (dnp3-pcap on the frame where the stream ended, or none).
END_OF_STREAM = {"transport_incomplete", "session_no_response", "session_con_not_confirmed", "link_garbage"}
# Frames where Wireshark's IP/TCP layer hands the plugin other octets than
# dnp3-pcap reads (dissector_run.TCP_EXPLAINED gives the reasons); each must
# still differ, so the list cannot go stale.
EXPLAINED = {("captures/ip_fragment_overlap.pcap", 6): "overlapping IP fragments: Wireshark reassembles one copy, "
             "whose octets fail their link CRC; dnp3-pcap drops the datagram (see TCP_EXPLAINED)"}


def read_rules(path):
    rules = []
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^@([^@]+)@([^@]+)@\[(\d+),(\d+),(\d+)\]\[(\d+),(\d+),(\d+)\]$", line.rstrip("\n"))
        if m:
            rules.append((m.group(1), m.group(2)))
        elif line.strip() and not line.startswith("#"):
            raise SystemExit("FAIL %s: not a colouring rule: %r" % (path, line))
    return rules


def kit_frames(env, rel, path):
    frames = defaultdict(lambda: dict(funcs=set(), iin=0, names=set(), errors=False, dnp3kit=False))
    p = dr.subprocess.run([env.pcap, "decode", "--json", "-j", "1"] + dr.port_args(rel)[1] + [path],
                          stdout=dr.subprocess.PIPE, stderr=dr.subprocess.PIPE)
    for line in p.stdout.decode().splitlines():
        if line.strip():
            r = json.loads(line)
            if "func" in r:
                frames[r["frame"]]["funcs"].add(r["func"])
                frames[r["frame"]]["iin"] |= r.get("iin_raw", 0)
    for f in dr.kit_check(env, rel, path):
        if f["name"] in dr.CAPTURE_FINDINGS or f["name"] in END_OF_STREAM or "frame" not in f:
            continue
        frames[f["frame"]]["names"].add(f["name"])
        if f["severity"] == "error":
            frames[f["frame"]]["errors"] = True
    return frames


def colors(env, F):
    src = os.path.join(env.src, "dissector", "dnp3kit.colorfilters")
    rules = read_rules(src)
    if [n for n, _f in rules] != list(RULES):
        F.fail("rules in the file %s, the test knows %s" % ([n for n, _f in rules], list(RULES)))
    clean = env.stage(os.path.join(env.src, "captures", "clean_session.pcap"))
    for name, flt in rules:
        rc, _o, err = env.tshark(["-n", "-r", clean, "-c", "1", "-Y", flt], check=False)
        if rc != 0:
            F.fail("rule %r: filter %r does not compile: %s" % (name, flt, err.strip()[-300:]))
        else:
            F.ok += 1
    prof = os.path.join(env.home, ".config", "wireshark")
    os.makedirs(prof, exist_ok=True)
    shutil.copy(src, os.path.join(prof, "colorfilters"))
    for root, _d, files in os.walk(os.path.join(env.home, ".config")):
        os.chmod(root, 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)
    caps = dr.captures(env, shared=False)
    caps += [(rel, os.path.join(env.shared, rel)) for rel in SHARED
             if env.shared and os.path.exists(os.path.join(env.shared, rel))]
    used = set()
    nframes = 0
    for rel, path in caps:
        staged = env.stage(path, rel.replace("/", "__"))
        _rc, out, err = env.tshark(["-2", "--color", "-n", "-r", staged] + dr.port_args(rel)[0] + dr.TCP_PREFS +
                                   ["-T", "fields", "-e", "frame.number", "-e", "frame.coloring_rule.name",
                                    "-e", "frame.protocols"])
        if "colorfilters" in err:
            F.fail("%s: tshark on the colorfilters file: %s" % (rel, err.strip()[-300:]))
        kit = kit_frames(env, rel, path)
        for line in out.splitlines():
            cols = (line.split("\t") + ["", ""])[:3]
            num = int(cols[0])
            r = kit[num]
            r["dnp3kit"] = "dnp3kit" in cols[2].split(":")
            want = next((n for n, pred in RULES.items() if pred(r)), "")
            if (rel, num) in EXPLAINED:
                if cols[1] == want:
                    F.fail("%s frame %d: explained difference no longer there" % (rel, num))
                continue
            if cols[1] != want:
                F.fail("%s frame %d: coloured %r, dnp3-pcap's view says %r (%s)" %
                       (rel, num, cols[1], want, {k: sorted(v) if isinstance(v, set) else v for k, v in r.items()}))
            else:
                F.ok += 1
                nframes += 1
                used.add(cols[1])
    print("%d frames of %d captures coloured as expected" % (nframes, len(caps)))
    missing = [n for n in RULES if n not in used]
    if len(caps) < len(dr.captures(env, shared=False)) + len(SHARED):
        print("shared captures absent: not every rule can be exercised (%s unused)" % missing)
    elif missing:
        F.fail("rules that selected no frame of any capture (untested): %s" % missing)
    return F.done("colouring rules")


if __name__ == "__main__":
    sys.exit(dt.run(__doc__, colors))
