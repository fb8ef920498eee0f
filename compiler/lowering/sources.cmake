set(SUBDIR_SOURCES data_model.cpp ownership.cpp lower_memory.cpp lower.cpp lower_arith.cpp lower_builtins.cpp lower_iter.cpp lower_arrays.cpp lower_numpy.cpp lower_lists.cpp)
