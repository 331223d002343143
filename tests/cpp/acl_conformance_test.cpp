// Tauri's own ACL cases (tests/data/conformance/tauri-acl) and tauri-plugin-fs's real manifests
// (tests/data/tauri-permissions/fs), resolved by ward and compared with the expected results.
#include <ward/acl.hpp>

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

/// JSON with object keys sorted and every array sorted as a multiset: the conformance
/// README compares lists as sets, duplicates included.
std::string canonical(simdjson::dom::element element) {
  switch (element.type()) {
  case simdjson::dom::element_type::OBJECT: {
    std::vector<std::pair<std::string, std::string>> members;
    simdjson::dom::object object = element.get_object().value_unsafe();
    for (auto member : object)
      members.emplace_back(std::string(member.key), canonical(member.value));
    std::sort(members.begin(), members.end());
    std::string out = "{";
    for (const auto &[key, value] : members) out += "\"" + key + "\":" + value + ",";
    return out + "}";
  }
  case simdjson::dom::element_type::ARRAY: {
    std::vector<std::string> items;
    simdjson::dom::array array = element.get_array().value_unsafe();
    for (auto item : array) items.push_back(canonical(item));
    std::sort(items.begin(), items.end());
    std::string out = "[";
    for (const auto &item : items) out += item + ",";
    return out + "]";
  }
  default: return simdjson::minify(element);
  }
}

/// A global scope entry with empty allow and deny equals no entry.
std::string canonical_policy(const std::string &json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json).value();
  std::string out;
  for (const char *key : {"allowed_commands", "denied_commands"}) out += canonical(root[key].value()) + "|";
  std::vector<std::pair<std::string, std::string>> scopes;
  simdjson::dom::object global_scope = root["global_scope"].get_object().value();
  for (auto member : global_scope) {
    auto allow = member.value["allow"].get_array().value();
    auto deny = member.value["deny"].get_array().value();
    if (allow.size() == 0 && deny.size() == 0) continue;
    scopes.emplace_back(std::string(member.key), canonical(member.value));
  }
  std::sort(scopes.begin(), scopes.end());
  for (const auto &[plugin, scope] : scopes) out += plugin + "=" + scope + ";";
  return out;
}

