"""DNP3Config, DNP3Master and PollResult of the old Python driver
(``dnp3py``), over dnp3kit's C master (see :mod:`dnp3kit.compat`).

Names, arguments, return values and attributes are the old ones. Where the
old driver was wrong on the wire, this one is right (docs/python.md):

* controls carry a well-formed object header (g12v1/g41 with qualifier 0x28:
  a 2-octet count and 2-octet indices; the old driver wrote 0x28 with a
  1-octet count, which outstations reject or misread);
* the trip-close code is as IEEE 1815 defines it: bits 6-7 = 01 CLOSE,
  10 TRIP (the old ControlCode had TRIP = 0x40 and CLOSE = 0x80, swapped);
* the unsolicited callback is really called (the old one was stored and
  never invoked), from a background thread;
* every DNP3Config field is used (the old driver ignored enable_unsolicited,
  the class poll intervals and confirm_required's meaning).
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional, Union

from ..errors import (DNP3CommunicationError, DNP3ControlError, DNP3CRCError, DNP3Error, DNP3FrameError,
                     DNP3ObjectError, DNP3ProtocolError, DNP3TimeoutError)
from ..master import Master, Result
from ._points import (AnalogInput, AnalogOutput, BinaryInput, BinaryOutput, ControlStatus, Counter,
                      DoubleBitInput, FrozenCounter, IINFlags)

__all__ = ["DNP3Config", "DNP3Master", "PollResult"]

log = logging.getLogger("dnp3kit")
MAX_VALID_ADDRESS = 65519


@dataclass
class PollResult:
    """Result of integrity_poll() / read_class() (and of each unsolicited
    response handed to the callback). ``raw_response`` holds the response
    fragments as received (concatenated)."""

    success: bool
    iin: Optional[IINFlags] = None
    binary_inputs: list = field(default_factory=list)
    binary_outputs: list = field(default_factory=list)
    analog_inputs: list = field(default_factory=list)
    analog_outputs: list = field(default_factory=list)
    counters: list = field(default_factory=list)
    error: Optional[str] = None
    raw_response: Optional[bytes] = None
    # dnp3kit additions: the types the old driver dropped, and the exception behind error
    double_bit_inputs: list = field(default_factory=list)
    frozen_counters: list = field(default_factory=list)
    exception: Optional[DNP3Error] = None
    unsolicited: bool = False


def _poll_result(r: Result, raw: Optional[bytes]) -> PollResult:
    out = PollResult(success=True, iin=IINFlags.from_int(r.iin) if r.iin is not None else None,
                     raw_response=raw, unsolicited=r.unsolicited)
    for p in r.points:
        flags = p.flags if p.flags is not None else 0x01
        if p.type == "bi":
            out.binary_inputs.append(BinaryInput(p.index, bool(p.value), flags, p.time))
        elif p.type == "dbi":
            out.double_bit_inputs.append(DoubleBitInput(p.index, int(p.value), flags, p.time))
        elif p.type == "bo":
            out.binary_outputs.append(BinaryOutput(p.index, bool(p.value), flags))
        elif p.type == "counter":
            out.counters.append(Counter(p.index, int(p.value), flags, p.time))
        elif p.type == "frozen-counter":
            out.frozen_counters.append(FrozenCounter(p.index, int(p.value), flags, p.time))
        elif p.type == "ai":
            out.analog_inputs.append(AnalogInput(p.index, p.value, flags, p.time))
        elif p.type == "ao":
            out.analog_outputs.append(AnalogOutput(p.index, p.value, flags))
    return out


@dataclass
class DNP3Config:
    """Configuration of a DNP3Master: the old fields, defaults and checks.

    Every field is used: host/port/addresses and the timeouts, retries and
    sizes configure the C master; confirm_required makes open() confirm the
    link layer (REQUEST_LINK_STATUS -> LINK_STATUS: dnp3kit sends user data
    unconfirmed, as IEEE 1815-2012 recommends); enable_unsolicited makes
    open() enable unsolicited responses for classes 1-3; the class poll
    intervals schedule background polls while open (0 = off); log_level sets
    the "dnp3kit" logger; log_raw_frames logs every octet sent and received.
    """

    host: str = "127.0.0.1"
    port: int = 20000
    master_address: int = 1
    outstation_address: int = 10
    response_timeout: float = 5.0
    connection_timeout: float = 10.0
    select_timeout: float = 10.0
    max_retries: int = 3
    retry_delay: float = 1.0
    confirm_required: bool = True
    max_frame_size: int = 250
    max_apdu_size: int = 2048
    enable_unsolicited: bool = True
    class_0_poll_interval: float = 60.0
    class_1_poll_interval: float = 5.0
    class_2_poll_interval: float = 10.0
    class_3_poll_interval: float = 30.0
    log_level: str = "INFO"
    log_raw_frames: bool = False

    def validate(self) -> None:
        """Check and normalise every field. ValueError (or TypeError for a
        host that is not a string and for a switch that is not a bool), the
        message naming the field."""
        if self.host is None or not isinstance(self.host, str):
            raise TypeError(f"host must be a non-empty string, got "
                            f"{type(self.host).__name__ if self.host is not None else 'NoneType'}")
        self.host = self.host.strip()
        if not self.host:
            raise ValueError("host must be a non-empty string")
        if len(self.host.encode()) >= 64:
            raise ValueError(f"host must be at most 63 octets, got {len(self.host.encode())}")
        self.port = self._int("port", self.port, 1, 65535)
        for name in ("master_address", "outstation_address"):
            v = self._int(name, getattr(self, name), None, None)
            if not 0 <= v <= MAX_VALID_ADDRESS:
                raise ValueError(f"{name} must be 0-65519 (0xFFEF), got {v}. Addresses 65520-65535 are reserved.")
            setattr(self, name, v)
        for name in ("response_timeout", "connection_timeout", "select_timeout"):
            v = self._float(name, getattr(self, name))
            if v <= 0:
                raise ValueError(f"{name} must be positive, got {v}")
            if v > 3600:
                raise ValueError(f"{name} must be at most 3600 s, got {v}")
            setattr(self, name, v)
        self.max_retries = self._int("max_retries", self.max_retries, 0, 100)
        self.retry_delay = self._float("retry_delay", self.retry_delay)
        if not 0 <= self.retry_delay <= 3600:
            raise ValueError(f"retry_delay must be 0-3600, got {self.retry_delay}")
        # the old ranges were 1-250 and 1-65536; the link and transport layers need at least a
        # frame with 6 octets of user data and a fragment of one full segment (249)
        self.max_frame_size = self._int("max_frame_size", self.max_frame_size, 6, 250)
        self.max_apdu_size = self._int("max_apdu_size", self.max_apdu_size, 249, 65535)
        for name in ("class_0_poll_interval", "class_1_poll_interval", "class_2_poll_interval",
                     "class_3_poll_interval"):
            v = self._float(name, getattr(self, name))
            if v < 0:
                raise ValueError(f"{name} must be >= 0, got {v}")
            setattr(self, name, v)
        for name in ("confirm_required", "enable_unsolicited", "log_raw_frames"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be a bool, got {type(getattr(self, name)).__name__}")
        if not isinstance(self.log_level, str):
            raise ValueError(f"log_level must be a string, got {type(self.log_level).__name__}")
        level = self.log_level.strip().upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError(f"log_level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got {self.log_level!r}")
        self.log_level = level

    @staticmethod
    def _int(name: str, v, lo: Optional[int], hi: Optional[int]) -> int:
        if isinstance(v, bool):
            raise ValueError(f"{name} must be an integer, got {v!r}")
        try:
            i = int(v)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{name} must be an integer, got {v!r}") from e
        if isinstance(v, float) and not v.is_integer():
            raise ValueError(f"{name} must be an integer, got {v!r}")
        if lo is not None and not lo <= i <= hi:
            raise ValueError(f"{name} must be {lo}-{hi}, got {i}")
        return i

    @staticmethod
    def _float(name: str, v) -> float:
        if isinstance(v, bool):
            raise ValueError(f"{name} must be a number, got {v!r}")
        try:
            f = float(v)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{name} must be a number, got {v!r}") from e
        if f != f or f in (float("inf"), float("-inf")):
            raise ValueError(f"{name} must be a finite number, got {v!r}")
        return f


class DNP3Master:
    """The old driver's master, thread-safe, over dnp3kit's C master.

    Reads raise DNP3Error subclasses (as the old ones did); integrity_poll()
    and read_class() return PollResult(success=False, error=...) instead;
    controls, restarts and unsolicited enable/disable return True/False.
    """

    def __init__(self, config: Optional[DNP3Config] = None) -> None:
        self.config = config or DNP3Config()
        self.config.validate()
        c = self.config
        logging.getLogger("dnp3kit").setLevel(c.log_level)
        self._lock = threading.RLock()
        self._master: Optional[Master] = None
        self._connected = False
        self._unsolicited_callback: Optional[Callable[[PollResult], None]] = None
        self._poll_callback: Optional[Callable[[int, PollResult], None]] = None
        self._raw: list = []
        self._poller: Optional[threading.Thread] = None
        self._poll_stop = threading.Event()
        #: the last result of each background class poll (0-3), when intervals are set
        self.last_poll: dict = {}

    def _new_master(self) -> Master:
        c = self.config
        m = Master(c.host, c.port, master_address=c.master_address, outstation_address=c.outstation_address,
                   response_timeout=c.response_timeout, connect_timeout=c.connection_timeout,
                   select_timeout=c.select_timeout, retries=c.max_retries, retry_delay=c.retry_delay,
                   max_frame_size=c.max_frame_size, max_fragment_size=c.max_apdu_size)
        if c.log_raw_frames:
            m.set_wire_hook(lambda ev, tx, octets: log.debug("%s %s", "TX" if tx else "RX", octets.hex(" "))
                            if ev == "data" else log.debug("connection %s", ev))
        m.set_fragment_hook(self._on_fragment)
        m.on_unsolicited(self._on_unsolicited)
        return m

    def _on_fragment(self, tx: bool, frag: bytes) -> None:
        if not tx and len(frag) >= 4 and not frag[0] & 0x10:  # solicited responses only
            self._raw.append(frag)

    def _on_unsolicited(self, r: Result) -> None:
        cb = self._unsolicited_callback
        if cb:
            cb(_poll_result(r, None))

    # ---- connection ----

    @property
    def is_connected(self) -> bool:
        return self._connected and self._master is not None

    @contextmanager
    def connect(self) -> Iterator["DNP3Master"]:
        """``with master.connect(): ...`` opens, and closes at the end."""
        try:
            self.open()
            yield self
        finally:
            self.close()

    def open(self) -> None:
        """Connect. DNP3CommunicationError (host, port) when refused or
        unreachable, DNP3TimeoutError (timeout_seconds) when nothing answers."""
        with self._lock:
            if self._connected:
                return
            m = self._new_master()
            try:
                m.connect()
                if self.config.confirm_required:
                    m.link_status()
            except DNP3Error:
                m.close()
                raise
            self._master, self._connected = m, True
            log.info("Connected to %s:%s", self.config.host, self.config.port)
        if self.config.enable_unsolicited and not self.enable_unsolicited():
            log.warning("enabling unsolicited responses failed")
        self._start_polls()

    def close(self) -> None:
        """Disconnect (open() may be called again)."""
        self._poll_stop.set()
        if self._poller and self._poller is not threading.current_thread():
            self._poller.join()
        self._poller = None
        with self._lock:
            m, self._master, self._connected = self._master, None, False
        if m:
            m.close()
            log.info("Connection closed")

    def _m(self) -> Master:
        m = self._master
        if not self._connected or m is None:
            raise DNP3CommunicationError("Not connected", host=self.config.host, port=self.config.port)
        return m

    # ---- background class polls (the class_N_poll_interval fields) ----

    def set_poll_callback(self, callback: Optional[Callable[[int, PollResult], None]]) -> None:
        """callback(class_number, PollResult) after each background class poll."""
        self._poll_callback = callback

    def _start_polls(self) -> None:
        c = self.config
        intervals = {k: getattr(c, f"class_{k}_poll_interval") for k in range(4)}
        intervals = {k: v for k, v in intervals.items() if v > 0}
        if not intervals:
            return
        self._poll_stop = threading.Event()
        self._poller = threading.Thread(target=self._poll_loop, args=(intervals, self._poll_stop),
                                        name="dnp3kit-polls", daemon=True)
        self._poller.start()

    def _poll_loop(self, intervals: dict, stop: threading.Event) -> None:
        import time
        due = {k: time.monotonic() + v for k, v in intervals.items()}
        while not stop.is_set():
            k = min(due, key=due.get)
            if stop.wait(max(0.0, due[k] - time.monotonic())):
                return
            due[k] = time.monotonic() + intervals[k]
            r = self.read_class(k)
            self.last_poll[k] = r
            cb = self._poll_callback
            if cb:
                try:
                    cb(k, r)
                except Exception:
                    log.exception("dnp3kit: poll callback raised")

    # ---- reads ----

    def _request(self, fn, *args) -> tuple[Result, bytes]:
        m = self._m()
        with self._lock:  # raw_response belongs to one request at a time
            self._raw = []
            r = fn(m, *args)
            return r, b"".join(self._raw)

    def integrity_poll(self) -> PollResult:
        """Read classes 1, 2, 3 and 0."""
        return self._poll(Master.read_class, 0, 1, 2, 3)

    def read_class(self, class_num: int) -> PollResult:
        """Read one class (0, 1, 2 or 3); ValueError for another class_num
        (as the old driver raised), before anything is sent."""
        if isinstance(class_num, bool) or not isinstance(class_num, int) or not 0 <= class_num <= 3:
            raise ValueError(f"class_num must be 0, 1, 2 or 3, got {class_num!r}")
        return self._poll(Master.read_class, class_num)

    def _poll(self, fn, *args) -> PollResult:
        try:
            r, raw = self._request(fn, *args)
            return _poll_result(r, raw)
        except DNP3Error as e:
            return PollResult(success=False, error=str(e), exception=e)

    def _read(self, type: str, start: int, stop: int) -> PollResult:
        # the old driver's checks, with its exception (ValueError), before anything is sent
        for name, v in (("start", start), ("stop", stop)):
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 0xFFFF:
                raise ValueError(f"{name} index must be an integer 0-65535, got {v!r}")
        if start > stop:
            raise ValueError(f"start must be <= stop, got start={start}, stop={stop}")
        r, raw = self._request(Master.read, type, start, stop)
        return _poll_result(r, raw)

    def read_binary_inputs(self, start: int = 0, stop: int = 0) -> list:
        return self._read("bi", start, stop).binary_inputs

    def read_analog_inputs(self, start: int = 0, stop: int = 0) -> list:
        return self._read("ai", start, stop).analog_inputs

    def read_counters(self, start: int = 0, stop: int = 0) -> list:
        return self._read("counter", start, stop).counters

    def read_binary_outputs(self, start: int = 0, stop: int = 0) -> list:
        return self._read("bo", start, stop).binary_outputs

    def read_analog_outputs(self, start: int = 0, stop: int = 0) -> list:
        return self._read("ao", start, stop).analog_outputs

    # ---- controls ----

    @staticmethod
    def _crob_args(value: bool, control_code: Optional[int]) -> dict:
        if control_code is None:
            return {"op": "on" if value else "off"}
        code = int(control_code)
        op = code & 0x0F
        if op > 4:
            raise ValueError(f"control_code: invalid CROB operation 0x{op:02X}")
        if code & 0xC0 == 0xC0:
            raise ValueError("control_code: TRIP and CLOSE both set")
        if code & 0x10:
            raise ValueError("control_code: the QUEUE bit is obsolete (IEEE 1815-2012) and not sent")
        names = {0: "nul", 1: "pulse-on", 2: "pulse-off", 3: "on", 4: "off"}
        tcc = code >> 6
        if tcc:
            if op not in (1, 0):
                raise ValueError("control_code: TRIP/CLOSE go with PULSE_ON (or NUL)")
            return {"op": "close" if tcc == 1 else "trip", "clear": bool(code & 0x20)}
        return {"op": names[op], "clear": bool(code & 0x20)}

    def _control(self, fn, *args, **kw) -> bool:
        try:
            self._request(lambda m: fn(m, *args, **kw))
            return True
        except DNP3ControlError as e:
            name = ControlStatus(e.status_code).name if e.status_code in ControlStatus._value2member_map_ else "?"
            log.error("Control operation failed with status: %s (%s)", e.status_code, name)
            return False
        except DNP3ProtocolError as e:
            log.error("Control failed with IIN errors: %s", e)
            return False

    def direct_operate_binary(self, index: int, value: bool, control_code: Optional[int] = None) -> bool:
        """DIRECT_OPERATE a CROB: latch on/off by value, or control_code."""
        return self._control(Master.operate_binary, index, mode="direct", **self._crob_args(value, control_code))

    def select_operate_binary(self, index: int, value: bool, control_code: Optional[int] = None) -> bool:
        """SELECT then OPERATE (within select_timeout)."""
        return self._control(Master.operate_binary, index, mode="sbo", **self._crob_args(value, control_code))

    def pulse_binary(self, index: int, on_time: int, off_time: int = 0, count: int = 1,
                     pulse_on: bool = True) -> bool:
        """DIRECT_OPERATE a pulse: on_time/off_time in ms, count pulses."""
        return self._control(Master.operate_binary, index, op="pulse-on" if pulse_on else "pulse-off",
                             mode="direct", on_ms=on_time, off_ms=off_time, count=count)

    def direct_operate_analog(self, index: int, value: Union[int, float]) -> bool:
        """DIRECT_OPERATE an analog output: g41v1 (32-bit) for an int, g41v3
        (float) for a float that a 32-bit float holds exactly, else g41v4."""
        if isinstance(value, int) and not isinstance(value, bool):
            kind = "int32"
        else:
            import struct
            kind = "float" if struct.unpack("<f", struct.pack("<f", float(value)))[0] == float(value) else "double"
        return self._control(Master.operate_analog, index, value, type=kind, mode="direct")

    # ---- other functions ----

    def cold_restart(self) -> bool:
        try:
            self._request(Master.cold_restart)
            return True
        except DNP3Error:
            return False

    def warm_restart(self) -> bool:
        try:
            self._request(Master.warm_restart)
            return True
        except DNP3Error:
            return False

    @staticmethod
    def _classes(class_mask: int) -> list:
        return [c for c, bit in ((1, 1), (2, 2), (3, 4)) if class_mask & bit]

    def enable_unsolicited(self, class_mask: int = 0x07) -> bool:
        """class_mask: 1 = class 1, 2 = class 2, 4 = class 3."""
        try:
            self._request(Master.enable_unsolicited, self._classes(class_mask))
            return True
        except DNP3Error:
            return False

    def disable_unsolicited(self, class_mask: int = 0x07) -> bool:
        try:
            self._request(Master.disable_unsolicited, self._classes(class_mask))
            return True
        except DNP3Error:
            return False

    def set_unsolicited_callback(self, callback: Optional[Callable[[PollResult], None]]) -> None:
        """callback(PollResult) for every unsolicited response, called from a
        background thread; an exception in it is logged and the thread goes on."""
        self._unsolicited_callback = callback

    def __repr__(self) -> str:
        return f"DNP3Master({self.config.host}:{self.config.port}, {'connected' if self._connected else 'disconnected'})"
