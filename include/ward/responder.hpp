#pragma once
// Responder: answers one invocation later, from any thread, exactly once.

#include <ward/codec.hpp>
#include <ward/error.hpp>
#include <ward/memory.hpp>

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

namespace ward {

namespace detail {
struct PendingReply;
}

/// Move-only. Every answer method returns errc::already_answered if the invocation was answered
/// before. Destroying an unanswered Responder answers the page with an internal error (and logs
/// it), so a forgotten reply never leaves a promise hanging. Thread-safe.
class Responder {
public:
  explicit Responder(std::shared_ptr<detail::PendingReply> pending) noexcept;
  Responder(Responder &&) noexcept = default;
  Responder &operator=(Responder &&other) noexcept;
  Responder(const Responder &) = delete;
  Responder &operator=(const Responder &) = delete;
  ~Responder();

  /// Answers with a value encoded as JSON.
  template <Encodable T> result<void> resolve(const T &value) { return resolve_encoded(to_json(value)); }
  /// Answers with JSON text; it is validated, and an invalid text answers an internal error.
  result<void> resolve_json(std::string_view json);
  /// Answers with raw bytes (application/octet-stream).
  result<void> resolve_bytes(std::span<const std::byte> bytes);
  /// Rejects with the handler's own error value, encoded as JSON (the page's rejection value).
  template <Encodable E> result<void> reject_with(const E &value) {
    auto json = to_json(value);
    return reject(Error::rejected(std::string(json.data(), json.size())));
  }
  /// Rejects with an Error: its public message reaches the page, its detail only the log.
  result<void> reject(Error error);

  /// True once answered (or moved from).
  [[nodiscard]] bool answered() const noexcept;

private:
  result<void> resolve_encoded(String json);
  std::shared_ptr<detail::PendingReply> pending_;
};

} // namespace ward
