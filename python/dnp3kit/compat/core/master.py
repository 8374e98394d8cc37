"""``dnp3py.core.master`` of the old driver: DNP3Master and PollResult."""
from .._api import DNP3Master, PollResult

__all__ = ["DNP3Master", "PollResult"]
