// Reading permission manifests ([[permission]], [[set]], [default]) and capability files, with
// unknown fields and wrong types reported at their position.
#include "acl/model.hpp"
#include "try.hpp"

#include <algorithm>
#include <initializer_list>

namespace ward::acl::detail {
namespace {

using Kind = Node::Kind;

/// Reads typed fields of one table; the first problem is kept and reported.
class TableReader {
public:
  TableReader(const Document &document, const Node &table, std::string_view what)
      : document_(document), table_(table), what_(what) {}

  result<void> only(std::initializer_list<std::string_view> allowed) const {
    for (const auto &[key, value] : table_.fields) {
      if (key == "$schema") continue;
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      auto error = document_error(document_, value, "unknown field `" + key + "` in " + std::string(what_));
      if (!document_.diagnostics || document_.diagnostics->unknown_fields_are_errors) return error;
      document_.diagnostics->warnings.push_back(error.message() + " (ignored)");
    }
    return success();
  }

  result<std::string> string(std::string_view key, bool required) const {
    const Node *node = table_.find(key);
    if (!node) {
      if (required) return document_error(document_, table_, std::string(what_) + " needs `" + std::string(key) + "`");
      return std::string();
    }
    if (node->kind != Kind::string)
      return document_error(document_, *node, "`" + std::string(key) + "` must be a string, not " + std::string(node->kind_name()));
    return node->string;
  }

  result<bool> boolean(std::string_view key, bool fallback) const {
    const Node *node = table_.find(key);
    if (!node) return fallback;
    if (node->kind != Kind::boolean)
      return document_error(document_, *node, "`" + std::string(key) + "` must be a boolean, not " + std::string(node->kind_name()));
    return node->boolean;
  }

  result<std::vector<std::string>> strings(std::string_view key) const {
    std::vector<std::string> out;
    const Node *node = table_.find(key);
    if (!node) return out;
    if (node->kind != Kind::array)
      return document_error(document_, *node, "`" + std::string(key) + "` must be an array of strings");
    for (const auto &item : node->items) {
      if (item.kind != Kind::string)
        return document_error(document_, item, "`" + std::string(key) + "` must contain only strings, not " + std::string(item.kind_name()));
      out.push_back(item.string);
    }
    return out;
  }

  /// Arbitrary values kept as JSON (scope entries); absent stays absent.
  result<std::optional<std::vector<std::string>>> values(const Node *node, std::string_view key) const {
    std::vector<std::string> out;
    if (!node) return std::optional<std::vector<std::string>>();
    if (node->kind != Kind::array) return document_error(document_, *node, "`" + std::string(key) + "` must be an array");
    for (const auto &item : node->items) out.push_back(to_json(item));
    return std::optional<std::vector<std::string>>(std::move(out));
  }

  result<const Node *> table(std::string_view key) const {
    const Node *node = table_.find(key);
    if (node && node->kind != Kind::table)
      return document_error(document_, *node, "`" + std::string(key) + "` must be a table, not " + std::string(node->kind_name()));
    return node;
  }

  result<std::optional<std::vector<Platform>>> platforms() const {
    const Node *node = table_.find("platforms");
    if (!node) return std::optional<std::vector<Platform>>();
    if (node->kind != Kind::array) return document_error(document_, *node, "`platforms` must be an array of strings");
    std::vector<Platform> out;
    for (const auto &item : node->items) {
      if (item.kind != Kind::string) return document_error(document_, item, "`platforms` must contain only strings");
      auto platform = parse_platform(item.string);
      if (!platform) return document_error(document_, item, platform.error().message());
      out.push_back(platform.value());
    }
    return std::optional<std::vector<Platform>>(std::move(out));
  }

