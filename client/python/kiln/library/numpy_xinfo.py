"""dtypes (issue 8 part 2): np.iinfo / np.finfo in compiled code, as Numba
supports them (a namedtuple of constants): of a NumPy scalar class (np.int32), a dtype object, an array
(its dtype) or a scalar value; the fields are compile-time constants (the
branch on the type is pruned at typing), with NumPy's values. finfo's float
fields are float64 values (equal to NumPy's, whose type is the dtype's)."""
from collections import namedtuple

import numpy as np

from kiln.library import implements, primitive

_error = primitive("kiln.static.error")
_iterable = primitive("kiln.static.iterable")

iinfo = namedtuple("iinfo", ["min", "max", "bits"])
finfo = namedtuple("finfo", ["bits", "eps", "epsneg", "max", "min", "tiny", "smallest_normal", "resolution",
                             "precision", "iexp", "machep", "maxexp", "minexp", "negep", "nexp", "nmant"])

@implements("numpy.iinfo")
def _iinfo(int_type):
    if _iterable(int_type):  # an array: its dtype
        x = int_type.dtype(0)
    elif isinstance(int_type, (bool, int, float, np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
                               np.uint16, np.uint32, np.uint64, np.float32, np.float64)):  # a scalar
        x = int_type
    else:  # a class or dtype object
        x = int_type(0)
    if isinstance(x, (bool, np.bool_)):  # a bool is no integer type to NumPy
        _error("np.iinfo() takes an integer type")
    elif isinstance(x, np.int8):
        return iinfo(-128, 127, 8)
    elif isinstance(x, np.int16):
        return iinfo(-32768, 32767, 16)
    elif isinstance(x, np.int32):
        return iinfo(-2147483648, 2147483647, 32)
    elif isinstance(x, np.int64):
        return iinfo(-9223372036854775808, 9223372036854775807, 64)
    elif isinstance(x, np.uint8):
        return iinfo(0, 255, 8)
    elif isinstance(x, np.uint16):
        return iinfo(0, 65535, 16)
    elif isinstance(x, np.uint32):
        return iinfo(0, 4294967295, 32)
    elif isinstance(x, np.uint64):
        return iinfo(0, np.uint64(18446744073709551615), 64)
    elif isinstance(x, int):
        return iinfo(-9223372036854775808, 9223372036854775807, 64)
    else:
        _error("np.iinfo() takes an integer type")


@implements("numpy.finfo")
def _finfo(dtype):
    if _iterable(dtype):  # an array: its dtype
        x = dtype.dtype(0)
    elif isinstance(dtype, (bool, int, float, np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
                            np.uint16, np.uint32, np.uint64, np.float32, np.float64, complex,
                            np.complex64, np.complex128)):  # a scalar
        x = dtype
    else:  # a class or dtype object
        x = dtype(0)
    if isinstance(x, (bool, np.bool_)):
        _error("np.finfo() takes a floating-point type")
    elif isinstance(x, (np.float32, np.complex64)):  # a complex type: its parts'
        return finfo(32, 1.1920928955078125e-07, 5.960464477539063e-08, 3.4028234663852886e+38, -3.4028234663852886e+38, 1.1754943508222875e-38,
                     1.1754943508222875e-38, 9.999999974752427e-07, 6, 8, -23, 128,
                     -126, -24, 8, 23)
    elif isinstance(x, (np.float64, np.complex128)):
        return finfo(64, 2.220446049250313e-16, 1.1102230246251565e-16, 1.7976931348623157e+308, -1.7976931348623157e+308, 2.2250738585072014e-308,
                     2.2250738585072014e-308, 1e-15, 15, 11, -52, 1024,
                     -1022, -53, 11, 52)
    elif isinstance(x, (float, complex)):
        return finfo(64, 2.220446049250313e-16, 1.1102230246251565e-16, 1.7976931348623157e+308, -1.7976931348623157e+308, 2.2250738585072014e-308,
                     2.2250738585072014e-308, 1e-15, 15, 11, -52, 1024,
                     -1022, -53, 11, 52)
    else:
        _error("np.finfo() takes a floating-point type")
