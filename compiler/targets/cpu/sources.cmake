set(SUBDIR_SOURCES cpu_target.cpp cpu_backend.cpp llvm_error.cpp half_conversions.cpp)
