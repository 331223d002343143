#include "acl/match.hpp"

#include "try.hpp"

#include <algorithm>
#include <cctype>

namespace ward::acl::detail {
namespace {

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

/// Length of the UTF-8 sequence starting with `lead` (1 for anything malformed).
std::size_t utf8_length(unsigned char lead) noexcept {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

/// One glob element at pattern[p]: how many pattern bytes it spans and whether it matches the
/// character at text[t] (of `length` bytes).
bool class_matches(std::string_view pattern, std::size_t &p, std::string_view character) noexcept {
  // pattern[p] == '['
  std::size_t i = p + 1;
  bool negate = false;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    negate = true;
    ++i;
  }
  bool matched = false;
  bool first = true;
  while (i < pattern.size() && (pattern[i] != ']' || first)) {
    first = false;
    const std::size_t len = utf8_length(static_cast<unsigned char>(pattern[i]));
    const std::string_view low = pattern.substr(i, len);
    i += len;
    if (i + 1 < pattern.size() && pattern[i] == '-' && pattern[i + 1] != ']') {
      const std::size_t high_len = utf8_length(static_cast<unsigned char>(pattern[i + 1]));
      const std::string_view high = pattern.substr(i + 1, high_len);
      i += 1 + high_len;
      if (character >= low && character <= high && character.size() == low.size()) matched = true;
    } else if (character == low) {
      matched = true;
    }
  }
  p = i + 1; // past ']'
  return matched != negate;
}

bool glob_match(std::string_view pattern, std::string_view text) noexcept {
  std::size_t p = 0, t = 0;
  std::size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    const std::size_t char_len = utf8_length(static_cast<unsigned char>(text[t]));
    const std::string_view character = text.substr(t, char_len);
    if (p < pattern.size() && pattern[p] == '*') {
      while (p < pattern.size() && pattern[p] == '*') ++p; // `**` is `*` for labels
      star_p = p;
      star_t = t;
      continue;
    }
    if (p < pattern.size()) {
      std::size_t next = p;
      bool ok = false;
      if (pattern[p] == '?') {
        ok = true;
        next = p + 1;
      } else if (pattern[p] == '[' && pattern.find(']', p + 2) != std::string_view::npos) {
        ok = class_matches(pattern, next, character);
      } else {
        const std::size_t len = utf8_length(static_cast<unsigned char>(pattern[p]));
        ok = pattern.substr(p, len) == character;
        next = p + len;
      }
      if (ok) {
        p = next;
        t += char_len;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    star_t += utf8_length(static_cast<unsigned char>(text[star_t]));
    t = star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string_view default_port(std::string_view scheme) noexcept {
  if (iequals(scheme, "http") || iequals(scheme, "ws")) return "80";
  if (iequals(scheme, "https") || iequals(scheme, "wss")) return "443";
  if (iequals(scheme, "ftp")) return "21";
  return {};
}

} // namespace

result<Glob> Glob::compile(std::string_view pattern) {
  if (pattern.empty()) return Error(errc::invalid_argument, "an empty window or webview glob matches nothing");
  if (pattern.size() > 1024) // labels are at most 256 bytes; a longer glob is a mistake, not a pattern
    return Error(errc::invalid_argument, "a window or webview glob is longer than 1024 bytes");
  Glob glob;
  glob.pattern_ = std::string(pattern);
  glob.literal_ = pattern.find_first_of("*?[") == std::string_view::npos;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    // `[]]` is a class holding `]`, so a class closes at the first `]` after its first member.
    if (pattern[i] == '[' && pattern.find(']', i + 2) == std::string_view::npos)
      return Error(errc::invalid_argument, "invalid glob `" + std::string(pattern) + "`: `[` is never closed");
  }
  return glob;
}

bool Glob::matches(std::string_view text) const noexcept {
  return literal_ ? text == pattern_ : glob_match(pattern_, text);
}

bool split_url(std::string_view url, UrlParts &parts) noexcept {
  parts = UrlParts{};
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return false;
  parts.scheme = url.substr(0, scheme_end);
  if (!std::all_of(parts.scheme.begin(), parts.scheme.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
               c == '.';
      }))
    return false;
  std::string_view rest = url.substr(scheme_end + 3);
  const auto authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, authority_end);
  rest.remove_prefix(authority_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    parts.has_credentials = true;
    authority.remove_prefix(at + 1);
  }
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    parts.host = authority.substr(0, close + 1);
    authority.remove_prefix(close + 1);
    if (!authority.empty()) {
      if (authority.front() != ':') return false;
      parts.port = authority.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    parts.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) parts.port = authority.substr(colon + 1);
  }
  if (parts.host.empty()) return false;
  if (!std::all_of(parts.port.begin(), parts.port.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  if (parts.port == default_port(parts.scheme)) parts.port = {};
  const auto query_start = rest.find('?');
  const auto fragment_start = rest.find('#');
  parts.path = rest.substr(0, std::min(query_start, fragment_start));
  if (query_start != std::string_view::npos && query_start < fragment_start)
    parts.query = rest.substr(query_start + 1, fragment_start == std::string_view::npos ? std::string_view::npos
                                                                                        : fragment_start - query_start - 1);
  if (fragment_start != std::string_view::npos) parts.fragment = rest.substr(fragment_start + 1);
  return true;
}

result<AppOrigin> AppOrigin::parse(std::string_view origin) {
  UrlParts parts;
  if (!split_url(origin, parts) || parts.has_credentials)
    return Error(errc::invalid_argument, "invalid app origin `" + std::string(origin) + "`: expected scheme://host[:port]");
  if (!(parts.path.empty() || parts.path == "/") || !parts.query.empty() || !parts.fragment.empty())
    return Error(errc::invalid_argument, "invalid app origin `" + std::string(origin) + "`: an origin has no path, query or fragment");
  AppOrigin out;
  std::transform(parts.scheme.begin(), parts.scheme.end(), std::back_inserter(out.scheme), lower);
  std::transform(parts.host.begin(), parts.host.end(), std::back_inserter(out.host), lower);
  out.port = std::string(parts.port);
  return out;
}

bool AppOrigin::matches(const UrlParts &url) const noexcept {
  return !url.has_credentials && iequals(url.scheme, scheme) && iequals(url.host, host) && url.port == port;
}

bool UrlPattern::Part::matches(std::string_view text) const noexcept {
  // The common parts are one literal or one `*`: decide those without the general matcher.
  if (tokens.empty()) return text.empty();
  if (tokens.size() == 1) {
    const Token &only = tokens.front();
    if (only.kind == Token::Kind::any) return true;
    if (only.kind == Token::Kind::literal) return case_insensitive ? iequals(text, only.literal) : text == only.literal;
  }
  // Backtracking over at most a few wildcards: patterns are short and written by the app.
  struct Matcher {
    const Part &part;
    bool run(std::size_t token, std::string_view rest) const noexcept {
      if (token == part.tokens.size()) return rest.empty();
      const Token &current = part.tokens[token];
      switch (current.kind) {
      case Token::Kind::literal: {
        if (rest.size() < current.literal.size()) return false;
        const std::string_view head = rest.substr(0, current.literal.size());
        if (part.case_insensitive ? !iequals(head, current.literal) : head != current.literal) return false;
        return run(token + 1, rest.substr(current.literal.size()));
      }
      case Token::Kind::any:
        if (token + 1 == part.tokens.size()) return true; // a trailing `*` takes the rest
        for (std::size_t take = 0; take <= rest.size(); ++take)
          if (run(token + 1, rest.substr(take))) return true;
        return false;
      case Token::Kind::segment:
        for (std::size_t take = 1; take <= rest.size(); ++take) {
          if (rest[take - 1] == part.separator) break;
          if (run(token + 1, rest.substr(take))) return true;
        }
        return false;
      }
      return false;
    }
  };
  return Matcher{*this}.run(0, text);
}

namespace {

result<UrlPattern::Part> compile_part(std::string_view text, char separator, bool case_insensitive,
                                      std::string_view whole) {
  UrlPattern::Part part;
  part.separator = separator;
  part.case_insensitive = case_insensitive;
  std::string literal;
  const auto flush = [&] {
    if (!literal.empty()) part.tokens.push_back({UrlPattern::Token::Kind::literal, std::exchange(literal, {})});
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '*') {
      flush();
      if (part.tokens.empty() || part.tokens.back().kind != UrlPattern::Token::Kind::any)
        part.tokens.push_back({UrlPattern::Token::Kind::any, {}});
    } else if (c == ':' && i + 1 < text.size() && (std::isalpha(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '_')) {
      flush();
      ++i;
      while (i + 1 < text.size() && (std::isalnum(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '_')) ++i;
      part.tokens.push_back({UrlPattern::Token::Kind::segment, {}});
    } else if (c == '\\' && i + 1 < text.size()) {
      literal += text[++i];
    } else if (c == '(' || c == ')' || c == '{' || c == '}') {
      return Error(errc::invalid_argument, "unsupported URL pattern `" + std::string(whole) +
                                               "`: regular-expression groups and `{}` are not supported");
    } else {
      literal += case_insensitive ? lower(c) : c;
    }
  }
  flush();
  return part;
}

} // namespace

result<UrlPattern> UrlPattern::compile(std::string_view pattern) {
  const auto invalid = [&](std::string_view why) {
    return Error(errc::invalid_argument, "invalid remote URL pattern `" + std::string(pattern) + "`: " + std::string(why));
  };
  const auto scheme_end = pattern.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return invalid("expected scheme://host[/path]");
  std::string_view rest = pattern.substr(scheme_end + 3);
  const auto authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, authority_end);
  rest.remove_prefix(authority_end);
  if (authority.empty()) return invalid("the host is empty");
  if (authority.find('@') != std::string_view::npos) return invalid("credentials are not allowed");
  std::string_view host = authority, port;
  if (const auto colon = authority.rfind(':'); colon != std::string_view::npos && authority.back() != ']') {
    const std::string_view candidate = authority.substr(colon + 1);
    if (candidate == "*" || (!candidate.empty() && std::all_of(candidate.begin(), candidate.end(), [](char c) { return c >= '0' && c <= '9'; }))) {
      host = authority.substr(0, colon);
      port = candidate;
    }
  }
  if (host.empty()) return invalid("the host is empty");
  const auto query_start = rest.find('?');
  const auto fragment_start = rest.find('#');
  std::string_view path = rest.substr(0, std::min(query_start, fragment_start));
  std::string_view query, fragment;
  if (query_start != std::string_view::npos && query_start < fragment_start)
    query = rest.substr(query_start + 1, fragment_start == std::string_view::npos ? std::string_view::npos
                                                                                  : fragment_start - query_start - 1);
  if (fragment_start != std::string_view::npos) fragment = rest.substr(fragment_start + 1);
  // Tauri's defaults: nothing given means anything.
  if (path.empty() || path == "/") path = "*";
  if (query.empty()) query = "*";
  if (fragment.empty()) fragment = "*";
  const std::string_view scheme = pattern.substr(0, scheme_end);
  // A port that is not written matches any port (urlpattern 0.3, as Tauri uses it); a scheme's
  // default port is written as nothing, as in the URLs it is compared with.
  std::string normalized_port = authority.size() == host.size() ? std::string("*") : std::string(port);
  if (normalized_port == default_port(scheme)) normalized_port.clear();

  UrlPattern out;
  out.text_ = std::string(pattern);
  WARD_TRY_ASSIGN(out.scheme_, compile_part(scheme, '\0', true, pattern));
  WARD_TRY_ASSIGN(out.host_, compile_part(host, '.', true, pattern));
  WARD_TRY_ASSIGN(out.port_, compile_part(normalized_port, '\0', false, pattern));
  WARD_TRY_ASSIGN(out.path_, compile_part(path, '/', false, pattern));
  WARD_TRY_ASSIGN(out.query_, compile_part(query, '&', false, pattern));
  WARD_TRY_ASSIGN(out.fragment_, compile_part(fragment, '\0', false, pattern));
  return out;
}

bool UrlPattern::matches(const UrlParts &url) const noexcept {
  if (url.has_credentials) return false;
  const std::string_view path = url.path.empty() ? std::string_view("/") : url.path;
  return scheme_.matches(url.scheme) && host_.matches(url.host) && port_.matches(url.port) && path_.matches(path) &&
         query_.matches(url.query) && fragment_.matches(url.fragment);
}

} // namespace ward::acl::detail
