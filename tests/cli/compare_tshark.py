#!/usr/bin/env python3
"""Compare dnp3-pcap with tshark and with the publishers' expected results.

Called by shared_vs_tshark.sh after it has run every tool on every capture:

    compare_tshark.py --captures DIR --work OUTDIR --jobs JOBLIST

OUTDIR holds, per capture (path with '/' -> '__'):
  .rc          "<run> <exit status>" lines          .tshark      tshark -T fields output
  .decode      decode --json (JSON Lines)           .decode_any  decode --json --any-port
  .check       check (text)                         .checkjson   check --json

Checks, each a failure when it does not hold:
  1. every dnp3-pcap run exits 0 or 1 and tshark exits 0;
  2. --any-port decodes exactly what the port list decodes (no DNP3 elsewhere);
  3. per frame in which application fragments complete: function codes and
     the ordered (group, variation) object headers equal tshark's, except the
     differences in TSHARK_EXPLAINED below, each decided by IEEE 1815-2012;
  4. the Zeek btest event dumps (*.zeek-output.txt): function code and object
     headers of every fragment, in order (ZEEK_EXPLAINED for the exceptions);
  5. the Zeek dnp3.log files (*.zeek-dnp3.log, *.automayt-zeek-dnp3.log):
     per connection, reply function codes and IIN in order, and the request
     function codes as an ordered subsequence of dnp3-pcap's requests;
  6. Suricata test.yaml files: the dnp3 eve records (function code, control
     bits, sequence, link addresses, object headers, IIN indicators), record
     counts and the rule outcomes that can be restated on decoded fragments;
  7. every error-level finding of `check` is judged in ERROR_FINDINGS.

An entry whose verdict is "dnp3kit" is a dnp3kit bug awaiting a fix: it is an
expected failure (XFAIL). When dnp3kit stops giving the recorded wrong answer
the test fails (XPASS) so the entry gets removed. Every other entry must still
describe a live difference, so the tables cannot go stale silently.
Python standard library only.
"""
import argparse
import json
import os
import re
import sys
from collections import defaultdict

# ---------------------------------------------------------------------------
# Differences with tshark 4.0.17, each checked against the bytes.
# frames: list of frame numbers, or "*" = every frame of that capture whose
# two answers are exactly the ones given. Answers: (function codes, object
# headers) of the fragments completing in that frame, in order.
# verdict: "dnp3kit-right" (tshark is wrong or incomplete) or "dnp3kit" (bug,
# XFAIL; "expected" is what dnp3kit should say).
# ---------------------------------------------------------------------------
G60_123 = [(60, 2), (60, 3), (60, 4)]

