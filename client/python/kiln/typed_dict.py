"""``kiln.typed.Dict``: a dict with one key type and one value type, with
Numba's ``numba.typed.Dict`` API (``Dict.empty(key_type=..., value_type=...)``).

Its items live in the same hash table as compiled code's dicts
(runtime/cpu/kiln_dict.h), driven from Python by the extension
(client/python/src/typed_dict.cpp): passing it to a jitted function passes
that table, without copying, and what the function stores is seen from
Python. Keys and values are numbers, bools, strings (``unicode_type``) and
tuples of them (tuple keys of numbers, as compiled code's), values arrays too
(below); storing converts
a value to the dict's type or refuses it with a TypeError, as Numba's casts
do. ``Dict()`` without types takes them from its first store
(``kiln.typeof`` of the key and the value). Inside compiled code ``Dict()``
makes a compiled dict, as ``dict()`` and ``{}`` do; a dict a jitted function
returns arrives as a ``Dict`` over its table when its keys and values are of
those kinds or arrays (a Python ``dict`` otherwise).

Strings: a str stored from Python is copied into a block the table owns
(compiled code copies a borrowed str it stores too), and str keys hash as
compiled code hashes them (CPython's hash), so a key stored on one side is
found by a str the other side builds. Overwriting, deleting, ``pop``,
``popitem``, ``clear`` and dropping the dict release what it held.

Arrays (values only): ``Dict.empty(types.int64, types.float64[:])``. The
table holds each ndarray stored from Python by reference (a runtime block
owns a reference to it), ``d[k]`` is that ndarray itself, and a store of
another dtype, dimension count or layout is a TypeError naming both types
(docs/python-subset.md, "Arrays in a typed Dict")."""

from collections.abc import MutableMapping

from . import _kiln
from ._numba_types import numba_type


def _name(t):
    return t if isinstance(t, str) else getattr(t, "name", None) or str(t)


class Dict(MutableMapping):
    """A typed dict (see the module's doc)."""

    def __init__(self, *args, key_type=None, value_type=None, **kwargs):
        self._kiln_handle = None
        self._kiln_type = None
        self._kiln_items = (None, None)
        if key_type is not None and value_type is not None:
            self._make(_name(key_type), _name(value_type))
        if args or kwargs:
            self.update(*args, **kwargs)

    def _make(self, key, value):
        key, value = _kiln.canonical_type(key), _kiln.canonical_type(value)
        spelling = f"DictType[{key}, {value}]"
        self._kiln_handle = _kiln.dict_new(spelling)
        self._kiln_type = spelling
        self._kiln_items = (key, value)

    @classmethod
    def _wrap(cls, handle, key, value):
        # A compiled dict's table (value_types.cpp boxes a returned dict so).
        out = cls.__new__(cls)
        out._kiln_handle = handle
        out._kiln_type = f"DictType[{key}, {value}]"
        out._kiln_items = (key, value)
        return out

    @property
    def _numba_type_(self):
        return numba_type(self._kiln_type or "DictType[undefined, undefined]") or self._kiln_type

    @classmethod
    def empty(cls, key_type, value_type, n_keys=0):
        """An empty dict of those types (n_keys, a size hint, is ignored)."""
        return cls(key_type=key_type, value_type=value_type)

    @property
    def key_type(self):
        """The key type's spelling ("int64"), None before the first store."""
        return self._kiln_items[0]

    @property
    def value_type(self):
        """The value type's spelling, None before the first store."""
        return self._kiln_items[1]

    def __getitem__(self, key):
        if self._kiln_handle is None:
            raise KeyError(key)
        return _kiln.dict_get(self._kiln_handle, self._kiln_type, key)

    def __setitem__(self, key, value):
        if self._kiln_handle is None:
            k, v = _kiln.typeof(key), _kiln.typeof(value)
            if k is None or v is None:
                raise TypeError(f"a typed Dict cannot hold {type(key).__name__} -> {type(value).__name__}")
            self._make(k, v)
        _kiln.dict_set(self._kiln_handle, self._kiln_type, key, value)

    def __delitem__(self, key):
        if self._kiln_handle is None:
            raise KeyError(key)
        _kiln.dict_del(self._kiln_handle, self._kiln_type, key)

    def __contains__(self, key):
        return self._kiln_handle is not None and _kiln.dict_contains(self._kiln_handle, self._kiln_type, key)

    def items(self):
        if self._kiln_handle is None:
            return []
        return _kiln.dict_items(self._kiln_handle, self._kiln_type)

    def __iter__(self):
        return iter([k for k, _ in self.items()])

    def popitem(self):
        """The last item, removed (Python's order); KeyError when empty."""
        if self._kiln_handle is None:
            raise KeyError("popitem(): dictionary is empty")
        return _kiln.dict_popitem(self._kiln_handle, self._kiln_type)

    def clear(self):
        if self._kiln_handle is not None:
            _kiln.dict_clear(self._kiln_handle, self._kiln_type)

    def __len__(self):
        return 0 if self._kiln_handle is None else _kiln.dict_len(self._kiln_handle)

    def copy(self):
        out = Dict()
        if self._kiln_type is not None:
            out._make(self.key_type, self.value_type)
            for k, v in self.items():
                out[k] = v
        return out

    def __repr__(self):
        return repr(dict(self.items()))

    __str__ = __repr__
