"""The codec: DNP3 octets in, plain Python objects out.

:func:`decode` takes octets as they travel on a connection (link frames, in
any chunking) and returns the application fragments they carry after link
parsing and transport reassembly, each with its objects and points as dicts
and lists, in the same shape as ``dnp3-pcap decode --json`` prints them.
:func:`decode_fragment` does the same for one application fragment.

Nothing here can crash the interpreter on hostile input: every octet is
parsed by the C core, which checks each length before reading, and every
defect becomes a finding (a dict with name, severity, layer, offset, detail).
"""
from __future__ import annotations

import ctypes
import json
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from . import _lib

__all__ = ["Fragment", "Fragments", "decode", "decode_fragment"]

Octets = Union[bytes, bytearray, memoryview]


@dataclass
class Fragment:
    """One application fragment.

    ``ac`` (FIR/FIN/CON/UNS/SEQ), ``func``/``func_name``, ``iin`` and ``iin_raw`` (responses:
    the names of the bits set and the value, docs/json.md), ``objects`` (one dict per object
    header with its ``points``) are what ``dnp3-pcap decode --json`` prints.
    ``findings`` are the defects the core found in it (validation stops at the
    first; the objects before it are kept). ``valid`` tells whether a master
    may act on it. ``link_src``/``link_dst``/``dir``/``segments`` are set when
    it came from :func:`decode`.

    ``tentative`` is ``"link_reserved_function"`` for the octets of a frame whose
    link function is reserved (IEEE 1815 tables 9-1, 9-2), decoded as if they were
    user data because every CRC is good and they form one whole transport segment
    (FIR and FIN), as ``dnp3-pcap decode --json`` marks them. A station discards
    such a frame: a tentative fragment is never reassembled with others, has no
    findings of its own (the frame's ``link_reserved_function`` is in
    :attr:`Fragments.findings`) and is never ``valid``.
    """

    octets: bytes
    ac: dict = field(default_factory=dict)
    func: Optional[int] = None
    func_name: Optional[str] = None
    iin: Optional[list] = None
    iin_raw: Optional[int] = None
    objects: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    valid: bool = False
    link_src: Optional[int] = None
    link_dst: Optional[int] = None
    dir: Optional[str] = None
    segments: Optional[int] = None
    tentative: Optional[str] = None

    def to_dict(self) -> dict:
        """The fields ``dnp3-pcap decode --json`` has for a fragment (finding names only)."""
        d: dict[str, Any] = {}
        if self.link_src is not None:
            d.update(link_src=self.link_src, link_dst=self.link_dst, dir=self.dir, segments=self.segments)
        if self.tentative is not None:
            d["tentative"] = self.tentative
        if self.func is not None:
            d.update(ac=self.ac, func=self.func, func_name=self.func_name)
            if self.iin is not None:
                d["iin"] = self.iin
                d["iin_raw"] = self.iin_raw
            d["objects"] = self.objects
        d["findings"] = [f["name"] for f in self.findings]
        return d


class Fragments(list):
    """The fragments :func:`decode` found (a list), and in ``findings`` what the
    link and transport layers reported on the way (bad CRCs, garbage, missing
    FIR, sequence gaps, truncated frames)."""

    findings: list

    def __init__(self, items=(), findings=None) -> None:
        super().__init__(items)
        self.findings = findings if findings is not None else []


def _as_buffer(octets: Octets):
    if isinstance(octets, str) or not isinstance(octets, (bytes, bytearray, memoryview)):
        raise TypeError(f"octets must be bytes, bytearray or memoryview, not {type(octets).__name__}")
    data = bytes(octets)
    buf = (ctypes.c_uint8 * max(len(data), 1)).from_buffer_copy(data or b"\0")
    return data, buf


def decode_fragment(octets: Octets, max_points: int = 0) -> Fragment:
    """Decode one application fragment (function code first, no link or
    transport header). ``max_points``: points kept per object header (0 = all)."""
    data, buf = _as_buffer(octets)
    return _fragment(data, buf, len(data), max_points)


