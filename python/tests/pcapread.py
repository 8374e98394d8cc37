"""A small classic-pcap reader for the tests: the DNP3 byte stream of each
direction of each TCP/UDP flow (Ethernet, IPv4/IPv6), with TCP segments put in
sequence order, retransmitted octets dropped, and a new stream started after a
hole (as a TCP gap loses the octets between)."""
from __future__ import annotations

import ipaddress
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "cli"))
from dissector_mutate import read_pcap  # noqa: E402


def packets(path: str):
    """(linktype, frame octets) of each record (the reader of tests/cli)."""
    got = read_pcap(path)
    if got is None:
        raise ValueError(f"{path}: not a classic pcap file")
    _e, _hdr, linktype, pkts = got
    for _ts1, _ts2, _orig, body in pkts:
        yield linktype, bytes(body)


def _ip(pkt: bytes):
    ver = pkt[0] >> 4
    if ver == 4:
        ihl = (pkt[0] & 15) * 4
        total = struct.unpack(">H", pkt[2:4])[0]
        return pkt[9], str(ipaddress.IPv4Address(pkt[12:16])), str(ipaddress.IPv4Address(pkt[16:20])), \
            pkt[ihl:total]
    if ver == 6:
        plen = struct.unpack(">H", pkt[4:6])[0]
        return pkt[6], f"[{ipaddress.IPv6Address(pkt[8:24])}]", f"[{ipaddress.IPv6Address(pkt[24:40])}]", \
            pkt[40:40 + plen]
    return None


def streams(path: str) -> dict:
    """{(src "addr:port", dst "addr:port"): [stream octets, ...]} per direction."""
    tcp: dict = {}
    out: dict = {}
    for linktype, frame in packets(path):
        if linktype != 1 or len(frame) < 14:
            continue
        etype = struct.unpack(">H", frame[12:14])[0]
        off = 14
        if etype == 0x8100:
            etype = struct.unpack(">H", frame[16:18])[0]
            off = 18
        if etype not in (0x0800, 0x86DD):
            continue
        ip = _ip(frame[off:])
        if not ip:
            continue
        proto, src, dst, l4 = ip
        if proto == 17 and len(l4) >= 8:
            sp, dp = struct.unpack(">HH", l4[:4])
            key = (f"{src}:{sp}", f"{dst}:{dp}")
            out.setdefault(key, [b""])[-1] += l4[8:]
        elif proto == 6 and len(l4) >= 20:
            sp, dp, seq = struct.unpack(">HHI", l4[:8])
            flags = l4[13]
            key = (f"{src}:{sp}", f"{dst}:{dp}")
            payload = l4[(l4[12] >> 4) * 4:]
            st = tcp.setdefault(key, {"next": None, "held": {}})
            if flags & 0x02:  # SYN
                st["next"] = (seq + 1) & 0xFFFFFFFF
                out.setdefault(key, [b""])
                continue
            if not payload:
                continue
            if st["next"] is None:
                st["next"] = seq
            st["held"][seq] = payload
            _drain(st, out.setdefault(key, [b""]))
    for key, st in tcp.items():
        while st["held"]:  # a hole that never filled: the rest is a new stream
            st["next"] = min(st["held"], key=lambda s: (s - st["next"]) & 0xFFFFFFFF)
            out[key].append(b"")
            _drain(st, out[key])
    return out


def _drain(st: dict, chunks: list) -> None:
    progress = True
    while progress:
        progress = False
        for seq in list(st["held"]):
            data = st["held"][seq]
            behind = (st["next"] - seq) & 0xFFFFFFFF
            if behind < 0x80000000:  # starts at or before next: the new part (if any) goes on
                del st["held"][seq]
                if behind < len(data):
                    chunks[-1] += data[behind:]
                    st["next"] = (st["next"] + len(data) - behind) & 0xFFFFFFFF
                progress = True
