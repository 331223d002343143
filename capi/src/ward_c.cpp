// The C ABI, implemented over the public C++ API only. Every entry point catches everything:
// no exception crosses into C.
#include "ward.h"

#include <ward/ward.hpp>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace {

/// A caller's pointer with its optional destructor, run exactly once when the last owner lets
/// go, unless disarmed (a failed registration must not free what the caller still owns).
class ForeignData {
public:
  ForeignData(void *data, void (*destroy)(void *)) noexcept : data_(data), destroy_(destroy) {}
  ForeignData(const ForeignData &) = delete;
  ForeignData &operator=(const ForeignData &) = delete;
  ~ForeignData() {
    if (destroy_) destroy_(data_);
  }
  void *get() const noexcept { return data_; }
  void disarm() noexcept { destroy_ = nullptr; }

private:
  void *data_;
  void (*destroy_)(void *);
};

/// A resource added from C: the caller's pointer, freed by its own function when the resource
/// table lets go of it. Its type also tells C resources apart from those of C++ handlers.
class CResource {
public:
  CResource(void *resource, void (*destroy)(void *)) noexcept : data_(resource, destroy) {}
  void *get() const noexcept { return data_.get(); }
  void disarm() noexcept { data_.disarm(); }

private:
  ForeignData data_;
};

/// One ward_responder_on_cancel callback. The caller's user_data is released right after the
/// callback ran, or when the callback can no longer run (the responder is answered or freed),
/// whichever comes first: the core may keep the std::function longer than that.
class CancelCallback {
public:
  CancelCallback(void (*on_cancel)(void *), void *user_data, void (*free_user_data)(void *))
      : on_cancel_(on_cancel), data_(std::make_unique<ForeignData>(user_data, free_user_data)) {}

  void run() noexcept {
    std::unique_ptr<ForeignData> data = take();
    if (data) on_cancel_(data->get());
    // `data` goes here: free_user_data runs after the callback returned, outside any ward lock.
  }
  /// Releases the user data unless the callback took it; call once the callback cannot run.
  void release() noexcept { take().reset(); }
  /// For a failed registration: the caller keeps ownership of user_data.
  void disarm() noexcept {
    if (auto data = take()) data->disarm();
  }

private:
  std::unique_ptr<ForeignData> take() noexcept {
    std::lock_guard lock(mutex_);
    return std::move(data_);
  }
  void (*on_cancel_)(void *);
  std::mutex mutex_;
  std::unique_ptr<ForeignData> data_;
};

/// Keeps an on_cancel callback registered while the responder lives.
class CancelHook {
public:
  CancelHook(std::shared_ptr<CancelCallback> callback, ward::CancelRegistration registration) noexcept
      : callback_(std::move(callback)), registration_(std::move(registration)) {}
  CancelHook(CancelHook &&) noexcept = default;
  CancelHook &operator=(CancelHook &&) noexcept = default;
  ~CancelHook() {
    // Unregistering waits for a running callback and guarantees it never runs again; only then
    // may the user data go.
    registration_ = ward::CancelRegistration();
    if (callback_) callback_->release();
  }

private:
  std::shared_ptr<CancelCallback> callback_;
  ward::CancelRegistration registration_;
};

/// One freed block per thread, kept for the next object of the same type. A C invoke makes and
/// frees one ward_response and one ward_responder, nearly always on the same thread, so the
/// common case takes no trip to the heap; a block freed on another thread just becomes that
/// thread's spare (or goes back to the heap if it has one). What a thread keeps is freed when it
/// exits.
template <class T> class ThreadSpare {
public:
  [[nodiscard]] static void *take() {
    Slot &slot = slot_;
    if (void *block = slot.block) {
      slot.block = nullptr;
      return block;
    }
    return ::operator new(sizeof(T));
  }
  static void give(void *block) noexcept {
    Slot &slot = slot_;
    if (slot.block || slot.state == State::gone) [[unlikely]] {
      ::operator delete(block);
      return;
    }
    if (slot.state == State::unarmed) [[unlikely]]
      arm();
    slot.block = block;
  }

private:
  enum class State : unsigned char { unarmed, armed, gone };
  struct Slot { // no member initializers: {} zeroes it, constant-initialized, trivially destructible
    void *block;
    State state;
  };
  /// Frees the spare when the thread exits; from then on, blocks go straight back to the heap.
  struct Reaper {
    Reaper() noexcept {} // user-provided: thread-local dynamic initialization registers ~Reaper
    Reaper(const Reaper &) = delete;
    Reaper &operator=(const Reaper &) = delete;
    ~Reaper() {
      ::operator delete(slot_.block);
      slot_.block = nullptr;
      slot_.state = State::gone;
    }
  };
  [[gnu::noinline]] static void arm() noexcept {
    static thread_local Reaper reaper; // constructed (and its destructor registered) here, once per thread
    (void)reaper;
    slot_.state = State::armed;
  }
  static inline thread_local constinit Slot slot_{};
};

} // namespace

struct ward_builder {
  ward::AppBuilder builder;
};
struct ward_app {
  ward::App app;
};
struct ward_invocation {
  const ward::Invocation &invocation;
  mutable std::string scopes_json = {}; ///< rendered on first use, lives for the handler call
  /// What ward_invocation_resource handed out stays valid for the handler call, even if the
  /// resource is closed meanwhile.
  mutable std::vector<std::shared_ptr<CResource>> resources_in_use = {};
};
struct ward_responder {
  ward_responder(ward::Responder answer, ward::CancellationToken token) noexcept
      : responder(std::move(answer)), cancellation(std::move(token)) {}
  static void *operator new(std::size_t) { return ThreadSpare<ward_responder>::take(); }
  static void operator delete(void *block) noexcept { ThreadSpare<ward_responder>::give(block); }
  ward::Responder responder;
  ward::CancellationToken cancellation;
  /// Declared last, so destroyed first: on_cancel callbacks are unregistered (and their user
  /// data released) before an unanswered responder sends its internal error.
  std::vector<CancelHook> cancel_hooks;
};
struct ward_response {
  ward::Response response;
  static void *operator new(std::size_t) { return ThreadSpare<ward_response>::take(); }
  static void operator delete(void *block) noexcept { ThreadSpare<ward_response>::give(block); }
};
struct ward_channel {
  ward::Channel channel;
};

namespace {

thread_local ward_status last_code = WARD_OK;
thread_local std::string last_message;

ward_status fail(ward_status code, std::string_view message) noexcept {
  last_code = code;
  try {
    last_message.assign(message);
  } catch (...) {
    last_message.clear();
  }
  return code;
}

ward_status fail(const ward::Error &error) noexcept {
  return fail(static_cast<ward_status>(error.code()), error.message());
}

ward_status fail_invalid(std::string_view message) noexcept { return fail(WARD_ERR_INVALID_ARGUMENT, message); }

/// Runs `body`, turning any exception into a status: nothing escapes into C.
template <class Body> ward_status guarded(Body &&body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return fail(WARD_ERR_OUT_OF_MEMORY, "out of memory");
  } catch (...) {
    return fail(WARD_ERR_INTERNAL, "internal error");
  }
}

