#pragma once
// Decisions a policy has already made, so that a repeated request (the same command from the
// same window, webview and origin: nearly every request of a running app) is decided by one
// hash and one comparison instead of the grant index, label globs and origin classification.
//
// A policy is immutable, so a cached decision never goes stale; add_capability builds a new
// policy with an empty cache. Readers take no lock: the table is open-addressed (linear
// probing, a few slots at most), a slot goes once from empty to a pointer to an immutable
// entry (published with release, read with acquire) and never changes again, so there is
// nothing to free while the policy lives and no way to thrash. When the probed slots are all
// taken the decision is still made, just not cached: the memory per policy stays bounded.

#include <ward/acl.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace ward::acl::detail {

class DecisionCache {
public:
  static constexpr std::size_t slot_count = 1024;     ///< a power of two
  static constexpr std::size_t max_probes = 8;        ///< slots looked at per request
  static constexpr std::size_t max_key_bytes = 2048;  ///< longer requests are not cached

  DecisionCache() = default;
  DecisionCache(const DecisionCache &) = delete;
  DecisionCache &operator=(const DecisionCache &) = delete;
  ~DecisionCache() {
    for (auto &slot : slots_) delete slot.load(std::memory_order_relaxed);
  }

  /// The four lengths, then at most the first and last eight bytes of each part: enough to
  /// spread real requests, and a hit compares every byte anyway. (Requests crafted to collide
  /// only fill their few probed slots; they are then decided uncached.)
  static std::uint64_t hash(const AccessRequest &request) noexcept {
    std::uint64_t h = mix(0x243F6A8885A308D3ull, (request.command.size() & 0xFFFF) | (request.window.size() & 0xFFFF) << 16 |
                                                     (request.webview.size() & 0xFFFF) << 32 | request.origin.size() << 48);
    h = hash_part(h, request.command);
    h = hash_part(h, request.window);
    h = hash_part(h, request.webview);
    h = hash_part(h, request.origin);
    h ^= h >> 33; // MurmurHash3's finalizer: every bit reaches the low ones, which pick the slot
    h *= 0xFF51AFD7ED558CCDull;
    return h ^ (h >> 33);
  }

  [[nodiscard]] std::optional<bool> find(const AccessRequest &request, std::uint64_t hash) const noexcept {
    for (std::size_t probe = 0; probe < max_probes; ++probe) {
      const Entry *entry = slots_[(hash + probe) % slot_count].load(std::memory_order_acquire);
      if (!entry) return std::nullopt;
      if (entry->hash == hash && entry->matches(request)) return entry->allowed;
    }
    return std::nullopt;
  }

  void insert(const AccessRequest &request, std::uint64_t hash, bool allowed) noexcept {
    const std::size_t key_bytes =
        request.command.size() + request.window.size() + request.webview.size() + request.origin.size();
    if (key_bytes > max_key_bytes) return;
    try {
      std::lock_guard lock(mutex_); // writers only; readers never wait
      for (std::size_t probe = 0; probe < max_probes; ++probe) {
        auto &slot = slots_[(hash + probe) % slot_count];
        const Entry *existing = slot.load(std::memory_order_relaxed);
        if (existing) {
          if (existing->hash == hash && existing->matches(request)) return; // another thread was first
          continue;
        }
        auto entry = std::make_unique<Entry>();
        entry->hash = hash;
        entry->allowed = allowed;
        entry->key.reserve(key_bytes);
        const std::string_view parts[] = {request.command, request.window, request.webview, request.origin};
        for (std::size_t i = 0; i < 4; ++i) {
          entry->lengths[i] = static_cast<std::uint32_t>(parts[i].size());
          entry->key += parts[i];
        }
        slot.store(entry.release(), std::memory_order_release);
        ++size_;
        return;
      }
    } catch (...) {
      // Out of memory: the decision stands, it is just not cached.
    }
  }

  /// Entries made so far (for tests and diagnostics).
  [[nodiscard]] std::size_t size() const {
    std::lock_guard lock(mutex_);
    return size_;
  }

private:
  struct Entry {
    std::uint64_t hash = 0;
    std::uint32_t lengths[4] = {};
    bool allowed = false;
    std::string key; ///< command, window, webview and origin, concatenated

    [[nodiscard]] bool matches(const AccessRequest &request) const noexcept {
      const std::string_view parts[] = {request.command, request.window, request.webview, request.origin};
      std::size_t offset = 0;
      for (std::size_t i = 0; i < 4; ++i) {
        if (parts[i].size() != lengths[i] || !same_bytes(key.data() + offset, parts[i].data(), parts[i].size()))
          return false;
        offset += parts[i].size();
      }
      return true;
    }
  };

  /// memcmp(a, b, n) == 0, inline: labels, commands and origins are short.
  [[gnu::always_inline]] static bool same_bytes(const char *a, const char *b, std::size_t n) noexcept {
    if (n >= 8) {
      std::uint64_t difference = 0;
      std::size_t i = 0;
      for (; i + 8 <= n; i += 8) difference |= load(a + i, 8) ^ load(b + i, 8);
      return (difference | (load(a + n - 8, 8) ^ load(b + n - 8, 8))) == 0;
    }
    if (n >= 4) return ((load(a, 4) ^ load(b, 4)) | (load(a + n - 4, 4) ^ load(b + n - 4, 4))) == 0;
    for (std::size_t i = 0; i < n; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }

  [[gnu::always_inline]] static std::uint64_t mix(std::uint64_t h, std::uint64_t value) noexcept {
    h = (h ^ value) * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
  }
  [[gnu::always_inline]] static std::uint64_t load(const char *at, std::size_t bytes) noexcept {
    std::uint64_t value = 0;
    std::memcpy(&value, at, bytes);
    return value;
  }
  /// The first and last eight bytes (overlapping loads for shorter parts; the lengths are
  /// hashed already).
  [[gnu::always_inline]] static std::uint64_t hash_part(std::uint64_t h, std::string_view text) noexcept {
    const char *at = text.data();
    const std::size_t size = text.size();
    if (size >= 8) return mix(mix(h, load(at, 8)), load(at + size - 8, 8));
    if (size >= 4) return mix(h, load(at, 4) | (load(at + size - 4, 4) << 32));
    if (size > 0) {
      const auto byte = [&](std::size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(at[i])); };
      return mix(h, byte(0) | (byte(size / 2) << 8) | (byte(size - 1) << 16));
    }
    return h;
  }

  std::array<std::atomic<const Entry *>, slot_count> slots_{};
  mutable std::mutex mutex_;
  std::size_t size_ = 0;
};

} // namespace ward::acl::detail
