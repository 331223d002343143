#pragma once
// Numbers that name something for the life of the process: a command index, a decision cache, an
// app, a policy version. Per-thread memos are keyed by them, so a memo can never match another
// table, nor a dead one whose memory a new one reuses.

#include <atomic>
#include <cstdint>

namespace ward::detail {

/// A number no other call in this process returns; never 0 (0 means "none" in the memos).
inline std::uint64_t process_unique_id() noexcept {
  static std::atomic<std::uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

} // namespace ward::detail
