#!/usr/bin/env python3
"""Tests of the dnp3kit Wireshark plugin with the real tshark.

    dissector_run.py MODE BUILD_DIR SOURCE_DIR [SHARED_CAPTURES]

MODE:
  load      tshark -G plugins lists dnp3kit.so; its fields and expert infos are
            registered; it (not the built-in dnp3) dissects TCP and UDP port 20000
  captures  every capture in captures/ and SHARED_CAPTURES: no exception, no
            malformed packet; per frame the function codes and object headers
            (dnp3kit.al.func, dnp3kit.al.obj) equal `dnp3-pcap decode --json`,
            and the expert items equal the findings of `dnp3-pcap check --json`
            (same frame, same name; end-of-stream findings by name only)
  findings  each crafted capture in captures/ raises exactly the findings of its
            NAME.expected.json as expert items
  builtin   per frame, function codes and object headers equal the built-in
            dnp3's wherever tests/cli/compare_tshark.py does not explain the
            difference with an IEEE 1815 clause (its table is reused as is)
  filters   the built-in dnp3's common display filters (BUILTIN_FILTERS) select the
            same frames of every shared capture with the plugin as without it,
            except where compare_tshark.py judges the two dissectors' function
            codes or object headers to differ, and FILTER_EXPLAINED
  bigfragment  a 65,535-octet response (264 transport segments, 16,381 g30v3 points) is
            reassembled and decoded in full with the default dnp3kit.max_fragment,
            and refused (transport_message_too_large) with a smaller one
  prefix    every crafted capture whose fragments decode --json marks "complete": false:
            the plugin shows the same object headers and the same points (index and
            value) before the defect
  golden    field-level golden files tests/golden/dissector_*.json
            (set DNP3KIT_UPDATE_GOLDEN=1 to rewrite them)
  values    g70 file transfer fields (mode, block size, request id, status, handle,
            block number, last block, name, size) of the shared file captures equal
            the built-in dnp3's (dnp3.al.file.*), frame by frame
  fuzz      a few hundred mutated captures (dissector_mutate.py) through
            tshark -2 -V: no crash, no dissector bug, no exception
  stats     the stats_tree (-z dnp3kit,tree) counts functions, groups, findings
  hidden    hidden items (the built-in's dnp3.* names, per-type index fields,
            dnp3kit.link.addr) are left out of a tshark tree whose output cannot
            print them (-V: the tree is exactly that many items smaller, by
            gui.max_tree_items) and are there for every output that can: under
            another program name (the GUI), with protocols.display_hidden_proto_items,
            -T json, a filter naming them, and -T fields -e naming them in every
            spelling of tshark's options (values equal to the GUI's)
  agree     every crafted capture through `dnp3-pcap check`, `dnp3-pcap decode` (text
            and --json) and the plugin: the same finding names (decode's text names
            each finding check names, as often; --json, which lists findings per
            fragment, names every application finding and nothing check does not;
            every decode_error is a finding name with an offset; the plugin the same
            set but the capture layer's, which Wireshark's TCP/IP reports)

tshark ignores per-user plugins when run as root, so as root it runs as
nobody (setpriv) with HOME set to a temporary folder holding the plugin.
Exit 77 (ctest SKIP) when the plugin was not built or tshark is absent.
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, HERE)

# Findings of the capture layer come from dnp3-pcap's own TCP/UDP reader;
# in Wireshark the TCP dissector reports these (tcp.analysis.*).
CAPTURE_FINDINGS = {"tcp_gap", "tcp_retransmission", "tcp_out_of_order", "tcp_window_exceeded",
                    "tcp_midstream", "packet_truncated", "flow_limit",
                    # and IP fragments: Wireshark's IP layer reassembles them
                    "ip_fragment_incomplete", "ip_fragment_overlap", "ip_fragment_limit"}
# Where Wireshark's TCP layer hands the plugin other octets than dnp3-pcap's
# reader delivers (both are right about DNP3; they differ on TCP recovery).
# Each entry must still match a live difference, so the table cannot go stale.
TCP_EXPLAINED = [
    dict(capture="captures/tcp_gap.pcap", match=r"frame (9|10): dnp3-pcap check finds (link_truncated_frame|link_garbage)",
         why="10 octets of a response were never captured. dnp3-pcap declares the hole (tcp_gap) and "
             "its link parser drops the partial frame (link_truncated_frame) and skips the rest "
             "(link_garbage). Wireshark's TCP reassembly keeps waiting for the missing octets, so the "
             "octets after the hole never reach the plugin; TCP reports tcp.analysis.lost_segment."),
    dict(capture="captures/tcp_retransmission_reorder.pcap",
         match=r"(frame 10: dnp3-pcap func \[129\]|end-of-capture (session_no_response|link_garbage))",
         why="a response whose segments arrive out of order: dnp3-pcap buffers and reorders them; "
             "Wireshark 4.0 does so only with tcp.reassemble_out_of_order:TRUE (off by default), "
             "otherwise the out-of-order segment's octets are lost to the subdissector, the plugin "
             "sees skipped octets and an unanswered READ. With the preference on this capture agrees, "
             "but then captures with a hole that is never filled (ipal_transcriber/dnp3.pcap) lose "
             "everything after the hole, so the tests keep Wireshark's default."),
    # IP fragments: Wireshark's IP layer reassembles with its own rules.
    dict(capture="captures/ip_fragment_timeout.pcap",
         match=r"frame 5: (dnp3-pcap func \[\] objs \[\], plugin func \[129\]|dnp3-pcap check finds session_no_response)",
         why="the second IP fragment arrives 31 s after the first: dnp3-pcap drops the datagram after its 30 s "
             "reassembly timeout (ip_fragment_incomplete) and the READ stays unanswered; Wireshark's IP "
             "reassembly has no timeout, so the plugin decodes the response."),
    dict(capture="captures/ip_fragment_overlap.pcap",
         match=r"frame 6: plugin expert item link_bad_block_crc",
         why="IP fragments overlap with different octets: dnp3-pcap drops the datagram (ip_fragment_overlap); "
             "Wireshark reassembles it from one of the copies (ip.fragment.overlap.conflict), the octets no "
             "longer match their link CRC and the plugin reports link_bad_block_crc."),
]
# Findings the core gives when a stream ends; the plugin adds them after the
# first pass to the last PDU of their stream (marked "(end of capture)").
END_MARK = " (end of capture)"


class Env:
    def __init__(self, build, src, shared):
        self.build, self.src, self.shared = build, src, shared
        self.plugin = os.path.join(build, "dissector", "plugins", "4.0", "epan", "dnp3kit.so")
        self.pcap = os.path.join(build, "pcaptools", "dnp3-pcap")
        if not os.path.exists(self.plugin):
            print("SKIP: plugin not built (%s)" % self.plugin)
            sys.exit(SKIP)
        if not shutil.which("tshark"):
            print("SKIP: tshark not installed")
            sys.exit(SKIP)
        self.tmp = tempfile.mkdtemp(prefix="dnp3kit-ws.")
        os.chmod(self.tmp, 0o755)
        pdir = os.path.join(self.tmp, "home", ".local", "lib", "wireshark", "plugins", "4.0", "epan")
        os.makedirs(pdir)
        shutil.copy(self.plugin, pdir)
        self.home = os.path.join(self.tmp, "home")
        self.caps = os.path.join(self.tmp, "caps")
        os.makedirs(self.caps)
        for root, _d, _f in os.walk(self.tmp):
            os.chmod(root, 0o755)
        self.root = os.geteuid() == 0
        # A plugin built with -DDNP3KIT_SANITIZE=ON needs the ASan runtime loaded
        # first into the (uninstrumented) tshark: LD_PRELOAD it.
        self.preload = []
        try:
            ldd = subprocess.run(["ldd", self.plugin], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode()
            m = re.search(r"libasan\.so\S*\s*=>\s*(\S+)", ldd)
            if m:
                self.preload = ["LD_PRELOAD=" + m.group(1),
                                "ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=0:exitcode=99",
                                "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"]
                print("plugin built with sanitizers: tshark runs with " + self.preload[0])
        except OSError:
            pass
        if self.root and not shutil.which("setpriv"):
            print("SKIP: running as root without setpriv")
            sys.exit(SKIP)

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def stage(self, path, name=None):
        """Copy a capture where the unprivileged tshark can read it."""
        name = name or os.path.basename(path)
        dst = os.path.join(self.caps, name)
        if not os.path.exists(dst):
            shutil.copy(path, dst)
            os.chmod(dst, 0o644)
        return dst

    def tshark_cmd(self, args, plugin=True, prog="tshark"):
        home = self.home if plugin else os.path.join(self.tmp, "noplugin")
        os.makedirs(home, exist_ok=True)
        os.chmod(home, 0o755)
        env = ["env", "HOME=" + home, "LC_ALL=C"] + (self.preload if plugin else [])
        pre = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if self.root else []
        return pre + env + [prog] + args

    def tshark(self, args, plugin=True, check=True, prog="tshark"):
        p = subprocess.run(self.tshark_cmd(args, plugin, prog), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           cwd=self.tmp, timeout=900)
        out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
        if "AddressSanitizer" in err or "runtime error:" in err:
            raise RuntimeError("sanitizer report from tshark %s:\n%s" % (" ".join(args), err[-3000:]))
        if check and p.returncode != 0:
            raise RuntimeError("tshark %s exited %d: %s" % (" ".join(args), p.returncode, err[-500:]))
        return p.returncode, out, err


def finding_names(src):
    """name -> severity ("error", "warning", "info") from findings.def."""
    names = {}
    for line in open(os.path.join(src, "core", "include", "dnp3kit", "findings.def"), encoding="utf-8"):
        m = re.match(r"FINDING\((\w+), (\w+),", line)
        if m:
            names[m.group(1).lower()] = m.group(2).lower()
    return names


def port_args(rel):
    """Captures whose DNP3 is not on port 20000 (as in shared_vs_tshark.sh)."""
    if rel == "zeek/dnp3_read_p20001.pcap":
        return ["-d", "tcp.port==20001,dnp3kit", "-d", "udp.port==20001,dnp3kit"], ["-p", "20001"]
    return [], []


def captures(env, shared=True):
    out = []
    d = os.path.join(env.src, "captures")
    for f in sorted(os.listdir(d)):
        if f.endswith(".pcap") or f.endswith(".pcapng"):
            out.append(("captures/" + f, os.path.join(d, f)))
    if shared and env.shared and os.path.isdir(env.shared):
        for root, _dirs, files in os.walk(env.shared):
            for f in sorted(files):
                if f.endswith(".pcap") or f.endswith(".pcapng"):
                    p = os.path.join(root, f)
                    out.append((os.path.relpath(p, env.shared), p))
    return sorted(out)


FIELDS = ["frame.number", "dnp3kit.al.func", "dnp3kit.al.obj", "_ws.expert.message", "_ws.expert.severity",
          "_ws.malformed", "frame.protocols"]
# dnp3-pcap puts out-of-order TCP segments back in order; so does Wireshark with this
# preference (off by default in 4.0; docs/dissector.md recommends it).
# dnp3-pcap's default --max-message (2048): the comparisons need the same limit.
TCP_PREFS = ["-o", "dnp3kit.max_fragment:2048"]
SEVERITY = {"8388608": "error", "6291456": "warning", "4194304": "info"}  # PI_ERROR, PI_WARN, PI_NOTE


def plugin_frames(env, rel, path, two_pass=True, extra=()):
    """Per frame: (funcs, objs, findings list of (name, deferred), malformed, protocols)."""
    staged = env.stage(path, rel.replace("/", "__"))
    args = ["-n", "-r", staged] + (["-2"] if two_pass else []) + port_args(rel)[0] + TCP_PREFS + list(extra) + \
        ["-T", "json"]
    for f in FIELDS:
        args += ["-e", f]
    _rc, out, err = env.tshark(args)
    frames = {}
    names = env.finding_names
    for pkt in json.loads(out or "[]"):
        lay = pkt["_source"]["layers"]
        num = int(lay["frame.number"][0])
        funcs = [int(x, 0) for x in lay.get("dnp3kit.al.func", [])]
        objs = [(int(x, 0) >> 8, int(x, 0) & 0xFF) for x in lay.get("dnp3kit.al.obj", [])]
        fnd = []
        bad = []
        sevs = lay.get("_ws.expert.severity", [])
        for i, m in enumerate(lay.get("_ws.expert.message", [])):
            mm = re.match(r"([a-z0-9_]+): ", m)
            if mm and mm.group(1) in names:
                fnd.append((mm.group(1), m.endswith(END_MARK)))
                sev = SEVERITY.get(sevs[i] if i < len(sevs) else "", "?")
                if sev != names[mm.group(1)]:
                    bad.append("%s: expert severity %s, findings.def says %s" % (mm.group(1), sev,
                                                                              names[mm.group(1)]))
            elif "Dissector bug" in m or "Malformed" in m or "Exception" in m:
                bad.append(m)
        frames[num] = dict(funcs=funcs, objs=objs, findings=fnd, malformed=bool(lay.get("_ws.malformed")),
                           protocols=(lay.get("frame.protocols") or [""])[0], bad=bad)
    return frames, err


def kit_decode(env, rel, path):
    p = subprocess.run([env.pcap, "decode", "--json", "-j", "1"] + port_args(rel)[1] + [path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = defaultdict(lambda: ([], []))
    for line in p.stdout.decode().splitlines():
        if line.strip():
            r = json.loads(line)
            e = out[r["frame"]]
            e[0].append(r["func"])
            e[1].extend((o["group"], o["variation"]) for o in r.get("objects", []))
    return dict(out)


def kit_check(env, rel, path):
    p = subprocess.run([env.pcap, "check", "--json", "-j", "1"] + port_args(rel)[1] + [path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    j = json.loads(p.stdout.decode())
    return j["files"][0]["findings"]


class Fails:
    def __init__(self):
        self.msgs = []
        self.ok = 0

    def fail(self, m):
        self.msgs.append(m)

    def done(self, what):
        for m in self.msgs[:200]:
            print("FAIL " + m)
        if len(self.msgs) > 200:
            print("... %d more failures" % (len(self.msgs) - 200))
        print("%s: %d checks passed, %d failures" % (what, self.ok, len(self.msgs)))
        return 1 if self.msgs else 0


# ---------------------------------------------------------------------------
def mode_load(env):
    F = Fails()
    if env.preload:
        # tshark -G plugins also runs the extcap helpers; with LD_PRELOAD=libasan
        # that hangs (with or without this plugin). The protocol list below
        # still proves the plugin is loaded.
        print("sanitizer build: tshark -G plugins not run")
        out = "dnp3kit.so 0 dissector x"
    else:
        _rc, out, _err = env.tshark(["-G", "plugins"])
    if not re.search(r"^dnp3kit\.so\s+\S+\s+dissector\s", out, re.M):
        F.fail("tshark -G plugins does not list dnp3kit.so:\n" + out)
    else:
        F.ok += 1
    _rc, out, _err = env.tshark(["-G", "fields"])
    abbrevs = {l.split("\t")[2] for l in out.splitlines() if l.startswith("F\t")}
    for need in ["dnp3kit.al.func", "dnp3kit.al.obj", "dnp3kit.link.hdr_crc", "dnp3kit.link.block.crc",
                 "dnp3kit.tr.fir", "dnp3kit.tr.fin", "dnp3kit.tr.seq", "dnp3kit.al.iin.device_restart",
                 "dnp3kit.al.point.index", "dnp3kit.al.point.flags.online", "dnp3kit.al.point.code.op",
                 "dnp3kit.al.point.status", "dnp3kit.al.response_time", "dnp3kit.al.request_in",
                 "dnp3kit.al.select_in", "dnp3kit.tr.frame"]:
        if need in abbrevs:
            F.ok += 1
        else:
            F.fail("field %s not registered" % need)
    # One field per catalogue field name (types may split a name), generated at start-up.
    points = sorted(a for a in abbrevs if a.startswith("dnp3kit.al.point."))
    if len(points) < 40:
        F.fail("only %d point fields registered: %s" % (len(points), points))
    else:
        F.ok += 1
    # One expert info per finding, named after it (severities are checked where
    # the items are raised: captures/findings modes).
    for name in sorted(env.finding_names):
        if "dnp3kit." + name in abbrevs:
            F.ok += 1
        else:
            F.fail("no expert info dnp3kit.%s" % name)
    # Port 20000 belongs to the plugin (TCP and UDP); the built-in is still registered.
    for cap in ["clean_session.pcap", "udp_ipv6_session.pcap"]:
        staged = env.stage(os.path.join(env.src, "captures", cap))
        _rc, out, _err = env.tshark(["-n", "-r", staged, "-T", "fields", "-e", "frame.protocols"])
        protos = [l for l in out.splitlines() if ":dnp3" in l]
        if not protos or any(not l.endswith(":dnp3kit") for l in protos):
            F.fail("%s: port 20000 not dissected by dnp3kit: %s" % (cap, sorted(set(protos))))
        else:
            F.ok += 1
    _rc, out, _err = env.tshark(["-G", "protocols"])
    if not re.search(r"\tdnp3$", out, re.M) or not re.search(r"\tdnp3kit$", out, re.M):
        F.fail("protocols dnp3 and dnp3kit are not both registered")
    else:
        F.ok += 1
    # Switching back to the built-in: Decode As (docs/dissector.md).
    staged = env.stage(os.path.join(env.src, "captures", "clean_session.pcap"))
    _rc, out, _err = env.tshark(["-n", "-r", staged, "-d", "tcp.port==20000,dnp3", "-T", "fields",
                                 "-e", "frame.protocols"])
    protos = {l for l in out.splitlines() if ":dnp3" in l}
    if not protos or any(not l.endswith(":dnp3") for l in protos):
        F.fail("Decode As tcp.port==20000,dnp3 does not give the built-in: %s" % sorted(protos))
    else:
        F.ok += 1
    # The heuristic finds DNP3 on another port when its preference is on, not otherwise.
    staged = env.stage(os.path.join(env.shared, "zeek", "dnp3_read_p20001.pcap"), "p20001.pcap") \
        if env.shared and os.path.exists(os.path.join(env.shared, "zeek", "dnp3_read_p20001.pcap")) else None
    if staged:
        def on_20001(opts):
            _rc, out, _err = env.tshark(["-n", "-r", staged] + opts + ["-T", "fields", "-e", "frame.protocols"])
            return any(l.endswith(":dnp3kit") for l in out.splitlines())
        cases = [(["-o", "dnp3kit.heuristic:TRUE"], True), (["-o", "dnp3kit.heuristic:FALSE"], False),
                 # one switch: the heuristic-table entry alone turns it on (Enabled Protocols)
                 (["--enable-heuristic", "dnp3kit_tcp"], True),
                 # the port preference moves the plugin to another port
                 (["-o", "dnp3kit.tcp.port:20001"], True)]
        for opts, want in cases:
            if on_20001(opts) != want:
                F.fail("%s: dnp3kit on port 20001 is %s" % (" ".join(opts), not want))
            else:
                F.ok += 1
    # Expert items: a constant summary per finding ("name: description", so
    # -z expert groups them); what differs per packet is dnp3kit.finding.detail.
    staged = env.stage(os.path.join(env.shared, "ICS-Security-Tools", "opendnp3-3-conformance", "6.6.2.5.pcap"),
                       "experts.pcap") if env.shared else None
    if staged and os.path.exists(staged):
        _rc, out, _err = env.tshark(["-n", "-r", staged, "-T", "fields", "-E", "occurrence=a", "-E",
                                     "aggregator=|", "-e", "_ws.expert.message", "-e", "dnp3kit.finding.detail"])
        msgs, details = defaultdict(set), defaultdict(set)
        for line in out.splitlines():
            cols = line.split("\t")
            ms = [m for m in cols[0].split("|") if re.match(r"[a-z0-9_]+: ", m)]
            ds = cols[1].split("|") if len(cols) > 1 and cols[1] else []
            if len(ms) != len(ds):
                F.fail("expert items %s without one detail each: %s" % (ms, ds))
            for m, d in zip(ms, ds):
                msgs[m.split(":")[0]].add(m)
                details[m.split(":")[0]].add(d)
        if not msgs.get("link_fcv_mismatch") or len(details["link_fcv_mismatch"]) < 2:
            F.fail("6.6.2.5.pcap: expected several link_fcv_mismatch details: %s" % dict(details))
        for name, ms in msgs.items():
            if len(ms) != 1:
                F.fail("expert summary of %s is not constant: %s" % (name, sorted(ms)))
            else:
                F.ok += 1
    return F.done("dissector load")


def compare_one(env, rel, path):
    """Plugin vs dnp3-pcap on one capture: list of failure messages, checks."""
    msgs, checks = [], 0
    try:
        frames, err = plugin_frames(env, rel, path)
    except Exception as e:  # noqa: BLE001
        return ["%s: %s" % (rel, e)], 0
    if "Dissector bug" in err or "assert" in err.lower():
        msgs.append("%s: tshark stderr: %s" % (rel, err[-300:]))
    kit = kit_decode(env, rel, path)
    for fr in sorted(set(kit) | {n for n, f in frames.items() if f["funcs"] or f["objs"]}):
        a = kit.get(fr, ([], []))
        f = frames.get(fr)
        b = (f["funcs"], f["objs"]) if f else ([], [])
        if (list(a[0]), [tuple(x) for x in a[1]]) != (b[0], [tuple(x) for x in b[1]]):
            msgs.append("%s frame %d: dnp3-pcap func %s objs %s, plugin func %s objs %s"
                        % (rel, fr, a[0], a[1], b[0], b[1]))
        else:
            checks += 1
    for n, f in frames.items():
        # Expert items of group Malformed also set _ws.malformed: only a frame
        # without an error-level finding must never be malformed.
        errs = [x for x, _d in f["findings"] if env.finding_names.get(x) == "error"]
        if "dnp3kit" in f["protocols"] and (f["bad"] or (f["malformed"] and not errs)):
            msgs.append("%s frame %d: malformed/exception in a dnp3kit frame: %s" % (rel, n, f["bad"]))
    # Findings: same frame and name; end-of-stream ones by name only.
    want_at, want_end = Counter(), Counter()
    for x in kit_check(env, rel, path):
        if x["name"] in CAPTURE_FINDINGS:
            continue
        want_at[(x["frame"], x["name"])] += 1
    got_at, got_end = Counter(), Counter()
    for n, f in frames.items():
        for name, deferred in f["findings"]:
            if deferred:
                got_end[name] += 1
            else:
                got_at[(n, name)] += 1
    # A want that the plugin gives as end-of-stream (any frame) matches by name.
    for k in list(want_at):
        while want_at[k] and got_at[k]:
            want_at[k] -= 1
            got_at[k] -= 1
            checks += 1
    for (fr, name), c in list(want_at.items()):
        while c and got_end[name]:
            got_end[name] -= 1
            c -= 1
            checks += 1
        want_at[(fr, name)] = c
    for (fr, name), c in want_at.items():
        if c:
            msgs.append("%s frame %d: dnp3-pcap check finds %s, plugin has no expert item for it" % (rel, fr, name))
    for (fr, name), c in got_at.items():
        if c:
            msgs.append("%s frame %d: plugin expert item %s not found by dnp3-pcap check" % (rel, fr, name))
    for name, c in got_end.items():
        if c:
            msgs.append("%s: plugin end-of-capture %s x%d not found by dnp3-pcap check" % (rel, name, c))
    return msgs, checks


def mode_captures(env):
    F = Fails()
    caps = captures(env)
    used = Counter()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        for msgs, checks in ex.map(lambda c: compare_one(env, c[0], c[1]), caps):
            for m in msgs:
                for i, e in enumerate(TCP_EXPLAINED):
                    if m.startswith(e["capture"]) and re.search(e["match"], m):
                        used[i] += 1
                        break
                else:
                    F.fail(m)
            F.ok += checks
    for i, e in enumerate(TCP_EXPLAINED):
        if not used[i]:
            F.fail("stale TCP_EXPLAINED entry for %s (%s)" % (e["capture"], e["match"]))
    print("%d captures, %d explained differences (TCP_EXPLAINED)" % (len(caps), sum(used.values())))
    return F.done("dissector vs dnp3-pcap")


def mode_findings(env):
    F = Fails()
    d = os.path.join(env.src, "captures")
    for f in sorted(os.listdir(d)):
        if not f.endswith(".expected.json"):
            continue
        name = f[:-len(".expected.json")]
        if any(e["capture"] == "captures/%s.pcap" % name for e in TCP_EXPLAINED):
            print("%s: TCP/IP recovery differs from dnp3-pcap's (TCP_EXPLAINED; checked in dissector_captures)" % name)
            continue
        exp = json.load(open(os.path.join(d, f), encoding="utf-8"))["files"][0] # a check baseline
        want = Counter(x["name"] for x in exp["findings"] if x["name"] not in CAPTURE_FINDINGS)
        frames, _err = plugin_frames(env, "captures/" + name + ".pcap", os.path.join(d, name + ".pcap"))
        got = Counter(n for fr in frames.values() for n, _d in fr["findings"])
        if got != want:
            F.fail("%s: expert items %s, expected %s" % (name, dict(got), dict(want)))
        else:
            F.ok += 1
        # Frames too, except end-of-stream findings (dnp3-pcap puts them on the FIN).
        want_fr = Counter((x["frame"], x["name"]) for x in exp["findings"] if x["name"] not in CAPTURE_FINDINGS)
        got_fr = Counter((n, nm) for n, fr in frames.items() for nm, dfr in fr["findings"] if not dfr)
        extra = got_fr - want_fr
        if extra:
            F.fail("%s: expert items on unexpected frames: %s" % (name, dict(extra)))
        else:
            F.ok += 1
    # The three the built-in gets wrong (issue): bad header CRC is shown as dnp3kit.
    frames, _ = plugin_frames(env, "captures/link_bad_header_crc.pcap",
                              os.path.join(d, "link_bad_header_crc.pcap"))
    fr6 = frames.get(6)
    if not fr6 or "dnp3kit" not in fr6["protocols"] or ("link_bad_header_crc", False) not in fr6["findings"]:
        F.fail("link_bad_header_crc frame 6 is not dnp3kit with its expert item: %s" % fr6)
    else:
        F.ok += 1
    return F.done("dissector findings")


# Built-in fields a -T fields script is likely to ask for (compat.c fills them
# on every visible tree: tshark 4.0 does not mark -e fields referenced).
BUILTIN_E = ["dnp3.al.func", "dnp3.al.obj", "dnp3.al.seq", "dnp3.al.iin", "dnp3.src", "dnp3.dst", "dnp3.len",
             "dnp3.ctl", "dnp3.tr.ctl",
             # the reassembly: the built-in counts and lists its transport segments (a frame
             # carrying two is listed twice: reassemble.c, one item per fragment)
             "dnp3.al.fragment.count", "dnp3.al.fragment", "dnp3.al.fragment.reassembled.length",
             # g70 file transfer, g0 device attributes
             "dnp3.al.file.mode", "dnp3.al.file.auth", "dnp3.al.file.size", "dnp3.al.file.maxblock",
             "dnp3.al.file.reqID", "dnp3.al.file.status", "dnp3.al.file.handle", "dnp3.al.file.blocknum",
             "dnp3.al.file.lastblock", "dnp3.al.file.perms", "dnp3.al.file_string_offset",
             "dnp3.al.file_string_length", "dnp3.al.file_name", "dnp3.al.file.data", "dnp3.al.datatype",
             "dnp3.al.da.length", "dnp3.al.da.uint8", "dnp3.al.da.uint16", "dnp3.al.da.uint32", "dnp3.al.da.int8",
             "dnp3.al.da.int16", "dnp3.al.da.int32", "dnp3.al.da.float", "dnp3.al.da.double", "dnp3.al.da.value"]


# -T fields -e values that differ for a reason beyond compare_tshark's and
# FILTER_EXPLAINED's (capture, field, frames, why).
E_EXPLAINED = [
    dict(capture="ICS-Security-Tools/opendnp3-3-conformance/6.6.2.5.pcap", field="dnp3.tr.ctl", frames=[10, 12],
         why="RESET_LINK_STATES (0xC0) and REQUEST_LINK_STATUS (0xC9) with LENGTH 20: functions that carry no "
             "user data (table 9-1). The built-in leaves the octets undecoded (it does decode those of "
             "TEST_LINK_STATES, frame 8); the plugin shows them as the transport header they would be, with "
             "link_unexpected_payload, and hands nothing to the application layer (no dnp3.al.* in either)."),
] + [
    dict(capture=c, field="dnp3.al.file.perms", frames=[fr],
         why="g70v3 (A.27.3): after the 2-octet size prefix come name offset, name size, 6 octets of creation "
             "time, then the permissions, here ff 01 (0777). Wireshark 4.0.17 shows the size prefix as the "
             "permissions (%s, the object's size); the plugin gives the permissions octets." % v)
    for c, fr, v in (("zeek/dnp3_file_write.pcap", 4, "85"), ("ICS-Security-Tools/file_write.pcap", 1, "42"))
] + [
    dict(capture="arkime/dnp3_synthetic.pcap", field="dnp3.al.datatype", frames=[9],
         why="WRITE of g0v1 whose octets are shorter than its range needs: the plugin stops with "
             "app_object_truncated (4.2.2.7); the built-in reads data-type octets out of what follows."),
]


def e_fields(out):
    """tshark -T fields output -> {frame: [values of the other fields]} (frames with any)."""
    res = {}
    for line in out.splitlines():
        p = line.split("\t")
        if p and p[0].isdigit() and any(p[1:]):
            res[int(p[0])] = (p[1:] + [""] * len(BUILTIN_E))[:len(BUILTIN_E)]
    return res


def mode_builtin(env):
    import compare_tshark as ct  # the table of judged differences, reused as is
    F = Fails()
    if not env.shared or not os.path.isdir(env.shared):
        print("SKIP: no shared captures")
        return SKIP
    # The shared captures, and one crafted: clean_session.pcap's responses of five segments
    # in four frames (frames 31, 44: the last frame carries two segments).
    caps = [c for c in captures(env) if not c[0].startswith("captures/")]
    caps.append(("captures/clean_session.pcap", os.path.join(env.src, "captures", "clean_session.pcap")))

    def one(c):
        rel, path = c
        frames, _err = plugin_frames(env, rel, path, two_pass=False)
        staged = env.stage(path, rel.replace("/", "__"))
        extra = []
        if rel == "zeek/dnp3_read_p20001.pcap":
            extra = ["-d", "tcp.port==20001,dnp3", "-d", "udp.port==20001,dnp3"]
        # A script written for the built-in: -T fields -e dnp3.*, no filter naming them.
        e = [x for f in ["frame.number"] + BUILTIN_E for x in ("-e", f)]
        _rc, bi_e, _e = env.tshark(["-n", "-r", staged] + extra + ["-o", "dnp3.desegment:TRUE", "-T", "fields"] + e,
                                   plugin=False)
        # The built-in's function codes and object headers for compare_tshark: the
        # first three columns of that run (BUILTIN_E starts with dnp3.al.func,
        # dnp3.al.obj), byte for byte what a run of -e frame.number -e dnp3.al.func
        # -e dnp3.al.obj with the same options gives (checked on every capture this
        # mode uses before the second tshark run per capture was dropped).
        assert BUILTIN_E[:2] == ["dnp3.al.func", "dnp3.al.obj"]
        out = "".join("\t".join(l.split("\t")[:3]) + "\n" for l in bi_e.splitlines())
        _rc, kit_e, _e = env.tshark(["-n", "-r", staged] + port_args(rel)[0] + TCP_PREFS + ["-T", "fields"] + e)
        return rel, frames, out, e_fields(kit_e), e_fields(bi_e)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        results = list(ex.map(one, caps))
    e_ok, e_explained, e_fail, e_used = 0, 0, [], set()
    for rel, frames, out, kit_e, bi_e in results:
        tmpf = os.path.join(env.tmp, "builtin.txt")
        with open(tmpf, "w", encoding="utf-8") as fh:
            fh.write(out)
        ts = ct.load_tshark(tmpf)
        kit = {n: (f["funcs"], f["objs"]) for n, f in frames.items() if f["funcs"] or f["objs"]}
        ct.compare_tshark(rel, kit, ts)
        # -T fields -e dnp3.*: with the plugin the same values as the built-in's,
        # except where compare_tshark judges the function/object reading (the
        # application fields follow the plugin there) or FILTER_EXPLAINED the link.
        app_ok = {fr for fr in set(kit) | set(ts) if ct.norm(kit.get(fr)) != ct.norm(ts.get(fr)) and any(
            x["capture"] == rel and ct.frames_match(x, fr) and ct.norm(x["tshark"]) == ct.norm(ts.get(fr))
            and ct.norm(x["kit"]) == ct.norm(kit.get(fr)) for x in ct.TSHARK_EXPLAINED)}
        link_ok = {fr for x in FILTER_EXPLAINED if x["capture"] == rel and x["filter"] == LINK_FILTER
                   for fr in x["frames"]}
        blank = [""] * len(BUILTIN_E)
        for fr in sorted(set(kit_e) | set(bi_e)):
            a, b = kit_e.get(fr, blank), bi_e.get(fr, blank)
            for i, f in enumerate(BUILTIN_E):
                if a[i] == b[i]:
                    e_ok += 1
                elif fr in (app_ok if f.startswith("dnp3.al.") else link_ok):
                    e_explained += 1
                elif any(x["capture"] == rel and x["field"] == f and fr in x["frames"] for x in E_EXPLAINED):
                    e_explained += 1
                    e_used.add((rel, f))
                else:
                    e_fail.append("%s frame %d: -T fields -e %s gives '%s' with the plugin, '%s' with the built-in"
                                  % (rel, fr, f, a[i][:60], b[i][:60]))
        # and they are the plugin's own values
        for fr in sorted(set(kit) | set(kit_e)):
            got = ct.norm(([int(x, 0) for x in kit_e.get(fr, blank)[0].split(",") if x],
                           [(int(x, 0) >> 8, int(x, 0) & 0xFF) for x in kit_e.get(fr, blank)[1].split(",") if x]))
            want = ct.norm(kit.get(fr, ([], [])))
            if got != want:
                e_fail.append("%s frame %d: -e dnp3.al.func/obj %s, dnp3kit.al.func/obj %s" % (rel, fr, got, want))
            else:
                e_ok += 1
    for x in E_EXPLAINED:
        if (x["capture"], x["field"]) not in e_used and any(r[0] == x["capture"] for r in results):
            e_fail.append("stale E_EXPLAINED entry %s / %s" % (x["capture"], x["field"]))
    F.ok = ct.R.checks + e_ok
    F.msgs = ct.R.failures + e_fail
    print("%d explained differences (IEEE 1815 clauses in compare_tshark.py), %d XFAIL"
          % (len(ct.R.explained), len(ct.R.xfail)))
    # the frames the two read differently, per class (the clause that decides; docs/dissector.md)
    per = Counter(ct.TSHARK_EXPLAINED[x[2]]["clause"] for x in ct.R.explained)
    same = ct.R.by_kind["tshark frame"]
    print("function codes and object headers: %d frames with them in either, %d the same (%.1f %%), %d differ, "
          "each judged:" % (same + len(ct.R.explained), same, 100.0 * same / max(1, same + len(ct.R.explained)),
                            len(ct.R.explained)))
    for clause, n in per.most_common():
        print("  %5d  %s" % (n, clause))
    print("-T fields -e of %d built-in fields (BUILTIN_E): %d values as the built-in's, %d differences judged "
          "(compare_tshark.py, FILTER_EXPLAINED, E_EXPLAINED), %d not" % (len(BUILTIN_E), e_ok, e_explained,
                                                                            len(e_fail)))
    return F.done("dissector vs built-in dnp3")


# The built-in's filters an analyst is likely to have saved: function codes,
# objects, qualifiers, IIN bits, CRCs, addresses, link and transport control.
# The plugin fills these fields itself (dissector/compat.c).
BUILTIN_FILTERS = [
    "dnp3",
    "dnp3.al.func == 129", "dnp3.al.func == 130", "dnp3.al.func == 1", "dnp3.al.func == 2",
    "dnp3.al.func == 0", "dnp3.al.func in {3,4,5,6}", "dnp3.al.func == 20 || dnp3.al.func == 21",
    "dnp3.al.func >= 13 && dnp3.al.func <= 18", "dnp3.al.func >= 25 && dnp3.al.func <= 33",
    "dnp3.al.obj == 0x3c01", "dnp3.al.obj == 0x3c02", "dnp3.al.obj == 0x0c01", "dnp3.al.obj == 0x3201",
    "dnp3.al.obj >= 0x0100 && dnp3.al.obj < 0x0500", "dnp3.al.obj >= 0x1400 && dnp3.al.obj < 0x1700",
    "dnp3.al.obj >= 0x1e00 && dnp3.al.obj < 0x2200", "dnp3.al.obj >= 0x4600 && dnp3.al.obj < 0x4700",
    "dnp3.al.obj >= 0x7800",
    "dnp3.al.objq.prefix == 0", "dnp3.al.objq.prefix == 1", "dnp3.al.objq.prefix == 2",
    "dnp3.al.objq.range == 0", "dnp3.al.objq.range == 1", "dnp3.al.objq.range == 6", "dnp3.al.objq.range == 7",
    "dnp3.al.objq.range == 8", "dnp3.al.range.quantity == 1", "dnp3.al.range.start == 0",
    "dnp3.al.range.stop > 10",
    "dnp3.al.iin", "dnp3.al.iin != 0", "dnp3.al.iin.rst", "dnp3.al.iin.dt", "dnp3.al.iin.dol", "dnp3.al.iin.tsr",
    "dnp3.al.iin.cls1d", "dnp3.al.iin.cls2d", "dnp3.al.iin.cls3d", "dnp3.al.iin.bmsg", "dnp3.al.iin.fcni",
    "dnp3.al.iin.obju", "dnp3.al.iin.pioor", "dnp3.al.iin.ebo", "dnp3.al.iin.oae", "dnp3.al.iin.cc",
    "dnp3.al.ctl", "dnp3.al.fir && dnp3.al.fin", "dnp3.al.fir == 0", "dnp3.al.fin == 0", "dnp3.al.con == 1",
    "dnp3.al.uns == 1", "dnp3.al.seq == 0", "dnp3.al.seq == 15",
    "dnp.hdr.CRC.status == 0", "dnp.hdr.CRC.status == 1", "dnp3.hdr.CRC.incorrect", "dnp3.hdr.CRC == 0",
    "dnp.data_chunk.CRC.status == 0", "dnp.data_chunk.CRC.status == 1", "dnp3.data_chunk.CRC.incorrect",
    "dnp.data_chunk_len == 16", "dnp.data_chunk",
    "dnp3.src == 1", "dnp3.dst == 1", "dnp3.src == 10", "dnp3.dst == 10", "dnp3.src == 1024",
    "dnp3.addr == 4", "dnp3.addr == 3", "dnp3.src > 100", "dnp3.dst == 65535", "dnp3.dst >= 0xfff0",
    "dnp3.start == 0x0564", "dnp3.len == 5", "dnp3.len > 200",
    "dnp3.ctl.dir", "dnp3.ctl.prm", "dnp3.ctl.fcb", "dnp3.ctl.fcv", "dnp3.ctl.dfc",
    "dnp3.ctl.prifunc == 4", "dnp3.ctl.prifunc == 3", "dnp3.ctl.prifunc == 9", "dnp3.ctl.prifunc == 0",
    "dnp3.ctl.secfunc == 0", "dnp3.ctl.secfunc == 11",
    "dnp3.tr.ctl", "dnp3.tr.fir && dnp3.tr.fin", "dnp3.tr.fin == 0", "dnp3.tr.fir == 0", "dnp3.tr.seq == 0",
    "dnp3.al.fragment.count > 1", "dnp3.al.fragment.reassembled.length > 249", "dnp3.al.fragment",
]
# Frames where a filter of the built-in selects differently with the plugin, and
# the IEEE 1815 reason (capture, filter regex, frames, why). Each entry must
# still match a live difference.
LINK_FILTER = r"^(dnp3|dnp\.hdr|dnp3\.(hdr|addr|start|ctl|src|dst|len))\b"
FILTER_EXPLAINED = [
    dict(capture="ICS-Security-Tools/%s.pcap" % c, filter=LINK_FILTER, frames=[6],
         why="05 64 00 0b 04 00 03 00 00 00: a link header with LENGTH 0 and a CRC of 0000 (should be "
             "cffd). The built-in does not take a LENGTH below 5 for DNP3 and leaves the octets to TCP; the "
             "plugin shows the DNP3 header it is, with the bad CRC (9.2.4.1.2, 9.2.4.2) and "
             "link_bad_header_crc, so the built-in's CRC and address filters find it too.")
    for c in ("DNP3-RequestLink", "DNP3-RequestLinkStatus", "DNP3-SelectOperateRequest")
] + [
    dict(capture="ICS-Security-Tools/opendnp3-3-conformance/6.6.2.5.pcap",
         filter=r"^(dnp\.data_chunk|dnp3\.tr\.)", frames=[10, 12],
         why="RESET_LINK_STATES and REQUEST_LINK_STATUS with LENGTH 20 (table 9-1: these carry no user "
             "data). The built-in shows the header only and ignores the 15 octets and CRCs the LENGTH "
             "declares; the plugin shows them as data blocks with their CRCs and the octet where a "
             "transport header would be, reports link_unexpected_payload and delivers nothing."),
]
# Filters whose differences follow from a judged difference in function codes
# or object headers (compare_tshark.TSHARK_EXPLAINED) on the same frame.
APP_FILTER = re.compile(r"^dnp3\.al\.")


def filter_frames(env, staged, filters_file, plugin, extra):
    """({filter index: set of frames}, compare_tshark-style {frame: (funcs, objs)}) from one
    run of every filter (dissector_filters.lua)."""
    lua = os.path.join(env.tmp, "filters.lua")
    if not os.path.exists(lua):
        shutil.copy(os.path.join(HERE, "dissector_filters.lua"), lua)
        os.chmod(lua, 0o644)
    args = ["-n", "-q", "-r", staged] + list(extra) + ["-X", "lua_script:" + lua]
    cmd = env.tshark_cmd(args, plugin)
    i = cmd.index("tshark")
    cmd = cmd[:i] + ["DNP3KIT_FILTERS=" + filters_file] + cmd[i:]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=env.tmp, timeout=900)
    if p.returncode != 0:
        raise RuntimeError("tshark %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr.decode()[-500:]))
    res, app = {}, []
    for line in p.stdout.decode().splitlines():
        k, _t, v = line.partition("\t")
        if k.isdigit():
            res[int(k) - 1] = {int(x) for x in v.split()}
        elif k == "F":
            app.append(v)
    if len(res) != len(BUILTIN_FILTERS):
        raise RuntimeError("filter script answered %d of %d filters: %s" % (len(res), len(BUILTIN_FILTERS),
                                                                        p.stderr.decode()[-500:]))
    tmpf = staged + (".kit" if plugin else ".builtin") + ".app"
    with open(tmpf, "w", encoding="utf-8") as fh:
        fh.write("\n".join(app) + "\n")
    import compare_tshark as ct
    return res, ct.load_tshark(tmpf)


def mode_filters(env):
    import compare_tshark as ct
    F = Fails()
    if not env.shared or not os.path.isdir(env.shared):
        print("SKIP: no shared captures")
        return SKIP
    ff = os.path.join(env.tmp, "filters.txt")
    with open(ff, "w", encoding="utf-8") as fh:
        fh.write("\n".join(BUILTIN_FILTERS) + "\n")
    os.chmod(ff, 0o644)
    # The shared captures, and one crafted: clean_session.pcap's responses of five segments
    # in four frames (frames 31, 44: the last frame carries two segments).
    caps = [c for c in captures(env) if not c[0].startswith("captures/")]
    caps.append(("captures/clean_session.pcap", os.path.join(env.src, "captures", "clean_session.pcap")))

    def one(c):
        rel, path = c
        staged = env.stage(path, rel.replace("/", "__"))
        kit_extra = port_args(rel)[0]
        bi_extra = ["-d", "tcp.port==20001,dnp3", "-d", "udp.port==20001,dnp3"] if kit_extra else []
        # with the plugin dnp3.al.func/obj carry exactly dnp3kit.al.func/obj (compat.c)
        with_plugin, kit = filter_frames(env, staged, ff, True, kit_extra)
        without, ts = filter_frames(env, staged, ff, False, bi_extra)
        return rel, with_plugin, without, kit, ts

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        results = list(ex.map(one, caps))
    used = Counter()
    judged = 0
    for rel, a, b, kit, ts in results:
        # Frames where the two dissectors' answers differ and compare_tshark explains it.
        explained_app = set()
        for fr in set(kit) | set(ts):
            ka, ta = ct.norm(kit.get(fr)), ct.norm(ts.get(fr))
            if ka != ta and any(e["capture"] == rel and ct.frames_match(e, fr) and ct.norm(e["tshark"]) == ta
                                and ct.norm(e["kit"]) == ka for e in ct.TSHARK_EXPLAINED):
                explained_app.add(fr)
        for i, flt in enumerate(BUILTIN_FILTERS):
            diff = a[i] ^ b[i]
            if not diff:
                F.ok += 1
                continue
            rest = set(diff)
            if APP_FILTER.search(flt):
                judged += len(rest & explained_app)
                rest -= explained_app
            for k, e in enumerate(FILTER_EXPLAINED):
                if e["capture"] == rel and re.search(e["filter"], flt):
                    hit = rest & set(e["frames"])
                    if hit:
                        used[k] += 1
                        rest -= hit
            if rest:
                F.fail("%s: filter '%s' selects frames %s with the plugin, %s without (differ: %s)"
                       % (rel, flt, sorted(a[i] & rest)[:12], sorted(b[i] & rest)[:12], sorted(rest)[:12]))
            else:
                F.ok += 1
    for k, e in enumerate(FILTER_EXPLAINED):
        if not used[k]:
            F.fail("stale FILTER_EXPLAINED entry %s / %s" % (e["capture"], e["filter"]))
    print("%d captures x %d filters; %d frame differences follow from judged function/object differences "
          "(compare_tshark.py), %d from FILTER_EXPLAINED" % (len(caps), len(BUILTIN_FILTERS), judged,
                                                            sum(used.values())))
    return F.done("built-in dnp3 filters with and without the plugin")


def dnp3kit_layers(env, staged, two_pass, extra=()):
    args = ["-n", "-r", staged] + (["-2"] if two_pass else []) + TCP_PREFS + list(extra) + ["-T", "json", "-J",
                                                                                  "frame dnp3kit",
                                                                                  "--no-duplicate-keys"]
    _rc, out, _err = env.tshark(args)
    res = {}
    for pkt in json.loads(out or "[]"):
        lay = pkt["_source"]["layers"]
        if "dnp3kit" in lay:
            res[int(lay["frame"]["frame.number"]) if "frame" in lay else len(res)] = lay["dnp3kit"]
    return res


GOLDEN = [
    # (golden name, capture, frames, why)
    ("multi_segment_response", "clean_session.pcap", [20, 21, 22, 25, 28, 31, 32],
     "a two-fragment confirmed response: link frames over many small TCP segments, 4 transport "
     "segments per fragment, and its CONFIRM"),
    ("select_operate", "clean_session.pcap", [11, 12, 13, 14],
     "SELECT / response / OPERATE / response: request links, response times, SELECT->OPERATE"),
    ("bad_header_crc", "link_bad_header_crc.pcap", [6, 7],
     "a frame whose header CRC is bad, then the next frame with link_garbage"),
    ("valid_prefix", "app_truncated_object.pcap", [7],
     "a response whose g30v1 0-3 breaks off after two objects: the header with its two whole objects, "
     "valid_count, complete false, the finding with its detail"),
    ("objects_named", "objects_named.pcap", [7],
     "values by name and type: g0 attributes UINT/VSTR/FLT (0.1 exactly), g120v5 key wrap, key status "
     "and MAC algorithm, g120v7 error code, g121v1 statistic names"),
    ("cto_relative", "shared:ICS-Security-Tools/opendnp3-3-conformance/8.14.2.12.pcap", [10],
     "g2v3 events after a g51v2 CTO: each with dnp3kit.al.point.cto_time, the CTO plus its relative ms"),
    ("reserved_qualifier", "shared:zeek/dnp3.pcap", [163],
     "STOP_APPL g60v2, g1v7, then g60v4 with the reserved qualifier 0xED: listed in dnp3kit.al.obj, "
     "nothing after it"),
    ("range_address", "app_range_address.pcap", [7],
     "range code 4 (start/stop addresses) decoded like range code 1, with app_unusual_qualifier"),
    ("reserved_function", "link_reserved_function.pcap", [6, 7, 8],
     "reserved link functions (tables 9-1, 9-2): primary 5 with a DIRECT_OPERATE in two data blocks and "
     "secondary 14 with a null RESPONSE, each one whole segment: link header, blocks with CRCs, "
     "link_reserved_function, the transport header and the application layer decoded as if user data "
     "(dnp3kit.al.tentative); primary 10 whose segment has FIR only: link and transport only"),
    ("file_write", "shared:zeek/dnp3_file_write.pcap", [4, 6, 13, 18],
     "g70 file transfer: v3 file command fields (name, mode, permissions, size, block size, request id, "
     "time), v4/v6 status codes by name, v5 block number with the last-block flag split out"),
]


# g70 values of the built-in dnp3 (-e) and where the plugin has the same value:
# (built-in field, plugin fields (the first present one per frame), how to read a value)
FILE_VALUES = [
    ("dnp3.al.file.mode", ["dnp3kit.al.file.mode"], int),
    ("dnp3.al.file.maxblock", ["dnp3kit.al.file.max_block", "dnp3kit.al.point.max_block"], int),
    ("dnp3.al.file.reqID", ["dnp3kit.al.file.request_id", "dnp3kit.al.point.request_id"], int),
    ("dnp3.al.file.status", ["dnp3kit.al.point.status_code"], int),
    ("dnp3.al.file.handle", ["dnp3kit.al.point.handle"], lambda v: int(v, 0)),
    ("dnp3.al.file.blocknum", ["dnp3kit.al.file.block_number"], lambda v: int(v, 0)),
    ("dnp3.al.file.lastblock", ["dnp3kit.al.file.last_block"], lambda v: v in ("1", "True")),
    ("dnp3.al.file_name", ["dnp3kit.al.file.name"], str),
    ("dnp3.al.file.size", ["dnp3kit.al.file.size", "dnp3kit.al.point.file_size"], lambda v: int(v, 0)),
]
FILE_CAPTURES = ["zeek/dnp3_file_write.pcap", "zeek/dnp3_file_del.pcap", "ICS-Security-Tools/file_read.pcap",
                 "ICS-Security-Tools/file_write.pcap"]
# Where the built-in is wrong: Wireshark 4.0 reads g70v3's permissions two octets
# early (it shows the size prefix, 85 = 0125, for zeek/dnp3_file_write.pcap's
# 0x01ff), so dnp3.al.file.perms is not compared; the plugin's is in the golden.


def mode_values(env):
    F = Fails()
    if not env.shared:
        print("SKIP: no shared captures")
        return SKIP

    def fields(staged, plugin, names, filt):
        args = ["-n", "-r", staged, "-Y", filt, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
                "-E", "aggregator=|", "-e", "frame.number"]
        for n in names:
            args += ["-e", n]
        _rc, out, _err = env.tshark(args, plugin=plugin)
        res = {}
        for line in out.splitlines():
            cols = line.split("\t")
            res[int(cols[0])] = dict(zip(names, cols[1:]))
        return res

    for rel in FILE_CAPTURES:
        path = os.path.join(env.shared, rel)
        if not os.path.exists(path):
            F.fail("%s: missing" % rel)
            continue
        staged = env.stage(path, rel.replace("/", "_"))
        bi = fields(staged, False, [b for b, _p, _c in FILE_VALUES], "dnp3.al.obj >= 0x4600 && dnp3.al.obj <= 0x46ff")
        kit = fields(staged, True, [n for _b, ps, _c in FILE_VALUES for n in ps],
                     "dnp3kit.al.obj >= 0x4600 && dnp3kit.al.obj <= 0x46ff")
        if not bi:
            F.fail("%s: the built-in shows no g70 object" % rel)
        for frame, row in sorted(bi.items()):
            for b, ps, conv in FILE_VALUES:
                want = row.get(b, "")
                if not want:
                    continue
                got = next((kit.get(frame, {}).get(p) for p in ps if kit.get(frame, {}).get(p)), "")
                w = [conv(v) for v in want.split("|")]
                g = [conv(v) for v in got.split("|")] if got else []
                if w != g:
                    F.fail("%s frame %d: %s %r, plugin %s %r" % (rel, frame, b, w, "/".join(ps), g))
                else:
                    F.ok += 1
    # ... and -V names them: (capture, frame filter, lines the tree must hold)
    named = [
        ("shared:zeek/dnp3_file_write.pcap", "frame.number == 4 || frame.number == 6 || frame.number == 13",
         ["Operational mode: WRITE (2)", "Status code: SUCCESS (0)", "Last block: True", "Block number: 0",
          "Point block=0 (last)", "Permissions: 0777", "Point name=\"C:/temp/DNPDeviceConfiguration written to "
          "Remote Device.xml\" mode=WRITE", "Point status_code=SUCCESS"]),
        ("objects_named.pcap", "frame.number == 7",
         ["Point 212 UINT 1", "Point 250 VSTR \"dnp3kit\"", "Point 203 FLT 0.1", "Attribute value: 0.1",
          "Key wrap alg: AES_256 (2)", "Key status: OK (1)", "Mac alg: HMAC_SHA256_16 (4)",
          "Error: MAC_ALGORITHM_NOT_SUPPORTED (5)", "[Statistic: UNEXPECTED_MESSAGES]",
          "[Statistic: AUTHORIZATION_FAILURES]", "Data type: UINT (2)"]),
        ("shared:ICS-Security-Tools/opendnp3-3-conformance/8.14.2.12.pcap", "frame.number == 10",
         ["Point 0 flags=ONLINE|STATE value=true time=2020-04-10T16:00:31.209Z (CTO +0ms)",
          "[Time (CTO + relative): Apr 10, 2020 16:00:31.209000000 UTC]"]),
        ("shared:zeek/dnp3.pcap", "frame.number == 163",
         ["Object g60v4: Class Objects - Class 3 Data, reserved qualifier"]),
        ("link_reserved_function.pcap", "frame.number >= 6 && frame.number <= 8",
         ["Application layer, DIRECT_OPERATE seq 5 [decoded as if user data: function 5 is reserved]",
          "[Decoded as if user data: link function 5 is reserved]", "Point 3 status=SUCCESS",
          "Application layer, RESPONSE seq 7 [decoded as if user data: function 14 is reserved]",
          "Block data: d5c5050c012801000300030164000000", "Block data: 0000000000",
          "link_reserved_function: reserved or obsolete link function code (tables 9-1, 9-2)",
          "[Detail: link function 10, LENGTH 11]"]),
        ("app_range_address.pcap", "frame.number == 7",
         ["Object g30v4: Analog Input - 16-bit Without Flag, range 10-11", "Point 11 value=2",
          ".... 0100 = Range code: 2-octet start/stop address (0x4)"]),
    ]
    for cap, filt, lines in named:
        staged = stage_capture(env, cap)
        if not staged:
            F.fail("%s: no shared captures" % cap)
            continue
        _rc, out, _err = env.tshark(["-n", "-r", staged, "-Y", filt, "-O", "dnp3kit"])
        # a whole line, or the name part of a bit field ("1... .... = Last block: True")
        have = set(l.strip() for l in out.splitlines()) | set(l.split(" = ", 1)[-1].strip() for l in out.splitlines())
        for l in lines:
            if l in have:
                F.ok += 1
            else:
                F.fail("%s (%s): -V lacks %r" % (cap, filt, l))
    return F.done("g70 values equal the built-in's; names in -V")



def stage_capture(env, cap):
    """Stage captures/CAP, or the shared capture of "shared:REL"; None without shared captures."""
    if not cap.startswith("shared:"):
        return env.stage(os.path.join(env.src, "captures", cap))
    if not env.shared:
        return None
    return env.stage(os.path.join(env.shared, cap[7:]), cap[7:].replace("/", "_"))


def compat_key(k):
    """A hidden copy of the built-in's fields (compat.c, on every visible tree):
    left out of golden files, cli_dissector_builtin/_filters compare them."""
    return k == "dnp3" or k.startswith("dnp3.") or k.startswith("dnp.")


def trim_points(obj, keep=3):
    """Keep golden files small: the first `keep` points of each object header
    (and no compat_key items)."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if compat_key(k):
                continue
            if k == "dnp3kit.al.point" and isinstance(v, list) and len(v) > keep:
                out[k] = [trim_points(x) for x in v[:keep]]
                out["(golden: points not stored)"] = len(v) - keep
            else:
                out[k] = trim_points(v)
        return out
    if isinstance(obj, list):
        return [trim_points(x) for x in obj]
    return obj


