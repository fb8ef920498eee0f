set(SUBDIR_SOURCES
  simplify_block_params.cpp)
