#include "app/core.hpp"
#include "json/document.hpp"

#include <ward/responder.hpp>

namespace ward {
namespace detail {

PendingReply::~PendingReply() {
  // Whoever answered unlinked it (cancel_where before answering, answer() after): only an
  // unanswered reply can still be linked.
  if (tracked && !answered.load(std::memory_order_acquire)) app->inflight.remove(inflight);
}

result<void> PendingReply::answer(errc code, BodyKind kind, String body) {
  if (answered.exchange(true, std::memory_order_acq_rel))
    return Error(errc::already_answered, "this invocation was already answered");
  Response response;
  response.code = code;
  response.kind = kind;
  response.body = std::move(body);
  response.callback_id = callback_id;
  response.error_id = error_id;
  send(std::move(response));
  return success();
}

result<void> PendingReply::answer_error(const Error &error) {
  if (answered.exchange(true, std::memory_order_acq_rel))
    return Error(errc::already_answered, "this invocation was already answered");
  send(error_response(*app, error, command, callback_id, error_id));
  return success();
}

void PendingReply::send(Response response) noexcept {
  if (tracked) app->inflight.remove(inflight);
  std::uint32_t route_now = in_place;
  if (route.compare_exchange_strong(route_now, writing, std::memory_order_acquire, std::memory_order_acquire)) {
    // The handler has not returned yet: its dispatcher reads `sink` only once it is `written`.
    *sink = std::move(response);
    route.store(written, std::memory_order_release);
    route.notify_all();
    return;
  }
  // Routed `later`: `complete` was set before the route changed (the acquire above sees it).
  auto done = std::move(complete);
  if (done) deliver(*app, done, std::move(response));
}

} // namespace detail

Responder::Responder(std::shared_ptr<detail::PendingReply> pending) noexcept : pending_(std::move(pending)) {}

Responder &Responder::operator=(Responder &&other) noexcept {
  if (this != &other) {
    Responder dropped(std::move(*this)); // answers the previous invocation if it was left open
    pending_ = std::move(other.pending_);
  }
  return *this;
}

Responder::~Responder() {
  if (!pending_ || pending_->answered.load(std::memory_order_acquire)) return;
  (void)pending_->answer_error(Error(errc::internal, "internal error",
                                     "command `" + std::string(pending_->command) + "` dropped its responder without answering"));
}

bool Responder::answered() const noexcept {
  return !pending_ || pending_->answered.load(std::memory_order_acquire);
}

result<void> Responder::resolve_encoded(String json) {
  if (!pending_) return Error(errc::already_answered, "this responder was moved from");
  return pending_->answer(errc::ok, BodyKind::json, std::move(json));
}

result<void> Responder::resolve_json(std::string_view json) {
  if (!pending_) return Error(errc::already_answered, "this responder was moved from");
  if (pending_->answered.load(std::memory_order_acquire))
    return Error(errc::already_answered, "this invocation was already answered");
  if (!detail::is_valid_json(json)) {
    (void)pending_->answer_error(Error(errc::internal, "internal error",
                                       "command `" + std::string(pending_->command) + "` answered with invalid JSON"));
    return Error(errc::invalid_argument, "the answer is not valid JSON");
  }
  String out;
  JsonWriter(out).raw(json);
  return pending_->answer(errc::ok, BodyKind::json, std::move(out));
}

result<void> Responder::resolve_bytes(std::span<const std::byte> bytes) {
  if (!pending_) return Error(errc::already_answered, "this responder was moved from");
  return pending_->answer(errc::ok, BodyKind::raw, String(reinterpret_cast<const char *>(bytes.data()), bytes.size()));
}

result<void> Responder::reject(Error error) {
  if (!pending_) return Error(errc::already_answered, "this responder was moved from");
  if (error.code() == errc::command_rejected) {
    // The handler's own value: validated like any JSON the page receives.
    if (!detail::is_valid_json(error.message())) {
      (void)pending_->answer_error(Error(errc::internal, "internal error",
                                         "command `" + std::string(pending_->command) + "` rejected with invalid JSON"));
      return Error(errc::invalid_argument, "the rejection value is not valid JSON");
    }
  }
  return pending_->answer_error(error);
}

} // namespace ward
