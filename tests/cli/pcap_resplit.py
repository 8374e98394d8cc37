#!/usr/bin/env python3
"""Re-split the TCP payloads of a pcap file into segments of at most N octets.

    pcap_resplit.py N IN.pcap OUT.pcap

Every TCP segment that carries more than N octets of payload becomes several
packets with the same headers (sequence number, IP length and both checksums
adjusted; FIN and PSH only on the last piece), so the DNP3 octets, their order,
retransmissions and gaps stay as they were and only the segment boundaries
move. Everything else (UDP, IP fragments, cut-short packets, SYNs) is copied
unchanged. Classic pcap only (micro- or nanosecond, either byte order); link
types: BSD loopback (0), Ethernet (1, with 802.1Q tags), raw IP (101, 228, 229)
and Linux cooked (113).
"""
import struct
import sys

DLT_NULL, DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL, DLT_IPV4, DLT_IPV6 = 0, 1, 101, 113, 228, 229


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def l3_offset(linktype, pkt):
    """Offset of the IP header in pkt, or None."""
    if linktype == DLT_NULL:
        return 4
    if linktype in (DLT_RAW, DLT_IPV4, DLT_IPV6):
        return 0
    if linktype == DLT_LINUX_SLL:
        return 16
    if linktype == DLT_EN10MB:
        off, et = 12, None
        while off + 2 <= len(pkt):
            et = struct.unpack_from("!H", pkt, off)[0]
            if et in (0x8100, 0x88A8):
                off += 4
                continue
            break
        return off + 2 if et in (0x0800, 0x86DD) else None
    return None


def split_packet(linktype, pkt, n):
    """The packets that replace pkt (pkt itself when it is not split)."""
    o = l3_offset(linktype, pkt)
    if o is None or o >= len(pkt):
        return [pkt]
    ver = pkt[o] >> 4
    if ver == 4:
        ihl = (pkt[o] & 0x0F) * 4
        if len(pkt) < o + ihl or pkt[o + 9] != 6:
            return [pkt]
        total = struct.unpack_from("!H", pkt, o + 2)[0]
        if struct.unpack_from("!H", pkt, o + 6)[0] & 0x3FFF:  # a fragment
            return [pkt]
        t = o + ihl
        end = o + total
    elif ver == 6:
        ihl = 40
        if len(pkt) < o + 40 or pkt[o + 6] != 6:  # extension headers: left alone
            return [pkt]
        t = o + 40
        end = t + struct.unpack_from("!H", pkt, o + 4)[0]
    else:
        return [pkt]
    if end > len(pkt) or t + 20 > end:
        return [pkt]  # cut short by the snapshot length
    doff = (pkt[t + 12] >> 4) * 4
    flags = pkt[t + 13]
    payload = pkt[t + doff:end]
    if len(payload) <= n or flags & 0x02:  # SYN: leave as is
        return [pkt]
    seq = struct.unpack_from("!I", pkt, t + 4)[0]
    link, iph, tcph, trailer = pkt[:o], pkt[o:t], pkt[t:t + doff], pkt[end:]
    out = []
    for pos in range(0, len(payload), n):
        piece = payload[pos:pos + n]
        last = pos + n >= len(payload)
        th = bytearray(tcph)
        struct.pack_into("!I", th, 4, (seq + pos) & 0xFFFFFFFF)
        th[13] = flags if last else flags & ~0x09  # FIN 0x01, PSH 0x08 only on the last
        th[16:18] = b"\0\0"
        ih = bytearray(iph)
        if ver == 4:
            struct.pack_into("!H", ih, 2, ihl + len(th) + len(piece))
            ih[10:12] = b"\0\0"
            struct.pack_into("!H", ih, 10, csum(bytes(ih)))
            pseudo = bytes(ih[12:20]) + struct.pack("!BBH", 0, 6, len(th) + len(piece))
        else:
            struct.pack_into("!H", ih, 4, len(th) + len(piece))
            pseudo = bytes(ih[8:40]) + struct.pack("!IxxxB", len(th) + len(piece), 6)
        struct.pack_into("!H", th, 16, csum(pseudo + bytes(th) + piece))
        out.append(bytes(link) + bytes(ih) + bytes(th) + piece + (trailer if last else b""))
    return out


def resplit(n, src, dst):
    with open(src, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit("%s: not a classic pcap file" % src)
    linktype = struct.unpack_from(e + "I", data, 20)[0] & 0x0FFFFFFF
    out = [data[:24]]
    pos = 24
    while pos + 16 <= len(data):
        ts, tf, incl, orig = struct.unpack_from(e + "IIII", data, pos)
        pkt = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        pieces = split_packet(linktype, pkt, n) if incl == orig else [pkt]
        for p in pieces:
            ln = len(p) if len(pieces) > 1 else orig
            out.append(struct.pack(e + "IIII", ts, tf, len(p), ln) + p)
    with open(dst, "wb") as f:
        f.write(b"".join(out))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(2)
    resplit(int(sys.argv[1]), sys.argv[2], sys.argv[3])
