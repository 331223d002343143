#pragma once
// The allocator of ward's own buffers. With WARD_USE_MIMALLOC it draws from mimalloc, loaded
// privately at run time (falling back to operator new if libmimalloc is absent); it never
// replaces the host's global operator new or malloc.

#include <cstddef>
#include <new>
#include <string>

namespace ward {
namespace detail {
[[nodiscard]] void *allocate_bytes(std::size_t size, std::size_t alignment);
void deallocate_bytes(void *pointer, std::size_t size, std::size_t alignment) noexcept;
} // namespace detail

template <class T> struct Allocator {
  using value_type = T;
  Allocator() noexcept = default;
  template <class U> Allocator(const Allocator<U> &) noexcept {}

  [[nodiscard]] T *allocate(std::size_t count) {
    if (count > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T *>(detail::allocate_bytes(count * sizeof(T), alignof(T)));
  }
  void deallocate(T *pointer, std::size_t count) noexcept {
    detail::deallocate_bytes(pointer, count * sizeof(T), alignof(T));
  }
  template <class U> bool operator==(const Allocator<U> &) const noexcept { return true; }
};

/// ward's owned text and byte buffers (response bodies, encoded JSON).
using String = std::basic_string<char, std::char_traits<char>, Allocator<char>>;

/// True when ward's buffers come from mimalloc in this process.
bool uses_mimalloc() noexcept;

} // namespace ward
