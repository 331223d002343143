#pragma once
// Parsing request JSON under the app's limits, with a parser reused per thread so that a warm
// request allocates nothing here.

#include <ward/error.hpp>
#include <ward/json.hpp>
#include <ward/limits.hpp>

#include "json/direct_tape.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace ward::detail {

/// The largest max_depth ward accepts; the limit walk recurses once per level.
inline constexpr std::uint32_t max_supported_depth = 1024;

/// The thread's parsers, seen from the inline hot paths below (document.cpp owns them).
namespace parsers {

/// A parser with the capacity and depth it was last allocated for. The copies sit beside the
/// pointer, so checking that a warm parser fits takes loads from this slot rather than a chase
/// through the parser and its implementation (which stalled every parse). Only document.cpp's
/// prepare_parser allocates, and it refreshes them; a parse never grows a parser that fits.
struct ParserSlot {
  std::unique_ptr<simdjson::dom::parser> parser;
  /// `capacity` bytes and simdjson's padding: a text is copied here and parsed in place, so the
  /// parser needs no buffer of its own and no checks of one per parse.
  std::unique_ptr<char[]> padded;
  std::size_t capacity = 0;
  std::size_t depth = 0;
};

/// One thread's parsers: those below `in_use` are leased to live documents.
struct ParserStack {
  std::vector<ParserSlot> slots;
  std::size_t in_use = 0;
  /// The thread's owner of the stack is gone (thread exit): the stack is freed as soon as no
  /// document holds a parser of it. Kept here, so a document's release reads no thread_local.
  bool exiting = false;
};

/// The thread's stack, reached through a trivially destructible pointer rather than a
/// thread_local ParserStack, so that a request made at thread exit, from a thread_local
/// destroyed after ward's (a host's), finds no destroyed stack: it gets a stack of its own,
/// freed when its last document is. constinit: no initialization guard, no TLS wrapper call.
struct ThreadParsers {
  ParserStack *stack; ///< owned: freed at thread exit, or by the last release once exiting
  bool exiting;       ///< the owner is gone: a stack made now lives only while in use
};
extern constinit thread_local ThreadParsers thread_parsers_state;

/// Parsers above this capacity are released after use so one large request does not pin
/// memory on a thread forever.
inline constexpr std::size_t retained_capacity = 1u << 20;

/// True if the parser of `slot` can take `size` bytes at `depth` as it is: the depth it was
/// made for, the capacity, and not so large that it should be released for a small document.
inline bool parser_fits(const ParserSlot &slot, std::size_t size, std::size_t depth) noexcept {
  return slot.depth == depth && slot.capacity >= size &&
         !(slot.capacity > retained_capacity && size <= retained_capacity);
}

/// Copies `text` into `padded` (room for it and more): a text of 8 to 32 bytes as overlapping
/// words, inline, where a call to memcpy cost more than the copy.
[[gnu::always_inline]] inline void copy_text(char *padded, std::string_view text) noexcept {
  const std::size_t size = text.size();
  const char *from = text.data();
  if (size >= 8 && size <= 16) {
    std::uint64_t first, last;
    std::memcpy(&first, from, 8);
    std::memcpy(&last, from + size - 8, 8);
    std::memcpy(padded, &first, 8);
    std::memcpy(padded + size - 8, &last, 8);
  } else if (size > 16 && size <= 32) {
    std::uint64_t words[4];
    std::memcpy(&words[0], from, 8);
    std::memcpy(&words[1], from + 8, 8);
    std::memcpy(&words[2], from + size - 16, 8);
    std::memcpy(&words[3], from + size - 8, 8);
    std::memcpy(padded, &words[0], 8);
    std::memcpy(padded + 8, &words[1], 8);
    std::memcpy(padded + size - 16, &words[2], 8);
    std::memcpy(padded + size - 8, &words[3], 8);
  } else {
    std::memcpy(padded, from, size);
  }
}

/// Parses `text` with the parser of `slot`, which must fit it (parser_fits). The text is copied
/// into the slot's padded buffer; common JSON of any size gets its tape written directly
/// (write_direct_tape), any other text is handed to simdjson's parser implementation, which
/// is what dom::parser::parse does after checking capacities and buffers that parser_fits and
/// prepare_parser already guarantee. (`implementation` and `doc` are public members of
/// dom::parser, marked private in its documentation; a simdjson that drops them fails to
/// compile here rather than misbehaving.)
///
/// With `extent`, a text the writer takes has its extent measured, and `*measured` says whether
/// it was (simdjson's parse measures nothing).
[[gnu::always_inline]] inline simdjson::error_code parse_on(ParserSlot &slot, std::string_view text,
                                                            simdjson::dom::element &root, TapeExtent *extent = nullptr,
                                                            bool *measured = nullptr) noexcept {
  simdjson::dom::parser &parser = *slot.parser;
  char *const padded = slot.padded.get();
  copy_text(padded, text);
  padded[text.size()] = '\0'; // write_direct_tape's sentinel; simdjson reads no padding byte as text
  const bool written = extent != nullptr ? write_direct_tape({padded, text.size()}, parser.doc, slot.depth, *extent)
                                         : write_direct_tape({padded, text.size()}, parser.doc, slot.depth);
  if (measured != nullptr) *measured = written;
  if (!written) {
    const simdjson::error_code error =
        parser.implementation->parse(reinterpret_cast<const std::uint8_t *>(padded), text.size(), parser.doc);
    if (error != simdjson::SUCCESS) [[unlikely]]
      return error;
  }
  root = parser.doc.root();
  return simdjson::SUCCESS;
}

/// Frees a stack whose thread is exiting, once its last parser is given back.
void free_exiting_stack(ParserStack *stack) noexcept;

} // namespace parsers

