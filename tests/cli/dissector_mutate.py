#!/usr/bin/env python3
"""A small DNP3-aware pcap mutator for the plugin's fuzz pass.

    dissector_mutate.py OUTDIR N SEED.pcap...      (or import: make(seeds, outdir, n, seed))

Each output is one seed capture (classic pcap) with a few mutations in the
TCP/UDP payloads: random octets, "interesting" values in application octets,
LENGTH changes, inserted start octets, truncation, packet swaps. Link CRCs of
frames that lie whole in a packet are recomputed after most mutations, so the
mutated octets get past the link layer and reach the transport and
application code instead of stopping at a CRC check.
Python standard library only; deterministic for a given seed.
"""
import os
import random
import struct
import sys


def _crc_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xA6BC if c & 1 else c >> 1
        t.append(c)
    return t


TAB = _crc_table()


def crc16(b):
    c = 0
    for x in b:
        c = (c >> 8) ^ TAB[(c ^ x) & 0xFF]
    return (~c) & 0xFFFF


def read_pcap(path):
    data = open(path, "rb").read()
    if len(data) < 24:
        return None
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None  # pcapng: not a seed
    hdr = data[:24]
    linktype = struct.unpack(e + "I", data[20:24])[0]
    pkts, off = [], 24
    while off + 16 <= len(data):
        ts1, ts2, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        body = data[off + 16:off + 16 + incl]
        if len(body) < incl:
            break
        pkts.append([ts1, ts2, orig, bytearray(body)])
        off += 16 + incl
    return e, hdr, linktype, pkts


def write_pcap(path, e, hdr, pkts):
    with open(path, "wb") as fh:
        fh.write(hdr)
        for ts1, ts2, orig, body in pkts:
            fh.write(struct.pack(e + "IIII", ts1, ts2, len(body), max(orig, len(body))))
            fh.write(bytes(body))


def payload_offset(linktype, b):
    """Start of the TCP/UDP payload in an Ethernet/SLL/raw IP packet, or None."""
    if linktype == 1:
        off, et = 14, b[12:14] if len(b) >= 14 else b""
        while et in (b"\x81\x00", b"\x88\xa8") and len(b) >= off + 4:
            et, off = b[off + 2:off + 4], off + 4
    elif linktype == 113:
        off, et = 16, b[14:16] if len(b) >= 16 else b""
    elif linktype in (101, 12, 228, 229):
        off, et = 0, b"\x08\x00" if b and b[0] >> 4 == 4 else b"\x86\xdd"
    else:
        return None
    if et == b"\x08\x00" and len(b) >= off + 20:
        ihl = (b[off] & 0x0F) * 4
        proto = b[off + 9]
        off += ihl
    elif et == b"\x86\xdd" and len(b) >= off + 40:
        proto = b[off + 6]
        off += 40
    else:
        return None
    if proto == 6 and len(b) >= off + 20:
        return off + ((b[off + 12] >> 4) * 4)
    if proto == 17 and len(b) >= off + 8:
        return off + 8
    return None


def fix_crcs(b, start):
    """Recompute header and block CRCs of every link frame lying whole in b[start:]."""
    i = start
    while i + 10 <= len(b):
        if b[i] == 0x05 and b[i + 1] == 0x64 and b[i + 2] >= 5:
            user = b[i + 2] - 5
            wire = 10 + user + 2 * ((user + 15) // 16)
            if i + wire > len(b):
                break
            c = crc16(b[i:i + 8])
            b[i + 8], b[i + 9] = c & 0xFF, c >> 8
            q = i + 10
            while user > 0:
                n = min(16, user)
                c = crc16(b[q:q + n])
                b[q + n], b[q + n + 1] = c & 0xFF, c >> 8
                q += n + 2
                user -= n
            i += wire
        else:
            i += 1


INTERESTING = [0x00, 0x01, 0x05, 0x06, 0x07, 0x08, 0x0F, 0x10, 0x17, 0x28, 0x3C, 0x40, 0x5B, 0x64, 0x7F,
               0x80, 0x81, 0x82, 0xC0, 0xFE, 0xFF]


def user_octets(b, start):
    """Positions of user-data octets (not CRCs) of the link frames in b[start:]."""
    pos, i = [], start
    while i + 10 <= len(b):
        if b[i] == 0x05 and b[i + 1] == 0x64 and b[i + 2] >= 5:
            user = b[i + 2] - 5
            q = i + 10
            while user > 0 and q < len(b):
                n = min(16, user)
                pos.extend(p for p in range(q, q + n) if p < len(b))
                q += n + 2
                user -= n
            i = q
        else:
            i += 1
    return pos


def mutate(rng, linktype, pkts):
    cands = [k for k, p in enumerate(pkts) if (payload_offset(linktype, p[3]) or len(p[3])) < len(p[3])]
    if not cands:
        return
    for _ in range(rng.randint(1, 6)):
        k = rng.choice(cands)
        b = pkts[k][3]
        start = payload_offset(linktype, b)
        if start is None or start >= len(b):
            continue
        op = rng.randrange(9)
        fix = rng.random() < 0.8
        if op <= 2:  # application/transport octets with interesting values
            pos = user_octets(b, start)
            if pos:
                for _ in range(rng.randint(1, 4)):
                    b[rng.choice(pos)] = rng.choice(INTERESTING) if rng.random() < 0.6 else rng.randrange(256)
        elif op == 3:  # random octets anywhere in the payload
            for _ in range(rng.randint(1, 3)):
                b[rng.randrange(start, len(b))] = rng.randrange(256)
        elif op == 4:  # LENGTH field of some frame
            starts = [i for i in range(start, len(b) - 2) if b[i] == 0x05 and b[i + 1] == 0x64]
            if starts:
                b[rng.choice(starts) + 2] = rng.choice([0, 4, 5, 6, 0x44, 0xFF, rng.randrange(256)])
        elif op == 5:  # start octets in the middle
            i = rng.randrange(start, len(b))
            if i + 2 <= len(b):
                b[i], b[i + 1] = 0x05, 0x64
        elif op == 6:  # truncate the captured packet (snap length)
            cut = rng.randrange(start, len(b))
            pkts[k][2] = max(pkts[k][2], len(b))
            del b[cut:]
            fix = False
        elif op == 7 and len(pkts) > 2:  # swap two packets
            j = rng.randrange(len(pkts))
            pkts[k], pkts[j] = pkts[j], pkts[k]
            fix = False
        else:  # transport header octets: FIR/FIN/SEQ
            pos = user_octets(b, start)
            if pos:
                b[pos[0]] = rng.randrange(256)
        if fix:
            fix_crcs(b, start)


def make(seeds, outdir, n, seed=1815):
    rng = random.Random(seed)
    parsed = []
    for s in sorted(seeds):
        r = read_pcap(s)
        if r and r[3]:
            parsed.append((os.path.basename(s), r))
    out = []
    for i in range(n):
        name, (e, hdr, lt, pkts) = parsed[rng.randrange(len(parsed))]
        cp = [[a, b, c, bytearray(d)] for a, b, c, d in pkts]
        mutate(rng, lt, cp)
        path = os.path.join(outdir, "fuzz%04d_%s" % (i, name))
        write_pcap(path, e, hdr, cp)
        out.append(path)
    return out


if __name__ == "__main__":
    if len(sys.argv) < 4:
        print(__doc__)
        sys.exit(2)
    for p in make(sys.argv[3:], sys.argv[1], int(sys.argv[2])):
        print(p)