def _fragment(data: bytes, buf, n: int, max_points: int = 0) -> Fragment:
    fr = Fragment(octets=data)
    fc = _lib.FindingCollector()
    fr.valid = _lib.core.dnp3kit_app_validate(buf, n, None, ctypes.byref(fc.sink)) == 0
    fr.findings = fc.items
    if n < 2:
        return fr
    chunks: list[bytes] = []

    def write(_user, s, k):
        chunks.append(ctypes.string_at(s, k))

    cb = _lib.OUT_FN(write)
    out = _lib.Out(cb, None)
    opts = _lib.RenderOpts(b"  ", max_points)
    _lib.core.dnp3kit_render_fragment_json(buf, n, ctypes.byref(opts), ctypes.byref(out))
    doc = json.loads(b"{" + b"".join(chunks) + b"}")
    fr.ac = doc.get("ac", {})
    fr.func = doc.get("func")
    fr.func_name = doc.get("func_name")
    fr.iin = doc.get("iin")
    fr.iin_raw = doc.get("iin_raw")
    fr.objects = doc.get("objects", [])
    return fr


def _sender(fr: Fragment, frame) -> str:
    """The sender's role by function code, as every consumer of the core decides it."""
    if fr.func is None:
        return "master" if frame.dir else "outstation"
    return "outstation" if fr.func in (129, 130, 131) else "master"


def _tentative(frame, body: bytes, max_points: int) -> Fragment:
    fr = decode_fragment(body, max_points)
    fr.findings, fr.valid = [], False
    fr.tentative = "link_reserved_function"
    fr.link_src, fr.link_dst, fr.segments = frame.src, frame.dst, 1
    fr.dir = _sender(fr, frame)
    return fr


def decode(octets: Octets, max_message: int = 2048, max_points: int = 0) -> Fragments:
    """Decode a stream of link frames (both directions may be mixed) into the
    application fragments it carries, in the order they complete.

    Transport segments are reassembled per (source, destination) up to
    ``max_message`` octets; frames with a bad CRC are dropped (clause 9.2.4.2)
    and reported. A frame of a reserved link function whose octets form one
    whole segment comes out as a tentative fragment (:class:`Fragment`), in
    its place in the stream. Raises TypeError when octets is not bytes-like."""
    if not isinstance(max_message, int) or isinstance(max_message, bool) or not 1 <= max_message <= 65536:
        raise ValueError(f"max_message must be an integer 1-65536, got {max_message!r}")
    data, buf = _as_buffer(octets)
    fc = _lib.FindingCollector()
    parser = _lib.LinkParser()
    _lib.core.dnp3kit_link_parser_init(ctypes.byref(parser))
    frame = _lib.LinkFrame()
    p = ctypes.cast(buf, _lib.c_u8p)
    left = ctypes.c_size_t(len(data))
    flows: dict[tuple[int, int], tuple] = {}
    out = Fragments(findings=fc.items)
    tfrag = _lib.c_u8p()
    tlen = ctypes.c_size_t(0)
    while left.value > 0:
        if _lib.core.dnp3kit_link_parser_step(ctypes.byref(parser), ctypes.byref(p), ctypes.byref(left),
                                              ctypes.byref(frame), ctypes.byref(fc.sink)) != 1:
            break
        if _lib.core.dnp3kit_link_reserved_fragment(ctypes.byref(frame), ctypes.byref(tfrag), ctypes.byref(tlen)):
            out.append(_tentative(frame, ctypes.string_at(tfrag, tlen.value), max_points))
            continue
        # user data (CONFIRMED/UNCONFIRMED_USER_DATA from a primary) with good CRCs only
        if not frame.crc_ok or not frame.prm or frame.func not in (3, 4) or frame.user_len == 0:
            continue
        key = (frame.src, frame.dst)
        if key not in flows:
            rbuf = (ctypes.c_uint8 * max_message)()
            ra = _lib.Reassembler()
            _lib.core.dnp3kit_reassembler_init(ctypes.byref(ra), rbuf, max_message)
            flows[key] = (ra, rbuf)
        ra, rbuf = flows[key]
        msg = _lib.c_u8p()
        mlen = ctypes.c_size_t(0)
        seg = ctypes.cast(frame.user, _lib.c_u8p)
        if _lib.core.dnp3kit_reassembler_push(ctypes.byref(ra), seg, frame.user_len, ctypes.byref(msg),
                                              ctypes.byref(mlen), ctypes.byref(fc.sink)) == 1:
            fr = decode_fragment(ctypes.string_at(msg, mlen.value), max_points)
            # the core's count: the segments of this message (not those of one it discarded)
            fr.link_src, fr.link_dst, fr.segments = frame.src, frame.dst, ra.segments
            fr.dir = _sender(fr, frame)
            out.append(fr)
    _lib.core.dnp3kit_link_parser_finish(ctypes.byref(parser), ctypes.byref(fc.sink))
    for ra, _rbuf in flows.values():
        _lib.core.dnp3kit_reassembler_finish(ctypes.byref(ra), ctypes.byref(fc.sink))
    return out
