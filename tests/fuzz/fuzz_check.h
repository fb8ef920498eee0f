#pragma once
// FUZZ_CHECK: an invariant of a fuzz target. A failure prints what broke and
// aborts, which libFuzzer (and the replay driver) report as a crash with the
// input saved. Used for properties (a canonical spelling parses back to
// itself), never for the errors a bad input is expected to produce.

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, what)                                                   \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %s\n", __FILE__, __LINE__, \
                   #cond, std::string(what).c_str());                             \
      std::abort();                                                              \
    }                                                                            \
  } while (0)
