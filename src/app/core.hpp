#pragma once
// The built app's private parts, shared by the dispatch path, responders and the public App.

#include "app/strings.hpp"
#include "live/cancel_state.hpp"
#include "live/deliverer.hpp"
#include "live/event_bus.hpp"
#include "live/executor.hpp"
#include "live/inflight.hpp"
#include "live/resource_table.hpp"
#include "unique_id.hpp"

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

/// The commands being registered (AppBuilder, built-ins).
using CommandTable =
    std::unordered_map<std::string, std::unique_ptr<CommandHandler>, StringHash, std::equal_to<>>;

/// A built app's commands, fixed from then on: they stay owned by their table, and every
/// request finds its handler through a flat open-addressed index (one hash of the name, one
/// slot compared in the common case) instead of the map's bucket walk. Before hashing, a
/// thread checks the command it found last in this index: a page repeats its commands.
class CommandIndex {
public:
  CommandIndex() : slots_(1) {}
  CommandIndex(const CommandIndex &) = delete; // the threads' last hits point into slots_
  CommandIndex &operator=(const CommandIndex &) = delete;

  /// Takes the table (once, before any lookup).
  void build(CommandTable table);

  /// A registered command, as a lookup finds it.
  struct Slot {
    std::uint64_t hash = 0;
    std::string_view name; ///< the table's key (node-based: it never moves)
    CommandHandler *handler = nullptr;
    Execution execution = Execution::caller; ///< handler->execution(), asked once at build
  };

  /// The command registered under exactly `name`, or null. The thread's last hit is checked
  /// here, inline in dispatch; the hash and the probe are not.
  [[nodiscard, gnu::always_inline]] const Slot *find(std::string_view name) const noexcept {
    const RecentHit &recent = recent_hit;
    // Ids are unique for the life of the process, so a match is a slot of this live index.
    if (recent.index_id == id_ && recent.slot->name.size() == name.size() &&
        same_short_bytes(recent.slot->name.data(), name.data(), name.size()))
      return recent.slot;
    return find_by_hash(name);
  }

  [[nodiscard]] CommandTable::const_iterator begin() const noexcept { return table_.begin(); }
  [[nodiscard]] CommandTable::const_iterator end() const noexcept { return table_.end(); }

private:
  [[gnu::noinline]] const Slot *find_by_hash(std::string_view name) const noexcept;

  /// The slot a thread found last, and in which index (index_id 0: none; ids start at 1).
  struct RecentHit {
    std::uint64_t index_id;
    const Slot *slot;
  };
  static inline thread_local RecentHit recent_hit; // zero-initialized, like every thread_local

  CommandTable table_;
  std::vector<Slot> slots_; ///< a power of two
  std::size_t mask_ = 0;
  std::uint64_t id_ = 0; ///< set by build(): until then no thread can have a hit here
};

struct AppCore {
  Limits limits;
  LogSink log_sink;
  AuditSink audit_sink;
  std::string invoke_key;
  /// The policy in force: read on every request, replaced whole by add_capability. A writer
  /// resolves the new policy with no lock held and takes `policy_mutex` only to swap the
  /// pointer and stamp it with a fresh `policy_version`. A request pins it (PolicyPin): it
  /// compares that version with the one its thread cached last and, equal, uses the cached
  /// policy by raw pointer, with no locked read-modify-write. (libstdc++ 12's
  /// atomic<shared_ptr> would take a lock bit ThreadSanitizer cannot see.)
  [[nodiscard]] std::shared_ptr<const acl::Policy> current_policy() const;
  void replace_policy(std::shared_ptr<const acl::Policy> next) const;
  mutable std::shared_ptr<const acl::Policy> policy; ///< under policy_mutex
  /// Unique across every app of the process (so a thread's cache can never confuse two apps,
  /// even one built where a dead one lived); written under policy_mutex, read without it.
  mutable std::atomic<std::uint64_t> policy_version{0};
  mutable std::mutex policy_mutex;
  mutable std::mutex policy_writer; ///< serializes add_capability (resolution runs under it)
  // Declared before the commands so that handlers (which may point at state) are destroyed first.
  StateRegistry states;
  CommandIndex commands;
  /// A fresh invoke id: unique in this app, never 0. Ids are not handed out in order across
  /// threads: each thread takes a block of them at a time, so that an invoke costs no locked
  /// read-modify-write on a counter every thread shares.
  [[nodiscard]] std::uint64_t new_invoke_id() const noexcept {
    InvokeIdBlock &block = thread_invoke_ids;
    if (block.app == unique_id && block.next != block.end) [[likely]]
      return block.next++;
    return new_invoke_id_block();
  }
  /// Unique across every app of the process (never 0): names this app in the threads' caches.
  const std::uint64_t unique_id = process_unique_id();
  mutable std::atomic<std::uint64_t> next_invoke_id{1}; ///< the first id of the next block

