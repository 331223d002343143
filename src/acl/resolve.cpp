#include "acl/resolve.hpp"

#include "try.hpp"

#include <algorithm>

namespace ward::acl::detail {
namespace {

struct Concrete {
  std::string plugin;
  const Permission *permission;
};

bool active_on(const std::optional<std::vector<Platform>> &platforms, Platform target) {
  return !platforms || std::find(platforms->begin(), platforms->end(), target) != platforms->end();
}

/// `fs:read` -> {"fs", "read"}; `allow-x` -> {"", "allow-x"}; `core:event:default` ->
/// {"core:event", "default"}; `core:default` -> {"core", "default"}.
std::pair<std::string, std::string> split_identifier(std::string_view identifier) {
  const auto separator = identifier.rfind(':');
  if (separator == std::string_view::npos) return {std::string(), std::string(identifier)};
  return {std::string(identifier.substr(0, separator)), std::string(identifier.substr(separator + 1))};
}

std::string display(std::string_view plugin, std::string_view name) {
  return plugin.empty() ? std::string(name) : std::string(plugin) + ":" + std::string(name);
}

class Expander {
public:
  Expander(const std::map<std::string, PluginPermissions, std::less<>> &plugins, Platform platform)
      : plugins_(plugins), platform_(platform) {}

  /// Every concrete permission `plugin:name` stands for, sets expanded recursively.
  result<void> expand(std::string_view plugin_name, std::string_view name, const Origin &where,
                      std::vector<Concrete> &out) {
    const std::string key = display(plugin_name, name);
    if (std::find(stack_.begin(), stack_.end(), key) != stack_.end()) {
      std::string cycle;
      for (const auto &item : stack_) cycle += item + " -> ";
      return Error(errc::invalid_argument, where.describe() + ": permission sets form a cycle: " + cycle + key);
    }
    const auto plugin = plugins_.find(plugin_name);
    if (plugin == plugins_.end())
      return Error(errc::invalid_argument, where.describe() + ": unknown plugin `" + std::string(plugin_name) +
                                               "` in permission `" + key + "`");
    const PluginPermissions &permissions = plugin->second;
    const PermissionSet *set = nullptr;
    if (name == "default") {
      if (!permissions.default_set) return success(); // as Tauri: no default grants nothing
      set = &*permissions.default_set;
    } else if (const auto found = permissions.permissions.find(name); found != permissions.permissions.end()) {
      add(plugin_name, found->second, out);
      return success();
    } else if (const auto found_set = permissions.sets.find(name); found_set != permissions.sets.end()) {
      set = &found_set->second;
    } else {
      return Error(errc::invalid_argument, where.describe() + ": unknown permission `" + key + "`");
    }
    stack_.push_back(key);
    for (const auto &member : set->permissions) {
      // As Tauri: a member's prefix switches plugin only if it names a loaded plugin; otherwise
      // the whole member is a name in the set's own plugin.
      auto [member_plugin, member_name] = split_identifier(member);
      if (member_plugin.empty() || !plugins_.contains(member_plugin)) {
        member_plugin = std::string(plugin_name);
        member_name = member;
      }
      auto expanded = expand(member_plugin, member_name, set->origin, out);
      if (!expanded) {
        stack_.pop_back();
        return expanded;
      }
    }
    stack_.pop_back();
    return success();
  }

private:
  void add(std::string_view plugin, const Permission &permission, std::vector<Concrete> &out) const {
    if (active_on(permission.platforms, platform_)) out.push_back(Concrete{std::string(plugin), &permission});
  }

