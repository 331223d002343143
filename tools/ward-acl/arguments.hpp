#pragma once
// The command line of ward-acl: subcommands, options, and the usage text that documents them.

#include <ward/acl.hpp>
#include <ward/error.hpp>

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ward_acl {

enum class Subcommand { help, version, resolve, check, lint };

/// Everything the command line says, checked for the subcommand it names.
struct Arguments {
  Subcommand subcommand = Subcommand::help;
  std::vector<std::filesystem::path> directories;
  ward::acl::Platform platform = ward::acl::current_platform();
  std::vector<std::string> registered_commands; ///< --register: each gets allow-/deny- permissions
  bool lenient = false;                         ///< --lenient: unknown fields are warnings

  // check: the request.
  std::string command;
  std::string window;
  std::string webview; ///< the window label unless --webview says otherwise
  std::string url;
  std::vector<std::string> app_origins; ///< empty: Tauri's defaults

  // lint: the windows the app creates, each of which some capability should name.
  std::vector<std::string> known_windows;
};

/// The arguments after the program name. An error is a usage error: its message says what is
/// wrong, and the caller prints it with the usage text.
ward::result<Arguments> parse_arguments(std::span<const std::string_view> arguments);

/// The usage text printed for --help and after a usage error.
std::string_view usage() noexcept;

} // namespace ward_acl
