#include "live/inflight.hpp"

#include "app/core.hpp"

#include <vector>

namespace ward::detail {

void InflightTable::add(std::uint64_t invoke_id, InflightInvoke invoke) {
  std::lock_guard lock(mutex_);
  invokes_.insert_or_assign(invoke_id, std::move(invoke));
}

void InflightTable::remove(std::uint64_t invoke_id) noexcept {
  std::lock_guard lock(mutex_);
  invokes_.erase(invoke_id);
}

std::size_t InflightTable::cancel_where(const std::function<bool(const InflightInvoke &)> &match, CancelReason reason) {
  std::vector<InflightInvoke> selected;
  {
    std::lock_guard lock(mutex_);
    for (auto entry = invokes_.begin(); entry != invokes_.end();) {
      if (match(entry->second)) {
        selected.push_back(std::move(entry->second));
        entry = invokes_.erase(entry);
      } else {
        ++entry;
      }
    }
  }
  std::size_t cancelled = 0;
  for (auto &invoke : selected) {
    // Answer first: the page learns at once; the handler may take its time to notice.
    if (auto reply = invoke.reply.lock()) {
      if (reply->answer_error(Error(errc::cancelled, "cancelled"))) ++cancelled;
    }
    if (invoke.cancel) invoke.cancel->cancel(reason);
  }
  return cancelled;
}

std::size_t InflightTable::size() const {
  std::lock_guard lock(mutex_);
  return invokes_.size();
}

} // namespace ward::detail
