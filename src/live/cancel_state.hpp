#pragma once
// The shared state behind CancellationToken: a flag, a reason, and callbacks to run once.

#include <ward/cancel.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace ward::detail {

struct CancelState {
  /// Fires once: records the reason, wakes waiters and runs the callbacks (outside the lock).
  /// Returns false if it had fired before.
  bool cancel(CancelReason why) noexcept;
  [[nodiscard]] bool cancelled() const noexcept { return reason.load(std::memory_order_acquire) != CancelReason::none; }

  std::uint64_t add_callback(std::function<void()> callback);
  void remove_callback(std::uint64_t id) noexcept;

  std::atomic<CancelReason> reason{CancelReason::none};
  mutable std::mutex mutex;
  mutable std::condition_variable fired;
  std::vector<std::pair<std::uint64_t, std::function<void()>>> callbacks;
  std::uint64_t next_callback = 1;
  /// The callback running now and its thread, so that removing it waits for it to finish (unless
  /// it removes itself).
  std::uint64_t running_callback = 0;
  std::thread::id running_thread;
  std::condition_variable callback_done;
};

} // namespace ward::detail
