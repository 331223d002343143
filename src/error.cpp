#include <ward/error.hpp>
#include <ward/version.hpp>

#include <array>
#include <string>

namespace ward {
namespace {

constexpr std::array<std::string_view, 20> errc_names{
    "ok",                  "invalid_argument",   "abi_mismatch",         "unknown_command",
    "invalid_args",        "invalid_request",    "invalid_invoke_key",   "limit_exceeded",
    "command_rejected",    "internal",           "duplicate_command",    "state_not_managed",
    "state_already_managed", "invalid_name",     "already_answered",     "not_allowed",
    "cancelled",           "busy",               "out_of_memory",       "closed",
};

class WardCategory final : public std::error_category {
public:
  const char *name() const noexcept override { return "ward"; }
  std::string message(int value) const override { return std::string(errc_name(static_cast<errc>(value))); }
};

} // namespace

std::string_view errc_name(errc code) noexcept {
  const auto index = static_cast<std::size_t>(code);
  return index < errc_names.size() ? errc_names[index] : std::string_view("unknown");
}

const std::error_category &error_category() noexcept {
  static const WardCategory category;
  return category;
}

std::error_code make_error_code(errc code) noexcept { return {static_cast<int>(code), error_category()}; }

const char *version_string() noexcept { return WARD_VERSION_STRING; }

} // namespace ward
