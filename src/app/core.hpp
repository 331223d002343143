#pragma once
// The built app's private parts, shared by the dispatch path, responders and the public App.

#include "app/strings.hpp"
#include "live/cancel_state.hpp"
#include "live/deliverer.hpp"
#include "live/event_bus.hpp"
#include "live/executor.hpp"
#include "live/inflight.hpp"
#include "live/resource_table.hpp"

#include <ward/app.hpp>
#include <ward/command.hpp>
#include <ward/context.hpp>
#include <ward/host.hpp>
#include <ward/limits.hpp>
#include <ward/log.hpp>

#include <atomic>
#include <condition_variable>
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

struct ChannelState;

/// The channels handed to handlers, by webview, so that a navigation can close them.
class ChannelRegistry {
public:
  void add(const std::shared_ptr<ChannelState> &channel);
  /// Closes the channels of one webview (all of them if `webview` is empty) without an end message.
  void abandon(std::string_view webview);

private:
  std::mutex mutex_;
  std::vector<std::weak_ptr<ChannelState>> channels_;
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

  // --- the live half ---------------------------------------------------------------------------
  DeliveryOptions delivery_options;
  std::shared_ptr<Deliverer> deliverer; ///< null without a delivery sink
  std::unique_ptr<Executor> executor;   ///< null without async commands
  mutable EventBus events;
  mutable InflightTable inflight;
  std::shared_ptr<ResourceTable> resources = std::make_shared<ResourceTable>();
  mutable ChannelRegistry channels;
  mutable std::atomic<bool> closed{false};
  mutable std::mutex shutdown_mutex;
  mutable std::condition_variable shutdown_finished;
  mutable bool shut_down = false; ///< under shutdown_mutex: the first shutdown() has returned

  ~AppCore();
  /// An App handle; `owner` is what the host's copies share (null for a handler's handle).
  static App make_app(std::shared_ptr<const AppCore> core, std::shared_ptr<void> owner) {
    return App(std::move(core), std::move(owner));
  }
  /// See App::shutdown.
  void shutdown() const;
  /// Emits to the listeners `selected` accepts (by their target).
  result<void> emit(const EventName &event, std::string_view payload_json,
                    const std::function<bool(const EventTarget &)> &selected) const;
  /// Queues a delivery; false (and logged) if it cannot go anywhere.
  bool deliver_to_page(QueuedDelivery delivery) const;
  /// Cancels, closes and forgets what belongs to a webview's page.
  void forget_page(std::string_view webview, CancelReason reason) const;

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
  const std::shared_ptr<const AppCore> *core = nullptr;
  mutable std::optional<acl::ResolvedScopes> scopes; ///< computed on first use
  mutable std::shared_ptr<CancelState> cancel;       ///< created on first use (or by the executor)
  mutable std::optional<App> app;                   ///< created on first use
};

/// The data behind an Invocation (for ward's own built-in commands).
const InvocationData &data_of(const Invocation &invocation) noexcept;

/// The state a Responder shares with whoever waits for the answer.
struct PendingReply {
  std::shared_ptr<const AppCore> app;
  std::string command;
  std::uint32_t callback_id = 0;
  std::uint32_t error_id = 0;
  std::function<void(Response)> complete; ///< called exactly once
  std::atomic<bool> answered{false};
  std::uint64_t inflight_id = 0;          ///< its entry in app->inflight, 0 if none

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
