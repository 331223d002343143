#include "app/dispatch.hpp"

#include "json/document.hpp"
#include "json/element.hpp"

#include <exception>
#include <string>
#include <utility>
#include <vector>

namespace ward::detail {
namespace {

/// The reply of an invoke that may be answered after dispatch returns. `command` is the command
/// index's name (it lives as long as the app the reply holds).
std::shared_ptr<PendingReply> new_reply(const std::shared_ptr<const AppCore> &app, std::string_view command,
                                        const Envelope &envelope) {
  auto pending = std::make_shared<PendingReply>();
  pending->app = app;
  pending->command = command;
  pending->callback_id = envelope.callback_id;
  pending->error_id = envelope.error_id;
  return pending;
}

/// Where an answer routed `later` goes: to `async_done` if the host gave one, otherwise to a
/// waiter created here for the blocking invoke. Set before the reply is routed `later`.
void prepare_later(PendingReply &pending, App::ResponseCallback *async_done, std::shared_ptr<ResponseWaiter> &waiter) {
  if (async_done) {
    pending.complete = std::move(*async_done);
  } else {
    waiter = std::make_shared<ResponseWaiter>();
    pending.complete = [waiter](Response response) { waiter->set(std::move(response)); };
  }
}

/// Makes a later reply cancellable: by the page, a navigation, or shutdown. Its route must be
/// set: from here on another thread may answer it.
void track_in_flight(const AppCore &app, std::string_view webview, std::uint32_t callback_id,
                     std::shared_ptr<CancelState> cancel, const std::shared_ptr<PendingReply> &pending) {
  InflightInvoke &entry = pending->inflight;
  entry.webview = webview; // the only step that may throw
  entry.callback_id = callback_id;
  entry.cancel = std::move(cancel);
  entry.reply = pending;
  pending->tracked = true;
  app.inflight.add(entry);
}

/// A Responder born answered, for a handler that defers twice or after answering: it can never
/// produce a second reply.
Responder spent_responder(const std::shared_ptr<const AppCore> &app) {
  auto answered = std::make_shared<PendingReply>();
  answered->app = app;
  answered->answered.store(true);
  return Responder(std::move(answered));
}

class DispatchTarget final : public ReplyTarget {
public:
  DispatchTarget(const std::shared_ptr<const AppCore> &app, std::string_view command, const Envelope &envelope,
                 const InvocationData &data, App::ResponseCallback *async_done, Response &response) noexcept
      : app_(app), command_(command), envelope_(envelope), data_(data), async_done_(async_done), response_(response) {}
  DispatchTarget(const DispatchTarget &) = delete;
  DispatchTarget &operator=(const DispatchTarget &) = delete;
  ~DispatchTarget() {
    if (pending_) [[unlikely]]
      abandon();
  }

  void resolve(String body, BodyKind kind) override {
    if (stage_ != Stage::open) return;
    stage_ = Stage::answered;
    // `response_` is the caller's default Response: code, kind and ids need only be set.
    response_.code = errc::ok;
    response_.kind = kind;
    response_.body = std::move(body);
    response_.callback_id = envelope_.callback_id;
    response_.error_id = envelope_.error_id;
  }

  void resolve_integer(std::uint64_t magnitude, bool negative) override {
    if (stage_ != Stage::open) return;
    stage_ = Stage::answered;
    const detail::IntegerText text(magnitude, negative);
    response_.code = errc::ok;
    response_.kind = BodyKind::json;
    response_.body.assign(text.data(), text.size());
    response_.callback_id = envelope_.callback_id;
    response_.error_id = envelope_.error_id;
  }

  void reject(Error error) override {
    if (stage_ != Stage::open) return;
    stage_ = Stage::answered;
    response_ = error_response(*app_, error, envelope_.command, envelope_.callback_id, envelope_.error_id);
  }

  /// A caller-thread reply that stays cancellable while the handler runs (and after it returns,
  /// for as long as it is unanswered). An answer given before the handler returns, on any
  /// thread, is written straight into `response_` (routed in place).
  Responder defer() override {
    if (stage_ != Stage::open) return spent_responder(app_);
    auto pending = new_reply(app_, command_, envelope_);
    if (!data_.cancel) data_.cancel = std::make_shared<CancelState>();
    pending->sink = &response_;
    pending->route.store(PendingReply::in_place, std::memory_order_relaxed);
    track_in_flight(*app_, envelope_.webview, envelope_.callback_id, data_.cancel, pending);
    stage_ = Stage::deferred;
    pending_ = pending; // from here on, `response_` may be written by whoever answers
    if (app_->closed.load(std::memory_order_acquire)) // shut down meanwhile: nobody would cancel it later
      app_->inflight.cancel_where([&](const InflightInvoke &) { return true; }, CancelReason::shutdown);
    return Responder(std::move(pending));
  }

