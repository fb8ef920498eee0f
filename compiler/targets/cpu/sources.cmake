set(SUBDIR_SOURCES cpu_target.cpp llvm_error.cpp)
