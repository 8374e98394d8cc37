"""``dnp3py.utils.logging`` of the old driver, for the ``dnp3kit`` logger
(the one dnp3kit's master writes to; the old driver's was ``dnp3py``)."""
from __future__ import annotations

import logging
import sys
from typing import Optional

__all__ = ["setup_logging", "get_logger", "log_frame", "log_parsed_frame"]

_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_configured: Optional[logging.Logger] = None


def setup_logging(level: str = "INFO", log_file: Optional[str] = None,
                  log_format: Optional[str] = None) -> logging.Logger:
    """Send the ``dnp3kit`` logger to stdout (and log_file, UTF-8) at level;
    its handlers are replaced and it no longer propagates. ValueError for a
    level that is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL."""
    global _configured
    if not isinstance(level, str) or level.strip().upper() not in _LEVELS:
        raise ValueError(f"level must be one of {sorted(_LEVELS)}, got {level!r}")
    fmt = logging.Formatter(log_format or "%(asctime)s - %(name)s - %(levelname)s - %(message)s")
    logger = logging.getLogger("dnp3kit")
    logger.setLevel(level.strip().upper())
    logger.propagate = False
    for h in list(logger.handlers):
        logger.removeHandler(h)
    handlers: list = [logging.StreamHandler(sys.stdout)]
    if log_file:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    for h in handlers:
        h.setFormatter(fmt)
        logger.addHandler(h)
    _configured = logger
    return logger


def get_logger() -> logging.Logger:
    """The ``dnp3kit`` logger, set up with the defaults on first use."""
    return _configured if _configured is not None else setup_logging()


def log_frame(frame: bytes, direction: str = "TX", logger: Optional[logging.Logger] = None) -> None:
    """DEBUG line ``TX: [n bytes] 05 64 ...``."""
    if not isinstance(frame, (bytes, bytearray)):
        raise TypeError(f"frame must be bytes or bytearray, got {type(frame).__name__}")
    (logger or get_logger()).debug("%s: [%d bytes] %s", direction, len(frame), bytes(frame).hex(" ").upper())


def log_parsed_frame(frame_info: dict, direction: str = "TX", logger: Optional[logging.Logger] = None) -> None:
    """DEBUG line from a dict with any of source, destination, function, sequence, length."""
    if not isinstance(frame_info, dict):
        raise TypeError(f"frame_info must be a dict, got {type(frame_info).__name__}")
    parts = [f"{direction} Frame:"]
    for key, label, fmt in (("source", "src", "{}"), ("destination", "dst", "{}"), ("function", "func", "0x{:02X}"),
                            ("sequence", "seq", "{}"), ("length", "len", "{}")):
        if key in frame_info:
            parts.append(f"{label}=" + fmt.format(frame_info[key]))
    (logger or get_logger()).debug(" ".join(parts))
