#pragma once
// App and AppBuilder: the object a host creates. Build once, then invoke from any thread.

#include <ward/acl.hpp>
#include <ward/command.hpp>
#include <ward/delivery.hpp>
#include <ward/error.hpp>
#include <ward/events.hpp>
#include <ward/host.hpp>
#include <ward/resources.hpp>
#include <ward/limits.hpp>
#include <ward/log.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>
#include <type_traits>
#include <typeindex>
#include <utility>
#include <vector>

namespace ward {

namespace detail {
struct AppCore;
struct BuilderData;
} // namespace detail

/// A request the access-control policy denied; the handler never ran.
struct AuditRecord {
  std::string_view command;
  std::string_view window;
  std::string_view webview;
  std::string_view origin;
  std::uint64_t invoke_id;
};
using AuditSink = std::function<void(const AuditRecord &)>;

/// The executor that runs async commands.
struct ExecutorOptions {
  std::uint32_t workers = 2;          ///< threads (at least 1)
  std::uint32_t queue_capacity = 1024; ///< invokes waiting for a worker; beyond it, errc::busy at once
};

/// Bounds on what waits for the host's delivery callback.
struct DeliveryOptions {
  std::uint32_t channel_capacity = 1024;  ///< messages one channel may have queued (then backpressure)
  std::uint32_t queue_capacity = 65'536;  ///< deliveries queued in all (then emit and send wait)
};

/// A built app: an immutable table of commands, managed state and limits. Every member is
/// thread-safe. Copies share the same app.
class App {
public:
  /// Handles a request and returns its response, waiting if the handler answers later.
  /// Every failure of the request itself is an error Response, never an exception.
  [[nodiscard]] Response invoke(const Request &request) const;
  [[nodiscard]] Response invoke(const MessageRequest &request) const;

  /// Handles a request; `done` receives the response exactly once, on this thread before
  /// invoke_async returns or later on the thread that answers.
  using ResponseCallback = std::function<void(Response)>;
  void invoke_async(const Request &request, ResponseCallback done) const;
  void invoke_async(const MessageRequest &request, ResponseCallback done) const;

  /// The per-app invoke key (from the OS CSPRNG) that every request must carry.
  [[nodiscard]] std::string_view invoke_key() const noexcept;
  [[nodiscard]] const Limits &limits() const noexcept;

  /// Managed state by type or name; nullptr if not managed.
  template <class T> [[nodiscard]] T *state() const noexcept {
    return static_cast<T *>(state(std::type_index(typeid(T))));
  }
  [[nodiscard]] void *state(std::type_index type) const noexcept;
  [[nodiscard]] void *state(std::string_view name) const noexcept;

  /// The access-control policy in force now (a snapshot; decisions made later may use a newer one).
  [[nodiscard]] acl::Policy policy() const;
  /// Adds a capability at run time. The new policy is resolved aside and swapped in at once, so
  /// a decision in flight sees either the old policy or the new one, never half of it. On error
  /// the policy in force does not change.
  result<void> add_capability(const acl::Source &capability) const;
  /// Why a request would be allowed or denied, as JSON (documented in README.md, "Explaining a decision").
  [[nodiscard]] std::string explain(const acl::AccessRequest &request) const;

  // --- deliveries ----------------------------------------------------------------------------
  /// Handles a request whose reply goes to the delivery sink (DeliveryKind::reply), ordered with
  /// the events and channel messages for the same webview. Without a sink, errc::invalid_argument.
  result<void> post(const Request &request) const;
  result<void> post(const MessageRequest &request) const;

  // --- webviews: the host reports their life so that ward can clean up after them --------------
  /// A webview was created in a window (labels validated).
  result<void> webview_created(std::string_view webview, std::string_view window) const;
  /// A webview navigated to a new page: its in-flight invokes are cancelled, its page listeners
  /// removed and its channels closed (the page that owned them is gone). What the old page's work
  /// queued, or queues later (replies, events, channel messages), is dropped rather than handed to
  /// the new page; only a delivery the sink has already started may still finish. Resources stay.
  /// Call it when the navigation starts, before the new page can send a request.
  void webview_navigated(std::string_view webview) const;
  /// A webview was destroyed: as navigated, and its resources are closed. A handler still
  /// running for it can add none, nor reach a new webview's that reuses the label.
  void webview_destroyed(std::string_view webview) const;