def mode_golden(env):
    F = Fails()
    gdir = os.path.join(env.src, "tests", "golden")
    update = os.environ.get("DNP3KIT_UPDATE_GOLDEN") == "1"
    for name, cap, frames, why in GOLDEN:
        staged = stage_capture(env, cap)
        if not staged:
            F.fail("%s: no shared captures" % name)
            continue
        lay = dnp3kit_layers(env, staged, True)
        got = {"capture": cap.replace("shared:", "../shared/captures/") if cap.startswith("shared:") else "captures/" + cap,
               "what": why,
               "frames": {str(k): trim_points(lay.get(k)) for k in frames}}
        text = json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        path = os.path.join(gdir, "dissector_%s.json" % name)
        if update:
            os.makedirs(gdir, exist_ok=True)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            print("wrote " + path)
            continue
        try:
            want = open(path, encoding="utf-8").read()
        except OSError:
            F.fail("missing golden file %s (DNP3KIT_UPDATE_GOLDEN=1 writes it)" % path)
            continue
        if want != text:
            import difflib
            d = "".join(list(difflib.unified_diff(want.splitlines(True), text.splitlines(True), path, "tshark"))[:80])
            F.fail("%s differs:\n%s" % (name, d))
        else:
            F.ok += 1
    return F.done("dissector golden")


