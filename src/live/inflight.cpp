#include "live/inflight.hpp"

#include "app/core.hpp"

#include <vector>

namespace ward::detail {

void InflightTable::add(InflightInvoke &invoke) noexcept {
  std::lock_guard lock(mutex_);
  invoke.prev_ = nullptr;
  invoke.next_ = first_;
  if (first_) first_->prev_ = &invoke;
  first_ = &invoke;
  invoke.linked_ = true;
  ++size_;
}

void InflightTable::remove(InflightInvoke &invoke) noexcept {
  std::lock_guard lock(mutex_);
  if (invoke.linked_) unlink(invoke);
}

void InflightTable::unlink(InflightInvoke &invoke) noexcept {
  if (invoke.prev_) invoke.prev_->next_ = invoke.next_;
  else first_ = invoke.next_;
  if (invoke.next_) invoke.next_->prev_ = invoke.prev_;
  invoke.prev_ = invoke.next_ = nullptr;
  invoke.linked_ = false;
  --size_;
}

std::size_t InflightTable::cancel_where(const std::function<bool(const InflightInvoke &)> &match, CancelReason reason) {
  struct Selected {
    std::shared_ptr<PendingReply> reply; ///< null if it is being destroyed
    std::shared_ptr<CancelState> cancel;
  };
  std::vector<Selected> selected;
  {
    std::lock_guard lock(mutex_);
    // Reserved first, so that nothing below can throw with an entry half taken out.
    std::size_t matching = 0;
    for (const InflightInvoke *entry = first_; entry; entry = entry->next_) matching += match(*entry) ? 1 : 0;
    selected.reserve(matching);
    // A linked entry is alive: its reply unlinks it (under this lock) before it is destroyed.
    for (InflightInvoke *entry = first_; entry;) {
      InflightInvoke *const next = entry->next_;
      if (match(*entry)) {
        selected.push_back(Selected{entry->reply.lock(), entry->cancel});
        unlink(*entry);
      }
      entry = next;
    }
  }
  std::size_t cancelled = 0;
  for (auto &invoke : selected) {
    // Answer first: the page learns at once; the handler may take its time to notice.
    if (invoke.reply) {
      if (invoke.reply->answer_error(Error(errc::cancelled, "cancelled"))) ++cancelled;
    }
    if (invoke.cancel) invoke.cancel->cancel(reason);
  }
  return cancelled;
}

std::size_t InflightTable::size() const {
  std::lock_guard lock(mutex_);
  return size_;
}

} // namespace ward::detail
