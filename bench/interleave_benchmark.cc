// Micro-benchmarks of the interleaved key encoding (kv/interleave.h).
//
// BM_InterleaveTo/N      InterleaveTo of one N-byte key into a caller buffer,
//                        the form the engine uses on its hot paths. Goal:
//                        <= 20 ns for N = 16.
// BM_InterleaveToMany/N  The same over 4096 distinct keys laid out in memory,
//                        so the input is not always the same cache line.
// BM_Interleave/N        The allocating convenience form (std::string).
// BM_CompareInterleaved/N  Physical-order comparison of two keys that share
//                        all but their last byte (the slow case).
//
// Run: build/release/bench/interleave_benchmark [--benchmark_filter=...]

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "kv/interleave.h"

namespace zverse::kv {
namespace {

constexpr uint64_t kBaseTs = 1'700'000'000'000'000ULL;  // Nov 2023, in µs.

std::string RandomKey(size_t size, std::mt19937_64& rng) {
  std::string key(size, '\0');
  for (char& c : key) c = static_cast<char>(rng());
  return key;
}

void BM_InterleaveTo(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::mt19937_64 rng(42);
  const std::string key = RandomKey(n, rng);
  std::vector<char> out(InterleavedSize(n));
  uint64_t ts = kBaseTs;
  for (auto _ : state) {
    InterleaveTo(key, ts++, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(n));
}
BENCHMARK(BM_InterleaveTo)->Arg(8)->Arg(16)->Arg(64)->Arg(1024);

void BM_InterleaveToMany(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  constexpr size_t kKeys = 4096;
  std::mt19937_64 rng(7);
  std::vector<std::string> keys;
  keys.reserve(kKeys);
  for (size_t i = 0; i < kKeys; ++i) keys.push_back(RandomKey(n, rng));
  std::vector<char> out(InterleavedSize(n));
  uint64_t ts = kBaseTs;
  size_t i = 0;
  for (auto _ : state) {
    InterleaveTo(keys[i], ts++, out.data());
    i = (i + 1) & (kKeys - 1);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(n));
}
BENCHMARK(BM_InterleaveToMany)->Arg(8)->Arg(16)->Arg(64)->Arg(1024);

void BM_Interleave(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::mt19937_64 rng(42);
  const std::string key = RandomKey(n, rng);
  uint64_t ts = kBaseTs;
  for (auto _ : state) {
    std::string s = Interleave(key, ts++);
    benchmark::DoNotOptimize(s.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(n));
}
BENCHMARK(BM_Interleave)->Arg(8)->Arg(16)->Arg(64)->Arg(1024);

void BM_CompareInterleaved(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::mt19937_64 rng(42);
  const std::string a = RandomKey(n, rng);
  std::string b = a;
  b.back() = static_cast<char>(b.back() ^ 1);
  int sink = 0;
  for (auto _ : state) {
    sink += CompareInterleaved(a, kBaseTs, b, kBaseTs);
    benchmark::DoNotOptimize(sink);
  }
}
BENCHMARK(BM_CompareInterleaved)->Arg(8)->Arg(16)->Arg(64)->Arg(1024);

}  // namespace
}  // namespace zverse::kv