def mode_fuzz(env):
    import dissector_mutate as mut
    F = Fails()
    n = int(os.environ.get("DNP3KIT_FUZZ_N", "300"))
    seeds = [p for _r, p in captures(env, shared=True) if p.endswith(".pcap")]
    seeds = [s for s in seeds if os.path.getsize(s) < 200000]
    outdir = os.path.join(env.caps, "fuzz")
    os.makedirs(outdir)
    os.chmod(outdir, 0o755)
    files = mut.make(seeds, outdir, n, seed=int(os.environ.get("DNP3KIT_FUZZ_SEED", "1815")))
    for f in files:
        os.chmod(f, 0o644)

    def one(f):
        cmd = env.tshark_cmd(["-n", "-r", f, "-2", "-V", "-o", "dnp3kit.heuristic:TRUE", "-z", "dnp3kit,tree"])
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=env.tmp, timeout=300)
        except subprocess.TimeoutExpired:
            return f, ["tshark hung (timeout 300 s)"], 0
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        bad = []
        if p.returncode != 0:
            bad.append("exit %d: %s" % (p.returncode, err[-400:]))
        for m in re.finditer(r".*(Dissector bug|Malformed Packet: DNP3kit|AddressSanitizer|runtime error).*", out + err):
            bad.append(m.group(0)[:200])
        return f, bad, out.count("DNP3 (dnp3kit")

    total = 0
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        for f, bad, cnt in ex.map(one, files):
            total += cnt
            if bad:
                keep = os.path.join(env.build, "dissector-fuzz-failures")
                F.fail("%s: %s" % (os.path.basename(f), "; ".join(bad[:3])))
                try:
                    os.makedirs(keep, exist_ok=True)
                    shutil.copy(f, keep)
                except OSError:
                    pass
            else:
                F.ok += 1
    print("%d mutated captures, %d dnp3kit PDUs dissected with full trees" % (len(files), total))
    return F.done("dissector fuzz")