TSHARK_EXPLAINED = [
    dict(capture="GAN-NIDS/dnp3.pcap", frames="*",
         tshark=([24], []), kit=([24], G60_123), verdict="dnp3kit-right",
         clause="4.4 / table 4-1 (RECORD_CURRENT_TIME takes no objects), 4.2.2.7",
         why="RECORD_CURRENT_TIME requests of this master carry 3c 02 06 3c 03 06 3c 04 06 "
             "(g60v2-4 q0x06) after the header; tshark dissects objects only for the function "
             "codes it expects to have them and shows none. The headers are in the bytes; "
             "dnp3kit lists them and flags app_objects_not_expected."),
    dict(capture="GAN-NIDS/dnp3.pcap", frames="*",
         tshark=([13], []), kit=([13], G60_123), verdict="dnp3kit-right",
         clause="4.4 / table 4-1 (COLD_RESTART takes no objects), 4.2.2.7",
         why="COLD_RESTART requests carry the same 9 octets of g60v2-4 headers; as above."),
    dict(capture="GAN-NIDS/dnp3.pcap", frames=[14],
         tshark=([129], [(1, 2), (3, 2), (30, 5), (30, 1), (20, 1), (21, 1), (10, 2), (40, 1), (50, 4)]),
         kit=([129], [(1, 2), (3, 2), (30, 5), (30, 1), (20, 1), (21, 1), (10, 2), (40, 1), (50, 4),
                      (110, 1)]),
         verdict="dnp3kit-right", clause="annex A g50v4 (11 octets), g110 (variation = length)",
         why="32 04 00 00 09: 10 x 11 octets of g50v4, then 6e 01 00 00 09: 10 one-octet "
             "strings end exactly at octet 404. tshark 4.0.17 does not know g50v4 ('Unknown "
             "Object\\Variation', Malformed) and stops there."),
    dict(capture="ICS-Security-Tools/auth_control_challenge_response.pcap", frames=[2],
         tshark=([131], []), kit=([131], [(120, 1)]), verdict="dnp3kit-right",
         clause="7 (secure authentication), A.45 g120v1",
         why="AUTHENTICATE_RESP: 78 01 5b 01 0c 00 + 12 octets (CSQ 3, user 0, MAC alg 4, "
             "reason 1, challenge 'stev') fills the fragment; tshark does not dissect objects "
             "of function 0x83."),
    dict(capture="ICS-Security-Tools/auth_control_challenge_response.pcap", frames=[3],
         tshark=([32], []), kit=([32], [(120, 2)]), verdict="dnp3kit-right",
         clause="7 (secure authentication), A.45 g120v2",
         why="AUTHENTICATE_REQ: 78 02 5b 01 16 00 + 22 octets (CSQ 3, user 1, 16-octet MAC) "
             "fills the fragment; tshark does not dissect objects of function 0x20."),
    dict(capture="ICS-Security-Tools/dnp3_test_data_part1.pcap", frames=[163, 166, 174, 176],
         tshark=([18], []), kit=([18], [(60, 2), (1, 7), (60, 4)]), verdict="dnp3kit-right",
         clause="4.2.2.7 (range code 6: no range field, no objects follow), annex A (g1 has v0-v2)",
         why="STOP_APPL c1 12 3c 02 06 01 07 06 3c 04 ed. tshark does not dissect STOP_APPL "
             "objects at all. Header 1 'g1v7 q0x06' is well formed (an undefined object: "
             "app_unknown_object); header 2 g60v4 has the reserved qualifier 0xED: listed, and "
             "it ends the walk (app_unknown_qualifier). Regression test in tests/test_app.c."),
    dict(capture="zeek/dnp3.pcap", frames=[163, 166, 174, 176],
         tshark=([18], []), kit=([18], [(60, 2), (1, 7), (60, 4)]), verdict="dnp3kit-right",
         clause="4.2.2.7", why="same bytes as dnp3_test_data_part1.pcap frames 163-176."),
    dict(capture="ICS-Security-Tools/opendnp3-3-conformance/6.6.2.5.pcap", frames=[8],
         tshark=([1], G60_123 + [(60, 1)]), kit=None, verdict="dnp3kit-right",
         clause="9.2.4.1.3 / table 9-1 (TEST_LINK_STATES carries no user data)",
         why="link control 0xC2 = TEST_LINK_STATES with LENGTH 20; the outstation ignored it. "
             "dnp3kit reports link_unexpected_payload (and link_fcv_mismatch) and delivers "
             "nothing; tshark decodes a READ."),
    dict(capture="ICS-Security-Tools/opendnp3-3-conformance/8.14.2.12.pcap", frames=[10],
         tshark=([129], [(51, 2)]), kit=([129], [(51, 2), (2, 3)]), verdict="dnp3kit-right",
         clause="annex A g51v2 (CTO, 6 octets), g2v3 (5 octets with 2-octet index prefix)",
         why="33 02 07 01 + 6 octets of time, then 02 03 28 .. events with relative time fill "
             "the fragment; tshark 4.0.17 does not know g51v2 and stops."),
    dict(capture="ICS-Security-Tools/opendnp3-3-conformance/8.14.2.14.pcap", frames=[10, 16],
         tshark=([129], [(51, 2)]), kit=([129], [(51, 2), (2, 3)]), verdict="dnp3kit-right",
         clause="annex A g51v2, g2v3", why="as 8.14.2.12 frame 10."),
    dict(capture="ICS-Security-Tools/opendnp3-3-conformance/8.22.2.12.pcap", frames=[10],
         tshark=([129], [(51, 2)]), kit=([129], [(51, 2), (4, 3)]), verdict="dnp3kit-right",
         clause="annex A g51v2, g4v3",
         why="33 02 07 01 + time, then 04 03 28 03 00 + 3 x 5 octets end at octet 34 exactly."),
    dict(capture="ICS-Security-Tools/opendnp3-3-conformance/8.22.2.14.pcap", frames=[10, 16],
         tshark=([129], [(51, 2)]), kit=([129], [(51, 2), (2, 3)]), verdict="dnp3kit-right",
         clause="annex A g51v2, g2v3", why="as 8.14.2.12 frame 10."),
    dict(capture="arkime/dnp3_synthetic.pcap", frames=[13],
         tshark=([129], [(1, 2)]), kit=([129], []), verdict="dnp3kit-right",
         clause="4.2.2.7 (range code 3: a 1-octet start and stop address, 2 octets)",
         why="01 02 03: g1v2 with qualifier 0x03 (absolute-address range code), 0 octets after: "
             "its 2-octet range field is missing. tshark lists it then Malformed; dnp3kit: "
             "app_header_truncated on header 0 g1v2 (a header without its range is not listed)."),
]

# Zeek btest event dumps: index = 1-based fragment number in capture order.
ZEEK_EXPLAINED = [
]

# Suricata count / rule checks that depend on Suricata's own behaviour, not on
# 1815: documented and skipped.
SURICATA_NOT_COMPARED = {
    ("dnp3-flood", 2270000): "Suricata 'flooded' event: more than its request-flood limit (32) of "
                             "unanswered requests in one flow; dnp3kit has no such limit "
                             "(check reports session_no_response per unanswered SELECT).",
    ("dnp3-max-objects", 2270006): "Suricata 'too_many_objects' event with max-objects: 7 in its "
                                   "suricata.yaml; a Suricata resource limit, not a protocol rule.",
    ("dnp3-dnp3_data-alert", 7): "content |15 ab| over Suricata's dnp3_data buffer: raw octets that "
                                 "dnp3-pcap decode --json does not expose; count 0 not restated.",
}