std::string_view view(const char *data, size_t size) noexcept {
  return size == 0 ? std::string_view() : std::string_view(data, size);
}

bool valid_string(const char *data, size_t size) noexcept { return data != nullptr || size == 0; }

/// Option structs grow only at the end: a caller's struct may be older (smaller, but at least
/// the first version) and never newer than this library knows.
template <class Options>
ward_status check_struct_size(const Options *options, size_t first_version_size, const char *name) noexcept {
  if (options->struct_size < first_version_size)
    return fail_invalid(std::string(name) + ".struct_size is smaller than any version of the struct");
  if (options->struct_size > sizeof(Options))
    return fail(WARD_ERR_ABI_MISMATCH,
                std::string(name) + ".struct_size is larger than this library knows (built against a newer ward.h?)");
  return WARD_OK;
}

std::span<const std::byte> bytes_of(const uint8_t *data, size_t size) noexcept {
  return size == 0 ? std::span<const std::byte>() : std::as_bytes(std::span(data, size));
}

class CCommand final : public ward::CommandHandler {
public:
  CCommand(std::string name, ward_command_fn handler, std::shared_ptr<ForeignData> user_data,
           std::vector<std::string> required_state, ward::Execution execution)
      : name_(std::move(name)), handler_(handler), user_data_(std::move(user_data)),
        required_state_(std::move(required_state)), execution_(execution) {}

  [[nodiscard]] ward::Execution execution() const noexcept override { return execution_; }

  ward::result<void> bind(const ward::detail::StateRegistry &registry) override {
    for (const auto &state : required_state_) {
      if (!ward::detail::find_state(registry, std::string_view(state)))
        return ward::Error(ward::errc::state_not_managed,
                           "command `" + name_ + "` requires state `" + state + "`, which is never managed");
    }
    return ward::success();
  }

  void call(const ward::Invocation &invocation, ward::ReplyTarget &target) override {
    // Deferred first: a deferred reply is what makes a caller-thread invoke cancellable.
    ward::Responder deferred = target.defer();
    auto responder = std::make_unique<ward_responder>(std::move(deferred), invocation.cancellation());
    const ward_invocation c_invocation{invocation};
    handler_(&c_invocation, responder.release(), user_data_->get());
  }

private:
  std::string name_;
  ward_command_fn handler_;
  std::shared_ptr<ForeignData> user_data_;
  std::vector<std::string> required_state_;
  ward::Execution execution_;
};

/// Size of each option struct as WARD_ABI_VERSION 1 declared it.
constexpr size_t builder_options_v1 = sizeof(ward_builder_options);
constexpr size_t limits_v1 = sizeof(ward_limits);
constexpr size_t command_options_v1 = sizeof(ward_command_options);
constexpr size_t request_v1 = sizeof(ward_request);
constexpr size_t message_request_v1 = sizeof(ward_message_request);
constexpr size_t executor_options_v1 = sizeof(ward_executor_options);
constexpr size_t delivery_options_v1 = sizeof(ward_delivery_options);
constexpr size_t delivery_v1 = sizeof(ward_delivery);
constexpr size_t event_target_v1 = sizeof(ward_event_target);

ward_status read_limits(const ward_limits *in, ward::Limits &out) noexcept {
  if (auto status = check_struct_size(in, limits_v1, "ward_limits"); status != WARD_OK) return status;
  if (in->max_body_bytes) out.max_body_bytes = in->max_body_bytes;
  if (in->max_depth) out.max_depth = in->max_depth;
  if (in->max_string_bytes) out.max_string_bytes = in->max_string_bytes;
  if (in->max_array_length) out.max_array_length = in->max_array_length;
  if (in->max_object_keys) out.max_object_keys = in->max_object_keys;
  return WARD_OK;
}

/// The request's headers as ward::Header views, for the duration of one call. The few a page
/// sends (Tauri: four) are kept in place, so that an invoke allocates nothing for them; only a
/// request with more than `inline_count` goes to the heap.
class RequestHeaders {
public:
  RequestHeaders() noexcept {} // the inline array stays unconstructed until set() writes it
  RequestHeaders(const RequestHeaders &) = delete;
  RequestHeaders &operator=(const RequestHeaders &) = delete;
  ~RequestHeaders() {} // ward::Header is trivially destructible: nothing to end in the union

  /// Makes room for `count` headers; throws std::bad_alloc when the heap fails.
  void reserve(size_t count) {
    if (count > inline_count) heap_.resize(count);
    count_ = count;
  }
  /// Writes header `i` (< the reserved count). Assigning an element of the union's array starts
  /// its lifetime ([class.union]: a trivial assignment to a subscripted member).
  void set(size_t i, ward::Header header) noexcept {
    if (count_ > inline_count) heap_[i] = header;
    else inline_[i] = header;
  }
  [[nodiscard]] std::span<const ward::Header> span() const noexcept {
    if (count_ == 0) return {};
    return count_ > inline_count ? std::span<const ward::Header>(heap_) : std::span<const ward::Header>(inline_, count_);
  }

private:
  static constexpr size_t inline_count = 16;
  static_assert(std::is_trivially_copy_assignable_v<ward::Header> && std::is_trivially_destructible_v<ward::Header>);
  union {
    ward::Header inline_[inline_count];
  };
  size_t count_ = 0;
  std::vector<ward::Header> heap_; // empty (no allocation) unless there are more than inline_count
};

ward_status read_request(const ward_request *in, RequestHeaders &headers, ward::Request &out) {
  if (!in) return fail_invalid("request is NULL");
  if (auto status = check_struct_size(in, request_v1, "ward_request"); status != WARD_OK) return status;
  if (!valid_string(in->url, in->url_len) || !valid_string(in->origin, in->origin_len) ||
      !valid_string(in->window, in->window_len) || !valid_string(in->webview, in->webview_len))
    return fail_invalid("a string of the request is NULL with a non-zero length");
  if (!in->headers && in->header_count) return fail_invalid("request headers are NULL with a non-zero count");
  if (!in->body && in->body_len) return fail_invalid("request body is NULL with a non-zero length");
  headers.reserve(in->header_count);
  for (size_t i = 0; i < in->header_count; ++i) {
    const ward_header &header = in->headers[i];
    if (!valid_string(header.name, header.name_len) || !valid_string(header.value, header.value_len))
      return fail_invalid("a request header is NULL with a non-zero length");
    headers.set(i, ward::Header{view(header.name, header.name_len), view(header.value, header.value_len)});
  }
  out.url = view(in->url, in->url_len);
  out.origin = view(in->origin, in->origin_len);
  out.window = view(in->window, in->window_len);
  out.webview = view(in->webview, in->webview_len);
  out.headers = headers.span();
  out.body = bytes_of(in->body, in->body_len);
  return WARD_OK;
}

