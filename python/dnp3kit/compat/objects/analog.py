"""``dnp3py.objects.analog`` of the old driver."""
from .._points import (AnalogFlags, AnalogInput, AnalogOutput, AnalogOutputCommand, parse_analog_inputs,
                       parse_analog_outputs)

__all__ = ["AnalogFlags", "AnalogInput", "AnalogOutput", "AnalogOutputCommand", "parse_analog_inputs",
           "parse_analog_outputs"]
