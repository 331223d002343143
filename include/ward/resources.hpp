#pragma once
// The resource table: objects a handler keeps alive across calls on behalf of one webview,
// named to the page by an id it cannot guess (Tauri's ResourceTable; @tauri-apps/api's Resource).

#include <ward/error.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <typeindex>

namespace ward {

/// A resource id: random, non-zero, below 2^53 so that a page's number holds it exactly.
using ResourceId = std::uint64_t;

namespace detail {
struct ResourceTable;
}

/// The resource table as seen from one webview (injected into handlers as `Resources`). Every
/// operation is limited to that webview's resources: another webview's id is not found. A view
/// belongs to the webview the label named when it was made (a handler's: when its request
/// arrived): once that webview is destroyed the view finds nothing and adds nothing, even if a new
/// webview has taken the label.
class Resources {
public:
  Resources(std::shared_ptr<detail::ResourceTable> table, std::string_view webview, std::uint64_t stamp) noexcept
      : table_(std::move(table)), webview_(webview), stamp_(stamp) {}

  /// Stores a resource; it lives until closed, its webview is destroyed, or the app shuts down.
  /// errc::closed once the app is shut down or the view's webview destroyed.
  template <class T> result<ResourceId> add(std::shared_ptr<T> resource) {
    return add_erased(std::type_index(typeid(T)), std::shared_ptr<void>(std::move(resource)));
  }
  /// The resource `id` if this webview owns it and it is a T; nullptr otherwise.
  template <class T> [[nodiscard]] std::shared_ptr<T> get(ResourceId id) const {
    return std::static_pointer_cast<T>(get_erased(std::type_index(typeid(T)), id));
  }
  /// Closes a resource of this webview (errc::invalid_argument naming `rid` if there is none).
  result<void> close(ResourceId id) const;
  [[nodiscard]] std::string_view webview() const noexcept { return webview_; }

private:
  result<ResourceId> add_erased(std::type_index type, std::shared_ptr<void> resource) const;
  [[nodiscard]] std::shared_ptr<void> get_erased(std::type_index type, ResourceId id) const;
  std::shared_ptr<detail::ResourceTable> table_;
  std::string webview_;
  std::uint64_t stamp_; ///< when the view was made (see detail::PageGenerations)
};

} // namespace ward
