"""The old driver's protocol enums, point and command types, object
catalogue and CRC, for :mod:`dnp3kit.compat`.

Names, fields, defaults and checks are the old driver's. Where it was wrong
the values here are IEEE 1815's (TRIP/CLOSE, docs/python.md). The object
sizes, group names, CRC and the ``parse_*`` functions come from the C core
(its catalogue and decoder), so there is one codec, not two.
"""
from __future__ import annotations

import ctypes
import struct
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, IntFlag
from typing import Optional, Union

from .. import _lib

__all__ = [
    "LinkLayerFunction", "AppLayerFunction", "QualifierCode", "ControlCode", "ControlStatus", "IINFlags",
    "BinaryFlags", "AnalogFlags", "CounterFlags",
    "BinaryInput", "DoubleBitInput", "BinaryOutput", "BinaryOutputCommand", "AnalogInput", "AnalogOutput",
    "AnalogOutputCommand", "Counter", "FrozenCounter",
    "parse_binary_inputs", "parse_binary_outputs", "parse_analog_inputs", "parse_analog_outputs",
    "parse_counters",
    "ObjectGroup", "ObjectVariation", "OBJECT_SIZES", "get_object_size", "get_group_name",
    "CRC16DNP3", "calculate_frame_crc",
]


class LinkLayerFunction(IntEnum):
    """Link layer control octet: function code with DIR=0, PRM set for the
    primary codes (as the old driver defined them)."""

    RESET_LINK = 0x40
    RESET_USER_PROCESS = 0x41
    TEST_LINK = 0x42
    USER_DATA_CONFIRMED = 0x43
    USER_DATA_UNCONFIRMED = 0x44
    REQUEST_LINK_STATUS = 0x49
    ACK = 0x00
    NACK = 0x01
    LINK_STATUS = 0x0B
    NOT_SUPPORTED = 0x0F


class AppLayerFunction(IntEnum):
    """Application function codes (IEEE 1815 table 4-1)."""

    CONFIRM = 0
    READ = 1
    WRITE = 2
    SELECT = 3
    OPERATE = 4
    DIRECT_OPERATE = 5
    DIRECT_OPERATE_NO_ACK = 6
    IMMEDIATE_FREEZE = 7
    IMMEDIATE_FREEZE_NO_ACK = 8
    FREEZE_CLEAR = 9
    FREEZE_CLEAR_NO_ACK = 10
    FREEZE_AT_TIME = 11
    FREEZE_AT_TIME_NO_ACK = 12
    COLD_RESTART = 13
    WARM_RESTART = 14
    INITIALIZE_DATA = 15
    INITIALIZE_APPLICATION = 16
    START_APPLICATION = 17
    STOP_APPLICATION = 18
    SAVE_CONFIGURATION = 19
    ENABLE_UNSOLICITED = 20
    DISABLE_UNSOLICITED = 21
    ASSIGN_CLASS = 22
    DELAY_MEASURE = 23
    RECORD_CURRENT_TIME = 24
    OPEN_FILE = 25
    CLOSE_FILE = 26
    DELETE_FILE = 27
    GET_FILE_INFO = 28
    AUTHENTICATE_FILE = 29
    ABORT_FILE = 30
    RESPONSE = 129
    UNSOLICITED_RESPONSE = 130
    AUTHENTICATION_RESPONSE = 131


class QualifierCode(IntEnum):
    """Object header qualifier codes (prefix and range)."""

    UINT8_START_STOP = 0x00
    UINT16_START_STOP = 0x01
    ALL_OBJECTS = 0x06
    UINT8_COUNT = 0x07
    UINT16_COUNT = 0x08
    UINT8_COUNT_UINT8_INDEX = 0x17
    UINT8_COUNT_UINT16_INDEX = 0x28
    UINT16_COUNT_UINT16_INDEX = 0x29
    FREE_FORMAT_UINT16_COUNT = 0x5B


class ControlCode(IntEnum):
    """CROB control code octet (clause 11.3 / g12v1)."""

    NUL = 0x00
    PULSE_ON = 0x01
    PULSE_OFF = 0x02
    LATCH_ON = 0x03
    LATCH_OFF = 0x04
    QUEUE = 0x10
    CLEAR = 0x20
    # trip-close code, bits 6-7: 01 = CLOSE, 10 = TRIP (the old driver had these swapped)
    TRIP_CLOSE_CLOSE = 0x40
    TRIP_CLOSE_TRIP = 0x80


