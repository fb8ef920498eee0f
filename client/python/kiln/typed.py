"""Typed containers with Numba's API (``numba.typed``)."""
from .typed_dict import Dict
from .typed_list import List  # pyfuncs:

__all__ = ["Dict", "List"]
