#include "live/deliverer.hpp"

#include "live/channel_state.hpp"

#include <exception>

namespace ward::detail {

Deliverer::Deliverer(DeliverySink sink, std::uint32_t queue_capacity, FailureLog log,
                     std::shared_ptr<const PageGenerations> pages)
    : sink_(std::move(sink)), capacity_(queue_capacity == 0 ? 1 : queue_capacity), log_(std::move(log)),
      pages_(std::move(pages)) {}

std::shared_ptr<Deliverer> Deliverer::start(DeliverySink sink, std::uint32_t queue_capacity, FailureLog log,
                                            std::shared_ptr<const PageGenerations> pages) {
  auto deliverer = std::make_shared<Deliverer>(std::move(sink), queue_capacity, std::move(log), std::move(pages));
  std::lock_guard lock(deliverer->mutex_);
  deliverer->thread_ = std::thread([self = deliverer] { self->run(); });
  deliverer->thread_id_ = deliverer->thread_.get_id();
  return deliverer;
}

Deliverer::~Deliverer() { stop(); }

bool Deliverer::push(QueuedDelivery delivery) {
  std::unique_lock lock(mutex_);
  if (delivery.may_wait && !on_pump_thread() && queue_.size() >= capacity_ && !stopping_ && !unbounded_) {
    ++producers_waiting_;
    not_full_.wait(lock, [&] { return stopping_ || unbounded_ || queue_.size() < capacity_; });
    --producers_waiting_;
  }
  if (stopping_) return false;
  queue_.push_back(std::move(delivery));
  if (pump_waiting_) {
    pump_waiting_ = false; // one notify wakes it; later pushes need none
    not_empty_.notify_one();
  }
  return true;
}

void Deliverer::stop_waiting() {
  {
    std::lock_guard lock(mutex_);
    unbounded_ = true;
  }
  not_full_.notify_all();
}

void Deliverer::stop() {
  std::lock_guard once(stop_mutex_);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  not_empty_.notify_all();
  not_full_.notify_all();
  if (thread_.joinable()) {
    if (on_pump_thread()) thread_.detach(); // stopped from inside the sink: the loop ends by itself
    else thread_.join();
  }
}

void Deliverer::wait_until_ended() {
  if (on_pump_thread()) return;
  std::unique_lock lock(mutex_);
  ended_signal_.wait(lock, [&] { return ended_; });
}

void Deliverer::run() {
  {
    std::lock_guard started(mutex_); // thread_id_ is set
  }
  struct Ended {
    Deliverer &self;
    ~Ended() {
      {
        std::lock_guard lock(self.mutex_);
        self.ended_ = true;
      }
      self.ended_signal_.notify_all();
    }
  } ended{*this};
  std::vector<QueuedDelivery> batch;
  for (;;) {
    bool wake_producers = false;
    {
      std::unique_lock lock(mutex_);
      while (!stopping_ && queue_.empty()) {
        pump_waiting_ = true;
        not_empty_.wait(lock);
      }
      pump_waiting_ = false;
      if (queue_.empty()) return; // stopping, and everything queued was delivered
      batch.swap(queue_);
      wake_producers = producers_waiting_ > 0;
    }
    if (wake_producers) not_full_.notify_all();
    for (auto &item : batch) {
      // Checked as late as possible: a navigation reported while this batch waited still counts.
      if (!pages_->page_is_current(item.webview, item.page)) {
        if (item.channel) item.channel->taken();
        continue;
      }
      const Delivery delivery{item.kind,      item.callback, item.ok,  item.body_kind,
                              std::string_view(item.body.data(), item.body.size()), item.index, item.end};
      try {
        sink_(item.webview, delivery);
      } catch (const std::exception &exception) {
        log_(std::string("the delivery sink threw: ") + exception.what());
      } catch (...) {
        log_("the delivery sink threw a non-standard exception");
      }
      if (item.channel) item.channel->taken();
    }
    batch.clear();
  }
}

} // namespace ward::detail

namespace ward {
namespace {

void append_base64(std::string &out, std::string_view bytes) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t at = 0;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
  for (; at + 3 <= bytes.size(); at += 3) {
    const std::uint32_t group = (byte(at) << 16) | (byte(at + 1) << 8) | byte(at + 2);
    for (int shift = 18; shift >= 0; shift -= 6) out += alphabet[(group >> shift) & 0x3F];
  }
  const std::size_t rest = bytes.size() - at;
  if (rest == 0) return;
  const std::uint32_t group = (byte(at) << 16) | (rest == 2 ? byte(at + 1) << 8 : 0);
  out += alphabet[(group >> 18) & 0x3F];
  out += alphabet[(group >> 12) & 0x3F];
  out += rest == 2 ? alphabet[(group >> 6) & 0x3F] : '=';
  out += '=';
}

/// A JS expression for a delivery's body: the JSON itself (ward's JSON escapes U+2028/2029, so it
/// is a valid JS expression), or an ArrayBuffer rebuilt from base64.
void append_value(std::string &out, const Delivery &delivery) {
  if (delivery.body_kind == BodyKind::json) {
    out += delivery.body.empty() ? std::string_view("null") : delivery.body;
    return;
  }
  out += "Uint8Array.from(atob(\"";
  append_base64(out, delivery.body);
  out += "\"),function(c){return c.charCodeAt(0)}).buffer";
}

} // namespace

std::string render_script(const Delivery &delivery) {
  std::string out = "window.__TAURI_INTERNALS__.runCallback(";
  out += std::to_string(delivery.callback);
  out += ',';
  if (delivery.kind == DeliveryKind::channel) {
    out += "{\"index\":";
    out += std::to_string(delivery.index);
    if (delivery.end) {
      out += ",\"end\":true}";
    } else {
      out += ",\"message\":";
      append_value(out, delivery);
      out += '}';
    }
  } else {
    append_value(out, delivery);
  }
  out += ')';
  return out;
}

} // namespace ward
