#include "try.hpp"
#include "json/document.hpp"

#include <memory>
#include <string>
#include <vector>

namespace ward::detail {
namespace {

/// Parsers above this capacity are released after use so one large request does not pin
/// memory on a thread forever.
constexpr std::size_t retained_capacity = 1u << 20;

struct ParserStack {
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers;
  std::size_t in_use = 0;
};

ParserStack &thread_parsers() {
  thread_local ParserStack stack;
  return stack;
}


/// simdjson's size() saturates at 0xFFFFFF; count beyond that.
template <class Container> std::uint64_t exact_size(const Container &container) noexcept {
  const std::uint64_t size = container.size();
  if (size < 0xFFFFFF) return size;
  return static_cast<std::uint64_t>(std::distance(container.begin(), container.end()));
}

result<void> check_element(simdjson::dom::element element, const Limits &limits) {
  using simdjson::dom::element_type;
  switch (element.type()) {
  case element_type::STRING:
    if (element.get_string_length().value_unsafe() > limits.max_string_bytes)
      return limit_exceeded("max_string_bytes", limits.max_string_bytes, "a JSON string");
    return success();
  case element_type::ARRAY: {
    auto array = element.get_array().value_unsafe();
    if (exact_size(array) > limits.max_array_length)
      return limit_exceeded("max_array_length", limits.max_array_length, "a JSON array");
    for (auto child : array) WARD_TRY(check_element(child, limits));
    return success();
  }
  case element_type::OBJECT: {
    auto object = element.get_object().value_unsafe();
    if (exact_size(object) > limits.max_object_keys)
      return limit_exceeded("max_object_keys", limits.max_object_keys, "a JSON object");
    for (auto member : object) {
      if (member.key.size() > limits.max_string_bytes)
        return limit_exceeded("max_string_bytes", limits.max_string_bytes, "a JSON object key");
      WARD_TRY(check_element(member.value, limits));
    }
    return success();
  }
  default: return success();
  }
}

} // namespace

Error limit_exceeded(std::string_view limit, std::uint64_t value, std::string_view what) {
  return Error(errc::limit_exceeded,
               std::string(what) + " exceeds limit `" + std::string(limit) + "` (" + std::to_string(value) + ")");
}

bool is_valid_json(std::string_view text) {
  return ParsedDocument::parse(text, unbounded_limits(), "JSON").has_value();
}

simdjson::dom::element null_value() noexcept {
  static simdjson::dom::parser parser;
  static const simdjson::dom::element root = parser.parse("null", 4, true).value_unsafe();
  return root;
}

simdjson::dom::element empty_object() noexcept {
  static simdjson::dom::parser parser;
  static const simdjson::dom::element root = parser.parse("{}", 2, true).value_unsafe();
  return root;
}

result<void> check_limits(simdjson::dom::element element, const Limits &limits) {
  return check_element(element, limits);
}

result<ParsedDocument> ParsedDocument::parse(std::string_view text, const Limits &limits, std::string_view what) {
  if (text.size() > limits.max_body_bytes) return limit_exceeded("max_body_bytes", limits.max_body_bytes, what);
  if (text.empty()) return Error(errc::invalid_request, std::string(what) + " is not valid JSON");

  auto &stack = thread_parsers();
  const std::size_t slot = stack.in_use;
  if (slot == stack.parsers.size()) stack.parsers.push_back(std::make_unique<simdjson::dom::parser>());
  if (stack.parsers[slot]->capacity() > retained_capacity && text.size() <= retained_capacity)
    stack.parsers[slot] = std::make_unique<simdjson::dom::parser>(); // drops its buffers, too
  auto &parser = *stack.parsers[slot];
  // simdjson refuses a document as deep as its max_depth; ward's limit is the deepest allowed.
  const std::size_t depth = std::min<std::size_t>(limits.max_depth, max_supported_depth) + 1;
  if (parser.max_depth() != depth || parser.capacity() < text.size()) {
    const std::size_t capacity = std::max<std::size_t>(text.size(), 4096);
    if (parser.allocate(capacity, depth) != simdjson::SUCCESS)
      return Error(errc::out_of_memory, "out of memory while parsing " + std::string(what));
  }

  simdjson::dom::element root;
  const auto parse_error = parser.parse(text.data(), text.size(), true).get(root);
  if (parse_error == simdjson::DEPTH_ERROR) return limit_exceeded("max_depth", limits.max_depth, what);
  if (parse_error == simdjson::UTF8_ERROR) return Error(errc::invalid_request, std::string(what) + " is not valid UTF-8");
  if (parse_error == simdjson::NUMBER_ERROR)
    return Error(errc::invalid_request, std::string(what) + " has a malformed number or one beyond the 64-bit range");
  if (parse_error == simdjson::MEMALLOC)
    return Error(errc::out_of_memory, "out of memory while parsing " + std::string(what));
  if (parse_error != simdjson::SUCCESS) return Error(errc::invalid_request, std::string(what) + " is not valid JSON");

  ++stack.in_use;
  ParsedDocument document(slot, root);
  WARD_TRY(check_limits(root, limits));
  return document;
}

ParsedDocument::ParsedDocument(ParsedDocument &&other) noexcept
    : slot_(other.slot_), owns_slot_(other.owns_slot_), root_(other.root_) {
  other.owns_slot_ = false;
}

ParsedDocument::~ParsedDocument() {
  if (!owns_slot_) return;
  auto &stack = thread_parsers();
  stack.in_use = slot_;
}

} // namespace ward::detail
