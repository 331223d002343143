#pragma once
// Resolution: capabilities + permission manifests -> grants per command and global scopes, with
// Tauri's per-permission semantics, keeping where each grant came from.

#include "acl/model.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ward::acl::detail {

/// Where a grant applies: the app's own pages, or remote pages matching a URL pattern.
struct Context {
  bool local = true;
  std::string remote_pattern; ///< as the capability wrote it
  friend bool operator==(const Context &, const Context &) = default;
};

/// Which capability entry produced a grant, for explanations.
struct Provenance {
  std::string capability;
  std::string entry;      ///< as written in the capability ("fs:read")
  std::string permission; ///< the concrete permission ("fs:allow-read-dir")
  Origin where;           ///< the entry's file and position
};

struct Grant {
  Context context;
  std::vector<std::string> windows;
  std::vector<std::string> webviews;
  std::optional<ScopeEntries> scope; ///< nullopt: no scope at all (Tauri's null)
  Provenance provenance;
};

/// A permission without commands: its scope joins its plugin's global scope, but in ward only
/// for requests its capability's context and globs match.
struct GlobalScopeGrant {
  std::string plugin;
  std::vector<Context> contexts; ///< the capability's; may be empty (local = false, no remote)
  std::vector<std::string> windows;
  std::vector<std::string> webviews;
  ScopeEntries scope;
  Provenance provenance;
};

struct ResolvedPolicy {
  std::map<std::string, std::vector<Grant>, std::less<>> allowed;
  std::map<std::string, std::vector<Grant>, std::less<>> denied;
  std::vector<GlobalScopeGrant> global;
  std::vector<Capability> capabilities; ///< those active on the target platform
  std::map<std::string, PluginPermissions, std::less<>> plugins;
  std::vector<std::string> warnings;
};

result<ResolvedPolicy> resolve_policy(const PolicyInput &input);

/// "plugin:fs|read_file" for plugin "fs", "greet" for the app ("" plugin), "plugin:event|listen"
/// for the core plugin "core:event".
std::string qualified_command(std::string_view plugin, std::string_view command);

/// The plugin a registered command belongs to ("" for app commands) and its bare name.
std::pair<std::string, std::string> split_command(std::string_view command);

/// The plugin a command grant's permissions live in, from its qualified name.
std::string plugin_of_command(std::string_view command);

} // namespace ward::acl::detail
