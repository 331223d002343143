#include "live/channel_state.hpp"

#include "json/document.hpp"

#include <ward/json.hpp>

#include <algorithm>

namespace ward {
namespace detail {

result<void> ChannelState::send(BodyKind kind, String body, std::chrono::nanoseconds timeout) {
  std::unique_lock lock(mutex);
  if (closed) return Error(errc::closed, "the channel is closed");
  if (!deliverer) return Error(errc::closed, "the app has no delivery sink, so a channel has nowhere to go");
  // The pump thread never waits for room: it is the one that makes room.
  if (queued.load(std::memory_order_acquire) >= capacity && !deliverer->on_pump_thread()) {
    if (timeout <= std::chrono::nanoseconds::zero())
      return Error(errc::busy, "the channel is full: its consumer is slow");
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    senders_waiting.fetch_add(1, std::memory_order_acq_rel);
    struct Waiting {
      std::atomic<int> &count;
      ~Waiting() { count.fetch_sub(1, std::memory_order_acq_rel); }
    } waiting{senders_waiting};
    // The pump signals room without this lock (it must never wait for a sender), so a wake-up can
    // slip between the check and the wait: waiting in short slices bounds what that costs.
    while (!closed && queued.load(std::memory_order_acquire) >= capacity) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return Error(errc::busy, "the channel stayed full until the timeout: its consumer is slow");
      room.wait_for(lock, std::min<std::chrono::nanoseconds>(deadline - now, std::chrono::milliseconds(1)));
    }
    if (closed) return Error(errc::closed, "the channel is closed");
  }
  QueuedDelivery delivery;
  delivery.webview = webview;
  delivery.page = page;
  delivery.kind = DeliveryKind::channel;
  delivery.callback = id;
  delivery.body_kind = kind;
  delivery.body = std::move(body);
  delivery.index = next_index;
  delivery.channel = shared_from_this();
  delivery.may_wait = false;
  queued.fetch_add(1, std::memory_order_acq_rel);
  if (!deliverer->push(std::move(delivery))) {
    queued.fetch_sub(1, std::memory_order_acq_rel);
    closed = true;
    return Error(errc::closed, "the app is shut down");
  }
  ++next_index;
  return success();
}

void ChannelState::finish() {
  QueuedDelivery delivery;
  {
    std::lock_guard lock(mutex);
    if (closed) return;
    closed = true; // no message can follow: the end is pushed after them, outside the lock
    if (!deliverer) return;
    delivery.index = next_index;
  }
  delivery.webview = webview;
  delivery.page = page;
  delivery.kind = DeliveryKind::channel;
  delivery.callback = id;
  delivery.end = true;
  delivery.may_wait = false;
  (void)deliverer->push(std::move(delivery));
}

void ChannelState::abandon() {
  {
    std::lock_guard lock(mutex);
    closed = true;
  }
  room.notify_all(); // rare: no need to check for waiters
}

void ChannelState::taken() noexcept {
  queued.fetch_sub(1, std::memory_order_acq_rel);
  if (senders_waiting.load(std::memory_order_acquire) > 0) room.notify_all();
}

} // namespace detail

Channel::Channel(std::shared_ptr<detail::ChannelState> state) noexcept
    : state_(std::move(state)),
      // The guard's deleter sends the end message when the last copy of this Channel goes.
      end_guard_(state_.get(), [keep = state_](void *) { keep->finish(); }) {}

Channel::~Channel() = default;

std::uint32_t Channel::id() const noexcept { return state_ ? state_->id : 0; }

std::size_t Channel::queued() const noexcept { return state_ ? state_->queued.load(std::memory_order_acquire) : 0; }

void Channel::close() {
  if (state_) state_->finish();
}

result<void> Channel::send_encoded(String json, std::chrono::nanoseconds timeout) {
  if (!state_) return Error(errc::closed, "this channel is empty (moved from or default-constructed)");
  return state_->send(BodyKind::json, std::move(json), timeout);
}

result<void> Channel::send_json(std::string_view json, std::chrono::nanoseconds timeout) {
  if (!state_) return Error(errc::closed, "this channel is empty (moved from or default-constructed)");
  if (!detail::is_valid_json(json)) return Error(errc::invalid_argument, "the channel message is not valid JSON");
  String out;
  JsonWriter(out).raw(json);
  return state_->send(BodyKind::json, std::move(out), timeout);
}

result<void> Channel::send_bytes(std::span<const std::byte> bytes, std::chrono::nanoseconds timeout) {
  if (!state_) return Error(errc::closed, "this channel is empty (moved from or default-constructed)");
  return state_->send(BodyKind::raw, String(reinterpret_cast<const char *>(bytes.data()), bytes.size()), timeout);
}

} // namespace ward