ward_status read_message(const ward_message_request *in, ward::MessageRequest &out) noexcept {
  if (!in) return fail_invalid("request is NULL");
  if (auto status = check_struct_size(in, message_request_v1, "ward_message_request"); status != WARD_OK)
    return status;
  if (!valid_string(in->origin, in->origin_len) || !valid_string(in->window, in->window_len) ||
      !valid_string(in->webview, in->webview_len) || !valid_string(in->message, in->message_len))
    return fail_invalid("a string of the request is NULL with a non-zero length");
  out.origin = view(in->origin, in->origin_len);
  out.window = view(in->window, in->window_len);
  out.webview = view(in->webview, in->webview_len);
  out.message = view(in->message, in->message_len);
  return WARD_OK;
}

ward::App::ResponseCallback response_callback(ward_response_fn done, void *user_data, void (*free_user_data)(void *)) {
  auto data = std::make_shared<ForeignData>(user_data, free_user_data);
  return [done, data](ward::Response response) {
    auto owned = std::make_unique<ward_response>(ward_response{std::move(response)});
    done(owned.release(), data->get());
  };
}

const char *out_string(std::string_view text, size_t *len) noexcept {
  if (len) *len = text.size();
  return text.data() ? text.data() : "";
}

ward::acl::Source acl_source(const char *name, size_t name_len, const char *text, size_t text_len,
                             ward_acl_format format) {
  return ward::acl::Source{std::string(view(name, name_len)), std::string(view(text, text_len)),
                           format == WARD_ACL_JSON ? ward::acl::Format::json : ward::acl::Format::toml};
}

ward_status check_acl_source(const char *name, size_t name_len, const char *text, size_t text_len,
                             ward_acl_format format) noexcept {
  if (!valid_string(name, name_len) || !valid_string(text, text_len))
    return fail_invalid("a string is NULL with a non-zero length");
  if (format != WARD_ACL_TOML && format != WARD_ACL_JSON) return fail_invalid("format must be WARD_ACL_TOML or WARD_ACL_JSON");
  return WARD_OK;
}

char *copy_out(std::string_view text, size_t *len) {
  auto *out = static_cast<char *>(std::malloc(text.size() + 1));
  if (!out) throw std::bad_alloc();
  std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  if (len) *len = text.size();
  return out;
}

void write_json_list(ward::JsonWriter &writer, std::string_view key, const std::vector<std::string> &entries) {
  writer.key(key);
  writer.begin_array();
  for (const auto &entry : entries) writer.raw(entry);
  writer.end_array();
}

ward_status answer_status(const ward::result<void> &outcome) noexcept {
  return outcome ? WARD_OK : fail(outcome.error());
}

/// navigated and destroyed accept no label a request could not carry (WARD_ERR_INVALID_NAME).
ward_status check_webview_label(const char *webview, size_t webview_len) {
  if (!valid_string(webview, webview_len)) return fail_invalid("webview is NULL with a non-zero length");
  if (!ward::Label::is_valid(view(webview, webview_len)))
    return fail(WARD_ERR_INVALID_NAME, // as ward_app_webview_created answers
                "webview `" + std::string(view(webview, webview_len)) + "` is not a valid webview label");
  return WARD_OK;
}

ward_status add_c_command(ward_builder *builder, const char *name, size_t name_len, const ward_command_options *options,
                          ward_command_fn handler, void *user_data, void (*free_user_data)(void *),
                          ward::Execution execution) {
  if (!builder) return fail_invalid("builder is NULL");
  if (!handler) return fail_invalid("handler is NULL");
  if (!valid_string(name, name_len)) return fail_invalid("name is NULL with a non-zero length");
  std::vector<std::string> required_state;
  if (options) {
    if (auto status = check_struct_size(options, command_options_v1, "ward_command_options"); status != WARD_OK)
      return status;
    if (options->required_state_count && (!options->required_state || !options->required_state_lens))
      return fail_invalid("ward_command_options.required_state is NULL with a non-zero count");
    for (size_t i = 0; i < options->required_state_count; ++i) {
      if (!valid_string(options->required_state[i], options->required_state_lens[i]))
        return fail_invalid("ward_command_options.required_state has a NULL name");
      required_state.emplace_back(view(options->required_state[i], options->required_state_lens[i]));
    }
  }
  auto data = std::make_shared<ForeignData>(user_data, free_user_data);
  auto added = builder->builder.add_handler(
      view(name, name_len), std::make_unique<CCommand>(std::string(view(name, name_len)), handler, data,
                                                       std::move(required_state), execution));
  if (!added) {
    data->disarm(); // the caller keeps ownership of user_data on failure
    return fail(added.error());
  }
  return WARD_OK;
}

/// A C timeout in milliseconds: UINT64_MAX (or anything beyond a century) waits "forever", as
/// long as a steady clock can count without overflowing.
std::chrono::nanoseconds timeout_of(uint64_t timeout_ms) noexcept {
  constexpr uint64_t century_ms = 100ULL * 365 * 24 * 60 * 60 * 1000;
  return std::chrono::milliseconds(static_cast<std::int64_t>(timeout_ms < century_ms ? timeout_ms : century_ms));
}

/// An event name from C; fails with WARD_ERR_INVALID_NAME (or INVALID_ARGUMENT for a NULL pointer).
ward_status read_event_name(const char *event, size_t event_len, std::optional<ward::EventName> &out) {
  if (!valid_string(event, event_len)) return fail_invalid("event is NULL with a non-zero length");
  auto parsed = ward::EventName::parse(view(event, event_len));
  if (!parsed) return fail(parsed.error());
  out.emplace(std::move(parsed).assume_value());
  return WARD_OK;
}

ward_status read_payload(const char *payload_json, size_t payload_len) noexcept {
  return valid_string(payload_json, payload_len) ? WARD_OK : fail_invalid("payload_json is NULL with a non-zero length");
}

/// An enum field a C caller filled in, read as its integer: C may store any int there, and loading
/// a value outside the enumerators as the C++ enum type would be undefined behaviour.
template <class Enum> long long enum_field(const Enum &field) noexcept {
  std::underlying_type_t<Enum> raw;
  std::memcpy(&raw, &field, sizeof raw);
  return static_cast<long long>(raw);
}

ward_status read_target(const ward_event_target *in, ward::EventTarget &out) {
  if (!in) return fail_invalid("target is NULL");
  if (auto status = check_struct_size(in, event_target_v1, "ward_event_target"); status != WARD_OK) return status;
  if (!valid_string(in->label, in->label_len)) return fail_invalid("ward_event_target.label is NULL with a non-zero length");
  using Kind = ward::EventTarget::Kind;
  const long long kind = enum_field(in->kind);
  Kind labelled;
  switch (kind) {
  case WARD_TARGET_ANY: out = ward::EventTarget::any(); return WARD_OK;
  case WARD_TARGET_APP: out = ward::EventTarget::app(); return WARD_OK;
  case WARD_TARGET_ANY_LABEL: labelled = Kind::any_label; break;
  case WARD_TARGET_WINDOW: labelled = Kind::window; break;
  case WARD_TARGET_WEBVIEW: labelled = Kind::webview; break;
  case WARD_TARGET_WEBVIEW_WINDOW: labelled = Kind::webview_window; break;
  default: return fail_invalid("ward_event_target.kind " + std::to_string(kind) + " is not a ward_event_target_kind");
  }
  auto label = ward::Label::parse(view(in->label, in->label_len));
  if (!label) return fail(WARD_ERR_INVALID_NAME, "ward_event_target.label: " + label.error().message());
  out = ward::EventTarget::of(labelled, label.value());
  return WARD_OK;
}

