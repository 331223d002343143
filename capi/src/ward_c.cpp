// The C ABI, implemented over the public C++ API only. Every entry point catches everything:
// no exception crosses into C.
#include "ward.h"

#include <ward/ward.hpp>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

struct ward_builder {
  ward::AppBuilder builder;
};
struct ward_app {
  ward::App app;
};
struct ward_invocation {
  const ward::Invocation &invocation;
  mutable std::string scopes_json; ///< rendered on first use, lives for the handler call
};
struct ward_responder {
  ward::Responder responder;
};
struct ward_response {
  ward::Response response;
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

std::span<const std::byte> bytes_of(const uint8_t *data, size_t size) noexcept {
  return size == 0 ? std::span<const std::byte>() : std::as_bytes(std::span(data, size));
}

class CCommand final : public ward::CommandHandler {
public:
  CCommand(std::string name, ward_command_fn handler, std::shared_ptr<ForeignData> user_data,
           std::vector<std::string> required_state)
      : name_(std::move(name)), handler_(handler), user_data_(std::move(user_data)),
        required_state_(std::move(required_state)) {}

  ward::result<void> bind(const ward::detail::StateRegistry &registry) override {
    for (const auto &state : required_state_) {
      if (!ward::detail::find_state(registry, std::string_view(state)))
        return ward::Error(ward::errc::state_not_managed,
                           "command `" + name_ + "` requires state `" + state + "`, which is never managed");
    }
    return ward::success();
  }

  void call(const ward::Invocation &invocation, ward::ReplyTarget &target) override {
    auto responder = std::make_unique<ward_responder>(ward_responder{target.defer()});
    const ward_invocation c_invocation{invocation, {}};
    handler_(&c_invocation, responder.release(), user_data_->get());
  }

private:
  std::string name_;
  ward_command_fn handler_;
  std::shared_ptr<ForeignData> user_data_;
  std::vector<std::string> required_state_;
};

/// Size of each option struct as WARD_ABI_VERSION 1 declared it.
constexpr size_t builder_options_v1 = sizeof(ward_builder_options);
constexpr size_t limits_v1 = sizeof(ward_limits);
constexpr size_t command_options_v1 = sizeof(ward_command_options);
constexpr size_t request_v1 = sizeof(ward_request);
constexpr size_t message_request_v1 = sizeof(ward_message_request);

ward_status read_limits(const ward_limits *in, ward::Limits &out) noexcept {
  if (auto status = check_struct_size(in, limits_v1, "ward_limits"); status != WARD_OK) return status;
  if (in->max_body_bytes) out.max_body_bytes = in->max_body_bytes;
  if (in->max_depth) out.max_depth = in->max_depth;
  if (in->max_string_bytes) out.max_string_bytes = in->max_string_bytes;
  if (in->max_array_length) out.max_array_length = in->max_array_length;
  if (in->max_object_keys) out.max_object_keys = in->max_object_keys;
  return WARD_OK;
}

ward_status read_request(const ward_request *in, std::vector<ward::Header> &headers, ward::Request &out) {
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
    headers.push_back(ward::Header{view(header.name, header.name_len), view(header.value, header.value_len)});
  }
  out.url = view(in->url, in->url_len);
  out.origin = view(in->origin, in->origin_len);
  out.window = view(in->window, in->window_len);
  out.webview = view(in->webview, in->webview_len);
  out.headers = headers;
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
                                                         std::move(required_state)));
    if (!added) {
      data->disarm(); // the caller keeps ownership of user_data on failure
      return fail(added.error());
    }
    return WARD_OK;
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

void ward_app_free(ward_app *app) { delete app; }

const char *ward_app_invoke_key(const ward_app *app, size_t *len) {
  if (!app) return out_string({}, len);
  return out_string(app->app.invoke_key(), len);
}

ward_status ward_app_invoke(ward_app *app, const ward_request *request, ward_response **out) {
  return guarded([&] {
    if (!out) return fail_invalid("out is NULL");
    *out = nullptr;
    if (!app) return fail_invalid("app is NULL");
    std::vector<ward::Header> headers;
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
    std::vector<ward::Header> headers;
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

} // extern "C"
