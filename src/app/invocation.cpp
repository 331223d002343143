#include "app/core.hpp"
#include "ipc/envelope.hpp"

namespace ward {

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
    data_->scopes = data_->policy ? data_->policy->scopes(acl::AccessRequest{context.command, context.window,
                                                                             context.webview, context.origin})
                                  : acl::ResolvedScopes{};
  }
  return *data_->scopes;
}

void *Invocation::state(std::type_index type) const noexcept { return data_->states->typed(type); }
void *Invocation::state(std::string_view name) const noexcept { return data_->states->named(name); }

} // namespace ward
