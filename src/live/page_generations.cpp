#include "live/page_generations.hpp"

namespace ward::detail {

void PageGenerations::end_page(std::string_view webview) { end(webview, false); }

void PageGenerations::end_webview(std::string_view webview) { end(webview, true); }

void PageGenerations::end(std::string_view webview, bool destroyed) {
  std::lock_guard lock(mutex_);
  // The maps are written before the generation is published, both under the lock: a reader that
  // sees the new generation and takes the lock sees the map that goes with it.
  const Stamp ended = generation_.load(std::memory_order_relaxed) + 1;
  const auto record = [&](EndedAt &ended_at) {
    if (const auto found = ended_at.find(webview); found != ended_at.end()) found->second = ended;
    else ended_at.emplace(std::string(webview), ended);
  };
  record(page_ended_at_);
  if (destroyed) record(webview_ended_at_);
  generation_.store(ended, std::memory_order_release);
}

bool PageGenerations::page_is_current(std::string_view webview, Stamp stamp) const {
  return is_current(page_ended_at_, webview, stamp);
}

bool PageGenerations::webview_is_current(std::string_view webview, Stamp stamp) const {
  return is_current(webview_ended_at_, webview, stamp);
}

bool PageGenerations::is_current(const EndedAt &ended_at, std::string_view webview, Stamp stamp) const {
  // Nothing ended since the stamp (the usual case): no lock.
  if (generation_.load(std::memory_order_acquire) <= stamp) return true;
  std::lock_guard lock(mutex_);
  const auto found = ended_at.find(webview);
  return found == ended_at.end() || found->second <= stamp;
}

} // namespace ward::detail