class ControlStatus(IntEnum):
    SUCCESS = 0
    TIMEOUT = 1
    NO_SELECT = 2
    FORMAT_ERROR = 3
    NOT_SUPPORTED = 4
    ALREADY_ACTIVE = 5
    HARDWARE_ERROR = 6
    LOCAL = 7
    TOO_MANY_OBJS = 8
    NOT_AUTHORIZED = 9
    AUTOMATION_INHIBIT = 10
    PROCESSING_LIMITED = 11
    OUT_OF_RANGE = 12
    NOT_PARTICIPATING = 126
    UNDEFINED = 127


class BinaryFlags(IntFlag):
    ONLINE = 0x01
    RESTART = 0x02
    COMM_LOST = 0x04
    REMOTE_FORCED = 0x08
    LOCAL_FORCED = 0x10
    CHATTER_FILTER = 0x20
    RESERVED = 0x40
    STATE = 0x80


class AnalogFlags(IntFlag):
    ONLINE = 0x01
    RESTART = 0x02
    COMM_LOST = 0x04
    REMOTE_FORCED = 0x08
    LOCAL_FORCED = 0x10
    OVER_RANGE = 0x20
    REFERENCE_ERR = 0x40
    RESERVED = 0x80


class CounterFlags(IntFlag):
    ONLINE = 0x01
    RESTART = 0x02
    COMM_LOST = 0x04
    REMOTE_FORCED = 0x08
    LOCAL_FORCED = 0x10
    ROLLOVER = 0x20
    DISCONTINUITY = 0x40
    RESERVED = 0x80


_IIN1 = ("broadcast", "class_1_events", "class_2_events", "class_3_events", "need_time", "local_control",
         "device_trouble", "device_restart")
_IIN2 = ("no_func_code_support", "object_unknown", "parameter_error", "event_buffer_overflow",
         "already_executing", "config_corrupt", "reserved_2_6", "reserved_2_7")


@dataclass
class IINFlags:
    """Internal indications, one bool per bit (IIN1 then IIN2)."""

    broadcast: bool = False
    class_1_events: bool = False
    class_2_events: bool = False
    class_3_events: bool = False
    need_time: bool = False
    local_control: bool = False
    device_trouble: bool = False
    device_restart: bool = False
    no_func_code_support: bool = False
    object_unknown: bool = False
    parameter_error: bool = False
    event_buffer_overflow: bool = False
    already_executing: bool = False
    config_corrupt: bool = False
    reserved_2_6: bool = False
    reserved_2_7: bool = False

    @classmethod
    def from_bytes(cls, iin1: int, iin2: int) -> "IINFlags":
        """From the two IIN octets (masked to 0-255). TypeError if not integers."""
        vals = []
        for name, v in (("IIN1", iin1), ("IIN2", iin2)):
            try:
                vals.append(int(v) & 0xFF)
            except (TypeError, ValueError) as e:
                raise TypeError(f"{name} must be an integer (0-255), got {type(v).__name__}") from e
        kw = {n: bool(vals[0] >> i & 1) for i, n in enumerate(_IIN1)}
        kw.update({n: bool(vals[1] >> i & 1) for i, n in enumerate(_IIN2)})
        return cls(**kw)

    @classmethod
    def from_int(cls, iin: int) -> "IINFlags":
        """From IIN1 << 8 | IIN2 (dnp3kit's representation)."""
        return cls.from_bytes(iin >> 8, iin)

    def to_bytes(self) -> tuple[int, int]:
        return (sum(1 << i for i, n in enumerate(_IIN1) if getattr(self, n)),
                sum(1 << i for i, n in enumerate(_IIN2) if getattr(self, n)))

    def has_errors(self) -> bool:
        return self.no_func_code_support or self.object_unknown or self.parameter_error or self.config_corrupt

    def has_reserved_bits(self) -> bool:
        return self.reserved_2_6 or self.reserved_2_7


# ---- single objects: from_bytes / to_bytes (object octets, no prefix) ----

def _check_args(data, index, variation, variations) -> None:
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"data must be bytes or bytearray, got {type(data).__name__}")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"index must be a non-negative integer, got {index!r}")
    if isinstance(variation, bool) or not isinstance(variation, int) or variation not in variations:
        raise ValueError(f"variation must be one of {sorted(variations)}, got {variation!r}")


