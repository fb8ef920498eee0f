"""``kiln.typed.List``: a list with one item type, with the parts of Numba's
``numba.typed.List`` API that Kiln supports (pyfuncs).

It is a Python ``list`` (a subclass) that knows its item type: given by
``List.empty_list(item_type)`` or taken from its first item
(``kiln.typeof``). Passed to a jitted function it is typed
``reflected list(T)`` with that item type (empty too) and converted item by
item (a value that does not fit the type is refused: OverflowError or
TypeError, never wrapped); what the function changes is written back, as
for every list argument. Inside compiled code ``List()`` and ``List(it)``
make a typed List (tlist: its type is ``ListType[T]``, not ``list(T)``),
and a typed List a jitted function makes and returns arrives as a
``kiln.typed.List`` of its item type (nested ones too: in a typed List, a
tuple, a dict), while a plain ``[...]`` or ``list()`` arrives as a
``list``.

tlist: storing into a typed List from Python (append, insert, extend,
``l[i] = v``, ``List(iterable)``) converts a number to the item type as
Numba does (``1`` into a float64 List is ``1.0``) and refuses what does
not fit: a value of another kind is a TypingError, as in Numba; an integer
out of the item type's range is an OverflowError (Numba wraps it, with a
warning). ``copy()`` and a slice are typed Lists too. Being a ``list``, it
compares equal to a ``list`` of the same items, where Numba's does not."""

from . import _kiln
from ._numba_types import numba_type


def _name(t):
    if isinstance(t, str):
        return t
    if isinstance(t, type) and t.__module__ == "numpy":  # np.int32
        return t.__name__
    if t in (int, float, complex, bool):  # Python's own: as kiln.typeof types their values
        return {int: "int64", float: "float64", complex: "complex128", bool: "bool"}[t]
    return getattr(t, "name", None) or str(t)


def _converter(item_type):
    """tlist: the conversion of a value stored into a List of that item type
    (kiln.types' cast of a scalar), or None where unboxing checks it."""
    from . import types
    t = getattr(types, "boolean" if item_type == "bool" else item_type, None) if item_type else None
    return t.cast if isinstance(t, types.Type) else None


class List(list):
    """A typed list (see the module's doc)."""

    def __init__(self, *args, item_type=None, **kwargs):
        if kwargs:  # Numba's words
            raise TypeError("List() takes no keyword arguments")
        if len(args) > 1:
            raise TypeError(f"List() expected at most 1 argument, got {len(args)}")
        if args and not hasattr(args[0], "__iter__"):
            raise TypeError("List() argument must be iterable")
        self._kiln_item_type = _kiln.canonical_type(_name(item_type)) if item_type is not None else None
        super().__init__()
        if args:
            self.extend(args[0])

    def _store(self, value):
        # tlist: the value as the item type holds it, or Numba's refusal.
        if self._kiln_item_type is None:
            if len(self) > 0:
                self._kiln_item_type = _kiln.typeof(self[0])
            else:
                return value
        convert = _converter(self._kiln_item_type)
        if convert is None:
            return value
        try:
            return convert(value)
        except OverflowError:
            raise
        except (TypeError, ValueError) as e:
            from .errors import TypingError
            raise TypingError(f"cannot store {type(value).__name__} into {self._numba_type_}: {e}") from None

    def append(self, value):
        list.append(self, self._store(value))

    def insert(self, index, value):
        list.insert(self, index, self._store(value))

    def extend(self, iterable):
        items = list(iterable)
        for x in items:
            list.append(self, self._store(x))

    def __iadd__(self, iterable):
        self.extend(iterable)
        return self

    def __setitem__(self, index, value):
        if isinstance(index, slice):
            list.__setitem__(self, index, [self._store(x) for x in value])
        else:
            list.__setitem__(self, index, self._store(value))

    def __getitem__(self, index):
        if isinstance(index, slice):  # tlist: a typed List, as Numba's
            return type(self)._wrap(list.__getitem__(self, index), self.item_type)
        return list.__getitem__(self, index)

    def copy(self):
        """A shallow copy: a typed List of the same item type."""
        return type(self)._wrap(list(self), self.item_type)

    @classmethod
    def _wrap(cls, items, item_type):
        # tlist: a typed List of items already of item_type (value_types.cpp
        # boxes one that compiled code made so).
        out = cls()
        list.extend(out, items)
        out._kiln_item_type = item_type
        return out

    @classmethod
    def empty_list(cls, item_type, allocated=0):
        """An empty list of that item type (allocated, a size hint, is ignored)."""
        return cls(item_type=item_type)

    @property
    def item_type(self):
        """The item type's spelling ("int64"); None while empty and untyped."""
        if self._kiln_item_type is None and len(self) > 0:
            return _kiln.typeof(self[0])
        return self._kiln_item_type

    @property
    def _numba_type_(self):
        # The spelling Numba's typed List reports ("ListType[int64]"); tlist:
        # Numba's own type object when Numba is imported (for numba.typeof).
        spelling = f"ListType[{self.item_type or 'Undefined'}]"
        return (numba_type(spelling) if self.item_type else None) or spelling

    def __repr__(self):
        return f"ListType[{self.item_type or 'Undefined'}]({list.__repr__(self)})"

    __str__ = __repr__
