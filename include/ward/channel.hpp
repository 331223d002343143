#pragma once
// Channel: a stream of messages from a handler to the page, as Tauri's `Channel<T>`. A handler
// takes it as a JSON argument whose value is "__CHANNEL__:<id>" (what @tauri-apps/api's
// `new Channel()` serializes to). Messages carry an index from 0; when the last copy of the
// Channel is destroyed (or close() is called) the page gets `{end: true, index}`.
//
// Beyond Tauri, memory is bounded: each channel holds at most `capacity` messages that the host's
// delivery callback has not finished with (queued, or inside the callback now). try_send reports a slow consumer at once (errc::busy);
// send waits for room up to a timeout.

#include <ward/codec.hpp>
#include <ward/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace ward {

namespace detail {
struct ChannelState;
}

class Channel {
public:
  /// How long send waits for room by default.
  static constexpr std::chrono::milliseconds default_timeout{5000};

  Channel() noexcept = default;
  explicit Channel(std::shared_ptr<detail::ChannelState> state) noexcept;
  Channel(const Channel &) = default;
  Channel &operator=(const Channel &) = default;
  Channel(Channel &&) noexcept = default;
  Channel &operator=(Channel &&) noexcept = default;
  ~Channel();

  /// The page's id for this channel.
  [[nodiscard]] std::uint32_t id() const noexcept;

  /// Sends a value as JSON, waiting up to `timeout` for room (errc::busy when it runs out;
  /// errc::closed once the webview navigated, was destroyed, or the channel was closed).
  template <Encodable T> result<void> send(const T &value, std::chrono::nanoseconds timeout = default_timeout) {
    return send_encoded(to_json(value), timeout);
  }
  /// Sends a value without waiting: errc::busy if the channel is full.
  template <Encodable T> result<void> try_send(const T &value) {
    return send_encoded(to_json(value), std::chrono::nanoseconds::zero());
  }
  /// Sends JSON text (validated).
  result<void> send_json(std::string_view json, std::chrono::nanoseconds timeout = default_timeout);
  /// Sends raw bytes (an ArrayBuffer in the page).
  result<void> send_bytes(std::span<const std::byte> bytes, std::chrono::nanoseconds timeout = default_timeout);
  /// Messages the host's delivery callback has not finished with.
  [[nodiscard]] std::size_t queued() const noexcept;
  /// Sends the end message now (later sends fail with errc::closed). Idempotent.
  void close();

private:
  result<void> send_encoded(String json, std::chrono::nanoseconds timeout);
  std::shared_ptr<detail::ChannelState> state_;
  // The end message goes out when the last copy is gone: copies share this guard.
  std::shared_ptr<void> end_guard_;
};

} // namespace ward
