#pragma once
// Invokes that may still be answered later (async commands, deferred replies): what cancels them.

#include "live/cancel_state.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace ward::detail {

struct PendingReply;

/// One invoke's entry, held inside its PendingReply (no allocation of its own): linked into the
/// table while the invoke can be cancelled. The links belong to the table (under its lock).
struct InflightInvoke {
  std::string webview;
  std::uint32_t callback_id = 0;
  std::shared_ptr<CancelState> cancel;
  std::weak_ptr<PendingReply> reply;

private:
  friend class InflightTable;
  InflightInvoke *prev_ = nullptr;
  InflightInvoke *next_ = nullptr;
  bool linked_ = false;
};

class InflightTable {
public:
  InflightTable() = default;
  InflightTable(const InflightTable &) = delete;
  InflightTable &operator=(const InflightTable &) = delete;

  /// Links `invoke`, which must stay where it is until it is removed (or cancelled).
  void add(InflightInvoke &invoke) noexcept;
  /// Unlinks `invoke` if it is still linked.
  void remove(InflightInvoke &invoke) noexcept;
  /// Cancels (answers `cancelled`, then fires the token of) every invoke `match` selects; returns
  /// how many. The answers and callbacks run on this thread, outside the table's lock.
  std::size_t cancel_where(const std::function<bool(const InflightInvoke &)> &match, CancelReason reason);
  [[nodiscard]] std::size_t size() const;

private:
  void unlink(InflightInvoke &invoke) noexcept; ///< under mutex_

  mutable std::mutex mutex_;
  InflightInvoke *first_ = nullptr; ///< a doubly linked list, in no particular order
  std::size_t size_ = 0;
};

} // namespace ward::detail
