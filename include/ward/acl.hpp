#pragma once
// The security model: Tauri v2 capability and permission files, resolved the way Tauri resolves
// them, compiled into a Policy that decides each request (default-deny) and explains why.
//
// Differences from Tauri, on purpose:
//  - every command is denied unless a capability grants it, app commands included;
//  - a deny applies only where its own context and window/webview globs match the request;
//  - "local" means one of the app's declared origins exactly (scheme + host + port), never a
//    prefix or first-label match;
//  - a plugin's global scope reaches a handler only from capabilities that match the request.

#include <ward/error.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ward::acl {

enum class Format : std::uint8_t { toml, json };

/// A capability or permission file: its name (used in every error message), text and format.
struct Source {
  std::string name;
  std::string text;
  Format format = Format::toml;
};

/// Reads a file; the format comes from its extension (.toml or .json).
result<Source> read_source(const std::filesystem::path &path);

/// Capitalized because `linux` is a predefined macro under GNU C++ extensions.
/// Reads DIR/capabilities/*.{toml,json} and DIR/permissions/<plugin>/**/*.{toml,json} (the
/// app's own permissions under permissions/app/) into a PolicyInput's plugins and capabilities.
struct PolicyInput;
result<PolicyInput> read_directory(const std::filesystem::path &directory);

enum class Platform : std::uint8_t { Linux, MacOS, Windows, Android, IOS };

/// The platform ward was built for.
Platform current_platform() noexcept;
/// Accepts Tauri's spellings ("linux", "macOS", "windows", "android", "iOS"), case-insensitively.
result<Platform> parse_platform(std::string_view name);
/// "linux", "macos", "windows", "android", "ios".
std::string_view platform_name(Platform platform) noexcept;

/// The permission manifests of one plugin ("fs"), or of the app (an empty plugin name).
struct PluginManifests {
  std::string plugin;
  std::vector<Source> files;
};

/// Everything a policy is resolved from.
struct PolicyInput {
  std::vector<PluginManifests> plugins;
  std::vector<Source> capabilities;
  /// Registered commands ("greet", "plugin:fs|read_file"): each gets `allow-<cmd>` and
  /// `deny-<cmd>` permissions (with `_` written as `-`) in its plugin, or in the app.
  std::vector<std::string> commands;
  Platform platform = current_platform();
  /// Origins that count as local (scheme://host[:port]); defaults to Tauri's
  /// `tauri://localhost` and `http://tauri.localhost` when empty.
  std::vector<std::string> app_origins;
  /// Unknown fields in a file are errors (default) or, when false, warnings the policy keeps
  /// (see Policy::warnings). Tauri ignores them silently, which hides mistakes such as a
  /// top-level `[[scope.deny]]` that was meant for a permission.
  bool unknown_fields_are_errors = true;
};

/// What is being decided.
struct AccessRequest {
  std::string_view command;
  std::string_view window;
  std::string_view webview;
  std::string_view origin; ///< URL of the page
};

/// Scope entries as JSON texts, in the order the grants produced them.
struct ScopeEntries {
  std::vector<std::string> allow;
  std::vector<std::string> deny;
  [[nodiscard]] bool empty() const noexcept { return allow.empty() && deny.empty(); }
};

/// The scopes a handler receives: the command scope of the grants that matched the request and
/// the plugin's global scope from the capabilities that matched it.
struct ResolvedScopes {
  ScopeEntries command;
  ScopeEntries global;
};

/// A capability as loaded, for tools that inspect a policy (linters, editors).
struct CapabilityInfo {
  struct Entry {
    std::string identifier; ///< as written ("fs:default")
    std::string position;   ///< in `file`
  };
  std::string identifier;
  std::string description;
  std::string file;
  std::string position;
  bool local = true;
  std::vector<std::string> remote_urls;
  std::vector<std::string> windows;
  std::vector<std::string> webviews;
  std::vector<Entry> permissions;
};

