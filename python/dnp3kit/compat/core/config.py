"""``dnp3py.core.config`` of the old driver: DNP3Config and the protocol enums."""
from .._api import DNP3Config
from .._points import (AppLayerFunction, ControlCode, ControlStatus, IINFlags, LinkLayerFunction,
                       QualifierCode)

__all__ = ["DNP3Config", "LinkLayerFunction", "AppLayerFunction", "QualifierCode", "ControlCode",
           "ControlStatus", "IINFlags"]
