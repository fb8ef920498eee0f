"""litcont (issue 9): Numba's literal containers. A list literal whose items
have no common type is a LiteralList and a dict literal of constant str keys
whose values have none a LiteralStrKeyDict: read by constant index or key,
len, literal_unroll, keys/values/items, passed to jitted functions; what
would change them, or needs a common item type, is refused in Numba's words.
Each result is compared with plain Python on the same inputs."""
import sys

import numpy as np
import pytest

from kiln import jit, literal_unroll
from kiln.errors import TypingError


def static_items():
    l = ['a', 1]
    return l[0], l[1], l[-1]


def long_constant_list():  # BUILD_LIST 0 + LIST_EXTEND of a constant tuple
    l = ['a', 1, 2.5, 'b']
    return l[3], l[2], len(l)


def mixed_runtime(x):
    l = [x, 'text', x * 2.5]
    return l[0] + l[2], l[1]


def unrolled():
    l = ['a', 1, 2.5, 'bc']
    n = 0
    for x in literal_unroll(l):
        n += len(str(x))
    return n


def unify_branches(x):
    if x > 3:
        l = ['a', 1]
    else:
        l = ['b', 2]
    return l[0], l[1]


def homogeneous_stays_list():
    l = [1, 2.5, 3]
    l.append(4)
    return l


def list_copy():
    l = ['a', 1].copy()
    return l[0], l[1]


def callee(l):
    return l[1] * 2


def passes_literal_list():
    return callee_j(['z', 21])


callee_j = jit(callee)


def dict_static():
    d = {'a': 1, 'b': 2j, 'c': 'd'}
    return d['a'], d['b'], d['c'], len(d)


def dict_runtime_value(x):
    e = x > 2
    d = {'a': 1, 'b': 2j, 'flag': e}
    return d['flag']


def dict_repeated_key():
    d = {'a': 1, 'b': 2j, 'a': 'last'}  # noqa: F601
    return d['a'], len(d)


def dict_values():
    d = {'a': 2j, 'c': 'd'}
    return tuple(d.values())  # compiled: the values as a tuple, as Numba


def dict_keys():
    d = {'a': 2j, 'c': 'd'}
    return [k for k in d.keys()]


def dict_items():
    d = {'a': 2j, 'c': 'd'}
    return tuple(d.items())


def dict_array_value():
    d = {'n': 3, 'arr': np.arange(3.0)}
    return d['arr'] * d['n']


def takes_kwargs(kw):
    kw['d'][:] += 10


takes_kwargs_j = jit(takes_kwargs)


def dict_as_arg():
    e = {'a': 1, 'b': 2j, 'd': np.zeros(3)}
    takes_kwargs_j(e)
    return e['d']


def list_contains():
    l = ['a', 1, 'b', 2.5, True]
    r = []
    for x in literal_unroll(('a', 'd', 2, 2.5, 1, 1.0)):
        r.append(x in l)
    return r, 'z' not in l


def list_count():
    l = ['a', 1, 'a', 2, 'a', 3.0, 'b', True, 'c']
    r = []
    for x in 'abcd':
        r.append(l.count(x))
    return r, l.count(1), l.count(3)


def dict_contains(k):
    d = {'a': 1, 'b': 2j, 'c': 'd'}
    return 'b' in d, 'f' in d, k in d, k not in d


def dict_copy_equal():
    d = {'a': 1, 'b': 2j, 'c': 'd'}
    new = d.copy()
    return new['c'], len(new)


def dict_of_lists():  # values a typed dict cannot hold: a read-only literal dictionary
    d = {'x': [1, 2], 'y': [3]}
    d['x'].append(4)
    return d['x'][2] + d['y'][0], len(d['x'])


def dict_of_closure_list():
    z = {"A": [lambda a: 2 * a, "B"]}
    return z["A"][0](5), z["A"][1]


def str_values(n):  # a typed dict of str values
    a = {0: 'A', 1: 'B', 2: 'C'}
    b = {3 + i: a[i] for i in range(3)}
    b[10] = 'x' * n
    b[0] = b[10] + 'y'
    del b[3]
    v = b.pop(4)
    s = ''
    for k, w in b.items():
        s += w
    return b, s, v, b.get(5, 'none'), b.get(77, 'dflt'), 10 in b