  [[nodiscard]] Origin origin() const { return Origin{document_.file, table_.position}; }
  [[nodiscard]] const Node &node() const noexcept { return table_; }

private:
  const Document &document_;
  const Node &table_;
  std::string_view what_;
};

result<std::string> identifier_of(const Document &document, const TableReader &reader, bool allow_prefix) {
  auto identifier = reader.string("identifier", true);
  if (!identifier) return identifier;
  const Node &node = *reader.node().find("identifier");
  if (auto valid = validate_identifier(identifier.value()); !valid)
    return document_error(document, node, valid.error().message());
  if (!allow_prefix && identifier.value().find(':') != std::string::npos)
    return document_error(document, node,
                          "a permission defined in a manifest has no prefix (`" + identifier.value() +
                              "`): its plugin's name is added when it is referenced");
  return identifier;
}

result<void> check_permission_references(const Document &document, const Node &list) {
  for (const auto &item : list.items)
    if (auto valid = validate_identifier(item.string); !valid) return document_error(document, item, valid.error().message());
  return success();
}

result<Permission> read_permission(const Document &document, const Node &table) {
  const TableReader reader(document, table, "a [[permission]]");
  WARD_TRY(reader.only({"identifier", "description", "version", "commands", "scope", "platforms"}));
  Permission permission;
  WARD_TRY_ASSIGN(permission.identifier, identifier_of(document, reader, false));
  WARD_TRY_ASSIGN(permission.description, reader.string("description", false));
  WARD_TRY_ASSIGN(permission.platforms, reader.platforms());
  permission.origin = reader.origin();
  const Node *commands = nullptr;
  WARD_TRY_ASSIGN(commands, reader.table("commands"));
  if (commands) {
    const TableReader command_reader(document, *commands, "`commands`");
    WARD_TRY(command_reader.only({"allow", "deny"}));
    WARD_TRY_ASSIGN(permission.allow_commands, command_reader.strings("allow"));
    WARD_TRY_ASSIGN(permission.deny_commands, command_reader.strings("deny"));
  }
  const Node *scope = nullptr;
  WARD_TRY_ASSIGN(scope, reader.table("scope"));
  if (scope) {
    const TableReader scope_reader(document, *scope, "`scope`");
    WARD_TRY(scope_reader.only({"allow", "deny"}));
    WARD_TRY_ASSIGN(permission.scope_allow, scope_reader.values(scope->find("allow"), "scope.allow"));
    WARD_TRY_ASSIGN(permission.scope_deny, scope_reader.values(scope->find("deny"), "scope.deny"));
  }
  return permission;
}

result<PermissionSet> read_set(const Document &document, const Node &table, bool is_default) {
  const TableReader reader(document, table, is_default ? "[default]" : "a [[set]]");
  PermissionSet set;
  if (is_default) {
    WARD_TRY(reader.only({"description", "permissions"}));
    set.identifier = "default";
  } else {
    WARD_TRY(reader.only({"identifier", "description", "permissions"}));
    WARD_TRY_ASSIGN(set.identifier, identifier_of(document, reader, false));
  }
  WARD_TRY_ASSIGN(set.description, reader.string("description", false));
  WARD_TRY_ASSIGN(set.permissions, reader.strings("permissions"));
  if (const Node *list = table.find("permissions")) WARD_TRY(check_permission_references(document, *list));
  set.origin = reader.origin();
  return set;
}

template <class Item, class Read>
result<void> read_array_of_tables(const Document &document, const Node *array, std::string_view key, Read read) {
  if (!array) return success();
  if (array->kind != Kind::array)
    return document_error(document, *array, "`" + std::string(key) + "` must be an array of tables ([[" + std::string(key) + "]])");
  for (const auto &item : array->items) {
    if (item.kind != Kind::table) return document_error(document, item, "each [[" + std::string(key) + "]] must be a table");
    WARD_TRY(read(item));
  }
  return success();
}

} // namespace

result<void> read_manifest(const Source &source, PluginPermissions &plugin, Diagnostics &diagnostics) {
  auto parsed = parse_document(source);
  if (!parsed) return std::move(parsed).assume_error();
  parsed.value().diagnostics = &diagnostics;
  const Document &document = parsed.value();
  const TableReader top(document, document.root, "a permission file");
  WARD_TRY(top.only({"permission", "set", "default"}));

  WARD_TRY(read_array_of_tables<Permission>(document, document.root.find("permission"), "permission",
                                                [&](const Node &table) -> result<void> {
    auto permission = read_permission(document, table);
    if (!permission) return std::move(permission).assume_error();
    const std::string identifier = permission.value().identifier;
    if (plugin.permissions.contains(identifier) || plugin.sets.contains(identifier))
      return document_error(document, table, "`" + identifier + "` is defined twice" +
                                                 (plugin.plugin.empty() ? std::string() : " in plugin `" + plugin.plugin + "`"));
    plugin.permissions.emplace(identifier, std::move(permission).assume_value());
    return success();
  }));
  WARD_TRY(read_array_of_tables<PermissionSet>(document, document.root.find("set"), "set",
                                                   [&](const Node &table) -> result<void> {
    auto set = read_set(document, table, false);
    if (!set) return std::move(set).assume_error();
    const std::string identifier = set.value().identifier;
    if (plugin.permissions.contains(identifier) || plugin.sets.contains(identifier))
      return document_error(document, table, "`" + identifier + "` is defined twice");
    plugin.sets.emplace(identifier, std::move(set).assume_value());
    return success();
  }));
  if (const Node *default_table = document.root.find("default")) {
    if (default_table->kind != Kind::table) return document_error(document, *default_table, "[default] must be a table");
    if (plugin.default_set) return document_error(document, *default_table, "[default] is defined twice");
    auto set = read_set(document, *default_table, true);
    if (!set) return std::move(set).assume_error();
    plugin.default_set = std::move(set).assume_value();
  }
  return success();
}

namespace {

result<CapabilityEntry> read_entry(const Document &document, const Node &node) {
  CapabilityEntry entry;
  entry.origin = Origin{document.file, node.position};
  if (node.kind == Kind::string) {
    entry.identifier = node.string;
  } else if (node.kind == Kind::table) {
    const TableReader reader(document, node, "a permission entry");
    WARD_TRY(reader.only({"identifier", "allow", "deny"}));
    WARD_TRY_ASSIGN(entry.identifier, reader.string("identifier", true));
    WARD_TRY_ASSIGN(entry.extra_allow, reader.values(node.find("allow"), "allow"));
    WARD_TRY_ASSIGN(entry.extra_deny, reader.values(node.find("deny"), "deny"));
  } else {
    return document_error(document, node, "a permission entry must be a string or a table, not " + std::string(node.kind_name()));
  }
  const Node &identifier_node = node.kind == Kind::string ? node : *node.find("identifier");
  if (auto valid = validate_identifier(entry.identifier); !valid)
    return document_error(document, identifier_node, valid.error().message());
  return entry;
}

result<Capability> read_capability(const Document &document, const Node &table) {
  const TableReader reader(document, table, "a capability");
  WARD_TRY(reader.only({"identifier", "description", "local", "remote", "windows", "webviews", "permissions", "platforms"}));
  Capability capability;
  capability.origin = reader.origin();
  WARD_TRY_ASSIGN(capability.identifier, identifier_of(document, reader, true));
  WARD_TRY_ASSIGN(capability.description, reader.string("description", false));
  WARD_TRY_ASSIGN(capability.local, reader.boolean("local", true));
  WARD_TRY_ASSIGN(capability.windows, reader.strings("windows"));
  WARD_TRY_ASSIGN(capability.webviews, reader.strings("webviews"));
  WARD_TRY_ASSIGN(capability.platforms, reader.platforms());
  const Node *remote = nullptr;
  WARD_TRY_ASSIGN(remote, reader.table("remote"));
  if (remote) {
    const TableReader remote_reader(document, *remote, "`remote`");
    WARD_TRY(remote_reader.only({"urls"}));
    WARD_TRY_ASSIGN(capability.remote_urls, remote_reader.strings("urls"));
  }
  const Node *permissions = table.find("permissions");
  if (!permissions) return document_error(document, table, "a capability needs `permissions`");
  if (permissions->kind != Kind::array) return document_error(document, *permissions, "`permissions` must be an array");
  for (const auto &item : permissions->items) {
    auto entry = read_entry(document, item);
    if (!entry) return std::move(entry).assume_error();
    capability.permissions.push_back(std::move(entry).assume_value());
  }
  return capability;
}

} // namespace

result<std::vector<Capability>> read_capabilities(const Source &source, Diagnostics &diagnostics) {
  auto parsed = parse_document(source);
  if (!parsed) return std::move(parsed).assume_error();
  parsed.value().diagnostics = &diagnostics;
  const Document &document = parsed.value();
  std::vector<Capability> out;
  if (const Node *list = document.root.find("capabilities"); list && !document.root.find("identifier")) {
    const TableReader top(document, document.root, "a capability list");
    WARD_TRY(top.only({"capabilities"}));
    if (list->kind != Kind::array) return document_error(document, *list, "`capabilities` must be an array");
    for (const auto &item : list->items) {
      if (item.kind != Kind::table) return document_error(document, item, "each capability must be a table");
      auto capability = read_capability(document, item);
      if (!capability) return std::move(capability).assume_error();
      out.push_back(std::move(capability).assume_value());
    }
    return out;
  }
  auto capability = read_capability(document, document.root);
  if (!capability) return std::move(capability).assume_error();
  out.push_back(std::move(capability).assume_value());
  return out;
}

void add_command_permissions(PluginPermissions &plugin, std::string_view command) {
  std::string name(command);
  std::replace(name.begin(), name.end(), '_', '-');
  for (const bool allow : {true, false}) {
    Permission permission;
    permission.identifier = (allow ? "allow-" : "deny-") + name;
    permission.description = std::string(allow ? "Enables" : "Denies") + " the " + std::string(command) +
                             " command without any pre-configured scope.";
    (allow ? permission.allow_commands : permission.deny_commands).emplace_back(command);
    permission.origin = Origin{"(generated)", "command `" + std::string(command) + "`"};
    // A manifest may define the same permission by hand; the hand-written one wins.
    plugin.permissions.try_emplace(permission.identifier, std::move(permission));
  }
}

} // namespace ward::acl::detail