std::string read_text(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

ward::acl::Source source(const fs::path &path) {
  auto read = ward::acl::read_source(path);
  REQUIRE(read.has_value());
  return std::move(read).value();
}

std::vector<fs::path> files_in(const fs::path &dir, std::string_view prefix = "") {
  std::vector<fs::path> out;
  for (const auto &entry : fs::recursive_directory_iterator(dir)) {
    const auto name = entry.path().filename().string();
    if (entry.is_regular_file() && name.starts_with(prefix) &&
        (entry.path().extension() == ".toml" || entry.path().extension() == ".json"))
      out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

const fs::path conformance_dir = WARD_CONFORMANCE_DIR;
const fs::path permissions_dir = WARD_TAURI_PERMISSIONS_DIR;

} // namespace

TEST_CASE("every Tauri ACL conformance case resolves to the expected result") {
  REQUIRE(fs::is_directory(conformance_dir / "capabilities"));
  int compared = 0;
  for (const auto &case_dir : fs::directory_iterator(conformance_dir / "capabilities")) {
    const std::string name = case_dir.path().filename().string();
    simdjson::dom::parser parser;
    const std::string plugins_json = read_text(case_dir.path() / "required-plugins.json");
    ward::acl::PolicyInput input;
    simdjson::dom::array required = parser.parse(plugins_json).get_array().value();
    for (auto plugin : required) {
      ward::acl::PluginManifests manifests{std::string(plugin.get_string().value()), {}};
      for (const auto &file : files_in(conformance_dir / "plugins" / manifests.plugin)) manifests.files.push_back(source(file));
      input.plugins.push_back(std::move(manifests));
    }
    for (const auto &file : files_in(case_dir.path(), "cap")) input.capabilities.push_back(source(file));

    std::vector<std::pair<fs::path, ward::acl::Platform>> variants;
    if (fs::exists(conformance_dir / "expected" / (name + ".json"))) {
      variants.emplace_back(conformance_dir / "expected" / (name + ".json"), ward::acl::Platform::Linux);
    } else {
      for (auto platform : {ward::acl::Platform::Linux, ward::acl::Platform::MacOS, ward::acl::Platform::Windows})
        variants.emplace_back(conformance_dir / "expected" / (name + "." + std::string(ward::acl::platform_name(platform)) + ".json"),
                              platform);
    }
    for (const auto &[expected_file, platform] : variants) {
      INFO("case " << name << " on " << ward::acl::platform_name(platform));
      REQUIRE(fs::exists(expected_file));
      input.platform = platform;
      auto policy = ward::acl::Policy::resolve(input);
      if (!policy) FAIL(policy.error().message());
      CHECK(canonical_policy(policy.value().resolved_json()) == canonical_policy(read_text(expected_file)));
      ++compared;
    }
  }
  CHECK(compared == 10); // 7 platform-independent cases + 3 platform variants
}

TEST_CASE("tauri-plugin-fs's real manifests load and resolve a typical capability") {
  REQUIRE(fs::is_directory(permissions_dir / "fs"));
  ward::acl::PluginManifests fs_manifests{"fs", {}};
  for (const auto &file : files_in(permissions_dir / "fs")) {
    if (file.string().find("schemas") != std::string::npos) continue;
    fs_manifests.files.push_back(source(file));
  }
  CHECK(fs_manifests.files.size() > 50);
  ward::acl::PolicyInput input;
  input.plugins.push_back(fs_manifests);
  SECTION("strict reading stops at the stray top-level [[scope.deny]] Tauri silently ignores") {
    auto strict = ward::acl::Policy::resolve(input);
    REQUIRE_FALSE(strict);
    CHECK(strict.error().message().find("deny-webview-data.toml: line 9, column 1: unknown field `scope`") !=
          std::string::npos);
  }
  input.unknown_fields_are_errors = false;
  input.capabilities.push_back(ward::acl::Source{"main.json", R"({
    "identifier": "main",
    "windows": ["main"],
    "permissions": [
      "fs:default",
      "fs:read-all",
      {"identifier": "fs:allow-appdata-read-recursive", "allow": [{"path": "$APPDATA/extra/**"}]}
    ]
  })", ward::acl::Format::json});
  auto resolved = ward::acl::Policy::resolve(input);
  if (!resolved) FAIL(resolved.error().message());
  const auto &policy = resolved.value();
  REQUIRE(policy.warnings().size() == 1);
  CHECK(policy.warnings()[0].find("deny-webview-data.toml") != std::string::npos);
  const auto request = [](std::string_view command) {
    return ward::acl::AccessRequest{command, "main", "main", "tauri://localhost"};
  };
  CHECK(policy.allows(request("plugin:fs|read_text_file")));
  CHECK(policy.allows(request("plugin:fs|read_dir")));
  CHECK(policy.allows(request("plugin:fs|mkdir")));         // fs:default creates app dirs
  CHECK_FALSE(policy.allows(request("plugin:fs|write_file"))); // never granted
  CHECK_FALSE(policy.allows(ward::acl::AccessRequest{"plugin:fs|read_dir", "other", "other", "tauri://localhost"}));
  const auto scopes = policy.scopes(request("plugin:fs|read_dir"));
  const auto has = [](const std::vector<std::string> &list, std::string_view needle) {
    return std::any_of(list.begin(), list.end(), [&](const std::string &e) { return e.find(needle) != std::string::npos; });
  };
  CHECK(has(scopes.global.allow, "$APPDATA/extra/**")); // the entry's extra scope on a scope-only permission
  CHECK(has(scopes.global.allow, "$APPDATA"));
}
