// The fast paths of the invoke path give the answers of the slow paths they short-cut: the
// tape scan of the limits, the bulk decode of std::vector<double>, object member lookup, the
// callback-id parser, command-name validation and the access-control decision cache.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <charconv>
#include <cmath>
#include <limits>
#include <thread>

using namespace ward_test;
using ward::errc;

namespace {

ward::App echo_app(const ward::Limits &limits = {}) {
  ward::AppBuilder builder;
  builder.limits(limits).command("echo", [](ward::JsonValue v) { return ward::RawJson::from(v); },
                                 ward::arg_names{"v"});
  builder.command("doubles", [](std::vector<double> v) { return v; }, ward::arg_names{"v"});
  builder.command("sum", [](std::vector<double> v) {
    double total = 0;
    for (double x : v) total += x;
    return total;
  }, ward::arg_names{"v"});
  builder.command("nested", [](std::vector<std::vector<double>> v) { return v; }, ward::arg_names{"v"});
  builder.command("pair", [](std::int64_t a, std::string_view b) { return std::to_string(a) + std::string(b); },
                  ward::arg_names{"a", "longer_argument_name"});
  return build(builder);
}

} // namespace

TEST_CASE("limits: the tape scan reports the first offender exactly as the full walk") {
  ward::Limits limits;
  limits.max_string_bytes = 4;
  limits.max_array_length = 3;
  limits.max_object_keys = 2;
  const auto app = echo_app(limits);
  const auto error = [&](std::string_view body_json) {
    const auto response = invoke(app, "echo", body_json);
    CHECK(response.code == errc::limit_exceeded);
    return body(response);
  };
  // At the limits: accepted.
  CHECK(invoke(app, "echo", R"({"v":[["abcd"],[1,2,3]]})").ok());
  CHECK(invoke(app, "echo", R"({"v":{"abcd":[1.5,-2,3],"b":{"c":null}}})").ok());
  // One past them, deep inside, with the right wording for keys and values.
  CHECK(error(R"({"v":[1,[2,{"a":"abcde"}]]})") == R"x("a JSON string exceeds limit `max_string_bytes` (4)")x");
  CHECK(error(R"({"v":[1,[2,{"abcde":1}]]})") == R"x("a JSON object key exceeds limit `max_string_bytes` (4)")x");
  CHECK(error(R"({"v":[[1],[[1,2,3,4]]]})") == R"x("a JSON array exceeds limit `max_array_length` (3)")x");
  CHECK(error(R"({"v":[{"a":1,"b":2,"c":3}]})") == R"x("a JSON object exceeds limit `max_object_keys` (2)")x");
  // Several offenders: the first in document order is named.
  CHECK(error(R"({"v":[[1,2,3,4],"abcdefg"]})") == R"x("a JSON array exceeds limit `max_array_length` (3)")x");
  CHECK(error(R"({"v":["abcdefg",[1,2,3,4]]})") == R"x("a JSON string exceeds limit `max_string_bytes` (4)")x");
  // Numbers take two tape words; a string right after one is still seen.
  CHECK(error(R"({"v":[-7,18446744073709551615,"abcde"]})") ==
        R"x("a JSON string exceeds limit `max_string_bytes` (4)")x");
}

TEST_CASE("limits: a body too small to break a limit skips the walk, one byte more does not") {
  ward::Limits limits;
  limits.max_array_length = 8;
  const auto app = echo_app(limits);
  // 8 elements in a body of 25 bytes: 25 / 2 > 8, so the scan runs and accepts it.
  CHECK(invoke(app, "echo", R"({"v":[1,2,3,4,5,6,7,8]})").ok());
  const auto over = invoke(app, "echo", R"({"v":[1,2,3,4,5,6,7,8,9]})");
  CHECK(over.code == errc::limit_exceeded);
  CHECK(body(over).find("max_array_length") != std::string::npos);
  // With the default limits a small body never reaches them.
  const auto defaults = echo_app();
  CHECK(body(invoke(defaults, "echo", R"({"v":[1,"two",{"three":[3]}]})")) == R"([1,"two",{"three":[3]}])");
}

