"""``dnp3py.objects.groups`` of the old driver (sizes and names from the C core's catalogue)."""
from .._points import OBJECT_SIZES, ObjectGroup, ObjectVariation, get_group_name, get_object_size

__all__ = ["ObjectGroup", "ObjectVariation", "OBJECT_SIZES", "get_object_size", "get_group_name"]
