#pragma once
// Helpers for the live half: a delivery sink that records, and requests from named webviews.

#include "support.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace ward_test {

struct RecordedDelivery {
  std::string webview;
  ward::DeliveryKind kind;
  std::uint32_t callback;
  bool ok;
  ward::BodyKind body_kind;
  std::string body;
  std::uint64_t index;
  bool end;
};

/// Records every delivery; tests wait for a count.
class DeliveryRecorder {
public:
  ward::DeliverySink sink() {
    return [this](std::string_view webview, const ward::Delivery &delivery) {
      std::lock_guard lock(mutex_);
      deliveries_.push_back(RecordedDelivery{std::string(webview), delivery.kind, delivery.callback, delivery.ok,
                                             delivery.body_kind, std::string(delivery.body), delivery.index,
                                             delivery.end});
      changed_.notify_all();
    };
  }
  /// Waits until at least `count` deliveries arrived (up to 10 s); returns a copy of all of them.
  std::vector<RecordedDelivery> wait_for(std::size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(10), [&] { return deliveries_.size() >= count; });
    return deliveries_;
  }
  std::vector<RecordedDelivery> all() {
    std::lock_guard lock(mutex_);
    return deliveries_;
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<RecordedDelivery> deliveries_;
};

/// Invokes `command` from a given webview/window with a callback id.
inline ward::Response invoke_from(const ward::App &app, std::string_view webview, std::string_view command,
                                  std::string_view body_json, std::uint32_t callback = 11,
                                  std::string_view window = "main") {
  TauriRequest request{.url = "ipc://localhost/" + std::string(command), .body = std::string(body_json)};
  request.key = std::string(app.invoke_key());
  request.webview = std::string(webview);
  request.window = std::string(window);
  request.callback = std::to_string(callback);
  request.error = std::to_string(callback + 1);
  return app.invoke(request.build());
}

/// Starts an invoke whose answer arrives later; the returned future-like waits for it.
struct PendingResponse {
  std::mutex mutex;
  std::condition_variable ready;
  std::optional<ward::Response> response;
  ward::Response wait() {
    std::unique_lock lock(mutex);
    ready.wait_for(lock, std::chrono::seconds(10), [&] { return response.has_value(); });
    if (!response) throw std::runtime_error("no response within 10 s");
    return std::move(*response);
  }
  bool has_response() {
    std::lock_guard lock(mutex);
    return response.has_value();
  }
};

inline std::shared_ptr<PendingResponse> invoke_later(const ward::App &app, std::string_view webview,
                                                     std::string_view command, std::string_view body_json,
                                                     std::uint32_t callback) {
  auto pending = std::make_shared<PendingResponse>();
  TauriRequest request{.url = "ipc://localhost/" + std::string(command), .body = std::string(body_json)};
  request.key = std::string(app.invoke_key());
  request.webview = std::string(webview);
  request.callback = std::to_string(callback);
  request.error = std::to_string(callback + 1);
  app.invoke_async(request.build(), [pending](ward::Response response) {
    std::lock_guard lock(pending->mutex);
    pending->response = std::move(response);
    pending->ready.notify_all();
  });
  return pending;
}

inline ward::EventName event_name(std::string_view name) { return ward::EventName::parse(name).value(); }
inline ward::Label label(std::string_view text) { return ward::Label::parse(text).value(); }

} // namespace ward_test