def _need(data, n: int, what: str, variation: int) -> None:
    if len(data) < n:
        raise ValueError(f"Insufficient data for {what} variation {variation}: need {n} bytes, got {len(data)}")


def _u48(ts) -> bytes:
    t = int(ts)
    if not 0 <= t < 1 << 48:
        raise ValueError(f"timestamp must be 0 to 2^48-1 ms, got {ts}")
    return t.to_bytes(6, "little")


def _pack(fmt: str, value, what: str) -> bytes:
    try:
        return struct.pack(fmt, value)
    except struct.error as e:
        raise ValueError(f"value {value!r} out of range for {what}") from e


@dataclass
class BinaryInput:
    """Binary input (g1) or its event (g2). ``timestamp``: ms since 1970 UTC
    (g2v2), or ms relative to the CTO (g2v3)."""

    index: int
    value: bool
    flags: int = BinaryFlags.ONLINE
    timestamp: Optional[int] = None

    @property
    def is_online(self) -> bool:
        return bool(self.flags & BinaryFlags.ONLINE)

    @property
    def has_restart(self) -> bool:
        return bool(self.flags & BinaryFlags.RESTART)

    @property
    def comm_lost(self) -> bool:
        return bool(self.flags & BinaryFlags.COMM_LOST)

    @classmethod
    def from_bytes(cls, data: bytes, index: int, variation: int = 2) -> "BinaryInput":
        """1: the state in bit 0; 2: flags (g1v2), with a 6-octet time after them
        when there are 7 octets (g2v2); 3: flags and a 2-octet relative time (g2v3)."""
        _check_args(data, index, variation, {1, 2, 3})
        _need(data, 3 if variation == 3 else 1, "binary input", variation)
        if variation == 1:
            return cls(index, bool(data[0] & 1), BinaryFlags.ONLINE)
        ts = None
        if variation == 2 and len(data) >= 7:
            ts = int.from_bytes(data[1:7], "little")
        elif variation == 3:
            ts = int.from_bytes(data[1:3], "little")
        return cls(index, bool(data[0] & BinaryFlags.STATE), data[0], ts)

    def to_bytes(self, variation: int = 2) -> bytes:
        if variation == 1:
            return bytes([1 if self.value else 0])
        if variation not in (2, 3):
            raise ValueError(f"Unsupported binary input variation: {variation}")
        flags = (int(self.flags) & 0x7F) | (0x80 if self.value else 0)
        if variation == 2:
            return bytes([flags]) + (_u48(self.timestamp) if self.timestamp is not None else b"")
        rel = int(self.timestamp or 0)
        if not 0 <= rel <= 0xFFFF:
            raise ValueError(f"relative timestamp for variation 3 must be 0-65535, got {self.timestamp}")
        return bytes([flags]) + rel.to_bytes(2, "little")

    def __repr__(self) -> str:
        ts = f", ts={self.timestamp}" if self.timestamp is not None else ""
        return (f"BinaryInput(idx={self.index}, {'ON' if self.value else 'OFF'}, "
                f"{'online' if self.is_online else 'offline'}{ts})")


@dataclass
class DoubleBitInput:
    """Double-bit input (g3/g4; the old driver had none): value 0 intermediate,
    1 off, 2 on, 3 indeterminate."""

    index: int
    value: int
    flags: int = BinaryFlags.ONLINE
    timestamp: Optional[int] = None


@dataclass
class BinaryOutput:
    """Binary output status (g10)."""

    index: int
    value: bool
    flags: int = BinaryFlags.ONLINE

    @classmethod
    def from_bytes(cls, data: bytes, index: int, variation: int = 2) -> "BinaryOutput":
        _check_args(data, index, variation, {1, 2})
        _need(data, 1, "binary output", variation)
        if variation == 1:
            return cls(index, bool(data[0] & 1), BinaryFlags.ONLINE)
        return cls(index, bool(data[0] & BinaryFlags.STATE), data[0])

    def to_bytes(self, variation: int = 2) -> bytes:
        if variation == 1:
            return bytes([1 if self.value else 0])
        if variation != 2:
            raise ValueError(f"Unsupported variation: {variation}")
        return bytes([(int(self.flags) & 0x7F) | (0x80 if self.value else 0)])

    def __repr__(self) -> str:
        return f"BinaryOutput(idx={self.index}, {'ON' if self.value else 'OFF'})"


