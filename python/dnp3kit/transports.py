"""How a :class:`dnp3kit.Master` reaches its outstation: TLS and serial options.

:class:`Tls` and :class:`Serial` hold the fields of ``dnp3kit_tls_config`` and
``dnp3kit_serial_config`` (master/include/dnp3kit/master.h) with Python types
and units (seconds, names instead of enum numbers). Each is checked here, with
the error naming the option (``tls.min_version``, ``serial.baud`` ...), before
the C library checks the whole configuration again.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

from . import _lib

__all__ = ["Tls", "Serial", "TRANSPORTS"]

#: transport names, index = dnp3kit_transport
TRANSPORTS = {"tcp": 0, "udp": 1, "serial": 2, "listen": 3}
_TLS_VERSIONS = {None: 0, "1.2": 0x0303, "1.3": 0x0304}
_FLOW = {"none": 0, "rtscts": 1, "xonxoff": 2}


def _text(owner: str, name: str, v, cap: int) -> bytes:
    """An optional string field of at most cap - 1 octets (the C array keeps a NUL)."""
    if v is None:
        return b""
    if isinstance(v, os.PathLike):
        v = os.fspath(v)
    if not isinstance(v, str):
        raise TypeError(f"{owner}.{name} must be a string, not {type(v).__name__}")
    b = v.encode()
    if len(b) >= cap or b"\0" in b:
        raise ValueError(f"{owner}.{name} must be at most {cap - 1} octets without NUL, got {len(b)}")
    return b


def _int(owner: str, name: str, v, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError(f"{owner}.{name} must be an integer, not {type(v).__name__}")
    if not lo <= v <= hi:
        raise ValueError(f"{owner}.{name} must be {lo}-{hi}, got {v}")
    return v


def _seconds_ms(owner: str, name: str, v, hi_s: float) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TypeError(f"{owner}.{name} must be a number of seconds, not {type(v).__name__}")
    if not 0 <= v <= hi_s:
        raise ValueError(f"{owner}.{name} must be 0-{hi_s} s, got {v}")
    return int(round(v * 1000))


def _choice(owner: str, name: str, v, names: dict) -> int:
    if v not in names:
        shown = ", ".join("None" if k is None else repr(k) for k in names)
        raise ValueError(f"{owner}.{name} must be one of {shown}, got {v!r}")
    return names[v]


@dataclass
class Tls:
    """DNP3 over TLS (OpenSSL; renegotiation refused, no session resumption).

    ``ca``: PEM CA certificate(s) the outstation's certificate must chain to
    (None: the system's store). ``cert`` / ``key``: the master's own
    certificate and key for mutual authentication (``key`` None: in
    ``cert``). The password of an encrypted key is ``key_password``, or the
    first line of the file ``key_password_file`` (at most one of them).
    ``name``: the name or IP address the certificate must carry (None: the
    host). ``min_version`` / ``max_version``: "1.2" or "1.3" (None: 1.2 and
    the highest the library has). ``ciphers``: the TLS 1.2 cipher list,
    ``ciphersuites``: the TLS 1.3 suites (OpenSSL syntax; None: the library's).
    """

    ca: Optional[str] = None
    cert: Optional[str] = None
    key: Optional[str] = None
    key_password: Optional[str] = None
    key_password_file: Optional[str] = None
    name: Optional[str] = None
    min_version: Optional[str] = None
    max_version: Optional[str] = None
    ciphers: Optional[str] = None
    ciphersuites: Optional[str] = None

    def fill(self, c: _lib.TlsConfig) -> None:
        """Check every field and write them into c (enabled)."""
        c.ca_file = _text("tls", "ca", self.ca, 256)
        c.cert_file = _text("tls", "cert", self.cert, 256)
        c.key_file = _text("tls", "key", self.key, 256)
        c.name = _text("tls", "name", self.name, 256)
        c.ciphers = _text("tls", "ciphers", self.ciphers, 256)
        c.ciphersuites = _text("tls", "ciphersuites", self.ciphersuites, 256)
        c.min_version = _choice("tls", "min_version", self.min_version, _TLS_VERSIONS)
        c.max_version = _choice("tls", "max_version", self.max_version, _TLS_VERSIONS)
        lo, hi = c.min_version or 0x0303, c.max_version or 0x0304
        if lo > hi:
            raise ValueError(f"tls.min_version {self.min_version} is above tls.max_version {self.max_version}")
        if self.key_password is not None and self.key_password_file is not None:
            raise ValueError("tls.key_password and tls.key_password_file: give at most one")
        pw = self.key_password
        if self.key_password_file is not None:
            path = _text("tls", "key_password_file", self.key_password_file, 4096)
            try:
                with open(path, "rb") as f:
                    # the first line, as dnp3-master --tls-key-password-file reads it
                    pw = f.readline().rstrip(b"\r\n").decode("utf-8", "surrogateescape")
            except OSError as e:
                raise ValueError(f"tls.key_password_file {self.key_password_file!r}: {e.strerror}") from None
        c.key_password = _text("tls", "key_password", pw, 128)
        c.enabled = True


@dataclass
class Serial:
    """A serial port (RS-232 / RS-485).

    ``device`` (e.g. "/dev/ttyUSB0"), ``baud`` (a rate termios knows,
    300-4000000), ``data_bits`` 5-8, ``parity`` "N", "E" or "O",
    ``stop_bits`` 1 or 2, ``flow`` "none", "rtscts" or "xonxoff",
    ``rs485``: half-duplex by the driver (TIOCSRS485).
    ``inter_char_timeout``: a gap this long (seconds, 0-60) inside a frame
    drops the partial frame, 0 = off. ``turnaround``: least time (seconds,
    0-1) from the last octet received to the next one sent.
    """

    device: str
    baud: int = 9600
    data_bits: int = 8
    parity: str = "N"
    stop_bits: int = 1
    flow: str = "none"
    rs485: bool = False
    inter_char_timeout: float = 0.0
    turnaround: float = 0.0

    def fill(self, c: _lib.SerialConfig) -> None:
        """Check every field and write them into c."""
        if not self.device:
            raise ValueError("serial.device must not be empty")
        c.device = _text("serial", "device", self.device, 128)
        c.baud = _int("serial", "baud", self.baud, 300, 4000000)
        c.data_bits = _int("serial", "data_bits", self.data_bits, 5, 8)
        if not isinstance(self.parity, str):
            raise TypeError(f"serial.parity must be a string, not {type(self.parity).__name__}")
        c.parity = _choice("serial", "parity", self.parity.upper(), {"N": b"N", "E": b"E", "O": b"O"})
        c.stop_bits = _int("serial", "stop_bits", self.stop_bits, 1, 2)
        c.flow = _choice("serial", "flow", self.flow, _FLOW)
        if not isinstance(self.rs485, bool):
            raise TypeError(f"serial.rs485 must be a bool, not {type(self.rs485).__name__}")
        c.rs485 = self.rs485
        c.inter_char_ms = _seconds_ms("serial", "inter_char_timeout", self.inter_char_timeout, 60)
        c.turnaround_ms = _seconds_ms("serial", "turnaround", self.turnaround, 1)