  // --- events --------------------------------------------------------------------------------
  /// Emits to every listener (backend and pages). The payload is JSON text (validated).
  result<void> emit(const EventName &event, std::string_view payload_json) const;
  template <Encodable T> result<void> emit_value(const EventName &event, const T &payload) const {
    const auto json = to_json(payload);
    return emit(event, std::string_view(json.data(), json.size()));
  }
  /// Emits to the listeners whose target matches `target` (Tauri's rules, see event_target_matches).
  result<void> emit_to(const EventTarget &target, const EventName &event, std::string_view payload_json) const;
  /// Emits to the listeners whose target `filter` accepts.
  result<void> emit_filter(const EventName &event, std::string_view payload_json, const EventFilter &filter) const;
  /// Backend listeners, called on the emitting thread. `target` is what the listener listens on
  /// (Tauri's `app.listen` listens on `Any`). They must not throw. Ids count from 0 (as Tauri's)
  /// and are shared with page listeners. After shutdown a new listener is dropped at once.
  ListenerId listen(const EventName &event, EventListener listener, EventTarget target = EventTarget::any()) const;
  /// As listen, removed after the first event.
  ListenerId once(const EventName &event, EventListener listener, EventTarget target = EventTarget::any()) const;
  /// Removes a backend or page listener; false if there was none.
  bool unlisten(ListenerId id) const;
  /// Listeners registered now, backend and pages.
  [[nodiscard]] std::size_t listener_count() const;

  // --- resources -----------------------------------------------------------------------------
  /// The resource table as seen from the webview `webview` names now.
  [[nodiscard]] Resources resources(std::string_view webview) const;

  // --- lifetime ------------------------------------------------------------------------------
  /// Shuts the app down: new requests get errc::closed; in-flight invokes are cancelled and
  /// answered; waits for running handlers to return and for queued deliveries to reach the sink;
  /// closes channels and resources. Idempotent. Runs by itself when the last App copy the host
  /// holds is destroyed. A handler or the delivery callback may call it: on ward's own threads
  /// it never waits for itself, and returns at once if another shutdown is already running.
  void shutdown() const;

private:
  friend class AppBuilder;
  friend struct detail::AppCore;
  App(std::shared_ptr<const detail::AppCore> core, std::shared_ptr<void> owner) noexcept
      : core_(std::move(core)), owner_(std::move(owner)) {}
  std::shared_ptr<const detail::AppCore> core_;
  /// Shared by the host's copies only: the last one shuts the app down. Empty in the App a
  /// handler receives, so a handler never keeps its own app from shutting down.
  std::shared_ptr<void> owner_;
};

/// Collects commands, state, limits and the log sink, then builds an App. Not thread-safe.
///
/// Each `add_*` reports its error at once; the chaining forms (`command`, `manage`) remember the
/// first error and `build()` returns it.
class AppBuilder {
public:
  AppBuilder();
  AppBuilder(AppBuilder &&) noexcept;
  AppBuilder &operator=(AppBuilder &&) noexcept;
  ~AppBuilder();

  AppBuilder &limits(const Limits &limits);
  AppBuilder &log_sink(LogSink sink);

  // --- access control: every command is denied unless a capability grants it ---------------
  /// Adds a permission manifest of `plugin` ("" for the app's own permissions).
  AppBuilder &permissions(std::string_view plugin, acl::Source manifest);
  /// Adds a capability file.
  AppBuilder &capability(acl::Source capability);
  /// Reads DIR/capabilities/* and DIR/permissions/<plugin>/* (the app's under permissions/app/).
  /// add_acl_directory reports an unreadable directory or file at once.
  result<void> add_acl_directory(const std::filesystem::path &directory);
  AppBuilder &acl_directory(const std::filesystem::path &directory);
  /// The origins that count as the app's own pages (default: tauri://localhost, http://tauri.localhost).
  AppBuilder &app_origins(std::vector<std::string> origins);
  /// The platform capabilities and permissions are resolved for (default: this one).
  AppBuilder &acl_platform(acl::Platform platform);
  /// True (default): an unknown field in an ACL file is an error; false: a warning (logged).
  AppBuilder &acl_unknown_fields_are_errors(bool are_errors);
  /// Receives every denied request, on the invoking thread. Must not throw.
  AppBuilder &audit_sink(AuditSink sink);

