#pragma once
// Parsing request JSON under the app's limits, with a parser reused per thread so that a warm
// request allocates nothing here.

#include <ward/error.hpp>
#include <ward/json.hpp>
#include <ward/limits.hpp>

#include <simdjson.h>

#include <optional>
#include <string_view>

namespace ward::detail {

/// The largest max_depth ward accepts; the limit walk recurses once per level.
inline constexpr std::uint32_t max_supported_depth = 1024;

/// A parsed document on a thread-local parser. Leases nest (a handler may invoke another
/// command on the same thread): each holds its own parser until it is destroyed. Not movable
/// across threads; destroy on the thread that parsed.
class ParsedDocument {
public:
  /// Parses `text`, then checks string lengths, array lengths and object sizes against `limits`
  /// (the depth limit is enforced while parsing). `what` names the input in messages.
  static result<ParsedDocument> parse(std::string_view text, const Limits &limits, std::string_view what);

  /// As parse(), but the document is built in `lease` rather than moved there: the request path
  /// keeps its document in the envelope. A document `lease` held is released first; on failure
  /// `lease` is left empty.
  static result<void> parse_into(std::optional<ParsedDocument> &lease, std::string_view text, const Limits &limits,
                                 std::string_view what);

  /// Only ParsedDocument can make a Key, so only it can start a lease (std::optional::emplace
  /// needs a public constructor).
  class Key {
    friend class ParsedDocument;
    Key() = default;
  };
  ParsedDocument(Key, std::size_t slot, simdjson::dom::element root) noexcept : slot_(slot), root_(root) {}

  ParsedDocument(ParsedDocument &&other) noexcept;
  ParsedDocument &operator=(ParsedDocument &&) = delete;
  ~ParsedDocument();

  [[nodiscard]] simdjson::dom::element root() const noexcept { return root_; }

private:
  std::size_t slot_;
  bool owns_slot_ = true;
  simdjson::dom::element root_;
};

/// Limits for JSON the app itself produces (a handler's answer): only the depth is bounded.
inline Limits unbounded_limits() noexcept {
  return Limits{.max_body_bytes = UINT64_MAX,
                .max_depth = max_supported_depth,
                .max_string_bytes = UINT64_MAX,
                .max_array_length = UINT64_MAX,
                .max_object_keys = UINT64_MAX};
}

/// "<what> exceeds limit `<limit>` (<value>)", errc::limit_exceeded.
Error limit_exceeded(std::string_view limit, std::uint64_t value, std::string_view what);

/// True if `text` is one valid JSON value (any depth up to max_supported_depth).
bool is_valid_json(std::string_view text);

/// JSON null, parsed once, valid for the program's lifetime.
simdjson::dom::element null_value() noexcept;

/// An empty JSON object, parsed once, valid for the program's lifetime.
simdjson::dom::element empty_object() noexcept;

/// Checks string, array and object sizes of a parsed value against the limits.
result<void> check_limits(simdjson::dom::element element, const Limits &limits);

} // namespace ward::detail
