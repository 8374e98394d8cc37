"""The old Python driver's API (``dnp3py`` / nfm-dnp3), over dnp3kit.

Its users change one import. ``dnp3kit.compat`` has the old package's
module tree, so every import maps by replacing ``dnp3py`` with
``dnp3kit.compat``::

    from dnp3py import DNP3Master, DNP3Config           # before
    from dnp3kit.compat import DNP3Master, DNP3Config   # after (or: from dnp3kit import ...)
    from dnp3py.core.config import IINFlags             # before
    from dnp3kit.compat.core.config import IINFlags     # after
    from dnp3py.utils.logging import setup_logging      # before
    from dnp3kit.compat.utils.logging import setup_logging

Names, arguments, defaults, return values and attributes are the old ones
(``python/tests/test_compat_api.py`` lists them). Where the old driver was
wrong on the wire, this one is right (docs/python.md):

* controls carry a well-formed object header (g12v1/g41 with qualifier 0x28:
  a 2-octet count and 2-octet indices; the old driver wrote 0x28 with a
  1-octet count, which outstations reject or misread);
* the trip-close code is as IEEE 1815 defines it: bits 6-7 = 01 CLOSE,
  10 TRIP (the old ControlCode had TRIP = 0x40 and CLOSE = 0x80, swapped);
* the unsolicited callback is really called (the old one was stored and
  never invoked), from a background thread;
* every DNP3Config field is used (the old driver ignored enable_unsolicited,
  the class poll intervals and confirm_required's meaning).

Not carried over: the old ``dnp3py.layers`` (its own link, transport and
application layer classes); :func:`dnp3kit.decode` and
:func:`dnp3kit.decode_fragment` decode octets instead, and the master's
layers are the C library's.
"""
from ..errors import (DNP3CommunicationError, DNP3ControlError, DNP3CRCError, DNP3Error, DNP3FrameError,
                      DNP3ObjectError, DNP3ProtocolError, DNP3TimeoutError)
from ._api import DNP3Config, DNP3Master, PollResult
from ._points import *  # noqa: F401,F403  (the enums, point types, catalogue and CRC)
from ._points import __all__ as _points_all

__version__ = "1.0.1"  # the old driver's version this layer follows

__all__ = ["DNP3Config", "DNP3Master", "PollResult",
           "DNP3Error", "DNP3CommunicationError", "DNP3TimeoutError", "DNP3ProtocolError", "DNP3CRCError",
           "DNP3FrameError", "DNP3ObjectError", "DNP3ControlError", "__version__"] + list(_points_all)
