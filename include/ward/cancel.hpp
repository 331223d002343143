#pragma once
// CancellationToken: how an async handler learns that nobody waits for its answer any more
// (the page cancelled the call, its webview navigated away or was destroyed, the app shuts down).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace ward {

namespace detail {
struct CancelState;
}

enum class CancelReason : std::uint8_t {
  none,       ///< not cancelled
  requested,  ///< the page cancelled the call (plugin:ward|cancel)
  navigated,  ///< the invoking webview navigated to another page
  destroyed,  ///< the invoking webview was destroyed
  shutdown,   ///< the app is shutting down
};

/// Unregisters an on_cancel callback when destroyed (move-only). After its destructor returns the
/// callback is not running and will never run.
class CancelRegistration {
public:
  CancelRegistration() noexcept = default;
  CancelRegistration(std::shared_ptr<detail::CancelState> state, std::uint64_t id) noexcept
      : state_(std::move(state)), id_(id) {}
  CancelRegistration(CancelRegistration &&other) noexcept;
  CancelRegistration &operator=(CancelRegistration &&other) noexcept;
  CancelRegistration(const CancelRegistration &) = delete;
  CancelRegistration &operator=(const CancelRegistration &) = delete;
  ~CancelRegistration();

private:
  void reset() noexcept;
  std::shared_ptr<detail::CancelState> state_;
  std::uint64_t id_ = 0;
};

/// Observes one invoke's cancellation. Copies observe the same invoke. Thread-safe.
/// A default-constructed token is never cancelled.
class CancellationToken {
public:
  CancellationToken() noexcept = default;
  explicit CancellationToken(std::shared_ptr<detail::CancelState> state) noexcept : state_(std::move(state)) {}

  [[nodiscard]] bool cancelled() const noexcept;
  [[nodiscard]] CancelReason reason() const noexcept;
  /// Sleeps up to `timeout`; returns true at once when cancelled (the interruptible sleep of a
  /// handler that polls or retries).
  bool wait_for(std::chrono::nanoseconds timeout) const;
  /// Runs `callback` once when the invoke is cancelled: on the cancelling thread, or at once on
  /// this thread if it already is. Must not throw.
  [[nodiscard]] CancelRegistration on_cancel(std::function<void()> callback) const;

private:
  std::shared_ptr<detail::CancelState> state_;
};

} // namespace ward
