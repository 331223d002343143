#include "allocation_hooks.hpp"

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <new>

#include <cstring>

// glibc's own allocator, which the replacements below forward to. Exported by glibc for exactly
// this purpose (allocators that wrap it).
extern "C" {
void *__libc_malloc(std::size_t size);
void *__libc_calloc(std::size_t count, std::size_t size);
void *__libc_realloc(void *pointer, std::size_t size);
void *__libc_memalign(std::size_t alignment, std::size_t size);
void __libc_free(void *pointer);
}

namespace ward_bench {
namespace {

std::atomic<std::uint64_t> new_count{0};
std::atomic<std::uint64_t> malloc_count{0};
std::atomic<std::uint64_t> mimalloc_count{0};

void count(std::atomic<std::uint64_t> &counter) noexcept { counter.fetch_add(1, std::memory_order_relaxed); }

void *allocate_for_new(std::size_t size, std::size_t alignment) {
  count(new_count);
  if (size == 0) size = 1;
  for (;;) {
    void *pointer = alignment <= alignof(std::max_align_t) ? __libc_malloc(size) : __libc_memalign(alignment, size);
    if (pointer) return pointer;
    std::new_handler handler = std::get_new_handler();
    if (!handler) throw std::bad_alloc();
    handler();
  }
}

void *allocate_for_new_nothrow(std::size_t size, std::size_t alignment) noexcept {
  try {
    return allocate_for_new(size, alignment);
  } catch (...) {
    return nullptr;
  }
}

bool is_power_of_two(std::size_t value) noexcept { return value != 0 && (value & (value - 1)) == 0; }

} // namespace

AllocationCounts allocation_counts() noexcept {
  return AllocationCounts{new_count.load(std::memory_order_relaxed), malloc_count.load(std::memory_order_relaxed),
                          mimalloc_count.load(std::memory_order_relaxed)};
}

bool counts_mimalloc() noexcept { return WARD_BENCH_COUNT_MIMALLOC != 0; }

} // namespace ward_bench

using ward_bench::allocate_for_new;
using ward_bench::allocate_for_new_nothrow;

// --- the global operator new family ------------------------------------------------------------

void *operator new(std::size_t size) { return allocate_for_new(size, 0); }
void *operator new[](std::size_t size) { return allocate_for_new(size, 0); }
void *operator new(std::size_t size, const std::nothrow_t &) noexcept { return allocate_for_new_nothrow(size, 0); }
void *operator new[](std::size_t size, const std::nothrow_t &) noexcept { return allocate_for_new_nothrow(size, 0); }
void *operator new(std::size_t size, std::align_val_t alignment) {
  return allocate_for_new(size, static_cast<std::size_t>(alignment));
}
void *operator new[](std::size_t size, std::align_val_t alignment) {
  return allocate_for_new(size, static_cast<std::size_t>(alignment));
}
void *operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t &) noexcept {
  return allocate_for_new_nothrow(size, static_cast<std::size_t>(alignment));
}
void *operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t &) noexcept {
  return allocate_for_new_nothrow(size, static_cast<std::size_t>(alignment));
}

void operator delete(void *pointer) noexcept { __libc_free(pointer); }
void operator delete[](void *pointer) noexcept { __libc_free(pointer); }
void operator delete(void *pointer, std::size_t) noexcept { __libc_free(pointer); }
void operator delete[](void *pointer, std::size_t) noexcept { __libc_free(pointer); }
void operator delete(void *pointer, const std::nothrow_t &) noexcept { __libc_free(pointer); }
void operator delete[](void *pointer, const std::nothrow_t &) noexcept { __libc_free(pointer); }
void operator delete(void *pointer, std::align_val_t) noexcept { __libc_free(pointer); }
void operator delete[](void *pointer, std::align_val_t) noexcept { __libc_free(pointer); }
void operator delete(void *pointer, std::size_t, std::align_val_t) noexcept { __libc_free(pointer); }
void operator delete[](void *pointer, std::size_t, std::align_val_t) noexcept { __libc_free(pointer); }
void operator delete(void *pointer, std::align_val_t, const std::nothrow_t &) noexcept { __libc_free(pointer); }
void operator delete[](void *pointer, std::align_val_t, const std::nothrow_t &) noexcept { __libc_free(pointer); }