TEST_CASE("vector<double>: the bulk path decodes every number kind as the element path does") {
  const auto app = echo_app();
  CHECK(body(invoke(app, "doubles", R"({"v":[]})")) == "[]");
  CHECK(body(invoke(app, "doubles", R"({"v":[0,-0.0,1e-320,2.5e300,-9223372036854775808,18446744073709551615]})")) ==
        "[0,-0,1e-320,2.5e+300,-9223372036854775808,18446744073709551616]");
  // A large array (past any small-size shortcut) sums exactly as a loop does.
  std::string request = R"({"v":[)";
  double expected = 0;
  for (int i = 0; i < 100000; ++i) {
    const double x = (i % 2 ? -1.0 : 1.0) * (i * 0.125 + (i % 7 ? 0.5 : 0.0));
    expected += x;
    if (i) request += ',';
    char text[32];
    request.append(text, std::to_chars(text, text + sizeof text, x).ptr);
  }
  request += "]}";
  double got = 0;
  const std::string answer = body(invoke(app, "sum", request));
  std::from_chars(answer.data(), answer.data() + answer.size(), got);
  CHECK(got == expected);
  CHECK(body(invoke(app, "nested", R"({"v":[[1,2],[],[3.5]]})")) == "[[1,2],[],[3.5]]");
}

TEST_CASE("vector<double>: the bulk path refuses what the element path refuses, with its message") {
  const auto app = echo_app();
  const auto refusal = [&](std::string_view value_json) {
    return body(invoke(app, "doubles", R"({"v":)" + std::string(value_json) + "}"));
  };
  CHECK(refusal(R"([1,"2"])") == R"("invalid args `v` for command `doubles`: invalid type: expected f64, got string at `v[1]`")");
  CHECK(refusal(R"([1,2,[3]])") == R"("invalid args `v` for command `doubles`: invalid type: expected f64, got sequence at `v[2]`")");
  CHECK(refusal(R"([true])") == R"("invalid args `v` for command `doubles`: invalid type: expected f64, got boolean at `v[0]`")");
  CHECK(refusal(R"([1,null])") == R"("invalid args `v` for command `doubles`: invalid type: expected f64, got null at `v[1]`")");
  CHECK(refusal(R"([{"x":1}])") == R"("invalid args `v` for command `doubles`: invalid type: expected f64, got map at `v[0]`")");
  // An empty container takes two tape words, as a number does: the bulk copy has begun before
  // it meets one, and must take its elements back.
  CHECK(refusal(R"([1.5,[]])") == R"("invalid args `v` for command `doubles`: invalid type: expected f64, got sequence at `v[1]`")");
  CHECK(refusal(R"([{},2.5,-3])") == R"("invalid args `v` for command `doubles`: invalid type: expected f64, got map at `v[0]`")");
  CHECK(refusal(R"({"0":1})") == R"("invalid args `v` for command `doubles`: invalid type: expected a sequence, got map")");
  CHECK(refusal("1.5") == R"("invalid args `v` for command `doubles`: invalid type: expected a sequence, got floating point number")");
  CHECK(body(invoke(app, "nested", R"({"v":[[1],[2,"x"]]})")) ==
        R"("invalid args `v` for command `nested`: invalid type: expected f64, got string at `v[1][1]`")");
  // Not numbers JSON knows: refused by the parser before any decoding.
  for (const char *bad : {"[NaN]", "[Infinity]", "[-Infinity]", "[1e400]", "[01]", "[1.]", "[.5]", "[+1]", "[0x10]"}) {
    const auto response = invoke(app, "doubles", R"({"v":)" + std::string(bad) + "}");
    INFO(bad);
    CHECK(response.code == errc::invalid_request);
  }
}

