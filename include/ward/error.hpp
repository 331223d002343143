#pragma once
// Error codes, the error category, ward::Error and result<T>: the error channel of the C++ API.

#include <boost/outcome/basic_result.hpp>
#include <boost/outcome/policy/terminate.hpp>
#include <boost/outcome/try.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace ward {

/// Stable error codes. The numeric values are the C ABI's ward_status values and never change
/// meaning once released.
enum class errc : int {
  ok = 0,
  invalid_argument = 1,
  abi_mismatch = 2,
  unknown_command = 3,
  invalid_args = 4,
  invalid_request = 5,
  invalid_invoke_key = 6,
  limit_exceeded = 7,
  command_rejected = 8,
  internal = 9,
  duplicate_command = 10,
  state_not_managed = 11,
  state_already_managed = 12,
  invalid_name = 13,
  already_answered = 14,
  not_allowed = 15,
  cancelled = 16,
  busy = 17,
  out_of_memory = 18,
  closed = 19, ///< the channel, webview or app is closed
};

/// The category of ward's error codes ("ward").
const std::error_category &error_category() noexcept;
std::error_code make_error_code(errc code) noexcept;
/// A stable lower_snake_case name ("unknown_command"); "unknown" for values ward never produces.
std::string_view errc_name(errc code) noexcept;

/// An error: a stable code, the public message a page may see, and a private detail that only
/// ever reaches the host's log sink. For `errc::command_rejected` the message is the handler's
/// own error value as JSON text, sent to the page as the rejection value.
class Error {
public:
  /// An internal error with no message (Boost.Outcome needs error types to be default-constructible).
  Error() = default;
  Error(errc code, std::string message, std::string detail = {})
      : code_(code), text_(std::make_unique<Text>(Text{std::move(message), std::move(detail), {}})) {}
  Error(const Error &other) : code_(other.code_), text_(other.text_ ? std::make_unique<Text>(*other.text_) : nullptr) {}
  Error &operator=(const Error &other) {
    if (this != &other) *this = Error(other);
    return *this;
  }
  Error(Error &&) noexcept = default;
  Error &operator=(Error &&) noexcept = default;
  ~Error() = default;

  /// A rejection carrying the handler's own error value, already encoded as JSON.
  static Error rejected(std::string json) { return Error(errc::command_rejected, std::move(json)); }

  [[nodiscard]] errc code() const noexcept { return code_; }
  [[nodiscard]] std::error_code error_code() const noexcept { return make_error_code(code_); }
  [[nodiscard]] const std::string &message() const noexcept { return text_ ? text_->message : empty(); }
  [[nodiscard]] const std::string &detail() const noexcept { return text_ ? text_->detail : empty(); }

  /// Where in a decoded value the error arose (".x[3]"), empty at the top. Decoders prepend to it.
  [[nodiscard]] const std::string &path() const noexcept { return text_ ? text_->path : empty(); }
  Error &&at(std::string_view segment) && {
    if (!text_) text_ = std::make_unique<Text>();
    text_->path.insert(0, segment);
    return std::move(*this);
  }

private:
  // The strings live behind one pointer so that result<T> stays small: a success path then
  // never constructs or destroys them.
  struct Text {
    std::string message;
    std::string detail;
    std::string path;
  };
  static const std::string &empty() noexcept {
    static const std::string nothing;
    return nothing;
  }
  errc code_ = errc::internal;
  std::unique_ptr<Text> text_;
};

/// The result of a fallible operation: a T or a ward::Error. Observing the wrong side terminates,
/// so check `has_value()` (or use BOOST_OUTCOME_TRY) first.
template <class T>
using result = boost::outcome_v2::basic_result<T, Error, boost::outcome_v2::policy::terminate>;

/// The result a handler returns to reject with its own error type E (encoded to JSON as the
/// page's rejection value), as Tauri's `Result<T, E: Serialize>`.
template <class T, class E>
using command_result = boost::outcome_v2::basic_result<T, E, boost::outcome_v2::policy::terminate>;

using boost::outcome_v2::success;
using boost::outcome_v2::failure;

} // namespace ward

template <> struct std::is_error_code_enum<ward::errc> : std::true_type {};
