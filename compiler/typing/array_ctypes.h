#pragma once
// pysub4: `a.ctypes` of an array, typed as the builtin of this name. Only its
// `.data` is supported (the array's data pointer as an int, as NumPy's and
// Numba's uintp); lowering reads the array from the ctypes getattr's operand.

namespace kiln::typing {

inline constexpr const char* kArrayCTypes = "numpy.ndarray.ctypes";

}  // namespace kiln::typing