def dict_int_then_float():
    d = {'a': 1, 'b': 2.5}  # as Numba: int64 does not take float64 without loss
    return d['a'], d['b']


def dict_float_then_int():
    d = {'a': 2.5, 'b': 1, 'c': True}
    return d['a'], d['b'], d['c']


def dict_unify(x):
    if x > 0:
        a = {'a': 2j, 'c': 'd'}
    else:
        a = {'a': 5j, 'c': 'CAT'}
    return a['c']


def dict_unusual_keys():
    d = {'+': np.ones(5), 'x--': 4, 'a, b': 'c'}
    return len(d), d['x--'], d['a, b']


@pytest.mark.parametrize("fn,args", [
    (static_items, ()), (long_constant_list, ()), (mixed_runtime, (3,)), (unrolled, ()),
    (unify_branches, (1,)), (unify_branches, (10,)), (homogeneous_stays_list, ()), (list_copy, ()),
    (dict_static, ()), (dict_runtime_value, (5,)), (dict_runtime_value, (0,)),
    (dict_repeated_key, ()), (dict_values, ()), (dict_keys, ()), (dict_items, ()),
    (dict_unify, (1,)), (dict_unify, (-1,)), (dict_unusual_keys, ()), (dict_int_then_float, ()),
    (dict_float_then_int, ()), (list_contains, ()), (list_count, ()), (dict_contains, ('c',)),
    (dict_contains, ('zz',)), (dict_copy_equal, ()), (dict_of_lists, ()), (dict_of_closure_list, ()),
    (str_values, (3,)),
])
def test_matches_python(fn, args):
    got = jit(fn)(*args)
    want = fn(*args)
    assert got == want
    assert type(got) is type(want)


def test_passed_to_jitted_function():
    assert jit(passes_literal_list)() == callee(['z', 21])


def test_array_values():
    np.testing.assert_array_equal(jit(dict_array_value)(), dict_array_value())
    np.testing.assert_array_equal(jit(dict_as_arg)(), np.full(3, 10.0))


def _mutations():
    def setitem():
        l = ['a', 1]
        l[0] = 'b'

    def delitem():
        l = ['a', 1]
        del l[0]

    def append():
        l = ['a', 1]
        l.append(2j)

    def pop():
        l = ['a', 1]
        l.pop()

    def dsetitem():
        d = {'a': 1, 'b': 'x'}
        d['a'] = 2

    def ddelitem():
        d = {'a': 1, 'b': 'x'}
        del d['a']

    def dclear():
        d = {'a': 1, 'b': 'x'}
        d.clear()

    def dupdate():
        d = {'a': 1, 'b': 'x'}
        d.update({'c': 3})

    def dlists():
        d = {'x': [1, 2], 'y': [3]}
        d['z'] = [5]

    return [(dlists, "Cannot mutate a literal dictionary.*read-only")] + \
        [(f, "Cannot mutate a literal list") for f in (setitem, delitem, append, pop)] + \
        [(f, "Cannot mutate a literal dictionary") for f in (dsetitem, ddelitem, dclear, dupdate)]


@pytest.mark.parametrize("fn,phrase", _mutations(), ids=lambda x: getattr(x, "__name__", "msg"))
def test_mutation_refused(fn, phrase):
    with pytest.raises(TypingError, match=phrase):
        jit(fn)()


def nonconst_index(x):
    l = ['a', 1]
    return l[x]


def list_slice():
    l = ['a', 'b', 1]
    return l[:2]


def list_index():
    l = ['a', 1]
    return l.index('a')


def dict_get(x):
    d = {'a': 2j, 'c': 'd'}
    return d.get(x)


def dict_nonconst_key(x):
    d = {'a': 2j, 'c': 'd'}
    return d[x]


def dict_missing_key():
    d = {'not_a': 2j, 'c': 'd'}
    return d['a']


def list_not_unify(x):
    if x > 3:
        l = ['a', 1, 2j]
    else:
        l = ['b', 2]
    return l[0]


def dict_not_unify(x):
    if x > 3:
        a = {'BAD': 2j, 'c': 'd'}
    else:
        a = {'a': 5j, 'c': 'CAT'}
    return a['c']


