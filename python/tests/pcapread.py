"""A small classic-pcap reader for the tests: the DNP3 byte stream of each
direction of each TCP/UDP flow (Ethernet, IPv4/IPv6, IP fragments put
together), with TCP segments put in
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
    """(linktype, frame octets, seconds) of each record (the reader of tests/cli)."""
    got = read_pcap(path)
    if got is None:
        raise ValueError(f"{path}: not a classic pcap file")
    _e, _hdr, linktype, pkts = got
    for ts1, _ts2, _orig, body in pkts:
        yield linktype, bytes(body), ts1


def _ip(pkt: bytes, frags: dict, ts: int):
    """(protocol, src, dst, payload), reassembling IP fragments (held in frags
    until the datagram is whole; None meanwhile)."""
    ver = pkt[0] >> 4
    if ver == 4:
        ihl = (pkt[0] & 15) * 4
        total = struct.unpack(">H", pkt[2:4])[0]
        proto, src, dst = pkt[9], str(ipaddress.IPv4Address(pkt[12:16])), str(ipaddress.IPv4Address(pkt[16:20]))
        word = struct.unpack(">H", pkt[6:8])[0]
        if word & 0x3FFF:
            key = (src, dst, pkt[4:6], proto)
            return _fragment(frags, key, ts, proto, src, dst, (word & 0x1FFF) * 8, bool(word & 0x2000),
                             pkt[ihl:total])
        return proto, src, dst, pkt[ihl:total]
    if ver == 6:
        plen = struct.unpack(">H", pkt[4:6])[0]
        src, dst = f"[{ipaddress.IPv6Address(pkt[8:24])}]", f"[{ipaddress.IPv6Address(pkt[24:40])}]"
        if pkt[6] == 44:  # a fragment header (the captures here have no other extension headers)
            fh = pkt[40:48]
            word = struct.unpack(">H", fh[2:4])[0]
            return _fragment(frags, (src, dst, fh[4:8]), ts, fh[0], src, dst, word & 0xFFF8, bool(word & 1),
                             pkt[48:40 + plen])
        return pkt[6], src, dst, pkt[40:40 + plen]
    return None


def _fragment(frags: dict, key, ts: int, proto, src, dst, offset: int, more: bool, data: bytes):
    held = frags.get(key)
    if held is None or ts - held["ts"] > 30:  # dnp3-pcap's reassembly timeout (IPF_TIMEOUT_US)
        held = frags[key] = {"pieces": {}, "end": None, "ts": ts}
    held["pieces"][offset] = data
    if not more:
        held["end"] = offset + len(data)
    if held["end"] is None:
        return None
    whole = bytearray(held["end"])
    covered = bytearray(held["end"])
    for off, d in held["pieces"].items():
        whole[off:off + len(d)] = d
        covered[off:off + len(d)] = b"\1" * len(d)
    if 0 in covered:
        return None
    del frags[key]
    return proto, src, dst, bytes(whole)


def streams(path: str) -> dict:
    """{(src "addr:port", dst "addr:port"): [stream octets, ...]} per direction."""
    tcp: dict = {}
    out: dict = {}
    frags: dict = {}
    for linktype, frame, ts in packets(path):
        if linktype != 1 or len(frame) < 14:
            continue
        etype = struct.unpack(">H", frame[12:14])[0]
        off = 14
        if etype == 0x8100:
            etype = struct.unpack(">H", frame[16:18])[0]
            off = 18
        if etype not in (0x0800, 0x86DD):
            continue
        ip = _ip(frame[off:], frags, ts)
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
