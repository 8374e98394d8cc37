"""The master: every command of ``dnp3-master`` over libdnp3kit-master.

:class:`Master` wraps the C library's blocking, thread-safe API. Each call
runs in C with the GIL released, so other Python threads run meanwhile; calls
from several threads on one master are serialised by the library (a
SELECT/OPERATE pair is never interleaved with another request).

Unsolicited responses (and IIN reactions) are handled by a background thread
that waits for traffic whenever no call is in progress; each unsolicited
response is handed to the callbacks registered with
:meth:`Master.on_unsolicited` from a dispatcher thread, never with the
library's lock held, so a callback may call the master. A callback that
raises is reported (logged, counted in ``callback_errors``, passed to the
``on_callback_error`` hook) and the thread goes on.
"""
from __future__ import annotations

import ctypes
import logging
import os
import struct
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional, Union

from . import _lib
from .errors import (DNP3ClosedError, DNP3CommunicationError, DNP3ControlError, DNP3Error, DNP3ObjectError,
                     DNP3ProtocolError, DNP3TimeoutError)
from .transports import TRANSPORTS, Serial, Tls

__all__ = ["Master", "Point", "Object", "Attribute", "FileInfo", "Result", "CheckoutRow", "Checkout", "POINT_TYPES",
           "ATTRIBUTE_TYPES", "error_from_detail"]

log = logging.getLogger("dnp3kit")

#: point type names, as dnp3-master spells them (index = dnp3kit_point_type)
POINT_TYPES = ("bi", "dbi", "bo", "counter", "frozen-counter", "ai", "ao")
_TIME_SYNC = {"none": 0, "lan": 1, "non-lan": 2}
_AO_TYPES = {"int32": 1, "int16": 2, "float": 3, "float32": 3, "double": 4, "float64": 4}
_MODES = {"sbo": 0, "direct": 1, "no-ack": 2}
_OPS = {"nul": (0, 0), "pulse-on": (1, 0), "pulse-off": (2, 0), "on": (3, 0), "latch-on": (3, 0),
        "off": (4, 0), "latch-off": (4, 0),
        # TRIP/CLOSE are the trip-close code (bits 6-7: 01 CLOSE, 10 TRIP) with PULSE_ON
        "close": (1, 1), "trip": (1, 2)}
#: g0 attribute data type codes (the standard's names)
ATTRIBUTE_TYPES = {1: "VSTR", 2: "UINT", 3: "INT", 4: "FLT", 5: "OSTR", 6: "BSTR", 7: "TIME", 254: "LIST",
                   255: "EXLIST"}
_POINT_GROUPS = (1, 3, 10, 20, 21, 30, 40)  # static group of each of POINT_TYPES
_PUMP_SLICE = 0.02  # seconds the background thread waits in the library at a time
# analog variations that carry floating-point values (the rest are integers)
_FLOAT_VARIATIONS = {30: (5, 6), 32: (5, 6, 7, 8), 40: (3, 4), 42: (5, 6, 7, 8)}


@dataclass
class Point:
    """One point of a result: ``type`` is one of :data:`POINT_TYPES`; ``value``
    is a bool (bi, bo), an int (dbi 0-3, counters, integer analogs) or a
    float; ``flags`` the raw quality octet and ``flag_names`` its names;
    ``time`` ms since 1970 UTC or None; ``event`` whether it came from an
    event object."""

    type: str
    index: int
    value: Union[bool, int, float]
    flags: Optional[int]
    flag_names: list
    time: Optional[int]
    event: bool
    group: int
    variation: int


@dataclass
class Result:
    """What a request returned: its points, the IIN of the last response
    fragment (``iin`` raw, ``iin_names``), the number of response
    fragments, points beyond the master's ``max_points`` (``dropped``), and
    for controls and restarts ``control_status`` / ``delay_ms``."""

    points: list = field(default_factory=list)
    iin: Optional[int] = None
    iin_names: list = field(default_factory=list)
    fragments: int = 0
    dropped: int = 0
    control_status: Optional[int] = None
    delay_ms: Optional[int] = None
    unsolicited: bool = False
    objects: list = field(default_factory=list)

    def of(self, type: str) -> list:
        """The points of one type ("bi", "ai", ...)."""
        return [p for p in self.points if p.type == type]


@dataclass
class Object:
    """An object of a response that is not one of the seven point types
    (dead-bands g34, attributes g0, octet strings, time ...): ``name`` is the
    catalogue's (None when undecodable), ``index`` None without one, and
    ``fields`` maps each field name to an int, a float or bytes."""

    group: int
    variation: int
    qualifier: int
    index: Optional[int]
    name: Optional[str]
    event: bool
    fields: dict


@dataclass
class Attribute:
    """A device attribute (g0): ``variation`` (e.g. 252 the manufacturer's
    name), ``type`` its data type name (one of :data:`ATTRIBUTE_TYPES`),
    ``type_code`` the code, ``value`` decoded (str, int, float, bytes, ms
    since 1970 for TIME, a list of (variation, writable) pairs for the list
    of attributes), ``raw`` its octets and ``writable`` what the outstation's
    list (variation 255) says, None when it was not read or says nothing."""

    variation: int
    type: str
    type_code: int
    value: object
    raw: bytes
    writable: Optional[bool] = None


@dataclass
class FileInfo:
    """A file or directory on the outstation (g70): ``type`` "file" or
    "directory", ``size`` in octets, ``time`` creation ms since 1970 UTC (None
    when 0), ``permissions`` the octal bits."""

    name: str
    type: str
    size: int
    time: Optional[int]
    permissions: int


def _file_info(fi: _lib.FileInfo) -> FileInfo:
    raw = ctypes.string_at(ctypes.addressof(fi), min(fi.name_len, 256))
    return FileInfo(name=raw.decode("utf-8", "replace"), type="directory" if fi.type == 0 else "file",
                    size=fi.size, time=fi.time_ms or None, permissions=fi.permissions)


def _field_value(r: _lib.MasterResult, f: _lib.MasterField):
    if f.type == _lib.FT_OCTETS:
        return ctypes.string_at(ctypes.addressof(r.octets.contents) + f.octets_off, f.octets_len) \
            if f.octets_len else b""
    if f.type in (_lib.FT_F32, _lib.FT_F64):
        return f.v.f
    if f.type in (_lib.FT_I16, _lib.FT_I32):
        return f.v.i
    return f.v.u


