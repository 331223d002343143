#include "app/core.hpp"
#include "ipc/envelope.hpp"
#include "json/element.hpp"
#include "live/channel_state.hpp"

#include <charconv>

namespace ward {
namespace detail {

const InvocationData &data_of(const Invocation &invocation) noexcept { return *invocation.data_; }

} // namespace detail

const InvokeContext &Invocation::context() const noexcept { return data_->context; }
bool Invocation::is_raw() const noexcept { return data_->raw; }
JsonValue Invocation::args() const noexcept { return data_->args; }
std::string_view Invocation::args_json() const { return data_->args_text; }
std::span<const std::byte> Invocation::body() const noexcept { return data_->body; }

std::optional<std::string_view> Invocation::header(std::string_view name) const noexcept {
  return detail::find_header(data_->headers, name);
}

const acl::ResolvedScopes &Invocation::scopes() const {
  if (!data_->scopes) {
    const auto &context = data_->context;
    data_->scopes = std::make_unique<acl::ResolvedScopes>(
        data_->policy ? data_->policy->scopes(acl::AccessRequest{context.command, context.window, context.webview,
                                                                  context.origin})
                      : acl::ResolvedScopes{});
  }
  return *data_->scopes;
}

void *Invocation::state(std::type_index type) const noexcept { return data_->states->typed(type); }
void *Invocation::state(std::string_view name) const noexcept { return data_->states->named(name); }

CancellationToken Invocation::cancellation() const {
  if (!data_->cancel) data_->cancel = std::make_shared<detail::CancelState>();
  return CancellationToken(data_->cancel);
}

result<Channel> Invocation::channel(const JsonValue &argument) const {
  constexpr std::string_view prefix = "__CHANNEL__:";
  std::string_view text;
  if (!argument.get(text) || !text.starts_with(prefix))
    return Error(errc::invalid_args, "expected a channel (\"__CHANNEL__:<id>\")");
  text.remove_prefix(prefix.size());
  std::uint32_t id = 0;
  const auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (failure != std::errc() || end != text.data() + text.size() || text.empty())
    return Error(errc::invalid_args, "expected a channel (\"__CHANNEL__:<id>\" with a 32-bit id)");
  const auto &core = **data_->core;
  auto state = std::make_shared<detail::ChannelState>(core.deliverer, std::string(data_->context.webview), id,
                                                      std::max<std::uint32_t>(core.delivery_options.channel_capacity, 1),
                                                      data_->page);
  // A page that is gone already gets no channel: nothing it would stream could reach it.
  if (core.closed.load(std::memory_order_acquire) || !core.pages->page_is_current(state->webview, data_->page))
    state->abandon();
  else core.channels.add(state);
  return Channel(std::move(state));
}

Resources Invocation::resources() const {
  return Resources((*data_->core)->resources, data_->context.webview, data_->page);
}

const App &Invocation::app() const noexcept {
  if (!data_->app) data_->app.emplace(detail::AppCore::make_app(*data_->core, nullptr));
  return *data_->app;
}

} // namespace ward
