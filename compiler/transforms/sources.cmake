set(SUBDIR_SOURCES
  prune_dead_params.cpp
  refcount_prune.cpp
  simplify_block_params.cpp)