@dataclass
class BinaryOutputCommand:
    """Control relay output block (g12v1). The control code is checked as the
    old driver checked it: a known operation, known flag bits, not TRIP and
    CLOSE together."""

    index: int
    control_code: int = ControlCode.LATCH_ON
    count: int = 1
    on_time: int = 0
    off_time: int = 0
    status: int = ControlStatus.SUCCESS

    def __post_init__(self) -> None:
        code = int(self.control_code)
        if code & 0x0F > 4:
            raise ValueError(f"Invalid CROB base control code: 0x{code & 0x0F:02X}")
        if not 0 <= code <= 0xFF:
            raise ValueError(f"Invalid CROB control flag bits: 0x{code:02X}")
        if code & 0xC0 == 0xC0:
            raise ValueError("Invalid CROB control code: TRIP and CLOSE both set")

    @property
    def operation(self) -> str:
        op = int(self.control_code) & 0x0F
        return ("NUL", "PULSE_ON", "PULSE_OFF", "LATCH_ON", "LATCH_OFF")[op] if op <= 4 else f"0x{op:02X}"

    @classmethod
    def latch_on(cls, index: int) -> "BinaryOutputCommand":
        return cls(index=index, control_code=ControlCode.LATCH_ON)

    @classmethod
    def latch_off(cls, index: int) -> "BinaryOutputCommand":
        return cls(index=index, control_code=ControlCode.LATCH_OFF)

    @classmethod
    def pulse_on(cls, index: int, on_time: int, off_time: int = 0, count: int = 1) -> "BinaryOutputCommand":
        return cls(index=index, control_code=ControlCode.PULSE_ON, count=count, on_time=on_time, off_time=off_time)

    @classmethod
    def pulse_off(cls, index: int, on_time: int = 0, off_time: int = 0, count: int = 1) -> "BinaryOutputCommand":
        return cls(index=index, control_code=ControlCode.PULSE_OFF, count=count, on_time=on_time, off_time=off_time)

    @classmethod
    def trip(cls, index: int) -> "BinaryOutputCommand":
        """TRIP: trip-close code 10 with PULSE_ON, as IEEE 1815 pairs them (the
        old driver sent 0x43: its TRIP bits, which mean CLOSE, with LATCH_ON)."""
        return cls(index=index, control_code=ControlCode.TRIP_CLOSE_TRIP | ControlCode.PULSE_ON)

    @classmethod
    def close(cls, index: int) -> "BinaryOutputCommand":
        """CLOSE: trip-close code 01 with PULSE_ON (the old driver sent 0x83)."""
        return cls(index=index, control_code=ControlCode.TRIP_CLOSE_CLOSE | ControlCode.PULSE_ON)

    def to_bytes(self) -> bytes:
        """The 11 octets of g12v1 (code, count, on ms, off ms, status)."""
        if not 0 <= self.count <= 255:
            raise ValueError(f"count must be 0-255, got {self.count}")
        for name in ("on_time", "off_time"):
            if not 0 <= getattr(self, name) <= 0xFFFFFFFF:
                raise ValueError(f"{name} must be 0-4294967295, got {getattr(self, name)}")
        if not 0 <= self.status <= 255:
            raise ValueError(f"status must be 0-255, got {self.status}")
        return struct.pack("<BBIIB", int(self.control_code), self.count, self.on_time, self.off_time, self.status)

    @classmethod
    def from_bytes(cls, data: bytes, index: int) -> "BinaryOutputCommand":
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"data must be bytes or bytearray, got {type(data).__name__}")
        if len(data) < 11:
            raise ValueError(f"CROB data too short: {len(data)} < 11")
        code, count, on, off, status = struct.unpack("<BBIIB", bytes(data[:11]))
        return cls(index=index, control_code=code, count=count, on_time=on, off_time=off, status=status)

    def __repr__(self) -> str:
        return f"BinaryOutputCommand(idx={self.index}, op={self.operation}, status={self.status})"


_AI = {1: ("<i", True), 2: ("<h", True), 3: ("<i", False), 4: ("<h", False), 5: ("<f", True), 6: ("<d", True)}
_AO = {1: "<i", 2: "<h", 3: "<f", 4: "<d"}