// --- glibc's malloc family (replaceable in an executable, see the glibc manual) -----------------

extern "C" {

void *malloc(std::size_t size) {
  ward_bench::count(ward_bench::malloc_count);
  return __libc_malloc(size);
}
void *calloc(std::size_t count, std::size_t size) {
  ward_bench::count(ward_bench::malloc_count);
  return __libc_calloc(count, size);
}
void *realloc(void *pointer, std::size_t size) {
  ward_bench::count(ward_bench::malloc_count);
  return __libc_realloc(pointer, size);
}
void free(void *pointer) { __libc_free(pointer); }
void *memalign(std::size_t alignment, std::size_t size) {
  ward_bench::count(ward_bench::malloc_count);
  return __libc_memalign(alignment, size);
}
void *aligned_alloc(std::size_t alignment, std::size_t size) {
  ward_bench::count(ward_bench::malloc_count);
  return __libc_memalign(alignment, size);
}
int posix_memalign(void **out, std::size_t alignment, std::size_t size) {
  if (!ward_bench::is_power_of_two(alignment) || alignment % sizeof(void *) != 0) return EINVAL;
  ward_bench::count(ward_bench::malloc_count);
  void *pointer = __libc_memalign(alignment, size);
  if (!pointer) return ENOMEM;
  *out = pointer;
  return 0;
}

} // extern "C"

// --- mimalloc, as ward's Allocator calls it ----------------------------------------------------
// ward opens mimalloc privately (RTLD_LOCAL) and calls it through pointers it gets from dlsym, so
// defining mi_malloc here would intercept nothing. Instead this program links with
// -Wl,--wrap=dlsym (bench/CMakeLists.txt): ward's object code, linked in statically, then calls
// __wrap_dlsym below, which hands out counting wrappers around the real entry points.

#if WARD_BENCH_COUNT_MIMALLOC
extern "C" void *__real_dlsym(void *handle, const char *name);

namespace ward_bench {
namespace {

using MiMalloc = void *(*)(std::size_t);
using MiMallocAligned = void *(*)(std::size_t, std::size_t);
std::atomic<MiMalloc> real_mi_malloc{nullptr};
std::atomic<MiMallocAligned> real_mi_malloc_aligned{nullptr};

void *counted_mi_malloc(std::size_t size) {
  count(mimalloc_count);
  return real_mi_malloc.load(std::memory_order_acquire)(size);
}

void *counted_mi_malloc_aligned(std::size_t size, std::size_t alignment) {
  count(mimalloc_count);
  return real_mi_malloc_aligned.load(std::memory_order_acquire)(size, alignment);
}

} // namespace
} // namespace ward_bench

extern "C" void *__wrap_dlsym(void *handle, const char *name) {
  void *symbol = __real_dlsym(handle, name);
  if (!symbol || !name) return symbol;
  if (std::strcmp(name, "mi_malloc") == 0) {
    ward_bench::real_mi_malloc.store(reinterpret_cast<ward_bench::MiMalloc>(symbol), std::memory_order_release);
    return reinterpret_cast<void *>(&ward_bench::counted_mi_malloc);
  }
  if (std::strcmp(name, "mi_malloc_aligned") == 0) {
    ward_bench::real_mi_malloc_aligned.store(reinterpret_cast<ward_bench::MiMallocAligned>(symbol),
                                             std::memory_order_release);
    return reinterpret_cast<void *>(&ward_bench::counted_mi_malloc_aligned);
  }
  return symbol;
}
#endif