TEST_CASE("object member lookup finds arguments by exact name, after any value") {
  const auto app = echo_app();
  CHECK(body(invoke(app, "pair", R"({"longerArgumentName":"x","a":1})")) == R"("1x")");
  CHECK(body(invoke(app, "pair", R"({"skip":[1,{"a":2}],"a":3,"longerArgumentName":"y"})")) == R"("3y")");
  CHECK(body(invoke(app, "pair", R"({"A":1,"a":4,"longerArgumentNamE":"no","longerArgumentName":"z"})")) == R"("4z")");
  const auto missing = invoke(app, "pair", R"({"longerArgumentName":"x","aa":1})");
  CHECK(missing.code == errc::invalid_args);
  CHECK(body(missing).find("missing required key a") != std::string::npos);
}

TEST_CASE("callback ids: the digit parser accepts and refuses what std::from_chars does") {
  const auto app = echo_app();
  const auto with_callback = [&](std::string callback) {
    TauriRequest request{.url = "ipc://localhost/echo", .body = R"({"v":1})", .key = std::string(app.invoke_key())};
    request.callback = std::move(callback);
    return app.invoke(request.build());
  };
  CHECK(with_callback("0").callback_id == 0);
  CHECK(with_callback("7").callback_id == 7);
  CHECK(with_callback("12345678").callback_id == 12345678);
  CHECK(with_callback("3181223012").callback_id == 3181223012u);
  CHECK(with_callback("4294967295").callback_id == 4294967295u);
  CHECK(with_callback("0000000000004294967295").callback_id == 4294967295u);
  CHECK(with_callback(" \t42 ").callback_id == 42);
  for (const char *bad : {"", " ", "4294967296", "99999999999", "12345678x", "1234567x9", "-1", "+1", "1 2", "0x10", "１"}) {
    INFO(bad);
    CHECK(with_callback(bad).code == errc::invalid_request);
  }
}

TEST_CASE("command names: the byte table accepts exactly what CommandName::parse accepts") {
  for (int c = 0; c < 256; ++c) {
    const std::string name = std::string("a") + static_cast<char>(c);
    INFO(c);
    CHECK(ward::is_valid_command_name(name) == ward::CommandName::parse(name).has_value());
  }
  CHECK_FALSE(ward::is_valid_command_name(""));
  CHECK(ward::is_valid_command_name(std::string(256, 'x')));
  CHECK_FALSE(ward::is_valid_command_name(std::string(257, 'x')));
}

namespace {

ward::acl::PolicyInput cache_input() {
  ward::acl::PolicyInput input;
  input.commands = {"greet", "plugin:fs|read_file", "secret"};
  input.capabilities.push_back(ward::acl::Source{
      "main.json", R"({"identifier":"main","windows":["main","pop-*"],"permissions":["allow-greet"]})",
      ward::acl::Format::json});
  input.capabilities.push_back(ward::acl::Source{
      "remote.json",
      R"({"identifier":"remote","windows":["main"],"remote":{"urls":["https://*.example.com"]},"permissions":["allow-greet","allow-secret"]})",
      ward::acl::Format::json});
  input.capabilities.push_back(ward::acl::Source{
      "deny.json", R"({"identifier":"deny","webviews":["side"],"permissions":["deny-greet"]})", ward::acl::Format::json});
  return input;
}

std::vector<ward::acl::AccessRequest> cache_requests() {
  std::vector<ward::acl::AccessRequest> requests;
  for (std::string_view command : {"greet", "plugin:fs|read_file", "secret", "nope", "gree"})
    for (std::string_view window : {"main", "pop-1", "pop-", "other", "mai"})
      for (std::string_view webview : {"main", "side", ""})
        for (std::string_view origin : {"tauri://localhost", "tauri://localhost/x?y", "http://tauri.localhost",
                                        "https://a.example.com", "https://example.com", "tauri://localhostx", ""})
          requests.push_back({command, window, webview, origin});
  return requests;
}

} // namespace

