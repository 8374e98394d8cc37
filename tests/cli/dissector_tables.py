#!/usr/bin/env python3
"""The dnp3kit tap's tables with the real tshark, against counts computed without them.

    dissector_tables.py BUILD_DIR SOURCE_DIR [SHARED_CAPTURES]

- -z conv,dnp3kit / -z endpoints,dnp3kit: link frames and octets per link
  address pair and per address equal the sums over the built-in dnp3's
  dnp3.src / dnp3.dst / dnp3.len (tshark without the plugin).
- -z dnp3kit,srt: per request function, the number of answered requests and
  their min / max / sum response times equal a pairing done here from
  `dnp3-pcap decode --json` (per flow and association, a solicited response's
  first fragment answers the master's last request with the same SEQ);
  -z dnp3kit,tree's "Requests and responses" equals the same pairing.
- per-point-type index fields (dnp3kit.al.bi.index, .static.index, .event.index,
  .cmnd.index ... for bi, dbi, bo, counter, ai, ao, os): per frame, the values
  equal the point indexes decode --json gives for objects of those groups.
- Decode As: -G decodes lists tls.port 19999; the link frames of
  clean_session.pcap written here as RTAC serial captures (LINKTYPE 250; one
  record per frame, and records of 1, 7 and 100 octets that split frames)
  decode with -d rtacser.data,dnp3kit, and sent here through a real TLS
  session (Python's ssl on memory BIOs, a throw-away openssl certificate, the
  keys logged) written as TCP port 19999 decode with -o tls.keylog_file, to
  the same function codes as over TCP.
"""
import json
import os
import re
import shutil
import ssl
import struct
import sys
from collections import Counter, defaultdict
from datetime import datetime

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dissector_run as dr  # noqa: E402  (Env, Fails, staging, tshark as nobody)

CAPTURES = ["captures/clean_session.pcap", "captures/app_unsolicited_multi_fragment.pcap",
            "captures/app_response_to_broadcast.pcap",
            "shared:GAN-NIDS/dnp3.pcap", "shared:zeek/dnp3.pcap", "shared:suricata-verify/dnp3-eve.pcap",
            "shared:ICS-Security-Tools/dnp3_test_data_part1.pcap",
            "shared:ICS-Security-Tools/opendnp3-3-conformance/8.9.2.2.pcap"]
NO_RESPONSE = {0, 6, 8, 10, 12}  # CONFIRM and the *_NR functions


def resolve(env, cap):
    if cap.startswith("shared:"):
        if not env.shared:
            return None, None
        p = os.path.join(env.shared, cap[7:])
        return (cap[7:], p) if os.path.exists(p) else (None, None)
    return cap, os.path.join(env.src, cap)


