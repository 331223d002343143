// A plain loop over the benchmarked requests, for instruction counts under callgrind (Google
// Benchmark's own loop and timers would blur them). See README.md, "Where the time goes".
//
//   invoke_profile small [N]            N small invokes (default 200000)
//   invoke_profile decode BYTES SHAPE [N]  N count_values invokes of a BYTES body (SHAPE 0 or 1)
#include "bench_support.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

int main(int argc, char **argv) {
  using namespace ward_bench;
  const std::string_view mode = argc > 1 ? argv[1] : "small";
  const ward::App app = make_app();
  std::size_t total = 0;
  if (mode == "small") {
    const long n = argc > 2 ? std::atol(argv[2]) : 200000;
    const TauriRequest tauri(app, "ipc://localhost/add", std::string(small_body));
    const ward::Request request = tauri.request();
    for (long i = 0; i < n; ++i) total += app.invoke(request).body.size();
  } else if (mode == "decode" && argc > 3) {
    const auto bytes = static_cast<std::size_t>(std::atol(argv[2]));
    const auto shape = static_cast<NumberShape>(std::atoi(argv[3]));
    const long n = argc > 4 ? std::atol(argv[4]) : 2;
    const TauriRequest tauri(app, "ipc://localhost/count_values", values_body(bytes, shape));
    const ward::Request request = tauri.request();
    for (long i = 0; i < n; ++i) {
      const auto response = app.invoke(request);
      if (response.code != ward::errc::ok) {
        std::fprintf(stderr, "%s\n", wrong_answer("decode request", response).c_str());
        return 1;
      }
      total += response.body.size();
    }
  } else {
    std::fprintf(stderr, "usage: invoke_profile small [N] | decode BYTES SHAPE [N]\n");
    return 2;
  }
  std::printf("%zu\n", total);
  return 0;
}