def big_fragment_capture(path, npoints=16381):
    """READ from master 1 to outstation 10, then one response fragment of
    4 + 7 + 4 * npoints octets (65,535 for the default) over UDP port 20000."""
    import dissector_mutate as mut
    frag = bytes([0xC0, 0x81, 0, 0, 30, 3, 0x01]) + struct.pack("<HH", 0, npoints - 1) + \
        b"".join(struct.pack("<i", i) for i in range(npoints))

    def frame(ctrl, dst, src, user):
        h = bytes([0x05, 0x64, 5 + len(user), ctrl]) + struct.pack("<HH", dst, src)
        out = h + struct.pack("<H", mut.crc16(h))
        for k in range(0, len(user), 16):
            blk = user[k:k + 16]
            out += blk + struct.pack("<H", mut.crc16(blk))
        return out

    def udp(sport, dport, payload, src_ip, dst_ip):
        u = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 0, 0, 64, 17, 0, src_ip, dst_ip)
        return ip + u

    m_ip, o_ip = bytes([127, 0, 0, 1]), bytes([127, 0, 0, 2])
    pkts = [udp(40000, 20000, frame(0xC4, 10, 1, bytes([0xC0, 0xC0, 0x01, 60, 2, 0x06])), m_ip, o_ip)]
    seq = 0
    for k in range(0, len(frag), 249):
        part = frag[k:k + 249]
        th = (seq & 0x3F) | (0x40 if k == 0 else 0) | (0x80 if k + 249 >= len(frag) else 0)
        pkts.append(udp(20000, 40000, frame(0x44, 1, 10, bytes([th]) + part), o_ip, m_ip))
        seq += 1
    hdr = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101)  # LINKTYPE_RAW
    mut.write_pcap(path, "<", hdr, [[1700000000, i, len(b), b] for i, b in enumerate(pkts)])
    return len(frag), len(pkts) - 1


