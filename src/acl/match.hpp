#pragma once
// The matchers a decision runs: window/webview label globs, origin URLs and remote URL patterns.

#include <ward/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ward::acl::detail {

/// A glob as Tauri's `glob::Pattern` reads it: `*` any run (including `/`), `?` one character,
/// `[abc]`, `[a-z]`, `[!abc]`. A pattern without metacharacters is compared directly.
class Glob {
public:
  static result<Glob> compile(std::string_view pattern);
  [[nodiscard]] bool matches(std::string_view text) const noexcept;
  [[nodiscard]] const std::string &pattern() const noexcept { return pattern_; }
  [[nodiscard]] bool is_literal() const noexcept { return literal_; }

private:
  std::string pattern_;
  bool literal_ = true;
};

/// The parts of a URL a decision looks at. Views into the URL text, except that the scheme and
/// host are compared case-insensitively and the port is empty for a scheme's default port.
struct UrlParts {
  std::string_view scheme;
  std::string_view host;
  std::string_view port;
  std::string_view path;
  std::string_view query;
  std::string_view fragment;
  bool has_credentials = false;
};

/// Splits an absolute URL; false if it is not one ("scheme://host...").
bool split_url(std::string_view url, UrlParts &parts) noexcept;

/// An app origin ("tauri://localhost"): a request is local iff its scheme, host and port equal
/// one of these exactly.
struct AppOrigin {
  std::string scheme;
  std::string host;
  std::string port;
  static result<AppOrigin> parse(std::string_view origin);
  [[nodiscard]] bool matches(const UrlParts &url) const noexcept;
};

/// A remote URL pattern with Tauri's defaults: a missing or empty path ("/" included), search,
/// hash or port matches anything; `*` matches any run within a part (dots included in a host);
/// `:name` matches one path segment or one host label; a written port must match exactly.
class UrlPattern {
public:
  static result<UrlPattern> compile(std::string_view pattern);
  [[nodiscard]] bool matches(const UrlParts &url) const noexcept;
  [[nodiscard]] const std::string &text() const noexcept { return text_; }

  struct Token {
    enum class Kind : std::uint8_t { literal, any, segment } kind;
    std::string literal;
  };
  /// One part of the pattern: a sequence of tokens; `segment` tokens stop at `separator`.
  struct Part {
    std::vector<Token> tokens;
    char separator = '/';
    bool case_insensitive = false;
    [[nodiscard]] bool matches(std::string_view text) const noexcept;
  };

private:
  std::string text_;
  Part scheme_, host_, port_, path_, query_, fragment_;
};

} // namespace ward::acl::detail
