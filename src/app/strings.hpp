#pragma once
// Heterogeneous lookup of std::string keys by std::string_view.

#include <cstddef>
#include <functional>
#include <string_view>

namespace ward::detail {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
};

} // namespace ward::detail
