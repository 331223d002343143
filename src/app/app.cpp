#include "app/core.hpp"
#include "app/dispatch.hpp"
#include "ipc/envelope.hpp"
#include "json/document.hpp"

#include <ward/app.hpp>

#include <algorithm>
#include <atomic>
#include <utility>

namespace ward {
namespace detail {

result<void> StateRegistry::add_typed(std::type_index type, std::string_view type_name, std::shared_ptr<void> state) {
  if (typed(type))
    return Error(errc::state_already_managed, "state of type " + std::string(type_name) + " is already managed");
  typed_.emplace_back(type, std::move(state));
  return success();
}

result<void> StateRegistry::add_named(std::string_view name, std::shared_ptr<void> state) {
  if (!is_valid_state_name(name))
    return Error(errc::invalid_name, "state name must be 1 to 256 bytes without NUL");
  if (std::any_of(named_.begin(), named_.end(), [&](const auto &entry) { return entry.first == name; }))
    return Error(errc::state_already_managed, "state `" + std::string(name) + "` is already managed");
  named_.emplace_back(std::string(name), std::move(state));
  return success();
}

void *StateRegistry::typed(std::type_index type) const noexcept {
  const auto found = std::find_if(typed_.begin(), typed_.end(), [&](const auto &entry) { return entry.first == type; });
  return found == typed_.end() ? nullptr : found->second.get();
}

void *StateRegistry::named(std::string_view name) const noexcept {
  const auto found = std::find_if(named_.begin(), named_.end(), [&](const auto &entry) { return entry.first == name; });
  return found == named_.end() ? nullptr : found->second.get();
}

void *find_state(const StateRegistry &registry, std::type_index type) noexcept { return registry.typed(type); }
void *find_state(const StateRegistry &registry, std::string_view name) noexcept { return registry.named(name); }

void CommandIndex::build(CommandTable table) {
  table_ = std::move(table);
  std::size_t size = 2;
  while (size < 2 * table_.size()) size *= 2;
  slots_.assign(size, Slot{});
  mask_ = size - 1;
  for (const auto &[name, handler] : table_) {
    const std::uint64_t hash = short_text_hash(name);
    std::size_t at = hash & mask_;
    while (slots_[at].handler) at = (at + 1) & mask_;
    slots_[at] = Slot{hash, name, handler.get(), handler->execution()};
  }
  id_ = process_unique_id();
}

const CommandIndex::Slot *CommandIndex::find_by_hash(std::string_view name) const noexcept {
  const std::uint64_t hash = short_text_hash(name);
  // At most half the slots are taken, so every probe run ends at an empty slot.
  for (std::size_t at = hash & mask_;; at = (at + 1) & mask_) {
    const Slot &slot = slots_[at];
    if (!slot.handler) return nullptr;
    if (slot.hash == hash && slot.name.size() == name.size() &&
        same_short_bytes(slot.name.data(), name.data(), name.size())) {
      recent_hit = RecentHit{id_, &slot};
      return &slot;
    }
  }
}

/// The reference that keeps a thread's cached policy alive until the thread caches another
/// one (or exits): memory, never a stale decision, since a request uses the cache only when
/// the app's current version is the cached version.
struct PolicyPin::CacheReference {
  std::shared_ptr<const acl::Policy> policy;
  CacheReference() = default;
  CacheReference(const CacheReference &) = delete;
  CacheReference &operator=(const CacheReference &) = delete;
  /// At thread exit. A request made later on this thread (by a thread_local destroyed after
  /// this one) must neither use the released policy nor touch this destroyed reference: it
  /// finds `reference_gone` and keeps its own reference instead.
  ~CacheReference() {
    policy.reset();
    thread_cache = ThreadCache{};
    thread_cache.reference_gone = true;
  }
};

thread_local PolicyPin::CacheReference PolicyPin::cache_reference;

void PolicyPin::pin_slowly(const AppCore &app) {
  std::shared_ptr<const acl::Policy> current;
  std::uint64_t current_version = 0;
  {
    std::lock_guard lock(app.policy_mutex);
    current = app.policy;
    current_version = app.policy_version.load(std::memory_order_relaxed);
  }
  ThreadCache &cache = thread_cache;
  if (cache.pins != 0 || cache.reference_gone) {
    // An outer request on this thread (whose handler replaced the policy, then invoked again)
    // still uses the cached policy, or the thread is exiting: this request keeps its own
    // reference instead.
    policy_ = current.get();
    owned_ = std::move(current);
    return;
  }
  // The previously cached policy is released at the end of this function, after the cache
  // stopped naming it and outside the lock.
  std::shared_ptr<const acl::Policy> previous = std::exchange(cache_reference.policy, std::move(current));
  cache.version = current_version;
  cache.policy = cache_reference.policy.get();
  cache.pins = 1;
  policy_ = cache.policy;
  pinned_ = true;
}

std::shared_ptr<const acl::Policy> PolicyPin::share() const {
  // Pinned, the thread's cache cannot change: its reference holds exactly `policy_`.
  return pinned_ ? cache_reference.policy : owned_;
}

std::shared_ptr<const acl::Policy> AppCore::current_policy() const {
  std::lock_guard lock(policy_mutex);
  return policy;
}

std::uint64_t AppCore::new_invoke_id_block() const noexcept {
  // next_invoke_id starts at 1 and moves in whole blocks: no id is 0 or handed out twice.
  const std::uint64_t first = next_invoke_id.fetch_add(invoke_ids_per_block, std::memory_order_relaxed);
  thread_invoke_ids = InvokeIdBlock{unique_id, first + 1, first + invoke_ids_per_block};
  return first;
}

void AppCore::replace_policy(std::shared_ptr<const acl::Policy> next) const {
  // Every policy an app installs gets a fresh number: a version names exactly one policy of one
  // app for the life of the process.
  const std::uint64_t version = process_unique_id();
  std::lock_guard lock(policy_mutex);
  policy.swap(next); // the old policy is released after the lock, below, by `next`
  policy_version.store(version, std::memory_order_release);
}

void AppCore::log(LogLevel level, const Error &error, std::string_view command) const noexcept {
  if (!log_sink) return;
  try {
    log_sink(LogRecord{level, error.code(), error.message(), error.detail(), command});
  } catch (...) {
    // A throwing log sink must not turn a response into a crash.
  }
}

Response error_response(const AppCore &app, const Error &given, std::string_view command, std::uint32_t callback_id,
                        std::uint32_t error_id) {
  // A rejection value goes to the page as JSON; one that is not JSON must not.
  const bool invalid_rejection = given.code() == errc::command_rejected && !is_valid_json(given.message());
  const Error replaced(errc::internal, "internal error",
                       "command `" + std::string(command) + "` rejected with a value that is not valid JSON");
  const Error &error = invalid_rejection ? replaced : given;
  app.log(error.code() == errc::internal ? LogLevel::error : LogLevel::debug, error, command);
  Response response;
  response.code = error.code();
  response.kind = BodyKind::json;
  response.body = encode_error_value(error);
  response.callback_id = callback_id;
  response.error_id = error_id;
  return response;
}

void deliver(const AppCore &app, const App::ResponseCallback &done, Response response) noexcept {
  try {
    done(std::move(response));
  } catch (const std::exception &exception) {
    app.log(LogLevel::error, Error(errc::internal, "", std::string("a response callback threw: ") + exception.what()), {});
  } catch (...) {
    app.log(LogLevel::error, Error(errc::internal, "", "a response callback threw a non-standard exception"), {});
  }
}

namespace {

template <class Read> Response invoke_blocking(const std::shared_ptr<const AppCore> &core, Read read) {
  Envelope envelope;
  Response response;
  auto outcome = dispatch(core, read(envelope), envelope, nullptr, response);
  if (!outcome.answered) response = outcome.waiter->wait();
  return response;
}

template <class Read>
void invoke_with_callback(const std::shared_ptr<const AppCore> &core, Read read, App::ResponseCallback done) {
  Envelope envelope;
  Response response;
  if (dispatch(core, read(envelope), envelope, &done, response).answered) deliver(*core, done, std::move(response));
}

} // namespace
} // namespace detail

Response App::invoke(const Request &request) const {
  return detail::invoke_blocking(core_, [&](detail::Envelope &envelope) {
    return detail::read_request(request, core_->limits, core_->invoke_key, envelope);
  });
}

Response App::invoke(const MessageRequest &request) const {
  return detail::invoke_blocking(core_, [&](detail::Envelope &envelope) {
    return detail::read_message(request, core_->limits, core_->invoke_key, envelope);
  });
}

void App::invoke_async(const Request &request, ResponseCallback done) const {
  detail::invoke_with_callback(
      core_,
      [&](detail::Envelope &envelope) {
        return detail::read_request(request, core_->limits, core_->invoke_key, envelope);
      },
      std::move(done));
}

void App::invoke_async(const MessageRequest &request, ResponseCallback done) const {
  detail::invoke_with_callback(
      core_,
      [&](detail::Envelope &envelope) {
        return detail::read_message(request, core_->limits, core_->invoke_key, envelope);
      },
      std::move(done));
}

acl::Policy App::policy() const { return *core_->current_policy(); }

result<void> App::add_capability(const acl::Source &capability) const {
  std::lock_guard writer(core_->policy_writer);
  acl::PolicyInput input = core_->current_policy()->input();
  input.capabilities.push_back(capability);
  auto resolved = acl::Policy::resolve(input);
  if (!resolved) return std::move(resolved).assume_error();
  core_->replace_policy(std::make_shared<const acl::Policy>(std::move(resolved).assume_value()));
  return success();
}

std::string App::explain(const acl::AccessRequest &request) const {
  return core_->current_policy()->explain(request);
}

std::string_view App::invoke_key() const noexcept { return core_->invoke_key; }
const Limits &App::limits() const noexcept { return core_->limits; }
void *App::state(std::type_index type) const noexcept { return core_->states.typed(type); }
void *App::state(std::string_view name) const noexcept { return core_->states.named(name); }

} // namespace ward