def mode_bigfragment(env):
    F = Fails()
    path = os.path.join(env.caps, "big_fragment.pcap")
    flen, nseg = big_fragment_capture(path)
    os.chmod(path, 0o644)
    if flen != 65535:
        F.fail("generator made a %d-octet fragment" % flen)
    fields = ["frame.number", "dnp3kit.tr.len", "dnp3kit.tr.segments", "dnp3kit.al.points", "dnp3kit.al.obj",
              "_ws.expert.message"]
    args = ["-n", "-r", path, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]
    for f in fields:
        args += ["-e", f]
    _rc, out, _err = env.tshark(args)
    rows = [l.split("\t") for l in out.splitlines()]
    done = [r for r in rows if len(r) > 2 and r[2] not in ("", "1")]  # fragments of several segments
    if len(done) != 1 or done[0][1:5] != [str(flen), str(nseg), "16381", "0x1e03"]:
        F.fail("65,535-octet fragment not reassembled in one piece: %s" % [r[:5] for r in done])
    else:
        F.ok += 1
    bad = [r[5] for r in rows if len(r) > 5 and re.search(r"transport_|app_", r[5])]
    if bad:
        F.fail("findings on the big fragment: %s" % bad[:3])
    else:
        F.ok += 1
    # Every point decoded: indices 0..16380, each value equal to its index.
    _rc, out, _err = env.tshark(["-n", "-r", path, "-Y", "dnp3kit.tr.len", "-T", "fields", "-E", "occurrence=a",
                                 "-E", "aggregator=,", "-e", "dnp3kit.al.point.index",
                                 "-e", "dnp3kit.al.point.value.int"])
    cols = out.strip().split("\t")
    idx = cols[0].split(",") if cols and cols[0] else []
    val = cols[1].split(",") if len(cols) > 1 and cols[1] else []
    want = [str(i) for i in range(16381)]
    if idx != want or val != want:
        F.fail("points of the big fragment: %d indices, %d values (first %s, last %s)"
               % (len(idx), len(val), idx[:2], idx[-2:]))
    else:
        F.ok += 1
    # The preference bounds it: 2048 refuses the message with its finding.
    _rc, out, _err = env.tshark(["-n", "-r", path, "-o", "dnp3kit.max_fragment:2048", "-T", "fields",
                                 "-e", "dnp3kit.tr.len", "-e", "_ws.expert.message"])
    if "transport_message_too_large" not in out or any(l.split("\t")[0] for l in out.splitlines()[1:]):
        F.fail("dnp3kit.max_fragment:2048 does not refuse the 65,535-octet fragment")
    else:
        F.ok += 1
    return F.done("dissector 65,535-octet fragment")