# Every error-level finding `dnp3-pcap check` raises on the shared captures,
# judged against the bytes. (capture, finding) -> frames. A new error finding,
# or one that moves, fails the test until it is judged here. verdict
# "dnp3kit" = false positive / wrong finding awaiting a fix (XFAIL).
ERROR_FINDINGS = {
    ("ICS-Security-Tools/DNP3-RequestLink.pcap", "link_bad_header_crc"): dict(
        frames=[6], verdict="justified",
        why="reply 05 64 00 .. with CRC 00 00: header CRC wrong and LENGTH 0 (clause 9.2.4.1.3)"),
    ("ICS-Security-Tools/DNP3-RequestLinkStatus.pcap", "link_bad_header_crc"): dict(
        frames=[6], verdict="justified", why="as DNP3-RequestLink.pcap"),
    ("ICS-Security-Tools/DNP3-SelectOperateRequest.pcap", "link_bad_header_crc"): dict(
        frames=[6], verdict="justified", why="as DNP3-RequestLink.pcap"),
    ("ICS-Security-Tools/direct_operate_crob_malform_but_good_crc.pcap", "app_object_truncated"): dict(
        frames=[1], verdict="justified", why="g12v1 q0x28 count 2 with data for 1 CROB (13 of 26 octets)"),
    ("ICS-Security-Tools/dnp3_test_data_part1.pcap", "app_unknown_qualifier"): dict(
        frames=[154, 156, 163, 166, 174, 176], verdict="justified",
        why="qualifier 0xED (reserved bit 7, range code 0xD): header 2 of frames 154/156 (READ) "
            "and of frames 163-176 (STOP_APPL)"),
    ("zeek/dnp3.pcap", "app_unknown_qualifier"): dict(
        frames=[154, 156, 163, 166, 174, 176], verdict="justified",
        why="same bytes as dnp3_test_data_part1.pcap"),
    ("ICS-Security-Tools/dnp3_test_data_part1.pcap", "app_unknown_object"): dict(
        frames=[163, 166, 174, 176], verdict="justified",
        why="STOP_APPL header 1 is g1v7; group 1 defines variations 0-2 only (annex A)"),
    ("ICS-Security-Tools/dnp3_test_data_part2.pcap", "app_unknown_object"): dict(
        frames=[19, 22, 25, 28, 31], verdict="justified",
        why="READ g255v0 q0x06: group 255 is not defined; the outstation answers with "
            "IIN OBJECT_UNKNOWN|PARAMETER_ERROR (frames 20, 23, ...)"),
    ("zeek/dnp3.pcap", "app_unknown_object"): dict(
        frames=[163, 166, 174, 176, 200, 203, 206, 209, 212], verdict="justified",
        why="same bytes as dnp3_test_data_part1 (g1v7) and part2 (g255v0)"),
    ("ICS-Security-Tools/dnp3_test_data_part1.pcap", "session_response_seq_mismatch"): dict(
        frames=[164, 167], verdict="justified",
        why="STOP_APPL requests SEQ 1 (frames 163, 166) answered with SEQ 3 and SEQ 4 (clause 4.2.2.4)"),
    ("zeek/dnp3.pcap", "session_response_seq_mismatch"): dict(
        frames=[164, 167], verdict="justified", why="same bytes as dnp3_test_data_part1.pcap"),
    ("ICS-Security-Tools/opendnp3-3-conformance/6.6.2.2.pcap", "link_reserved_function"): dict(
        frames=[14, 16], verdict="justified",
        why="primary link function codes 5 and 10 (control 0xC5, 0xCA), table 9-1; test 6.6.2.2"),
    ("ICS-Security-Tools/opendnp3-3-conformance/6.6.2.5.pcap", "link_unexpected_payload"): dict(
        frames=[8, 10, 12], verdict="justified",
        why="TEST_LINK_STATES, RESET_LINK_STATES, REQUEST_LINK_STATUS with LENGTH 20 (table 9-1)"),
    ("ICS-Security-Tools/opendnp3-3-conformance/8.2.1.2.14.pcap", "session_operate_without_select"): dict(
        frames=[12], verdict="justified",
        why="second OPERATE (SEQ 2) after the selection was used by OPERATE SEQ 1; outstation "
            "answers status 2 NO_SELECT (clause 4.4.3; test 'Incrementing Sequence Number Operate Retries')"),
    ("ICS-Security-Tools/opendnp3-3-conformance/8.4.1.2.11.pcap", "session_operate_without_select"): dict(
        frames=[12], verdict="justified", why="as 8.2.1.2.14, analog output"),
    ("ICS-Security-Tools/opendnp3-3-conformance/8.2.1.2.6.pcap", "session_operate_mismatch"): dict(
        frames=[8], verdict="justified", why="OPERATE on-time differs from SELECT; outstation status 2"),
    ("ICS-Security-Tools/opendnp3-3-conformance/8.2.1.2.7.pcap", "session_operate_mismatch"): dict(
        frames=[8], verdict="justified", why="OPERATE off-time differs from SELECT; outstation status 2"),
    ("ICS-Security-Tools/opendnp3-3-conformance/8.2.1.2.8.pcap", "session_operate_mismatch"): dict(
        frames=[8], verdict="justified", why="OPERATE control code differs from SELECT; outstation status 2"),
    ("ICS-Security-Tools/opendnp3-3-conformance/8.4.1.2.5.pcap", "session_operate_mismatch"): dict(
        frames=[8], verdict="justified", why="OPERATE value differs from SELECT; outstation status 2"),
    ("arkime/dnp3_synthetic.pcap", "app_object_truncated"): dict(
        frames=[9], verdict="justified",
        why="WRITE g0v1 q0x02 start 0x06050403 stop 0x0a090807 over 19 filler octets: device "
            "attributes (data type, length, value each) for that range cannot fit"),
    ("arkime/dnp3_synthetic.pcap", "app_header_truncated"): dict(
        frames=[13], verdict="justified",
        why="g1v2 qualifier 0x03 (range code 3: 1-octet start and stop address) with no range field after it"),
    ("suricata-verify/dnp3-too-long-reassembly-request.pcap", "transport_message_too_large"): dict(
        frames=[20], verdict="justified",
        why="65 max-size segments of one message exceed --max-message 2048 (Suricata: too_long_reassembly)"),
}

