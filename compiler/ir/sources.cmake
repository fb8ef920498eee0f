set(SUBDIR_SOURCES ir.cpp printer.cpp parser.cpp verifier.cpp)
