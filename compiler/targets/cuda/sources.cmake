set(SUBDIR_SOURCES cuda_backend.cpp libdevice.cpp cubin.cpp)
