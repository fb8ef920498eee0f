// make_value_seeds OUT_DIR IN_DIR: writes each file of IN_DIR to OUT_DIR as a
// cache value (cache/value_format.h) of kind kBundle keyed by the SHA-256 of
// the file, so the value_format fuzz target starts from well-formed values
// whose checksums are right. Used by make_seeds.py.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "cache/cache_key.h"
#include "cache/value_format.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_value_seeds OUT_DIR IN_DIR\n");
    return 2;
  }
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(argv[2])) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string payload((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    kiln::cache::CacheKey key = kiln::cache::sha256(payload);
    std::ofstream out(std::filesystem::path(argv[1]) / e.path().filename(), std::ios::binary);
    out << kiln::cache::encodeValue(kiln::cache::Kind::kBundle, key, payload);
    ++n;
  }
  std::printf("%d cache values -> %s\n", n, argv[1]);
  return 0;
}
