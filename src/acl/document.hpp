#pragma once
// Capability and permission files, TOML or JSON, read into one tree that remembers where each
// value came from, so that every error can name the file and the position.

#include <ward/acl.hpp>
#include <ward/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ward::acl::detail {

struct Node {
  enum class Kind { null, boolean, integer, number, string, array, table };
  Kind kind = Kind::null;
  bool boolean = false;
  std::int64_t integer = 0;
  double number = 0;
  std::string string;
  std::vector<Node> items;                         // array
  struct Field; // {key, value}: a pair would need Node complete here (clang refuses, gcc allows)
  std::vector<Field> fields; // table, in file order
  std::string position;                            // "line 3, column 7" or "/permissions/2"

  [[nodiscard]] const Node *find(std::string_view key) const noexcept;
  [[nodiscard]] std::string_view kind_name() const noexcept;
};

/// How readers treat fields they do not know, and what they noticed.
struct Diagnostics {
  bool unknown_fields_are_errors = true;
  std::vector<std::string> warnings;
};

struct Node::Field {
  std::string first; ///< the key
  Node second;       ///< the value
};

/// A parsed file: its name (for messages) and its root table.
struct Document {
  std::string file;
  Node root;
  Diagnostics *diagnostics = nullptr;
};

/// Parses `text` as TOML or JSON. Errors name the file and the position.
result<Document> parse_document(const Source &source);

/// "<file>: <position>: <message>", errc::invalid_argument.
Error document_error(const Document &document, const Node &node, std::string_view message);

/// The value as compact JSON (scope entries are kept as JSON).
std::string to_json(const Node &node);

} // namespace ward::acl::detail