  /// After the handler returned: the common cases, answered at once (in place, or deferred and
  /// answered before the handler returned).
  DispatchOutcome finish() {
    if (stage_ == Stage::answered) [[likely]]
      return DispatchOutcome{};
    if (stage_ == Stage::deferred && pending_->route.load(std::memory_order_acquire) == PendingReply::written) {
      pending_.reset();
      return DispatchOutcome{};
    }
    return finish_slowly(nullptr);
  }

  /// After the handler threw, or returned without answering: a handler that neither answered
  /// nor deferred gets an internal error, so no page ever waits forever.
  [[gnu::cold]] DispatchOutcome finish_slowly(const char *failure_detail) {
    if (failure_detail && stage_ != Stage::open) // answered already: the answer stands, the failure is logged
      app_->log(LogLevel::error, Error(errc::internal, "internal error", failure_detail), envelope_.command);
    if (stage_ == Stage::deferred) return settle();
    if (stage_ == Stage::open) {
      reject(Error(errc::internal, "internal error",
                   failure_detail ? std::string(failure_detail)
                                  : "command `" + std::string(envelope_.command) + "` returned without answering"));
    }
    return DispatchOutcome{};
  }

private:
  /// The handler deferred and returned: an answer already taken in place is the response; any
  /// later one goes to the waiter or the host's callback.
  DispatchOutcome settle() {
    std::shared_ptr<ResponseWaiter> waiter;
    prepare_later(*pending_, async_done_, waiter);
    std::uint32_t route = PendingReply::in_place;
    if (pending_->route.compare_exchange_strong(route, PendingReply::later, std::memory_order_acq_rel,
                                                std::memory_order_acquire)) {
      pending_.reset();
      return DispatchOutcome{false, std::move(waiter)};
    }
    // An answer took the in-place route first (perhaps on another thread, still writing it).
    wait_until_written(route);
    if (async_done_) *async_done_ = std::move(pending_->complete); // unused: the caller delivers `response_`
    pending_->complete = nullptr;
    pending_.reset();
    return DispatchOutcome{};
  }

  /// Leaving by an exception with the reply still routed in place: `response_` is about to go,
  /// so a later answer goes nowhere (the caller gets the exception instead).
  void abandon() noexcept {
    std::uint32_t route = PendingReply::in_place;
    if (!pending_->route.compare_exchange_strong(route, PendingReply::later, std::memory_order_acq_rel,
                                                 std::memory_order_acquire))
      wait_until_written(route);
    pending_.reset();
  }

  void wait_until_written(std::uint32_t route) const noexcept {
    while (route == PendingReply::writing) {
      pending_->route.wait(PendingReply::writing, std::memory_order_acquire);
      route = pending_->route.load(std::memory_order_acquire);
    }
  }

  enum class Stage { open, answered, deferred };
  const std::shared_ptr<const AppCore> &app_;
  std::string_view command_;
  const Envelope &envelope_;
  const InvocationData &data_;
  App::ResponseCallback *async_done_;
  Response &response_;
  Stage stage_ = Stage::open;
  std::shared_ptr<PendingReply> pending_; ///< a deferred reply, until finish() settles it
};

/// An async invoke, copied off the host's request so that it outlives the invoke call.
struct AsyncInvoke {
  std::shared_ptr<const AppCore> app;
  CommandHandler *handler = nullptr;
  std::shared_ptr<PendingReply> pending;
  std::shared_ptr<CancelState> cancel;
  std::shared_ptr<const acl::Policy> policy;
  std::string command, window, webview, origin;
  std::vector<std::pair<std::string, std::string>> header_text;
  std::vector<Header> headers;
  std::vector<std::byte> body;
  bool raw = false;
  std::string args_text;
  InvokeContext context;
  PageGenerations::Stamp page = 0; ///< when the request arrived (see InvocationData::page)
  bool started = false; ///< run_async began: from then on the handler owns the answer

