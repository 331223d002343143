#pragma once
// The oracle for write_direct_tape: simdjson's own DOM parse of the same text. Shared by the
// Catch2 test (tests/cpp/direct_tape_test.cpp) and the fuzz target (fuzz_direct_tape.cpp).

#include "json/direct_tape.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ward_test {

/// What a parse left for readers: the tape words from the root word to the last, and each
/// string's bytes as stored (length prefix, text, terminating NUL) with its offset.
struct TapeImage {
  std::vector<std::uint64_t> tape;
  std::vector<std::pair<std::uint64_t, std::string>> strings;

  friend bool operator==(const TapeImage &, const TapeImage &) = default;
};

inline TapeImage image_of(const simdjson::dom::document &document) {
  TapeImage image;
  const std::uint64_t *tape = document.tape.get();
  const std::size_t words = tape[0] & simdjson::internal::JSON_VALUE_MASK;
  image.tape.assign(tape, tape + words);
  for (std::size_t i = 0; i < image.tape.size(); ++i) {
    const std::uint64_t word = image.tape[i];
    // A number's value is the word after its type word, and any 64 bits: not a type word.
    if (const auto type = word >> 56; type == 'l' || type == 'u' || type == 'd') ++i;
    if ((word >> 56) != '"') continue;
    const std::uint64_t offset = word & simdjson::internal::JSON_VALUE_MASK;
    std::uint32_t length = 0;
    std::memcpy(&length, document.string_buf.get() + offset, sizeof length);
    image.strings.emplace_back(
        offset, std::string(reinterpret_cast<const char *>(document.string_buf.get() + offset), sizeof length + length + 1));
  }
  return image;
}

/// The extent of a document as its tape shows it, counts saturated as the tape saturates them.
inline ward::detail::TapeExtent extent_of(const TapeImage &image) {
  ward::detail::TapeExtent extent;
  for (const auto &[offset, stored] : image.strings)
    extent.longest_string = std::max<std::uint64_t>(extent.longest_string, stored.size() - sizeof(std::uint32_t) - 1);
  for (std::size_t i = 0; i < image.tape.size(); ++i) {
    const std::uint64_t word = image.tape[i];
    const auto type = word >> 56;
    if (type == 'l' || type == 'u' || type == 'd') ++i; // the value word
    const auto count = static_cast<std::uint32_t>((word >> 32) & simdjson::internal::JSON_COUNT_MASK);
    if (type == '[') extent.most_elements = std::max(extent.most_elements, count);
    if (type == '{') extent.most_members = std::max(extent.most_members, count);
  }
  return extent;
}

/// simdjson's parse of `text` with a parser of `max_depth`, or nothing if simdjson refuses it.
inline std::optional<TapeImage> simdjson_tape(std::string_view text, std::size_t max_depth) {
  simdjson::dom::parser parser;
  if (parser.allocate(std::max<std::size_t>(text.size(), 64), max_depth) != simdjson::SUCCESS) return std::nullopt;
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size(), true).get(root) != simdjson::SUCCESS) return std::nullopt;
  return image_of(parser.doc);
}

/// write_direct_tape's tape for `text`, or nothing if it declines, with the extent it measured
/// (counts saturated as the tape's). The buffers start dirty, as a reused parser's are. With
/// `measured`, the measuring writer runs; without, the plain one.
inline std::optional<TapeImage> direct_tape(std::string_view text, std::size_t max_depth,
                                            ward::detail::TapeExtent *measured = nullptr) {
  simdjson::dom::document document;
  if (document.allocate(std::max<std::size_t>(text.size(), 64)) != simdjson::SUCCESS) return std::nullopt;
  std::memset(document.tape.get(), 0xA5, (std::max<std::size_t>(text.size(), 64) + 3) * sizeof(std::uint64_t));
  // Padded as write_direct_tape requires: a NUL, then bytes that would be taken for JSON if a
  // scan ran past the NUL.
  std::string padded(text);
  padded += '\0';
  for (std::size_t i = 1; i < ward::detail::direct_tape_padding; ++i) padded += "1\"]}"[i % 4];
  ward::detail::TapeExtent extent;
  const std::string_view padded_text(padded.data(), text.size());
  if (measured != nullptr ? !ward::detail::write_direct_tape(padded_text, document, max_depth, extent)
                          : !ward::detail::write_direct_tape(padded_text, document, max_depth))
    return std::nullopt;
  if (measured != nullptr) {
    *measured = extent;
    measured->most_elements = std::min(extent.most_elements, simdjson::internal::JSON_COUNT_MASK);
    measured->most_members = std::min(extent.most_members, simdjson::internal::JSON_COUNT_MASK);
  }
  return image_of(document);
}

/// How one text went: declined (simdjson decides), or written and identical to simdjson's, with
/// the extent simdjson's tape shows. A text written differently or measured wrongly, or written
/// where simdjson refuses it, is `mismatch`.
enum class TapeOutcome { declined_valid, declined_invalid, written, mismatch };

inline TapeOutcome compare_direct_tape(std::string_view text, std::size_t max_depth) {
  const auto expected = simdjson_tape(text, max_depth);
  ward::detail::TapeExtent measured;
  const auto written = direct_tape(text, max_depth, &measured);
  const auto written_unmeasured = direct_tape(text, max_depth);
  if (written.has_value() != written_unmeasured.has_value() || (written && *written != *written_unmeasured))
    return TapeOutcome::mismatch; // measuring changes nothing else
  if (!written) return expected ? TapeOutcome::declined_valid : TapeOutcome::declined_invalid;
  if (!expected || *expected != *written) return TapeOutcome::mismatch;
  const auto shown = extent_of(*expected);
  return measured.longest_string == shown.longest_string && measured.most_elements == shown.most_elements &&
                 measured.most_members == shown.most_members
             ? TapeOutcome::written
             : TapeOutcome::mismatch;
}

} // namespace ward_test