@dataclass
class AnalogInput:
    """Analog input (g30) or its event (g32)."""

    index: int
    value: Union[int, float]
    flags: int = AnalogFlags.ONLINE
    timestamp: Optional[int] = None

    @property
    def is_online(self) -> bool:
        return bool(self.flags & AnalogFlags.ONLINE)

    @property
    def is_over_range(self) -> bool:
        return bool(self.flags & AnalogFlags.OVER_RANGE)

    @property
    def comm_lost(self) -> bool:
        return bool(self.flags & AnalogFlags.COMM_LOST)

    @classmethod
    def from_bytes(cls, data: bytes, index: int, variation: int = 1) -> "AnalogInput":
        """g30 variations 1-6 (32/16-bit with and without flag, float, double)."""
        _check_args(data, index, variation, set(_AI))
        fmt, has_flag = _AI[variation]
        n = struct.calcsize(fmt) + has_flag
        _need(data, n, "analog input", variation)
        value = struct.unpack(fmt, bytes(data[has_flag:n]))[0]
        return cls(index, value, data[0] if has_flag else AnalogFlags.ONLINE)

    def to_bytes(self, variation: int = 1) -> bytes:
        if variation not in _AI:
            raise ValueError(f"variation must be an integer 1-6, got {variation!r}")
        fmt, has_flag = _AI[variation]
        v = float(self.value) if fmt in ("<f", "<d") else int(self.value)
        return (bytes([int(self.flags) & 0xFF]) if has_flag else b"") + _pack(fmt, v, f"variation {variation}")

    def __repr__(self) -> str:
        return f"AnalogInput(idx={self.index}, value={self.value}, {'online' if self.is_online else 'offline'})"


@dataclass
class AnalogOutput:
    """Analog output status (g40)."""

    index: int
    value: Union[int, float]
    flags: int = AnalogFlags.ONLINE

    @classmethod
    def from_bytes(cls, data: bytes, index: int, variation: int = 1) -> "AnalogOutput":
        _check_args(data, index, variation, set(_AO))
        fmt = _AO[variation]
        n = struct.calcsize(fmt) + 1
        _need(data, n, "analog output", variation)
        return cls(index, struct.unpack(fmt, bytes(data[1:n]))[0], data[0])

    def to_bytes(self, variation: int = 1) -> bytes:
        if variation not in _AO:
            raise ValueError(f"variation must be an integer 1-4, got {variation!r}")
        fmt = _AO[variation]
        v = float(self.value) if fmt in ("<f", "<d") else int(self.value)
        return bytes([int(self.flags) & 0xFF]) + _pack(fmt, v, f"variation {variation}")

    def __repr__(self) -> str:
        return f"AnalogOutput(idx={self.index}, value={self.value})"


@dataclass
class AnalogOutputCommand:
    """Analog output block (g41 variations 1-4)."""

    index: int
    value: Union[int, float]
    status: int = ControlStatus.SUCCESS

    @classmethod
    def create(cls, index: int, value: Union[int, float]) -> "AnalogOutputCommand":
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise ValueError(f"index must be a non-negative integer, got {index!r}")
        return cls(index=index, value=value)

    def to_bytes(self, variation: int = 1) -> bytes:
        if variation not in _AO:
            raise ValueError(f"variation must be an integer 1-4, got {variation!r}")
        fmt = _AO[variation]
        v = float(self.value) if fmt in ("<f", "<d") else int(self.value)
        return _pack(fmt, v, f"variation {variation}") + bytes([int(self.status) & 0xFF])

    @classmethod
    def from_bytes(cls, data: bytes, index: int, variation: int = 1) -> "AnalogOutputCommand":
        _check_args(data, index, variation, set(_AO))
        fmt = _AO[variation]
        n = struct.calcsize(fmt)
        _need(data, n + 1, "analog output command", variation)
        return cls(index, struct.unpack(fmt, bytes(data[:n]))[0], data[n])

    def __repr__(self) -> str:
        return f"AnalogOutputCommand(idx={self.index}, value={self.value}, status={self.status})"


_CTR = {1: ("<I", True), 2: ("<H", True), 3: ("<i", True), 4: ("<h", True),
        5: ("<I", False), 6: ("<H", False), 7: ("<i", False), 8: ("<h", False)}


