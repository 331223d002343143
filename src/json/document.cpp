#include "try.hpp"
#include "json/document.hpp"
#include "json/tape.hpp"

#include <algorithm>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

namespace ward::detail {
namespace parsers {

constinit thread_local ThreadParsers thread_parsers_state{};

void free_exiting_stack(ParserStack *stack) noexcept {
  // Only the thread's own stack is ever leased on it, so this is the thread's pointer.
  if (thread_parsers_state.stack == stack) thread_parsers_state.stack = nullptr;
  std::unique_ptr<ParserStack> owned(stack);
}

} // namespace parsers

namespace {

using parsers::ParserSlot;
using parsers::ParserStack;
using parsers::retained_capacity;
using parsers::thread_parsers_state;

void free_thread_parsers() noexcept {
  std::unique_ptr<ParserStack> owned(std::exchange(thread_parsers_state.stack, nullptr));
}

struct ParserStackOwner {
  ParserStackOwner() = default;
  ParserStackOwner(const ParserStackOwner &) = delete;
  ParserStackOwner &operator=(const ParserStackOwner &) = delete;
  ~ParserStackOwner() {
    thread_parsers_state.exiting = true;
    if (ParserStack *stack = thread_parsers_state.stack) {
      if (stack->in_use == 0) free_thread_parsers();
      else stack->exiting = true; // the last document's release frees it
    }
  }
};

[[gnu::noinline]] ParserStack &make_thread_parsers() {
  if (!thread_parsers_state.exiting) {
    thread_local ParserStackOwner owner; // its destructor frees the stack at thread exit
    (void)owner;
  }
  auto stack = std::make_unique<ParserStack>();
  stack->exiting = thread_parsers_state.exiting;
  thread_parsers_state.stack = stack.release();
  return *thread_parsers_state.stack;
}

ParserStack &thread_parsers() {
  if (ParserStack *stack = thread_parsers_state.stack) [[likely]]
    return *stack;
  return make_thread_parsers();
}

/// Gives the parser of `slot` (and every one above it) back, on a failed parse.
void release_parsers_from(ParserStack &stack, std::size_t slot) noexcept {
  stack.in_use = slot;
  if (slot == 0 && stack.exiting) [[unlikely]]
    parsers::free_exiting_stack(&stack);
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

/// One linear pass over the tape of the value at `begin` (ending before `end`): false if no
/// string, array or object in it can exceed the limits. A saturated count (16 Mi elements or
/// more) counts as "may exceed" unless the limit is beyond it; check_element then decides
/// exactly and names the first offender.
bool may_exceed(const simdjson::dom::document &document, std::size_t begin, std::size_t end,
                const Limits &limits) noexcept {
  const std::uint64_t *tape = document.tape.get();
  const std::uint64_t array_limit = limits.max_array_length;
  const std::uint64_t object_limit = limits.max_object_keys;
  const auto count_exceeds = [](std::uint32_t count, std::uint64_t limit) {
    return count > limit || (count == tape_count_saturated && limit <= tape_count_saturated);
  };
  for (std::size_t i = begin; i < end; ++i) {
    const std::uint64_t word = tape[i];
    const char type = tape_type(word);
    if (type == 'd' || type == 'l' || type == 'u') [[likely]] { // numbers fill big documents
      ++i; // the number's own word
      continue;
    }
    switch (type) {
    case '"':
      if (tape_string(document, word).size() > limits.max_string_bytes) return true;
      break;
    case '[':
      if (count_exceeds(tape_scope_count(word), array_limit)) return true;
      break;
    case '{':
      if (count_exceeds(tape_scope_count(word), object_limit)) return true;
      break;
    default: break;
    }
  }
  return false;
}

/// The parser of `slot`, made, replaced or grown as needed for `size` bytes at `depth`, with
/// its padded buffer.
[[gnu::noinline]] result<ParserSlot *> prepare_parser(ParserStack &stack, std::size_t slot, std::size_t size,
                                                      std::size_t depth, std::string_view what) {
  if (slot == stack.slots.size())
    stack.slots.push_back(ParserSlot{.parser = std::make_unique<simdjson::dom::parser>(), .padded = nullptr});
  auto &entry = stack.slots[slot];
  if (entry.parser->capacity() > retained_capacity && size <= retained_capacity) {
    entry.parser = std::make_unique<simdjson::dom::parser>(); // drops its buffers, too
    entry.padded.reset();
  }
  auto &parser = *entry.parser;
  const auto out_of_memory = [&] {
    entry.capacity = entry.depth = 0; // whatever allocate left, the next parse prepares again
    return Error(errc::out_of_memory, "out of memory while parsing " + std::string(what));
  };
  if (parser.max_depth() != depth || parser.capacity() < size) {
    const std::size_t capacity = std::max<std::size_t>(size, 4096);
    if (parser.allocate(capacity, depth) != simdjson::SUCCESS) return out_of_memory();
  }
  // dom::parser::parse sizes its document on every call; parse_on does not, so it is sized here.
  if (parser.doc.capacity() < parser.capacity() && parser.doc.allocate(parser.capacity()) != simdjson::SUCCESS)
    return out_of_memory();
  if (!entry.padded || entry.capacity != parser.capacity()) {
    entry.padded.reset();
    try {
      entry.padded = std::make_unique_for_overwrite<char[]>(parser.capacity() + simdjson::SIMDJSON_PADDING);
    } catch (const std::bad_alloc &) {
      return out_of_memory();
    }
  }
  entry.capacity = parser.capacity();
  entry.depth = parser.max_depth();
  return &entry;
}

[[gnu::cold, gnu::noinline]] Error not_json(std::string_view what) {
  return Error(errc::invalid_request, std::string(what) + " is not valid JSON");
}

[[gnu::cold, gnu::noinline]] Error parse_failure(simdjson::error_code parse_error, const Limits &limits,
                                                 std::string_view what) {
  if (parse_error == simdjson::DEPTH_ERROR) return limit_exceeded("max_depth", limits.max_depth, what);
  if (parse_error == simdjson::UTF8_ERROR) return Error(errc::invalid_request, std::string(what) + " is not valid UTF-8");
  if (parse_error == simdjson::NUMBER_ERROR)
    return Error(errc::invalid_request, std::string(what) + " has a malformed number or one beyond the 64-bit range");
  if (parse_error == simdjson::MEMALLOC)
    return Error(errc::out_of_memory, "out of memory while parsing " + std::string(what));
  return not_json(what);
}

} // namespace

Error limit_exceeded(std::string_view limit, std::uint64_t value, std::string_view what) {
  return Error(errc::limit_exceeded,
               std::string(what) + " exceeds limit `" + std::string(limit) + "` (" + std::to_string(value) + ")");
}

namespace {

/// True for the answers C and binding handlers give most: a literal, or an integer of at most
/// 18 digits (RFC 8259: no leading zero, no plus sign), blanks around allowed. Every text it
/// accepts simdjson accepts too, so it can stand in for a parse that costs a hundred times more.
bool is_short_integer_or_literal(std::string_view text) noexcept {
  const auto first = text.find_first_not_of(" \t\n\r");
  if (first == std::string_view::npos) return false;
  text = text.substr(first, text.find_last_not_of(" \t\n\r") - first + 1);
  if (text == "true" || text == "false" || text == "null") return true;
  if (text.starts_with('-')) text.remove_prefix(1);
  if (text.empty() || text.size() > 18 || (text.front() == '0' && text.size() > 1)) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

bool is_valid_json(std::string_view text) {
  if (text.size() <= 32 && is_short_integer_or_literal(text)) return true;
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
  const auto tape = tape_of(element);
  if (!may_exceed(*tape.doc, tape.json_index, tape_after(tape.doc->tape.get(), tape.json_index), limits))
    return success();
  return check_element(element, limits); // exact, and names the first value over a limit
}

result<ParsedDocument> ParsedDocument::parse(std::string_view text, const Limits &limits, std::string_view what) {
  ParsedDocument lease;
  WARD_TRY(parse_into(lease, text, limits, what));
  return lease;
}

result<void> ParsedDocument::parse_into(ParsedDocument &lease, std::string_view text, const Limits &limits,
                                        std::string_view what) {
  lease.release(); // a document it still held gives its parser back first
  if (text.size() > limits.max_body_bytes) return limit_exceeded("max_body_bytes", limits.max_body_bytes, what);
  if (text.empty()) return not_json(what);

  auto &stack = thread_parsers();
  const std::size_t slot = stack.in_use;
  const std::size_t depth = parser_depth(limits);
  ParserSlot *entry = nullptr;
  if (slot < stack.slots.size() && parsers::parser_fits(stack.slots[slot], text.size(), depth)) [[likely]] {
    entry = &stack.slots[slot];
  } else {
    auto prepared = prepare_parser(stack, slot, text.size(), depth, what);
    if (!prepared) {
      release_parsers_from(stack, slot); // at thread exit, an unused stack is freed
      return std::move(prepared).assume_error();
    }
    entry = prepared.assume_value();
  }

  simdjson::dom::element root;
  // A text large enough to break a limit is measured as it is written, so the tape need not be
  // walked again when its extent is within the limits.
  const bool may_break_limits = !fits_limits_by_size(text.size(), limits);
  TapeExtent extent;
  bool measured = false;
  if (const auto parse_error =
          parsers::parse_on(*entry, text, root, may_break_limits ? &extent : nullptr, &measured);
      parse_error != simdjson::SUCCESS) [[unlikely]] {
    release_parsers_from(stack, slot);
    return parse_failure(parse_error, limits, what);
  }

  stack.in_use = slot + 1;
  lease = ParsedDocument(&stack, slot, root);
  const bool within_limits = measured && extent.longest_string <= limits.max_string_bytes &&
                             extent.most_elements <= limits.max_array_length &&
                             extent.most_members <= limits.max_object_keys;
  if (may_break_limits && !within_limits) {
    // The walk decides (and names the first value over a limit).
    if (auto checked = check_limits(root, limits); !checked) {
      lease.release(); // gives the parser back
      return std::move(checked).assume_error();
    }
  }
  return success();
}

} // namespace ward::detail
