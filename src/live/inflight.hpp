#pragma once
// Invokes that may still be answered later (async commands, deferred replies): what cancels them.

#include "live/cancel_state.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ward::detail {

struct PendingReply;

struct InflightInvoke {
  std::string webview;
  std::uint32_t callback_id = 0;
  std::shared_ptr<CancelState> cancel;
  std::weak_ptr<PendingReply> reply;
};

class InflightTable {
public:
  void add(std::uint64_t invoke_id, InflightInvoke invoke);
  void remove(std::uint64_t invoke_id) noexcept;
  /// Cancels (answers `cancelled`, then fires the token of) every invoke `match` selects; returns
  /// how many. The answers and callbacks run on this thread, outside the table's lock.
  std::size_t cancel_where(const std::function<bool(const InflightInvoke &)> &match, CancelReason reason);
  [[nodiscard]] std::size_t size() const;

private:
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, InflightInvoke> invokes_;
};

} // namespace ward::detail