def _attr_value(t: int, p: bytes):
    """The value of attribute octets p of data type t (raw bytes when they do not fit the type)."""
    n = len(p)
    if t == 1:
        return p.decode("utf-8", "replace")
    if t == 2 and 1 <= n <= 8:
        return int.from_bytes(p, "little")
    if t == 3 and 1 <= n <= 8:
        return int.from_bytes(p, "little", signed=True)
    if t == 4 and n in (4, 8):
        return struct.unpack("<f" if n == 4 else "<d", p)[0]
    if t == 7 and n == 6:
        return int.from_bytes(p, "little")
    if t in (254, 255) and n % 2 == 0:
        return [(p[i], bool(p[i + 1] & 1)) for i in range(0, n, 2)]
    return p


def _attr_encode(variation: int, t: int, size: int, value) -> bytes:
    """value encoded as data type t (size: octets of the current value, kept for UINT, INT and FLT)."""
    name = ATTRIBUTE_TYPES.get(t, str(t))
    try:
        if t == 1:
            if not isinstance(value, str):
                raise TypeError("a str")
            b = value.encode()
        elif t in (2, 3):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError("an int")
            b = value.to_bytes(size if 1 <= size <= 8 else 4, "little", signed=t == 3)
        elif t == 4:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError("a number")
            b = struct.pack("<d" if size == 8 else "<f", value)
            if size != 8 and struct.unpack("<f", b)[0] != value:
                raise ValueError("a number a 32-bit float holds exactly")
        elif isinstance(value, (bytes, bytearray)):
            b = bytes(value)
        else:
            raise TypeError("bytes")
    except OverflowError:
        raise ValueError(f"attribute {variation} is {name} of {size} octets: {value!r} does not fit") from None
    except (TypeError, ValueError) as e:
        raise type(e)(f"attribute {variation} is {name}: the value must be {e}, not {value!r}") from None
    if len(b) > 255:
        raise ValueError(f"attribute {variation}: {len(b)} octets, at most 255")
    return b


def _value(pt) -> Union[bool, int, float]:
    t = POINT_TYPES[pt.type] if pt.type < len(POINT_TYPES) else "?"
    if t in ("bi", "bo"):
        return bool(pt.value)
    if pt.variation in _FLOAT_VARIATIONS.get(pt.group, ()):
        return float(pt.value)
    v = pt.value
    return int(v) if v == v and abs(v) < 2 ** 63 and float(v).is_integer() else v


def result_from_c(r: _lib.MasterResult, unsolicited: bool = False) -> Result:
    pts = []
    for i in range(r.count):
        p = r.points[i]
        t = POINT_TYPES[p.type] if p.type < len(POINT_TYPES) else "?"
        pts.append(Point(type=t, index=p.index, value=_value(p), flags=p.flags if p.has_flags else None,
                         flag_names=_lib.flag_names(p.group, p.flags) if p.has_flags else [],
                         time=p.time_ms if p.has_time else None, event=bool(p.event), group=p.group,
                         variation=p.variation))
    return Result(points=pts, iin=r.iin if r.has_iin else None,
                  iin_names=_lib.iin_names(r.iin) if r.has_iin else [], fragments=r.fragments,
                  dropped=r.dropped, control_status=r.control_status if r.control_status >= 0 else None,
                  delay_ms=r.delay_ms if r.has_delay else None, unsolicited=unsolicited,
                  objects=[_object(r, r.objects[i]) for i in range(r.nobjects)])


def _object(r: _lib.MasterResult, o: _lib.MasterObject) -> Object:
    return Object(group=o.group, variation=o.variation, qualifier=o.qualifier,
                  index=o.index if o.has_index else None, name=_lib.text(o.name) or None, event=bool(o.event),
                  fields={_lib.text(f.name): _field_value(r, f) for f in o.fields[:o.nfields]})


def error_from_detail(rc: int, d: _lib.ErrorDetail) -> DNP3Error:
    """The Python exception for a C error code and its detail."""
    name = _lib.text(_lib.core.dnp3kit_err_name(rc))
    msg = _lib.text(d.message) or _lib.text(_lib.core.dnp3kit_strerror(rc))
    host = _lib.text(d.host) or None
    if name == "ERR_TIMEOUT":
        e: DNP3Error = DNP3TimeoutError(msg, timeout_seconds=d.timeout_s or None)
        e.host, e.port = host, d.port or None  # type: ignore[attr-defined]
    elif name in ("ERR_CONNECT", "ERR_IO", "ERR_CLOSED"):
        e = DNP3CommunicationError(msg, host=host, port=d.port or None)
    elif name == "ERR_CONTROL":
        e = DNP3ControlError(msg, status_code=d.control_status if d.control_status >= 0 else None)
    elif name == "ERR_PROTOCOL":
        e = DNP3ProtocolError(msg, function_code=d.func if d.func >= 0 else None,
                              iin=d.iin if d.iin >= 0 else None)
    elif name == "ERR_ARG":
        e = DNP3ObjectError(msg)
    else:
        e = DNP3Error(msg)
    e.code = name
    return e


