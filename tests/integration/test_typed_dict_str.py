"""dictstr (issue 9, part 2): a kiln.typed.Dict made from Python holding
strings (unicode_type keys, values, tuples holding them), shared with compiled
code without copying. Every check compares with a plain Python dict as the
oracle; the leak checks count the runtime's live blocks (a str stored from
Python is copied into a block the table owns)."""
import random

import pytest

import kiln
from kiln import jit, types
from kiln.typed import Dict

pytestmark = pytest.mark.usefixtures("kilnd")

# 1-, 2- and 4-byte kinds (PEP 393), and the empty string.
WORDS = ["a", "bb", "é", "naïve", "日本", "日本語", "🙂", "a🙂b", "", "ÿ", "Ā", "\U0010ffff"]


def same(d, want):
    """d holds exactly want's items, in want's order."""
    assert len(d) == len(want)
    assert list(d.items()) == list(want.items())
    assert list(d) == list(want) and list(d.keys()) == list(want.keys()) and list(d.values()) == list(want.values())
    for k, v in want.items():
        assert k in d and d[k] == v and type(d[k]) is type(v)
    assert repr(d) == repr(want)


def test_str_keys_from_python():
    before = kiln.live_allocations()
    d = Dict.empty(types.unicode_type, types.int64)
    want = {}
    for i, w in enumerate(WORDS):
        d[w] = i
        want[w] = i
    same(d, want)
    assert (d.key_type, d.value_type) == ("unicode_type", "int64")
    assert kiln.typeof(d) == "DictType[unicode_type, int64]"
    d["é"] = 100  # overwrite: the key keeps its place
    want["é"] = 100
    del d["日本"]
    del want["日本"]
    assert d.pop("🙂") == want.pop("🙂") == 6
    assert d.pop("missing", -1) == -1
    assert d.get("a") == 0 and d.get("zz") is None and d.get("zz", 5) == 5
    assert d.setdefault("new", 7) == want.setdefault("new", 7) == 7
    assert d.setdefault("a", 9) == want.setdefault("a", 9) == 0
    d.update({"u1": 1, "u2": 2})
    want.update({"u1": 1, "u2": 2})
    same(d, want)
    assert d.popitem() == want.popitem() == ("u2", 2)  # the last item, as Python's
    c = d.copy()
    assert isinstance(c, Dict) and c.key_type == "unicode_type"
    c["only in c"] = 1
    assert "only in c" not in d
    same(d, want)
    with pytest.raises(KeyError) as e:
        d["gone"]
    assert e.value.args == ("gone",) and repr(e.value) == "KeyError('gone')"
    with pytest.raises(KeyError) as e:
        del d["日本"]
    assert e.value.args == ("日本",)
    d.clear()
    assert len(d) == 0 and list(d.items()) == [] and "a" not in d
    d["again"] = 1
    assert dict(d.items()) == {"again": 1}
    del d, c, e  # e's traceback holds d (a frame of Dict.__getitem__)
    assert kiln.live_allocations() == before


def test_str_values_and_tuples_holding_strings():
    before = kiln.live_allocations()
    d = Dict.empty(key_type=types.int64, value_type=types.unicode_type)
    want = {}
    for i, w in enumerate(WORDS):
        d[i] = w
        want[i] = w
    same(d, want)
    for i in range(0, len(WORDS), 2):  # overwrite with strings of other kinds
        d[i] = WORDS[-1 - i] * 3
        want[i] = WORDS[-1 - i] * 3
    same(d, want)
    t = Dict.empty(types.UniTuple(types.int64, 2), types.Tuple((types.unicode_type, types.int64)))
    t[(1, 2)] = ("é", 1)
    t[(3, 4)] = ("", 2)
    t[(1, 2)] = ("🙂", 3)
    assert dict(t.items()) == {(1, 2): ("🙂", 3), (3, 4): ("", 2)}
    assert (3, 4) in t and (4, 3) not in t
    with pytest.raises(TypeError, match=r"tuple keys hold numbers \(not yet strings\)"):
        Dict.empty(types.Tuple((types.unicode_type, types.int64)), types.int64)
    e = Dict()  # typed by its first store
    e["k"] = 1.5
    assert (e.key_type, e.value_type) == ("unicode_type", "float64")
    f = Dict()
    f[1] = "v"
    assert (f.key_type, f.value_type) == ("int64", "unicode_type") and f[1] == "v"
    del d, t, e, f
    assert kiln.live_allocations() == before


