#include "live/cancel_state.hpp"

#include <algorithm>

namespace ward {
namespace detail {

bool CancelState::cancel(CancelReason why) noexcept {
  std::unique_lock lock(mutex);
  if (reason.load(std::memory_order_relaxed) != CancelReason::none) return false;
  reason.store(why, std::memory_order_release);
  fired.notify_all();
  // Callbacks run one at a time, without the lock, so that one may unregister others (or itself).
  while (!callbacks.empty()) {
    auto [id, callback] = std::move(callbacks.front());
    callbacks.erase(callbacks.begin());
    running_callback = id;
    running_thread = std::this_thread::get_id();
    lock.unlock();
    try {
      callback();
    } catch (...) {
      // A cancel callback must not throw; the cancellation stands either way.
    }
    callback = nullptr; // what it captured is released without the lock, too
    lock.lock();
    running_callback = 0;
    callback_done.notify_all();
  }
  return true;
}

std::uint64_t CancelState::add_callback(std::function<void()> callback) {
  std::unique_lock lock(mutex);
  if (cancelled()) {
    lock.unlock();
    try {
      callback();
    } catch (...) {
    }
    return 0;
  }
  const std::uint64_t id = next_callback++;
  callbacks.emplace_back(id, std::move(callback));
  return id;
}

void CancelState::remove_callback(std::uint64_t id) noexcept {
  std::function<void()> removed; // released after the lock
  std::unique_lock lock(mutex);
  const auto found = std::find_if(callbacks.begin(), callbacks.end(), [&](const auto &entry) { return entry.first == id; });
  if (found != callbacks.end()) {
    removed = std::move(found->second);
    callbacks.erase(found);
  }
  if (running_thread != std::this_thread::get_id())
    callback_done.wait(lock, [&] { return running_callback != id; });
  lock.unlock();
}

} // namespace detail

CancelRegistration::CancelRegistration(CancelRegistration &&other) noexcept
    : state_(std::move(other.state_)), id_(std::exchange(other.id_, 0)) {}

CancelRegistration &CancelRegistration::operator=(CancelRegistration &&other) noexcept {
  if (this != &other) {
    reset();
    state_ = std::move(other.state_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

CancelRegistration::~CancelRegistration() { reset(); }

void CancelRegistration::reset() noexcept {
  if (state_ && id_ != 0) state_->remove_callback(id_);
  state_.reset();
  id_ = 0;
}

bool CancellationToken::cancelled() const noexcept { return state_ && state_->cancelled(); }

CancelReason CancellationToken::reason() const noexcept {
  return state_ ? state_->reason.load(std::memory_order_acquire) : CancelReason::none;
}

bool CancellationToken::wait_for(std::chrono::nanoseconds timeout) const {
  if (!state_) {
    std::this_thread::sleep_for(timeout);
    return false;
  }
  std::unique_lock lock(state_->mutex);
  return state_->fired.wait_for(lock, timeout, [&] { return state_->cancelled(); });
}

CancelRegistration CancellationToken::on_cancel(std::function<void()> callback) const {
  if (!state_ || !callback) return {};
  const std::uint64_t id = state_->add_callback(std::move(callback));
  return id == 0 ? CancelRegistration{} : CancelRegistration(state_, id);
}

} // namespace ward
