"""``dnp3py.objects.binary`` of the old driver."""
from .._points import (BinaryFlags, BinaryInput, BinaryOutput, BinaryOutputCommand, parse_binary_inputs,
                       parse_binary_outputs)

__all__ = ["BinaryFlags", "BinaryInput", "BinaryOutput", "BinaryOutputCommand", "parse_binary_inputs",
           "parse_binary_outputs"]
