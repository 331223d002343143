// Time of an invoke through the C ABI (libward.so) against the same command invoked from C++,
// measured in the same run: a no-argument command `ping` that answers 1 at once.
//   - BM_CapiInvokePing: a C command (ward_builder_command) answering with
//     ward_responder_resolve_json(r, "1", 1); invoked with ward_app_invoke, the answer freed with
//     ward_response_free. This is what a C host, or the Python and Node bindings, pay per invoke.
//   - BM_CppInvokePing: a typed C++ command returning 1, invoked with App::invoke.
// The summary after the table prints the ratio C / C++.
//
// With `--profile c|cpp [N]` as the first arguments it runs a plain loop of N invokes instead
// (no benchmark library, no timers), for callgrind's instruction counts:
//   valgrind --tool=callgrind ./ward_bench_capi --profile c 20000
// Instructions per invoke = (I refs at N=20000 - I refs at N=0) / 20000.
//
// Two copies of ward live in this process: the C++ half runs the static ward::ward linked into
// the executable, the C half the one inside libward.so (hidden symbols: they never mix).
#include "summary_reporter.hpp"

#include <ward.h>
#include <ward/ward.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ward_bench {
namespace {

constexpr std::string_view capability =
    R"({"identifier":"bench","windows":["main"],"permissions":["allow-ping"]})";
constexpr std::string_view callback_id = "3181223012";
constexpr std::string_view error_id = "2894133745";

void c_ping(const ward_invocation *, ward_responder *responder, void *) {
  (void)ward_responder_resolve_json(responder, "1", 1);
}

/// The C app and a request for `ping` shaped as a Tauri v2 page sends it.
class CApp {
public:
  CApp() {
    ward_builder_options options;
    std::memset(&options, 0, sizeof options);
    options.struct_size = sizeof options;
    options.abi_version = WARD_ABI_VERSION;
    ward_builder *builder = nullptr;
    if (ward_builder_new(&options, &builder) != WARD_OK) throw std::runtime_error("ward_builder_new failed");
    if (ward_builder_command(builder, "ping", 4, nullptr, c_ping, nullptr, nullptr) != WARD_OK ||
        ward_builder_add_capability(builder, "bench-capability.json", 21, capability.data(), capability.size(),
                                    WARD_ACL_JSON) != WARD_OK) {
      ward_builder_free(builder);
      throw std::runtime_error("cannot register the C command");
    }
    if (ward_builder_build(builder, &app_) != WARD_OK) throw std::runtime_error("ward_builder_build failed");
    size_t key_len = 0;
    const char *key = ward_app_invoke_key(app_, &key_len);
    key_.assign(key, key_len);
    headers_ = {ward_header{"Content-Type", 12, "application/json", 16},
                ward_header{"Tauri-Callback", 14, callback_id.data(), callback_id.size()},
                ward_header{"Tauri-Error", 11, error_id.data(), error_id.size()},
                ward_header{"Tauri-Invoke-Key", 16, key_.data(), key_.size()}};
    std::memset(&request_, 0, sizeof request_);
    request_.struct_size = sizeof request_;
    request_.url = "ipc://localhost/ping";
    request_.url_len = 20;
    request_.origin = "tauri://localhost";
    request_.origin_len = 17;
    request_.window = "main";
    request_.window_len = 4;
    request_.webview = "main";
    request_.webview_len = 4;
    request_.headers = headers_.data();
    request_.header_count = headers_.size();
    request_.body = reinterpret_cast<const uint8_t *>("{}");
    request_.body_len = 2;
  }
  CApp(const CApp &) = delete;
  CApp &operator=(const CApp &) = delete;
  ~CApp() { ward_app_free(app_); }

  /// One invoke; the answer's first byte (0 on failure), so that nothing is optimized away.
  int invoke() const {
    ward_response *response = nullptr;
    if (ward_app_invoke(app_, &request_, &response) != WARD_OK) return 0;
    size_t len = 0;
    const uint8_t *body = ward_response_body(response, &len);
    const int first = ward_response_is_ok(response) && len == 1 ? body[0] : 0;
    ward_response_free(response);
    return first;
  }

private:
  ward_app *app_ = nullptr;
  std::string key_;
  std::array<ward_header, 4> headers_{};
  ward_request request_{};
};

/// The same command in C++, and the same request.
class CppApp {
public:
  CppApp() : app_(build()), key_(app_.invoke_key()) {
    headers_ = {ward::Header{"Content-Type", "application/json"}, ward::Header{"Tauri-Callback", callback_id},
                ward::Header{"Tauri-Error", error_id}, ward::Header{"Tauri-Invoke-Key", key_}};
  }
  CppApp(const CppApp &) = delete;
  CppApp &operator=(const CppApp &) = delete;

  int invoke() const {
    const ward::Request request{"ipc://localhost/ping", "tauri://localhost", "main", "main", headers_,
                                std::as_bytes(std::span("{}", 2))};
    const ward::Response response = app_.invoke(request);
    return response.ok() && response.body.size() == 1 ? response.body.data()[0] : 0;
  }

private:
  static ward::App build() {
    ward::AppBuilder builder;
    builder.command("ping", [] { return 1; });
    builder.capability(ward::acl::Source{"bench-capability.json", std::string(capability), ward::acl::Format::json});
    auto built = builder.build();
    if (!built) throw std::runtime_error("cannot build the C++ app: " + built.error().message());
    return std::move(built).assume_value();
  }
  ward::App app_;
  std::string key_;
  std::array<ward::Header, 4> headers_;
};

template <class App> void run(benchmark::State &state) {
  const App app;
  if (app.invoke() != '1') {
    state.SkipWithError("ping did not answer 1");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(app.invoke());
    benchmark::ClobberMemory();
  }
}

void BM_CapiInvokePing(benchmark::State &state) { run<CApp>(state); }
BENCHMARK(BM_CapiInvokePing);

void BM_CppInvokePing(benchmark::State &state) { run<CppApp>(state); }
BENCHMARK(BM_CppInvokePing);

template <class App> int profile(long n) {
  const App app;
  long answered = 0;
  for (long i = 0; i < n; ++i) answered += app.invoke() == '1';
  std::printf("%ld of %ld answered 1\n", answered, n);
  return answered == n ? 0 : 1;
}

} // namespace
} // namespace ward_bench

int main(int argc, char **argv) {
  if (argc > 2 && std::string_view(argv[1]) == "--profile") {
    const long n = argc > 3 ? std::atol(argv[3]) : 200000;
    const std::string_view which = argv[2];
    if (which == "c") return ward_bench::profile<ward_bench::CApp>(n);
    if (which == "cpp") return ward_bench::profile<ward_bench::CppApp>(n);
    std::fprintf(stderr, "usage: ward_bench_capi [--profile c|cpp [N]] [benchmark options]\n");
    return 2;
  }
  return ward_bench::run_with_summary(argc, argv, {{"ping invoke, C ABI / C++", "BM_CapiInvokePing", "BM_CppInvokePing", std::nullopt}},
                                      {});
}
