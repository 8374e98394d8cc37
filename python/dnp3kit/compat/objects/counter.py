"""``dnp3py.objects.counter`` of the old driver."""
from .._points import Counter, CounterFlags, FrozenCounter, parse_counters

__all__ = ["CounterFlags", "Counter", "FrozenCounter", "parse_counters"]
