#pragma once
// Resources by id, each owned by one webview.

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

  result<ResourceId> add(std::string_view webview, std::type_index type, std::shared_ptr<void> resource);
  [[nodiscard]] std::shared_ptr<void> get(std::string_view webview, std::type_index type, ResourceId id) const;
  /// Removes the resource if `webview` owns it; false otherwise.
  bool close(std::string_view webview, ResourceId id);
  void close_webview(std::string_view webview);
  void clear();
  [[nodiscard]] std::size_t size() const;

  mutable std::mutex mutex;
  std::unordered_map<ResourceId, Entry> entries;
  bool closed = false; ///< after shutdown nothing new is stored
};

} // namespace ward::detail
