#include "live/executor.hpp"

#include <algorithm>

namespace ward::detail {

Executor::Executor(const ExecutorOptions &options) : shared_(std::make_shared<Shared>()) {
  shared_->capacity = std::max<std::uint32_t>(options.queue_capacity, 1);
  const std::uint32_t count = std::max<std::uint32_t>(options.workers, 1);
  workers_.reserve(count);
  try {
    for (std::uint32_t i = 0; i < count; ++i) {
      workers_.emplace_back([shared = shared_] { work(shared); });
      worker_ids_.push_back(workers_.back().get_id());
    }
  } catch (...) {
    stop(); // joins the workers already started, so that none is left joinable
    throw;
  }
}

Executor::~Executor() { stop(); }

bool Executor::try_submit(Task task) {
  {
    std::lock_guard lock(shared_->mutex);
    if (shared_->stopping || shared_->queue.size() >= shared_->capacity) return false;
    shared_->queue.push_back(std::move(task));
  }
  shared_->work.notify_one();
  return true;
}

void Executor::work(const std::shared_ptr<Shared> &shared) {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(shared->mutex);
      shared->work.wait(lock, [&] { return shared->stopping || !shared->queue.empty(); });
      if (shared->stopping) return;
      task = std::move(shared->queue.front());
      shared->queue.pop_front();
    }
    task(); // tasks catch their own exceptions
  }
}

void Executor::stop() {
  std::lock_guard stopping(stop_mutex_);
  std::deque<Task> dropped;
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stopping = true;
    dropped.swap(shared_->queue);
  }
  shared_->work.notify_all();
  dropped.clear();
  for (auto &worker : workers_) {
    if (!worker.joinable()) continue;
    if (worker.get_id() == std::this_thread::get_id()) worker.detach(); // its loop ends after this task
    else worker.join();
  }
}

bool Executor::on_worker_thread() const noexcept {
  const auto self = std::this_thread::get_id();
  return std::find(worker_ids_.begin(), worker_ids_.end(), self) != worker_ids_.end();
}

} // namespace ward::detail
