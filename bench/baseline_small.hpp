#pragma once
// The small invoke's baseline, shared by ward_bench (time) and ward_bench_allocs (allocations):
// the least work that answers the same call.

#include "bench_support.hpp"

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <string>

namespace ward_bench {

/// The same simdjson parse with a reused parser (the body is not padded, so simdjson copies it
/// into its reused padded buffer, as in ward), the two members read with type checks, a direct
/// call, and the result written as JSON text. False if the body could not be read.
inline bool baseline_small_once(simdjson::dom::parser &parser, const std::string &body) {
  simdjson::dom::element root;
  std::int64_t a = 0;
  std::int64_t b = 0;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS || root["a"].get(a) != simdjson::SUCCESS ||
      root["b"].get(b) != simdjson::SUCCESS)
    return false;
  const std::int64_t sum = add(a, b);
  char digits[24];
  const auto written = std::to_chars(digits, digits + sizeof digits, sum);
  std::string json(digits, written.ptr);
  benchmark::DoNotOptimize(json.data());
  benchmark::ClobberMemory();
  return true;
}

} // namespace ward_bench
