set(SUBDIR_SOURCES
  compile.cpp
  pipeline.cpp
  stage_passes.cpp
  target_registry.cpp)
