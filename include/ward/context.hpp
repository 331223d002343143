#pragma once
// What a handler can know about the call it serves: InvokeContext (who asked, injected into typed
// handlers) and Invocation (everything, for handlers that read the request themselves).

#include <ward/acl.hpp>
#include <ward/cancel.hpp>
#include <ward/channel.hpp>
#include <ward/json.hpp>
#include <ward/resources.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <typeindex>

namespace ward {

class App;

/// Who invoked a command. Borrowed: valid for the handler call.
struct InvokeContext {
  std::string_view command;
  std::string_view window;  ///< window label
  std::string_view webview; ///< webview label
  std::string_view origin;  ///< URL of the page
  std::uint64_t id = 0;     ///< unique per app, never 0
  std::uint32_t callback_id = 0;
  std::uint32_t error_id = 0;
};

class Invocation;
namespace detail {
struct InvocationData;
const InvocationData &data_of(const Invocation &invocation) noexcept;
} // namespace detail

/// One command call as a handler sees it. Borrowed: valid for the handler call only (copy what a
/// deferred reply needs).
class Invocation {
public:
  explicit Invocation(const detail::InvocationData &data) noexcept : data_(&data) {}

  [[nodiscard]] const InvokeContext &context() const noexcept;
  /// True when the body is raw bytes (application/octet-stream).
  [[nodiscard]] bool is_raw() const noexcept;
  /// The arguments object; an empty object when the body is raw or empty.
  [[nodiscard]] JsonValue args() const noexcept;
  /// The arguments as JSON text (zero-copy for the custom-protocol form).
  [[nodiscard]] std::string_view args_json() const;
  /// The request body: raw bytes, zero-copy; for a JSON request, its text.
  [[nodiscard]] std::span<const std::byte> body() const noexcept;
  /// A request header by case-insensitive name.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const noexcept;
  /// The access-control scopes that let this request in (computed on first use).
  [[nodiscard]] const acl::ResolvedScopes &scopes() const;
  /// Managed state by type or by name (nullptr if not managed).
  [[nodiscard]] void *state(std::type_index type) const noexcept;
  [[nodiscard]] void *state(std::string_view name) const noexcept;
  /// This invoke's cancellation (never cancelled for a command that runs on the caller's thread
  /// and answers before returning).
  [[nodiscard]] CancellationToken cancellation() const;
  /// The channel an argument names ("__CHANNEL__:<id>"), bound to the invoking webview.
  [[nodiscard]] result<Channel> channel(const JsonValue &argument) const;
  /// The invoking webview's resources.
  [[nodiscard]] Resources resources() const;
  /// The app (a handle that does not keep it from shutting down).
  [[nodiscard]] const App &app() const noexcept;

private:
  friend const detail::InvocationData &detail::data_of(const Invocation &invocation) noexcept;
  const detail::InvocationData *data_;
};

} // namespace ward