def mode_prefix(env):
    F = Fails()
    d = os.path.join(env.src, "captures")
    n = 0
    for f in sorted(os.listdir(d)):
        if not f.endswith(".pcap"):
            continue
        path = os.path.join(d, f)
        p = subprocess.run([env.pcap, "decode", "--json", "-j", "1", path], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        broken = [json.loads(l) for l in p.stdout.decode().splitlines() if '"complete":false' in l]
        broken = [r for r in broken if r.get("complete") is False]
        if not broken:
            continue
        staged = env.stage(path)
        _rc, out, _err = env.tshark(["-n", "-r", staged] + TCP_PREFS + ["-T", "fields", "-E", "occurrence=a",
                                     "-E", "aggregator=,", "-e", "frame.number", "-e", "dnp3kit.al.obj",
                                     "-e", "dnp3kit.al.point.index", "-e", "dnp3kit.al.complete"])
        rows = {}
        for line in out.splitlines():
            c = line.split("\t")
            rows[int(c[0])] = c[1:]
        for r in broken:
            n += 1
            objs = ["0x%04x" % (o["group"] << 8 | o["variation"]) for o in r.get("objects", [])]
            idx = [str(pt["index"]) for o in r.get("objects", []) for pt in o.get("points", []) if "index" in pt]
            got = rows.get(r["frame"], ["", "", ""])
            gobjs = got[0].split(",") if got[0] else []
            gidx = got[1].split(",") if len(got) > 1 and got[1] else []
            if gobjs != objs or gidx != idx or (got[2] if len(got) > 2 else "") not in ("0", "False"):
                F.fail("%s frame %d: decode --json objects %s points %s; plugin objects %s points %s complete %r"
                       % (f, r["frame"], objs, idx, gobjs, gidx, got[2:] if len(got) > 2 else None))
            else:
                F.ok += 1
    if n == 0:
        F.fail("no crafted capture with an incomplete fragment")
    print("%d incomplete fragments in the crafted captures" % n)
    return F.done("dissector valid prefix vs decode --json")


FINDING_LINE = re.compile(r"^\S*:\d+: (?:error|warning|info) \w+ ([a-z0-9_]+): ")
IN_FRAGMENT_LINE = re.compile(r"^\s+! (?:error|warning|info) ([a-z0-9_]+): ")
DECODE_ERROR_LINE = re.compile(r"^\s+! ([a-z0-9_]+): ")


def mode_agree(env):
    F = Fails()
    for rel, path in captures(env, shared=False):
        check = Counter(x["name"] for x in kit_check(env, rel, path))
        text = subprocess.run([env.pcap, "decode", "-j", "1", path], stdout=subprocess.PIPE).stdout.decode()
        dtext, derr = Counter(), set()
        for line in text.splitlines():
            m = FINDING_LINE.match(line) or IN_FRAGMENT_LINE.match(line)
            if m:
                dtext[m.group(1)] += 1
            elif DECODE_ERROR_LINE.match(line):
                derr.add(DECODE_ERROR_LINE.match(line).group(1))
        out = subprocess.run([env.pcap, "decode", "--json", "-j", "1", path], stdout=subprocess.PIPE).stdout.decode()
        djson = set()
        for line in out.splitlines():
            r = json.loads(line)
            djson |= set(r.get("findings", []))
            e = r.get("decode_error")
            if e:
                derr.add(e["name"])
                if e["name"] not in r.get("findings", []) or "offset" not in e:
                    F.fail("%s frame %d: decode_error %s is not one of the fragment's findings with an offset"
                           % (rel, r["frame"], e))
        names = set(check)
        if dtext != check:
            F.fail("%s: decode (text) names %s, check %s" % (rel, dict(dtext), dict(check)))
        else:
            F.ok += 1
        app = {n for n in names if n.startswith("app_")}
        if not djson <= names or not app <= djson:
            F.fail("%s: decode --json names %s, check %s" % (rel, sorted(djson), sorted(names)))
        else:
            F.ok += 1
        if not derr <= set(env.finding_names) or not derr <= names:
            F.fail("%s: decode errors %s are not findings check reports (%s)" % (rel, sorted(derr), sorted(names)))
        else:
            F.ok += 1
        if any(e["capture"] == rel for e in TCP_EXPLAINED):
            print("%s: plugin compared in dissector_captures (TCP/IP recovery differs: TCP_EXPLAINED)" % rel)
            continue
        frames, _err = plugin_frames(env, rel, path)
        plugin = {n for fr in frames.values() for n, _d in fr["findings"]}
        if plugin != names - CAPTURE_FINDINGS:
            F.fail("%s: plugin names %s, check %s" % (rel, sorted(plugin), sorted(names - CAPTURE_FINDINGS)))
        else:
            F.ok += 1
    return F.done("finding names of check, decode and the plugin")


def mode_stats(env):
    F = Fails()
    staged = env.stage(os.path.join(env.src, "captures", "clean_session.pcap"))
    _rc, out, _err = env.tshark(["-n", "-q", "-r", staged, "-z", "dnp3kit,tree"])
    for need in ["Function codes", "READ", "RESPONSE", "Object groups", "g60 Class Objects", "g12 ", "Findings"]:
        if need in out:
            F.ok += 1
        else:
            F.fail("stats tree lacks %r:\n%s" % (need, out))
    staged = env.stage(os.path.join(env.src, "captures", "link_bad_header_crc.pcap"))
    _rc, out, _err = env.tshark(["-n", "-q", "-r", staged, "-z", "dnp3kit,tree"])
    if not re.search(r"link_bad_header_crc\s+1\b", out):
        F.fail("stats tree does not count link_bad_header_crc:\n" + out)
    else:
        F.ok += 1
    return F.done("dissector stats")


HIDDEN_FIELDS = ["dnp3kit.al.ai.index", "dnp3kit.al.ai.static.index", "dnp3kit.al.bi.index",
                 "dnp3kit.link.addr", "dnp3.src", "dnp3.al.func", "dnp.data_chunk.CRC", "dnp3.al.iin.rst"]


def mode_hidden(env):
    F = Fails()
    staged = env.stage(os.path.join(env.src, "captures", "clean_session.pcap"))
    # The same tshark under another name stands for the GUI (any program but
    # tshark gets every hidden item on a visible tree).
    gui = os.path.join(env.tmp, "dnp3view")
    os.symlink(shutil.which("tshark"), gui)
    frame = "5"  # a response with analog and binary inputs
    _rc, pdml, _e = env.tshark(["-n", "-r", staged, "-Y", "frame.number == " + frame, "-T", "pdml"])
    root = __import__("xml.etree.ElementTree", fromlist=["x"]).fromstring(pdml)
    total = sum(1 for e in root.iter() if e.tag in ("field", "proto"))
    hidden = []
    for pr in root.iter("proto"):
        if pr.get("name") == "dnp3kit":
            hidden = [e.get("name") for e in pr.iter() if e.tag in ("field", "proto") and e.get("hide") == "yes"]
    for need in ("dnp3kit.al.ai.index", "dnp3.src", "dnp3kit.link.addr"):
        if need in hidden:
            F.ok += 1
        else:
            F.fail("frame %s: -T pdml has no hidden %s (hidden: %s)" % (frame, need, sorted(set(hidden))[:20]))

    def fits(limit, prog="tshark", extra=()):
        _rc, out, _e = env.tshark(["-n", "-r", staged, "-Y", "frame.number == " + frame, "-V",
                                   "-o", "gui.max_tree_items:%d" % limit] + list(extra), prog=prog)
        return "would put more than" not in out, out

    lean = total - len(hidden)
    for what, limit, prog, extra, want in [
            ("tshark -V: the tree without the hidden items fits", lean, "tshark", (), True),
            ("tshark -V: ... and has no item to spare", lean - 1, "tshark", (), False),
            ("another program: every hidden item added", total - 1, gui, (), False),
            ("another program: the whole tree fits", total, gui, (), True),
            ("display_hidden_proto_items: every hidden item added", total - 1, "tshark",
             ("-o", "protocols.display_hidden_proto_items:TRUE"), False)]:
        ok, out = fits(limit, prog, extra)
        if ok == want:
            F.ok += 1
        else:
            F.fail("%s (gui.max_tree_items %d, %d items of which %d hidden): %s" %
                   (what, limit, total, len(hidden), "fits" if ok else "overflows"))
    ok, out = fits(total, "tshark", ("-o", "protocols.display_hidden_proto_items:TRUE"))
    if "Analog Input Index" in out:
        F.ok += 1
    else:
        F.fail("-V with protocols.display_hidden_proto_items does not show the per-type index")

    def fields(args, prog="tshark"):
        _rc, out, _e = env.tshark(["-n", "-r", staged] + args, prog=prog)
        return out

    want = fields(["-T", "fields", "-E", "occurrence=a", "-e", "frame.number"] +
                  [x for f in HIDDEN_FIELDS for x in ("-e", f)], prog=gui)
    rows = [line.split("\t") for line in want.splitlines()]
    for i, f in enumerate(HIDDEN_FIELDS):
        if any(len(r) > i + 1 and r[i + 1] for r in rows):
            F.ok += 1
        else:
            F.fail("no frame has a value of %s, even in the GUI's tree" % f)
    e_list = [x for f in HIDDEN_FIELDS for x in ("-e", f)]
    spellings = {
        "-T fields -e F": ["-T", "fields", "-E", "occurrence=a", "-e", "frame.number"] + e_list,
        "-Tfields -eF": ["-Tfields", "-Eoccurrence=a", "-eframe.number"] + ["-e" + f for f in HIDDEN_FIELDS],
        "-2Tfields (a cluster)": ["-2Tfields", "-E", "occurrence=a", "-e", "frame.number"] + e_list,
        "--temp-dir DIR first": ["--temp-dir", env.tmp, "-T", "fields", "-E", "occurrence=a",
                                 "-e", "frame.number"] + e_list,
    }
    for name, args in spellings.items():
        got = fields(args)
        if got == want:
            F.ok += 1
        else:
            a, b = want.splitlines(), got.splitlines()
            diff = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
            F.fail("%s: line %d is %r, the GUI's tree gives %r" %
                   (name, diff + 1, b[diff] if diff < len(b) else None, a[diff] if diff < len(a) else None))
    # -T json prints hidden items; a filter naming a field adds it.
    js = fields(["-T", "json"])
    for f in ("dnp3kit.al.ai.index", "dnp3.src"):
        if '"%s"' % f in js:
            F.ok += 1
        else:
            F.fail("-T json lacks %s" % f)
    ai1 = sorted(r[0] for r in rows if len(r) > 1 and "1" in r[1].split(","))
    got = fields(["-Y", "dnp3kit.al.ai.index == 1", "-T", "fields", "-e", "frame.number"]).split()
    if ai1 and sorted(got) == ai1:
        F.ok += 1
    else:
        F.fail("-Y 'dnp3kit.al.ai.index == 1' selects %s, the GUI's tree has analog input 1 in %s" % (got, ai1))
    return F.done("dissector hidden items")


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    mode, build, src = sys.argv[1], sys.argv[2], sys.argv[3]
    shared = sys.argv[4] if len(sys.argv) > 4 else ""
    env = Env(os.path.abspath(build), os.path.abspath(src), os.path.abspath(shared) if shared else "")
    env.finding_names = finding_names(env.src)
    try:
        fn = globals().get("mode_" + mode)
        if not fn:
            print("unknown mode " + mode)
            return 2
        return fn(env)
    finally:
        env.close()


if __name__ == "__main__":
    sys.exit(main())