  // --- the live half ---------------------------------------------------------------------------
  DeliveryOptions delivery_options;
  /// Which page of each webview work belongs to (shared with the deliverer and the resources).
  std::shared_ptr<PageGenerations> pages = std::make_shared<PageGenerations>();
  std::shared_ptr<Deliverer> deliverer; ///< null without a delivery sink
  std::unique_ptr<Executor> executor;   ///< null without async commands
  mutable EventBus events;
  mutable InflightTable inflight;
  std::shared_ptr<ResourceTable> resources = std::make_shared<ResourceTable>(pages);
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

private:
  static constexpr std::uint64_t invoke_ids_per_block = 256;
  /// The ids a thread may hand out next for the app `app` (a unique_id; 0: none).
  struct InvokeIdBlock { // no member initializers: {} zeroes it, constant-initialized
    std::uint64_t app;
    std::uint64_t next;
    std::uint64_t end;
  };
  // Trivially destructible and constant-initialized: reading it needs no guard.
  static inline thread_local constinit InvokeIdBlock thread_invoke_ids{};
  [[gnu::noinline]] std::uint64_t new_invoke_id_block() const noexcept;
};

/// The policy a request decides with, kept alive (and current for it) for the whole request.
/// In the common case the thread's cached policy, used by raw pointer: no reference count is
/// touched. The cache may not be replaced while a request on its thread uses it (a handler
/// that calls add_capability, then invokes again): such a nested request holds its own
/// reference to the new policy instead.
class PolicyPin {
public:
  explicit PolicyPin(const AppCore &app) {
    // Acquire pairs with the release in replace_policy: seeing version V means seeing the
    // policy stored with it (which this thread cached when it last saw V).
    const std::uint64_t version = app.policy_version.load(std::memory_order_acquire);
    ThreadCache &cache = thread_cache;
    if (cache.version == version) [[likely]] {
      ++cache.pins;
      policy_ = cache.policy;
      pinned_ = true;
      return;
    }
    pin_slowly(app);
  }
  ~PolicyPin() {
    if (pinned_) --thread_cache.pins;
  }
  PolicyPin(const PolicyPin &) = delete;
  PolicyPin &operator=(const PolicyPin &) = delete;

  [[nodiscard]] const acl::Policy &operator*() const noexcept { return *policy_; }
  [[nodiscard]] const acl::Policy *operator->() const noexcept { return policy_; }
  [[nodiscard]] const acl::Policy *get() const noexcept { return policy_; }
  /// A reference that outlives the request (an async command's job).
  [[nodiscard]] std::shared_ptr<const acl::Policy> share() const;

private:
  /// The policy this thread read last (version 0: none), and how many of the thread's
  /// requests use it now. Trivially destructible, so reading it needs no guard; the reference
  /// that keeps `policy` alive is held apart (app.cpp) and touched only when it changes.
  struct ThreadCache { // no member initializers: {} zeroes it, constant-initialized
    std::uint64_t version;
    const acl::Policy *policy;
    std::uint64_t pins;
    bool reference_gone; ///< the thread is exiting: its cache_reference is destroyed
  };
  static inline thread_local constinit ThreadCache thread_cache{};
  struct CacheReference;                             // app.cpp
  static thread_local CacheReference cache_reference; // touched only when the cache changes

  [[gnu::noinline]] void pin_slowly(const AppCore &app);

  const acl::Policy *policy_ = nullptr;
  bool pinned_ = false;                      ///< counted in thread_cache.pins
  std::shared_ptr<const acl::Policy> owned_; ///< set only when the thread's cache was busy
};