def test_wrong_kinds_are_type_errors():
    d = Dict.empty(types.unicode_type, types.int64)
    d["a"] = 1
    with pytest.raises(TypeError, match="expected str, got int"):
        d[1] = 2
    with pytest.raises(TypeError, match="expected an integer, got str"):
        d["b"] = "x"
    assert "b" not in d and 1 not in d and len(d) == 1  # a failed store changes nothing
    v = Dict.empty(types.int64, types.unicode_type)
    with pytest.raises(TypeError, match="expected str, got float"):
        v[1] = 2.5
    with pytest.raises(TypeError, match="expected an integer, got str"):
        v["1"] = "x"
    with pytest.raises(TypeError, match="numbers, strings and tuples of them"):
        Dict.empty(types.unicode_type, types.ListType(types.int64))  # tdarrays: array values are held now


def count_words(d, words):
    for w in words:
        d[w] = d.get(w, 0) + 1
    return len(d)


def lookups(d):
    # Keys the compiled code builds: found by hash and code points.
    return d["a" + "b"], d["日" + "本"], d["🙂"], "é" + "" in d, "zz" in d


def store_built(d, n):
    for i in range(n):
        d["k" + str(i)] = i
    del d["ab"]
    return len(d)


def str_value_ops(d, k):
    s = d[k]
    d[k] = s + s  # overwrites: the old value is released
    d[k + 1] = "n" + str(k)
    return d.pop(k - 1, "none"), len(d)


def test_round_trips_through_compiled_code():
    before = kiln.live_allocations()
    d = Dict.empty(types.unicode_type, types.int64)
    for k, v in {"ab": 1, "日本": 2, "🙂": 3, "é": 4}.items():
        d[k] = v
    assert jit(lookups)(d) == (1, 2, 3, True, False)

    words = ["the", "cat", "é", "the", "日本", "🙂", "cat", "the"]
    want = dict(d.items())
    count_words(want, words)
    assert jit(count_words)(d, words) == len(want)  # stores of the argument list's strings
    same(d, want)
    del words  # the strings compiled code stored are the table's own copies
    same(d, want)

    assert jit(store_built)(d, 50) == store_built(want, 50)
    same(d, want)
    d["from python"] = -1  # and compiled code sees Python's stores
    want["from python"] = -1
    assert jit(lambda d, k: k in d)(d, "from python") and not jit(lambda d, k: k in d)(d, "ab")
    assert jit(count_words)(d, ["from python"]) == count_words(want, ["from python"])
    same(d, want)

    v = Dict.empty(types.int64, types.unicode_type)
    pv = {}
    for i in range(5):
        v[i] = "v" + "é" * i
        pv[i] = "v" + "é" * i
    for k in (1, 3, 4):
        assert jit(str_value_ops)(v, k) == str_value_ops(pv, k)
        same(v, pv)
    del d, v
    assert kiln.live_allocations() == before


def make_index(names):
    d = {}
    for i, name in enumerate(names):
        d[name] = i
    return d


def make_str_values(n):
    d = {}
    for i in range(n):
        d[i] = "v" + str(i) + "日"
    return d


def identity(d):
    return d


def test_returned_dicts_with_strings_are_typed_dicts():
    before = kiln.live_allocations()
    names = ["x", "ÿ", "日本", "🙂", "x"]
    got = jit(make_index)(names)
    assert isinstance(got, Dict) and got.key_type == "unicode_type"
    same(got, make_index(names))
    del names  # its keys are the table's own copies, not the argument's characters
    same(got, {"x": 4, "ÿ": 1, "日本": 2, "🙂": 3})
    got["new"] = 9  # Python mutates a table compiled code made
    del got["ÿ"]
    assert got.pop("x") == 4
    same(got, {"日本": 2, "🙂": 3, "new": 9})
    assert jit(count_words)(got, ["new", "日本", "q"]) == 4
    same(got, {"日本": 3, "🙂": 3, "new": 10, "q": 1})
    sv = jit(make_str_values)(4)
    same(sv, make_str_values(4))
    sv[0] = "replaced"
    same(sv, {**make_str_values(4), 0: "replaced"})
    back = jit(identity)(got)
    assert isinstance(back, Dict) and back._kiln_handle is not None
    back["shared"] = 1
    assert got["shared"] == 1  # the same table, not a copy
    del got, sv, back
    assert kiln.live_allocations() == before


