// Time of ward's invoke path against hand-written baselines run in the same process:
//   - a small call ({"a":1,"b":2} -> 3) against simdjson + a direct call + writing the result;
//   - a call whose answer needs a heap buffer (where WARD_USE_MIMALLOC matters);
//   - decoding a large array into std::vector<double> against simdjson parsing the same text.
// The summary after the table prints the ratios and whether each target is met.
#include "baseline_small.hpp"
#include "bench_support.hpp"
#include "summary_reporter.hpp"

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace ward_bench {
namespace {

constexpr std::int64_t one_mib = 1 << 20;
constexpr std::int64_t sixteen_mib = 16 << 20;

// --- small invoke ----------------------------------------------------------------------------

void BM_WardInvokeSmall(benchmark::State &state) {
  const ward::App app = make_app();
  const TauriRequest tauri(app, "ipc://localhost/add", std::string(small_body));
  const ward::Request request = tauri.request();
  if (const auto response = app.invoke(request); !response.ok() || std::string_view(response.body) != "3") {
    state.SkipWithError(wrong_answer("small invoke", response).c_str());
    return;
  }
  for (auto _ : state) {
    ward::Response response = app.invoke(request);
    benchmark::DoNotOptimize(response.body.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_WardInvokeSmall);

/// The least work that answers the same call (baseline_small.hpp).
void BM_BaselineSmall(benchmark::State &state) {
  simdjson::dom::parser parser;
  const std::string body(small_body);
  for (auto _ : state) {
    if (!baseline_small_once(parser, body)) {
      state.SkipWithError("the baseline could not read the small body");
      break;
    }
  }
}
BENCHMARK(BM_BaselineSmall);

/// The two above paired: each iteration times a block of ward invokes and a block of baseline
/// calls back to back (which goes first alternates), and the reported `ratio` is the median of
/// the blocks' ratios. A neighbour taking the shared machine for a few milliseconds slows both
/// halves of a pair alike, so this ratio moves far less between runs than the ratio of the two
/// separate benchmarks' medians. Blocks of 1024 calls (about 0.1 ms each): long enough that
/// switching between the two code paths costs nothing measurable (blocks of 64 slowed both
/// sides by a third), short enough that a disturbance rarely covers one half of a pair only.
/// Wall time per block (steady_clock, a vDSO read; the thread CPU-time clock is a system call).
void BM_SmallInvokePaired(benchmark::State &state) {
  constexpr int block = 1024;
  const ward::App app = make_app();
  const TauriRequest tauri(app, "ipc://localhost/add", std::string(small_body));
  const ward::Request request = tauri.request();
  simdjson::dom::parser parser;
  const std::string body(small_body);
  if (const auto response = app.invoke(request); !response.ok() || std::string_view(response.body) != "3") {
    state.SkipWithError(wrong_answer("small invoke", response).c_str());
    return;
  }
  using clock = std::chrono::steady_clock;
  const auto ward_block = [&] {
    const auto start = clock::now();
    for (int i = 0; i < block; ++i) {
      ward::Response response = app.invoke(request);
      benchmark::DoNotOptimize(response.body.data());
      benchmark::ClobberMemory();
    }
    return std::chrono::duration<double, std::nano>(clock::now() - start).count() / block;
  };
  bool baseline_failed = false;
  const auto baseline_block = [&] {
    const auto start = clock::now();
    for (int i = 0; i < block; ++i) baseline_failed |= !baseline_small_once(parser, body);
    return std::chrono::duration<double, std::nano>(clock::now() - start).count() / block;
  };
  std::vector<double> ratios, ward_ns, baseline_ns;
  bool ward_first = true;
  for (auto _ : state) {
    double ward_time = 0, baseline_time = 0;
    if (ward_first) {
      ward_time = ward_block();
      baseline_time = baseline_block();
    } else {
      baseline_time = baseline_block();
      ward_time = ward_block();
    }
    ward_first = !ward_first;
    ward_ns.push_back(ward_time);
    baseline_ns.push_back(baseline_time);
    ratios.push_back(ward_time / baseline_time);
  }
  if (baseline_failed) {
    state.SkipWithError("the baseline could not read the small body");
    return;
  }
  const auto median = [](std::vector<double> values) {
    if (values.empty()) return 0.0;
    std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
    return values[values.size() / 2];
  };
  state.counters["ratio"] = median(ratios);
  state.counters["ward_ns"] = median(ward_ns);
  state.counters["baseline_ns"] = median(baseline_ns);
}
BENCHMARK(BM_SmallInvokePaired);

/// An answer too long for the small-string buffer: the response body comes from ward's
/// allocator (mimalloc or operator new), so this is where WARD_USE_MIMALLOC can show.
void BM_WardInvokeLongAnswer(benchmark::State &state) {
  const ward::App app = make_app();
  const TauriRequest tauri(app, "ipc://localhost/describe", R"({"name":"ward"})");
  const ward::Request request = tauri.request();
  if (const auto response = app.invoke(request);
      !response.ok() || std::string_view(response.body) != R"("an embeddable backend core for webview apps")") {
    state.SkipWithError(wrong_answer("long-answer invoke", response).c_str());
    return;
  }
  for (auto _ : state) {
    ward::Response response = app.invoke(request);
    benchmark::DoNotOptimize(response.body.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_WardInvokeLongAnswer);

// --- decoding std::vector<double> ------------------------------------------------------------

void decode_args(benchmark::internal::Benchmark *benchmark) {
  for (const std::int64_t bytes : {one_mib, sixteen_mib})
    for (const auto shape : {NumberShape::full_precision, NumberShape::short_decimal})
      benchmark->Args({bytes, static_cast<std::int64_t>(shape)});
  benchmark->Unit(benchmark::kMicrosecond);
}

/// The whole invoke path of a command taking `std::vector<double> values`.
void BM_WardDecodeDoubles(benchmark::State &state) {
  const ward::App app = make_app();
  std::size_t count = 0;
  const TauriRequest tauri(app, "ipc://localhost/count_values",
                           values_body(static_cast<std::size_t>(state.range(0)),
                                       static_cast<NumberShape>(state.range(1)), &count));
  const ward::Request request = tauri.request();
  if (const auto response = app.invoke(request);
      !response.ok() || std::string_view(response.body) != std::to_string(count)) {
    state.SkipWithError(wrong_answer("decode", response).c_str());
    return;
  }
  for (auto _ : state) {
    ward::Response response = app.invoke(request);
    benchmark::DoNotOptimize(response.body.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(tauri.body().size()));
  state.counters["values"] = static_cast<double>(count);
}
BENCHMARK(BM_WardDecodeDoubles)->Apply(decode_args);

/// simdjson parsing the same body and nothing else: the floor any decoder built on it has.
void BM_SimdjsonParseDoubles(benchmark::State &state) {
  const std::string body =
      values_body(static_cast<std::size_t>(state.range(0)), static_cast<NumberShape>(state.range(1)));
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element root;
    if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
      state.SkipWithError("simdjson could not parse the body");
      break;
    }
    benchmark::DoNotOptimize(root);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_SimdjsonParseDoubles)->Apply(decode_args);

/// simdjson parsing the body and copying the array into a fresh std::vector<double>: the same
/// job as ward's, hand-written without names, limits or envelope.
void BM_SimdjsonDecodeDoubles(benchmark::State &state) {
  const std::string body =
      values_body(static_cast<std::size_t>(state.range(0)), static_cast<NumberShape>(state.range(1)));
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element root;
    simdjson::dom::array array;
    if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS ||
        root["values"].get(array) != simdjson::SUCCESS) {
      state.SkipWithError("simdjson could not parse the body");
      break;
    }
    std::vector<double> values;
    values.reserve(array.size());
    for (auto element : array) {
      double value = 0;
      if (element.get(value) != simdjson::SUCCESS) {
        state.SkipWithError("not a number");
        return;
      }
      values.push_back(value);
    }
    benchmark::DoNotOptimize(values.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_SimdjsonDecodeDoubles)->Apply(decode_args);

/// "/1048576/0": the arguments part of a decode benchmark's run name.
std::string run_args(std::int64_t bytes, NumberShape shape) {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
  std::string args;
  args += '/';
  args += std::to_string(bytes);
  args += '/';
  args += std::to_string(static_cast<int>(shape));
  return args;
}

std::string data_name(std::int64_t bytes, NumberShape shape) {
  std::string name(bytes == one_mib ? "1 MiB" : "16 MiB");
  name += shape == NumberShape::full_precision ? " full-precision" : " short-decimal";
  return name;
}

std::vector<RatioCheck> ratio_checks() {
  std::vector<RatioCheck> checks{{"small invoke, ward / baseline", "BM_WardInvokeSmall", "BM_BaselineSmall", 1.5}};
  for (const std::int64_t bytes : {one_mib, sixteen_mib}) {
    for (const auto shape : {NumberShape::full_precision, NumberShape::short_decimal}) {
      const std::string args = run_args(bytes, shape);
      const std::string what = data_name(bytes, shape);
      checks.push_back({"decode " + what + ", ward / simdjson parse alone", "BM_WardDecodeDoubles" + args,
                        "BM_SimdjsonParseDoubles" + args, std::nullopt});
      checks.push_back({"decode " + what + ", ward / simdjson parse + vector", "BM_WardDecodeDoubles" + args,
                        "BM_SimdjsonDecodeDoubles" + args, std::nullopt});
    }
  }
  return checks;
}

std::vector<CounterCheck> counter_checks() {
  std::vector<CounterCheck> checks{
      {"small invoke, ward / baseline, paired blocks (median ratio)", "BM_SmallInvokePaired", "ratio", "x",
       std::nullopt, 1.5}};
  for (const std::int64_t bytes : {one_mib, sixteen_mib}) {
    for (const auto shape : {NumberShape::full_precision, NumberShape::short_decimal}) {
      const std::string args = run_args(bytes, shape);
      const std::string what = data_name(bytes, shape);
      checks.push_back({"decode " + what + " through ward", "BM_WardDecodeDoubles" + args, "bytes_per_second", " B/s", 0.8e9,
                        std::nullopt});
    }
  }
  return checks;
}

} // namespace
} // namespace ward_bench

int main(int argc, char **argv) {
  return ward_bench::run_with_summary(argc, argv, ward_bench::ratio_checks(), ward_bench::counter_checks());
}