@dataclass
class Counter:
    """Counter (g20) or its event (g22)."""

    index: int
    value: int
    flags: int = CounterFlags.ONLINE
    timestamp: Optional[int] = None

    @property
    def is_online(self) -> bool:
        return bool(self.flags & CounterFlags.ONLINE)

    @property
    def has_rollover(self) -> bool:
        return bool(self.flags & CounterFlags.ROLLOVER)

    @property
    def comm_lost(self) -> bool:
        return bool(self.flags & CounterFlags.COMM_LOST)

    @classmethod
    def from_bytes(cls, data: bytes, index: int, variation: int = 1) -> "Counter":
        """g20 variations 1-8 (32/16-bit, delta, with and without flag)."""
        _check_args(data, index, variation, set(_CTR))
        fmt, has_flag = _CTR[variation]
        n = struct.calcsize(fmt) + has_flag
        _need(data, n, "counter", variation)
        return cls(index, struct.unpack(fmt, bytes(data[has_flag:n]))[0],
                   data[0] if has_flag else CounterFlags.ONLINE)

    def to_bytes(self, variation: int = 1) -> bytes:
        if variation not in _CTR:
            raise ValueError(f"Unsupported variation: {variation}")
        fmt, has_flag = _CTR[variation]
        return (bytes([int(self.flags) & 0xFF]) if has_flag else b"") + _pack(fmt, int(self.value),
                                                                               f"variation {variation}")

    def __repr__(self) -> str:
        return (f"Counter(idx={self.index}, value={self.value}, {'online' if self.is_online else 'offline'}"
                f"{', rollover' if self.has_rollover else ''})")


@dataclass
class FrozenCounter:
    """Frozen counter (g21) or its event (g23)."""

    index: int
    value: int
    flags: int = CounterFlags.ONLINE
    timestamp: Optional[int] = None

    @classmethod
    def from_bytes(cls, data: bytes, index: int, variation: int = 1) -> "FrozenCounter":
        c = Counter.from_bytes(data, index, variation)
        return cls(c.index, c.value, c.flags, c.timestamp)

    def to_bytes(self, variation: int = 1) -> bytes:
        return Counter(self.index, self.value, self.flags).to_bytes(variation)

    def __repr__(self) -> str:
        return f"FrozenCounter(idx={self.index}, value={self.value})"


# ---- parse_*: object data of a response, decoded by the C core ----

def _time_ms(t) -> Optional[int]:
    if t is None:
        return None
    if isinstance(t, (int, float)):
        return int(t)
    try:
        d = datetime.fromisoformat(str(t).replace("Z", "+00:00"))
    except ValueError:
        return None
    return int(round(d.timestamp() * 1000))


