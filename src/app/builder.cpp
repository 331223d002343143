#include "try.hpp"
#include "app/core.hpp"
#include "ipc/invoke_key.hpp"
#include "json/document.hpp"

#include <ward/app.hpp>
#include <ward/names.hpp>

namespace ward {
namespace detail {

struct BuilderData {
  Limits limits;
  LogSink log_sink;
  StateRegistry states;
  CommandTable commands;
  std::optional<Error> first_error;
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

  auto core = std::make_shared<detail::AppCore>();
  core->limits = data->limits;
  core->log_sink = std::move(data->log_sink);
  core->states = std::move(data->states);
  for (auto &[name, handler] : data->commands) WARD_TRY(handler->bind(core->states));
  core->commands = std::move(data->commands);
  WARD_TRY_ASSIGN(core->invoke_key, detail::generate_invoke_key());
  return App(std::shared_ptr<const detail::AppCore>(std::move(core)));
}

} // namespace ward
