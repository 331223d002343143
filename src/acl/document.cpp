#include "acl/document.hpp"

#include <ward/json.hpp>
#include <ward/memory.hpp>

#include <simdjson.h>
#include <toml++/toml.h>

#include <cmath>
#include <algorithm>
#include <fstream>
#include <iterator>

namespace ward::acl::detail {
namespace {

constexpr std::size_t max_file_bytes = 8u << 20;
constexpr std::size_t max_nesting = 64;

std::string line_column(const toml::source_region &source) {
  return "line " + std::to_string(source.begin.line) + ", column " + std::to_string(source.begin.column);
}

result<Node> from_toml(const toml::node &value, const std::string &file, std::size_t depth) {
  Node node;
  node.position = line_column(value.source());
  if (depth > max_nesting)
    return Error(errc::invalid_argument, file + ": " + node.position + ": nesting is deeper than 64 levels");
  if (const auto *table = value.as_table()) {
    node.kind = Node::Kind::table;
    for (const auto &[key, child] : *table) {
      auto converted = from_toml(child, file, depth + 1);
      if (!converted) return std::move(converted).assume_error();
      node.fields.push_back(Node::Field{std::string(key.str()), std::move(converted).assume_value()});
    }
  } else if (const auto *array = value.as_array()) {
    node.kind = Node::Kind::array;
    for (const auto &child : *array) {
      auto converted = from_toml(child, file, depth + 1);
      if (!converted) return std::move(converted).assume_error();
      node.items.push_back(std::move(converted).assume_value());
    }
  } else if (const auto *text = value.as_string()) {
    node.kind = Node::Kind::string;
    node.string = text->get();
  } else if (const auto *integer = value.as_integer()) {
    node.kind = Node::Kind::integer;
    node.integer = integer->get();
  } else if (const auto *number = value.as_floating_point()) {
    node.kind = Node::Kind::number;
    node.number = number->get();
  } else if (const auto *flag = value.as_boolean()) {
    node.kind = Node::Kind::boolean;
    node.boolean = flag->get();
  } else {
    return Error(errc::invalid_argument,
                 file + ": " + node.position + ": dates and times are not allowed in permission files");
  }
  return node;
}

result<Document> parse_toml(const Source &source) {
  try {
    toml::table table = toml::parse(source.text, source.name);
    auto root = from_toml(table, source.name, 0);
    if (!root) return std::move(root).assume_error();
    return Document{source.name, std::move(root).assume_value()};
  } catch (const toml::parse_error &error) {
    return Error(errc::invalid_argument, source.name + ": " + line_column(error.source()) +
                                             ": invalid TOML: " + std::string(error.description()));
  }
}

std::string escape_pointer(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

Node from_json(simdjson::dom::element value, std::string position) {
  Node node;
  node.position = position.empty() ? "/" : position;
  switch (value.type()) {
  case simdjson::dom::element_type::OBJECT: {
    node.kind = Node::Kind::table;
    simdjson::dom::object object;
    if (value.get(object) != simdjson::SUCCESS) break;
    for (auto member : object)
      node.fields.push_back(Node::Field{std::string(member.key),
                                        from_json(member.value, position + "/" + escape_pointer(member.key))});
    break;
  }
  case simdjson::dom::element_type::ARRAY: {
    node.kind = Node::Kind::array;
    std::size_t index = 0;
    simdjson::dom::array array;
    if (value.get(array) != simdjson::SUCCESS) break;
    for (auto child : array)
      node.items.push_back(from_json(child, position + "/" + std::to_string(index++)));
    break;
  }
  case simdjson::dom::element_type::STRING:
    node.kind = Node::Kind::string;
    node.string = std::string(value.get_string().value_unsafe());
    break;
  case simdjson::dom::element_type::INT64:
    node.kind = Node::Kind::integer;
    node.integer = value.get_int64().value_unsafe();
    break;
  case simdjson::dom::element_type::UINT64:
  case simdjson::dom::element_type::DOUBLE:
    node.kind = Node::Kind::number;
    node.number = value.get_double().value_unsafe();
    break;
  case simdjson::dom::element_type::BOOL:
    node.kind = Node::Kind::boolean;
    node.boolean = value.get_bool().value_unsafe();
    break;
  case simdjson::dom::element_type::NULL_VALUE: node.kind = Node::Kind::null; break;
  }
  return node;
}

result<Document> parse_json(const Source &source) {
  simdjson::dom::parser parser(max_file_bytes);
  if (parser.allocate(std::max<std::size_t>(source.text.size(), 64), max_nesting) != simdjson::SUCCESS)
    return Error(errc::out_of_memory, source.name + ": out of memory");
  simdjson::dom::element root;
  if (const auto error = parser.parse(source.text.data(), source.text.size(), true).get(root); error) {
    if (error == simdjson::DEPTH_ERROR)
      return Error(errc::invalid_argument, source.name + ": nesting is deeper than 64 levels");
    return Error(errc::invalid_argument,
                 source.name + ": invalid JSON: " + std::string(simdjson::error_message(error)));
  }
  return Document{source.name, from_json(root, "")};
}

} // namespace

const Node *Node::find(std::string_view key) const noexcept {
  for (const auto &[name, value] : fields)
    if (name == key) return &value;
  return nullptr;
}

std::string_view Node::kind_name() const noexcept {
  switch (kind) {
  case Kind::null: return "null";
  case Kind::boolean: return "a boolean";
  case Kind::integer: return "an integer";
  case Kind::number: return "a number";
  case Kind::string: return "a string";
  case Kind::array: return "an array";
  case Kind::table: return "a table";
  }
  return "a value";
}

result<Document> parse_document(const Source &source) {
  if (source.text.size() > max_file_bytes)
    return Error(errc::invalid_argument, source.name + ": the file is larger than 8 MiB");
  if (source.text.find('\0') != std::string::npos)
    return Error(errc::invalid_argument, source.name + ": the file contains a NUL byte");
  if (!simdjson::validate_utf8(source.text.data(), source.text.size()))
    return Error(errc::invalid_argument, source.name + ": the file is not valid UTF-8");
  auto document = source.format == Format::toml ? parse_toml(source) : parse_json(source);
  if (!document) return document;
  if (document.value().root.kind != Node::Kind::table)
    return Error(errc::invalid_argument, source.name + ": the top level must be a table (a JSON object)");
  return document;
}

Error document_error(const Document &document, const Node &node, std::string_view message) {
  return Error(errc::invalid_argument, document.file + ": " + node.position + ": " + std::string(message));
}

namespace {
void write_node(JsonWriter &writer, const Node &node) {
  switch (node.kind) {
  case Node::Kind::null: writer.null(); break;
  case Node::Kind::boolean: writer.boolean(node.boolean); break;
  case Node::Kind::integer: writer.integer(node.integer); break;
  case Node::Kind::number: writer.number(node.number); break;
  case Node::Kind::string: writer.string(node.string); break;
  case Node::Kind::array:
    writer.begin_array();
    for (const auto &item : node.items) write_node(writer, item);
    writer.end_array();
    break;
  case Node::Kind::table:
    writer.begin_object();
    for (const auto &[key, value] : node.fields) {
      writer.key(key);
      write_node(writer, value);
    }
    writer.end_object();
    break;
  }
}
} // namespace

std::string to_json(const Node &node) {
  String out;
  JsonWriter writer(out);
  write_node(writer, node);
  return std::string(out.data(), out.size());
}

} // namespace ward::acl::detail

namespace ward::acl {

result<Source> read_source(const std::filesystem::path &path) {
  Source source;
  source.name = path.string();
  const auto extension = path.extension().string();
  if (extension == ".toml") source.format = Format::toml;
  else if (extension == ".json") source.format = Format::json;
  else return Error(errc::invalid_argument, source.name + ": unknown file type (expected .toml or .json)");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(errc::invalid_argument, source.name + ": cannot be read");
  source.text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return source;
}

} // namespace ward::acl

namespace ward::acl {

result<PolicyInput> read_directory(const std::filesystem::path &directory) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(directory, error))
    return Error(errc::invalid_argument, directory.string() + ": not a directory");
  const auto files_under = [](const fs::path &root) {
    std::vector<fs::path> files;
    std::error_code ignored;
    for (fs::recursive_directory_iterator it(root, ignored), end; it != end; it.increment(ignored)) {
      const auto extension = it->path().extension();
      if (it->is_regular_file(ignored) && (extension == ".toml" || extension == ".json")) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    return files;
  };
  PolicyInput input;
  const fs::path capabilities = directory / "capabilities";
  if (fs::is_directory(capabilities, error)) {
    for (const auto &file : files_under(capabilities)) {
      auto source = read_source(file);
      if (!source) return std::move(source).assume_error();
      input.capabilities.push_back(std::move(source).assume_value());
    }
  }
  const fs::path permissions = directory / "permissions";
  if (fs::is_directory(permissions, error)) {
    std::vector<fs::path> plugin_dirs;
    for (const auto &entry : fs::directory_iterator(permissions, error))
      if (entry.is_directory()) plugin_dirs.push_back(entry.path());
    std::sort(plugin_dirs.begin(), plugin_dirs.end());
    for (const auto &plugin_dir : plugin_dirs) {
      const std::string name = plugin_dir.filename().string();
      PluginManifests manifests{name == "app" ? std::string() : name, {}};
      for (const auto &file : files_under(plugin_dir)) {
        if (file.parent_path().filename() == "schemas") continue; // JSON schemas shipped beside manifests
        auto source = read_source(file);
        if (!source) return std::move(source).assume_error();
        manifests.files.push_back(std::move(source).assume_value());
      }
      input.plugins.push_back(std::move(manifests));
    }
  }
  return input;
}

} // namespace ward::acl
