// Heap allocations per small invoke after warm-up, counted by the hooks in allocation_hooks.cpp
// (operator new, malloc and, in mimalloc builds, the mimalloc calls ward makes). Timing here is
// meaningless (every allocation pays for a counter); ward_bench measures time.
#include "allocation_hooks.hpp"
#include "baseline_small.hpp"
#include "bench_support.hpp"
#include "summary_reporter.hpp"

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace ward_bench {
namespace {

constexpr int warm_up_calls = 1000;

/// Allocations made inside the timed loop, per iteration, by kind.
class AllocationCounters {
public:
  AllocationCounters() : start_(allocation_counts()) {}

  void report(benchmark::State &state) const {
    const AllocationCounts end = allocation_counts();
    const auto per_iteration = [&](std::uint64_t after, std::uint64_t before) {
      return benchmark::Counter(static_cast<double>(after - before), benchmark::Counter::kAvgIterations);
    };
    state.counters["new/invoke"] = per_iteration(end.operator_new, start_.operator_new);
    state.counters["malloc/invoke"] = per_iteration(end.malloc, start_.malloc);
    state.counters["mi_malloc/invoke"] = per_iteration(end.mimalloc, start_.mimalloc);
    state.counters["allocs/invoke"] = per_iteration(end.total(), start_.total());
  }

private:
  AllocationCounts start_;
};

void BM_WardInvokeSmallAllocs(benchmark::State &state) {
  const ward::App app = make_app();
  const TauriRequest tauri(app, "ipc://localhost/add", std::string(small_body));
  const ward::Request request = tauri.request();
  for (int i = 0; i < warm_up_calls; ++i) {
    if (const auto response = app.invoke(request); !response.ok() || std::string_view(response.body) != "3") {
      state.SkipWithError(wrong_answer("small invoke", response).c_str());
      return;
    }
  }
  const AllocationCounters counters;
  for (auto _ : state) {
    ward::Response response = app.invoke(request);
    benchmark::DoNotOptimize(response.body.data());
  }
  counters.report(state);
}
BENCHMARK(BM_WardInvokeSmallAllocs);

/// The same with an answer longer than the small-string buffer: the response body must be
/// allocated, so one allocation per invoke is the least possible.
void BM_WardInvokeLongAnswerAllocs(benchmark::State &state) {
  const ward::App app = make_app();
  const TauriRequest tauri(app, "ipc://localhost/describe", R"({"name":"ward"})");
  const ward::Request request = tauri.request();
  for (int i = 0; i < warm_up_calls; ++i) {
    if (const auto response = app.invoke(request);
        !response.ok() || std::string_view(response.body) != R"("an embeddable backend core for webview apps")") {
      state.SkipWithError(wrong_answer("long-answer invoke", response).c_str());
      return;
    }
  }
  const AllocationCounters counters;
  for (auto _ : state) {
    ward::Response response = app.invoke(request);
    benchmark::DoNotOptimize(response.body.data());
  }
  counters.report(state);
}
BENCHMARK(BM_WardInvokeLongAnswerAllocs);

/// The baseline of ward_bench (simdjson with a reused parser, direct call, result written),
/// counted the same way: what the job needs at the least.
void BM_BaselineSmallAllocs(benchmark::State &state) {
  simdjson::dom::parser parser;
  const std::string body(small_body);
  const auto run_once = [&] { return baseline_small_once(parser, body); };
  for (int i = 0; i < warm_up_calls; ++i) run_once();
  const AllocationCounters counters;
  for (auto _ : state) {
    if (!run_once()) {
      state.SkipWithError("the baseline could not read the small body");
      break;
    }
  }
  counters.report(state);
}
BENCHMARK(BM_BaselineSmallAllocs);

/// Proves each hook counts before any number is trusted: one allocation of each kind must
/// move exactly its own counter by one.
bool hooks_count_each_kind() {
  bool ok = true;
  const auto expect_one = [&](const char *what, auto allocate, auto field) {
    const AllocationCounts before = allocation_counts();
    allocate();
    const AllocationCounts after = allocation_counts();
    if (after.*field - before.*field != 1 || after.total() - before.total() != 1) {
      std::fprintf(stderr, "ward_bench_allocs: %s was not counted exactly once\n", what);
      ok = false;
    }
  };
  // DoNotOptimize keeps the compiler from eliding the allocation and its release.
  expect_one(
      "operator new",
      [] {
        int *pointer = new int(7);
        benchmark::DoNotOptimize(pointer);
        delete pointer;
      },
      &AllocationCounts::operator_new);
  expect_one(
      "malloc",
      [] {
        void *pointer = std::malloc(64);
        benchmark::DoNotOptimize(pointer);
        std::free(pointer);
      },
      &AllocationCounts::malloc);
  // ward's own buffers: mimalloc when the build uses it, operator new otherwise.
  expect_one("ward::String", [] { benchmark::DoNotOptimize(ward::String(100, 'x').data()); },
             ward::uses_mimalloc() ? &AllocationCounts::mimalloc : &AllocationCounts::operator_new);
  return ok;
}

} // namespace
} // namespace ward_bench

int main(int argc, char **argv) {
  std::printf("ward buffers from mimalloc: %s; mimalloc calls counted: %s\n", ward::uses_mimalloc() ? "yes" : "no",
              ward_bench::counts_mimalloc() ? "yes" : "no");
  if (!ward_bench::hooks_count_each_kind()) return 1;
  return ward_bench::run_with_summary(
      argc, argv, {},
      {{"small invoke through ward, after warm-up", "BM_WardInvokeSmallAllocs", "allocs/invoke", " allocations per invoke", std::nullopt, 1.0},
       {"invoke with a 45-byte answer through ward, after warm-up", "BM_WardInvokeLongAnswerAllocs", "allocs/invoke",
        " allocations per invoke", std::nullopt, 1.0},
       {"small invoke baseline, after warm-up", "BM_BaselineSmallAllocs", "allocs/invoke", " allocations per call", std::nullopt,
        std::nullopt}});
}
