#pragma once
// Listeners of events, backend and page, indexed by event name. Emitters read an immutable
// snapshot of one name's listeners; registration copies that name's list (listeners change
// rarely, events are emitted often).

#include "app/strings.hpp"

#include <ward/events.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ward::detail {

struct Listener {
  ListenerId id = 0;
  EventTarget target;
  bool once = false;
  EventListener backend;   ///< a backend listener; empty for a page's
  std::string webview;     ///< a page listener's webview
  std::uint32_t handler = 0; ///< a page listener's callback id
  std::uint64_t page = 0;    ///< a page listener's page (a PageGenerations stamp)
  std::atomic<bool> fired{false}; ///< once: claimed by the first emit
};

using ListenerList = std::vector<std::shared_ptr<Listener>>;

class EventBus {
public:
  /// Page listeners one webview may hold: registering copies the event's listener list, so an
  /// unbounded page could make every registration (and everyone waiting for the lock) slow.
  static constexpr std::size_t max_page_listeners_per_webview = 4096;

  /// Registers a listener and returns its id.
  ListenerId add(const EventName &event, std::shared_ptr<Listener> listener);
  /// Registers a page listener, unless its webview holds max_page_listeners_per_webview already.
  result<ListenerId> add_page(const EventName &event, std::shared_ptr<Listener> listener);
  /// Removes a listener; the removed one (or nullptr) is returned so that the caller destroys it
  /// (and whatever its closure owns) outside the lock.
  std::shared_ptr<Listener> remove(ListenerId id);
  /// Removes the page listener `id` only if it belongs to `webview` (a page unlistens its own).
  std::shared_ptr<Listener> remove_page_listener(std::string_view webview, ListenerId id);
  /// Removes every page listener of a webview.
  void remove_webview(std::string_view webview);
  /// The listeners of one event now (nullptr if none).
  [[nodiscard]] std::shared_ptr<const ListenerList> snapshot(std::string_view event) const;
  [[nodiscard]] std::size_t size() const;
  /// Removes everything and refuses later listeners (shutdown); listeners are destroyed outside
  /// the lock.
  void clear();

private:
  template <class Match> std::vector<std::shared_ptr<Listener>> remove_where(Match match);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const ListenerList>, StringHash, std::equal_to<>> by_event_;
  std::unordered_map<ListenerId, std::string> event_of_;
  std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> page_listeners_;
  // Page listener ids are numbers a page holds; Tauri counts from 0, so does ward.
  ListenerId next_id_ = 0;
  bool closed_ = false;
};

} // namespace ward::detail
