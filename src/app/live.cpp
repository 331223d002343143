// The App's live half: events, webview lifecycle, resources, posting, shutdown.
#include "app/core.hpp"
#include "app/dispatch.hpp"
#include "ipc/envelope.hpp"
#include "json/document.hpp"
#include "live/channel_state.hpp"

#include <ward/app.hpp>
#include <ward/names.hpp>

#include <algorithm>

namespace ward {
namespace detail {

void ChannelRegistry::add(const std::shared_ptr<ChannelState> &channel) {
  std::lock_guard lock(mutex_);
  std::erase_if(channels_, [](const auto &weak) { return weak.expired(); });
  channels_.push_back(channel);
}

void ChannelRegistry::abandon(std::string_view webview) {
  std::vector<std::shared_ptr<ChannelState>> selected;
  {
    std::lock_guard lock(mutex_);
    std::erase_if(channels_, [&](const auto &weak) {
      auto channel = weak.lock();
      if (!channel) return true;
      if (!webview.empty() && channel->webview != webview) return false;
      selected.push_back(std::move(channel));
      return true;
    });
  }
  for (const auto &channel : selected) channel->abandon();
}

AppCore::~AppCore() { shutdown(); }

bool AppCore::deliver_to_page(QueuedDelivery delivery) const {
  if (!deliverer) {
    log(LogLevel::warn, Error(errc::invalid_argument, "", "a delivery to a page was dropped: the app has no delivery sink"),
        {});
    return false;
  }
  return deliverer->push(std::move(delivery));
}

result<void> AppCore::emit(const EventName &event, std::string_view payload_json,
                           const std::function<bool(const EventTarget &)> &selected) const {
  if (closed.load(std::memory_order_acquire)) return Error(errc::closed, "the app is shut down");
  if (!is_valid_json(payload_json)) return Error(errc::invalid_argument, "the event payload is not valid JSON");
  const auto listeners = events.snapshot(event.view());
  if (!listeners) return success();
  for (const auto &listener : *listeners) {
    if (!selected(listener->target)) continue;
    if (listener->once && listener->fired.exchange(true, std::memory_order_acq_rel)) continue;
    if (listener->backend) {
      try {
        listener->backend(Event{event.view(), payload_json, listener->id});
      } catch (...) {
        log(LogLevel::error, Error(errc::internal, "", "an event listener threw"), event.view());
      }
      if (listener->once) (void)events.remove(listener->id);
      continue;
    }
    QueuedDelivery delivery;
    delivery.webview = listener->webview;
    delivery.page = listener->page;
    delivery.kind = DeliveryKind::event;
    delivery.callback = listener->handler;
    JsonWriter writer(delivery.body);
    writer.begin_object();
    writer.key("event");
    writer.string(event.view());
    writer.key("payload");
    writer.raw(payload_json);
    writer.key("id");
    writer.unsigned_integer(listener->id);
    writer.end_object();
    (void)deliver_to_page(std::move(delivery));
  }
  return success();
}

void AppCore::forget_page(std::string_view webview, CancelReason reason) const {
  // First, so that whatever the old page's work queues from now on is dropped, not delivered.
  if (reason == CancelReason::destroyed) pages->end_webview(webview);
  else pages->end_page(webview);
  inflight.cancel_where([&](const InflightInvoke &invoke) { return invoke.webview == webview; }, reason);
  events.remove_webview(webview);
  channels.abandon(webview);
}

void AppCore::shutdown() const {
  if (closed.exchange(true, std::memory_order_acq_rel)) {
    // Someone else shuts down. A ward thread returns at once: the first caller may be waiting
    // for it (joining a worker, draining the delivery thread). Anyone else waits for the end.
    const bool ward_thread = (executor && executor->on_worker_thread()) || (deliverer && deliverer->on_pump_thread());
    if (ward_thread) return;
    {
      std::unique_lock lock(shutdown_mutex);
      shutdown_finished.wait(lock, [&] { return shut_down; });
    }
    // If the shutdown began inside the delivery callback, that thread could not wait for itself.
    if (deliverer) deliverer->wait_until_ended();
    return;
  }
  // No lock is held while waiting for handlers: a handler or the delivery callback may call
  // shutdown() too (it returns at once, above).
  // In-flight invokes are answered `cancelled` before anything that unblocks their handlers: a
  // handler released from a full queue would otherwise return first and answer `ok`.
  inflight.cancel_where([](const InflightInvoke &) { return true; }, CancelReason::shutdown);
  if (deliverer) deliverer->stop_waiting(); // a handler blocked on a full queue must finish
  channels.abandon({});                    // and so must one blocked on a full channel
  if (executor) executor->stop(); // waits for running handlers
  // Handlers that deferred may have registered after the first sweep.
  inflight.cancel_where([](const InflightInvoke &) { return true; }, CancelReason::shutdown);
  if (deliverer) deliverer->stop(); // what was queued reaches the sink first
  events.clear();
  resources->clear();
  {
    std::lock_guard lock(shutdown_mutex);
    shut_down = true;
  }
  shutdown_finished.notify_all();
}

} // namespace detail

namespace {

/// The reply of a posted request, as a delivery to its webview.
App::ResponseCallback reply_to_page(std::shared_ptr<const detail::AppCore> core, std::string_view webview) {
  const auto page = core->pages->now(); // the request arrives now, from the page shown now
  return [core = std::move(core), webview = std::string(webview), page](Response response) {
    detail::QueuedDelivery delivery;
    delivery.webview = webview;
    delivery.page = page;
    delivery.kind = DeliveryKind::reply;
    delivery.ok = response.ok();
    delivery.callback = response.ok() ? response.callback_id : response.error_id;
    delivery.body_kind = response.kind;
    delivery.body = std::move(response.body);
    (void)core->deliver_to_page(std::move(delivery));
  };
}

result<void> check_can_post(const detail::AppCore &core) {
  if (!core.deliverer) return Error(errc::invalid_argument, "post needs a delivery sink (AppBuilder::delivery_sink)");
  if (core.closed.load(std::memory_order_acquire)) return Error(errc::closed, "the app is shut down");
  return success();
}

} // namespace

result<void> App::post(const Request &request) const {
  if (auto can = check_can_post(*core_); !can) return can;
  invoke_async(request, reply_to_page(core_, request.webview));
  return success();
}

result<void> App::post(const MessageRequest &request) const {
  if (auto can = check_can_post(*core_); !can) return can;
  invoke_async(request, reply_to_page(core_, request.webview));
  return success();
}

result<void> App::webview_created(std::string_view webview, std::string_view window) const {
  if (!Label::is_valid(webview)) return Error(errc::invalid_name, "webview label is not a valid label");
  if (!Label::is_valid(window)) return Error(errc::invalid_name, "window label is not a valid label");
  return success();
}

void App::webview_navigated(std::string_view webview) const { core_->forget_page(webview, CancelReason::navigated); }

void App::webview_destroyed(std::string_view webview) const {
  core_->forget_page(webview, CancelReason::destroyed);
  core_->resources->close_webview(webview);
}

result<void> App::emit(const EventName &event, std::string_view payload_json) const {
  return core_->emit(event, payload_json, [](const EventTarget &) { return true; });
}

result<void> App::emit_to(const EventTarget &target, const EventName &event, std::string_view payload_json) const {
  return core_->emit(event, payload_json,
                     [&](const EventTarget &listener) { return event_target_matches(listener, target); });
}

result<void> App::emit_filter(const EventName &event, std::string_view payload_json, const EventFilter &filter) const {
  return core_->emit(event, payload_json, [&](const EventTarget &listener) {
    return listener.kind() == EventTarget::Kind::any || filter(listener);
  });
}

ListenerId App::listen(const EventName &event, EventListener listener, EventTarget target) const {
  auto entry = std::make_shared<detail::Listener>();
  entry->target = std::move(target);
  entry->backend = std::move(listener);
  return core_->events.add(event, std::move(entry));
}

ListenerId App::once(const EventName &event, EventListener listener, EventTarget target) const {
  auto entry = std::make_shared<detail::Listener>();
  entry->target = std::move(target);
  entry->backend = std::move(listener);
  entry->once = true;
  return core_->events.add(event, std::move(entry));
}

bool App::unlisten(ListenerId id) const { return core_->events.remove(id) != nullptr; }

std::size_t App::listener_count() const { return core_->events.size(); }

Resources App::resources(std::string_view webview) const {
  return Resources(core_->resources, webview, core_->pages->now());
}

void App::shutdown() const { core_->shutdown(); }

} // namespace ward
