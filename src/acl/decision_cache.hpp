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

#include "app/strings.hpp"
#include "unique_id.hpp"

#include <ward/acl.hpp>

#include <array>
#include <bit>
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

  /// The four lengths of a request, 16 bits each: what a hit compares first, in one go, and
  /// what the hash starts from. (Only requests of at most max_key_bytes are cached, so a
  /// cached entry's lengths always fit; a longer request's packed lengths never match one.)
  static std::uint64_t packed_lengths(const AccessRequest &request) noexcept {
    const auto clamp = [](std::size_t size) -> std::uint64_t { return size < 0xFFFF ? size : 0xFFFF; };
    return clamp(request.command.size()) | clamp(request.window.size()) << 16 |
           clamp(request.webview.size()) << 32 | clamp(request.origin.size()) << 48;
  }

  /// The lengths, then at most the first and last eight bytes of each part: enough to spread
  /// real requests, and a hit compares every byte anyway. (Requests crafted to collide only
  /// fill their few probed slots; they are then decided uncached.)
  static std::uint64_t hash(const AccessRequest &request) noexcept { return hash(request, packed_lengths(request)); }
  [[gnu::always_inline]] static std::uint64_t hash(const AccessRequest &request, std::uint64_t lengths) noexcept {
    std::uint64_t h = ward::detail::hash_step(0x243F6A8885A308D3ull, lengths);
    h = ward::detail::hash_step(h, summary(request.command));
    h = ward::detail::hash_step(h, summary(request.window));
    h = ward::detail::hash_step(h, summary(request.webview));
    h = ward::detail::hash_step(h, summary(request.origin));
    return ward::detail::hash_finish(h);
  }

  enum class Recent : std::uint8_t { denied, allowed, unknown };

  /// The decision of the entry this thread found last in this cache, if `request` is that
  /// entry's request: a page sends the same command from the same labels and origin again and
  /// again, and this spares the hash and the probe. An enum, not an optional<bool>, so that
  /// the answer comes back in a register.
  [[nodiscard, gnu::always_inline]] Recent find_recent(const AccessRequest &request) const noexcept {
    const RecentHit &recent = recent_hit;
    // The id is unique to this cache for the life of the process, so a match means the entry
    // is one of ours, alive as long as we are (a freed cache's id is never reused).
    if (recent.cache_id != id_) return Recent::unknown;
    const Entry &entry = *recent.entry;
    if (!entry.same_request(request)) return Recent::unknown;
    return entry.allowed ? Recent::allowed : Recent::denied;
  }

  [[nodiscard]] std::optional<bool> find(const AccessRequest &request, std::uint64_t hash,
                                         std::uint64_t lengths) const noexcept {
    for (std::size_t probe = 0; probe < max_probes; ++probe) {
      const Entry *entry = slots_[(hash + probe) % slot_count].load(std::memory_order_acquire);
      if (!entry) return std::nullopt;
      if (entry->hash == hash && entry->lengths == lengths && entry->same_text(request)) {
        recent_hit = RecentHit{id_, entry};
        return entry->allowed;
      }
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
          if (existing->hash == hash && existing->lengths == packed_lengths(request) && existing->same_text(request))
            return; // another thread was first
          continue;
        }
        auto entry = std::make_unique<Entry>();
        entry->hash = hash;
        entry->allowed = allowed;
        entry->lengths = packed_lengths(request);
        entry->webview_is_window = request.webview == request.window;
        entry->key.reserve(key_bytes);
        for (const std::string_view part : {request.command, request.window, request.webview, request.origin})
          entry->key += part;
        // The entry never moves (it lives behind its slot's pointer): views into its key stay valid.
        const char *at = entry->key.data();
        for (std::size_t part = 0; part < entry->parts.size(); ++part) {
          const std::size_t size = std::array{request.command, request.window, request.webview, request.origin}[part].size();
          entry->parts[part] = std::string_view(at, size);
          at += size;
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
    std::uint64_t lengths = 0; ///< packed_lengths() of the request
    bool allowed = false;
    bool webview_is_window = false; ///< the webview label is the window label (Tauri's main webview)
    std::string key; ///< command, window, webview and origin, concatenated
    std::array<std::string_view, 4> parts; ///< the four, in `key`

    /// Compares a request with this entry part by part, each length with its bytes: the thread's
    /// last entry is checked without the packed lengths (four clamps) or the hash.
    [[nodiscard, gnu::always_inline]] static bool same(std::string_view mine, std::string_view theirs) noexcept {
      return mine.size() == theirs.size() && ward::detail::same_short_bytes(mine.data(), theirs.data(), theirs.size());
    }
    [[nodiscard, gnu::always_inline]] bool same_request(const AccessRequest &request) const noexcept {
      if (!same(parts[0], request.command) || !same(parts[1], request.window)) return false;
      // A host often passes one label for both: then the webview is the window just compared,
      // as it is in this entry.
      const bool same_label = webview_is_window && request.webview.data() == request.window.data() &&
                              request.webview.size() == request.window.size();
      return (same_label || same(parts[2], request.webview)) && same(parts[3], request.origin);
    }

    /// The bytes of a request whose lengths equal this entry's.
    [[nodiscard, gnu::always_inline]] bool same_text(const AccessRequest &request) const noexcept {
      using ward::detail::same_short_bytes;
      const char *at = key.data();
      if (!same_short_bytes(at, request.command.data(), request.command.size())) return false;
      at += request.command.size();
      if (!same_short_bytes(at, request.window.data(), request.window.size())) return false;
      at += request.window.size();
      if (!same_short_bytes(at, request.webview.data(), request.webview.size())) return false;
      at += request.webview.size();
      return same_short_bytes(at, request.origin.data(), request.origin.size());
    }
  };

  /// One word standing for a part: its first and last eight bytes (overlapping loads for
  /// shorter parts; the lengths are hashed already).
  [[gnu::always_inline]] static std::uint64_t summary(std::string_view text) noexcept {
    using ward::detail::load_bytes;
    const char *at = text.data();
    const std::size_t size = text.size();
    if (size >= 8) return load_bytes(at, 8) ^ std::rotl(load_bytes(at + size - 8, 8), 31);
    if (size >= 4) return load_bytes(at, 4) | (load_bytes(at + size - 4, 4) << 32);
    if (size > 0) {
      const auto byte = [&](std::size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(at[i])); };
      return byte(0) | (byte(size / 2) << 8) | (byte(size - 1) << 16);
    }
    return 0;
  }

  /// The entry a thread found last, and in which cache (cache_id 0: none; ids start at 1).
  struct RecentHit {
    std::uint64_t cache_id;
    const Entry *entry;
  };
  static inline thread_local RecentHit recent_hit; // zero-initialized, like every thread_local

  const std::uint64_t id_ = ward::detail::process_unique_id();
  std::array<std::atomic<const Entry *>, slot_count> slots_{};
  mutable std::mutex mutex_;
  std::size_t size_ = 0;
};

} // namespace ward::acl::detail
