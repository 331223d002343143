#include "app/dispatch.hpp"

#include "json/element.hpp"

#include <exception>
#include <string>

namespace ward::detail {
namespace {

class DispatchTarget final : public ReplyTarget {
public:
  DispatchTarget(const std::shared_ptr<const AppCore> &app, const Envelope &envelope,
                 App::ResponseCallback *async_done) noexcept
      : app_(app), envelope_(envelope), async_done_(async_done) {}

  void resolve(String body, BodyKind kind) override {
    if (stage_ != Stage::open) return;
    stage_ = Stage::answered;
    response_.code = errc::ok;
    response_.kind = kind;
    response_.body = std::move(body);
    response_.callback_id = envelope_.callback_id;
    response_.error_id = envelope_.error_id;
  }

  void reject(Error error) override {
    if (stage_ != Stage::open) return;
    stage_ = Stage::answered;
    response_ = error_response(*app_, error, envelope_.command, envelope_.callback_id, envelope_.error_id);
  }

  Responder defer() override {
    auto pending = std::make_shared<PendingReply>();
    pending->app = app_;
    pending->command = std::string(envelope_.command);
    pending->callback_id = envelope_.callback_id;
    pending->error_id = envelope_.error_id;
    if (stage_ != Stage::open) {
      // A handler may defer only once and only if it has not answered; a second Responder is
      // born answered so that it can never produce a second reply.
      pending->answered.store(true);
      pending->complete = [](Response) {};
      return Responder(std::move(pending));
    }
    stage_ = Stage::deferred;
    if (async_done_) {
      pending->complete = std::move(*async_done_);
    } else {
      waiter_ = std::make_shared<ResponseWaiter>();
      pending->complete = [waiter = waiter_](Response response) { waiter->set(std::move(response)); };
    }
    return Responder(std::move(pending));
  }

  /// After the handler returned (or threw): a handler that neither answered nor deferred gets
  /// an internal error, so no page ever waits forever.
  DispatchOutcome finish(const char *failure_detail) {
    if (failure_detail && stage_ != Stage::open) // answered already: the answer stands, the failure is logged
      app_->log(LogLevel::error, Error(errc::internal, "internal error", failure_detail), envelope_.command);
    if (stage_ == Stage::deferred) return DispatchOutcome{std::nullopt, std::move(waiter_)};
    if (stage_ == Stage::open) {
      reject(Error(errc::internal, "internal error",
                   failure_detail ? std::string(failure_detail)
                                  : "command `" + std::string(envelope_.command) + "` returned without answering"));
    }
    return DispatchOutcome{std::move(response_), nullptr};
  }

private:
  enum class Stage { open, answered, deferred };
  const std::shared_ptr<const AppCore> &app_;
  const Envelope &envelope_;
  App::ResponseCallback *async_done_;
  Stage stage_ = Stage::open;
  Response response_;
  std::shared_ptr<ResponseWaiter> waiter_;
};

} // namespace

void ResponseWaiter::set(Response response) {
  {
    std::lock_guard lock(mutex_);
    response_ = std::move(response);
  }
  ready_.notify_all();
}

Response ResponseWaiter::wait() {
  std::unique_lock lock(mutex_);
  ready_.wait(lock, [&] { return response_.has_value(); });
  return std::move(*response_);
}

DispatchOutcome dispatch(const std::shared_ptr<const AppCore> &app, const result<void> &read,
                         const Envelope &envelope, App::ResponseCallback *async_done) {
  if (!read)
    return {error_response(*app, read.error(), envelope.command, envelope.callback_id, envelope.error_id), nullptr};

  const auto found = app->commands.find(envelope.command);
  if (found == app->commands.end()) {
    const Error unknown(errc::unknown_command, "Command " + std::string(envelope.command) + " not found");
    return {error_response(*app, unknown, envelope.command, envelope.callback_id, envelope.error_id), nullptr};
  }

  // Default-deny: a command runs only if the policy in force now grants it to this request.
  const auto policy = app->current_policy();
  const acl::AccessRequest access{envelope.command, envelope.window, envelope.webview, envelope.origin};
  const std::uint64_t invoke_id = app->next_invoke_id.fetch_add(1, std::memory_order_relaxed);
  if (!policy->allows(access)) {
    if (app->audit_sink) {
      try {
        app->audit_sink(AuditRecord{envelope.command, envelope.window, envelope.webview, envelope.origin, invoke_id});
      } catch (...) {
        // An audit sink must not throw; the denial stands either way.
      }
    }
    const Error denied(errc::not_allowed, "Command " + std::string(envelope.command) + " not allowed by ACL");
    return {error_response(*app, denied, envelope.command, envelope.callback_id, envelope.error_id), nullptr};
  }

  InvocationData data;
  data.context = InvokeContext{envelope.command,
                               envelope.window,
                               envelope.webview,
                               envelope.origin,
                               invoke_id,
                               envelope.callback_id,
                               envelope.error_id};
  data.raw = envelope.raw;
  data.args = make_value(envelope.args);
  data.args_text = envelope.args_text;
  data.body = envelope.body;
  data.headers = envelope.headers;
  data.states = &app->states;
  data.policy = policy.get();
  const Invocation invocation(data);

  DispatchTarget target(app, envelope, async_done);
  try {
    found->second->call(invocation, target);
  } catch (const std::exception &exception) {
    const std::string detail =
        "command `" + std::string(envelope.command) + "` threw: " + exception.what();
    return target.finish(detail.c_str());
  } catch (...) {
    const std::string detail = "command `" + std::string(envelope.command) + "` threw a non-standard exception";
    return target.finish(detail.c_str());
  }
  return target.finish(nullptr);
}

} // namespace ward::detail
