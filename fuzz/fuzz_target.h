// The libFuzzer entry point every target in fuzz/ defines, and a check that
// stops the process (a finding) when an invariant breaks.
//
// A target is built two ways (fuzz/CMakeLists.txt): with clang's
// -fsanitize=fuzzer in the `fuzz` preset, where libFuzzer drives it, and in
// every other build with regression_main.cc, which runs it over its kept
// corpus (fuzz/corpus/<target>/) as a test of the default suite.

#ifndef ZVERSE_FUZZ_FUZZ_TARGET_H_
#define ZVERSE_FUZZ_FUZZ_TARGET_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

// Aborts with a message when `cond` is false (in every build mode).
#define ZVERSE_FUZZ_CHECK(cond)                                           \
  do {                                                                    \
    if (!(cond)) {                                                        \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__,    \
                   __LINE__, #cond);                                      \
      std::abort();                                                       \
    }                                                                     \
  } while (0)

#endif  // ZVERSE_FUZZ_FUZZ_TARGET_H_
