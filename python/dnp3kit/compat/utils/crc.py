"""``dnp3py.utils.crc`` of the old driver (the CRC is the C core's)."""
from .._points import CRC16DNP3, calculate_frame_crc

__all__ = ["CRC16DNP3", "calculate_frame_crc"]
