"""``dnp3py.utils`` of the old driver: CRC and logging helpers."""
from .crc import CRC16DNP3, calculate_frame_crc
from .logging import get_logger, log_frame, log_parsed_frame, setup_logging

__all__ = ["CRC16DNP3", "calculate_frame_crc", "get_logger", "log_frame", "log_parsed_frame", "setup_logging"]
