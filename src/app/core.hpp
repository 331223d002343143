#pragma once
// The built app's private parts, shared by the dispatch path, responders and the public App.

#include <ward/app.hpp>
#include <ward/command.hpp>
#include <ward/context.hpp>
#include <ward/host.hpp>
#include <ward/limits.hpp>
#include <ward/log.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <typeindex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ward::detail {

/// Managed state: few entries, looked up by type when commands are bound and by name from
/// foreign handlers, so flat vectors beat hashing here.
class StateRegistry {
public:
  result<void> add_typed(std::type_index type, std::string_view type_name, std::shared_ptr<void> state);
  result<void> add_named(std::string_view name, std::shared_ptr<void> state);
  [[nodiscard]] void *typed(std::type_index type) const noexcept;
  [[nodiscard]] void *named(std::string_view name) const noexcept;

private:
  std::vector<std::pair<std::type_index, std::shared_ptr<void>>> typed_;
  std::vector<std::pair<std::string, std::shared_ptr<void>>> named_;
};

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
};

using CommandTable =
    std::unordered_map<std::string, std::unique_ptr<CommandHandler>, StringHash, std::equal_to<>>;

struct AppCore {
  Limits limits;
  LogSink log_sink;
  AuditSink audit_sink;
  std::string invoke_key;
  /// The policy in force: read on every request, replaced whole by add_capability. A writer
  /// resolves the new policy with no lock held and takes `policy_mutex` only to swap the
  /// pointer; a reader holds it only to copy the pointer. (libstdc++ 12's
  /// atomic<shared_ptr> would do the same with a lock bit ThreadSanitizer cannot see.)
  [[nodiscard]] std::shared_ptr<const acl::Policy> current_policy() const {
    std::lock_guard lock(policy_mutex);
    return policy;
  }
  void replace_policy(std::shared_ptr<const acl::Policy> next) const {
    std::lock_guard lock(policy_mutex);
    policy.swap(next); // the old policy is released after the lock, below, by `next`
  }
  mutable std::shared_ptr<const acl::Policy> policy;
  mutable std::mutex policy_mutex;
  mutable std::mutex policy_writer; ///< serializes add_capability (resolution runs under it)
  // Declared before the commands so that handlers (which may point at state) are destroyed first.
  StateRegistry states;
  CommandTable commands;
  mutable std::atomic<std::uint64_t> next_invoke_id{1};

  /// Sends a record to the host's log sink, if any; never throws.
  void log(LogLevel level, const Error &error, std::string_view command) const noexcept;
};

/// Everything an Invocation exposes; lives on the dispatching thread's stack.
struct InvocationData {
  InvokeContext context;
  bool raw = false;
  JsonValue args;
  std::string_view args_text;   ///< empty until known
  std::span<const std::byte> body;
  std::span<const Header> headers;
  const StateRegistry *states = nullptr;
  const acl::Policy *policy = nullptr;
  mutable std::optional<acl::ResolvedScopes> scopes; ///< computed on first use
};

/// The state a Responder shares with whoever waits for the answer.
struct PendingReply {
  std::shared_ptr<const AppCore> app;
  std::string command;
  std::uint32_t callback_id = 0;
  std::uint32_t error_id = 0;
  std::function<void(Response)> complete; ///< called exactly once
  std::atomic<bool> answered{false};

  /// Answers unless already answered (then errc::already_answered).
  result<void> answer(errc code, BodyKind kind, String body);
  result<void> answer_error(const Error &error);
};

/// Hands a response to a host callback; an exception from it is logged, never propagated
/// (it may run inside a Responder's destructor).
void deliver(const AppCore &app, const App::ResponseCallback &done, Response response) noexcept;

/// The response for an error, with the error's public message as its body (a rejection value
/// that is not valid JSON becomes an internal error); logs the error.
Response error_response(const AppCore &app, const Error &error, std::string_view command,
                        std::uint32_t callback_id, std::uint32_t error_id);

} // namespace ward::detail
