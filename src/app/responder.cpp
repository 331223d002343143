#include "app/core.hpp"
#include "json/document.hpp"

#include <ward/responder.hpp>

namespace ward {
namespace detail {

result<void> PendingReply::answer(errc code, BodyKind kind, String body) {
  if (answered.exchange(true, std::memory_order_acq_rel))
    return Error(errc::already_answered, "this invocation was already answered");
  if (inflight_id != 0) app->inflight.remove(inflight_id);
  Response response;
  response.code = code;
  response.kind = kind;
  response.body = std::move(body);
  response.callback_id = callback_id;
  response.error_id = error_id;
  auto done = std::move(complete);
  deliver(*app, done, std::move(response));
  return success();
}

result<void> PendingReply::answer_error(const Error &error) {
  if (answered.exchange(true, std::memory_order_acq_rel))
    return Error(errc::already_answered, "this invocation was already answered");
  if (inflight_id != 0) app->inflight.remove(inflight_id);
  auto done = std::move(complete);
  deliver(*app, done, error_response(*app, error, command, callback_id, error_id));
  return success();
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
                                     "command `" + pending_->command + "` dropped its responder without answering"));
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
                                       "command `" + pending_->command + "` answered with invalid JSON"));
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
                                         "command `" + pending_->command + "` rejected with invalid JSON"));
      return Error(errc::invalid_argument, "the rejection value is not valid JSON");
    }
  }
  return pending_->answer_error(error);
}

} // namespace ward