# Which capture each Suricata test reads (hyphen names; some use ../dnp3-eve/input.pcap).
SURICATA_PCAP = {
    "dnp3-eve": "suricata-verify/dnp3-eve.pcap",
    "dnp3-flood": "suricata-verify/dnp3-flood.pcap",
    "dnp3-too-long-reassembly-request": "suricata-verify/dnp3-too-long-reassembly-request.pcap",
    "dnp3-max-objects": "suricata-verify/dnp3-eve.pcap",
    "dnp3-ind-keyword": "suricata-verify/dnp3-eve.pcap",
    "dnp3-dnp3_func-alert": "suricata-verify/dnp3-eve.pcap",
    "dnp3-dnp3_obj-alert": "suricata-verify/dnp3-eve.pcap",
    "dnp3-dnp3_data-alert": "suricata-verify/dnp3-eve.pcap",
    "dnp3-en-spon": "zeek/dnp3_en_spon.pcap",
    "dnp3-file-del": "zeek/dnp3_file_del.pcap",
    "dnp3-file-write": "zeek/dnp3_file_write.pcap",
    "dnp3-select-operate": "zeek/dnp3_select_operate.pcap",
    "dnp3-write": "zeek/dnp3_write.pcap",
}

RESPONSE_FUNCS = {129, 130, 131}


class Result:
    def __init__(self):
        self.failures = []
        self.xfail = []
        self.explained = []
        self.checks = 0
        self.by_kind = defaultdict(int)

    def fail(self, msg):
        self.failures.append(msg)

    def ok(self, kind="other"):
        self.checks += 1
        self.by_kind[kind] += 1


R = Result()


def key_of(rel):
    return rel.replace("/", "__")


def load_kit(path):
    recs = []
    try:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    recs.append(json.loads(line))
                except ValueError as e:
                    R.fail("%s:%d: not JSON (%s)" % (path, n, e))
    except OSError as e:
        R.fail("cannot read %s: %s" % (path, e))
    return recs


def objs(rec):
    return [(o["group"], o["variation"]) for o in rec.get("objects", [])]


def by_frame_kit(recs):
    out = {}
    for r in recs:
        e = out.setdefault(r["frame"], ([], []))
        e[0].append(r["func"])
        e[1].extend(objs(r))
    return out


