#include <ward/memory.hpp>

#include <cstdlib>
#include <new>

#if WARD_USE_MIMALLOC
#include <mimalloc.h>
#endif

namespace ward {
namespace detail {

void *allocate_bytes(std::size_t size, std::size_t alignment) {
#if WARD_USE_MIMALLOC
  void *pointer = alignment <= alignof(std::max_align_t) ? mi_malloc(size) : mi_malloc_aligned(size, alignment);
  if (!pointer && size != 0) throw std::bad_alloc();
  return pointer;
#else
  return ::operator new(size, std::align_val_t(alignment));
#endif
}

void deallocate_bytes(void *pointer, std::size_t size, std::size_t alignment) noexcept {
#if WARD_USE_MIMALLOC
  (void)size;
  (void)alignment;
  mi_free(pointer);
#else
  (void)size; // clang does not enable sized deallocation by default
  ::operator delete(pointer, std::align_val_t(alignment));
#endif
}

} // namespace detail

bool uses_mimalloc() noexcept { return WARD_USE_MIMALLOC != 0; }

} // namespace ward
