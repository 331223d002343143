#pragma once
// The delivery pump: one thread hands queued deliveries to the host's sink in queue order, so
// deliveries to a webview keep their order and a slow sink pushes back on whoever sends.

#include "live/page_generations.hpp"

#include <ward/delivery.hpp>
#include <ward/memory.hpp>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ward::detail {

struct ChannelState;

/// A delivery that owns its strings.
struct QueuedDelivery {
  std::string webview;
  DeliveryKind kind = DeliveryKind::reply;
  std::uint32_t callback = 0;
  bool ok = true;
  BodyKind body_kind = BodyKind::json;
  String body;
  std::uint64_t index = 0;
  bool end = false;
  /// The channel whose queued count this delivery holds (released once the sink took it).
  std::shared_ptr<ChannelState> channel;
  /// False for channel traffic, which is bounded per channel and must never wait here.
  bool may_wait = true;
  /// When the page this delivery is for made its request: if the webview has navigated or been
  /// destroyed since, the delivery is dropped rather than handed to the page that replaced it.
  PageGenerations::Stamp page = 0;
};

class Deliverer : public std::enable_shared_from_this<Deliverer> {
public:
  using FailureLog = std::function<void(std::string_view what)>;
  /// Creates the pump and starts its thread, which keeps it alive until stop().
  static std::shared_ptr<Deliverer> start(DeliverySink sink, std::uint32_t queue_capacity, FailureLog log,
                                          std::shared_ptr<const PageGenerations> pages);
  Deliverer(DeliverySink sink, std::uint32_t queue_capacity, FailureLog log,
            std::shared_ptr<const PageGenerations> pages);
  Deliverer(const Deliverer &) = delete;
  Deliverer &operator=(const Deliverer &) = delete;
  ~Deliverer();

  /// Queues a delivery. Events and replies wait while the queue is full (never on the pump
  /// thread itself, which would wait for itself); channel messages are bounded per channel
  /// instead and never wait here. Returns false once stopped.
  bool push(QueuedDelivery delivery);
  /// From now on nothing waits for room (shutdown: the thread that makes room may be busy
  /// waiting for the very handler that would wait).
  void stop_waiting();
  /// Delivers what is queued, then stops the thread. Idempotent. Called on the delivery thread
  /// (from inside the sink), it cannot wait for itself: the thread ends after the sink returns.
  void stop();
  /// Waits until the delivery thread has ended, so that the sink runs no more (returns at once on
  /// the delivery thread itself).
  void wait_until_ended();
  [[nodiscard]] bool on_pump_thread() const noexcept { return std::this_thread::get_id() == thread_id_; }

private:
  void run();

  DeliverySink sink_;
  std::uint32_t capacity_;
  FailureLog log_;
  std::shared_ptr<const PageGenerations> pages_;
  std::mutex stop_mutex_;
  std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::vector<QueuedDelivery> queue_;
  // Who sleeps on the condition variables: a notify is a system call, so it is made only when
  // someone waits (both flags are read and written under mutex_).
  bool pump_waiting_ = false;
  std::size_t producers_waiting_ = 0;
  bool stopping_ = false;
  bool unbounded_ = false;
  bool ended_ = false;
  std::condition_variable ended_signal_;
  std::thread thread_;
  std::thread::id thread_id_;
};

} // namespace ward::detail