/// True if no JSON text of `size` bytes can hold a string, array or object over the limits: a
/// string's bytes are fewer than the text's (escapes only shrink), an array of n elements
/// takes at least 2n + 1 bytes (`[0,0]`) and an object of n members at least 5n + 1 (`{"":0}`).
/// (A limit at least `size` settles its test with one compare, so the usual request divides
/// nothing.)
inline bool fits_limits_by_size(std::size_t size, const Limits &limits) noexcept {
  return size <= limits.max_string_bytes && (size <= limits.max_array_length || size / 2 <= limits.max_array_length) &&
         (size <= limits.max_object_keys || size / 5 <= limits.max_object_keys);
}

/// The parser depth ward asks simdjson for: simdjson refuses a document as deep as its
/// max_depth, and ward's limit is the deepest allowed.
inline std::size_t parser_depth(const Limits &limits) noexcept {
  return std::size_t{std::min(limits.max_depth, max_supported_depth)} + 1;
}

/// A parsed document on a thread-local parser, or no document (default-constructed, moved
/// from). Leases nest (a handler may invoke another command on the same thread): each holds its
/// own parser until it is destroyed. Not movable across threads; destroy on the thread that
/// parsed.
class ParsedDocument {
public:
  ParsedDocument() noexcept = default;

  /// Parses `text`, then checks string lengths, array lengths and object sizes against `limits`
  /// (the depth limit is enforced while parsing). `what` names the input in messages.
  static result<ParsedDocument> parse(std::string_view text, const Limits &limits, std::string_view what);

  /// As parse(), but the document is built in `lease` rather than moved there: the request path
  /// keeps its document in the envelope. A document `lease` held is released first; on failure
  /// `lease` is left empty.
  static result<void> parse_into(ParsedDocument &lease, std::string_view text, const Limits &limits,
                                 std::string_view what);

  /// parse_into's hot path, inline: true when `text` parsed on the thread's warm parser into the
  /// empty `lease` and, by its size alone, cannot exceed the limits. False (and `lease` still
  /// empty) whenever parse_into must decide: an empty or oversized text, a cold or unfitting
  /// parser, invalid JSON, a text large enough to need the limits walk.
  static bool parse_warm(ParsedDocument &lease, std::string_view text, const Limits &limits) noexcept;

  ParsedDocument(ParsedDocument &&other) noexcept
      : stack_(std::exchange(other.stack_, nullptr)), slot_(other.slot_), root_(other.root_) {}
  ParsedDocument &operator=(ParsedDocument &&other) noexcept {
    if (this != &other) {
      release();
      stack_ = std::exchange(other.stack_, nullptr);
      slot_ = other.slot_;
      root_ = other.root_;
    }
    return *this;
  }
  ~ParsedDocument() { release(); }

  [[nodiscard]] bool has_document() const noexcept { return stack_ != nullptr; }
  [[nodiscard]] simdjson::dom::element root() const noexcept { return root_; }

  /// Gives the parser back (and every one leased after it); nothing if there is no document.
  /// Inline: every request ends here, and it is two stores and a test.
  void release() noexcept {
    if (parsers::ParserStack *stack = std::exchange(stack_, nullptr)) {
      stack->in_use = slot_;
      if (stack->exiting && slot_ == 0) [[unlikely]]
        parsers::free_exiting_stack(stack);
    }
  }

private:
  ParsedDocument(parsers::ParserStack *stack, std::size_t slot, simdjson::dom::element root) noexcept
      : stack_(stack), slot_(slot), root_(root) {}

  parsers::ParserStack *stack_ = nullptr; ///< the stack whose parser `slot_` this holds; null: no document
  std::size_t slot_ = 0;
  simdjson::dom::element root_;
};

[[gnu::always_inline]] inline bool ParsedDocument::parse_warm(ParsedDocument &lease, std::string_view text,
                                                              const Limits &limits) noexcept {
  parsers::ParserStack *stack = parsers::thread_parsers_state.stack;
  if (stack == nullptr || lease.stack_ != nullptr) return false;
  const std::size_t slot = stack->in_use;
  if (slot >= stack->slots.size()) return false;
  parsers::ParserSlot &entry = stack->slots[slot];
  const std::size_t size = text.size();
  if (size == 0 || size > limits.max_body_bytes || !fits_limits_by_size(size, limits) ||
      !parsers::parser_fits(entry, size, parser_depth(limits)))
    return false;
  simdjson::dom::element root;
  if (parsers::parse_on(entry, text, root) != simdjson::SUCCESS) return false;
  stack->in_use = slot + 1;
  lease.stack_ = stack;
  lease.slot_ = slot;
  lease.root_ = root;
  return true;
}

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
