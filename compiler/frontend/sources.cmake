set(SUBDIR_SOURCES
  opcodes/opcode_table.cpp
  opcodes/py311.cpp
  opcodes/py312.cpp
  decoder.cpp
  cfg.cpp
  ssa_builder.cpp
  frontend.cpp)