def _u(name: str, v, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError(f"{name} must be an integer, not {type(v).__name__}")
    if not lo <= v <= hi:
        raise ValueError(f"{name} must be {lo}-{hi}, got {v}")
    return v


def _ms(name: str, v, lo_s: float, hi_s: float) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {type(v).__name__}")
    if not lo_s <= v <= hi_s:
        raise ValueError(f"{name} must be {lo_s}-{hi_s} s, got {v}")
    return int(round(v * 1000))


def _classes(classes: Iterable[int], allow0: bool) -> int:
    mask = 0
    for c in classes:
        if isinstance(c, bool) or not isinstance(c, int) or not (0 if allow0 else 1) <= c <= 3:
            raise ValueError(f"classes: {c!r} is not a class ({'0-3' if allow0 else '1-3'})")
        mask |= 1 << c
    return mask


def _indices(indices: Iterable[int]) -> tuple:
    v = list(indices)
    if not v or len(v) > 65535:
        raise ValueError(f"indices: give 1-65535 indices, got {len(v)}")
    for i in v:
        _u("indices", i, 0, 65535)
    return (ctypes.c_uint32 * len(v))(*v), len(v)


def _name(what: str, s: str) -> bytes:
    if not isinstance(s, str):
        raise TypeError(f"{what} must be a str, not {type(s).__name__}")
    b = s.encode()
    if b"\0" in b or len(b) > 65535:
        raise ValueError(f"{what} {s!r}: no NUL and at most 65535 octets")
    return b


def _attributes(r: Result) -> list:
    out = []
    for o in r.objects:
        if o.group != 0 or "data_type" not in o.fields or not isinstance(o.fields.get("value"), bytes):
            continue
        t, p = o.fields["data_type"], o.fields["value"]
        out.append(Attribute(variation=o.variation, type=ATTRIBUTE_TYPES.get(t, str(t)), type_code=t,
                             value=_attr_value(t, p), raw=p))
    listed = dict(pair for a in out if a.variation == 255 and isinstance(a.value, list) for pair in a.value)
    for a in out:
        a.writable = listed.get(a.variation)
    return out


@dataclass
class CheckoutRow:
    """One row of a checked point list (the columns of docs/checkout.md) and
    its outcome: ``result`` "PASS", "FAIL" or "SKIPPED", ``observed`` value and
    ``flags`` as the report writes them, ``time`` (UTC), ``detail`` (why)."""

    line: int
    type: str
    index: int
    name: str
    expected: str
    flags_expected: str
    control: str
    watch: str
    watch_expected: str
    result: str
    observed: str
    flags: str
    time: str
    detail: str


@dataclass
class Checkout:
    """What :meth:`Master.checkout` did: every row, the counts, the reports written."""

    rows: list
    checked: int
    passed: int
    failed: int
    skipped: int
    report_csv: str
    report_html: str
    started: str
    finished: str

    @property
    def failures(self) -> list:
        return [r for r in self.rows if r.result == "FAIL"]


_VERDICTS = ("PASS", "FAIL", "SKIPPED")


class Master:
    """A DNP3 master (the blocking API of libdnp3kit-master).

    ``transport``: "tcp" (default; TLS with ``tls=dnp3kit.Tls(...)``), "udp"
    (datagrams to host:port from ``local_port``, 0 = any), "serial" (implied
    by ``serial=dnp3kit.Serial(device, ...)``) or "listen" (dial-in: the
    master listens on host:port and the outstation connects; with ``tls``
    the master is the TLS server). ``max_requests_per_s``
    caps what the master sends of its own accord (0 = no cap);
    ``link_confirm`` sends the master's frames as CONFIRMED_USER_DATA after a
    RESET_LINK_STATES, each repeated after ``link_timeout`` at most
    ``link_retries`` more times until the outstation's ACK (IEEE 1815 clause 9;
    for serial lines). ``listen_peer`` (transport "listen"): the numeric address
    the outstation must dial in from. ``reaction_window`` and ``reaction_attempts`` bound the IIN reactions
    (``iin_reactions=False`` turns them off). Times are in seconds. ``time_sync`` ("lan", "non-lan", "none") is the
    reaction to NEED_TIME; ``startup`` runs the startup sequence (clear
    restart, disable unsolicited, integrity poll, time sync if needed, enable
    unsolicited) on every connection. Use as a context manager, or call
    :meth:`connect` and :meth:`close`; a closed master raises
    :class:`DNP3ClosedError` from every call.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 20000, *, master_address: int = 1,
                 outstation_address: int = 10, response_timeout: float = 5.0, connect_timeout: float = 5.0,
                 select_timeout: float = 5.0, retries: int = 2, retry_delay: float = 1.0,
                 max_frame_size: int = 250, max_fragment_size: int = 2048, keepalive: float = 0.0,
                 time_sync: str = "lan", startup: bool = False, iin_reactions: bool = True,
                 max_points: int = 100000, transport: Optional[str] = None, local_port: int = 0,
                 serial: Optional[Serial] = None, tls: Optional[Tls] = None, max_requests_per_s: int = 100,
                 reaction_window: float = 5.0, reaction_attempts: int = 3, link_confirm: bool = False,
                 link_timeout: float = 1.0, link_retries: int = 2, listen_peer: str = "") -> None:
        if not isinstance(host, str):
            raise TypeError(f"host must be a string, not {type(host).__name__}")
        host = host.strip()
        if not host or len(host.encode()) >= 64:
            raise ValueError(f"host must be a name or address of 1-63 octets, got {host!r}")
        if time_sync not in _TIME_SYNC:
            raise ValueError(f"time_sync must be one of {', '.join(_TIME_SYNC)}, got {time_sync!r}")
        if transport is None:
            transport = "serial" if serial is not None else "tcp"
        if transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {', '.join(TRANSPORTS)}, got {transport!r}")
        if serial is not None and not isinstance(serial, Serial):
            raise TypeError(f"serial must be a dnp3kit.Serial, not {type(serial).__name__}")
        if tls is not None and not isinstance(tls, Tls):
            raise TypeError(f"tls must be a dnp3kit.Tls, not {type(tls).__name__}")
        if (transport == "serial") != (serial is not None):
            raise ValueError("serial: give serial=dnp3kit.Serial(...) with transport 'serial', and only then")
        if tls is not None and transport not in ("tcp", "listen"):
            raise ValueError(f"tls: only over transport 'tcp' or 'listen', not {transport!r}")
        if local_port and transport != "udp":
            raise ValueError(f"local_port: only for transport 'udp', not {transport!r}")
        for n, v in (("startup", startup), ("iin_reactions", iin_reactions), ("link_confirm", link_confirm)):
            if not isinstance(v, bool):
                raise TypeError(f"{n} must be a bool, not {type(v).__name__}")
        cfg = _lib.MasterConfig()
        _lib.master.dnp3kit_master_config_default(ctypes.byref(cfg))
        cfg.host = host.encode()
        cfg.port = _u("port", port, 1, 65535)
        cfg.master_address = _u("master_address", master_address, 0, 65519)
        cfg.outstation_address = _u("outstation_address", outstation_address, 0, 65519)
        cfg.response_timeout_ms = _ms("response_timeout", response_timeout, 0.001, 3600)
        cfg.connect_timeout_ms = _ms("connect_timeout", connect_timeout, 0.001, 3600)
        cfg.select_timeout_ms = _ms("select_timeout", select_timeout, 0.001, 3600)
        cfg.retries = _u("retries", retries, 0, 100)
        cfg.retry_delay_ms = _ms("retry_delay", retry_delay, 0, 3600)
        cfg.max_frame_size = _u("max_frame_size", max_frame_size, 6, 250)
        cfg.max_fragment_size = _u("max_fragment_size", max_fragment_size, 249, 65535)
        cfg.keepalive_ms = _ms("keepalive", keepalive, 0, 86400)
        cfg.time_sync = _TIME_SYNC[time_sync]
        cfg.startup = startup
        cfg.iin_reactions = iin_reactions
        cfg.max_points = _u("max_points", max_points, 1, 2 ** 32 - 1)
        cfg.transport = TRANSPORTS[transport]
        cfg.local_port = _u("local_port", local_port, 0, 65535)
        if serial is not None:
            serial.fill(cfg.serial)
        if tls is not None:
            tls.fill(cfg.tls)
        cfg.max_requests_per_s = _u("max_requests_per_s", max_requests_per_s, 0, 1000000)
        cfg.reaction_window_ms = _ms("reaction_window", reaction_window, 0, 86400)
        cfg.reaction_attempts = _u("reaction_attempts", reaction_attempts, 1, 100)
        cfg.link_confirm = link_confirm
        cfg.link_timeout_ms = _ms("link_timeout", link_timeout, 0.001, 3600)
        cfg.link_retries = _u("link_retries", link_retries, 0, 100)
        if not isinstance(listen_peer, str):
            raise TypeError(f"listen_peer must be a str, not {type(listen_peer).__name__}")
        if listen_peer and transport != "listen":
            raise ValueError(f"listen_peer: only for transport 'listen', not {transport!r}")
        if len(listen_peer.encode()) >= 64:
            raise ValueError(f"listen_peer {listen_peer!r}: a numeric IPv4 or IPv6 address")
        cfg.listen_peer = listen_peer.encode()
        err = _lib.ErrorDetail()
        if _lib.master.dnp3kit_master_config_validate(ctypes.byref(cfg), ctypes.byref(err)) != 0:
            raise ValueError(_lib.text(err.message))
        self.host, self.port, self.transport = host, port, transport
        self.config = cfg
        self._m = _lib.master.dnp3kit_master_new(ctypes.byref(cfg), ctypes.byref(err))
        if not self._m:
            raise error_from_detail(err.code or -13, err)
        self._state = threading.Condition()
        self._users = 0          # calls in progress or waiting: the pump stays out of their way
        self._last_call = 0.0    # when the last call ended (monotonic)
        self._closed = False
        self._callbacks: list[Callable[[Result], None]] = []
        self.on_callback_error: Optional[Callable[[BaseException], None]] = None
        self.callback_errors = 0
        self._queue: "queue.Queue[Optional[Result]]" = queue.Queue()
        self._pump: Optional[threading.Thread] = None
        self._dispatch: Optional[threading.Thread] = None
        self._stop = threading.Event()
        self._listening = False
        # the C callbacks must live as long as the master
        self._uns_cb = _lib.UNS_FN(self._on_unsolicited)
        _lib.master.dnp3kit_master_set_unsolicited(self._m, self._uns_cb, None)
        self._wire_cb = None
        self._trace_cbs: tuple = ()

    # ---- life cycle ----

    def __enter__(self) -> "Master":
        self.connect()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def _call(self, fn, *args) -> int:
        with self._state:
            if self._closed:
                raise DNP3ClosedError(f"master for {self.host}:{self.port} is closed", self.host, self.port)
            self._users += 1
        try:
            return fn(self._m, *args)  # ctypes releases the GIL for the call
        finally:
            with self._state:
                self._users -= 1
                self._last_call = time.monotonic()
                self._state.notify_all()

    def _check(self, rc: int, err: _lib.ErrorDetail) -> None:
        if rc != 0:
            raise error_from_detail(rc, err)

    def connect(self) -> "Master":
        """Connect (connection timeout, retries with delay); runs the startup
        sequence when configured. Raises DNP3CommunicationError (refused,
        unreachable: ``host``/``port``) or DNP3TimeoutError."""
        err = _lib.ErrorDetail()
        self._check(self._call(_lib.master.dnp3kit_master_connect, ctypes.byref(err)), err)
        return self

    def close(self) -> None:
        """Disconnect and release the master; stops the background threads
        (unsolicited responses already received are still delivered).
        Idempotent; later calls raise DNP3ClosedError."""
        with self._state:
            if self._closed or not getattr(self, "_m", None):
                return
            self._closed = True
            self._state.notify_all()
        self._stop.set()
        if self._pump and self._pump is not threading.current_thread():
            self._pump.join()
        if self._dispatch:
            self._queue.put(None)
            if self._dispatch is not threading.current_thread():
                self._dispatch.join()
        with self._state:
            while self._users:
                self._state.wait()
        _lib.master.dnp3kit_master_free(self._m)
        self._m = None

    @property
    def closed(self) -> bool:
        return self._closed

    # ---- requests ----

    def run(self, rq: _lib.MasterRequest) -> Result:
        """Run any request (a dnp3kit._lib.MasterRequest) and return its result."""
        return self._collect(_lib.master.dnp3kit_master_run, ctypes.byref(rq))

    def _collect(self, fn, *args) -> Result:
        # fn(m, *args, result, err): the result converted, the C one freed either way
        r = _lib.MasterResult()
        err = _lib.ErrorDetail()
        try:
            self._check(self._call(fn, *args, ctypes.byref(r), ctypes.byref(err)), err)
            return result_from_c(r)
        finally:
            _lib.master.dnp3kit_master_result_free(ctypes.byref(r))

    def _do(self, what: str, fn, *args) -> None:
        # fn(m, *args, err); a failure's message is prefixed with what was asked
        err = _lib.ErrorDetail()
        rc = self._call(fn, *args, ctypes.byref(err))
        if rc != 0:
            e = error_from_detail(rc, err)
            e.args = (f"{what}: {e.args[0]}",)
            raise e

    def integrity_poll(self) -> Result:
        """Read class 1, 2, 3 and 0 (``dnp3-master poll``)."""
        return self.read_class(0, 1, 2, 3)

    def read_class(self, *classes: int) -> Result:
        """Read event and static classes, e.g. ``read_class(1, 2, 3)`` for the events."""
        if not classes:
            raise ValueError("classes: give at least one class (0-3)")
        return self.run(_lib.MasterRequest(type=_lib.TASK_READ_CLASS, classes=_classes(classes, True)))

    def events(self) -> list:
        """The event points of a class 1, 2, 3 read (empty when none wait)."""
        return [p for p in self.read_class(1, 2, 3).points if p.event]

    def read(self, type: str, start: int, stop: Optional[int] = None, variation: int = 0) -> Result:
        """Read points start..stop of a type (one of :data:`POINT_TYPES`),
        variation 0 = the outstation's choice (``dnp3-master read TYPE START-STOP``)."""
        if type not in POINT_TYPES:
            raise ValueError(f"type must be one of {', '.join(POINT_TYPES)}, got {type!r}")
        stop = start if stop is None else stop
        _u("start", start, 0, 2 ** 32 - 1)
        _u("stop", stop, 0, 2 ** 32 - 1)
        if start > stop:
            raise ValueError(f"start {start} is after stop {stop}")
        _u("variation", variation, 0, 255)
        group = _POINT_GROUPS[POINT_TYPES.index(type)]
        return self.run(_lib.MasterRequest(type=_lib.TASK_READ_RANGE, group=group, variation=variation,
                                           start=start, stop=stop))

    def read_indices(self, type: str, indices: Iterable[int], variation: int = 0) -> Result:
        """Read the points of a type at exactly these indices (qualifier 0x17,
        or 0x28 when one is above 255), e.g. ``read_indices("ai", [3, 7, 12])``
        (``dnp3-master read ai 3,7,12``)."""
        if type not in POINT_TYPES:
            raise ValueError(f"type must be one of {', '.join(POINT_TYPES)}, got {type!r}")
        arr, n = _indices(indices)
        return self._collect(_lib.master.dnp3kit_master_read_indices, POINT_TYPES.index(type),
                             _u("variation", variation, 0, 255), arr, n)

    def read_group(self, group: int, start: int, stop: Optional[int] = None, variation: int = 0) -> Result:
        """READ any group/variation by range (g34 dead-bands, g110 octet strings
        ...): points land in ``points``, other objects in ``objects``."""
        stop = start if stop is None else stop
        _u("start", start, 0, 2 ** 32 - 1)
        _u("stop", stop, 0, 2 ** 32 - 1)
        if start > stop:
            raise ValueError(f"start {start} is after stop {stop}")
        return self._collect(_lib.master.dnp3kit_master_read_group, _u("group", group, 0, 255),
                             _u("variation", variation, 0, 255), start, stop)

    def read_group_indices(self, group: int, indices: Iterable[int], variation: int = 0) -> Result:
        """READ any group at a list of indices (see :meth:`read_indices`)."""
        arr, n = _indices(indices)
        return self._collect(_lib.master.dnp3kit_master_read_group_indices, _u("group", group, 0, 255),
                             _u("variation", variation, 0, 255), arr, n)

    def read_deadbands(self, indices: Iterable[int], variation: int = 0) -> dict:
        """The analog input dead-bands (g34) at these indices, {index: value}
        (``dnp3-master deadband read LIST``)."""
        r = self.read_group_indices(34, indices, variation)
        return {o.index: o.fields["value"] for o in r.objects if o.group == 34 and "value" in o.fields}

    def write_deadband(self, index: int, value: Union[int, float], variation: int = 3) -> None:
        """WRITE one analog input's dead-band: g34 v1 (16-bit), v2 (32-bit) or
        v3 (float); a value the variation cannot hold raises DNP3ObjectError
        (``dnp3-master deadband write INDEX VALUE``)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"value must be a number, not {type(value).__name__}")
        self._do(f"dead-band of ai {index}", _lib.master.dnp3kit_master_write_deadband,
                 _u("index", index, 0, 65535), _u("variation", variation, 1, 3), float(value))

    def read_attributes(self, variation: int = 254) -> list:
        """Device attributes (g0) as :class:`Attribute`: 254 (default) all of
        them, with ``writable`` from the outstation's list when it sends it;
        another variation that one (``dnp3-master attributes [VAR]``)."""
        r = self._collect(_lib.master.dnp3kit_master_read_attributes, _u("variation", variation, 1, 255))
        return _attributes(r)

    def write_attribute(self, variation: int, value: Union[str, int, float, bytes]) -> Attribute:
        """WRITE one device attribute: the outstation's list (variation 255)
        must not say it is read-only, its current value gives the data type
        (VSTR takes a str, UINT/INT an int, FLT a number, others bytes).
        Returns the attribute as read back (``dnp3-master attributes --write VAR=VALUE``)."""
        _u("variation", variation, 1, 253)
        try:  # an outstation without the list (variation 255) leaves the check to the WRITE
            listed = dict(a for x in _attributes(self._collect(_lib.master.dnp3kit_master_read_attributes, 255))
                          if x.variation == 255 and isinstance(x.value, list) for a in x.value)
        except DNP3ProtocolError:
            listed = {}
        if listed.get(variation) is False:
            raise DNP3ObjectError(f"attribute {variation} is not writable on this outstation; nothing written",
                                  group=0, variation=variation)
        cur = [a for a in self.read_attributes(variation) if a.variation == variation]
        if not cur:
            raise DNP3ProtocolError(f"the outstation did not report attribute {variation}; nothing written")
        t = cur[0].type_code
        b = _attr_encode(variation, t, len(cur[0].raw), value)
        buf = (ctypes.c_uint8 * max(len(b), 1)).from_buffer_copy(b or b"\0")
        self._do(f"attribute {variation}", _lib.master.dnp3kit_master_write_attribute, variation, t, buf, len(b))
        back = [a for a in self.read_attributes(variation) if a.variation == variation]
        if not back:
            raise DNP3ProtocolError(f"attribute {variation} written, but the outstation did not report it back")
        return back[0]

    # ---- files (g70) ----

    def file_authenticate(self, user: str, password: str) -> int:
        """AUTHENTICATE_FILE: the key to pass as ``auth_key`` to the file calls."""
        key = ctypes.c_uint32(0)
        self._do(f"authenticate '{user}'", _lib.master.dnp3kit_master_file_authenticate, _name("user", user),
                 _name("password", password), ctypes.byref(key))
        return key.value

    def file_info(self, name: str) -> FileInfo:
        """GET_FILE_INFO of a file or directory (``dnp3-master file info NAME``)."""
        fi = _lib.FileInfo()
        self._do(f"file info '{name}'", _lib.master.dnp3kit_master_file_info, _name("name", name), ctypes.byref(fi))
        return _file_info(fi)

    def checkout(self, points_csv, *, report: Optional[str] = None, watch_timeout: float = 5.0,
                 confirm: Union[bool, Callable[[str], bool]] = False, recording: Optional[str] = None) -> Checkout:
        """Verify a point list against the outstation and write its report
        (``dnp3-master checkout``, docs/checkout.md; the C library's
        ``dnp3kit_master_checkout``). ``points_csv``: the list's path;
        ``report``: BASE of BASE.csv / BASE.html (default: the list's name
        with ``-report``); ``confirm``: False = every control declined
        (SKIPPED, nothing sent), True = every control sent (``--yes``), or a
        callable ``confirm(what) -> bool`` asked before each one (what =
        ``"operate bo 1 (CB 52-1 close): close"``); ``recording``: a capture's
        name for the report. A list with an error raises ValueError naming the
        file and line (nothing is sent); a report that cannot be written
        raises DNP3Error; no answer to the poll raises its DNP3Error."""
        path = os.fspath(points_csv)
        if not isinstance(path, str) or not path:
            raise TypeError(f"points_csv must be a path, got {points_csv!r}")
        if isinstance(watch_timeout, bool) or not isinstance(watch_timeout, (int, float)) or \
                not 0 < watch_timeout <= 3600:
            raise ValueError(f"watch_timeout must be 0-3600 s (above 0), got {watch_timeout!r}")
        if not (isinstance(confirm, bool) or callable(confirm)):
            raise TypeError(f"confirm must be a bool or a callable, got {type(confirm).__name__}")
        for name, v in (("report", report), ("recording", recording)):
            if v is not None and not isinstance(v, (str, os.PathLike)):
                raise TypeError(f"{name} must be a path or None, got {type(v).__name__}")
        raised: list = []

        def ask(_user, what) -> bool:
            if isinstance(confirm, bool):
                return confirm
            try:
                return bool(confirm(what.decode("utf-8", "replace")))
            except BaseException as e:  # declined; re-raised after the call
                raised.append(e)
                return False

        cb = _lib.CHECKOUT_CONFIRM_FN(ask)
        opts = _lib.CheckoutOptions(os.fsencode(report) if report is not None else None,
                                    f"{self.host}:{self.port}".encode(),
                                    os.fsencode(recording) if recording is not None else None,
                                    float(watch_timeout), cb, None)
        rep = _lib.CheckoutReport()
        err = _lib.ErrorDetail()
        rc = self._call(_lib.master.dnp3kit_master_checkout, os.fsencode(path), ctypes.byref(opts),
                        ctypes.byref(rep), ctypes.byref(err))
        try:
            if raised:
                raise raised[0]
            if rc != 0:
                msg = _lib.text(rep.error)
                if rep.stage == _lib.CHECKOUT_STAGE_LIST:
                    raise ValueError(msg)
                if rep.stage == _lib.CHECKOUT_STAGE_REPORT:
                    raise DNP3Error(msg)
                e = error_from_detail(rc, err)
                e.args = (f"checkout: {e.args[0]}",)
                raise e
            rows = []
            for i in range(rep.count):
                w = rep.rows[i]
                cell = [_lib.text(w.cell[k]) for k in range(len(_lib.CHECKOUT_COLUMNS))]
                rows.append(CheckoutRow(w.line, cell[0], w.index, cell[2], cell[3], cell[4], cell[5], cell[6],
                                        cell[7], _VERDICTS[w.verdict] if 0 <= w.verdict < 3 else "?",
                                        _lib.text(w.observed), _lib.text(w.flags), _lib.text(w.time),
                                        _lib.text(w.detail)))
            return Checkout(rows, rep.count, rep.passed, rep.failed, rep.skipped, _lib.text(rep.report_csv),
                            _lib.text(rep.report_html), _lib.text(rep.started), _lib.text(rep.finished))
        finally:
            _lib.master.dnp3kit_checkout_report_free(ctypes.byref(rep))

    def file_read(self, name: str, *, auth_key: int = 0, block_size: int = 1024,
                  limit: int = 64 << 20) -> bytes:
        """A whole remote file (or a directory's raw g70v7 listing) in memory;
        more than ``limit`` octets raises DNP3ObjectError."""
        h, size, block = self._file_open(name, _lib.FILE_READ, auth_key, 0, block_size)
        chunks, got = [], 0
        try:
            for b, chunk in self._file_blocks(name, h, block):
                got += len(chunk)
                if got > limit:
                    raise DNP3ObjectError(f"'{name}': more than {limit} octets")
                chunks.append(chunk)
        except BaseException:
            if not self._closed:
                _lib.master.dnp3kit_master_file_close(self._m, h, None)
            raise
        self._do(f"close '{name}'", _lib.master.dnp3kit_master_file_close, h)
        return b"".join(chunks)

    def file_list(self, directory: str = "/", *, auth_key: int = 0, block_size: int = 1024) -> list:
        """The entries of a remote directory as :class:`FileInfo`
        (``dnp3-master file ls [DIR]``). Entries whose name holds a path
        separator or a NUL, or is empty or "..", are left out (logged): they
        could not be written to a local disk as named."""
        raw = self.file_read(directory, auth_key=auth_key, block_size=block_size)
        buf = (ctypes.c_uint8 * max(len(raw), 1)).from_buffer_copy(raw or b"\0")
        out = ctypes.POINTER(_lib.FileInfo)()
        n = ctypes.c_size_t(0)
        err = _lib.ErrorDetail()
        rc = _lib.master.dnp3kit_file_parse_directory(buf, len(raw), ctypes.byref(out), ctypes.byref(n),
                                                      ctypes.byref(err))
        if rc != 0:
            e = error_from_detail(rc, err)
            e.args = (f"listing of '{directory}': {e.args[0]}",)
            raise e
        try:
            entries = [_file_info(out[i]) for i in range(n.value)]
        finally:
            _lib.libc.free(out)
        good = []
        for i, e in enumerate(entries):
            if not e.name or e.name == ".." or "/" in e.name or "\0" in e.name:
                log.warning("dnp3kit: directory '%s' entry %d refused: its name %r", directory, i, e.name)
            else:
                good.append(e)
        return good

    def file_get(self, remote: str, local: Optional[str] = None, *, auth_key: int = 0,
                 block_size: int = 1024) -> int:
        """Copy a remote file to ``local`` (default: its base name); returns the
        octets. It is written to LOCAL.part and renamed once complete, so an
        interrupted or refused transfer leaves no partial file
        (``dnp3-master file get``)."""
        if local is None:
            local = os.path.basename(remote.rstrip("/")) or remote
        part = local + ".part"
        h, size, block = self._file_open(remote, _lib.FILE_READ, auth_key, 0, block_size)
        got = 0
        ok = False
        try:
            with open(part, "wb") as f:
                for b, chunk in self._file_blocks(remote, h, block):
                    if size and got + len(chunk) > size:
                        raise DNP3ProtocolError(f"get '{remote}': the outstation sent more than the {size} "
                                                "octets it announced")
                    f.write(chunk)
                    got += len(chunk)
            h, opened = None, h
            self._do(f"close '{remote}'", _lib.master.dnp3kit_master_file_close, opened)
            if size and got != size:
                raise DNP3ProtocolError(f"get '{remote}': the outstation announced {size} octets and sent {got}")
            os.replace(part, local)
            ok = True
        finally:
            if h is not None and not self._closed:
                _lib.master.dnp3kit_master_file_close(self._m, h, None)
            if not ok:
                try:
                    os.unlink(part)
                except FileNotFoundError:
                    pass
        return got

    def file_put(self, local: str, remote: Optional[str] = None, *, auth_key: int = 0,
                 block_size: int = 1024) -> int:
        """Copy a local regular file (below 4 GiB) to the outstation as
        ``remote`` (default: its base name); returns the octets sent
        (``dnp3-master file put``)."""
        if remote is None:
            remote = os.path.basename(local)
        with open(local, "rb") as f:
            total = os.fstat(f.fileno()).st_size
            if total > 0xFFFFFFFF:
                raise ValueError(f"{local}: {total} octets, a DNP3 file holds at most 4 GiB")
            h, _size, block = self._file_open(remote, _lib.FILE_WRITE, auth_key, total, block_size)
            sent, b = 0, 0
            try:
                while True:
                    chunk = f.read(block)
                    last = sent + len(chunk) >= total
                    buf = (ctypes.c_uint8 * max(len(chunk), 1)).from_buffer_copy(chunk or b"\0")
                    self._do(f"put '{remote}' block {b} (after {sent} of {total} octets)",
                             _lib.master.dnp3kit_master_file_write, h, b, last, buf, len(chunk))
                    sent += len(chunk)
                    b += 1
                    if last:
                        break
            except BaseException:
                if not self._closed:
                    _lib.master.dnp3kit_master_file_close(self._m, h, None)
                raise
        self._do(f"close '{remote}'", _lib.master.dnp3kit_master_file_close, h)
        return sent

    def file_delete(self, name: str, *, auth_key: int = 0) -> None:
        """DELETE_FILE on the outstation (``dnp3-master file rm NAME``)."""
        self._do(f"delete '{name}'", _lib.master.dnp3kit_master_file_delete, _name("name", name),
                 _u("auth_key", auth_key, 0, 2 ** 32 - 1))

    def _file_open(self, name: str, mode: int, auth_key: int, size: int, block_size: int) -> tuple:
        sz = ctypes.c_uint32(size)
        block = ctypes.c_uint16(_u("block_size", block_size, 1, 65535))
        h = ctypes.c_uint32(0)
        self._do(f"open '{name}'", _lib.master.dnp3kit_master_file_open, _name("name", name), mode,
                 _u("auth_key", auth_key, 0, 2 ** 32 - 1), ctypes.byref(sz), ctypes.byref(block), ctypes.byref(h))
        return h.value, sz.value, block.value or 1

    def _file_blocks(self, name: str, h: int, block: int):
        buf = (ctypes.c_uint8 * block)()
        n = ctypes.c_size_t(0)
        last = ctypes.c_bool(False)
        b = 0
        while not last.value:
            self._do(f"'{name}' block {b}", _lib.master.dnp3kit_master_file_read, h, b, buf, block,
                     ctypes.byref(n), ctypes.byref(last))
            yield b, bytes(buf[:n.value])
            b += 1

    def operate_binary(self, index: int, op: str = "on", *, mode: str = "sbo", on_ms: int = 0, off_ms: int = 0,
                       count: int = 1, clear: bool = False) -> Result:
        """CROB on one binary output: ``op`` is on/off (latch), trip/close
        (PULSE_ON with the trip-close code), pulse-on/pulse-off or nul;
        ``mode`` sbo (SELECT then OPERATE), direct or no-ack. Raises
        DNP3ControlError (``status_code``) unless the echo says SUCCESS."""
        if op not in _OPS:
            raise ValueError(f"op must be one of {', '.join(_OPS)}, got {op!r}")
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {', '.join(_MODES)}, got {mode!r}")
        code, tcc = _OPS[op]
        crob = _lib.Crob(op=code, tcc=tcc, clear=bool(clear), count=_u("count", count, 0, 255),
                         on_ms=_u("on_ms", on_ms, 0, 2 ** 32 - 1), off_ms=_u("off_ms", off_ms, 0, 2 ** 32 - 1))
        return self.run(_lib.MasterRequest(type=_lib.TASK_CROB, index=_u("index", index, 0, 65535),
                                           crob=crob, mode=_MODES[mode]))

    def operate_analog(self, index: int, value: Union[int, float], *, type: str = "float",
                       mode: str = "sbo") -> Result:
        """Analog output (g41): ``type`` int16, int32, float (32-bit) or
        double. A value that does not fit the type exactly raises
        DNP3ObjectError; a refused control DNP3ControlError."""
        if type not in _AO_TYPES:
            raise ValueError(f"type must be one of {', '.join(_AO_TYPES)}, got {type!r}")
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {', '.join(_MODES)}, got {mode!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"value must be a number, not {value.__class__.__name__}")
        return self.run(_lib.MasterRequest(type=_lib.TASK_ANALOG_OUTPUT, index=_u("index", index, 0, 65535),
                                           ao_type=_AO_TYPES[type], ao_value=float(value), mode=_MODES[mode]))

    def freeze(self, clear: bool = False) -> None:
        """Freeze all counters (IMMED_FREEZE, or FREEZE_CLEAR with clear=True)."""
        self.run(_lib.MasterRequest(type=_lib.TASK_FREEZE, clear=bool(clear)))

    def time_sync(self, mode: Optional[str] = None) -> None:
        """Set the outstation's clock: "lan" (RECORD_CURRENT_TIME + g50v3) or
        "non-lan" (DELAY_MEASURE + g50v1); None = the configured mode."""
        if mode is not None and mode not in ("lan", "non-lan"):
            raise ValueError(f"mode must be lan or non-lan, got {mode!r}")
        self.run(_lib.MasterRequest(type=_lib.TASK_TIME_SYNC, time_sync=_TIME_SYNC[mode or "none"]))

    def cold_restart(self) -> float:
        """COLD_RESTART; returns the delay the outstation reports, in seconds."""
        return (self.run(_lib.MasterRequest(type=_lib.TASK_RESTART, cold=True)).delay_ms or 0) / 1000.0

    def warm_restart(self) -> float:
        """WARM_RESTART; returns the delay the outstation reports, in seconds."""
        return (self.run(_lib.MasterRequest(type=_lib.TASK_RESTART, cold=False)).delay_ms or 0) / 1000.0

    def enable_unsolicited(self, classes: Iterable[int] = (1, 2, 3)) -> None:
        """ENABLE_UNSOLICITED for event classes 1-3."""
        self.run(_lib.MasterRequest(type=_lib.TASK_UNSOLICITED, enable=True, classes=_classes(classes, False)))

    def disable_unsolicited(self, classes: Iterable[int] = (1, 2, 3)) -> None:
        """DISABLE_UNSOLICITED for event classes 1-3."""
        self.run(_lib.MasterRequest(type=_lib.TASK_UNSOLICITED, enable=False, classes=_classes(classes, False)))

    def link_status(self) -> None:
        """REQUEST_LINK_STATUS; returns when LINK_STATUS arrives."""
        self.run(_lib.MasterRequest(type=_lib.TASK_LINK_STATUS))

    def startup(self) -> None:
        """The startup sequence: clear restart, disable unsolicited, integrity
        poll, time sync if needed, enable unsolicited."""
        self.run(_lib.MasterRequest(type=_lib.TASK_STARTUP))

    def process(self, timeout: float = 0.1) -> None:
        """Wait up to timeout seconds for traffic (unsolicited responses, IIN
        reactions) in this thread; the background thread does this on its own
        once :meth:`on_unsolicited` or :meth:`listen` was called."""
        err = _lib.ErrorDetail()
        self._check(self._call(_lib.master.dnp3kit_master_process, int(timeout * 1000), ctypes.byref(err)), err)

    # ---- unsolicited responses: background thread ----

    def on_unsolicited(self, callback: Optional[Callable[[Result], None]]) -> None:
        """Register a callback for every unsolicited response (a Result with
        ``unsolicited=True``); None removes them all. Starts the background
        threads."""
        if callback is None:
            self._callbacks.clear()
            return
        if not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        self._callbacks.append(callback)
        self.listen()

    def listen(self) -> None:
        """Start the background threads: one waits for traffic whenever no call
        is in progress, one calls the callbacks."""
        with self._state:
            if self._closed:
                raise DNP3ClosedError(f"master for {self.host}:{self.port} is closed", self.host, self.port)
            if self._listening:
                return
            self._listening = True
        self._dispatch = threading.Thread(target=self._dispatch_loop, name="dnp3kit-callbacks", daemon=True)
        self._dispatch.start()
        self._pump = threading.Thread(target=self._pump_loop, name="dnp3kit-listen", daemon=True)
        self._pump.start()

    def _on_unsolicited(self, _user, r) -> None:
        # runs with the library's lock held (inside whichever call took the
        # traffic): copy and queue, never call out from here
        try:
            self._queue.put(result_from_c(r.contents, unsolicited=True))
        except Exception:  # never let an exception unwind into C
            log.exception("dnp3kit: converting an unsolicited response failed")

    def _pump_loop(self) -> None:
        # Traffic that arrives during a call is taken by that call; the pump
        # waits in the library only once the master has been idle for
        # _PUMP_SLICE, and for at most that long, so a call that comes then
        # waits at most one slice and back-to-back calls never wait for it.
        err = _lib.ErrorDetail()
        while not self._stop.is_set():
            with self._state:
                while not self._stop.is_set():
                    idle = time.monotonic() - self._last_call
                    if not self._users and idle >= _PUMP_SLICE:
                        break
                    self._state.wait(None if self._users else _PUMP_SLICE - idle)
                if self._stop.is_set() or self._closed:
                    return
                self._users += 1
            try:
                rc = _lib.master.dnp3kit_master_process(self._m, int(_PUMP_SLICE * 1000), ctypes.byref(err))
            finally:
                with self._state:
                    self._users -= 1
                    self._state.notify_all()
            if rc != 0:
                self._stop.wait(0.05)  # not connected: wait for connect() rather than spin

    def _dispatch_loop(self) -> None:
        while True:
            r = self._queue.get()
            if r is None:
                return
            for cb in list(self._callbacks):
                try:
                    cb(r)
                except BaseException as e:  # reported, and the thread goes on
                    self.callback_errors += 1
                    log.error("dnp3kit: unsolicited callback %r raised %r", cb, e, exc_info=True)
                    hook = self.on_callback_error
                    if hook:
                        try:
                            hook(e)
                        except Exception:
                            log.exception("dnp3kit: on_callback_error raised")

    # ---- tracing ----

    def set_wire_hook(self, fn: Optional[Callable[[str, bool, bytes], None]]) -> None:
        """fn(event, tx, octets) for every connect ("connected"), octets sent
        (tx=True) or received, and close ("closed"). Runs with the library's
        lock held: do not call the master from it. Set before connecting."""
        names = {_lib.WIRE_CONNECTED: "connected", _lib.WIRE_DATA: "data", _lib.WIRE_CLOSED: "closed"}

        def wire(_user, event, tx, p, n):
            try:
                fn(names.get(event, "?"), bool(tx), ctypes.string_at(p, n) if p and event == 2 else b"")
            except Exception:
                log.exception("dnp3kit: wire hook raised")

        self._wire_cb = _lib.WIRE_FN(wire) if fn else _lib.WIRE_FN()
        _lib.master.dnp3kit_master_set_wire_hook(self._m, self._wire_cb, None)

    def set_fragment_hook(self, fn: Optional[Callable[[bool, bytes], None]]) -> None:
        """fn(tx, fragment) for every application fragment sent or received
        complete (the lock rule of set_wire_hook applies)."""

        def frag(_user, tx, p, n):
            try:
                fn(bool(tx), ctypes.string_at(p, n))
            except Exception:
                log.exception("dnp3kit: fragment hook raised")

        self._trace_cbs = (_lib.TRACE_FRAME_FN(), _lib.TRACE_FRAGMENT_FN(frag) if fn else _lib.TRACE_FRAGMENT_FN(),
                           _lib.FINDING_FN())
        _lib.master.dnp3kit_master_set_trace(self._m, *self._trace_cbs, None)

    def __repr__(self) -> str:
        return f"Master({self.host}:{self.port}{', closed' if self._closed else ''})"
