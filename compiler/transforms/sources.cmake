set(SUBDIR_SOURCES
  refcount_prune.cpp
  simplify_block_params.cpp)
