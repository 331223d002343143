#pragma once
// Running one read request: find the command, run its handler, catch what it throws, and make
// sure exactly one response leaves, now or through a Responder later.

#include "app/core.hpp"
#include "ipc/envelope.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>

namespace ward::detail {

/// Where a blocking invoke waits for a deferred answer.
class ResponseWaiter {
public:
  void set(Response response);
  Response wait();

private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::optional<Response> response_;
};

/// What dispatch leaves behind. When `answered`, the answer is in the Response the caller
/// passed; otherwise it goes to `async_done` (if given) or to the returned waiter.
struct DispatchOutcome {
  bool answered = true;
  std::shared_ptr<ResponseWaiter> waiter;
};

/// `read` is the result of reading `envelope`; a failure becomes the error response. An answer
/// given before dispatch returns is written straight into `response` (a default Response), so
/// the hot path moves the body once.
DispatchOutcome dispatch(const std::shared_ptr<const AppCore> &app, const result<void> &read,
                         const Envelope &envelope, App::ResponseCallback *async_done, Response &response);

} // namespace ward::detail
