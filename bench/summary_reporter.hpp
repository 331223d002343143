#pragma once
// A console reporter that, after the usual table, prints the comparisons the benchmarks exist
// for: time ratios against a baseline measured in the same run, and counters checked against
// their targets. Medians are used when the run has repetitions, the single run otherwise.
// It is the display reporter only: --benchmark_out files get Google Benchmark's own format.

#include <benchmark/benchmark.h>

#include <cstddef>
#include <initializer_list>
#include <map>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

namespace ward_bench {

/// `subject` time / `baseline` time, both CPU time per iteration (robust to other processes
/// taking the CPU on a shared machine; the runs are single-threaded). Runs are named as Google
/// Benchmark prints them without aggregate suffixes, e.g. "BM_WardDecodeDoubles/1048576/0".
struct RatioCheck {
  std::string title;
  std::string subject;
  std::string baseline;
  std::optional<double> max_ratio; ///< the target, if there is one
};

/// A counter of one run (e.g. "bytes_per_second", "allocs/invoke") against a bound.
struct CounterCheck {
  std::string title;
  std::string run;
  std::string counter;
  std::string unit; ///< printed after the value, e.g. " B/s"
  std::optional<double> min_value;
  std::optional<double> max_value;
};

class SummaryReporter final : public benchmark::ConsoleReporter {
public:
  SummaryReporter(std::vector<RatioCheck> ratios, std::vector<CounterCheck> counters);

  void ReportRuns(const std::vector<Run> &runs) override;
  void Finalize() override;

private:
  struct Measured {
    double seconds_per_iteration = 0;
    benchmark::UserCounters counters;
    bool from_median = false;
    bool measured = false;
    std::string error; ///< the run failed (SkipWithError)
  };
  const Measured *find(const std::string &run) const;
  /// True if every run the check needs was measured; otherwise prints a failure or counts the
  /// check as filtered out.
  bool usable(std::ostream &out, const std::string &title, std::initializer_list<std::string> runs,
              std::size_t &filtered_out) const;

  std::vector<RatioCheck> ratios_;
  std::vector<CounterCheck> counters_;
  std::map<std::string, Measured> measured_;
};

/// Initializes Google Benchmark from the command line, runs the selected benchmarks with a
/// SummaryReporter on the console and returns the process exit code.
int run_with_summary(int argc, char **argv, std::vector<RatioCheck> ratios, std::vector<CounterCheck> counters);

} // namespace ward_bench