def wire_len(length):
    user = length - 5
    return 10 + user + 2 * ((user + 15) // 16)


def expected_tables(env, staged):
    """(conversations, endpoints) from the built-in dnp3's link fields."""
    _rc, out, _e = env.tshark(["-n", "-r", staged, "-T", "fields", "-e", "dnp3.src", "-e", "dnp3.dst",
                               "-e", "dnp3.len", "-E", "occurrence=a"], plugin=False)
    conv = defaultdict(lambda: [0, 0])
    endp = defaultdict(lambda: [0, 0])
    for line in out.splitlines():
        cols = line.split("\t")
        if len(cols) < 3 or not cols[0]:
            continue
        for s, d, n in zip(*(c.split(",") for c in cols[:3])):
            s, d, n = int(s), int(d), wire_len(int(n))
            key = tuple(sorted((s, d)))
            conv[key][0] += 1
            conv[key][1] += n
            for a in {s, d}:
                endp[a][0] += 1
                endp[a][1] += n
    return dict(conv), dict(endp)


UNIT = {"bytes": 1, "kB": 1000, "MB": 1000 ** 2, "GB": 1000 ** 3}


def parse_conv(out):
    """(frames, octets); tshark prints octets in kB / MB above 9999: kept in that unit."""
    conv = {}
    sz = r"\d+ (?:bytes|kB|MB|GB)"
    for m in re.finditer(r"^(\d+)\s+<-> (\d+)\s+\d+ %s\s+\d+ %s\s+(\d+) (\d+) (bytes|kB|MB|GB)" % (sz, sz), out, re.M):
        conv[tuple(sorted((int(m.group(1)), int(m.group(2)))))] = [int(m.group(3)), int(m.group(4)), UNIT[m.group(5)]]
    return conv


def same_conv(got, want):
    return bool(want) and set(got) == set(want) and all(
        got[k][0] == want[k][0] and got[k][1] == want[k][1] // got[k][2] for k in want)


def parse_endp(out):
    sect = out.split("DNP3kit Endpoints", 1)[1].split("=====", 1)[0] if "DNP3kit Endpoints" in out else ""
    return {int(m.group(1)): [int(m.group(2)), int(m.group(3))]
            for m in re.finditer(r"^(\d+)\s+(\d+)\s+(\d+)\s+\d+", sect, re.M)}


def ts(s):
    d = datetime.strptime(s[:26], "%Y-%m-%dT%H:%M:%S.%f")
    return (d - datetime(1970, 1, 1)).total_seconds()


def pairing(env, rel, path):
    """SRT rows and request/response counts from decode --json."""
    p = dr.subprocess.run([env.pcap, "decode", "--json", "-j", "1"] + dr.port_args(rel)[1] + [path],
                          stdout=dr.subprocess.PIPE, stderr=dr.subprocess.PIPE)
    pending = {}
    srt = defaultdict(list)
    counts = Counter()
    for line in p.stdout.decode().splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        if "func" not in r or "ac" not in r:
            continue
        master = r["dir"] == "master"
        key = (r["flow"],) + ((r["link_src"], r["link_dst"]) if master else (r["link_dst"], r["link_src"]))
        f, ac = r["func"], r["ac"]
        if master:
            if f >= 129 or f == 0:
                continue
            pending[key] = (ac["seq"], f, ts(r["time"]))
            if f not in NO_RESPONSE and r["link_dst"] < 0xFFFD:
                counts["req"] += 1
            continue
        if f == 130 or (f == 131 and ac["uns"]):
            counts["uns"] += 1
            continue
        if f not in (129, 131):
            continue
        req = pending.pop(key, None)
        if req and ac["fir"] and ac["seq"] == req[0]:
            srt[req[1]].append(ts(r["time"]) - req[2])
            if req[1] not in NO_RESPONSE:
                counts["answered"] += 1
        elif ac["fir"]:
            counts["orphan"] += 1
    return srt, counts


def parse_srt(out):
    rows = {}
    for m in re.finditer(r"^\s+(\d+)\s+\S+\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+[\d.]+\s+([\d.]+)$", out, re.M):
        rows[int(m.group(1))] = (int(m.group(2)), float(m.group(3)), float(m.group(4)), float(m.group(5)))
    return rows


def parse_tree(out, name):
    m = re.search(r"^ %s\s+(-?\d+)" % re.escape(name), out, re.M)
    return int(m.group(1)) if m else None


def link_frames(env, staged):
    """[(from_outstation, frame octets)] of a capture's TCP streams, in order."""
    _rc, out, _e = env.tshark(["-n", "-r", staged, "-Y", "tcp.len > 0", "-T", "fields", "-e", "frame.time_epoch",
                               "-e", "tcp.srcport", "-e", "tcp.payload"], plugin=False)
    frames, rest = [], {}
    for line in out.splitlines():
        t, sport, payload = line.split("\t")
        buf = rest.get(sport, b"") + bytes.fromhex(payload.replace(":", ""))
        while len(buf) >= 3 and len(buf) >= wire_len(buf[2]):
            frames.append((float(t), sport == "20000", buf[:wire_len(buf[2])]))
            buf = buf[wire_len(buf[2]):]
        rest[sport] = buf
    return frames


def write_pcap(dst, linktype, records):
    with open(dst, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for t, data in records:
            sec, usec = int(t), int(round((t % 1) * 1e6)) % 1000000
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)) + data)
    os.chmod(dst, 0o644)


