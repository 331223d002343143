#pragma once
// Resources by id, each owned by one webview.

#include "live/page_generations.hpp"

#include <ward/resources.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <typeindex>
#include <unordered_map>

namespace ward::detail {

struct ResourceTable {
  struct Entry {
    std::string webview;
    std::type_index type;
    std::shared_ptr<void> resource;
  };

  explicit ResourceTable(std::shared_ptr<const PageGenerations> pages) : pages(std::move(pages)) {}

  // `stamp` says when the caller's request arrived: a webview destroyed since then has no
  // resources (a new one under the same label is someone else).
  result<ResourceId> add(std::string_view webview, PageGenerations::Stamp stamp, std::type_index type,
                         std::shared_ptr<void> resource);
  [[nodiscard]] std::shared_ptr<void> get(std::string_view webview, PageGenerations::Stamp stamp, std::type_index type,
                                          ResourceId id) const;
  /// Removes the resource if `webview` owns it; false otherwise.
  bool close(std::string_view webview, PageGenerations::Stamp stamp, ResourceId id);
  /// Closes a destroyed webview's resources (after PageGenerations::end_webview, so that none
  /// can be added behind this).
  void close_webview(std::string_view webview);
  void clear();
  [[nodiscard]] std::size_t size() const;

  const std::shared_ptr<const PageGenerations> pages;
  mutable std::mutex mutex;
  std::unordered_map<ResourceId, Entry> entries;
  bool closed = false; ///< after shutdown nothing new is stored
};

} // namespace ward::detail
