"""``dnp3py.objects`` of the old driver: the point and command types and the object catalogue."""
from .._points import (AnalogInput, AnalogOutput, AnalogOutputCommand, BinaryInput, BinaryOutput,
                       BinaryOutputCommand, Counter, ObjectGroup, ObjectVariation, get_group_name, get_object_size)

__all__ = ["AnalogInput", "AnalogOutput", "AnalogOutputCommand", "BinaryInput", "BinaryOutput",
           "BinaryOutputCommand", "Counter", "ObjectGroup", "ObjectVariation", "get_object_size", "get_group_name"]
