#pragma once
// The host's log sink: the only place private error details go.

#include <ward/error.hpp>

#include <functional>
#include <string_view>

namespace ward {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

struct LogRecord {
  LogLevel level;
  errc code;
  std::string_view message; ///< what the page was told (if anything)
  std::string_view detail;  ///< private: exception text, which handler, why
  std::string_view command; ///< the command involved, if any
};

/// Called from any thread, possibly concurrently; must not throw (exceptions are swallowed).
using LogSink = std::function<void(const LogRecord &)>;

} // namespace ward
