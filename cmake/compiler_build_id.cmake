# Writes OUT (a header defining KILN_COMPILER_SOURCE_HASH) with a SHA-256 over
# every compiler and CPU-runtime source, so that the compiler build id (part
# of every cache key) changes whenever the code that decides the output does,
# committed or not. Run at every build; rewrites OUT only when it changes.
file(GLOB_RECURSE files RELATIVE ${ROOT}
  ${ROOT}/compiler/*.h ${ROOT}/compiler/*.cpp ${ROOT}/compiler/*.def ${ROOT}/compiler/*.cmake
  ${ROOT}/runtime/cpu/*.h)
list(SORT files)
set(all "")
foreach(f ${files})
  file(SHA256 ${ROOT}/${f} h)
  string(APPEND all "${f}:${h}\n")
endforeach()
string(SHA256 digest "${all}")
string(SUBSTRING ${digest} 0 16 digest)
set(content "#pragma once\n#define KILN_COMPILER_SOURCE_HASH \"${digest}\"\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT "${old}" STREQUAL "${content}")
  file(WRITE ${OUT} "${content}")
endif()
