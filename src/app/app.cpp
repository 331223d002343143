#include "app/core.hpp"
#include "app/dispatch.hpp"
#include "ipc/envelope.hpp"
#include "json/document.hpp"

#include <ward/app.hpp>

#include <algorithm>
#include <atomic>

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
  static std::atomic<std::uint64_t> last_id{0};
  table_ = std::move(table);
  std::size_t size = 2;
  while (size < 2 * table_.size()) size *= 2;
  slots_.assign(size, Slot{});
  mask_ = size - 1;
  for (const auto &[name, handler] : table_) {
    const std::uint64_t hash = short_text_hash(name);
    std::size_t at = hash & mask_;
    while (slots_[at].handler) at = (at + 1) & mask_;
    slots_[at] = Slot{hash, name, handler.get()};
  }
  id_ = last_id.fetch_add(1, std::memory_order_relaxed) + 1;
}

namespace {

/// Every policy an app installs gets the next of these, so a version names exactly one policy
/// of one app for the life of the process.
std::atomic<std::uint64_t> last_policy_version{0};

/// The policy this thread read last, with its version (0: none). It keeps that policy alive
/// until the thread reads another app's or a newer one (or exits): memory, never a stale
/// decision, since a reader uses it only when the app's current version is its version.
struct ThreadPolicyCache {
  std::uint64_t version = 0;
  std::shared_ptr<const acl::Policy> policy;
};
thread_local ThreadPolicyCache thread_policy;

} // namespace

std::shared_ptr<const acl::Policy> AppCore::current_policy() const {
  // Acquire pairs with the release in replace_policy: seeing version V means seeing the
  // policy stored with it (which this thread cached when it last saw V).
  const std::uint64_t version = policy_version.load(std::memory_order_acquire);
  ThreadPolicyCache &cache = thread_policy;
  if (cache.version == version) [[likely]]
    return cache.policy;
  std::shared_ptr<const acl::Policy> current;
  std::uint64_t current_version = 0;
  {
    std::lock_guard lock(policy_mutex);
    current = policy;
    current_version = policy_version.load(std::memory_order_relaxed);
  }
  // The previously cached policy may be released here, outside the lock.
  cache.policy = current;
  cache.version = current_version;
  return current;
}

void AppCore::replace_policy(std::shared_ptr<const acl::Policy> next) const {
  const std::uint64_t version = last_policy_version.fetch_add(1, std::memory_order_relaxed) + 1;
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
