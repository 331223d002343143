#include <ward/memory.hpp>

#include <cstdlib>
#include <new>

#if WARD_USE_MIMALLOC
#include <dlfcn.h>
#endif

namespace ward {
namespace detail {
namespace {

#if WARD_USE_MIMALLOC
/// mimalloc, loaded privately. Debian's libmimalloc.so exports malloc and operator new, so
/// linking it would replace the host's allocator for the whole process; opened with
/// RTLD_LOCAL its symbols serve only the calls ward makes through these pointers.
struct Mimalloc {
  void *(*malloc)(std::size_t) = nullptr;
  void *(*malloc_aligned)(std::size_t, std::size_t) = nullptr;
  void (*free)(void *) = nullptr;
  [[nodiscard]] bool available() const noexcept { return malloc && malloc_aligned && free; }
};

const Mimalloc &mimalloc() noexcept {
  // Decided once per process, so a pointer is always freed by the allocator that made it.
  static const Mimalloc api = [] {
    Mimalloc loaded;
    void *library = dlopen(WARD_MIMALLOC_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!library) return loaded;
    loaded.malloc = reinterpret_cast<void *(*)(std::size_t)>(dlsym(library, "mi_malloc"));
    loaded.malloc_aligned = reinterpret_cast<void *(*)(std::size_t, std::size_t)>(dlsym(library, "mi_malloc_aligned"));
    loaded.free = reinterpret_cast<void (*)(void *)>(dlsym(library, "mi_free"));
    return loaded.available() ? loaded : Mimalloc{};
  }();
  return api;
}
#endif

} // namespace

void *allocate_bytes(std::size_t size, std::size_t alignment) {
#if WARD_USE_MIMALLOC
  if (const auto &mi = mimalloc(); mi.available()) {
    void *pointer = alignment <= alignof(std::max_align_t) ? mi.malloc(size) : mi.malloc_aligned(size, alignment);
    if (!pointer && size != 0) throw std::bad_alloc();
    return pointer;
  }
#endif
  return ::operator new(size, std::align_val_t(alignment));
}

void deallocate_bytes(void *pointer, std::size_t size, std::size_t alignment) noexcept {
  (void)size; // clang does not enable sized deallocation by default
#if WARD_USE_MIMALLOC
  if (const auto &mi = mimalloc(); mi.available()) {
    mi.free(pointer);
    return;
  }
#endif
  ::operator delete(pointer, std::align_val_t(alignment));
}

} // namespace detail

bool uses_mimalloc() noexcept {
#if WARD_USE_MIMALLOC
  return detail::mimalloc().available();
#else
  return false;
#endif
}

} // namespace ward
