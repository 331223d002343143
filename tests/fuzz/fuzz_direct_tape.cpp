// write_direct_tape against simdjson: a text it writes must get exactly simdjson's tape and
// strings. The first byte chooses the parser's depth limit, the rest is the text.
#include "direct_tape_oracle.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

/// How often each outcome happened. The CTest replay sets WARD_FUZZ_REQUIRE_EVERY_RULE, so a
/// writer that declined everything (or a corpus that never reached it) fails instead of passing.
struct OutcomeCounts {
  std::array<std::size_t, 3> counts{};
  ~OutcomeCounts() {
    if (!std::getenv("WARD_FUZZ_REQUIRE_EVERY_RULE")) return;
    static constexpr std::array<const char *, 3> names{"declined valid JSON", "declined invalid JSON", "written"};
    for (std::size_t i = 0; i < counts.size(); ++i) {
      std::fprintf(stderr, "%s: %zu\n", names[i], counts[i]);
      if (counts[i] == 0) {
        std::fprintf(stderr, "no input was \"%s\"\n", names[i]);
        std::_Exit(1);
      }
    }
  }
} outcome_counts;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 1 || size > 2048) return 0;
  const std::size_t max_depth = 1 + data[0] % 40;
  const std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);
  const auto outcome = ward_test::compare_direct_tape(text, max_depth);
  if (outcome == ward_test::TapeOutcome::mismatch) {
    std::fprintf(stderr, "write_direct_tape differs from simdjson (max_depth %zu): %.*s\n", max_depth,
                 static_cast<int>(text.size()), text.data());
    std::abort();
  }
  ++outcome_counts.counts[static_cast<std::size_t>(outcome)];
  return 0;
}
