"""``dnp3py.core`` of the old driver: DNP3Master, DNP3Config, PollResult and the eight exceptions."""
from ...errors import (DNP3CommunicationError, DNP3ControlError, DNP3CRCError, DNP3Error, DNP3FrameError,
                       DNP3ObjectError, DNP3ProtocolError, DNP3TimeoutError)
from .._api import DNP3Config, DNP3Master, PollResult

__all__ = ["DNP3Config", "DNP3ControlError", "DNP3CommunicationError", "DNP3CRCError", "DNP3Error",
           "DNP3FrameError", "DNP3Master", "DNP3ObjectError", "DNP3ProtocolError", "PollResult",
           "DNP3TimeoutError"]