  // --- the live half ---------------------------------------------------------------------------
  /// Where events, channel messages and posted replies go (see delivery.hpp).
  AppBuilder &delivery_sink(DeliverySink sink);
  AppBuilder &delivery_options(const DeliveryOptions &options);
  /// The executor of async commands (started by build() if there is one).
  AppBuilder &executor(const ExecutorOptions &options);

  /// Registers a typed command that runs on the executor (its arguments are copied first). Its
  /// handler may also take a CancellationToken.
  template <class F, std::size_t N>
  result<void> add_async_command(std::string_view name, F &&handler, const arg_names<N> &names,
                                 CommandOptions options = {}) {
    options.execution = Execution::executor;
    return add_command(name, std::forward<F>(handler), names, options);
  }
  template <class F> result<void> add_async_command(std::string_view name, F &&handler, CommandOptions options = {}) {
    return add_async_command(name, std::forward<F>(handler), arg_names<0>{}, options);
  }
  template <class F, std::size_t N>
  AppBuilder &async_command(std::string_view name, F &&handler, const arg_names<N> &names, CommandOptions options = {}) {
    remember(add_async_command(name, std::forward<F>(handler), names, options));
    return *this;
  }
  template <class F> AppBuilder &async_command(std::string_view name, F &&handler, CommandOptions options = {}) {
    remember(add_async_command(name, std::forward<F>(handler), options));
    return *this;
  }
  /// Names of the commands registered so far, sorted.
  [[nodiscard]] std::vector<std::string> command_names() const;

  /// Registers a typed command. `names` names its JSON arguments in parameter order.
  template <class F, std::size_t N>
  result<void> add_command(std::string_view name, F &&handler, const arg_names<N> &names,
                           CommandOptions options = {}) {
    return add_handler(name, std::make_unique<detail::TypedCommand<std::decay_t<F>>>(
                                 std::string(name), std::forward<F>(handler), names, options));
  }
  /// Registers a typed command that takes no JSON arguments.
  template <class F> result<void> add_command(std::string_view name, F &&handler, CommandOptions options = {}) {
    return add_command(name, std::forward<F>(handler), arg_names<0>{}, options);
  }
  template <class F, std::size_t N>
  AppBuilder &command(std::string_view name, F &&handler, const arg_names<N> &names, CommandOptions options = {}) {
    remember(add_command(name, std::forward<F>(handler), names, options));
    return *this;
  }
  template <class F> AppBuilder &command(std::string_view name, F &&handler, CommandOptions options = {}) {
    remember(add_command(name, std::forward<F>(handler), options));
    return *this;
  }

  /// Registers a handler implemented by hand (foreign-language bindings use this).
  result<void> add_handler(std::string_view name, std::unique_ptr<CommandHandler> handler);

  /// Manages one value of type T. Managing a type twice is an error.
  template <class T> result<void> add_state(T value) {
    using V = std::decay_t<T>;
    auto owned = std::make_shared<V>(std::move(value));
    return add_typed_state(std::type_index(typeid(V)), typeid(V).name(), std::shared_ptr<void>(std::move(owned)));
  }
  template <class T> AppBuilder &manage(T value) {
    remember(add_state(std::move(value)));
    return *this;
  }
  /// Manages a T constructed in place, for types that cannot move (a struct holding a mutex).
  template <class T, class... Args> result<void> add_state_in_place(Args &&...args) {
    auto owned = std::make_shared<T>(std::forward<Args>(args)...);
    return add_typed_state(std::type_index(typeid(T)), typeid(T).name(), std::shared_ptr<void>(std::move(owned)));
  }
  template <class T, class... Args> AppBuilder &manage_in_place(Args &&...args) {
    remember(add_state_in_place<T>(std::forward<Args>(args)...));
    return *this;
  }
  /// Manages a value under a name (for foreign callers). `state` is released when the app is.
  result<void> add_named_state(std::string_view name, std::shared_ptr<void> state);

  /// Builds the app: binds every command's state (an unmanaged type fails here, not at the first
  /// call) and draws the invoke key. Leaves the builder empty.
  result<App> build();

private:
  result<void> add_typed_state(std::type_index type, std::string_view type_name, std::shared_ptr<void> state);
  void remember(result<void> outcome);
  std::unique_ptr<detail::BuilderData> data_;
};

} // namespace ward