def rtacser_capture(frames, dst, chunk=0):
    """The link frames as RTAC serial records: one per frame (chunk 0), or each run of one
    direction's frames cut into records of chunk octets, so frames are split across records."""
    recs = []

    def rec(t, from_os, data):
        event = 0x02 if from_os else 0x01  # DATA_RX_START from the outstation, DATA_TX_START from the master
        sec, usec = int(t), int(round((t % 1) * 1e6)) % 1000000
        recs.append((t, struct.pack(">IIBBH", sec, usec, event, 0, 0) + data))

    run = []
    for i, (t, from_os, data) in enumerate(frames):
        if not chunk:
            rec(t, from_os, data)
            continue
        run.append(data)
        if i + 1 == len(frames) or frames[i + 1][1] != from_os:
            octets = b"".join(run)
            for k in range(0, len(octets), chunk):
                rec(t, from_os, octets[k:k + chunk])
            run = []
    write_pcap(dst, 250, recs)
    return len(recs)


def tcp_packet(from_os, seq, ack, flags, data):
    ips = (bytes([192, 0, 2, 10]), bytes([192, 0, 2, 1])) if from_os else (bytes([192, 0, 2, 1]), bytes([192, 0, 2, 10]))
    ports = (19999, 40000) if from_os else (40000, 19999)
    tcp = struct.pack(">HHIIBBHHH", ports[0], ports[1], seq, ack, 5 << 4, flags, 65535, 0, 0) + data
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, ips[0], ips[1])
    words = struct.unpack(">10H", ip)
    c = sum(words)
    c = (c & 0xFFFF) + (c >> 16)
    c = (c & 0xFFFF) + (c >> 16)
    ip = ip[:10] + struct.pack(">H", ~c & 0xFFFF) + ip[12:]
    return b"\x00\x00\x00\x00\x00\x0a\x00\x00\x00\x00\x00\x01\x08\x00" + ip + tcp


def tls_capture(frames, tmp, dst):
    """The frames through a real TLS session, as Ethernet/IPv4/TCP port 19999; returns the keylog path."""
    key, crt, keylog = (os.path.join(tmp, n) for n in ("tls.key", "tls.pem", "tls.keylog"))
    r = dr.subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                           "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=dnp3kit-test"],
                          stdout=dr.subprocess.PIPE, stderr=dr.subprocess.PIPE)
    if r.returncode != 0:
        raise RuntimeError("openssl req: " + r.stderr.decode()[-300:])
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(crt, key)
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.check_hostname = False
    cctx.verify_mode = ssl.CERT_NONE
    cctx.keylog_filename = keylog
    bios = [(ssl.MemoryBIO(), ssl.MemoryBIO()) for _ in range(2)]  # (incoming, outgoing) of master, outstation
    ends = [cctx.wrap_bio(*bios[0]), sctx.wrap_bio(*bios[1], server_side=True)]
    seq = [1000, 5000]
    t0 = frames[0][0] if frames else 0.0
    recs = [(t0, tcp_packet(False, seq[0] - 1, 0, 0x02, b"")), (t0, tcp_packet(True, seq[1] - 1, seq[0], 0x12, b"")),
            (t0, tcp_packet(False, seq[0], seq[1], 0x10, b""))]

    def flush(side, t):
        data = bios[side][1].read()
        if data:
            recs.append((t, tcp_packet(side == 1, seq[side], seq[1 - side], 0x18, data)))
            seq[side] += len(data)
            bios[1 - side][0].write(data)

    done = [False, False]
    while not all(done):
        for side in (0, 1):
            if not done[side]:
                try:
                    ends[side].do_handshake()
                    done[side] = True
                except ssl.SSLWantReadError:
                    pass
            flush(side, t0)
    for t, from_os, data in frames:
        side = 1 if from_os else 0
        ends[side].write(data)
        flush(side, t)
        try:
            while ends[1 - side].read(65536):
                pass
        except ssl.SSLWantReadError:
            pass
        flush(1 - side, t)  # TLS 1.3 tickets and the like
    write_pcap(dst, 1, recs)
    os.chmod(keylog, 0o644)
    return keylog


