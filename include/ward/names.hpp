#pragma once
// Validated names: constructed through parse(), trusted everywhere after.

#include <ward/error.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace ward {

/// A command name: 1..256 bytes of ASCII letters, digits and `_ - . : |` ("greet",
/// "plugin:event|listen").
class CommandName {
public:
  static constexpr std::size_t max_length = 256;
  static result<CommandName> parse(std::string_view name);
  [[nodiscard]] const std::string &str() const noexcept { return name_; }
  [[nodiscard]] std::string_view view() const noexcept { return name_; }
  friend bool operator==(const CommandName &, const CommandName &) = default;

private:
  explicit CommandName(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

/// A window or webview label, as Tauri allows them: 1..256 bytes of Unicode letters and
/// digits (ASCII here; UTF-8 letters are accepted as-is) and `- / : _`.
class Label {
public:
  static constexpr std::size_t max_length = 256;
  static result<Label> parse(std::string_view label);
  static bool is_valid(std::string_view label) noexcept;
  [[nodiscard]] const std::string &str() const noexcept { return label_; }
  [[nodiscard]] std::string_view view() const noexcept { return label_; }
  friend bool operator==(const Label &, const Label &) = default;

private:
  explicit Label(std::string label) : label_(std::move(label)) {}
  std::string label_;
};

/// True if `name` is a valid command name (what CommandName::parse accepts), without making one.
bool is_valid_command_name(std::string_view name) noexcept;

/// A name under which C and other foreign callers manage state: 1..256 bytes, no NUL.
bool is_valid_state_name(std::string_view name) noexcept;

} // namespace ward
