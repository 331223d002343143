#include "summary_reporter.hpp"

#include <cstdio>
#include <ostream>
#include <string>
#include <unistd.h>
#include <utility>

namespace ward_bench {
namespace {

/// The run's name as the checks spell it: function and arguments, without the repetition and
/// aggregate suffixes.
std::string check_name(const benchmark::BenchmarkReporter::Run &run) {
  return run.run_name.args.empty() ? run.run_name.function_name
                                   : run.run_name.function_name + "/" + run.run_name.args;
}

std::string verdict(bool met) { return met ? "met" : "MISSED"; }

std::string format(const char *pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

/// 1234567 -> "1.23 M" (decimal prefixes, whatever the table uses).
std::string human(double value) {
  const char *suffixes[] = {"", " k", " M", " G", " T"};
  int index = 0;
  while (value >= 1000.0 && index < 4) {
    value /= 1000.0;
    ++index;
  }
  return format("%.3g", value) + suffixes[index];
}

/// 0.000000628 -> "628.0 ns", 0.0032 -> "3.20 ms".
std::string duration(double seconds) {
  if (seconds < 1e-6) return format("%.1f ns", seconds * 1e9);
  if (seconds < 1e-3) return format("%.2f us", seconds * 1e6);
  if (seconds < 1.0) return format("%.2f ms", seconds * 1e3);
  return format("%.2f s", seconds);
}

} // namespace

SummaryReporter::SummaryReporter(std::vector<RatioCheck> ratios, std::vector<CounterCheck> counters)
    : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular), ratios_(std::move(ratios)),
      counters_(std::move(counters)) {}

void SummaryReporter::ReportRuns(const std::vector<Run> &runs) {
  for (const auto &run : runs) {
    auto &slot = measured_[check_name(run)];
    if (run.error_occurred) {
      slot.error = run.error_message;
      continue;
    }
    const bool is_median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
    if (run.run_type == Run::RT_Aggregate && !is_median) continue; // mean, stddev, cv
    if (slot.from_median && !is_median) continue;                  // a median outranks any single repetition
    slot.seconds_per_iteration = run.GetAdjustedCPUTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
    slot.counters = run.counters;
    slot.from_median = is_median;
    slot.measured = true;
  }
  ConsoleReporter::ReportRuns(runs);
}

const SummaryReporter::Measured *SummaryReporter::find(const std::string &run) const {
  const auto found = measured_.find(run);
  return found == measured_.end() ? nullptr : &found->second;
}

bool SummaryReporter::usable(std::ostream &out, const std::string &title, std::initializer_list<std::string> runs,
                             std::size_t &filtered_out) const {
  for (const auto &run : runs) {
    const Measured *measured = find(run);
    if (measured && !measured->error.empty()) {
      out << "  " << title << ": FAILED (" << run << ": " << measured->error << ")\n";
      return false;
    }
    if (!measured || !measured->measured) {
      ++filtered_out;
      return false;
    }
  }
  return true;
}

void SummaryReporter::Finalize() {
  ConsoleReporter::Finalize();
  std::ostream &out = GetOutputStream();
  bool all_medians = true;
  for (const auto &[name, measured] : measured_) all_medians = all_medians && (!measured.measured || measured.from_median);
  out << "\nSummary (" << (all_medians ? "medians of the repetitions" : "single runs") << ", CPU time per iteration)\n";
  std::size_t filtered_out = 0;
  for (const auto &check : ratios_) {
    if (!usable(out, check.title, {check.subject, check.baseline}, filtered_out)) continue;
    const Measured &subject = *find(check.subject);
    const Measured &baseline = *find(check.baseline);
    const double ratio = subject.seconds_per_iteration / baseline.seconds_per_iteration;
    out << "  " << check.title << ": " << format("%.2fx", ratio) << " (" << duration(subject.seconds_per_iteration)
        << " vs " << duration(baseline.seconds_per_iteration) << ")";
    if (check.max_ratio)
      out << ", target <= " << format("%.2fx", *check.max_ratio) << ": " << verdict(ratio <= *check.max_ratio);
    out << "\n";
  }
  for (const auto &check : counters_) {
    if (!usable(out, check.title, {check.run}, filtered_out)) continue;
    const auto &counters = find(check.run)->counters;
    const auto counter = counters.find(check.counter);
    if (counter == counters.end()) {
      out << "  " << check.title << ": FAILED (no counter " << check.counter << ")\n";
      continue;
    }
    const double value = counter->second.value;
    out << "  " << check.title << ": " << human(value) << check.unit;
    bool met = true;
    if (check.min_value) {
      out << ", target >= " << human(*check.min_value) << check.unit;
      met = met && value >= *check.min_value;
    }
    if (check.max_value) {
      out << ", target <= " << human(*check.max_value) << check.unit;
      met = met && value <= *check.max_value;
    }
    if (check.min_value || check.max_value) out << ": " << verdict(met);
    out << "\n";
  }
  if (filtered_out > 0) out << "  (" << filtered_out << " more checks need benchmarks that were filtered out)\n";
  out.flush();
}

int run_with_summary(int argc, char **argv, std::vector<RatioCheck> ratios, std::vector<CounterCheck> counters) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  SummaryReporter reporter(std::move(ratios), std::move(counters));
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

} // namespace ward_bench