  AsyncInvoke() = default;
  AsyncInvoke(const AsyncInvoke &) = delete;
  AsyncInvoke &operator=(const AsyncInvoke &) = delete;
  /// A task dropped unrun (shutdown) still answers.
  ~AsyncInvoke() {
    if (!started && pending && !pending->answered.load(std::memory_order_acquire))
      (void)pending->answer_error(Error(errc::cancelled, "cancelled"));
  }
};

/// Where an async handler's answer goes: straight to the pending reply.
class AsyncTarget final : public ReplyTarget {
public:
  explicit AsyncTarget(const std::shared_ptr<PendingReply> &pending) noexcept : pending_(pending) {}
  void resolve(String body, BodyKind kind) override {
    if (stage_ != Stage::open) return;
    stage_ = Stage::answered;
    (void)pending_->answer(errc::ok, kind, std::move(body));
  }
  void reject(Error error) override {
    if (stage_ != Stage::open) return;
    stage_ = Stage::answered;
    (void)pending_->answer_error(error);
  }
  Responder defer() override {
    if (stage_ != Stage::open) return spent_responder(pending_->app);
    stage_ = Stage::deferred;
    return Responder(pending_);
  }
  void finish(const std::string *failure_detail) {
    const auto &app = *pending_->app;
    if (failure_detail && stage_ != Stage::open)
      app.log(LogLevel::error, Error(errc::internal, "internal error", *failure_detail), pending_->command);
    if (stage_ == Stage::open)
      reject(Error(errc::internal, "internal error",
                   failure_detail ? *failure_detail
                                  : "command `" + std::string(pending_->command) + "` returned without answering"));
  }

private:
  enum class Stage { open, answered, deferred };
  const std::shared_ptr<PendingReply> &pending_;
  Stage stage_ = Stage::open;
};

void run_async(AsyncInvoke &job) {
  job.started = true;
  if (job.pending->answered.load(std::memory_order_acquire)) return; // cancelled while queued
  AsyncTarget target(job.pending);
  InvocationData data;
  data.context = job.context;
  data.raw = job.raw;
  data.args_text = job.args_text;
  data.body = job.body;
  data.headers = job.headers;
  data.states = &job.app->states;
  data.policy = job.policy.get();
  data.core = &job.app;
  data.cancel = job.cancel;
  data.page = job.page;
  const std::string_view args_text = job.raw || job.args_text.empty() ? std::string_view("{}") : job.args_text;
  // Already checked against the limits when the request was read.
  auto document = ParsedDocument::parse(args_text, unbounded_limits(), "arguments");
  if (!document) {
    target.reject(std::move(document).assume_error());
    return;
  }
  data.args = make_value(document.value().root());
  data.args_text = args_text;
  const Invocation invocation(data);
  try {
    job.handler->call(invocation, target);
  } catch (const std::exception &exception) {
    const std::string detail = "command `" + job.command + "` threw: " + exception.what();
    target.finish(&detail);
    return;
  } catch (...) {
    const std::string detail = "command `" + job.command + "` threw a non-standard exception";
    target.finish(&detail);
    return;
  }
  target.finish(nullptr);
}

DispatchOutcome dispatch_async(const std::shared_ptr<const AppCore> &app, std::string_view command,
                               const Envelope &envelope, CommandHandler &handler, const InvocationData &data,
                               std::shared_ptr<const acl::Policy> policy, App::ResponseCallback *async_done) {
  const InvokeContext &context = data.context;
  auto job = std::make_shared<AsyncInvoke>();
  job->app = app;
  job->page = data.page; // the handler runs later, for the page the request came from
  job->handler = &handler;
  job->policy = std::move(policy);
  job->command = envelope.command;
  job->window = envelope.window;
  job->webview = envelope.webview;
  job->origin = envelope.origin;
  job->header_text.reserve(envelope.headers.size());
  for (const auto &header : envelope.headers) job->header_text.emplace_back(header.name, header.value);
  for (const auto &[name, value] : job->header_text) job->headers.push_back(Header{name, value});
  job->raw = envelope.raw;
  job->body.assign(envelope.body.begin(), envelope.body.end());
  if (!envelope.raw) job->args_text = envelope.args_text;
  job->context = context;
  job->context.command = job->command;
  job->context.window = job->window;
  job->context.webview = job->webview;
  job->context.origin = job->origin;
  job->cancel = std::make_shared<CancelState>();

  std::shared_ptr<ResponseWaiter> waiter;
  auto pending = new_reply(app, command, envelope);
  prepare_later(*pending, async_done, waiter); // routed `later` from the start
  job->pending = pending;
  track_in_flight(*app, job->webview, envelope.callback_id, job->cancel, pending);
  if (!app->executor || !app->executor->try_submit([job] { run_async(*job); })) {
    const bool closed = app->closed.load(std::memory_order_acquire);
    (void)pending->answer_error(closed ? Error(errc::closed, "the app is shut down")
                                       : Error(errc::busy, "busy: too many commands are waiting; try again later"));
  }
  return DispatchOutcome{false, std::move(waiter)};
}

/// Answers `response` with an error before any handler ran; out of the hot path's way.
[[gnu::cold, gnu::noinline]] DispatchOutcome refuse(const AppCore &app, const Error &error, const Envelope &envelope,
                                                    Response &response) {
  response = error_response(app, error, envelope.command, envelope.callback_id, envelope.error_id);
  return DispatchOutcome{};
}

[[gnu::cold, gnu::noinline]] DispatchOutcome refuse_unknown(const AppCore &app, const Envelope &envelope,
                                                            Response &response) {
  return refuse(app, Error(errc::unknown_command, "Command " + std::string(envelope.command) + " not found"), envelope,
                response);
}

[[gnu::cold, gnu::noinline]] DispatchOutcome refuse_denied(const AppCore &app, const Envelope &envelope,
                                                           std::uint64_t invoke_id, Response &response) {
  if (app.audit_sink) {
    try {
      app.audit_sink(AuditRecord{envelope.command, envelope.window, envelope.webview, envelope.origin, invoke_id});
    } catch (...) {
      // An audit sink must not throw; the denial stands either way.
    }
  }
  return refuse(app,
                Error(errc::not_allowed, "Command " + std::string(envelope.command) + " not allowed by ACL"),
                envelope, response);
}

[[gnu::cold, gnu::noinline]] DispatchOutcome finish_after_throw(DispatchTarget &target, const Envelope &envelope,
                                                                const std::exception *exception) {
  const std::string detail = exception ? "command `" + std::string(envelope.command) + "` threw: " + exception->what()
                                       : "command `" + std::string(envelope.command) +
                                             "` threw a non-standard exception";
  return target.finish_slowly(detail.c_str());
}

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
                         const Envelope &envelope, App::ResponseCallback *async_done, Response &response) {
  if (!read) [[unlikely]]
    return refuse(*app, read.error(), envelope, response);
  if (app->closed.load(std::memory_order_acquire)) [[unlikely]]
    return refuse(*app, Error(errc::closed, "the app is shut down"), envelope, response);

  const CommandIndex::Slot *const command = app->commands.find(envelope.command);
  if (!command) [[unlikely]]
    return refuse_unknown(*app, envelope, response);
  CommandHandler *const handler = command->handler;

  // Default-deny: a command runs only if the policy in force now grants it to this request.
  const PolicyPin policy(*app);
  const acl::AccessRequest access{envelope.command, envelope.window, envelope.webview, envelope.origin};
  const std::uint64_t invoke_id = app->new_invoke_id();
  if (!policy->allows(access)) [[unlikely]]
    return refuse_denied(*app, envelope, invoke_id, response);

  // Built in place (not default-constructed, then assigned): this runs on every invoke.
  const InvocationData data(InvokeContext{envelope.command, envelope.window, envelope.webview, envelope.origin,
                                          invoke_id, envelope.callback_id, envelope.error_id},
                            envelope.raw, make_value(envelope.args), envelope.args_text, envelope.body,
                            envelope.headers, &app->states, policy.get(), &app);
  if (command->execution == Execution::executor)
    return dispatch_async(app, command->name, envelope, *handler, data, policy.share(), async_done);
  const Invocation invocation(data);

  DispatchTarget target(app, command->name, envelope, data, async_done, response);
  try {
    handler->call(invocation, target);
  } catch (const std::exception &exception) {
    return finish_after_throw(target, envelope, &exception);
  } catch (...) {
    return finish_after_throw(target, envelope, nullptr);
  }
  return target.finish();
}

} // namespace ward::detail