def _parse(group: int, data, start_index: int, count: int, variation: int) -> list:
    from ..codec import decode_fragment
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"data must be bytes or bytearray, got {type(data).__name__}")
    for name, v in (("start_index", start_index), ("count", count), ("variation", variation)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {v!r}")
    if count == 0:
        return []
    stop = start_index + count - 1
    if stop > 0xFFFF or not 1 <= variation <= 255:
        raise ValueError(f"range {start_index}-{stop} / variation {variation} out of range")
    # a response carrying this one object header (qualifier 0x01: 16-bit start-stop)
    frag = bytes([0xC0, 0x81, 0, 0, group, variation, 0x01]) + struct.pack("<HH", start_index, stop) + bytes(data)
    f = decode_fragment(frag)
    if not f.objects:
        what = f.findings[0]["name"] if f.findings else "no object decoded"
        raise ValueError(f"g{group}v{variation} data for {count} points: {what}")
    pts = f.objects[0].get("points", [])
    if len(pts) < count:
        what = f.findings[0]["name"] if f.findings else "too short"
        raise ValueError(f"g{group}v{variation}: {len(pts)} of {count} points decoded ({what})")
    return pts


def _flags(p, default: int) -> int:
    return p["flags_raw"] if "flags_raw" in p else default


def parse_binary_inputs(data: bytes, start_index: int, count: int, variation: int) -> list:
    """Points of a g1 (variation 1 packed, 2 with flags) range starting at start_index."""
    return [BinaryInput(p["index"], bool(p["value"]), _flags(p, BinaryFlags.ONLINE), _time_ms(p.get("time")))
            for p in _parse(1, data, start_index, count, variation)]


def parse_binary_outputs(data: bytes, start_index: int, count: int, variation: int) -> list:
    """Points of a g10 range."""
    return [BinaryOutput(p["index"], bool(p["value"]), _flags(p, BinaryFlags.ONLINE))
            for p in _parse(10, data, start_index, count, variation)]


def parse_analog_inputs(data: bytes, start_index: int, count: int, variation: int) -> list:
    """Points of a g30 range (variations 1-6)."""
    return [AnalogInput(p["index"], p["value"], _flags(p, AnalogFlags.ONLINE))
            for p in _parse(30, data, start_index, count, variation)]


def parse_analog_outputs(data: bytes, start_index: int, count: int, variation: int) -> list:
    """Points of a g40 range (variations 1-4)."""
    return [AnalogOutput(p["index"], p["value"], _flags(p, AnalogFlags.ONLINE))
            for p in _parse(40, data, start_index, count, variation)]


def parse_counters(data: bytes, start_index: int, count: int, variation: int) -> list:
    """Points of a g20 range."""
    return [Counter(p["index"], int(p["value"]), _flags(p, CounterFlags.ONLINE))
            for p in _parse(20, data, start_index, count, variation)]


# ---- the object catalogue (the C core's) ----

class ObjectGroup(IntEnum):
    DEVICE_ATTRIBUTES = 0
    BINARY_INPUT = 1
    BINARY_INPUT_EVENT = 2
    DOUBLE_BIT_BINARY_INPUT = 3
    DOUBLE_BIT_BINARY_INPUT_EVENT = 4
    BINARY_OUTPUT = 10
    BINARY_OUTPUT_EVENT = 11
    CONTROL_RELAY_OUTPUT_BLOCK = 12
    BINARY_OUTPUT_COMMAND_EVENT = 13
    COUNTER = 20
    FROZEN_COUNTER = 21
    COUNTER_EVENT = 22
    FROZEN_COUNTER_EVENT = 23
    ANALOG_INPUT = 30
    FROZEN_ANALOG_INPUT = 31
    ANALOG_INPUT_EVENT = 32
    FROZEN_ANALOG_INPUT_EVENT = 33
    ANALOG_INPUT_DEADBAND = 34
    ANALOG_OUTPUT = 40
    ANALOG_OUTPUT_STATUS = 40
    ANALOG_OUTPUT_BLOCK = 41
    ANALOG_OUTPUT_EVENT = 42
    ANALOG_OUTPUT_COMMAND_EVENT = 43
    TIME_AND_DATE = 50
    TIME_AND_DATE_CTO = 51
    CLASS_OBJECTS = 60
    FILE_IDENTIFIER = 70
    FILE_AUTHENTICATION = 71
    INTERNAL_INDICATIONS = 80
    OCTET_STRING = 110
    OCTET_STRING_EVENT = 111
    VIRTUAL_TERMINAL_OUTPUT = 112
    VIRTUAL_TERMINAL_EVENT = 113
    AUTHENTICATION = 120


class ObjectVariation(IntEnum):
    """The old driver's variation names (several share a number)."""

    ANY = 0
    BI_PACKED = 1
    BI_WITH_FLAGS = 2
    BIE_WITHOUT_TIME = 1
    BIE_WITH_ABSOLUTE_TIME = 2
    BIE_WITH_RELATIVE_TIME = 3
    BO_PACKED = 1
    BO_WITH_FLAGS = 2
    CROB = 1
    PCB = 2
    PM = 3
    CTR_32_WITH_FLAG = 1
    CTR_16_WITH_FLAG = 2
    CTR_32_DELTA_WITH_FLAG = 3
    CTR_16_DELTA_WITH_FLAG = 4
    CTR_32_WITHOUT_FLAG = 5
    CTR_16_WITHOUT_FLAG = 6
    CTR_32_DELTA_WITHOUT_FLAG = 7
    CTR_16_DELTA_WITHOUT_FLAG = 8
    AI_32_WITH_FLAG = 1
    AI_16_WITH_FLAG = 2
    AI_32_WITHOUT_FLAG = 3
    AI_16_WITHOUT_FLAG = 4
    AI_FLOAT_WITH_FLAG = 5
    AI_DOUBLE_WITH_FLAG = 6
    AO_32_WITH_FLAG = 1
    AO_16_WITH_FLAG = 2
    AO_FLOAT_WITH_FLAG = 3
    AO_DOUBLE_WITH_FLAG = 4
    AOB_32 = 1
    AOB_16 = 2
    AOB_FLOAT = 3
    AOB_DOUBLE = 4
    CLASS_0 = 1
    CLASS_1 = 2
    CLASS_2 = 3
    CLASS_3 = 4
    TIME_ABSOLUTE = 1
    TIME_ABSOLUTE_INTERVAL = 2
    TIME_LAST_RECORDED = 3
    TIME_INDEXED_ABSOLUTE = 4


_core = _lib.core
_core.dnp3kit_catalog_find.restype = ctypes.c_void_p
_core.dnp3kit_catalog_find.argtypes = [ctypes.c_uint8, ctypes.c_uint8]
_core.dnp3kit_object_size.restype = ctypes.c_uint32
_core.dnp3kit_object_size.argtypes = [ctypes.c_void_p, ctypes.c_uint8]
_core.dnp3kit_group_name.restype = ctypes.c_char_p
_core.dnp3kit_group_name.argtypes = [ctypes.c_uint8]


def _check_gv(group, variation) -> tuple:
    for name, v in (("group", group), ("variation", variation)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"{name} must be an integer, got {type(v).__name__}")
    return group, variation


def get_object_size(group: int, variation: int) -> Optional[int]:
    """Octets of one object of group/variation (the C core's catalogue), or
    None for packed bits, free-format and variable-size objects and for a
    group/variation IEEE 1815 does not define."""
    _check_gv(group, variation)
    if not (0 <= group <= 255 and 0 <= variation <= 255):
        return None
    info = _core.dnp3kit_catalog_find(group, variation)
    if not info:
        return None
    n = _core.dnp3kit_object_size(info, variation)
    return n or None


def get_group_name(group: int) -> str:
    """'Binary Input', 'Analog Output Event', ... (the C core's names); 'Group N'
    for a group IEEE 1815 does not define."""
    _check_gv(group, 0)
    name = _core.dnp3kit_group_name(group) if 0 <= group <= 255 else None
    return name.decode() if name else f"Group {group}"


class _ObjectSizes(dict):
    """(group, variation) -> octets, or None when the size is not fixed, for
    every group/variation the core's catalogue defines (filled on first use)."""

    _filled = False

    def _fill(self) -> None:
        if not self._filled:
            self._filled = True
            for g in range(256):
                for v in range(256):
                    if _core.dnp3kit_catalog_find(g, v):
                        super().__setitem__((g, v), get_object_size(g, v))

    def __getitem__(self, k):
        self._fill()
        return super().__getitem__(k)

    def get(self, k, default=None):
        self._fill()
        return super().get(k, default)

    def __contains__(self, k) -> bool:
        self._fill()
        return super().__contains__(k)

    def __iter__(self):
        self._fill()
        return super().__iter__()

    def __len__(self) -> int:
        self._fill()
        return super().__len__()

    def keys(self):
        self._fill()
        return super().keys()

    def items(self):
        self._fill()
        return super().items()

    def values(self):
        self._fill()
        return super().values()


OBJECT_SIZES = _ObjectSizes()


# ---- CRC (the C core's) ----

def _octets(data, what: str = "data") -> bytes:
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"{what} must be bytes or bytearray, got {type(data).__name__}")
    return bytes(data)


