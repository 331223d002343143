#include "arguments.hpp"

#include <algorithm>
#include <map>
#include <optional>

namespace ward_acl {
namespace {

constexpr std::string_view usage_text = R"(Usage:
  ward-acl resolve DIR... [--platform P] [--register CMD]... [--lenient] [--json]
  ward-acl check DIR... --command CMD --window W [--webview V] --url URL
                 [--app-origin ORIGIN]... [--platform P] [--register CMD]... [--lenient] [--json]
  ward-acl lint DIR... [--window W]... [--platform P] [--register CMD]...
  ward-acl --help | --version

Each DIR holds capabilities/*.{toml,json} and permissions/<plugin>/**/*.{toml,json}, the app's
own permissions under permissions/app/. Several DIRs are merged into one policy.

  resolve  print the resolved policy as JSON
  check    print why a request is allowed or denied, as JSON; exit 0 if allowed, 1 if denied
  lint     print what resolves but looks wrong, one finding a line; exit 0 if none, 1 if any

Options:
  --platform P        linux, macos, windows, android or ios (default: the platform ward-acl was
                      built for)
  --register CMD      a command the app registers ("greet", "plugin:fs|read_file"): it gets
                      allow-CMD and deny-CMD permissions, as in a ward app; repeatable
  --lenient           unknown fields in files are warnings on stderr instead of errors
  --json              JSON output (the default and, for now, only format)
  --command CMD       check: the command invoked
  --window W          check: the window label; lint: a window the app creates (repeatable)
  --webview V         check: the webview label (default: the window label)
  --url URL           check: the URL of the page that invokes
  --app-origin O      check: an origin that counts as local (repeatable; default
                      tauri://localhost and http://tauri.localhost)

Exit status: 0 allowed / no findings, 1 denied / findings, 2 bad input or usage error.
)";

struct OptionSpec {
  std::string_view name; ///< without the leading "--"
  bool takes_value = true;
  bool repeatable = false;
};

constexpr OptionSpec platform_option{"platform"};
constexpr OptionSpec register_option{"register", true, true};
constexpr OptionSpec lenient_option{"lenient", false};
constexpr OptionSpec json_option{"json", false};

std::vector<OptionSpec> options_of(Subcommand subcommand) {
  switch (subcommand) {
  case Subcommand::resolve: return {platform_option, register_option, lenient_option, json_option};
  case Subcommand::check:
    return {platform_option, register_option, lenient_option, json_option, {"command"}, {"window"},
            {"webview"},     {"url"},         {"app-origin", true, true}};
  case Subcommand::lint: return {platform_option, register_option, {"window", true, true}};
  case Subcommand::help:
  case Subcommand::version: break;
  }
  return {};
}

ward::Error usage_error(std::string message) { return ward::Error(ward::errc::invalid_argument, std::move(message)); }

/// Option name -> the values it was given, in order ("" for a flag).
using OptionValues = std::map<std::string, std::vector<std::string>, std::less<>>;

struct Split {
  std::vector<std::string> positionals;
  OptionValues options;
};

ward::result<Split> split(Subcommand subcommand, std::string_view name, std::span<const std::string_view> arguments) {
  const auto specs = options_of(subcommand);
  Split out;
  bool options_ended = false;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string_view argument = arguments[i];
    if (options_ended || !argument.starts_with("-") || argument == "-") {
      out.positionals.emplace_back(argument);
      continue;
    }
    if (argument == "--") {
      options_ended = true;
      continue;
    }
    if (!argument.starts_with("--")) return usage_error("unknown option `" + std::string(argument) + "`");
    std::string_view option = argument.substr(2);
    std::optional<std::string_view> inline_value;
    if (const auto equals = option.find('='); equals != std::string_view::npos) {
      inline_value = option.substr(equals + 1);
      option = option.substr(0, equals);
    }
    const auto spec = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec &s) { return s.name == option; });
    if (spec == specs.end())
      return usage_error("unknown option `--" + std::string(option) + "` for `" + std::string(name) + "`");
    std::string value;
    if (spec->takes_value) {
      if (inline_value) value = *inline_value;
      else if (i + 1 < arguments.size()) value = arguments[++i];
      else return usage_error("`--" + std::string(option) + "` needs a value");
    } else if (inline_value) {
      return usage_error("`--" + std::string(option) + "` takes no value");
    }
    auto &values = out.options[std::string(option)];
    if (!values.empty() && !spec->repeatable) return usage_error("`--" + std::string(option) + "` is given twice");
    values.push_back(std::move(value));
  }
  return out;
}

const std::vector<std::string> no_values;

const std::vector<std::string> &values_of(const OptionValues &options, std::string_view name) {
  const auto found = options.find(name);
  return found == options.end() ? no_values : found->second;
}

ward::result<std::string> required(const OptionValues &options, std::string_view name) {
  const auto &values = values_of(options, name);
  if (values.empty()) return usage_error("`--" + std::string(name) + "` is required");
  return values.front();
}

} // namespace

std::string_view usage() noexcept { return usage_text; }

ward::result<Arguments> parse_arguments(std::span<const std::string_view> arguments) {
  Arguments out;
  if (arguments.empty()) return usage_error("no subcommand given");
  const std::string_view name = arguments.front();
  if (name == "--help" || name == "-h" || name == "help") return out;
  if (name == "--version") {
    out.subcommand = Subcommand::version;
    return out;
  }
  if (name == "resolve") out.subcommand = Subcommand::resolve;
  else if (name == "check") out.subcommand = Subcommand::check;
  else if (name == "lint") out.subcommand = Subcommand::lint;
  else return usage_error("unknown subcommand `" + std::string(name) + "`");

  const auto rest = arguments.subspan(1);
  if (std::any_of(rest.begin(), rest.end(), [](std::string_view a) { return a == "--help" || a == "-h"; })) {
    out.subcommand = Subcommand::help;
    return out;
  }
  auto parsed = split(out.subcommand, name, rest);
  if (!parsed) return std::move(parsed).assume_error();
  const auto &[positionals, options] = parsed.value();

  if (positionals.empty()) return usage_error("`" + std::string(name) + "` needs at least one DIR");
  out.directories.assign(positionals.begin(), positionals.end());
  if (const auto &platform = values_of(options, "platform"); !platform.empty()) {
    auto parsed_platform = ward::acl::parse_platform(platform.front());
    if (!parsed_platform) return usage_error(parsed_platform.error().message());
    out.platform = parsed_platform.value();
  }
  out.registered_commands = values_of(options, "register");
  out.lenient = options.contains("lenient");

  if (out.subcommand == Subcommand::check) {
    for (const auto &[field, option] : {std::pair{&out.command, "command"}, {&out.window, "window"}, {&out.url, "url"}}) {
      auto value = required(options, option);
      if (!value) return std::move(value).assume_error();
      *field = std::move(value).assume_value();
    }
    const auto &webview = values_of(options, "webview");
    out.webview = webview.empty() ? out.window : webview.front();
    out.app_origins = values_of(options, "app-origin");
  } else if (out.subcommand == Subcommand::lint) {
    out.known_windows = values_of(options, "window");
  }
  return out;
}

} // namespace ward_acl