/// Everything an Invocation exposes; lives on the dispatching thread's stack.
struct InvocationData {
  InvocationData() = default;
  /// For the per-invoke path: a constructor (not aggregate initialization) so that g++ stores
  /// each member instead of first clearing the whole 160-byte tail with `rep stos`, whose
  /// start-up cost was ~40% of dispatch's own time.
  InvocationData(const InvokeContext &context, bool raw, JsonValue args, std::string_view args_text,
                 std::span<const std::byte> body, std::span<const Header> headers, const StateRegistry *states,
                 const acl::Policy *policy, const std::shared_ptr<const AppCore> *core) noexcept
      : context(context), raw(raw), args(args), args_text(args_text), body(body), headers(headers), states(states),
        policy(policy), core(core), page((*core)->pages->now()) {}
  InvocationData(const InvocationData &) = delete;
  InvocationData &operator=(const InvocationData &) = delete;

  InvokeContext context;
  bool raw = false;
  JsonValue args;
  std::string_view args_text;   ///< empty until known
  std::span<const std::byte> body;
  std::span<const Header> headers;
  const StateRegistry *states = nullptr;
  const acl::Policy *policy = nullptr;
  const std::shared_ptr<const AppCore> *core = nullptr;
  /// The page the request came from: what the handler leaves behind (listeners, channels,
  /// resources) belongs to that page and dies with it, even if it has gone already.
  PageGenerations::Stamp page = 0;
  /// Computed on first use; held out of line because few handlers ask and four vectors here
  /// would make every invoke initialize (and destroy) them.
  mutable std::unique_ptr<acl::ResolvedScopes> scopes;
  mutable std::shared_ptr<CancelState> cancel; ///< created on first use (or by the executor)
  mutable std::optional<App> app;              ///< created on first use (no allocation: app() is noexcept)
};

/// The data behind an Invocation (for ward's own built-in commands).
const InvocationData &data_of(const Invocation &invocation) noexcept;

/// The state a Responder shares with whoever waits for the answer.
///
/// A reply deferred on the caller's thread (DispatchTarget::defer) starts out routed `in_place`:
/// an answer given while the handler still runs, from any thread, is written straight into the
/// dispatching thread's Response (`sink`), which is the common case and needs no waiter, no
/// callback and no lock beyond the in-flight table's. When the handler returns unanswered,
/// dispatch reroutes it `later`, to `complete`. `route` decides, by compare-and-swap, which of
/// the two an answer takes, so that an answer racing with the handler's return goes exactly one
/// way. Every other reply (async commands) is routed `later` from the start.
struct PendingReply {
  enum Route : std::uint32_t {
    in_place, ///< an answer goes to `sink`
    writing,  ///< an answer is being written to `sink`
    written,  ///< `sink` holds the answer
    later,    ///< an answer goes to `complete`
  };

  PendingReply() = default;
  PendingReply(const PendingReply &) = delete;
  PendingReply &operator=(const PendingReply &) = delete;
  /// A reply is answered before it goes, and answering unlinks it; this only covers the case
  /// that should not happen, a tracked reply dropped unanswered.
  ~PendingReply();

  std::shared_ptr<const AppCore> app;
  std::string_view command;               ///< the command index's own copy: lives as long as `app`
  std::uint32_t callback_id = 0;
  std::uint32_t error_id = 0;
  std::function<void(Response)> complete; ///< called exactly once, when routed `later`
  Response *sink = nullptr;               ///< the dispatching thread's Response, while routed in place
  std::atomic<std::uint32_t> route{later};
  std::atomic<bool> answered{false};
  bool tracked = false;                   ///< `inflight` was added to app->inflight
  InflightInvoke inflight;                ///< its entry in app->inflight (if tracked)

  /// Answers unless already answered (then errc::already_answered).
  result<void> answer(errc code, BodyKind kind, String body);
  result<void> answer_error(const Error &error);

private:
  /// Takes the answer (the caller won `answered`) out of the in-flight table and to `sink` or
  /// to `complete`.
  void send(Response response) noexcept;
};

/// Hands a response to a host callback; an exception from it is logged, never propagated
/// (it may run inside a Responder's destructor).
void deliver(const AppCore &app, const App::ResponseCallback &done, Response response) noexcept;

/// The response for an error, with the error's public message as its body (a rejection value
/// that is not valid JSON becomes an internal error); logs the error.
Response error_response(const AppCore &app, const Error &error, std::string_view command,
                        std::uint32_t callback_id, std::uint32_t error_id);

} // namespace ward::detail
