// ward-acl: resolve, check and lint Tauri v2 capability and permission files with ward's ACL.
// Exit status: 0 allowed / no findings, 1 denied / findings, 2 bad input or usage error.
#include "arguments.hpp"
#include "lint.hpp"

#include <ward/acl.hpp>
#include <ward/version.hpp>

#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr int exit_ok = 0;         ///< resolved; allowed; no findings
constexpr int exit_negative = 1;   ///< denied; findings
constexpr int exit_bad_input = 2;  ///< usage error, unreadable DIR, a file that does not resolve

using ward_acl::Arguments;

int fail(const ward::Error &error) {
  std::cerr << "ward-acl: " << error.message() << '\n';
  return exit_bad_input;
}

/// Every DIR merged into one input, with the options that shape resolution.
ward::result<ward::acl::PolicyInput> load(const Arguments &arguments) {
  ward::acl::PolicyInput input;
  for (const auto &directory : arguments.directories) {
    auto read = ward::acl::read_directory(directory);
    if (!read) return std::move(read).assume_error();
    auto &part = read.value();
    for (auto &plugin : part.plugins) input.plugins.push_back(std::move(plugin));
    for (auto &capability : part.capabilities) input.capabilities.push_back(std::move(capability));
  }
  input.platform = arguments.platform;
  input.commands = arguments.registered_commands;
  input.unknown_fields_are_errors = !arguments.lenient;
  return input;
}

/// Resolves, and under --lenient reports what was ignored on stderr.
ward::result<ward::acl::Policy> resolve(const ward::acl::PolicyInput &input) {
  auto policy = ward::acl::Policy::resolve(input);
  if (policy)
    for (const auto &warning : policy.value().warnings()) std::cerr << "ward-acl: warning: " << warning << '\n';
  return policy;
}

int run_resolve(const Arguments &arguments) {
  auto input = load(arguments);
  if (!input) return fail(input.error());
  auto policy = resolve(input.value());
  if (!policy) return fail(policy.error());
  std::cout << policy.value().resolved_json() << '\n';
  return exit_ok;
}

int run_check(const Arguments &arguments) {
  auto input = load(arguments);
  if (!input) return fail(input.error());
  input.value().app_origins = arguments.app_origins;
  auto policy = resolve(input.value());
  if (!policy) return fail(policy.error());
  const ward::acl::AccessRequest request{arguments.command, arguments.window, arguments.webview, arguments.url};
  std::cout << policy.value().explain(request) << '\n';
  return policy.value().allows(request) ? exit_ok : exit_negative;
}

int run_lint(const Arguments &arguments) {
  auto input = load(arguments);
  if (!input) return fail(input.error());
  auto findings = ward_acl::lint(std::move(input).assume_value(), arguments.known_windows);
  if (!findings) return fail(findings.error());
  for (const auto &finding : findings.value())
    std::cout << "warning: " << finding.message << " [" << finding.check << "]\n";
  return findings.value().empty() ? exit_ok : exit_negative;
}

} // namespace

int main(int argc, char **argv) {
  const std::vector<std::string_view> raw(argv + (argc > 0 ? 1 : 0), argv + argc);
  auto arguments = ward_acl::parse_arguments(raw);
  if (!arguments) {
    std::cerr << "ward-acl: " << arguments.error().message() << "\n\n" << ward_acl::usage();
    return exit_bad_input;
  }
  switch (arguments.value().subcommand) {
  case ward_acl::Subcommand::help: std::cout << ward_acl::usage(); return exit_ok;
  case ward_acl::Subcommand::version: std::cout << "ward-acl " << ward::version_string() << '\n'; return exit_ok;
  case ward_acl::Subcommand::resolve: return run_resolve(arguments.value());
  case ward_acl::Subcommand::check: return run_check(arguments.value());
  case ward_acl::Subcommand::lint: return run_lint(arguments.value());
  }
  return exit_bad_input;
}
