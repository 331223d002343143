// Access-control costs: one decision in a policy of 1,000 capabilities over 100 commands,
// loading + resolving tauri-plugin-fs's real manifests, and invokes while capabilities are
// being added (readers must not wait on writers).
#include "summary_reporter.hpp"

#include <ward/ward.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace ward_bench {
namespace {

constexpr int command_count = 100;
constexpr int capability_count = 1000;

std::vector<std::string> command_names() {
  std::vector<std::string> names;
  for (int i = 0; i < command_count; ++i) names.push_back("cmd" + std::to_string(i));
  return names;
}

/// Capability i grants command i % 100 to window "win<i>"; every tenth is a remote capability
/// and every seventh also has a webview glob, so decisions walk realistic grant lists.
ward::acl::PolicyInput large_input() {
  ward::acl::PolicyInput input;
  input.commands = command_names();
  for (int i = 0; i < capability_count; ++i) {
    std::string capability = R"({"identifier":"cap)" + std::to_string(i) + R"(","windows":["win)" + std::to_string(i) + "\"]";
    if (i % 7 == 0) capability += R"(,"webviews":["panel-)" + std::to_string(i) + R"(-*"])";
    if (i % 10 == 0) capability += R"(,"local":false,"remote":{"urls":["https://app)" + std::to_string(i) + R"(.example.com"]})";
    capability += R"(,"permissions":["allow-cmd)" + std::to_string(i % command_count) + "\"]}";
    input.capabilities.push_back({"cap" + std::to_string(i) + ".json", capability, ward::acl::Format::json});
  }
  return input;
}

const ward::acl::Policy &large_policy() {
  static const ward::acl::Policy policy = ward::acl::Policy::resolve(large_input()).value();
  return policy;
}

