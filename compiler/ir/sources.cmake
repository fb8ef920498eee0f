set(SUBDIR_SOURCES ir.cpp printer.cpp verifier.cpp)
