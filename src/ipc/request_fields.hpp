#pragma once
// The small fields of a custom-protocol request: the callback-id headers and the command named by
// the URL. Each has a fast path for the shape Tauri sends and a general path that decides
// everything else; the fast path only answers when its answer is the general path's, which
// tests/cpp/request_fields_test.cpp checks on the inputs where the two could part.

#include <ward/error.hpp>
#include <ward/names.hpp>

#include "app/strings.hpp"
#include "json/decimal_number.hpp"
#include "name_bytes.hpp"

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ward::detail {

/// `text` without the spaces and tabs around it (how header values and bodies are trimmed).
inline std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

/// An errc::invalid_request error; out of line and cold, so hot paths carry no string building.
[[gnu::cold]] Error bad_request(std::string_view message);

/// Where a percent-decoded command name is written when it cannot be a view into the URL.
using CommandBuffer = std::span<char, CommandName::max_length>;

/// Reads a `Tauri-Callback` or `Tauri-Error` value: an unsigned 32-bit decimal, leading zeros
/// allowed, spaces and tabs around it allowed. False (and `out` untouched) for anything else.
bool parse_callback_id_general(std::string_view text, std::uint32_t &out) noexcept;

/// The command of a request URL: the percent-decoded path (without its leading '/', query and
/// fragment), written into `buffer`; an error with the request's wording if it is missing,
/// malformed, too long or not a valid command name.
result<std::string_view> decode_command_general(std::string_view url, CommandBuffer buffer);

namespace fast {

/// A name known at compile time (8 to 16 bytes, a header name here), for an ASCII
/// case-insensitive comparison two words at a time: its first and last 8 bytes (overlapping
/// when shorter than 16) lowercased, and for each the bits to OR into a candidate's bytes before
/// comparing: 0x20 where the name has a letter, 0 elsewhere. OR-ing 0x20 maps exactly the two
/// cases of that letter to the lowercase one and no other byte to it, and every other byte is
/// compared exactly, as ASCII case folding leaves it: '@' and '`', '[' and '{', bytes >= 0x80
/// stay apart.
struct FoldedName {
  std::size_t size;
  std::uint64_t exact_head; ///< the name's own first and last 8 bytes
  std::uint64_t exact_tail;
  std::uint64_t head;
  std::uint64_t head_fold;
  std::uint64_t tail;
  std::uint64_t tail_fold;
};

constexpr bool is_ascii_letter(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

enum class WordKind { exact, lowercase, fold_bits };

/// 8 bytes of `name` from `at` as they are, lowercased, or the 0x20 per letter, in the byte
/// order load_bytes reads them.
constexpr std::uint64_t name_word(std::string_view name, std::size_t at, WordKind kind) noexcept {
  std::array<char, 8> bytes{};
  for (std::size_t i = 0; i < 8; ++i) {
    const char c = name[at + i];
    switch (kind) {
    case WordKind::exact: bytes[i] = c; break;
    case WordKind::lowercase: bytes[i] = is_ascii_letter(c) ? static_cast<char>(c | 0x20) : c; break;
    case WordKind::fold_bits: bytes[i] = is_ascii_letter(c) ? char{0x20} : char{0}; break;
    }
  }
  return std::bit_cast<std::uint64_t>(bytes);
}

/// `name`'s words; `name` is 8 to 16 bytes (a shorter one does not compile in a constant
/// expression: its words would read past it).
constexpr FoldedName folded_name(std::string_view name) noexcept {
  const std::size_t tail = name.size() - 8;
  return FoldedName{name.size(),
                    name_word(name, 0, WordKind::exact),
                    name_word(name, tail, WordKind::exact),
                    name_word(name, 0, WordKind::lowercase),
                    name_word(name, 0, WordKind::fold_bits),
                    name_word(name, tail, WordKind::lowercase),
                    name_word(name, tail, WordKind::fold_bits)};
}

/// True if the `literal.size` bytes at `name` equal `literal` up to ASCII case. The exact
/// spelling is tried first: hosts send it, and it is two compares with no folding.
[[gnu::always_inline]] inline bool same_name(const char *name, const FoldedName &literal) noexcept {
  const std::uint64_t head = load_bytes(name, 8);
  const std::uint64_t tail = load_bytes(name + literal.size - 8, 8);
  if (head == literal.exact_head && tail == literal.exact_tail) [[likely]]
    return true;
  return (((head | literal.head_fold) ^ literal.head) | ((tail | literal.tail_fold) ^ literal.tail)) == 0;
}

} // namespace fast

/// parse_callback_id_general's answer, with a fast path for 8 to 10 bare digits: Tauri's ids
/// are random 32-bit numbers, so nearly always 9 or 10 digits with nothing to trim. The first 8
/// and the last 8 bytes are checked as two (overlapping) words, the first 8 read as one number
/// and the one or two digits after them appended; anything else (blanks, signs, fewer than 8 or
/// more than 10 bytes) goes to the general path.
inline bool parse_callback_id(std::string_view text, std::uint32_t &out) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    const std::size_t size = text.size();
    if (size - 8 <= 2) { // 8 to 10 bytes: shorter sizes wrap around to huge values
      const std::uint64_t first = load_bytes(text.data(), 8);
      const std::uint64_t last = load_bytes(text.data() + size - 8, 8);
      if (decimal::eight_digits(first) && decimal::eight_digits(last)) {
        std::uint64_t value = decimal::eight_digits_value(first);
        // The digits after the first eight are the top bytes of `last`, the last digit highest.
        const auto digit = [last](int byte) { return (last >> (8 * byte)) & 0x0F; };
        if (size == 10) value = value * 100 + digit(6) * 10 + digit(7);
        else if (size == 9) value = value * 10 + digit(7);
        // At most 10 digits, so no overflow of 64 bits before this check.
        if (value > UINT32_MAX) return false;
        out = static_cast<std::uint32_t>(value);
        return true;
      }
    }
  }
  return parse_callback_id_general(text, out);
}

