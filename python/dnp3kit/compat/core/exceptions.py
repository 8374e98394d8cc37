"""``dnp3py.core.exceptions`` of the old driver (dnp3kit's own exceptions: :mod:`dnp3kit.errors`)."""
from ...errors import (DNP3CommunicationError, DNP3ControlError, DNP3CRCError, DNP3Error, DNP3FrameError,
                       DNP3ObjectError, DNP3ProtocolError, DNP3TimeoutError)

__all__ = ["DNP3Error", "DNP3CommunicationError", "DNP3TimeoutError", "DNP3ProtocolError", "DNP3CRCError",
           "DNP3FrameError", "DNP3ObjectError", "DNP3ControlError"]
