"""Typed containers with Numba's API (``numba.typed``)."""
from .typed_dict import Dict

__all__ = ["Dict"]
