#include "live/event_bus.hpp"

#include <algorithm>

namespace ward::detail {

ListenerId EventBus::add(const EventName &event, std::shared_ptr<Listener> listener) {
  std::unique_lock lock(mutex_);
  listener->id = next_id_++;
  if (closed_) { // shut down: nothing will ever call it; its closure goes now, outside the lock
    const ListenerId id = listener->id;
    lock.unlock();
    listener.reset();
    return id;
  }
  auto &slot = by_event_[event.str()];
  auto next = slot ? std::make_shared<ListenerList>(*slot) : std::make_shared<ListenerList>();
  next->push_back(listener);
  slot = std::move(next);
  event_of_.emplace(listener->id, event.str());
  return listener->id;
}

result<ListenerId> EventBus::add_page(const EventName &event, std::shared_ptr<Listener> listener) {
  {
    std::lock_guard lock(mutex_);
    const auto found = page_listeners_.find(listener->webview);
    if (found != page_listeners_.end() && found->second >= max_page_listeners_per_webview)
      return Error(errc::limit_exceeded, "this webview has " + std::to_string(max_page_listeners_per_webview) +
                                             " event listeners already (limit `max_page_listeners_per_webview`)");
    ++page_listeners_[listener->webview];
  }
  return add(event, std::move(listener));
}

template <class Match> std::vector<std::shared_ptr<Listener>> EventBus::remove_where(Match match) {
  std::vector<std::shared_ptr<Listener>> removed;
  for (auto entry = by_event_.begin(); entry != by_event_.end();) {
    const ListenerList &list = *entry->second;
    if (std::none_of(list.begin(), list.end(), [&](const auto &listener) { return match(*listener); })) {
      ++entry;
      continue;
    }
    auto kept = std::make_shared<ListenerList>();
    for (const auto &listener : list) {
      if (match(*listener)) {
        event_of_.erase(listener->id);
        if (!listener->backend) {
          const auto count = page_listeners_.find(listener->webview);
          if (count != page_listeners_.end() && --count->second == 0) page_listeners_.erase(count);
        }
        removed.push_back(listener);
      } else {
        kept->push_back(listener);
      }
    }
    if (kept->empty()) entry = by_event_.erase(entry);
    else (entry++)->second = std::move(kept);
  }
  return removed;
}

std::shared_ptr<Listener> EventBus::remove(ListenerId id) {
  std::vector<std::shared_ptr<Listener>> removed;
  {
    std::lock_guard lock(mutex_);
    if (!event_of_.contains(id)) return nullptr;
    removed = remove_where([&](const Listener &listener) { return listener.id == id; });
  }
  return removed.empty() ? nullptr : removed.front();
}

std::shared_ptr<Listener> EventBus::remove_page_listener(std::string_view webview, ListenerId id) {
  std::vector<std::shared_ptr<Listener>> removed;
  {
    std::lock_guard lock(mutex_);
    if (!event_of_.contains(id)) return nullptr;
    removed = remove_where(
        [&](const Listener &listener) { return listener.id == id && !listener.backend && listener.webview == webview; });
  }
  return removed.empty() ? nullptr : removed.front();
}

void EventBus::remove_webview(std::string_view webview) {
  std::vector<std::shared_ptr<Listener>> removed;
  std::lock_guard lock(mutex_);
  removed = remove_where([&](const Listener &listener) { return !listener.backend && listener.webview == webview; });
}

std::shared_ptr<const ListenerList> EventBus::snapshot(std::string_view event) const {
  std::lock_guard lock(mutex_);
  const auto found = by_event_.find(event);
  return found == by_event_.end() ? nullptr : found->second;
}

std::size_t EventBus::size() const {
  std::lock_guard lock(mutex_);
  return event_of_.size();
}

void EventBus::clear() {
  decltype(by_event_) dropped;
  {
    std::lock_guard lock(mutex_);
    dropped.swap(by_event_);
    event_of_.clear();
    page_listeners_.clear();
    closed_ = true;
  }
}

} // namespace ward::detail
