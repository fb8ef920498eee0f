"""The ``operator`` module's functions, each written as the operator it
names (see kiln/library/__init__.py), so it has exactly the operator's
typing and semantics in compiled code: ``operator.add(a, b)`` is ``a + b``.
The in-place forms (``operator.iadd``) update an array argument in place and
return it, and return the new value for numbers, as Python does."""

from kiln.library import implements


@implements("operator.add")
def add(a, b):
    return a + b


@implements("operator.sub")
def sub(a, b):
    return a - b


@implements("operator.mul")
def mul(a, b):
    return a * b


@implements("operator.truediv")
def truediv(a, b):
    return a / b


@implements("operator.floordiv")
def floordiv(a, b):
    return a // b


@implements("operator.mod")
def mod(a, b):
    return a % b


@implements("operator.pow")
def pow(a, b):
    return a ** b


@implements("operator.matmul")
def matmul(a, b):
    return a @ b


@implements("operator.lshift")
def lshift(a, b):
    return a << b


@implements("operator.rshift")
def rshift(a, b):
    return a >> b


@implements("operator.and_")
def and_(a, b):
    return a & b


@implements("operator.or_")
def or_(a, b):
    return a | b


@implements("operator.xor")
def xor(a, b):
    return a ^ b


@implements("operator.eq")
def eq(a, b):
    return a == b


@implements("operator.ne")
def ne(a, b):
    return a != b


@implements("operator.lt")
def lt(a, b):
    return a < b


@implements("operator.le")
def le(a, b):
    return a <= b


@implements("operator.gt")
def gt(a, b):
    return a > b


@implements("operator.ge")
def ge(a, b):
    return a >= b


@implements("operator.is_")
def is_(a, b):
    return a is b


@implements("operator.is_not")
def is_not(a, b):
    return a is not b


@implements("operator.contains")
def contains(a, b):
    return b in a


@implements("operator.getitem")
def getitem(a, b):
    return a[b]


@implements("operator.neg")
def neg(a):
    return -a


@implements("operator.pos")
def pos(a):
    return +a


@implements("operator.invert")
def invert(a):
    return ~a


@implements("operator.inv")
def inv(a):
    return ~a


@implements("operator.not_")
def not_(a):
    return not a


@implements("operator.truth")
def truth(a):
    return True if a else False


@implements("operator.abs")
def abs_(a):
    return abs(a)


@implements("operator.setitem")
def setitem(a, b, c):
    a[b] = c


@implements("operator.iadd")
def iadd(a, b):
    a += b
    return a


@implements("operator.isub")
def isub(a, b):
    a -= b
    return a


@implements("operator.imul")
def imul(a, b):
    a *= b
    return a


@implements("operator.itruediv")
def itruediv(a, b):
    a /= b
    return a


@implements("operator.ifloordiv")
def ifloordiv(a, b):
    a //= b
    return a


@implements("operator.imod")
def imod(a, b):
    a %= b
    return a


@implements("operator.ipow")
def ipow(a, b):
    a **= b
    return a


@implements("operator.imatmul")
def imatmul(a, b):
    a @= b
    return a


@implements("operator.ilshift")
def ilshift(a, b):
    a <<= b
    return a


@implements("operator.irshift")
def irshift(a, b):
    a >>= b
    return a


@implements("operator.iand")
def iand(a, b):
    a &= b
    return a


@implements("operator.ior")
def ior(a, b):
    a |= b
    return a


@implements("operator.ixor")
def ixor(a, b):
    a ^= b
    return a
