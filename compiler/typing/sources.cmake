set(SUBDIR_SOURCES types.cpp inference.cpp registry.cpp rules_numeric.cpp rules_builtins.cpp rules_arrays.cpp rules_lists.cpp)
