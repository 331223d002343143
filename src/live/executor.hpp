#pragma once
// The executor of async commands: a fixed set of workers over a bounded queue. Submitting to a
// full queue fails at once (the invoke is answered "busy"); nothing waits for room.

#include <ward/app.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace ward::detail {

class Executor {
public:
  using Task = std::function<void()>;
  explicit Executor(const ExecutorOptions &options);
  Executor(const Executor &) = delete;
  Executor &operator=(const Executor &) = delete;
  ~Executor();

  /// Queues a task; false if the queue is full or the executor stopped.
  bool try_submit(Task task);
  /// Stops taking tasks, drops the queued ones (destroying them on this thread), and waits for
  /// running tasks to finish, except one running on this very thread. Idempotent.
  void stop();
  [[nodiscard]] bool on_worker_thread() const noexcept;

private:
  struct Shared {
    std::mutex mutex;
    std::condition_variable work;
    std::deque<Task> queue;
    std::size_t capacity = 0;
    bool stopping = false;
  };
  static void work(const std::shared_ptr<Shared> &shared);

  std::shared_ptr<Shared> shared_;
  std::vector<std::thread> workers_;
  std::vector<std::thread::id> worker_ids_; ///< fixed at construction, read without a lock
  std::mutex stop_mutex_;
};

} // namespace ward::detail
