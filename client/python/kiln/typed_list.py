"""``kiln.typed.List``: a list with one item type, with the parts of Numba's
``numba.typed.List`` API that Kiln supports (pyfuncs).

It is a Python ``list`` (a subclass) that knows its item type: given by
``List.empty_list(item_type)`` or taken from its first item
(``kiln.typeof``). Passed to a jitted function it is typed
``reflected list(T)`` with that item type (empty too) and converted item by
item (a value that does not fit the type is refused: OverflowError or
TypeError, never wrapped); what the function changes is written back, as
for every list argument. Inside compiled code ``List()`` and ``List(it)``
make a list as ``list()`` and ``list(it)`` do; a list a jitted function
returns arrives as a Python ``list``."""

from . import _kiln


def _name(t):
    if isinstance(t, str):
        return t
    if isinstance(t, type) and t.__module__ == "numpy":  # np.int32
        return t.__name__
    if t in (int, float, complex, bool):  # Python's own: as kiln.typeof types their values
        return {int: "int64", float: "float64", complex: "complex128", bool: "bool"}[t]
    return getattr(t, "name", None) or str(t)


class List(list):
    """A typed list (see the module's doc)."""

    def __init__(self, *args, item_type=None):
        super().__init__(*args)
        self._kiln_item_type = _kiln.canonical_type(_name(item_type)) if item_type is not None else None

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
        # The spelling Numba's typed List reports ("ListType[int64]").
        return f"ListType[{self.item_type or 'Undefined'}]"

    def __repr__(self):
        return f"{self._numba_type_}({list.__repr__(self)})"

    __str__ = __repr__
