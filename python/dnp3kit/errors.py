"""The exception hierarchy, the same as the Python driver dnp3kit replaces.

Every error of the library is a :class:`DNP3Error`; the subclasses carry the
context the old driver's did (``host``/``port``, ``timeout_seconds``,
``function_code``/``iin``, ``expected_crc``/``actual_crc``,
``group``/``variation``, ``status_code``), filled from the C library's error
detail.
"""
from __future__ import annotations

from typing import Optional

__all__ = [
    "DNP3Error", "DNP3CommunicationError", "DNP3TimeoutError", "DNP3ProtocolError",
    "DNP3CRCError", "DNP3FrameError", "DNP3ObjectError", "DNP3ControlError", "DNP3ClosedError",
]


class DNP3Error(Exception):
    """Base of every dnp3kit error. ``code`` is the C library's error name
    (e.g. ``"ERR_TIMEOUT"``) when the error came from it, else None."""

    code: Optional[str] = None


class DNP3CommunicationError(DNP3Error):
    """Connecting, sending or receiving failed (refused, reset, closed)."""

    def __init__(self, message: str, host: Optional[str] = None, port: Optional[int] = None) -> None:
        super().__init__(message)
        self.host = host
        self.port = port


class DNP3ClosedError(DNP3CommunicationError):
    """The master was closed: no call works on it any more."""


class DNP3TimeoutError(DNP3Error):
    """No answer (connection or response) within ``timeout_seconds``."""

    def __init__(self, message: str, timeout_seconds: Optional[float] = None) -> None:
        super().__init__(message)
        self.timeout_seconds = timeout_seconds


class DNP3ProtocolError(DNP3Error):
    """The outstation answered with an error: ``iin`` (IIN1 << 8 | IIN2) has
    NO_FUNC_CODE_SUPPORT, OBJECT_UNKNOWN or PARAMETER_ERROR, or the answer
    broke a protocol rule. ``function_code`` is the request's."""

    def __init__(self, message: str, function_code: Optional[int] = None, iin: Optional[int] = None) -> None:
        super().__init__(message)
        self.function_code = function_code
        self.iin = iin


class DNP3CRCError(DNP3Error):
    """A link frame's CRC did not match."""

    def __init__(self, message: str, expected_crc: Optional[int] = None, actual_crc: Optional[int] = None) -> None:
        super().__init__(message)
        self.expected_crc = expected_crc
        self.actual_crc = actual_crc


class DNP3FrameError(DNP3Error):
    """Malformed octets: a frame, segment or fragment that cannot be parsed."""


class DNP3ObjectError(DNP3Error):
    """An object that cannot be decoded or encoded (unknown group/variation,
    a value that does not fit the variation)."""

    def __init__(self, message: str, group: Optional[int] = None, variation: Optional[int] = None) -> None:
        super().__init__(message)
        self.group = group
        self.variation = variation


class DNP3ControlError(DNP3Error):
    """A control (CROB or analog output) was refused: ``status_code`` is the
    control status the outstation echoed (e.g. 4 = NOT_SUPPORTED)."""

    def __init__(self, message: str, status_code: Optional[int] = None) -> None:
        super().__init__(message)
        self.status_code = status_code