def _crc(data: bytes) -> int:
    buf = (ctypes.c_uint8 * max(len(data), 1)).from_buffer_copy(data or b"\0")
    return int(_core.dnp3kit_crc16(buf, len(data)))


class CRC16DNP3:
    """The DNP3 link CRC (polynomial 0x3D65), computed by the C core."""

    @classmethod
    def calculate(cls, data: Union[bytes, bytearray]) -> int:
        return _crc(_octets(data))

    @classmethod
    def calculate_bytes(cls, data: Union[bytes, bytearray]) -> bytes:
        return cls.calculate(data).to_bytes(2, "little")

    @classmethod
    def verify(cls, data: Union[bytes, bytearray], expected_crc: int) -> bool:
        return cls.calculate(data) == expected_crc

    @classmethod
    def verify_bytes(cls, data: Union[bytes, bytearray], crc_bytes: bytes) -> bool:
        if crc_bytes is None:
            raise ValueError("CRC bytes cannot be None")
        crc = _octets(crc_bytes, "CRC bytes")
        if len(crc) != 2:
            raise ValueError(f"CRC bytes must be exactly 2 bytes, got {len(crc)}")
        return cls.verify(data, int.from_bytes(crc, "little"))

    @classmethod
    def append_crc(cls, data: Union[bytes, bytearray]) -> bytes:
        return bytes(data) + cls.calculate_bytes(data)


def calculate_frame_crc(frame_data: Union[bytes, bytearray]) -> tuple:
    """(header CRC octets, [CRC octets of each 16-octet user data block]) of a
    link frame written without its CRCs."""
    d = _octets(frame_data, "frame_data")
    user = d[8:]
    return CRC16DNP3.calculate_bytes(d[:8]), [CRC16DNP3.calculate_bytes(user[i:i + 16])
                                               for i in range(0, len(user), 16)]
