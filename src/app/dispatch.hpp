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

/// What dispatch leaves behind: the response, if it was answered at once; otherwise the
/// answer goes to `async_done` (if given) or to the returned waiter.
struct DispatchOutcome {
  std::optional<Response> response;
  std::shared_ptr<ResponseWaiter> waiter;
};

/// `read` is the result of reading `envelope`; a failure becomes the error response.
DispatchOutcome dispatch(const std::shared_ptr<const AppCore> &app, const result<void> &read,
                         const Envelope &envelope, App::ResponseCallback *async_done);

} // namespace ward::detail