/// One resolved grant and the capability entry it came from.
struct GrantInfo {
  enum class Kind : std::uint8_t { allow, deny, global_scope };
  Kind kind = Kind::allow;
  std::string command;                  ///< allow, deny: the command ("plugin:fs|read_file"); else empty
  std::string plugin;                   ///< the plugin whose permission it is ("" for the app)
  bool local = false;                   ///< applies to the app's own pages
  std::vector<std::string> remote_urls; ///< and to remote pages matching these patterns
  std::vector<std::string> windows;
  std::vector<std::string> webviews;
  std::optional<ScopeEntries> scope; ///< nullopt: no scope at all (Tauri's null); set for global_scope
  std::string capability;
  std::string entry;      ///< as written in the capability ("fs:read")
  std::string permission; ///< the concrete permission ("fs:allow-read-dir")
  std::string file;       ///< the entry's file and position
  std::string position;
};

namespace detail {
struct CompiledPolicy;
}

/// A resolved, compiled policy. Immutable and thread-safe; cheap to copy (shared).
class Policy {
public:
  /// Parses every file, resolves the capabilities against the manifests for the target
  /// platform and compiles the result. Any problem fails with a message naming the file, the
  /// position and the rule broken.
  static result<Policy> resolve(const PolicyInput &input);

  /// Default-deny: true only if an allow grant matches and no deny grant matching the same
  /// request does. Decisions are cached in the policy (shared by its copies, lock-free to
  /// read); only the first decision of a request allocates (its cache entry).
  [[nodiscard]] bool allows(const AccessRequest &request) const noexcept;

  /// The same decision as allows(), always made afresh from the grants (never cached).
  [[nodiscard]] bool decide(const AccessRequest &request) const noexcept;

  /// How many decisions this policy has cached (bounded; for tests and diagnostics).
  [[nodiscard]] std::size_t cached_decisions() const;

  /// The scopes for an allowed request (empty when denied).
  [[nodiscard]] ResolvedScopes scopes(const AccessRequest &request) const;

  /// The decision with its reasons as JSON (documented in README.md, "Explaining a decision"): capabilities,
  /// permissions and scope entries involved, and for a denial what would allow it.
  [[nodiscard]] std::string explain(const AccessRequest &request) const;

  /// The resolved policy in the neutral JSON of the conformance suite.
  [[nodiscard]] std::string resolved_json() const;

  /// What was accepted but looks wrong (unknown fields when they are not errors).
  [[nodiscard]] const std::vector<std::string> &warnings() const noexcept;

  /// Identifiers of the loaded capabilities, in load order.
  [[nodiscard]] std::vector<std::string> capability_identifiers() const;

  /// The capabilities active on the target platform, in load order.
  [[nodiscard]] std::vector<CapabilityInfo> capabilities() const;

  /// Every grant the capabilities produced: allows and denies per command, in command order,
  /// then the global scope grants, each with the capability entry it came from.
  [[nodiscard]] std::vector<GrantInfo> grants() const;

  /// Identifiers of the capabilities whose window globs match `window` or whose webview globs
  /// match `webview`, whatever their origins and permissions.
  [[nodiscard]] std::vector<std::string> capabilities_for(std::string_view window, std::string_view webview) const;

  /// The input this policy was resolved from (to add a capability and resolve again).
  [[nodiscard]] const PolicyInput &input() const noexcept;

private:
  explicit Policy(std::shared_ptr<const detail::CompiledPolicy> compiled) noexcept : compiled_(std::move(compiled)) {}
  std::shared_ptr<const detail::CompiledPolicy> compiled_;
};

/// Validates a permission or capability identifier with Tauri's grammar: ASCII letters, digits
/// and single inner hyphens, segments joined by one `:` (several only under `core:`), at most
/// 116 bytes, not starting with `tauri-plugin-`. The error names the rule broken. Stricter than
/// Tauri in one place: an empty segment (`core::x`) is refused.
result<void> validate_identifier(std::string_view identifier);

} // namespace ward::acl
