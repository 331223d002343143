#pragma once
// Permission manifests and capabilities as read from their files, before resolution.

#include "acl/document.hpp"

#include <ward/acl.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ward::acl::detail {

/// Where a definition came from, for messages and explanations.
struct Origin {
  std::string file;
  std::string position;
  [[nodiscard]] std::string describe() const { return file + ": " + position; }
};

struct Permission {
  std::string identifier;
  std::string description;
  std::vector<std::string> allow_commands;
  std::vector<std::string> deny_commands;
  /// JSON texts; absent and empty differ (Tauri: a present side makes the scope non-null).
  std::optional<std::vector<std::string>> scope_allow;
  std::optional<std::vector<std::string>> scope_deny;
  std::optional<std::vector<Platform>> platforms;
  Origin origin;
};

struct PermissionSet {
  std::string identifier;
  std::string description;
  std::vector<std::string> permissions; ///< local names or `plugin:name`
  Origin origin;
};

/// All permissions of one plugin ("" for the app).
struct PluginPermissions {
  std::string plugin;
  std::map<std::string, Permission, std::less<>> permissions;
  std::map<std::string, PermissionSet, std::less<>> sets;
  std::optional<PermissionSet> default_set;
};

struct CapabilityEntry {
  std::string identifier;
  std::optional<std::vector<std::string>> extra_allow; ///< JSON texts
  std::optional<std::vector<std::string>> extra_deny;
  Origin origin;
};

struct Capability {
  std::string identifier;
  std::string description;
  bool local = true;
  std::vector<std::string> remote_urls;
  std::vector<std::string> windows;
  std::vector<std::string> webviews;
  std::vector<CapabilityEntry> permissions;
  std::optional<std::vector<Platform>> platforms;
  Origin origin;
};

/// Adds every `[[permission]]`, `[[set]]` and `[default]` of a manifest file to `plugin`.
result<void> read_manifest(const Source &source, PluginPermissions &plugin, Diagnostics &diagnostics);

/// Reads a capability file: one capability, or `{"capabilities": [...]}`.
result<std::vector<Capability>> read_capabilities(const Source &source, Diagnostics &diagnostics);

/// `allow-<cmd>` / `deny-<cmd>` for a registered command, `_` written as `-`.
void add_command_permissions(PluginPermissions &plugin, std::string_view command);

} // namespace ward::acl::detail