def churn(d, keys, rounds, seed):
    r = random.Random(seed)
    for _ in range(rounds):
        k = keys[r.randrange(len(keys))]
        op = r.randrange(4)
        if op == 0:
            d[k] = k * 2
        elif op == 1:
            if k in d:
                del d[k]
        elif op == 2:
            d.pop(k, None)
        else:
            d[k] = d.get(k, "") + "é"


def churn_compiled(d, keys, n):
    for i in range(n):
        k = keys[(i * 7) % len(keys)]
        if i % 3 == 0:
            if k in d:
                del d[k]
        else:
            d[k] = k + str(i)
    return len(d)


def test_deletion_and_overwrite_churn_releases_exactly():
    keys = [w + str(i) for i in range(20) for w in ("a", "é", "日", "🙂")]
    before = kiln.live_allocations()
    d = Dict.empty(types.unicode_type, types.unicode_type)
    want = {}
    for seed in range(3):
        churn(d, keys, 2000, seed)
        churn(want, keys, 2000, seed)
        same(d, want)
        assert jit(churn_compiled)(d, keys, 500) == churn_compiled(want, keys, 500)
        same(d, want)
    # Only the table holds blocks now: one per live key and value.
    assert kiln.live_allocations() - before == 1 + 2 * len(want)
    d.clear()
    assert kiln.live_allocations() - before == 1
    del d
    assert kiln.live_allocations() == before


def tuple_values(d, k):
    s, n = d[k]
    d[k + 1] = (s + "日", n + 1)
    return d[k + 1]


def store_wide_views(d, s):
    # s[0] of "a🙂" is a 4-byte-kind view of "a": equal to Python's "a".
    for i in range(len(s)):
        d[s[i]] = i
    return len(d)


def test_keys_of_other_kinds_and_tuple_values_across_the_boundary():
    before = kiln.live_allocations()
    t = Dict.empty(types.int64, types.Tuple((types.unicode_type, types.int64)))
    t[1] = ("é", 1)
    assert jit(tuple_values)(t, 1) == ("é日", 2)
    assert dict(t.items()) == {1: ("é", 1), 2: ("é日", 2)}
    d = Dict.empty(types.unicode_type, types.int64)
    d["a"] = -1
    assert jit(store_wide_views)(d, "a🙂é") == 3
    same(d, {"a": 0, "🙂": 1, "é": 2})  # the view found Python's "a"
    assert [type(k) for k in d] == [str, str, str] and "a" in d and d["a"] == 0
    del t, d
    assert kiln.live_allocations() == before


def compiled_methods(d, e):
    c = d.copy()  # a block of the same kind, made by compiled code from Python's
    k, v = c.popitem()
    c.update(e)
    got = c.setdefault("sd" + "é", "v")
    n = len(c)
    d.clear()
    return c, k, v, got, n


def test_compiled_methods_on_a_dict_made_in_python():
    before = kiln.live_allocations()
    d = Dict.empty(types.unicode_type, types.unicode_type)
    e = Dict.empty(types.unicode_type, types.unicode_type)
    for i, w in enumerate(WORDS):
        d[w] = w * i
    e["日本"] = "over"
    e["extra"] = "🙂"
    want_d, want_e = dict(d.items()), dict(e.items())
    c, k, v, got, n = jit(compiled_methods)(d, e)
    wc, wk, wv, wgot, wn = compiled_methods(want_d, want_e)
    assert (k, v, got, n) == (wk, wv, wgot, wn)
    assert isinstance(c, Dict)
    same(c, wc)
    same(d, {})
    del c
    same(e, want_e)
    del d, e
    assert kiln.live_allocations() == before