void BM_AclDecisionAllowed(benchmark::State &state) {
  const auto &policy = large_policy();
  const ward::acl::AccessRequest request{"cmd42", "win942", "win942", "tauri://localhost"};
  if (!policy.allows(request)) state.SkipWithError("expected allowed");
  for (auto _ : state) benchmark::DoNotOptimize(policy.allows(request));
  state.counters["s/decision"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                    benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_AclDecisionAllowed);

void BM_AclDecisionDenied(benchmark::State &state) {
  const auto &policy = large_policy();
  const ward::acl::AccessRequest request{"cmd42", "settings", "settings", "https://evil.example.com/page"};
  if (policy.allows(request)) state.SkipWithError("expected denied");
  for (auto _ : state) benchmark::DoNotOptimize(policy.allows(request));
  state.counters["s/decision"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                    benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_AclDecisionDenied);

void BM_AclDecisionRemote(benchmark::State &state) {
  const auto &policy = large_policy();
  const ward::acl::AccessRequest request{"cmd10", "win910", "win910", "https://app910.example.com/index.html"};
  if (!policy.allows(request)) state.SkipWithError("expected allowed");
  for (auto _ : state) benchmark::DoNotOptimize(policy.allows(request));
  state.counters["s/decision"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                    benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_AclDecisionRemote);

/// Baseline: the floor of "a hash lookup plus a few label comparisons" with no policy at all.
void BM_BaselineHashAndCompare(benchmark::State &state) {
  std::unordered_map<std::string, std::vector<std::string>> windows_by_command;
  for (int i = 0; i < capability_count; ++i)
    windows_by_command["cmd" + std::to_string(i % command_count)].push_back("win" + std::to_string(i));
  const std::string_view command = "cmd42", window = "win942";
  for (auto _ : state) {
    const auto found = windows_by_command.find(std::string(command));
    bool allowed = found != windows_by_command.end() &&
                   std::find(found->second.begin(), found->second.end(), window) != found->second.end();
    benchmark::DoNotOptimize(allowed);
  }
}
BENCHMARK(BM_BaselineHashAndCompare);

std::filesystem::path fs_permissions_dir() { return std::filesystem::path(WARD_TAURI_PERMISSIONS_DIR) / "fs"; }

/// Reads every manifest file (I/O included) and resolves a capability using them.
void BM_AclLoadFsManifests(benchmark::State &state) {
  std::vector<std::filesystem::path> files;
  for (const auto &entry : std::filesystem::recursive_directory_iterator(fs_permissions_dir()))
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  if (files.empty()) state.SkipWithError("tauri-permissions/fs not found");
  const ward::acl::Source capability{"main.json", R"({"identifier":"main","windows":["main"],
    "permissions":["fs:default","fs:read-all",{"identifier":"fs:allow-appdata-read-recursive","allow":[{"path":"$APPDATA/x/**"}]}]})",
                                     ward::acl::Format::json};
  for (auto _ : state) {
    ward::acl::PolicyInput input;
    input.unknown_fields_are_errors = false; // deny-webview-data.toml has a stray [[scope.deny]]
    ward::acl::PluginManifests fs{"fs", {}};
    for (const auto &file : files) fs.files.push_back(ward::acl::read_source(file).value());
    input.plugins.push_back(std::move(fs));
    input.capabilities.push_back(capability);
    auto policy = ward::acl::Policy::resolve(input);
    if (!policy) state.SkipWithError(policy.error().message().c_str());
    benchmark::DoNotOptimize(policy);
  }
  state.counters["files"] = static_cast<double>(files.size());
  state.counters["s/load"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_AclLoadFsManifests)->Unit(benchmark::kMillisecond);

/// A whole invoke of an allowed command; with Arg(1) another thread adds a capability to the
/// same app in a loop, so each invoke races a writer for the policy pointer.
void BM_InvokeWhileAddingCapabilities(benchmark::State &state) {
  ward::AppBuilder builder;
  builder.command("ping", [] { return 1; });
  builder.capability({"main.json", R"({"identifier":"main","windows":["main"],"permissions":["allow-ping"]})",
                      ward::acl::Format::json});
  const ward::App app = builder.build().value();
  std::atomic<bool> stop = false;
  std::atomic<int> added = 0;
  std::thread writer;
  if (state.range(0) == 1) {
    writer = std::thread([&] {
      while (!stop.load()) {
        const int i = added.fetch_add(1);
        (void)app.add_capability({"w.json", R"({"identifier":"w)" + std::to_string(i) + R"(","windows":["w"],"permissions":["allow-ping"]})",
                                  ward::acl::Format::json});
      }
    });
  }
  const std::string key(app.invoke_key());
  const ward::Header headers[] = {{"Content-Type", "application/json"}, {"Tauri-Callback", "1"}, {"Tauri-Error", "2"},
                                  {"Tauri-Invoke-Key", key}};
  const ward::Request request{"ipc://localhost/ping", "tauri://localhost", "main", "main", headers, {}};
  for (auto _ : state) {
    auto response = app.invoke(request);
    if (!response.ok()) state.SkipWithError("denied");
    benchmark::DoNotOptimize(response);
  }
  stop = true;
  if (writer.joinable()) writer.join();
  state.counters["capabilities_added"] = added.load();
}
BENCHMARK(BM_InvokeWhileAddingCapabilities)->Arg(0)->Arg(1)->UseRealTime();

} // namespace
} // namespace ward_bench

int main(int argc, char **argv) {
  using namespace ward_bench;
  return run_with_summary(
      argc, argv,
      {{"decision (allowed) / hash lookup + compares", "BM_AclDecisionAllowed", "BM_BaselineHashAndCompare", std::nullopt},
       {"invoke while a writer adds capabilities / no writer", "BM_InvokeWhileAddingCapabilities/1/real_time",
        "BM_InvokeWhileAddingCapabilities/0/real_time", std::nullopt}},
      {{"decision, allowed, 1,000 capabilities over 100 commands", "BM_AclDecisionAllowed", "s/decision", " s",
        std::nullopt, 100e-9},
       {"decision, denied", "BM_AclDecisionDenied", "s/decision", " s", std::nullopt, 100e-9},
       {"decision, remote origin", "BM_AclDecisionRemote", "s/decision", " s", std::nullopt, 100e-9},
       {"load + resolve tauri-plugin-fs's manifests", "BM_AclLoadFsManifests", "s/load", " s", std::nullopt, 5e-3}});
}
