// The access-control rules, one test per rule, including each Tauri weakness ward fixes.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <thread>

using namespace ward_test;
using ward::errc;
using ward::acl::Format;
using ward::acl::Source;

namespace {

Source json(std::string name, std::string text) { return Source{std::move(name), std::move(text), Format::json}; }
Source toml(std::string name, std::string text) { return Source{std::move(name), std::move(text), Format::toml}; }

/// An app with commands `greet` and `plugin:fs|read_file`, an fs manifest, and the capabilities given.
ward::App app_with(std::vector<Source> capabilities, std::vector<std::string> app_origins = {},
                   ward::AuditSink audit = {}) {
  ward::AppBuilder builder;
  builder.command("greet", [] { return std::string("hi"); });
  builder.command("plugin:fs|read_file", [] { return std::string("file"); });
  builder.permissions("fs", toml("fs.toml", R"(
[[permission]]
identifier = "allow-home"
[[permission.scope.allow]]
path = "$HOME/**"
[[permission]]
identifier = "read-scoped"
commands.allow = ["read_file"]
[[permission.scope.allow]]
path = "$APPDATA/*"
[[permission.scope.deny]]
path = "$APPDATA/secret"
)"));
  for (auto &capability : capabilities) builder.capability(std::move(capability));
  if (!app_origins.empty()) builder.app_origins(std::move(app_origins));
  if (audit) builder.audit_sink(std::move(audit));
  auto built = builder.build();
  if (!built) throw std::runtime_error(built.error().message());
  return std::move(built).assume_value();
}

ward::Response call(const ward::App &app, std::string_view command, std::string origin = "tauri://localhost",
                    std::string window = "main", std::string webview = "main") {
  TauriRequest request{.url = "ipc://localhost/" + std::string(command), .key = std::string(app.invoke_key())};
  request.origin = std::move(origin);
  request.window = std::move(window);
  request.webview = std::move(webview);
  return app.invoke(request.build());
}

} // namespace

TEST_CASE("default-deny: an app command without a capability is denied, from any origin") {
  // Tauri skips the ACL for app commands when the app has no permission manifest.
  const auto app = app_with({});
  for (std::string origin : {"tauri://localhost", "https://evil.example"}) {
    const auto response = call(app, "greet", origin);
    CHECK(response.code == errc::not_allowed);
    CHECK(body(response) == R"("Command greet not allowed by ACL")");
  }
  CHECK(call(app, "plugin:fs|read_file").code == errc::not_allowed);
}

TEST_CASE("a denied request never reaches its handler and is audited") {
  std::atomic<int> ran = 0;
  std::vector<std::string> audited;
  ward::AppBuilder builder;
  builder.command("greet", [&] { return ++ran; });
  builder.audit_sink([&](const ward::AuditRecord &record) {
    audited.push_back(std::string(record.command) + "@" + std::string(record.window) + "@" + std::string(record.origin));
    CHECK(record.invoke_id != 0);
  });
  const auto app = std::move(builder.build()).value();
  CHECK(call(app, "greet").code == errc::not_allowed);
  CHECK(ran == 0);
  REQUIRE(audited.size() == 1);
  CHECK(audited[0] == "greet@main@tauri://localhost");
}

TEST_CASE("allowed iff the context matches and a window or webview glob matches") {
  const auto app = app_with({json("cap.json", R"({"identifier":"main","windows":["main*"],"webviews":["panel-?"],
                                                   "permissions":["allow-greet"]})")});
  CHECK(call(app, "greet", "tauri://localhost", "main").ok());
  CHECK(call(app, "greet", "tauri://localhost", "main-2", "x").ok());       // window glob
  CHECK(call(app, "greet", "tauri://localhost", "other", "panel-1").ok());  // webview glob alone suffices
  CHECK(call(app, "greet", "tauri://localhost", "other", "panel-12").code == errc::not_allowed);
  CHECK(call(app, "greet", "https://tauri.app", "main").code == errc::not_allowed); // local capability only
  CHECK(call(app, "plugin:fs|read_file").code == errc::not_allowed);         // never granted
}

TEST_CASE("remote capabilities follow Tauri's URL pattern defaults") {
  const auto app = app_with({json("remote.json", R"({"identifier":"remote","local":false,"windows":["main"],
      "remote":{"urls":["https://tauri.app","https://*.example.com/app/*"]},"permissions":["allow-greet"]})")});
  CHECK(call(app, "greet", "https://tauri.app").ok());
  CHECK(call(app, "greet", "https://tauri.app/any/path?q=1#frag").ok()); // empty path, search, hash: anything
  CHECK(call(app, "greet", "https://tauri.app:8443/").ok());             // an unwritten port: any port
  CHECK(call(app, "greet", "https://api.example.com/app/x").ok());
  CHECK(call(app, "greet", "https://api.example.com/other").code == errc::not_allowed);
  CHECK(call(app, "greet", "https://example.com/app/x").code == errc::not_allowed); // `*.` needs a label
  CHECK(call(app, "greet", "http://tauri.app").code == errc::not_allowed);
  CHECK(call(app, "greet", "https://tauri.app.evil.com").code == errc::not_allowed);
  CHECK(call(app, "greet", "tauri://localhost").code == errc::not_allowed); // local = false
  CHECK(call(app, "greet", "not a url").code == errc::not_allowed);
}

TEST_CASE("a deny applies only where its own context and windows match") {
  // Tauri denies the command everywhere once any deny grant exists for it.
  const auto app = app_with({
      json("main.json", R"({"identifier":"main","windows":["main","external"],"permissions":["allow-greet"]})"),
      json("external.json", R"({"identifier":"external","windows":["external"],"permissions":["deny-greet"]})"),
      json("remote-deny.json", R"({"identifier":"remote-deny","local":false,"windows":["main"],
                                   "remote":{"urls":["https://evil.example"]},"permissions":["deny-greet"]})"),
  });
  CHECK(call(app, "greet", "tauri://localhost", "main").ok());
  CHECK(call(app, "greet", "tauri://localhost", "external").code == errc::not_allowed); // deny wins where it applies
}

TEST_CASE("deny wins over allow for the same request") {
  const auto app = app_with({json("cap.json", R"({"identifier":"both","windows":["main"],
                                                   "permissions":["allow-greet","deny-greet"]})")});
  CHECK(call(app, "greet").code == errc::not_allowed);
}

TEST_CASE("local means an app origin exactly, never a prefix or a first label") {
  const auto app = app_with({json("cap.json", R"({"identifier":"main","windows":["main"],"permissions":["allow-greet"]})")},
                            {"tauri://localhost", "http://tauri.localhost", "app://main"});
  CHECK(call(app, "greet", "tauri://localhost").ok());
  CHECK(call(app, "greet", "tauri://localhost/index.html?x#y").ok());
  CHECK(call(app, "greet", "http://tauri.localhost").ok());
  CHECK(call(app, "greet", "http://tauri.localhost:80/").ok());
  CHECK(call(app, "greet", "TAURI://LOCALHOST").ok());
  CHECK(call(app, "greet", "app://main/page").ok());
  for (std::string remote : {"http://tauri.localhost.evil.com", "tauri://localhost.evil.com", "http://tauri.evil.com",
                             "http://app.evil.com", "https://tauri.localhost", "http://tauri.localhost:8080",
                             "http://user@tauri.localhost", "tauri:/localhost", "app://main.evil"}) {
    INFO(remote);
    CHECK(call(app, "greet", remote).code == errc::not_allowed);
  }
}

namespace {
struct PathScope {
  std::string path;
};
} // namespace
WARD_DESCRIBE(PathScope, path);

TEST_CASE("handlers receive their scopes typed, from the grants that matched") {
  ward::Scopes<PathScope> seen;
  ward::AppBuilder builder;
  builder.command("plugin:fs|read_file", [&](ward::Scopes<PathScope> scopes) {
    seen = scopes;
    return 0;
  });
  builder.permissions("fs", toml("fs.toml", R"(
[[permission]]
identifier = "allow-home"
[[permission.scope.allow]]
path = "$HOME/**"
[[permission]]
identifier = "allow-tmp"
[[permission.scope.allow]]
path = "$TEMP/**"
[[permission]]
identifier = "read-scoped"
commands.allow = ["read_file"]
[[permission.scope.allow]]
path = "$APPDATA/*"
[[permission.scope.deny]]
path = "$APPDATA/secret"
)"));
  builder.capability(json("main.json", R"({"identifier":"main","windows":["main"],"permissions":[
      {"identifier":"fs:read-scoped","allow":[{"path":"$DOCS/*"}]},"fs:allow-home"]})"));
  // A global scope from a capability for another window must not reach `main`'s requests.
  builder.capability(json("other.json", R"({"identifier":"other","windows":["other"],"permissions":["fs:allow-tmp"]})"));
  const auto app = std::move(builder.build()).value();
  REQUIRE(call(app, "plugin:fs|read_file").ok());
  const auto paths = [](const std::vector<PathScope> &scopes) {
    std::vector<std::string> out;
    for (const auto &scope : scopes) out.push_back(scope.path);
    return out;
  };
  CHECK(paths(seen.allow) == std::vector<std::string>{"$DOCS/*", "$APPDATA/*"}); // the entry's extra first
  CHECK(paths(seen.deny) == std::vector<std::string>{"$APPDATA/secret"});
  CHECK(paths(seen.global_allow) == std::vector<std::string>{"$HOME/**"});
  CHECK(seen.global_deny.empty());
}

TEST_CASE("a scope entry that does not fit the handler's type is an internal error, logged") {
  std::string detail;
  ward::AppBuilder builder;
  builder.log_sink([&](const ward::LogRecord &record) { detail = record.detail; });
  builder.command("plugin:fs|read_file", [](ward::Scopes<int>) { return 0; });
  builder.capability(json("main.json", R"({"identifier":"main","windows":["main"],"permissions":[
      {"identifier":"fs:allow-read-file","allow":[{"path":"x"}]}]})"));
  const auto app = std::move(builder.build()).value();
  const auto response = call(app, "plugin:fs|read_file");
  CHECK(response.code == errc::internal);
  CHECK(body(response) == R"("internal error")");
  CHECK(detail.find("scope entry") != std::string::npos);
}

TEST_CASE("capabilities added at run time take effect at once; a bad one changes nothing") {
  const auto app = app_with({});
  CHECK(call(app, "greet").code == errc::not_allowed);
  auto bad = app.add_capability(json("bad.json", R"({"identifier":"bad","windows":["main"],"permissions":["nope"]})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().find("bad.json") != std::string::npos);
  CHECK(call(app, "greet").code == errc::not_allowed);
  REQUIRE(app.add_capability(json("late.json", R"({"identifier":"late","windows":["main"],"permissions":["allow-greet"]})")));
  CHECK(call(app, "greet").ok());
  CHECK(app.policy().capability_identifiers() == std::vector<std::string>{"late"});
}

TEST_CASE("decisions in flight see a whole policy while capabilities are added") {
  const auto app = app_with({json("base.json", R"({"identifier":"base","windows":["main"],"permissions":["allow-greet"]})")});
  std::atomic<bool> stop = false;
  std::atomic<int> wrong = 0;
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t)
    readers.emplace_back([&] {
      while (!stop) {
        if (!call(app, "greet").ok()) ++wrong; // granted by every policy version
        if (call(app, "plugin:fs|read_file", "tauri://localhost", "nobody").ok()) ++wrong; // by none
      }
    });
  for (int i = 0; i < 40; ++i)
    REQUIRE(app.add_capability(json("cap" + std::to_string(i) + ".json",
                                    R"({"identifier":"cap)" + std::to_string(i) +
                                        R"(","windows":["w)" + std::to_string(i) + R"("],"permissions":["fs:allow-read-file"]})")));
  stop = true;
  for (auto &reader : readers) reader.join();
  CHECK(wrong == 0);
  CHECK(call(app, "plugin:fs|read_file", "tauri://localhost", "w39").ok());
}

TEST_CASE("explain says why, in release builds, as JSON") {
  const auto app = app_with({json("main.json", R"({"identifier":"main","windows":["main"],"permissions":["allow-greet"]})"),
                             json("deny.json", R"({"identifier":"no-fs","windows":["main"],"permissions":["fs:deny-read-file","fs:allow-read-file"]})")});
  const auto allowed = app.explain({"greet", "main", "main", "tauri://localhost"});
  CHECK(allowed.find(R"("decision":"allowed")") != std::string::npos);
  CHECK(allowed.find(R"("capability":"main")") != std::string::npos);
  CHECK(allowed.find(R"("permission":"allow-greet")") != std::string::npos);
  const auto other_window = app.explain({"greet", "settings", "settings", "tauri://localhost"});
  CHECK(other_window.find(R"("decision":"denied")") != std::string::npos);
  CHECK(other_window.find(R"("mismatch":["window_or_webview"])") != std::string::npos);
  CHECK(other_window.find("add window `settings`") != std::string::npos);
  const auto denied = app.explain({"plugin:fs|read_file", "main", "main", "tauri://localhost"});
  CHECK(denied.find("deny grant matches") != std::string::npos);
  CHECK(denied.find("remove `fs:deny-read-file` from capability `no-fs`") != std::string::npos);
  const auto never = app_with({}).explain({"greet", "main", "main", "https://x.example"});
  CHECK(never.find(R"("origin_kind":"remote")") != std::string::npos);
  CHECK(never.find("add `allow-greet`") != std::string::npos);
}

TEST_CASE("identifiers follow Tauri's grammar; errors name the rule") {
  using ward::acl::validate_identifier;
  for (std::string_view good : {"fs:read", "allow-read-file", "core:event:allow-listen", "preFix:base", "a1:b-2"})
    CHECK(validate_identifier(good));
  const std::vector<std::pair<std::string, std::string>> bad{
      {"", "empty"},
      {"-a", "starts with a hyphen"},
      {"a-", "ends with a hyphen"},
      {"a--b", "single"},
      {"a:b:c", "only one `:`"},
      {"a:", "needs a name"},
      {"a_b", "only ASCII letters"},
      {"tauri-plugin-fs:read", "tauri-plugin-"},
      {std::string(117, 'a'), "longer than 116"},
      {"caf\xc3\xa9", "\\xc3"},
      {"a\x01", "\\x01"},
  };
  for (const auto &[identifier, rule] : bad) {
    INFO(identifier);
    auto result = validate_identifier(identifier);
    REQUIRE_FALSE(result);
    CHECK(result.error().message().find(rule) != std::string::npos);
  }
}

TEST_CASE("bad files are reported with the file, the position and what is wrong") {
  const auto resolve_error = [](std::vector<Source> capabilities, std::vector<Source> manifests = {}) {
    ward::acl::PolicyInput input;
    input.plugins.push_back({"fs", std::move(manifests)});
    input.capabilities = std::move(capabilities);
    input.commands = {"greet"};
    auto policy = ward::acl::Policy::resolve(input);
    REQUIRE_FALSE(policy);
    return policy.error().message();
  };
  const auto cap = [](std::string permissions, std::string extra = "") {
    return json("cap.json", R"({"identifier":"c","windows":["main"],"permissions":)" + permissions + extra + "}");
  };
  CHECK(resolve_error({toml("broken.toml", "identifier = \"c\"\npermissions = [\n")}).starts_with("broken.toml: line "));
  CHECK(resolve_error({json("broken.json", R"({"identifier": "c",)")}).starts_with("broken.json: invalid JSON"));
  CHECK(resolve_error({cap(R"(["allow-greet"])", R"(,"colour":"red")")}) ==
        "cap.json: /colour: unknown field `colour` in a capability");
  CHECK(resolve_error({cap(R"(["fs:nope"])")}) == "cap.json: /permissions/0: unknown permission `fs:nope`");
  CHECK(resolve_error({cap(R"(["dialog:open"])")}) ==
        "cap.json: /permissions/0: unknown plugin `dialog` in permission `dialog:open`");
  CHECK(resolve_error({cap(R"(["Bad Id"])")}).find("cap.json: /permissions/0: invalid identifier `Bad Id`") == 0);
  CHECK(resolve_error({cap(R"(["fs:a"])")}, {toml("cycle.toml", R"(
[[set]]
identifier = "a"
permissions = ["b"]
[[set]]
identifier = "b"
permissions = ["a"]
)")}).find("permission sets form a cycle: fs:a -> fs:b -> fs:a") != std::string::npos);
  CHECK(resolve_error({json("glob.json", R"({"identifier":"c","windows":["ma[in"],"permissions":["allow-greet"]})")})
            .find("invalid glob `ma[in`") != std::string::npos);
  CHECK(resolve_error({json("url.json", R"({"identifier":"c","windows":["m"],"remote":{"urls":["tauri.app"]},
                                            "permissions":["allow-greet"]})")})
            .find("invalid remote URL pattern `tauri.app`") != std::string::npos);
  CHECK(resolve_error({json("empty.json", R"({"identifier":"c","windows":[""],"permissions":["allow-greet"]})")})
            .find("an empty window or webview glob matches nothing") != std::string::npos);
  CHECK(resolve_error({json("huge.json", R"({"identifier":"c","windows":[")" + std::string(2000, 'w') +
                                             R"("],"permissions":["allow-greet"]})")})
            .find("longer than 1024 bytes") != std::string::npos);
  CHECK(resolve_error({toml("nul.toml", std::string("identifier = \"c\"\0", 17))}) == "nul.toml: the file contains a NUL byte");
  CHECK(resolve_error({json("utf8.json", "{\"identifier\":\"c\xff\"}")}) == "utf8.json: the file is not valid UTF-8");
  CHECK(resolve_error({cap(R"(["allow-greet"])"), cap(R"(["allow-greet"])")}).find("capability `c` is defined twice") !=
        std::string::npos);
  CHECK(resolve_error({cap(R"(["allow-greet"])", R"(,"platforms":["beos"])")}).find("unknown platform `beos`") !=
        std::string::npos);
  CHECK(resolve_error({cap(R"(["allow-greet"])")}, {toml("perm.toml", R"(
[[permission]]
identifier = "x"
commands.allow = "read_file"
)")}) == "perm.toml: line 4, column 18: `allow` must be an array of strings");
}

TEST_CASE("platform-specific capabilities and permissions apply only on their platform") {
  for (auto [platform, expect] : {std::pair{ward::acl::Platform::Linux, true}, std::pair{ward::acl::Platform::Windows, false}}) {
    ward::AppBuilder builder;
    builder.command("greet", [] { return 1; });
    builder.acl_platform(platform);
    builder.capability(json("cap.json", R"({"identifier":"c","windows":["main"],"platforms":["linux"],"permissions":["allow-greet"]})"));
    const auto app = std::move(builder.build()).value();
    CHECK(call(app, "greet").ok() == expect);
  }
}

TEST_CASE("core:default resolves even before ward has built-in commands") {
  const auto app = app_with({json("cap.json", R"({"identifier":"c","windows":["main"],"permissions":["core:default","allow-greet"]})")});
  CHECK(call(app, "greet").ok());
}

TEST_CASE("a policy lists its capabilities and every grant with the entry it came from") {
  ward::acl::PolicyInput input;
  input.commands = {"greet", "plugin:fs|read_file"};
  input.plugins.push_back({"fs", {toml("fs.toml", R"(
[[permission]]
identifier = "allow-home"
[[permission.scope.allow]]
path = "$HOME/**"
)")}});
  input.capabilities.push_back(toml("main.toml", R"(
identifier = "main"
windows = ["main", "tool-*"]
remote.urls = ["https://*.example.com"]
permissions = ["allow-greet", "deny-greet", "fs:allow-read-file", "fs:allow-home"]
)"));
  input.capabilities.push_back(json("panel.json", R"({"identifier": "panel", "webviews": ["panel"], "permissions": []})"));
  auto resolved = ward::acl::Policy::resolve(input);
  if (!resolved) FAIL(resolved.error().message());
  const auto &policy = resolved.value();

  const auto capabilities = policy.capabilities();
  REQUIRE(capabilities.size() == 2);
  CHECK(capabilities[0].identifier == "main");
  CHECK(capabilities[0].file == "main.toml");
  CHECK(capabilities[0].local);
  CHECK(capabilities[0].remote_urls == std::vector<std::string>{"https://*.example.com"});
  CHECK(capabilities[0].windows == std::vector<std::string>{"main", "tool-*"});
  REQUIRE(capabilities[0].permissions.size() == 4);
  CHECK(capabilities[0].permissions[2].identifier == "fs:allow-read-file");
  CHECK(capabilities[0].permissions[2].position == "line 5, column 45");
  CHECK(capabilities[1].webviews == std::vector<std::string>{"panel"});
  CHECK(capabilities[1].permissions.empty());

  using Kind = ward::acl::GrantInfo::Kind;
  const auto grants = policy.grants();
  const auto count = [&](Kind kind, std::string_view command) {
    return std::count_if(grants.begin(), grants.end(), [&](const auto &g) { return g.kind == kind && g.command == command; });
  };
  CHECK(count(Kind::allow, "greet") == 2); // local and the remote pattern
  CHECK(count(Kind::deny, "greet") == 2);
  CHECK(count(Kind::allow, "plugin:fs|read_file") == 2);
  const auto read_file = std::find_if(grants.begin(), grants.end(), [](const auto &g) {
    return g.kind == Kind::allow && g.command == "plugin:fs|read_file" && !g.local;
  });
  REQUIRE(read_file != grants.end());
  CHECK(read_file->remote_urls == std::vector<std::string>{"https://*.example.com"});
  CHECK(read_file->capability == "main");
  CHECK(read_file->entry == "fs:allow-read-file");
  CHECK(read_file->permission == "fs:allow-read-file");
  CHECK(read_file->plugin == "fs");
  CHECK(read_file->file == "main.toml");
  CHECK_FALSE(read_file->scope);
  REQUIRE(grants.back().kind == Kind::global_scope);
  CHECK(grants.back().plugin == "fs");
  CHECK(grants.back().local);
  CHECK(grants.back().remote_urls == std::vector<std::string>{"https://*.example.com"});
  REQUIRE(grants.back().scope);
  CHECK(grants.back().scope->allow == std::vector<std::string>{R"({"path":"$HOME/**"})"});
  CHECK(count(Kind::global_scope, "") == 1);

  CHECK(policy.capabilities_for("tool-1", "tool-1") == std::vector<std::string>{"main"});
  CHECK(policy.capabilities_for("other", "panel") == std::vector<std::string>{"panel"});
  CHECK(policy.capabilities_for("panel", "other").empty()); // panel is a webview glob only
  CHECK(policy.capabilities_for("other", "other").empty());
}
