#include "try.hpp"
#include "app/core.hpp"
#include "app/builtins.hpp"
#include "ipc/invoke_key.hpp"
#include "json/document.hpp"

#include <ward/app.hpp>
#include <ward/names.hpp>

#include <algorithm>
#include <system_error>

namespace ward {
namespace detail {

struct BuilderData {
  Limits limits;
  LogSink log_sink;
  AuditSink audit_sink;
  acl::PolicyInput acl;
  StateRegistry states;
  CommandTable commands;
  std::optional<Error> first_error;
  DeliverySink delivery_sink;
  DeliveryOptions delivery_options;
  ExecutorOptions executor_options;
};

namespace {

result<void> validate(const Limits &limits) {
  if (limits.max_depth == 0 || limits.max_depth > max_supported_depth)
    return Error(errc::invalid_argument, "limit `max_depth` must be between 1 and 1024");
  if (limits.max_body_bytes == 0 || limits.max_string_bytes == 0 || limits.max_array_length == 0 ||
      limits.max_object_keys == 0)
    return Error(errc::invalid_argument, "limits must be greater than zero");
  return success();
}

} // namespace
} // namespace detail

AppBuilder::AppBuilder() : data_(std::make_unique<detail::BuilderData>()) {}
AppBuilder::AppBuilder(AppBuilder &&) noexcept = default;
AppBuilder &AppBuilder::operator=(AppBuilder &&) noexcept = default;
AppBuilder::~AppBuilder() = default;

AppBuilder &AppBuilder::limits(const Limits &limits) {
  remember(detail::validate(limits));
  data_->limits = limits;
  return *this;
}

AppBuilder &AppBuilder::log_sink(LogSink sink) {
  data_->log_sink = std::move(sink);
  return *this;
}

AppBuilder &AppBuilder::permissions(std::string_view plugin, acl::Source manifest) {
  auto &plugins = data_->acl.plugins;
  auto found = std::find_if(plugins.begin(), plugins.end(), [&](const auto &p) { return p.plugin == plugin; });
  if (found == plugins.end()) found = plugins.insert(plugins.end(), acl::PluginManifests{std::string(plugin), {}});
  found->files.push_back(std::move(manifest));
  return *this;
}

AppBuilder &AppBuilder::capability(acl::Source capability) {
  data_->acl.capabilities.push_back(std::move(capability));
  return *this;
}

result<void> AppBuilder::add_acl_directory(const std::filesystem::path &directory) {
  auto loaded = acl::read_directory(directory);
  if (!loaded) return std::move(loaded).assume_error();
  for (auto &plugin : loaded.value().plugins)
    for (auto &file : plugin.files) permissions(plugin.plugin, std::move(file));
  for (auto &capability : loaded.value().capabilities) this->capability(std::move(capability));
  return success();
}

AppBuilder &AppBuilder::acl_directory(const std::filesystem::path &directory) {
  remember(add_acl_directory(directory));
  return *this;
}

AppBuilder &AppBuilder::app_origins(std::vector<std::string> origins) {
  data_->acl.app_origins = std::move(origins);
  return *this;
}

AppBuilder &AppBuilder::acl_platform(acl::Platform platform) {
  data_->acl.platform = platform;
  return *this;
}

AppBuilder &AppBuilder::acl_unknown_fields_are_errors(bool are_errors) {
  data_->acl.unknown_fields_are_errors = are_errors;
  return *this;
}

AppBuilder &AppBuilder::delivery_sink(DeliverySink sink) {
  data_->delivery_sink = std::move(sink);
  return *this;
}

AppBuilder &AppBuilder::delivery_options(const DeliveryOptions &options) {
  data_->delivery_options = options;
  return *this;
}

AppBuilder &AppBuilder::executor(const ExecutorOptions &options) {
  data_->executor_options = options;
  return *this;
}

AppBuilder &AppBuilder::audit_sink(AuditSink sink) {
  data_->audit_sink = std::move(sink);
  return *this;
}

std::vector<std::string> AppBuilder::command_names() const {
  std::vector<std::string> names;
  for (const auto &[name, handler] : data_->commands) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

result<void> AppBuilder::add_handler(std::string_view name, std::unique_ptr<CommandHandler> handler) {
  auto parsed_name = CommandName::parse(name);
  if (!parsed_name) return std::move(parsed_name).assume_error();
  const CommandName &command = parsed_name.value();
  if (!handler) return Error(errc::invalid_argument, "command `" + command.str() + "` has no handler");
  if (data_->commands.contains(command.view()))
    return Error(errc::duplicate_command, "command `" + command.str() + "` is already registered");
  data_->commands.emplace(command.str(), std::move(handler));
  return success();
}

result<void> AppBuilder::add_typed_state(std::type_index type, std::string_view type_name,
                                         std::shared_ptr<void> state) {
  return data_->states.add_typed(type, type_name, std::move(state));
}

result<void> AppBuilder::add_named_state(std::string_view name, std::shared_ptr<void> state) {
  return data_->states.add_named(name, std::move(state));
}

void AppBuilder::remember(result<void> outcome) {
  if (!outcome && !data_->first_error) data_->first_error = std::move(outcome).assume_error();
}

result<App> AppBuilder::build() {
  if (!data_) return Error(errc::invalid_argument, "this builder was already built");
  auto data = std::move(data_);
  data_ = std::make_unique<detail::BuilderData>();
  if (data->first_error) return std::move(*data->first_error);
  WARD_TRY(detail::validate(data->limits));

  WARD_TRY(detail::add_builtin_commands(data->commands, data->acl));
  for (const auto &[name, handler] : data->commands) data->acl.commands.push_back(name);
  auto policy = acl::Policy::resolve(data->acl);
  if (!policy) return std::move(policy).assume_error();

  auto core = std::make_shared<detail::AppCore>();
  core->limits = data->limits;
  core->log_sink = std::move(data->log_sink);
  core->audit_sink = std::move(data->audit_sink);
  for (const auto &warning : policy.value().warnings())
    core->log(LogLevel::warn, Error(errc::ok, warning), {});
  core->replace_policy(std::make_shared<const acl::Policy>(std::move(policy).assume_value()));
  core->states = std::move(data->states);
  for (auto &[name, handler] : data->commands) WARD_TRY(handler->bind(core->states));
  core->commands.build(std::move(data->commands));
  WARD_TRY_ASSIGN(core->invoke_key, detail::generate_invoke_key());
  core->delivery_options = data->delivery_options;
  if (data->delivery_sink) try {
    core->deliverer = detail::Deliverer::start(
        std::move(data->delivery_sink), data->delivery_options.queue_capacity,
        [sink = core->log_sink](std::string_view what) {
          if (!sink) return;
          try {
            sink(LogRecord{LogLevel::error, errc::internal, "", what, {}});
          } catch (...) {
          }
        },
        core->pages);
  } catch (const std::system_error &failure) {
    return Error(errc::internal, "could not start the delivery thread", failure.what());
  }
  const bool has_async = std::any_of(core->commands.begin(), core->commands.end(), [](const auto &entry) {
    return entry.second->execution() == Execution::executor;
  });
  if (has_async) {
    try {
      core->executor = std::make_unique<detail::Executor>(data->executor_options);
    } catch (const std::system_error &failure) {
      return Error(errc::internal, "could not start the executor's threads", failure.what());
    }
  }
  std::shared_ptr<const detail::AppCore> shared(std::move(core));
  // The host's copies share `owner`; when the last goes, the app shuts down.
  std::shared_ptr<void> owner(nullptr, [shared](void *) { shared->shutdown(); });
  return detail::AppCore::make_app(shared, std::move(owner));
}

} // namespace ward
