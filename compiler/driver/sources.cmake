set(SUBDIR_SOURCES compile.cpp)