/// The fast path of the command: the URL prefixes Tauri v2 itself uses ("ipc://localhost/" on
/// Linux and macOS, "http://ipc.localhost/" on Windows and Android) followed by a valid command
/// name. Such a name holds no '%', '?', '#' or '/', so the general path would find the same
/// path, decode nothing and accept it: the command is a view into the URL, nothing is copied.
/// False when the general path must decide.
inline bool plain_command(std::string_view url, std::string_view &command) noexcept {
  std::size_t prefix = 0;
  if (url.size() > 16 && load_bytes(url.data(), 8) == load_bytes("ipc://lo", 8) &&
      load_bytes(url.data() + 8, 8) == load_bytes("calhost/", 8)) {
    prefix = 16;
  } else if (url.size() > 21 && load_bytes(url.data(), 8) == load_bytes("http://i", 8) &&
             load_bytes(url.data() + 8, 8) == load_bytes("pc.local", 8) &&
             load_bytes(url.data() + 13, 8) == load_bytes("calhost/", 8)) {
    prefix = 21;
  } else {
    return false;
  }
  const std::string_view name = url.substr(prefix);
  if (!is_valid_command_name_inline(name)) return false;
  command = name;
  return true;
}

/// The command of a request URL into `command`: the fast path's view, or the general path's
/// name decoded into `buffer`. (`command` is written in place: a result<std::string_view>
/// built on the stack was stored as two words and reloaded as one 16-byte copy, a
/// store-forwarding stall that cost more than the rest of the command check.)
inline result<void> read_command(std::string_view url, CommandBuffer buffer, std::string_view &command) {
  if (plain_command(url, command)) [[likely]]
    return success();
  auto decoded = decode_command_general(url, buffer);
  if (!decoded) return std::move(decoded).assume_error();
  command = decoded.assume_value();
  return success();
}

} // namespace ward::detail