# Groups per point type and kind (dissector/typeindex.c, IEEE 1815-2012 Annex A).
TYPE_GROUPS = {"bi": {"static": [1], "event": [2]}, "dbi": {"static": [3], "event": [4]},
               "bo": {"static": [10], "event": [11, 13], "cmnd": [12]},
               "counter": {"static": [20, 21], "event": [22, 23]},
               "ai": {"static": [30, 31], "event": [32, 33]},
               "ao": {"static": [40], "event": [42, 43], "cmnd": [41]}, "os": {"static": [110], "event": [111]}}


def type_index_fields():
    """field name -> groups"""
    out = {}
    for t, kinds in TYPE_GROUPS.items():
        out["dnp3kit.al.%s.index" % t] = sorted(g for gs in kinds.values() for g in gs)
        for k, gs in kinds.items():
            out["dnp3kit.al.%s.%s.index" % (t, k)] = gs
    return out


def check_type_index(env, F, rel, path, staged):
    fields = type_index_fields()
    args = ["-n", "-r", staged] + dr.port_args(rel)[0] + dr.TCP_PREFS + ["-T", "fields", "-E", "occurrence=a",
                                                                            "-e", "frame.number"]
    for f in fields:
        args += ["-e", f]
    _rc, out, _e = env.tshark(args)
    got = {}
    for line in out.splitlines():
        cols = line.split("\t")
        got[int(cols[0])] = {f: sorted(int(x) for x in c.split(",") if x) for f, c in zip(fields, cols[1:])}
    p = dr.subprocess.run([env.pcap, "decode", "--json", "-j", "1"] + dr.port_args(rel)[1] + [path],
                          stdout=dr.subprocess.PIPE, stderr=dr.subprocess.PIPE)
    want = defaultdict(lambda: defaultdict(list))
    for line in p.stdout.decode().splitlines():
        if line.strip():
            r = json.loads(line)
            for o in r.get("objects", []):
                for pt in o.get("points", []):
                    if "index" in pt:
                        for f, gs in fields.items():
                            if o["group"] in gs:
                                want[r["frame"]][f].append(pt["index"])
    n = 0
    for num, vals in got.items():
        for f in fields:
            w = sorted(want.get(num, {}).get(f, []))
            if vals[f] != w:
                F.fail("%s frame %d: %s = %s, decode --json's points of groups %s: %s" % (rel, num, f, vals[f][:20],
                                                                                         fields[f], w[:20]))
            else:
                n += len(w)
    F.ok += 1
    return n


def run(doc, body):
    """BUILD_DIR SOURCE_DIR [SHARED_CAPTURES] from argv: body(env, fails) with the staging
    environment of dissector_run.py, removed afterwards."""
    if len(sys.argv) < 3:
        print(doc)
        return 2
    env = dr.Env(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]),
                 os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] else "")
    try:
        return body(env, dr.Fails())
    finally:
        env.close()


