#include "lint.hpp"

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

namespace ward_acl {
namespace {

using ward::acl::CapabilityInfo;
using ward::acl::GrantInfo;
using ward::acl::Policy;

std::string where(const CapabilityInfo &capability) { return capability.file + ": " + capability.position; }
std::string where(const GrantInfo &grant) { return grant.file + ": " + grant.position; }

/// "greet" -> "", "plugin:fs|read_file" -> "fs": the plugin as a command names it.
std::string plugin_of(std::string_view command) {
  if (!command.starts_with("plugin:")) return {};
  const auto bar = command.find('|');
  return bar == std::string_view::npos ? std::string() : std::string(command.substr(7, bar - 7));
}

std::vector<std::string> sorted(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

/// Fields the library did not know, read with unknown_fields_are_errors = false.
void unknown_fields(const Policy &policy, std::vector<Finding> &findings) {
  for (const auto &warning : policy.warnings()) findings.push_back({"unknown-field", warning});
}

/// A capability that can never let a request in: it names no window or webview, applies to no
/// origin, or its permissions expand to nothing on the target platform.
void grants_nothing(const Policy &policy, std::vector<Finding> &findings) {
  const auto grants = policy.grants();
  const std::string platform(ward::acl::platform_name(policy.input().platform));
  for (const auto &capability : policy.capabilities()) {
    const std::string subject = where(capability) + ": capability `" + capability.identifier + "` ";
    if (capability.windows.empty() && capability.webviews.empty())
      findings.push_back({"grants-nothing", subject + "names no window and no webview, so it applies to none"});
    if (!capability.local && capability.remote_urls.empty()) {
      findings.push_back(
          {"grants-nothing", subject + "applies to no page: `local` is false and it lists no remote URL"});
      continue; // its permissions produce no command grants then; saying so again adds nothing
    }
    const bool grants_something = std::any_of(grants.begin(), grants.end(), [&](const GrantInfo &grant) {
      return grant.capability == capability.identifier;
    });
    if (grants_something) continue;
    findings.push_back({"grants-nothing", subject + (capability.permissions.empty()
                                                         ? std::string("lists no permission")
                                                         : "grants nothing on " + platform +
                                                               ": its permissions expand to no command and no scope")});
  }
}

/// An allow and a deny of one command with the same origins, windows and webviews: the deny
/// always wins, so the allow never takes effect.
void cancelled(const Policy &policy, std::vector<Finding> &findings) {
  const auto grants = policy.grants();
  const auto same_reach = [](const GrantInfo &a, const GrantInfo &b) {
    return a.command == b.command && a.local == b.local && sorted(a.remote_urls) == sorted(b.remote_urls) &&
           sorted(a.windows) == sorted(b.windows) && sorted(a.webviews) == sorted(b.webviews);
  };
  std::set<std::tuple<std::string, std::string, std::string>> reported; // command, allow entry, deny entry
  for (const auto &allow : grants) {
    if (allow.kind != GrantInfo::Kind::allow) continue;
    for (const auto &deny : grants) {
      if (deny.kind != GrantInfo::Kind::deny || !same_reach(allow, deny)) continue;
      if (!reported.emplace(allow.command, where(allow), where(deny)).second) continue;
      findings.push_back({"cancelled", where(allow) + ": capability `" + allow.capability + "` allows `" +
                                           allow.command + "` through `" + allow.entry + "`, but capability `" +
                                           deny.capability + "` denies it through `" + deny.entry + "` (" +
                                           where(deny) +
                                           ") for the same origins, windows and webviews, so it is always denied"});
    }
  }
}

/// A window the app creates that no capability names: every command is denied to it.
void unnamed_windows(const Policy &policy, const std::vector<std::string> &known_windows,
                     std::vector<Finding> &findings) {
  std::set<std::string_view> seen;
  for (const auto &window : known_windows)
    if (seen.insert(window).second && policy.capabilities_for(window, window).empty())
      findings.push_back({"unnamed-window", "window `" + window +
                                                "` is named by no capability's windows or webviews, so every "
                                                "command is denied to it"});
}

/// A command a capability allows or denies that the app does not register. Only plugins (or the
/// app) with at least one registered command are checked: the others' commands are not known.
void unregistered_commands(const Policy &policy, std::vector<Finding> &findings) {
  const auto &registered = policy.input().commands;
  if (registered.empty()) return;
  std::set<std::string> checked_plugins;
  for (const auto &command : registered) checked_plugins.insert(plugin_of(command));
  std::set<std::pair<std::string, std::string>> reported; // command, entry position
  for (const auto &grant : policy.grants()) {
    if (grant.kind == GrantInfo::Kind::global_scope || !checked_plugins.contains(plugin_of(grant.command))) continue;
    if (std::find(registered.begin(), registered.end(), grant.command) != registered.end()) continue;
    if (!reported.emplace(grant.command, where(grant)).second) continue;
    findings.push_back({"unregistered-command",
                        where(grant) + ": capability `" + grant.capability + "` " +
                            (grant.kind == GrantInfo::Kind::allow ? "allows" : "denies") + " `" + grant.command +
                            "` through `" + grant.entry + "`, but the app registers no such command"});
  }
}

} // namespace

ward::result<std::vector<Finding>> lint(ward::acl::PolicyInput input, const std::vector<std::string> &known_windows) {
  input.unknown_fields_are_errors = false;
  auto resolved = Policy::resolve(input);
  if (!resolved) return std::move(resolved).assume_error();
  const Policy &policy = resolved.value();

  std::vector<Finding> findings;
  unknown_fields(policy, findings);
  grants_nothing(policy, findings);
  cancelled(policy, findings);
  unnamed_windows(policy, known_windows, findings);
  unregistered_commands(policy, findings);
  return findings;
}

} // namespace ward_acl
