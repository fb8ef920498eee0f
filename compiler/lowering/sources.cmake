set(SUBDIR_SOURCES data_model.cpp lower.cpp lower_arith.cpp lower_builtins.cpp)