ward_event_target c_target(const ward::EventTarget &target) noexcept {
  using Kind = ward::EventTarget::Kind;
  ward_event_target out{};
  out.struct_size = sizeof out;
  switch (target.kind()) {
  case Kind::any: out.kind = WARD_TARGET_ANY; break;
  case Kind::any_label: out.kind = WARD_TARGET_ANY_LABEL; break;
  case Kind::app: out.kind = WARD_TARGET_APP; break;
  case Kind::window: out.kind = WARD_TARGET_WINDOW; break;
  case Kind::webview: out.kind = WARD_TARGET_WEBVIEW; break;
  case Kind::webview_window: out.kind = WARD_TARGET_WEBVIEW_WINDOW; break;
  }
  out.label = target.label().c_str();
  out.label_len = target.label().size();
  return out;
}

ward_delivery c_delivery(const ward::Delivery &delivery) noexcept {
  ward_delivery out{};
  out.struct_size = sizeof out;
  switch (delivery.kind) {
  case ward::DeliveryKind::reply: out.kind = WARD_DELIVERY_REPLY; break;
  case ward::DeliveryKind::event: out.kind = WARD_DELIVERY_EVENT; break;
  case ward::DeliveryKind::channel: out.kind = WARD_DELIVERY_CHANNEL; break;
  }
  out.callback = delivery.callback;
  out.ok = delivery.ok ? 1 : 0;
  out.raw = delivery.body_kind == ward::BodyKind::raw ? 1 : 0;
  out.body = delivery.body.empty() ? reinterpret_cast<const uint8_t *>("")
                                   : reinterpret_cast<const uint8_t *>(delivery.body.data());
  out.body_len = delivery.body.size();
  out.index = delivery.index;
  out.end = delivery.end ? 1 : 0;
  return out;
}

ward_status read_delivery(const ward_delivery *in, ward::Delivery &out) noexcept {
  if (!in) return fail_invalid("delivery is NULL");
  if (auto status = check_struct_size(in, delivery_v1, "ward_delivery"); status != WARD_OK) return status;
  switch (enum_field(in->kind)) {
  case WARD_DELIVERY_REPLY: out.kind = ward::DeliveryKind::reply; break;
  case WARD_DELIVERY_EVENT: out.kind = ward::DeliveryKind::event; break;
  case WARD_DELIVERY_CHANNEL: out.kind = ward::DeliveryKind::channel; break;
  default: return fail_invalid("ward_delivery.kind is not a ward_delivery_kind");
  }
  if (!in->body && in->body_len) return fail_invalid("ward_delivery.body is NULL with a non-zero length");
  out.callback = in->callback;
  out.ok = in->ok != 0;
  out.body_kind = in->raw ? ward::BodyKind::raw : ward::BodyKind::json;
  out.body = view(reinterpret_cast<const char *>(in->body), in->body_len);
  out.index = in->index;
  out.end = in->end != 0;
  return WARD_OK;
}

} // namespace

