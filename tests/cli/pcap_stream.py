#!/usr/bin/env python3
"""Streaming from a pipe (docs/dnp3-pcap.md, Streaming): a capture is fed to
`dnp3-pcap CMD -j N -` one record at a time; after each record the test waits
(with a timeout, never a sleep) for every output line that record causes, as
the same command prints them for the whole file read from a regular file,
before it writes the next record. Output that only comes at the end of
input (the summary, end-of-stream findings) is compared after stdin closes.

Usage: pcap_stream.py DNP3PCAP CAPTURE THREADS check|decode-json|decode-text [TIMEOUT_S]
"""
import json
import os
import re
import select
import struct
import subprocess
import sys
import time


def records(data):
    """(header, [record octets]) of a classic pcap or a pcapng file."""
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0x0A0D0D0A:  # pcapng: blocks; packet blocks (EPB 6, SPB 3, PB 2) are records
        out, p, head = [], 0, None
        while p < len(data):
            btype, blen = struct.unpack("<II", data[p:p + 8])
            blk = data[p:p + blen]
            if btype in (2, 3, 6):
                if head is None:
                    head = data[:p]
                out.append(blk)
            elif head is not None:
                out[-1] += blk  # a block between packets goes with the packet before it
            p += blen
        return head, out
    le = magic in (0xA1B2C3D4, 0xA1B23C4D)
    fmt = "<I" if le else ">I"
    out, p = [], 24
    while p < len(data):
        caplen = struct.unpack(fmt, data[p + 8:p + 12])[0]
        out.append(data[p:p + 16 + caplen])
        p += 16 + caplen
    return data[:24], out


def frame_of(line, mode):
    if mode == "decode-json":
        return json.loads(line)["frame"]
    m = re.match(r"^-:(\d+)[: ]", line)
    return int(m.group(1)) if m else None


def main():
    exe, cap, threads, mode = sys.argv[1:5]
    tmo = float(sys.argv[5]) if len(sys.argv) > 5 else 20.0
    args = {"check": ["check"], "decode-json": ["decode", "--json"], "decode-text": ["decode"]}[mode]
    cmd = [exe] + args + ["-j", threads, "-"]
    data = open(cap, "rb").read()
    head, recs = records(data)
    # What the command prints for the whole capture (stdin a regular file, so "-" names it alike).
    with open(cap, "rb") as f:
        ref = subprocess.run(cmd, stdin=f, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    want = ref.stdout.decode().splitlines(keepends=True)
    # Lines caused by record i (1-based), in order; decode-text: a record's lines follow its context line.
    per = {}
    tail = []
    cur = None
    last = len(recs)
    for ln in want:
        fr = frame_of(ln, mode)
        if fr is None and mode == "decode-text" and cur is not None:  # a record's summary and object lines
            fr = cur
        cur = fr
        if fr is None or fr >= last:
            tail.append(ln)  # end of input: summary, and whatever the last record or the end causes
        else:
            per.setdefault(fr, []).append(ln)
    if not any(per.values()):
        print("FAIL: %s: nothing to wait for before the last record (choose another capture)" % cap)
        return 1
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    out = p.stdout.fileno()
    buf = b""
    got_lines = []

    def read_lines(n, what):
        nonlocal buf
        deadline = time.monotonic() + tmo
        lines = []
        while len(lines) < n:
            while b"\n" in buf and len(lines) < n:
                ln, buf = buf.split(b"\n", 1)
                lines.append(ln.decode() + "\n")
            if len(lines) >= n:
                break
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("%s: waited %.0f s for %d more line(s) after %s" % (cap, tmo, n - len(lines), what))
            r, _, _ = select.select([out], [], [], left)
            if r:
                chunk = os.read(out, 65536)
                if not chunk:
                    raise TimeoutError("%s: output ended, %d line(s) missing after %s" % (cap, n - len(lines), what))
                buf += chunk
        return lines

    fails = 0
    try:
        p.stdin.write(head)
        for i, rec in enumerate(recs, 1):
            p.stdin.write(rec)
            exp = per.get(i, [])
            if exp:
                lines = read_lines(len(exp), "record %d" % i)
                if lines != exp:
                    print("FAIL: %s: after record %d got %r, want %r" % (cap, i, lines, exp))
                    fails += 1
                got_lines += lines
            if buf:
                print("FAIL: %s: output ahead of its record after record %d: %r" % (cap, i, buf[:200]))
                fails += 1
                buf = b""
        p.stdin.close()
        rest = read_lines(len(tail), "end of input") if tail else []
        if rest != tail:
            print("FAIL: %s: at the end got %r, want %r" % (cap, rest, tail))
            fails += 1
        rc = p.wait(timeout=tmo)
        extra = buf + p.stdout.read()
        if extra:
            print("FAIL: %s: unexpected output at the end: %r" % (cap, extra[:200]))
            fails += 1
        if rc != ref.returncode:
            print("FAIL: %s: exit %d from the pipe, %d from the file" % (cap, rc, ref.returncode))
            fails += 1
    except (TimeoutError, subprocess.TimeoutExpired) as e:
        print("FAIL: %s" % e)
        fails += 1
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    if not fails:
        n = sum(len(v) for v in per.values())
        print("%s %s -j %s: %d line(s) arrived after their own record of %d, %d at the end"
              % (os.path.basename(cap), mode, threads, n, len(recs), len(tail)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