TEST_CASE("the decision cache answers as a fresh decision does, before and after add_capability") {
  auto resolved = ward::acl::Policy::resolve(cache_input());
  REQUIRE(resolved);
  const ward::acl::Policy policy = resolved.value();
  const auto requests = cache_requests();
  std::size_t allowed = 0;
  for (int round = 0; round < 3; ++round) { // round 0 fills the cache, the others read it
    for (const auto &request : requests) {
      const bool fresh = policy.decide(request);
      INFO(request.command << " " << request.window << " " << request.webview << " " << request.origin);
      CHECK(policy.allows(request) == fresh);
      if (round == 0 && fresh) ++allowed;
    }
  }
  CHECK(allowed > 0);
  CHECK(allowed < requests.size());
  // Each request is cached at most once (nothing is pushed out, so nothing is cached twice);
  // a few may find their probed slots taken. Copies share the cache.
  CHECK(policy.cached_decisions() <= requests.size());
  CHECK(policy.cached_decisions() >= requests.size() * 9 / 10);
  const ward::acl::Policy copy = policy;
  CHECK(copy.cached_decisions() == policy.cached_decisions());

  // An app's policy after add_capability decides anew: a cached denial does not survive it.
  ward::AppBuilder builder;
  builder.command("greet", [] { return 1; });
  const auto app = [&] {
    auto built = builder.build();
    REQUIRE(built);
    return std::move(built).assume_value();
  }();
  const auto greet = [&](std::string window) {
    TauriRequest request{.url = "ipc://localhost/greet", .body = "{}", .key = std::string(app.invoke_key())};
    request.window = std::move(window);
    return app.invoke(request.build()).code;
  };
  CHECK(greet("main") == errc::not_allowed);
  CHECK(greet("main") == errc::not_allowed); // cached
  REQUIRE(app.add_capability(ward::acl::Source{
      "late.json", R"({"identifier":"late","windows":["main"],"permissions":["allow-greet"]})", ward::acl::Format::json}));
  CHECK(greet("main") == errc::ok);
  CHECK(greet("other") == errc::not_allowed);
  REQUIRE(app.add_capability(ward::acl::Source{
      "late-deny.json", R"({"identifier":"late-deny","windows":["main"],"permissions":["deny-greet"]})",
      ward::acl::Format::json}));
  CHECK(greet("main") == errc::not_allowed);
}

TEST_CASE("the decision cache stays bounded and correct when full or hammered from threads") {
  auto resolved = ward::acl::Policy::resolve(cache_input());
  REQUIRE(resolved);
  const ward::acl::Policy policy = resolved.value();
  // More distinct requests than the cache keeps: every answer is still right.
  std::vector<std::string> windows;
  for (int i = 0; i < 6000; ++i) windows.push_back("pop-" + std::to_string(i));
  for (const auto &window : windows) {
    const ward::acl::AccessRequest request{"greet", window, "main", "tauri://localhost"};
    REQUIRE(policy.allows(request));
    REQUIRE(policy.allows(request));
  }
  CHECK(policy.cached_decisions() <= 1024);
  // An overlong request is decided, never cached.
  const std::string long_window = "pop-" + std::string(5000, 'x');
  CHECK(policy.allows({"greet", long_window, "main", "tauri://localhost"}));
  CHECK(policy.cached_decisions() <= 1024);

  auto fresh_resolved = ward::acl::Policy::resolve(cache_input());
  REQUIRE(fresh_resolved);
  const ward::acl::Policy shared = fresh_resolved.value();
  const auto requests = cache_requests();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round)
        for (std::size_t i = static_cast<std::size_t>(t); i < requests.size(); i += 2)
          if (shared.allows(requests[i]) != shared.decide(requests[i])) ++wrong;
    });
  }
  for (auto &thread : threads) thread.join();
  CHECK(wrong == 0);
}