extern "C" {

uint32_t ward_abi_version(void) { return WARD_ABI_VERSION; }
const char *ward_version_string(void) { return ward::version_string(); }

const char *ward_status_name(ward_status status) {
  // errc_name's views point at string literals, so they are NUL-terminated.
  return ward::errc_name(static_cast<ward::errc>(status)).data();
}

ward_status ward_last_error_code(void) { return last_code; }

const char *ward_last_error_message(size_t *len) {
  if (len) *len = last_message.size();
  return last_message.c_str();
}

ward_status ward_builder_new(const ward_builder_options *options, ward_builder **out) {
  return guarded([&] {
    if (!out) return fail_invalid("out is NULL");
    *out = nullptr;
    ward::Limits limits;
    ward::LogSink sink;
    if (options) {
      if (auto status = check_struct_size(options, builder_options_v1, "ward_builder_options"); status != WARD_OK)
        return status;
      if (options->abi_version != WARD_ABI_VERSION)
        return fail(WARD_ERR_ABI_MISMATCH, "ward_builder_options.abi_version " + std::to_string(options->abi_version) +
                                               " is not supported; this library implements ABI version " +
                                               std::to_string(WARD_ABI_VERSION));
      if (options->limits) {
        if (auto status = read_limits(options->limits, limits); status != WARD_OK) return status;
      }
      if (options->log) {
        auto data = std::make_shared<ForeignData>(options->log_user_data, options->log_free_user_data);
        sink = [log = options->log, data](const ward::LogRecord &record) {
          log(static_cast<ward_log_level>(record.level), static_cast<ward_status>(record.code), record.message.data(),
              record.message.size(), record.detail.data(), record.detail.size(), data->get());
        };
      }
    }
    auto builder = std::make_unique<ward_builder>();
    builder->builder.limits(limits).log_sink(std::move(sink));
    *out = builder.release();
    return WARD_OK;
  });
}

void ward_builder_free(ward_builder *builder) { delete builder; }

ward_status ward_builder_command(ward_builder *builder, const char *name, size_t name_len,
                                 const ward_command_options *options, ward_command_fn handler, void *user_data,
                                 void (*free_user_data)(void *)) {
  return guarded([&] {
    return add_c_command(builder, name, name_len, options, handler, user_data, free_user_data,
                         ward::Execution::caller);
  });
}

ward_status ward_builder_async_command(ward_builder *builder, const char *name, size_t name_len,
                                       const ward_command_options *options, ward_command_fn handler, void *user_data,
                                       void (*free_user_data)(void *)) {
  return guarded([&] {
    return add_c_command(builder, name, name_len, options, handler, user_data, free_user_data,
                         ward::Execution::executor);
  });
}

ward_status ward_builder_manage(ward_builder *builder, const char *name, size_t name_len, void *state,
                                void (*free_state)(void *)) {
  return guarded([&] {
    if (!builder) return fail_invalid("builder is NULL");
    if (!state) return fail_invalid("state is NULL: manage a non-NULL pointer");
    if (!valid_string(name, name_len)) return fail_invalid("name is NULL with a non-zero length");
    auto data = std::make_shared<ForeignData>(state, free_state);
    auto added = builder->builder.add_named_state(view(name, name_len), std::shared_ptr<void>(data, data->get()));
    if (!added) {
      data->disarm();
      return fail(added.error());
    }
    return WARD_OK;
  });
}

ward_status ward_builder_build(ward_builder *builder, ward_app **out) {
  std::unique_ptr<ward_builder> owned(builder);
  return guarded([&] {
    if (!out) return fail_invalid("out is NULL");
    *out = nullptr;
    if (!owned) return fail_invalid("builder is NULL");
    auto built = owned->builder.build();
    if (!built) return fail(built.error());
    *out = new ward_app{std::move(built).assume_value()};
    return WARD_OK;
  });
}

ward_status ward_builder_add_capability(ward_builder *builder, const char *name, size_t name_len, const char *text,
                                        size_t text_len, ward_acl_format format) {
  return guarded([&] {
    if (!builder) return fail_invalid("builder is NULL");
    if (auto status = check_acl_source(name, name_len, text, text_len, format); status != WARD_OK) return status;
    builder->builder.capability(acl_source(name, name_len, text, text_len, format));
    return WARD_OK;
  });
}

ward_status ward_builder_add_permissions(ward_builder *builder, const char *plugin, size_t plugin_len, const char *name,
                                         size_t name_len, const char *text, size_t text_len, ward_acl_format format) {
  return guarded([&] {
    if (!builder) return fail_invalid("builder is NULL");
    if (!valid_string(plugin, plugin_len)) return fail_invalid("plugin is NULL with a non-zero length");
    if (auto status = check_acl_source(name, name_len, text, text_len, format); status != WARD_OK) return status;
    builder->builder.permissions(view(plugin, plugin_len), acl_source(name, name_len, text, text_len, format));
    return WARD_OK;
  });
}

ward_status ward_builder_load_acl_directory(ward_builder *builder, const char *path, size_t path_len) {
  return guarded([&] {
    if (!builder) return fail_invalid("builder is NULL");
    if (!valid_string(path, path_len)) return fail_invalid("path is NULL with a non-zero length");
    auto added = builder->builder.add_acl_directory(std::string(view(path, path_len)));
    return added ? WARD_OK : fail(added.error());
  });
}

ward_status ward_builder_set_app_origins(ward_builder *builder, const char *const *origins, const size_t *origin_lens,
                                         size_t count) {
  return guarded([&] {
    if (!builder) return fail_invalid("builder is NULL");
    if (count && (!origins || !origin_lens)) return fail_invalid("origins are NULL with a non-zero count");
    std::vector<std::string> list;
    for (size_t i = 0; i < count; ++i) {
      if (!valid_string(origins[i], origin_lens[i])) return fail_invalid("an origin is NULL with a non-zero length");
      list.emplace_back(view(origins[i], origin_lens[i]));
    }
    builder->builder.app_origins(std::move(list));
    return WARD_OK;
  });
}

ward_status ward_builder_set_acl_platform(ward_builder *builder, const char *platform, size_t platform_len) {
  return guarded([&] {
    if (!builder) return fail_invalid("builder is NULL");
    if (!valid_string(platform, platform_len)) return fail_invalid("platform is NULL with a non-zero length");
    auto parsed = ward::acl::parse_platform(view(platform, platform_len));
    if (!parsed) return fail_invalid(parsed.error().message());
    builder->builder.acl_platform(parsed.value());
    return WARD_OK;
  });
}

ward_status ward_builder_set_acl_strict(ward_builder *builder, int strict) {
  return guarded([&] {
    if (!builder) return fail_invalid("builder is NULL");
    builder->builder.acl_unknown_fields_are_errors(strict != 0);
    return WARD_OK;
  });
}

ward_status ward_builder_set_audit(ward_builder *builder, ward_audit_fn audit, void *user_data,
                                   void (*free_user_data)(void *)) {
  return guarded([&] {
    if (!builder) return fail_invalid("builder is NULL");
    if (!audit) return fail_invalid("audit is NULL");
    auto data = std::make_shared<ForeignData>(user_data, free_user_data);
    builder->builder.audit_sink([audit, data](const ward::AuditRecord &record) {
      audit(record.command.data(), record.command.size(), record.window.data(), record.window.size(),
            record.webview.data(), record.webview.size(), record.origin.data(), record.origin.size(), record.invoke_id,
            data->get());
    });
    return WARD_OK;
  });
}

ward_status ward_app_add_capability(ward_app *app, const char *name, size_t name_len, const char *text, size_t text_len,
                                    ward_acl_format format) {
  return guarded([&] {
    if (!app) return fail_invalid("app is NULL");
    if (auto status = check_acl_source(name, name_len, text, text_len, format); status != WARD_OK) return status;
    auto added = app->app.add_capability(acl_source(name, name_len, text, text_len, format));
    return added ? WARD_OK : fail(added.error());
  });
}

ward_status ward_app_explain(ward_app *app, const char *command, size_t command_len, const char *window,
                             size_t window_len, const char *webview, size_t webview_len, const char *origin,
                             size_t origin_len, char **out_json, size_t *out_len) {
  return guarded([&] {
    if (!out_json) return fail_invalid("out_json is NULL");
    *out_json = nullptr;
    if (!app) return fail_invalid("app is NULL");
    if (!valid_string(command, command_len) || !valid_string(window, window_len) ||
        !valid_string(webview, webview_len) || !valid_string(origin, origin_len))
      return fail_invalid("a string is NULL with a non-zero length");
    const auto explanation = app->app.explain(ward::acl::AccessRequest{
        view(command, command_len), view(window, window_len), view(webview, webview_len), view(origin, origin_len)});
    *out_json = copy_out(explanation, out_len);
    return WARD_OK;
  });
}

ward_status ward_app_resolved_acl(ward_app *app, char **out_json, size_t *out_len) {
  return guarded([&] {
    if (!out_json) return fail_invalid("out_json is NULL");
    *out_json = nullptr;
    if (!app) return fail_invalid("app is NULL");
    *out_json = copy_out(app->app.policy().resolved_json(), out_len);
    return WARD_OK;
  });
}

void ward_string_free(char *string) { std::free(string); }

void ward_app_free(ward_app *app) {
  if (!app) return;
  try {
    // The wrapper holds the host's only App copy, so deleting it would shut down as well;
    // saying it keeps that true if the wrapper ever holds more.
    app->app.shutdown();
  } catch (...) {
  }
  delete app;
}

const char *ward_app_invoke_key(const ward_app *app, size_t *len) {
  if (!app) return out_string({}, len);
  return out_string(app->app.invoke_key(), len);
}

ward_status ward_app_invoke(ward_app *app, const ward_request *request, ward_response **out) {
  return guarded([&] {
    if (!out) return fail_invalid("out is NULL");
    *out = nullptr;
    if (!app) return fail_invalid("app is NULL");
    RequestHeaders headers;
    ward::Request cpp_request;
    if (auto status = read_request(request, headers, cpp_request); status != WARD_OK) return status;
    *out = new ward_response{app->app.invoke(cpp_request)};
    return WARD_OK;
  });
}

ward_status ward_app_invoke_async(ward_app *app, const ward_request *request, ward_response_fn done, void *user_data,
                                  void (*free_user_data)(void *)) {
  return guarded([&] {
    if (!app) return fail_invalid("app is NULL");
    if (!done) return fail_invalid("done is NULL");
    RequestHeaders headers;
    ward::Request cpp_request;
    if (auto status = read_request(request, headers, cpp_request); status != WARD_OK) return status;
    app->app.invoke_async(cpp_request, response_callback(done, user_data, free_user_data));
    return WARD_OK;
  });
}

ward_status ward_app_invoke_message(ward_app *app, const ward_message_request *request, ward_response **out) {
  return guarded([&] {
    if (!out) return fail_invalid("out is NULL");
    *out = nullptr;
    if (!app) return fail_invalid("app is NULL");
    ward::MessageRequest cpp_request;
    if (auto status = read_message(request, cpp_request); status != WARD_OK) return status;
    *out = new ward_response{app->app.invoke(cpp_request)};
    return WARD_OK;
  });
}

ward_status ward_app_invoke_message_async(ward_app *app, const ward_message_request *request, ward_response_fn done,
                                          void *user_data, void (*free_user_data)(void *)) {
  return guarded([&] {
    if (!app) return fail_invalid("app is NULL");
    if (!done) return fail_invalid("done is NULL");
    ward::MessageRequest cpp_request;
    if (auto status = read_message(request, cpp_request); status != WARD_OK) return status;
    app->app.invoke_async(cpp_request, response_callback(done, user_data, free_user_data));
    return WARD_OK;
  });
}

int ward_response_is_ok(const ward_response *response) { return response && response->response.ok() ? 1 : 0; }

ward_status ward_response_code(const ward_response *response) {
  return response ? static_cast<ward_status>(response->response.code) : WARD_ERR_INVALID_ARGUMENT;
}

int ward_response_is_raw(const ward_response *response) {
  return response && response->response.kind == ward::BodyKind::raw ? 1 : 0;
}

const char *ward_response_content_type(const ward_response *response) {
  // content_type() returns views of string literals.
  return response ? response->response.content_type().data() : "";
}

const uint8_t *ward_response_body(const ward_response *response, size_t *len) {
  if (!response) {
    if (len) *len = 0;
    return reinterpret_cast<const uint8_t *>("");
  }
  if (len) *len = response->response.body.size();
  return reinterpret_cast<const uint8_t *>(response->response.body.c_str());
}

uint32_t ward_response_callback_id(const ward_response *response) {
  return response ? response->response.callback_id : 0;
}
uint32_t ward_response_error_id(const ward_response *response) { return response ? response->response.error_id : 0; }
void ward_response_free(ward_response *response) { delete response; }

const char *ward_invocation_command(const ward_invocation *inv, size_t *len) {
  return out_string(inv ? inv->invocation.context().command : std::string_view(), len);
}
const char *ward_invocation_window(const ward_invocation *inv, size_t *len) {
  return out_string(inv ? inv->invocation.context().window : std::string_view(), len);
}
const char *ward_invocation_webview(const ward_invocation *inv, size_t *len) {
  return out_string(inv ? inv->invocation.context().webview : std::string_view(), len);
}
const char *ward_invocation_origin(const ward_invocation *inv, size_t *len) {
  return out_string(inv ? inv->invocation.context().origin : std::string_view(), len);
}
uint64_t ward_invocation_id(const ward_invocation *inv) { return inv ? inv->invocation.context().id : 0; }
int ward_invocation_is_raw(const ward_invocation *inv) { return inv && inv->invocation.is_raw() ? 1 : 0; }

const char *ward_invocation_args_json(const ward_invocation *inv, size_t *len) {
  return out_string(inv ? inv->invocation.args_json() : std::string_view("{}"), len);
}

const uint8_t *ward_invocation_body(const ward_invocation *inv, size_t *len) {
  const auto body = inv ? inv->invocation.body() : std::span<const std::byte>();
  if (len) *len = body.size();
  return body.empty() ? reinterpret_cast<const uint8_t *>("") : reinterpret_cast<const uint8_t *>(body.data());
}

const char *ward_invocation_header(const ward_invocation *inv, const char *name, size_t name_len, size_t *len) {
  if (len) *len = 0;
  if (!inv || !valid_string(name, name_len)) return nullptr;
  const auto value = inv->invocation.header(view(name, name_len));
  if (!value) return nullptr;
  return out_string(*value, len);
}

const char *ward_invocation_scopes_json(const ward_invocation *inv, size_t *len) {
  if (len) *len = 0;
  if (!inv) return "";
  try {
    if (inv->scopes_json.empty()) {
      const auto &scopes = inv->invocation.scopes();
      ward::String out;
      ward::JsonWriter writer(out);
      writer.begin_object();
      write_json_list(writer, "allow", scopes.command.allow);
      write_json_list(writer, "deny", scopes.command.deny);
      write_json_list(writer, "global_allow", scopes.global.allow);
      write_json_list(writer, "global_deny", scopes.global.deny);
      writer.end_object();
      inv->scopes_json.assign(out.data(), out.size());
    }
    return out_string(inv->scopes_json, len);
  } catch (...) {
    fail(WARD_ERR_OUT_OF_MEMORY, "out of memory");
    return "";
  }
}

ward_status ward_invocation_state(const ward_invocation *inv, const char *name, size_t name_len, void **out) {
  return guarded([&] {
    if (!out) return fail_invalid("out is NULL");
    *out = nullptr;
    if (!inv) return fail_invalid("invocation is NULL");
    if (!valid_string(name, name_len)) return fail_invalid("name is NULL with a non-zero length");
    void *state = inv->invocation.state(view(name, name_len));
    if (!state) return fail(WARD_ERR_STATE_NOT_MANAGED, "state `" + std::string(view(name, name_len)) + "` is not managed");
    *out = state;
    return WARD_OK;
  });
}

ward_status ward_responder_resolve_json(ward_responder *responder, const char *json, size_t len) {
  std::unique_ptr<ward_responder> owned(responder);
  return guarded([&] {
    if (!owned) return fail_invalid("responder is NULL");
    if (!valid_string(json, len)) return fail_invalid("json is NULL with a non-zero length");
    return answer_status(owned->responder.resolve_json(view(json, len)));
  });
}

ward_status ward_responder_resolve_bytes(ward_responder *responder, const uint8_t *data, size_t len) {
  std::unique_ptr<ward_responder> owned(responder);
  return guarded([&] {
    if (!owned) return fail_invalid("responder is NULL");
    if (!data && len) return fail_invalid("data is NULL with a non-zero length");
    return answer_status(owned->responder.resolve_bytes(bytes_of(data, len)));
  });
}

ward_status ward_responder_reject_json(ward_responder *responder, const char *json, size_t len) {
  std::unique_ptr<ward_responder> owned(responder);
  return guarded([&] {
    if (!owned) return fail_invalid("responder is NULL");
    if (!valid_string(json, len)) return fail_invalid("json is NULL with a non-zero length");
    return answer_status(owned->responder.reject(ward::Error::rejected(std::string(view(json, len)))));
  });
}

ward_status ward_responder_reject_message(ward_responder *responder, const char *message, size_t len) {
  std::unique_ptr<ward_responder> owned(responder);
  return guarded([&] {
    if (!owned) return fail_invalid("responder is NULL");
    if (!valid_string(message, len)) return fail_invalid("message is NULL with a non-zero length");
    return answer_status(
        owned->responder.reject(ward::Error(ward::errc::command_rejected, ward::to_json(view(message, len)).c_str())));
  });
}

void ward_responder_free(ward_responder *responder) {
  try {
    delete responder; // answers an internal error if unanswered
  } catch (...) {
  }
}


// --- the live half: executor, deliveries ------------------------------------------------------

ward_status ward_builder_set_executor(ward_builder *builder, const ward_executor_options *options) {
  return guarded([&] {
    if (!builder) return fail_invalid("builder is NULL");
    ward::ExecutorOptions executor;
    if (options) {
      if (auto status = check_struct_size(options, executor_options_v1, "ward_executor_options"); status != WARD_OK)
        return status;
      if (options->workers) executor.workers = options->workers;
      if (options->queue_capacity) executor.queue_capacity = options->queue_capacity;
    }
    builder->builder.executor(executor);
    return WARD_OK;
  });
}

ward_status ward_builder_set_delivery(ward_builder *builder, ward_delivery_fn deliver, void *user_data,
                                      void (*free_user_data)(void *)) {
  return guarded([&] {
    if (!builder) return fail_invalid("builder is NULL");
    if (!deliver) return fail_invalid("deliver is NULL");
    auto data = std::make_shared<ForeignData>(user_data, free_user_data);
    ward::DeliverySink sink = [deliver, data](std::string_view webview, const ward::Delivery &delivery) {
      const ward_delivery c = c_delivery(delivery);
      deliver(webview.empty() ? "" : webview.data(), webview.size(), &c, data->get());
    };
    try {
      builder->builder.delivery_sink(std::move(sink));
    } catch (...) {
      data->disarm();
      throw;
    }
    return WARD_OK;
  });
}

ward_status ward_builder_set_delivery_options(ward_builder *builder, const ward_delivery_options *options) {
  return guarded([&] {
    if (!builder) return fail_invalid("builder is NULL");
    ward::DeliveryOptions delivery;
    if (options) {
      if (auto status = check_struct_size(options, delivery_options_v1, "ward_delivery_options"); status != WARD_OK)
        return status;
      if (options->channel_capacity) delivery.channel_capacity = options->channel_capacity;
      if (options->queue_capacity) delivery.queue_capacity = options->queue_capacity;
    }
    builder->builder.delivery_options(delivery);
    return WARD_OK;
  });
}

ward_status ward_delivery_render_script(const ward_delivery *delivery, char **out, size_t *out_len) {
  return guarded([&] {
    if (!out) return fail_invalid("out is NULL");
    *out = nullptr;
    ward::Delivery cpp_delivery;
    if (auto status = read_delivery(delivery, cpp_delivery); status != WARD_OK) return status;
    *out = copy_out(ward::render_script(cpp_delivery), out_len);
    return WARD_OK;
  });
}

// --- app lifetime and webviews ------------------------------------------------------------------

void ward_app_shutdown(ward_app *app) {
  if (!app) return;
  try {
    app->app.shutdown();
  } catch (...) {
  }
}

ward_status ward_app_webview_created(ward_app *app, const char *webview, size_t webview_len, const char *window,
                                     size_t window_len) {
  return guarded([&] {
    if (!app) return fail_invalid("app is NULL");
    if (!valid_string(webview, webview_len)) return fail_invalid("webview is NULL with a non-zero length");
    if (!valid_string(window, window_len)) return fail_invalid("window is NULL with a non-zero length");
    return answer_status(app->app.webview_created(view(webview, webview_len), view(window, window_len)));
  });
}

ward_status ward_app_webview_navigated(ward_app *app, const char *webview, size_t webview_len) {
  return guarded([&] {
    if (!app) return fail_invalid("app is NULL");
    if (auto status = check_webview_label(webview, webview_len); status != WARD_OK) return status;
    app->app.webview_navigated(view(webview, webview_len));
    return WARD_OK;
  });
}

ward_status ward_app_webview_destroyed(ward_app *app, const char *webview, size_t webview_len) {
  return guarded([&] {
    if (!app) return fail_invalid("app is NULL");
    if (auto status = check_webview_label(webview, webview_len); status != WARD_OK) return status;
    app->app.webview_destroyed(view(webview, webview_len));
    return WARD_OK;
  });
}

// --- events -------------------------------------------------------------------------------------

ward_status ward_app_emit(ward_app *app, const char *event, size_t event_len, const char *payload_json,
                          size_t payload_len) {
  return guarded([&] {
    if (!app) return fail_invalid("app is NULL");
    std::optional<ward::EventName> name;
    if (auto status = read_event_name(event, event_len, name); status != WARD_OK) return status;
    if (auto status = read_payload(payload_json, payload_len); status != WARD_OK) return status;
    return answer_status(app->app.emit(*name, view(payload_json, payload_len)));
  });
}

ward_status ward_app_emit_to(ward_app *app, const ward_event_target *target, const char *event, size_t event_len,
                             const char *payload_json, size_t payload_len) {
  return guarded([&] {
    if (!app) return fail_invalid("app is NULL");
    ward::EventTarget cpp_target;
    if (auto status = read_target(target, cpp_target); status != WARD_OK) return status;
    std::optional<ward::EventName> name;
    if (auto status = read_event_name(event, event_len, name); status != WARD_OK) return status;
    if (auto status = read_payload(payload_json, payload_len); status != WARD_OK) return status;
    return answer_status(app->app.emit_to(cpp_target, *name, view(payload_json, payload_len)));
  });
}

ward_status ward_app_emit_filter(ward_app *app, const char *event, size_t event_len, const char *payload_json,
                                 size_t payload_len, ward_event_filter_fn filter, void *user_data) {
  return guarded([&] {
    if (!app) return fail_invalid("app is NULL");
    if (!filter) return fail_invalid("filter is NULL");
    std::optional<ward::EventName> name;
    if (auto status = read_event_name(event, event_len, name); status != WARD_OK) return status;
    if (auto status = read_payload(payload_json, payload_len); status != WARD_OK) return status;
    const ward::EventFilter accepts = [filter, user_data](const ward::EventTarget &target) {
      const ward_event_target c = c_target(target);
      return filter(&c, user_data) != 0;
    };
    return answer_status(app->app.emit_filter(*name, view(payload_json, payload_len), accepts));
  });
}

ward_status ward_app_listen(ward_app *app, const char *event, size_t event_len, const ward_event_target *target,
                            int once, ward_event_fn listener, void *user_data, void (*free_user_data)(void *),
                            uint64_t *out_id) {
  return guarded([&] {
    if (!app) return fail_invalid("app is NULL");
    if (!listener) return fail_invalid("listener is NULL");
    std::optional<ward::EventName> name;
    if (auto status = read_event_name(event, event_len, name); status != WARD_OK) return status;
    ward::EventTarget cpp_target = ward::EventTarget::any();
    if (target) {
      if (auto status = read_target(target, cpp_target); status != WARD_OK) return status;
    }
    // The listener owns user_data: whenever the core drops it (unlisten, once, shutdown), the
    // last reference goes and free_user_data runs. This call keeps its own reference until the
    // registration is done, so that a failure (an exception) can disarm it first.
    auto data = std::make_shared<ForeignData>(user_data, free_user_data);
    ward::EventListener call = [listener, data](const ward::Event &event) {
      ward_event c{};
      c.struct_size = sizeof c;
      c.name = event.name.empty() ? "" : event.name.data();
      c.name_len = event.name.size();
      c.payload_json = event.payload_json.empty() ? "" : event.payload_json.data();
      c.payload_len = event.payload_json.size();
      c.listener = event.listener;
      listener(&c, data->get());
    };
    ward::ListenerId id = 0;
    try {
      id = once ? app->app.once(*name, std::move(call), std::move(cpp_target))
                : app->app.listen(*name, std::move(call), std::move(cpp_target));
    } catch (...) {
      data->disarm();
      throw;
    }
    if (out_id) *out_id = id;
    return WARD_OK;
  });
}

ward_status ward_app_unlisten(ward_app *app, uint64_t listener) {
  return guarded([&] {
    if (!app) return fail_invalid("app is NULL");
    if (!app->app.unlisten(listener)) return fail_invalid("listener " + std::to_string(listener) + " is not listening");
    return WARD_OK;
  });
}

// --- posting ------------------------------------------------------------------------------------

ward_status ward_app_post(ward_app *app, const ward_request *request) {
  return guarded([&] {
    if (!app) return fail_invalid("app is NULL");
    RequestHeaders headers;
    ward::Request cpp_request;
    if (auto status = read_request(request, headers, cpp_request); status != WARD_OK) return status;
    return answer_status(app->app.post(cpp_request));
  });
}

ward_status ward_app_post_message(ward_app *app, const ward_message_request *request) {
  return guarded([&] {
    if (!app) return fail_invalid("app is NULL");
    ward::MessageRequest cpp_request;
    if (auto status = read_message(request, cpp_request); status != WARD_OK) return status;
    return answer_status(app->app.post(cpp_request));
  });
}

// --- responder cancellation ---------------------------------------------------------------------

int ward_responder_is_cancelled(const ward_responder *responder) {
  return responder && responder->cancellation.cancelled() ? 1 : 0;
}

ward_status ward_responder_on_cancel(ward_responder *responder, void (*on_cancel)(void *), void *user_data,
                                     void (*free_user_data)(void *)) {
  return guarded([&] {
    if (!responder) return fail_invalid("responder is NULL");
    if (!on_cancel) return fail_invalid("on_cancel is NULL");
    auto callback = std::make_shared<CancelCallback>(on_cancel, user_data, free_user_data);
    try {
      responder->cancel_hooks.reserve(responder->cancel_hooks.size() + 1); // the emplace below cannot throw
      auto registration = responder->cancellation.on_cancel([callback] { callback->run(); });
      responder->cancel_hooks.emplace_back(callback, std::move(registration));
    } catch (...) {
      callback->disarm(); // not registered (or it already ran and released the data itself)
      throw;
    }
    return WARD_OK;
  });
}

int ward_responder_wait_cancelled(const ward_responder *responder, uint64_t timeout_ms) {
  if (!responder) return 0;
  try {
    return responder->cancellation.wait_for(timeout_of(timeout_ms)) ? 1 : 0;
  } catch (...) {
    return responder->cancellation.cancelled() ? 1 : 0;
  }
}

// --- channels -----------------------------------------------------------------------------------

ward_status ward_invocation_channel(const ward_invocation *inv, const char *key, size_t key_len, ward_channel **out) {
  return guarded([&] {
    if (!out) return fail_invalid("out is NULL");
    *out = nullptr;
    if (!inv) return fail_invalid("invocation is NULL");
    if (!valid_string(key, key_len)) return fail_invalid("key is NULL with a non-zero length");
    const std::string_view name = view(key, key_len);
    const auto argument = [&] {
      return "argument `" + std::string(name) + "` of command `" + std::string(inv->invocation.context().command) + "`";
    };
    const auto value = ward::JsonObject(inv->invocation.args()).find(name);
    if (!value) return fail(WARD_ERR_INVALID_ARGS, argument() + " is missing (expected a channel, \"__CHANNEL__:<id>\")");
    auto channel = inv->invocation.channel(*value);
    if (!channel) {
      const auto &error = channel.error();
      // A closed app or webview stays WARD_ERR_CLOSED; anything else is a bad argument.
      const ward_status code = error.code() == ward::errc::closed ? WARD_ERR_CLOSED : WARD_ERR_INVALID_ARGS;
      return fail(code, argument() + " is not a channel (\"__CHANNEL__:<id>\"): " + error.message());
    }
    *out = new ward_channel{std::move(channel).assume_value()};
    return WARD_OK;
  });
}

uint32_t ward_channel_id(const ward_channel *channel) { return channel ? channel->channel.id() : 0; }

ward_status ward_channel_send_json(ward_channel *channel, const char *json, size_t len, uint64_t timeout_ms) {
  return guarded([&] {
    if (!channel) return fail_invalid("channel is NULL");
    if (!valid_string(json, len)) return fail_invalid("json is NULL with a non-zero length");
    return answer_status(channel->channel.send_json(view(json, len), timeout_of(timeout_ms)));
  });
}

ward_status ward_channel_send_bytes(ward_channel *channel, const uint8_t *data, size_t len, uint64_t timeout_ms) {
  return guarded([&] {
    if (!channel) return fail_invalid("channel is NULL");
    if (!data && len) return fail_invalid("data is NULL with a non-zero length");
    return answer_status(channel->channel.send_bytes(bytes_of(data, len), timeout_of(timeout_ms)));
  });
}

size_t ward_channel_queued(const ward_channel *channel) { return channel ? channel->channel.queued() : 0; }

void ward_channel_close(ward_channel *channel) {
  if (!channel) return;
  try {
    channel->channel.close();
  } catch (...) {
  }
}

void ward_channel_free(ward_channel *channel) {
  try {
    delete channel; // the last handle of a channel sends its end message
  } catch (...) {
  }
}

// --- resources ----------------------------------------------------------------------------------

ward_status ward_invocation_add_resource(const ward_invocation *inv, void *resource, void (*free_resource)(void *),
                                         uint64_t *out_rid) {
  return guarded([&] {
    if (!out_rid) return fail_invalid("out_rid is NULL");
    *out_rid = 0;
    if (!inv) return fail_invalid("invocation is NULL");
    if (!resource) return fail_invalid("resource is NULL: add a non-NULL pointer");
    auto stored = std::make_shared<CResource>(resource, free_resource);
    ward::ResourceId id = 0;
    try {
      auto added = inv->invocation.resources().add(stored);
      if (!added) {
        stored->disarm(); // the caller keeps the resource on failure
        return fail(added.error());
      }
      id = added.value();
    } catch (...) {
      stored->disarm();
      throw;
    }
    *out_rid = id;
    return WARD_OK;
  });
}

ward_status ward_invocation_resource(const ward_invocation *inv, uint64_t rid, void **out) {
  return guarded([&] {
    if (!out) return fail_invalid("out is NULL");
    *out = nullptr;
    if (!inv) return fail_invalid("invocation is NULL");
    auto found = inv->invocation.resources().get<CResource>(rid);
    if (!found)
      return fail_invalid("rid " + std::to_string(rid) + " is no resource of webview `" +
                          std::string(inv->invocation.context().webview) + "` added from C");
    inv->resources_in_use.push_back(found);
    *out = found->get();
    return WARD_OK;
  });
}

ward_status ward_invocation_close_resource(const ward_invocation *inv, uint64_t rid) {
  return guarded([&] {
    if (!inv) return fail_invalid("invocation is NULL");
    return answer_status(inv->invocation.resources().close(rid));
  });
}

} // extern "C"