def tables(env, F):
    for cap in CAPTURES:
        rel, path = resolve(env, cap)
        if not rel:
            print("skip %s (no shared captures)" % cap)
            continue
        staged = env.stage(path, rel.replace("/", "__"))
        _rc, out, _e = env.tshark(["-n", "-q", "-r", staged] + dr.port_args(rel)[0] +
                                  ["-z", "conv,dnp3kit", "-z", "endpoints,dnp3kit", "-z", "dnp3kit,srt",
                                   "-z", "dnp3kit,tree"])
        conv, endp = expected_tables(env, staged)
        got_conv, got_endp = parse_conv(out), parse_endp(out)
        for what, got, want, same in (("conversations", got_conv, conv, same_conv(got_conv, conv)),
                                      ("endpoints", got_endp, endp, bool(endp) and got_endp == endp)):
            if not same:
                F.fail("%s: %s (frames, octets) %s, built-in dnp3's link fields give %s" % (rel, what, got, want))
            else:
                F.ok += 1
        srt, counts = pairing(env, rel, path)
        got = parse_srt(out)
        want = {f: (len(v), min(v), max(v), sum(v)) for f, v in srt.items()}
        if set(got) != set(want):
            F.fail("%s: SRT rows %s, decode --json pairing %s" % (rel, sorted(got), sorted(want)))
        for f in sorted(set(got) & set(want)):
            g, w = got[f], want[f]
            if g[0] != w[0] or any(abs(a - b) > 2e-6 * max(1, w[0]) for a, b in zip(g[1:], w[1:])):
                F.fail("%s: SRT function %d (calls, min, max, sum) %s, pairing %s" % (rel, f, g, w))
            else:
                F.ok += 1
        for name, key in (("Requests expecting a response", "req"), ("Answered", "answered"),
                          ("Unsolicited responses", "uns"), ("Responses without a request in capture", "orphan")):
            v = parse_tree(out, name)
            if v != counts[key]:
                F.fail("%s: tree %r = %s, pairing %d" % (rel, name, v, counts[key]))
            else:
                F.ok += 1
        v = parse_tree(out, "No response in capture")
        if v != counts["req"] - counts["answered"]:
            F.fail("%s: tree 'No response in capture' = %s, pairing %d" % (rel, v, counts["req"] - counts["answered"]))
        else:
            F.ok += 1
        nidx = check_type_index(env, F, rel, path, staged)
        print("%s: %d per-type index values, %d pairs, %d link-address pairs, %s" % (rel, nidx, sum(len(v) for v in srt.values()), len(conv),
                                                         dict(counts)))
    # Decode As
    _rc, out, _e = env.tshark(["-G", "decodes"])
    for need in (r"^tls\.port\t19999\tdnp3kit$", r"^tcp\.port\t20000\tdnp3kit$"):
        if re.search(need, out, re.M):
            F.ok += 1
        else:
            F.fail("-G decodes lacks %s" % need)
    staged = env.stage(os.path.join(env.src, "captures", "clean_session.pcap"))
    frames = link_frames(env, staged)
    runs = [("TCP", staged, [])]
    for chunk in (0, 1, 7, 100):
        ser = os.path.join(env.caps, "clean_session_rtacser_%d.pcap" % chunk)
        nrec = rtacser_capture(frames, ser, chunk)
        runs.append(("rtacser (%d records of %s octets)" % (nrec, chunk or "one frame's"), ser,
                     ["-d", "rtacser.data,dnp3kit"]))
        if chunk == 7:  # the second pass rebuilds the same frames from what the first stored
            runs.append(("rtacser -2 (%d records of 7 octets)" % nrec, ser, ["-2", "-d", "rtacser.data,dnp3kit"]))
    if shutil.which("openssl"):
        tls = os.path.join(env.caps, "clean_session_tls.pcap")
        keylog = tls_capture(frames, env.tmp, tls)
        runs.append(("TLS", tls, ["-o", "tls.keylog_file:" + keylog]))
    else:
        print("no openssl command: DNP3 over TLS not decoded")
    funcs = {}
    for what, p, extra in runs:
        _rc, out, _e = env.tshark(["-n", "-r", p] + extra + ["-T", "fields", "-e", "dnp3kit.al.func",
                                                              "-E", "occurrence=a"])
        funcs[what] = [x for line in out.splitlines() for x in line.split(",") if x]
    for what in funcs:
        if what == "TCP":
            continue
        if funcs["TCP"] and funcs[what] == funcs["TCP"]:
            F.ok += 1
            print("%s: %d link frames, the same %d function codes as over TCP" % (what, len(frames), len(funcs[what])))
        else:
            F.fail("%s (%d link frames): functions %s, over TCP %s" % (what, len(frames), funcs[what], funcs["TCP"]))
    return F.done("dissector tables (conversations, endpoints, SRT, Decode As)")


if __name__ == "__main__":
    sys.exit(run(__doc__, tables))