  const std::map<std::string, PluginPermissions, std::less<>> &plugins_;
  Platform platform_;
  std::vector<std::string> stack_;
};

using OptionalList = std::optional<std::vector<std::string>>;

/// Tauri's merge: present if either side is; the entry's extra values first.
OptionalList merge(const OptionalList &extra, const OptionalList &own) {
  if (!extra && !own) return std::nullopt;
  std::vector<std::string> out = extra.value_or(std::vector<std::string>{});
  if (own) out.insert(out.end(), own->begin(), own->end());
  return out;
}

} // namespace

std::pair<std::string, std::string> split_command(std::string_view command) {
  if (command.starts_with("plugin:")) {
    const auto bar = command.find('|');
    if (bar != std::string_view::npos)
      return {std::string(command.substr(7, bar - 7)), std::string(command.substr(bar + 1))};
  }
  return {std::string(), std::string(command)};
}

std::string qualified_command(std::string_view plugin, std::string_view command) {
  if (plugin.empty()) return std::string(command);
  if (plugin.starts_with("core:")) plugin.remove_prefix(5);
  return "plugin:" + std::string(plugin) + "|" + std::string(command);
}

std::string plugin_of_command(std::string_view command) { return split_command(command).first; }

result<ResolvedPolicy> resolve_policy(const PolicyInput &input) {
  ResolvedPolicy resolved;
  Diagnostics diagnostics{input.unknown_fields_are_errors, {}};
  auto &plugins = resolved.plugins;
  plugins[""].plugin = ""; // the app always exists, even without a manifest
  for (const auto &manifests : input.plugins) {
    if (!manifests.plugin.empty()) WARD_TRY(validate_identifier(manifests.plugin));
    auto &plugin = plugins[manifests.plugin];
    plugin.plugin = manifests.plugin;
    for (const auto &source : manifests.files) WARD_TRY(read_manifest(source, plugin, diagnostics));
  }
  for (const auto &command : input.commands) {
    auto [plugin_name, name] = split_command(command);
    // Built-in plugins live under `core:`, as Tauri names them.
    if (!plugin_name.empty() && !plugins.contains(plugin_name) && plugins.contains("core:" + plugin_name))
      plugin_name = "core:" + plugin_name;
    auto &plugin = plugins[plugin_name];
    plugin.plugin = plugin_name;
    add_command_permissions(plugin, name);
  }

  // `core:default` is every built-in plugin's default set, as in Tauri; it exists (possibly
  // empty) so that capabilities written for Tauri resolve.
  if (!plugins.contains("core")) {
    PermissionSet core_default{"default", "Default core plugins set.", {}, Origin{"(built in)", "core:default"}};
    for (const auto &[name, plugin] : plugins)
      if (name.starts_with("core:") && plugin.default_set) core_default.permissions.push_back(name + ":default");
    auto &core = plugins["core"];
    core.plugin = "core";
    core.default_set = std::move(core_default);
  }

  for (const auto &source : input.capabilities) {
    auto capabilities = read_capabilities(source, diagnostics);
    if (!capabilities) return std::move(capabilities).assume_error();
    for (auto &capability : capabilities.value()) {
      const bool duplicate = std::any_of(resolved.capabilities.begin(), resolved.capabilities.end(),
                                         [&](const Capability &other) { return other.identifier == capability.identifier; });
      if (duplicate)
        return Error(errc::invalid_argument, capability.origin.describe() + ": capability `" + capability.identifier +
                                                 "` is defined twice");
      if (!active_on(capability.platforms, input.platform)) continue;
      resolved.capabilities.push_back(std::move(capability));
    }
  }

  resolved.warnings = std::move(diagnostics.warnings);
  Expander expander(plugins, input.platform);
  for (const auto &capability : resolved.capabilities) {
    std::vector<Context> contexts;
    if (capability.local) contexts.push_back(Context{true, {}});
    for (const auto &url : capability.remote_urls) contexts.push_back(Context{false, url});
    for (const auto &entry : capability.permissions) {
      std::vector<Concrete> concrete;
      const auto [plugin_name, name] = split_identifier(entry.identifier);
      WARD_TRY(expander.expand(plugin_name, name, entry.origin, concrete));
      for (const auto &[plugin, permission] : concrete) {
        const Provenance provenance{capability.identifier, entry.identifier, display(plugin, permission->identifier),
                                    entry.origin};
        const auto allow = merge(entry.extra_allow, permission->scope_allow);
        const auto deny = merge(entry.extra_deny, permission->scope_deny);
        const bool has_scope = allow || deny;
        const ScopeEntries scope{allow.value_or(std::vector<std::string>{}), deny.value_or(std::vector<std::string>{})};
        const bool has_commands = !permission->allow_commands.empty() || !permission->deny_commands.empty();
        if (!has_commands) {
          // Tauri adds the scope once per permission, whatever the contexts.
          resolved.global.push_back(
              GlobalScopeGrant{plugin, contexts, capability.windows, capability.webviews, scope, provenance});
          continue;
        }
        for (const auto &context : contexts) {
          const auto grant = [&] {
            return Grant{context, capability.windows, capability.webviews,
                         has_scope ? std::optional<ScopeEntries>(scope) : std::nullopt, provenance};
          };
          for (const auto &command : permission->allow_commands)
            resolved.allowed[qualified_command(plugin, command)].push_back(grant());
          for (const auto &command : permission->deny_commands)
            resolved.denied[qualified_command(plugin, command)].push_back(grant());
        }
      }
    }
  }
  return resolved;
}

} // namespace ward::acl::detail
