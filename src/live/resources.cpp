#include "live/resource_table.hpp"

#include "ipc/invoke_key.hpp"

#include <vector>

namespace ward {
namespace detail {

result<ResourceId> ResourceTable::add(std::string_view webview, PageGenerations::Stamp stamp, std::type_index type,
                                      std::shared_ptr<void> resource) {
  if (!resource) return Error(errc::invalid_argument, "resource is null");
  std::lock_guard lock(mutex);
  if (closed) return Error(errc::closed, "the app is shut down");
  // Under the lock: close_webview runs after the end, so a resource is refused here or closed there.
  if (!pages->webview_is_current(webview, stamp)) return Error(errc::closed, "the webview has been destroyed");
  // Random ids below 2^53 (exact in a page's number): a page cannot guess another's.
  for (;;) {
    auto drawn = random_u64();
    if (!drawn) return std::move(drawn).assume_error();
    const ResourceId id = drawn.value() & ((std::uint64_t{1} << 53) - 1);
    if (id == 0 || entries.contains(id)) continue;
    entries.emplace(id, Entry{std::string(webview), type, std::move(resource)});
    return id;
  }
}

std::shared_ptr<void> ResourceTable::get(std::string_view webview, PageGenerations::Stamp stamp, std::type_index type,
                                         ResourceId id) const {
  if (!pages->webview_is_current(webview, stamp)) return nullptr;
  std::lock_guard lock(mutex);
  const auto found = entries.find(id);
  if (found == entries.end() || found->second.webview != webview || found->second.type != type) return nullptr;
  return found->second.resource;
}

bool ResourceTable::close(std::string_view webview, PageGenerations::Stamp stamp, ResourceId id) {
  if (!pages->webview_is_current(webview, stamp)) return false;
  std::shared_ptr<void> released; // destroyed after the lock
  std::lock_guard lock(mutex);
  const auto found = entries.find(id);
  if (found == entries.end() || found->second.webview != webview) return false;
  released = std::move(found->second.resource);
  entries.erase(found);
  return true;
}

void ResourceTable::close_webview(std::string_view webview) {
  std::vector<std::shared_ptr<void>> released;
  std::lock_guard lock(mutex);
  std::erase_if(entries, [&](auto &entry) {
    if (entry.second.webview != webview) return false;
    released.push_back(std::move(entry.second.resource));
    return true;
  });
}

void ResourceTable::clear() {
  decltype(entries) released;
  std::lock_guard lock(mutex);
  closed = true;
  released.swap(entries);
}

std::size_t ResourceTable::size() const {
  std::lock_guard lock(mutex);
  return entries.size();
}

} // namespace detail

result<ResourceId> Resources::add_erased(std::type_index type, std::shared_ptr<void> resource) const {
  return table_->add(webview_, stamp_, type, std::move(resource));
}

std::shared_ptr<void> Resources::get_erased(std::type_index type, ResourceId id) const {
  return table_->get(webview_, stamp_, type, id);
}

result<void> Resources::close(ResourceId id) const {
  if (!table_->close(webview_, stamp_, id))
    return Error(errc::invalid_argument, "The resource id " + std::to_string(id) + " is invalid.");
  return success();
}

} // namespace ward
