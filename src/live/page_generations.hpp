#pragma once
// Which page of a webview something belongs to. A label outlives its pages: after a navigation
// the same label names a new page, after a destruction maybe a new webview. Work is stamped with
// the generation current when its request arrived; ending a page moves the generation on, so what
// the old page started (replies, event and channel deliveries, resources) is told apart from what
// the new one starts, and never reaches it.

#include "app/strings.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ward::detail {

class PageGenerations {
public:
  using Stamp = std::uint64_t;

  /// The stamp for work that starts now: one load, cheap enough for every invoke.
  [[nodiscard]] Stamp now() const noexcept { return generation_.load(std::memory_order_acquire); }

  /// `webview` navigated: work stamped before this call belongs to a page that is gone.
  void end_page(std::string_view webview);
  /// `webview` was destroyed: its page is gone, and so is the webview (see webview_is_current).
  void end_webview(std::string_view webview);

  /// False if the page `webview` showed when `stamp` was taken has since been left.
  [[nodiscard]] bool page_is_current(std::string_view webview, Stamp stamp) const;
  /// False if the webview named `webview` when `stamp` was taken has since been destroyed.
  [[nodiscard]] bool webview_is_current(std::string_view webview, Stamp stamp) const;

private:
  using EndedAt = std::unordered_map<std::string, Stamp, StringHash, std::equal_to<>>;
  void end(std::string_view webview, bool destroyed);
  [[nodiscard]] bool is_current(const EndedAt &ended_at, std::string_view webview, Stamp stamp) const;

  std::atomic<Stamp> generation_{0};
  mutable std::mutex mutex_;
  // The generation at which each label's last page (webview) ended: one entry per label ever
  // navigated or destroyed, which the host's own labels bound.
  EndedAt page_ended_at_;
  EndedAt webview_ended_at_;
};

} // namespace ward::detail
