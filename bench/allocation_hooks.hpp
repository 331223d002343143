#pragma once
// Counts heap allocations made by the process. Linked into ward_bench_allocs only: it replaces
// the global operator new family and glibc's malloc family, and, in builds where ward draws its
// buffers from mimalloc, counts the mimalloc calls ward makes (by wrapping dlsym at link time).
//
// The three counts do not overlap: operator new is served by glibc directly (not through the
// counted malloc), and a mimalloc function that calls another mimalloc function counts once.

#include <cstdint>

namespace ward_bench {

struct AllocationCounts {
  std::uint64_t operator_new = 0; ///< every form of global operator new / new[]
  std::uint64_t malloc = 0;       ///< malloc, calloc, realloc, memalign, posix_memalign, aligned_alloc
  std::uint64_t mimalloc = 0;     ///< mi_malloc, mi_malloc_aligned (what ward's Allocator calls)

  [[nodiscard]] std::uint64_t total() const noexcept { return operator_new + malloc + mimalloc; }
};

[[nodiscard]] AllocationCounts allocation_counts() noexcept;

/// True when mimalloc calls are counted (builds with WARD_USE_MIMALLOC=ON).
[[nodiscard]] bool counts_mimalloc() noexcept;

} // namespace ward_bench
