"""dnp3kit: DNP3 (IEEE 1815) from Python, over the dnp3kit C libraries.

* The old driver's API, so that its users change one import:
  ``from dnp3kit import DNP3Master, DNP3Config``; :mod:`dnp3kit.compat` has the
  old module tree (``dnp3py.core.config`` -> ``dnp3kit.compat.core.config``).
* A Pythonic master: :class:`dnp3kit.Master` (every command of dnp3-master,
  events, unsolicited callbacks from a background thread).
* The codec: :func:`dnp3kit.decode` (link octets -> fragments),
  :func:`dnp3kit.decode_fragment`.
* Captures: :mod:`dnp3kit.pcap` (``check`` / ``decode`` like dnp3-pcap --json).
"""
from . import pcap
from .codec import Fragment, Fragments, decode, decode_fragment
from . import compat
from .compat import (AnalogInput, AnalogOutput, BinaryInput, BinaryOutput, ControlCode, ControlStatus, Counter,
                     DNP3Config, DNP3Master, DoubleBitInput, FrozenCounter, IINFlags, PollResult)
from .errors import (DNP3ClosedError, DNP3CommunicationError, DNP3ControlError, DNP3CRCError, DNP3Error,
                     DNP3FrameError, DNP3ObjectError, DNP3ProtocolError, DNP3TimeoutError)
from .master import ATTRIBUTE_TYPES, POINT_TYPES, Attribute, Checkout, CheckoutRow, FileInfo, Master, Object, Point, Result
from .transports import Serial, Tls

__version__ = "0.1.0"

__all__ = [
    "Master", "Serial", "Tls", "Point", "Result", "Checkout", "CheckoutRow", "Object", "Attribute", "FileInfo", "POINT_TYPES", "ATTRIBUTE_TYPES", "decode", "decode_fragment", "Fragment", "Fragments", "pcap",
    "DNP3Config", "DNP3Master", "PollResult", "IINFlags", "BinaryInput", "BinaryOutput", "AnalogInput",
    "AnalogOutput", "Counter", "FrozenCounter", "DoubleBitInput", "ControlCode", "ControlStatus",
    "DNP3Error", "DNP3CommunicationError", "DNP3ClosedError", "DNP3TimeoutError", "DNP3ProtocolError",
    "DNP3CRCError", "DNP3FrameError", "DNP3ObjectError", "DNP3ControlError", "__version__",
]
