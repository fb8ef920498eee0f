"""enums (issue 9 part 10): enum.Enum and enum.IntEnum members passed in
(typed as Numba types them, the class part of the type), compared with
==, !=, is and is not, read by .value, used as ints (IntEnum) in arithmetic,
comparisons and hash(), and returned to Python as the same member object;
each result is compared with plain Python on the same inputs."""
import enum

import pytest

import kiln
from kiln import jit
from kiln.errors import TypingError


class Color(enum.Enum):
    red = 1
    green = 2
    blue = 3


class Shake(enum.Enum):
    vanilla = 7
    mint = 3  # the value of Color.blue


class Planet(enum.Enum):
    VENUS = (4.869e+24, 6.0518e6)
    EARTH = (5.976e+24, 6.37814e6)
    MARS = (6.421e+23, 3.3972e6)


class Shape(enum.IntEnum):
    circle = 2  # the value of Color.green
    square = 500


class RequestError(enum.IntEnum):
    dummy = 2
    not_found = 404
    internal_error = 500


class Signed(enum.IntEnum):
    one = 1
    two = 2
    too = 2  # an alias: the same member as two
    negone = -1
    negtwo = -2


def compare(a, b):
    return a == b, a != b, a is b, a is not b


def pick(a, b, pred):
    return a if pred else b


def value_of(a):
    return a.value


def int_coerce(x, e):
    if x > e:
        return x - e
    return x + e * 2


def ordered(a, b):
    return a < b, a <= b, a > b, a >= b


def hashed(x):
    return hash(x)


def truthy(a):
    if a:
        return 1
    return 0


PAIRS = [
    (Color.red, Color.red),
    (Color.red, Color.green),
    (Color.blue, Shake.mint),
    (Shake.mint, Shake.vanilla),
    (Planet.VENUS, Planet.MARS),
    (Planet.EARTH, Planet.EARTH),
    (Shape.circle, Shape.circle),
    (Shape.circle, Shape.square),
    (RequestError.not_found, RequestError.not_found),
    (RequestError.internal_error, RequestError.not_found),
    (Shape.square, RequestError.internal_error),  # IntEnums of two classes compare as ints
    (Shape.circle, Color.green),  # an IntEnum member never equals an Enum member
    (Signed.two, Signed.too),
]


@pytest.mark.parametrize("a,b", PAIRS, ids=[f"{a!r}-{b!r}" for a, b in PAIRS])
def test_compare(a, b):
    assert jit(compare)(a, b) == compare(a, b)


@pytest.mark.parametrize("a,b", PAIRS, ids=[f"{a!r}-{b!r}" for a, b in PAIRS])
def test_return_is_the_same_member(a, b):
    if type(a) is not type(b):
        return  # `a if pred else b` of two classes has no one type
    f = jit(pick)
    for pred in (True, False):
        assert f(a, b, pred) is pick(a, b, pred)


@pytest.mark.parametrize("m", [Color.blue, Shape.square, Planet.MARS, Signed.negtwo])
def test_value(m):
    got = jit(value_of)(m)
    assert got == m.value and type(got) is type(m.value)


@pytest.mark.parametrize("x", [300, 450, 550])
def test_int_enum_arithmetic(x):
    f = jit(int_coerce)
    assert f(x, RequestError.internal_error) == int_coerce(x, RequestError.internal_error)
    assert f(x, Shape.circle) == int_coerce(x, Shape.circle)
    assert jit(ordered)(x, RequestError.not_found) == ordered(x, RequestError.not_found)
    assert jit(ordered)(Shape.square, RequestError.not_found) == ordered(Shape.square, RequestError.not_found)


@pytest.mark.parametrize("m", list(Signed))
def test_int_enum_hash(m):
    assert jit(hashed)(m) == hash(m)


@pytest.mark.parametrize("m", [Color.red, Signed.one, Signed.negone])
def test_truth(m):
    assert jit(truthy)(m) == truthy(m)


def test_class_is_part_of_the_type():
    f = jit(value_of)
    assert f(Color.blue) == 3
    assert f(Shake.mint) == 3
    sigs = {s[0] for s in f.signatures}
    assert any("EnumMember(" in s and ".Color, int64)" in s for s in sigs), sigs
    assert any(".Shake, int64)" in s for s in sigs), sigs
    assert len(sigs) == 2
    assert kiln.typeof(Shape.circle).startswith("IntEnumMember(") if hasattr(kiln, "typeof") else True


def test_enum_ordering_is_refused():
    with pytest.raises(TypingError):
        jit(ordered)(Color.red, Color.green)


def test_enum_hash_is_refused():
    with pytest.raises(TypingError):
        jit(hashed)(Color.red)


def test_local_enum_class_is_refused():
    class Local(enum.Enum):
        a = 1

    with pytest.raises(TypingError, match="cannot determine the kiln type"):
        jit(value_of)(Local.a)


def is_red(a):
    return a is Color.red


def is_red_by_name(a):
    return a is Color["red"]


def identity(a, b, c):
    return a is Shake.mint, b is Shape.circle, c is RequestError.internal_error


def global_int_enum(x):
    if x > RequestError.internal_error:
        return x - RequestError.not_found
    return x + Shape.circle


def returns_global_member(pred):
    return Shape.square if pred else Shape.circle


def make_is(const):
    def is_const(a):
        return a is const
    return is_const


@pytest.mark.parametrize("m", [Color.red, Color.green, Color.blue])
def test_members_as_globals(m):
    assert jit(is_red)(m) == is_red(m)
    assert jit(is_red_by_name)(m) == is_red_by_name(m)
    f = make_is(Color.green)
    assert jit(f)(m) == f(m)


def test_identity_across_classes():
    args = (Color.blue, Color.green, Shape.square)
    assert jit(identity)(*args) == identity(*args)


@pytest.mark.parametrize("x", [300, 450, 550])
def test_global_int_enum_arithmetic(x):
    assert jit(global_int_enum)(x) == global_int_enum(x)


def test_global_member_returned():
    f = jit(returns_global_member)
    assert f(True) is Shape.square and f(False) is Shape.circle


def test_unknown_member_is_refused():
    def bad(a):
        return a is Color.purple

    with pytest.raises(TypingError, match="no member 'purple'"):
        jit(bad)(Color.red)


def unary(x):
    return -x, +x, ~x, not x


@pytest.mark.parametrize("m", [Signed.one, Signed.negtwo, RequestError.not_found])
def test_int_enum_unary(m):
    assert jit(unary)(m) == unary(m)


def test_not_enum_member():
    def negate(a):
        return not a

    assert jit(negate)(Color.red) is False


def test_int_enum_dict_keys():
    def lookup(k):
        d = {Shape.circle: 10, Shape.square: 20}
        return d[k], k in d

    assert jit(lookup)(Shape.square) == lookup(Shape.square)