# The same, with a tail longer than the four instructions CPython 3.12 copies into each branch of an if (see
# test_branches_that_never_meet): the literals meet at `l` under 3.11 and 3.12.
def list_not_unify_joined(x):
    if x > 3:
        l = ['a', 1, 2j]
    else:
        l = ['b', 2]
    first = l[0]
    return first


def dict_not_unify_joined(x):
    if x > 3:
        a = {'BAD': 2j, 'c': 'd'}
    else:
        a = {'a': 5j, 'c': 'CAT'}
    c = a['c']
    return c


def unroll_nonconstant(x):
    l = [x, 'a']
    n = 0
    for v in literal_unroll(l):
        n += 1
    return n


def dict_returned():
    return {'a': 2j, 'c': 'd'}


@pytest.mark.parametrize("fn,args,phrase", [
    (nonconst_index, (0,), r"Cannot __getitem__ on a literal list"),
    (list_slice, (), r"Cannot __getitem__ on a literal list"),
    (list_index, (), r"list.index is unsupported for literal lists"),
    (dict_get, ('a',), r"Cannot get\{item\}\(\) on a literal dictionary"),
    (dict_nonconst_key, ('a',), r"Cannot get\{item\}\(\) on a literal dictionary"),
    (dict_missing_key, (), r"Key 'a' is not in dict\."),
    (list_not_unify_joined, (1,), r"Cannot unify LiteralList"),
    (dict_not_unify_joined, (1,), r"Cannot unify LiteralStrKey"),
    (dict_returned, (), r"cannot convert native LiteralStrKey"),
    (unroll_nonconstant, (1,), r"Found non-constant value at position 0"),
])
def test_refusals(fn, args, phrase):
    with pytest.raises(TypingError, match=phrase):
        jit(fn)(*args)


@pytest.mark.parametrize("fn,phrase", [(list_not_unify, r"Cannot unify LiteralList"),
                                       (dict_not_unify, r"Cannot unify LiteralStrKey")])
def test_branches_that_never_meet(fn, phrase):
    # Version-aware: CPython 3.12 copies a small exit block (`return l[0]`, four instructions) into each branch of
    # the if, so in its bytecode the two literals never meet at one variable: each branch is typed alone and the
    # function runs as Python does. 3.11 joins the branches first, where the literals cannot unify.
    if sys.version_info >= (3, 12):
        assert jit(fn)(1) == fn(1)
        assert jit(fn)(5) == fn(5)
    else:
        with pytest.raises(TypingError, match=phrase):
            jit(fn)(1)


# A literal list or dict is carried as a tuple: it must still be a list or a dict to isinstance, compare
# as Python does or be refused, and never take a tuple's operators.
def literal_isinstance():
    a = {1: 2, 3: 4}
    b = {'a': 10, 'b': np.zeros(3)}
    l = [1, 'x']
    return (isinstance(a, dict), isinstance(b, dict), isinstance(b, tuple), isinstance(l, list),
            isinstance(l, tuple))


def literal_lists_compare():
    a = [1, 'x']
    b = [1, 'y']
    return (a == b, a != b, a < b, a == a)


def literal_dicts_compare():
    d = {'a': 1, 'b': 'z'}
    e = {'a': 1, 'b': 'z'}
    return (d == e, d != e)


def test_isinstance_sees_a_list_and_a_dict():
    assert jit(literal_isinstance)() == literal_isinstance() == (True, True, False, True, False)


def test_comparisons_as_python():
    assert jit(literal_lists_compare)() == literal_lists_compare()
    assert jit(literal_dicts_compare)() == literal_dicts_compare()


def list_eq_tuple():
    l = [1, 'x']
    return l == (1, 'x')   # False in Python: refused rather than compared as tuples


def dicts_other_order():
    return {'a': 1, 'b': 'z'} == {'b': 'z', 'a': 1}


def list_plus_list():
    l = [1, 'x']
    return l + l


def print_literal_list():
    print([1, 'x'])


@pytest.mark.parametrize("fn,phrase", [
    (list_eq_tuple, r"comparison '==' is not supported between LiteralList"),
    (dicts_other_order, r"comparison '==' is not supported between LiteralStrKey"),
    (list_plus_list, r"operator '\+' is not supported between LiteralList"),
    (print_literal_list, r"print\(\) of a value of type LiteralList"),
])
def test_tuple_meanings_refused(fn, phrase):
    with pytest.raises(TypingError, match=phrase):
        jit(fn)()