def load_tshark(path):
    out = {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            p = line.rstrip("\n").split("\t")
            if len(p) < 2 or not p[0].strip():
                continue
            fc = p[1]
            ob = p[2] if len(p) > 2 else ""
            if not fc and not ob:
                continue
            funcs = [int(x, 0) for x in fc.split(",") if x]
            ol = []
            for x in ob.split(","):
                if x:
                    v = int(x, 0)
                    ol.append((v >> 8, v & 0xFF))
            out[int(p[0])] = (funcs, ol)
    return out


def norm(ans):
    if ans is None:
        return None
    return (list(ans[0]), [tuple(x) for x in ans[1]])


def fmt(ans):
    if ans is None:
        return "nothing"
    f, o = ans
    return "func %s objects [%s]" % (",".join(map(str, f)),
                                     " ".join("g%dv%d" % t for t in o))


# ---------------------------------------------------------------------------
def check_exit_codes(rel, outdir):
    path = os.path.join(outdir, key_of(rel) + ".rc")
    try:
        lines = open(path, encoding="utf-8").read().split("\n")
    except OSError:
        R.fail("%s: tools did not run (no %s)" % (rel, path))
        return False
    seen = 0
    for line in lines:
        if not line.strip():
            continue
        run, rc = line.rsplit(" ", 1)
        rc = int(rc)
        seen += 1
        if run == "tshark":
            if rc != 0:
                R.fail("%s: tshark exited %d" % (rel, rc))
        elif rc == 3 and run.startswith("check"):
            # 3 = the capture holds no DNP3 on the port: then decode found none either
            dec = os.path.join(outdir, key_of(rel) + (".decode_any" if "any-port" in run else ".decode"))
            if os.path.exists(dec) and os.path.getsize(dec) > 0:
                R.fail("%s: check %s said no DNP3 (exit 3) but decode printed records" % (rel, run))
            else:
                R.ok("exit status")
        elif rc not in (0, 1):  # 2 = usage/I-O error, >1 or signal = crash
            err = ""
            try:
                err = open(os.path.join(outdir, key_of(rel) + (".check.err" if run.startswith("check")
                                                                 else ".decode.err")),
                           encoding="utf-8", errors="replace").read()[-400:]
            except OSError:
                pass
            R.fail("%s: dnp3-pcap %s exited %d (crash or error) %s" % (rel, run, rc, err.strip()))
        else:
            R.ok("exit status")
    if seen != 6:
        R.fail("%s: expected 6 runs, found %d" % (rel, seen))
    return True


def frames_match(entry, frame):
    return entry["frames"] == "*" or frame in entry["frames"]


def compare_tshark(rel, kit_frames, ts_frames):
    diffs = []
    for fr in sorted(set(kit_frames) | set(ts_frames)):
        a = norm(ts_frames.get(fr))
        b = norm(kit_frames.get(fr))
        if a != b:
            diffs.append((fr, a, b))
        else:
            R.ok("tshark frame")
    used = defaultdict(set)
    for fr, a, b in diffs:
        hit = None
        for i, e in enumerate(TSHARK_EXPLAINED):
            if e["capture"] != rel or not frames_match(e, fr):
                continue
            if norm(e["tshark"]) == a and norm(e["kit"]) == b:
                hit = i
                break
        if hit is None:
            # A kit-bug entry whose kit answer changed: the bug moved or got fixed.
            for e in TSHARK_EXPLAINED:
                if e["capture"] == rel and frames_match(e, fr) and e["verdict"] == "dnp3kit" \
                        and norm(e.get("expected")) == b:
                    R.fail("%s frame %d: XPASS, dnp3kit now says %s as expected; remove the "
                           "TSHARK_EXPLAINED mark" % (rel, fr, fmt(b)))
                    break
            else:
                R.fail("%s frame %d: UNEXPLAINED difference: tshark %s, dnp3kit %s"
                       % (rel, fr, fmt(a), fmt(b)))
            continue
        used[hit].add(fr)
        e = TSHARK_EXPLAINED[hit]
        if e["verdict"] == "dnp3kit":
            R.xfail.append("%s frame %d: dnp3kit %s, should be %s (tshark %s)"
                           % (rel, fr, fmt(b), fmt(norm(e["expected"])), fmt(a)))
        else:
            R.explained.append((rel, fr, hit))
    for i, e in enumerate(TSHARK_EXPLAINED):
        if e["capture"] != rel:
            continue
        want = set() if e["frames"] == "*" else set(e["frames"])
        missing = want - used[i]
        if e["frames"] == "*" and not used[i]:
            missing = {"*"}
        for fr in sorted(missing, key=str):
            cur = "tshark %s, dnp3kit %s" % (fmt(norm(ts_frames.get(fr))), fmt(norm(kit_frames.get(fr)))) \
                if fr != "*" else "no such difference left"
            if e["verdict"] == "dnp3kit":
                R.fail("%s frame %s: XPASS or changed (%s): dnp3kit no longer gives the recorded wrong "
                       "answer; re-judge and remove/update the TSHARK_EXPLAINED mark" % (rel, fr, cur))
            else:
                R.fail("%s frame %s: stale TSHARK_EXPLAINED entry (%s)" % (rel, fr, cur))


# ---------------------------------------------------------------------------
def zeek_events(path):
    frags = []
    for line in open(path, encoding="utf-8", errors="replace"):
        p = [x.strip() for x in line.split(",")]
        if p[0] in ("dnp3_application_request_header", "dnp3_application_response_header"):
            frags.append([int(p[3]), [], p[1] == "T"])
        elif p[0] == "dnp3_object_header" and frags:
            t = int(p[2])
            frags[-1][1].append((t >> 8, t & 0xFF))
    return frags


def compare_zeek_events(rel_out, kits):
    rel = rel_out.replace(".zeek-output.txt", ".pcap")
    if rel not in kits:
        R.fail("%s: no capture %s" % (rel_out, rel))
        return
    z = zeek_events(os.path.join(ARGS.captures, rel_out))
    k = kits[rel]
    if len(z) != len(k):
        R.fail("%s: Zeek has %d application fragments, dnp3kit %d" % (rel_out, len(z), len(k)))
        return
    used = defaultdict(set)
    for (zf, zo, _orig), r in zip(z, k):
        za = (zf, zo)
        ka = (r["func"], objs(r))
        if za == ka:
            R.ok("zeek event fragment")
            continue
        fr = r["frame"]
        for i, e in enumerate(ZEEK_EXPLAINED):
            if e["capture"] == rel and fr in e["frames"] and (e["zeek"][0], list(e["zeek"][1])) == za:
                if (e["kit"][0], list(e["kit"][1])) == ka:
                    used[i].add(fr)
                    if e["verdict"] == "dnp3kit":
                        R.xfail.append("%s frame %d (Zeek): dnp3kit %s, should be %s" % (
                            rel, fr, ka, e["expected"]))
                    break
        else:
            R.fail("%s frame %d: UNEXPLAINED difference with Zeek events: Zeek func %d %s, "
                   "dnp3kit func %d %s" % (rel, fr, za[0], za[1], ka[0], ka[1]))
    for i, e in enumerate(ZEEK_EXPLAINED):
        if e["capture"] == rel:
            for fr in sorted(set(e["frames"]) - used[i]):
                R.fail("%s frame %d: ZEEK_EXPLAINED entry no longer matches (%s)" % (
                    rel, fr, "XPASS? re-judge" if e["verdict"] == "dnp3kit" else "stale"))


def parse_zeek_log(path):
    fields, rows = None, []
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if line.startswith("#fields"):
            fields = line.split("\t")[1:]
        elif line and not line.startswith("#") and fields:
            rows.append(dict(zip(fields, line.split("\t"))))
    return rows


def compare_zeek_log(rel_log, kits):
    rel = re.sub(r"\.(automayt-)?zeek-dnp3\.log$", ".pcap", rel_log)
    if rel not in kits:
        R.fail("%s: no capture %s" % (rel_log, rel))
        return
    rows = parse_zeek_log(os.path.join(ARGS.captures, rel_log))
    conns = defaultdict(list)
    for row in rows:
        conns[(row["id.orig_h"], row["id.orig_p"], row["id.resp_h"], row["id.resp_p"])].append(row)
    flows = defaultdict(list)
    for r in kits[rel]:
        flows[frozenset((r["src"], r["dst"]))].append(r)
    for c, zrows in conns.items():
        a, b = "%s:%s" % (c[0], c[1]), "%s:%s" % (c[2], c[3])
        recs = flows.get(frozenset((a, b)))
        if recs is None:
            R.fail("%s: dnp3kit decodes nothing on Zeek connection %s <-> %s" % (rel_log, a, b))
            continue
        zrep = [(x["fc_reply"], int(x["iin"])) for x in zrows if x["fc_reply"] != "-"]
        krep = [(r["func_name"], r["iin_raw"]) for r in recs if r["func"] in RESPONSE_FUNCS]
        if zrep != krep:
            R.fail("%s %s<->%s: replies differ:\n    Zeek    %s\n    dnp3kit %s" % (rel_log, a, b, zrep, krep))
        else:
            R.ok("zeek log replies")
        zreq = [x["fc_request"] for x in zrows if x["fc_request"] != "-"]
        kreq = iter([r["func_name"] for r in recs if r["func"] not in RESPONSE_FUNCS])
        if not all(any(q == k for k in kreq) for q in zreq):
            R.fail("%s %s<->%s: Zeek requests %s are not a subsequence of dnp3kit's %s" % (
                rel_log, a, b, zreq, [r["func_name"] for r in recs if r["func"] not in RESPONSE_FUNCS]))
        else:
            R.ok("zeek log requests")


# ---------------------------------------------------------------------------
def parse_suricata_yaml(path):
    """The subset used by suricata-verify test.yaml: top-level scalars and a
    'checks' list of '- filter:' maps with 'count', 'match' (flat key: value)
    and optional 'requires' (such filters are skipped)."""
    top, checks, cur, section = {}, [], None, None
    for raw in open(path, encoding="utf-8"):
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        ind = len(line) - len(line.lstrip())
        s = line.strip()
        if s.startswith("- filter:"):
            cur = {"count": None, "match": {}, "requires": False}
            checks.append(cur)
            section = None
            continue
        if ind == 0:
            section = None
            cur = None
            if ":" in s:
                k, v = s.split(":", 1)
                top[k.strip()] = v.strip()
            continue
        if cur is None:
            continue
        k, _, v = s.partition(":")
        k, v = k.strip(), v.strip()
        if k == "count" and section is None:
            cur["count"] = int(v)
        elif k in ("match", "requires") and not v:
            section = k
            if k == "requires":
                cur["requires"] = True
        elif section == "match":
            cur["match"][k] = v
    return top, checks


def yval(v):
    if v in ("true", "yes"):
        return True
    if v in ("false", "no"):
        return False
    try:
        return int(v, 0)
    except ValueError:
        return v.strip("'\"")


def kit_object_count(o):
    if "count" in o:
        return o["count"]
    if "start" in o and "stop" in o:
        return o["stop"] - o["start"] + 1
    return 0


def suricata_record_matches(m, r):
    """Compare the fields of one expected eve dnp3 record with one fragment."""
    errs = []
    for k, v in m.items():
        v = yval(v)
        k2 = re.sub(r"^dnp3\.(request|response)\.", "dnp3.", k)
        mo = re.match(r"dnp3\.application\.objects\[(\d+)\]\.(\w+)$", k2)
        if k2 == "dnp3.application.function_code":
            got = r["func"]
        elif k2.startswith("dnp3.application.control."):
            f = k2.rsplit(".", 1)[1]
            got = r["ac"]["seq"] if f == "sequence" else r["ac"].get(f)
        elif k2 == "dnp3.src":
            got = r["link_src"]
        elif k2 == "dnp3.dst":
            got = r["link_dst"]
        elif k2.startswith("dnp3.iin.indicators["):
            bits = [b.lower() for b in r.get("iin", [])]
            got = v if v in bits else bits
        elif mo:
            i, f = int(mo.group(1)), mo.group(2)
            ol = r.get("objects", [])
            if i >= len(ol):
                errs.append("%s: no object header %d" % (k, i))
                continue
            o = ol[i]
            if f in ("group", "variation", "qualifier"):
                got = o[f]
            elif f == "prefix_code":
                got = (o["qualifier"] >> 4) & 7
            elif f == "range_code":
                got = o["qualifier"] & 0x0F
            elif f == "count":
                got = kit_object_count(o)
            else:
                continue  # start/stop/points: not restated
        else:
            continue  # flow, link control, complete, pcap_cnt, ...
        if got != v:
            errs.append("%s: expected %r, dnp3kit %r" % (k, v, got))
    return errs


def compare_suricata(rel_yaml, kits, checks_json):
    name = os.path.basename(rel_yaml).replace(".suricata-test.yaml", "")
    cap = SURICATA_PCAP.get(name)
    if cap is None or cap not in kits:
        R.fail("%s: no capture known for Suricata test %s" % (rel_yaml, name))
        return
    recs = kits[cap]
    top, checks = parse_suricata_yaml(os.path.join(ARGS.captures, rel_yaml))
    for c in checks:
        m = c["match"]
        if c["requires"]:
            continue
        ev = m.get("event_type")
        sid = m.get("alert.signature_id")
        if ev == "dnp3" and "pcap_cnt" in m:
            # Suricata logs a transaction at the packet that ACKs its data, so
            # pcap_cnt is at or a little after the frame the fragment completed in.
            pc = int(m["pcap_cnt"])
            typ = m.get("dnp3.type")
            want_dir = "master" if typ == "request" else "outstation"
            fc = int(m["dnp3.application.function_code"])
            seq = int(m.get("dnp3.application.control.sequence", -1))
            cands = [r for r in recs if r["frame"] <= pc and r["dir"] == want_dir and r["func"] == fc
                     and (seq < 0 or r["ac"]["seq"] == seq)]
            if not cands or pc - cands[-1]["frame"] > 10:
                R.fail("%s: no dnp3kit fragment for eve record pcap_cnt %d (%s function %d seq %d)"
                       % (rel_yaml, pc, typ, fc, seq))
                continue
            errs = suricata_record_matches(m, cands[-1])
            if errs:
                R.fail("%s pcap_cnt %d (dnp3kit frame %d): %s" % (rel_yaml, pc, cands[-1]["frame"],
                                                                 "; ".join(errs)))
            else:
                R.ok("suricata eve record")
        elif ev == "dnp3" and c["count"] is not None:
            typ = m.get("dnp3.type")
            # Suricata creates no transaction (and no eve record) for CONFIRM.
            sel = [r for r in recs if r["func"] != 0]
            if typ == "request":
                sel = [r for r in sel if r["func"] not in RESPONSE_FUNCS]
            elif typ is not None:
                sel = [r for r in sel if r["func"] in RESPONSE_FUNCS]
            if len(sel) != c["count"]:
                R.fail("%s: %d eve dnp3 records (type %s) expected, dnp3kit has %d non-CONFIRM fragments"
                       % (rel_yaml, c["count"], typ, len(sel)))
            else:
                R.ok("suricata eve count")
        elif sid is not None:
            sid = int(sid)
            if (name, sid) in SURICATA_NOT_COMPARED:
                continue
            n = suricata_rule_count(name, sid, recs, checks_json.get(cap, {}), m)
            if n is None:
                R.fail("%s: rule sid %d has no restatement; document it in SURICATA_NOT_COMPARED"
                       % (rel_yaml, sid))
            elif n != c["count"]:
                R.fail("%s: rule sid %d: Suricata expects %d alerts, dnp3kit gives %d"
                       % (rel_yaml, sid, c["count"], n))
            else:
                R.ok("suricata rule")


def has_header_seq(r, seq):
    """seq: list of predicates over consecutive object headers."""
    ol = r.get("objects", [])
    return any(all(p(ol[i + j]) for j, p in enumerate(seq)) for i in range(len(ol) - len(seq) + 1))


def suricata_rule_count(name, sid, recs, findings, m):
    """Restate the rules of the suricata-verify tests on decoded fragments:
    number of fragments (transactions) a rule would alert on."""
    to_server = [r for r in recs if r["dir"] == "master"]
    to_client = [r for r in recs if r["dir"] == "outstation"]
    resp = [r for r in recs if r["func"] in RESPONSE_FUNCS]
    iin = lambda r: r.get("iin_raw", 0)
    if name == "dnp3-dnp3_func-alert":  # dnp3_func:21 both ways / to_server / to_client
        return {1: sum(r["func"] == 21 for r in recs), 2: sum(r["func"] == 21 for r in to_server),
                3: sum(r["func"] == 21 for r in to_client)}.get(sid)
    if name == "dnp3-dnp3_obj-alert":  # dnp3_obj:22,01 and 29,01
        g = {1: (22, 1), 2: (29, 1)}.get(sid)
        return None if g is None else sum(g in objs(r) for r in recs)
    if name == "dnp3-ind-keyword":  # dnp3.ind on responses; IIN1.7 = 0x8000, IIN1.4 = 0x1000
        return {1: sum(bool(iin(r) & 0x8000) for r in resp), 2: sum(bool(iin(r) & 0x8000) for r in resp),
                3: sum(iin(r) != 0 for r in resp),
                4: sum(bool(iin(r) & 0x8000) and not iin(r) & 0x1000 for r in resp),
                5: sum(bool(iin(r) & 0x1000) for r in resp)}.get(sid)
    if name == "dnp3-dnp3_data-alert":
        g2v1_q28_1 = [lambda o: (o["group"], o["variation"], o["qualifier"], o.get("count")) == (2, 1, 0x28, 1)]
        g60v4_then_60 = [lambda o: (o["group"], o["variation"], o["qualifier"]) == (60, 4, 6),
                         lambda o: o["group"] == 60]
        if sid == 1:
            return sum(has_header_seq(r, g2v1_q28_1) for r in to_client if r["func"] == 130)
        if sid == 2:
            return sum(has_header_seq(r, g2v1_q28_1) for r in recs)
        if sid == 3:
            return sum(has_header_seq(r, g2v1_q28_1) for r in to_server)
        if sid == 4:
            return sum(has_header_seq(r, g2v1_q28_1) for r in to_client)
        if sid in (5, 6):
            sel = [r for r in (to_server if sid == 5 else to_client) if has_header_seq(r, g60v4_then_60)]
            if "pcap_cnt" in m:  # the one alert is logged at that packet (the ACK after the frame)
                pc = int(m["pcap_cnt"])
                sel = [r for r in sel if 0 <= pc - r["frame"] <= 10]
            return len(sel)
        return None
    if name == "dnp3-too-long-reassembly-request" and sid == 2270007:
        return findings.get("transport_message_too_large", 0)
    return None


def check_error_findings(error_frames):
    """Every error-level finding of `check` must be judged in ERROR_FINDINGS."""
    for key in sorted(set(error_frames) | set(ERROR_FINDINGS)):
        got = sorted(error_frames.get(key, []))
        e = ERROR_FINDINGS.get(key)
        if e is None:
            R.fail("%s: UNJUDGED error finding %s at frames %s" % (key[0], key[1], got))
        elif got == sorted(e["frames"]):
            if e["verdict"] == "dnp3kit":
                R.xfail.append("%s: error finding %s at frames %s is wrong (%s)" % (
                    key[0], key[1], got, e["why"][:60] + "..."))
            else:
                R.ok("error finding judged")
        elif e["verdict"] == "dnp3kit":
            R.fail("%s: XPASS or changed: %s now at frames %s (was %s); re-judge and remove/update "
                   "the ERROR_FINDINGS mark" % (key[0], key[1], got, e["frames"]))
        else:
            R.fail("%s: %s at frames %s, ERROR_FINDINGS says %s" % (key[0], key[1], got, e["frames"]))


# ---------------------------------------------------------------------------
def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--captures", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--jobs", required=True)
    ap.add_argument("-v", "--verbose", action="store_true")
    ARGS = ap.parse_args()

    caps = []
    for line in open(ARGS.jobs, encoding="utf-8"):
        if line.strip():
            rel, port = line.rstrip("\n").split("\t")
            caps.append((rel, int(port)))
    known = {e["capture"] for e in TSHARK_EXPLAINED}
    missing = known - {c for c, _ in caps}
    for c in sorted(missing):
        R.fail("TSHARK_EXPLAINED names %s, which is not among the captures" % c)

    kits, checks_json, finding_totals = {}, {}, defaultdict(lambda: defaultdict(int))
    error_frames = defaultdict(list)
    for rel, port in caps:
        if not check_exit_codes(rel, ARGS.work):
            continue
        base = os.path.join(ARGS.work, key_of(rel))
        recs = load_kit(base + ".decode")
        recs_any = load_kit(base + ".decode_any")
        strip = lambda rs: [(r["frame"], r["func"], objs(r)) for r in rs]
        if strip(recs) != strip(recs_any):
            R.fail("%s: decode --any-port differs from decode -p %d (%d vs %d fragments): DNP3 on a "
                   "port missing from shared_vs_tshark.sh port_of?" % (rel, port, len(recs_any), len(recs)))
        else:
            R.ok("any-port")
        kits[rel] = recs
        try:
            cj = json.load(open(base + ".checkjson", encoding="utf-8"))
            fj = cj["files"][0]
            checks_json[rel] = dict(fj["summary"]["by_name"])
            for f in fj["findings"]:
                finding_totals[f["name"]][rel] += 1
                if f["severity"] == "error":
                    error_frames[(rel, f["name"])].append(f["frame"])
        except (OSError, ValueError, KeyError, IndexError) as e:
            R.fail("%s: check --json unreadable: %s" % (rel, e))
        try:
            ts = load_tshark(base + ".tshark")
        except (OSError, ValueError) as e:
            R.fail("%s: tshark output unreadable: %s" % (rel, e))
            continue
        compare_tshark(rel, by_frame_kit(recs), ts)

    check_error_findings(error_frames)

    # Publishers' expectations beside the captures.
    for dirpath, _dirs, files in os.walk(ARGS.captures):
        for fn in sorted(files):
            rel = os.path.relpath(os.path.join(dirpath, fn), ARGS.captures)
            if fn.endswith(".zeek-output.txt"):
                compare_zeek_events(rel, kits)
            elif fn.endswith("zeek-dnp3.log"):
                compare_zeek_log(rel, kits)
            elif fn.endswith(".suricata-test.yaml"):
                compare_suricata(rel, kits, checks_json)

    nfrag = sum(len(v) for v in kits.values())
    print("compare_tshark: %d captures, %d application fragments, %d checks passed, "
          "%d explained differences, %d expected failures (dnp3kit bugs pending)"
          % (len(kits), nfrag, R.checks, len(R.explained), len(R.xfail)))
    print("  passed: " + ", ".join("%s %d" % kv for kv in sorted(R.by_kind.items())))
    for x in R.xfail:
        print("  XFAIL " + x)
    if ARGS.verbose:
        print("check findings on the shared captures (name: total, captures):")
        for name in sorted(finding_totals):
            per = finding_totals[name]
            print("  %-40s %6d  %s" % (name, sum(per.values()), ", ".join(sorted(per))))
    for f in R.failures:
        print("FAIL " + f)
    if R.failures:
        print("compare_tshark: %d failure(s)" % len(R.failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
