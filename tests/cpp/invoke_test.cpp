// The invoke path end to end: envelope, invoke key, command lookup, handler, response.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <array>

using namespace ward_test;
using ward::errc;

namespace {

ward::App greeter_app(ward::AppBuilder builder = {}) {
  builder.command(
      "greet", [](std::string_view name) { return "Hello, " + std::string(name) + "!"; }, ward::arg_names{"name"});
  builder.command(
      "add", [](std::int32_t a, std::int32_t b) { return a + b; }, ward::arg_names{"a", "b"});
  return build(builder);
}

} // namespace

TEST_CASE("a command called the way a Tauri page calls it answers with JSON") {
  const auto app = greeter_app();
  const auto response = invoke(app, "greet", R"({"name":"ward"})");
  CHECK(response.ok());
  CHECK(response.tauri_response() == "ok");
  CHECK(response.content_type() == "application/json");
  CHECK(body(response) == R"("Hello, ward!")");
  CHECK(response.callback_id == 11);
  CHECK(response.error_id == 12);
  CHECK(body(invoke(app, "add", R"({"a":2,"b":40})")) == "42");
}

TEST_CASE("the command is the URL-decoded path of the request URL, any URL form") {
  ward::AppBuilder builder;
  builder.command("plugin:demo|ping", [] { return std::string("pong"); });
  const auto app = build(builder);
  for (std::string url : {"ipc://localhost/plugin%3Ademo%7Cping", "http://ipc.localhost/plugin%3Ademo%7Cping",
                          "/plugin%3Ademo%7Cping", "plugin:demo|ping", "ipc://localhost/plugin%3Ademo%7Cping?x=1"}) {
    TauriRequest request{.url = url, .key = std::string(app.invoke_key())};
    const auto response = app.invoke(request.build());
    INFO(url);
    CHECK(body(response) == R"("pong")");
  }
}

TEST_CASE("an unknown command is answered with Tauri's message") {
  const auto app = greeter_app();
  const auto response = invoke(app, "nope", "{}");
  CHECK(response.code == errc::unknown_command);
  CHECK(response.tauri_response() == "error");
  CHECK(body(response) == R"("Command nope not found")");
}

TEST_CASE("a missing or wrong invoke key is answered with an explicit error, before any lookup") {
  const auto app = greeter_app();
  TauriRequest request{.url = "ipc://localhost/greet", .body = R"({"name":"x"})"};
  SECTION("missing") { request.send_key = false; }
  SECTION("wrong") { request.key = std::string(app.invoke_key().size(), 'a'); }
  SECTION("prefix of the real key") { request.key = std::string(app.invoke_key().substr(0, 10)); }
  SECTION("unknown command without the key does not reveal that it is unknown") {
    request.url = "ipc://localhost/nope";
    request.key = "guess";
  }
  const auto response = app.invoke(request.build());
  CHECK(response.code == errc::invalid_invoke_key);
  CHECK(body(response) == R"("invalid invoke key")");
  CHECK(response.callback_id == 11);
}

TEST_CASE("invoke keys are 64 hex digits and differ per app") {
  const auto a = greeter_app();
  const auto b = greeter_app();
  CHECK(a.invoke_key().size() == 64);
  CHECK(a.invoke_key().find_first_not_of("0123456789abcdef") == std::string_view::npos);
  CHECK(a.invoke_key() != b.invoke_key());
}

TEST_CASE("bad arguments name the command and the key, never an internal detail") {
  const auto app = greeter_app();
  SECTION("missing key") {
    const auto response = invoke(app, "greet", "{}");
    CHECK(response.code == errc::invalid_args);
    CHECK(body(response) == R"("invalid args `name` for command `greet`: command greet missing required key name")");
  }
  SECTION("wrong type") {
    const auto response = invoke(app, "add", R"({"a":"2","b":1})");
    CHECK(response.code == errc::invalid_args);
    CHECK(body(response) == R"("invalid args `a` for command `add`: invalid type: expected i32, got string")");
  }
  SECTION("out of range") {
    const auto response = invoke(app, "add", R"({"a":2147483648,"b":1})");
    CHECK(body(response) ==
          R"("invalid args `a` for command `add`: number 2147483648 is out of range for i32")");
  }
  SECTION("not an object") {
    const auto response = invoke(app, "add", "[1,2]");
    CHECK(response.code == errc::invalid_args);
  }
  SECTION("malformed JSON") {
    const auto response = invoke(app, "add", R"({"a":1,)");
    CHECK(response.code == errc::invalid_request);
    CHECK(body(response) == R"("request body is not valid JSON")");
  }
}

TEST_CASE("camelCase argument keys by default, snake_case per command") {
  ward::AppBuilder builder;
  builder.command(
      "camel", [](std::string_view file_path) { return std::string(file_path); }, ward::arg_names{"file_path"});
  builder.command(
      "snake", [](std::string_view file_path) { return std::string(file_path); }, ward::arg_names{"file_path"},
      ward::CommandOptions{.arg_case = ward::ArgCase::snake});
  const auto app = build(builder);
  CHECK(body(invoke(app, "camel", R"({"filePath":"a"})")) == R"("a")");
  CHECK(invoke(app, "camel", R"({"file_path":"a"})").code == errc::invalid_args);
  CHECK(body(invoke(app, "snake", R"({"file_path":"b"})")) == R"("b")");
}

TEST_CASE("an empty body means no arguments; optional arguments may be missing or null") {
  ward::AppBuilder builder;
  builder.command(
      "maybe", [](std::optional<int> n) { return n.value_or(-1); }, ward::arg_names{"n"});
  const auto app = build(builder);
  CHECK(body(invoke(app, "maybe", "")) == "-1");
  // A body of JSON whitespace alone is empty too: line breaks as well as spaces and tabs.
  for (const std::string_view blank : {" ", "\t", "\n", "\r\n", " \n\t\r "}) {
    INFO("body: " << std::string(blank).size() << " blank bytes");
    CHECK(body(invoke(app, "maybe", blank)) == "-1");
  }
  CHECK(invoke(app, "maybe", "\v").code == errc::invalid_request); // not JSON whitespace
  CHECK(body(invoke(app, "maybe", R"({"n":null})")) == "-1");
  CHECK(body(invoke(app, "maybe", R"({"n":7})")) == "7");
}

TEST_CASE("a handler that throws gets an internal error that says nothing about the exception") {
  std::vector<std::string> details;
  std::mutex details_mutex;
  ward::AppBuilder builder;
  builder.log_sink([&](const ward::LogRecord &record) {
    std::lock_guard lock(details_mutex);
    details.emplace_back(record.detail);
  });
  builder.command("boom", []() -> int { throw std::runtime_error("secret /etc/passwd at 0xdeadbeef"); });
  builder.command("boom_int", []() -> int { throw 42; });
  const auto app = build(builder);
  const auto response = invoke(app, "boom", "{}");
  CHECK(response.code == errc::internal);
  CHECK(body(response) == R"("internal error")");
  CHECK(invoke(app, "boom_int", "{}").code == errc::internal);
  REQUIRE(details.size() == 2);
  CHECK(details[0].find("secret /etc/passwd") != std::string::npos);
}

TEST_CASE("a handler's own error value is the rejection value, as in Tauri") {
  struct FsError {
    std::string kind;
    int code;
  };
  ward::AppBuilder builder;
  builder.command("reject", []() -> ward::command_result<int, std::map<std::string, int>> {
    return std::map<std::string, int>{{"code", 7}};
  });
  builder.command("fail", []() -> ward::result<int> {
    return ward::Error(ward::errc::command_rejected, R"({"why":"because"})");
  });
  builder.command("fail_message", []() -> ward::result<std::string> {
    return ward::Error(ward::errc::internal, "disk full", "ENOSPC on /dev/sda1");
  });
  const auto app = build(builder);
  const auto rejected = invoke(app, "reject", "{}");
  CHECK(rejected.code == errc::command_rejected);
  CHECK(body(rejected) == R"({"code":7})");
  CHECK(body(invoke(app, "fail", "{}")) == R"({"why":"because"})");
  const auto message = invoke(app, "fail_message", "{}");
  CHECK(body(message) == R"("disk full")");
}

TEST_CASE("raw bytes reach the handler zero-copy and raw bytes go back without encoding") {
  const std::byte *seen = nullptr;
  ward::AppBuilder builder;
  builder.command("reverse", [&](std::span<const std::byte> input) {
    seen = input.data();
    return ward::Bytes(input.rbegin(), input.rend());
  });
  const auto app = build(builder);
  const std::string payload("\x00\x01\xff\x80", 4);
  TauriRequest request{.url = "ipc://localhost/reverse", .body = payload, .content_type = "application/octet-stream"};
  request.key = std::string(app.invoke_key());
  const auto built = request.build();
  const auto response = app.invoke(built);
  CHECK(seen == built.body.data()); // pointer identity: no copy on the way in
  CHECK(response.ok());
  CHECK(response.kind == ward::BodyKind::raw);
  CHECK(response.content_type() == "application/octet-stream");
  CHECK(body(response) == std::string("\x80\xff\x01\x00", 4));
}

TEST_CASE("a raw-body command called with JSON is told so") {
  ward::AppBuilder builder;
  builder.command("raw", [](std::span<const std::byte> input) { return input.size(); });
  const auto app = build(builder);
  const auto response = invoke(app, "raw", "{}");
  CHECK(response.code == errc::invalid_args);
  CHECK(body(response).find("application/octet-stream") != std::string::npos);
}

TEST_CASE("an unsupported Content-Type is refused") {
  const auto app = greeter_app();
  TauriRequest request{.url = "ipc://localhost/greet", .body = "{}", .content_type = "text/html"};
  request.key = std::string(app.invoke_key());
  CHECK(app.invoke(request.build()).code == errc::invalid_request);
}

TEST_CASE("bad labels and callback headers are refused with a clear error") {
  const auto app = greeter_app();
  TauriRequest request{.url = "ipc://localhost/greet", .body = R"({"name":"x"})"};
  request.key = std::string(app.invoke_key());
  SECTION("empty window") { request.window = ""; }
  SECTION("window with a space") { request.window = "main window"; }
  SECTION("huge webview label") { request.webview = std::string(1000, 'a'); }
  SECTION("callback not a number") { request.callback = "12abc"; }
  SECTION("callback too large") { request.callback = "4294967296"; }
  SECTION("bad percent-encoding") { request.url = "ipc://localhost/gr%zzet"; }
  SECTION("NUL in command") { request.url = "ipc://localhost/gr%00eet"; }
  CHECK(app.invoke(request.build()).code == errc::invalid_request);
}

TEST_CASE("the invoke context reaches handlers") {
  ward::AppBuilder builder;
  builder.command("who", [](const ward::InvokeContext &context) {
    return std::string(context.command) + "|" + std::string(context.window) + "|" + std::string(context.webview) +
           "|" + std::string(context.origin) + "|" + std::to_string(context.callback_id) + "|" +
           (context.id != 0 ? "id" : "no-id");
  });
  const auto app = build(builder);
  TauriRequest request{.url = "ipc://localhost/who", .key = std::string(app.invoke_key()), .window = "w1",
                       .webview = "v1"};
  CHECK(body(app.invoke(request.build())) == R"("who|w1|v1|tauri://localhost|11|id")");
}

TEST_CASE("invoke ids are unique per app") {
  std::vector<std::uint64_t> ids;
  ward::AppBuilder builder;
  builder.command("id", [&](const ward::InvokeContext &context) {
    ids.push_back(context.id);
    return context.id;
  });
  const auto app = build(builder);
  for (int i = 0; i < 3; ++i) (void)invoke(app, "id", "{}");
  REQUIRE(ids.size() == 3);
  CHECK(ids[0] != ids[1]);
  CHECK(ids[1] != ids[2]);
}

TEST_CASE("the postMessage form is handled like the custom protocol") {
  const auto app = greeter_app();
  const std::string key(app.invoke_key());
  const std::string message = R"({"cmd":"greet","callback":5,"error":6,"payload":{"name":"pm"},"options":null,)"
                              R"("__TAURI_INVOKE_KEY__":")" + key + R"("})";
  const auto response = app.invoke(ward::MessageRequest{"tauri://localhost", "main", "main", message});
  CHECK(response.ok());
  CHECK(body(response) == R"("Hello, pm!")");
  CHECK(response.callback_id == 5);
  CHECK(response.error_id == 6);

  SECTION("without the key") {
    const auto denied = app.invoke(ward::MessageRequest{
        "tauri://localhost", "main", "main", R"({"cmd":"greet","callback":5,"error":6,"payload":{"name":"pm"}})"});
    CHECK(denied.code == errc::invalid_invoke_key);
    CHECK(denied.callback_id == 5);
  }
  SECTION("not JSON") {
    CHECK(app.invoke(ward::MessageRequest{"tauri://localhost", "main", "main", "cmd=greet"}).code ==
          errc::invalid_request);
  }
  SECTION("raw payload as a byte array with an octet-stream header") {
    ward::AppBuilder raw_builder;
    raw_builder.command("len", [](std::span<const std::byte> input) { return input.size(); });
    const auto raw_app = build(raw_builder);
    const std::string raw_message =
        R"({"cmd":"len","callback":1,"error":2,"payload":[1,2,3],"options":{"headers":{"Content-Type":"application/octet-stream"}},)"
        R"("__TAURI_INVOKE_KEY__":")" + std::string(raw_app.invoke_key()) + R"("})";
    CHECK(body(raw_app.invoke(ward::MessageRequest{"tauri://localhost", "main", "main", raw_message})) == "3");
  }
}

TEST_CASE("output escapes U+2028 and U+2029 and is always valid UTF-8") {
  ward::AppBuilder builder;
  builder.command("echo", [](std::string text) { return text; }, ward::arg_names{"text"});
  builder.command("bad_utf8", [] { return std::string("a\xff\xfe" "b"); });
  const auto app = build(builder);
  CHECK(body(invoke(app, "echo", "{\"text\":\"a\xe2\x80\xa8" "b\xe2\x80\xa9" "c\"}")) == R"("a\u2028b\u2029c")");
  CHECK(body(invoke(app, "echo", R"({"text":"\u2028"})")) == R"("\u2028")");
  CHECK(body(invoke(app, "bad_utf8", "{}")) == "\"a\xef\xbf\xbd\xef\xbf\xbd" "b\"");
}

TEST_CASE("limits are enforced before the handler runs and the error names the limit") {
  ward::Limits limits;
  std::string request_body;
  std::string limit_name;
  SECTION("body") {
    limits.max_body_bytes = 16;
    request_body = R"({"text":"this is longer than sixteen bytes"})";
    limit_name = "max_body_bytes";
  }
  SECTION("depth") {
    limits.max_depth = 4;
    request_body = R"({"text":[[[[["deep"]]]]]})";
    limit_name = "max_depth";
  }
  SECTION("string") {
    limits.max_string_bytes = 4;
    request_body = R"({"text":"12345"})";
    limit_name = "max_string_bytes";
  }
  SECTION("key length") {
    limits.max_string_bytes = 4;
    request_body = R"({"longkey":"1"})";
    limit_name = "max_string_bytes";
  }
  SECTION("array") {
    limits.max_array_length = 2;
    request_body = R"({"text":[1,2,3]})";
    limit_name = "max_array_length";
  }
  SECTION("object") {
    limits.max_object_keys = 2;
    request_body = R"({"text":"x","a":1,"b":2})";
    limit_name = "max_object_keys";
  }
  bool ran = false;
  ward::AppBuilder builder;
  builder.limits(limits).command("echo", [&](ward::JsonValue) { ran = true; return 0; }, ward::arg_names{"text"});
  const auto app = build(builder);
  const auto response = invoke(app, "echo", request_body);
  CHECK(response.code == errc::limit_exceeded);
  CHECK(body(response).find("`" + limit_name + "`") != std::string::npos);
  CHECK_FALSE(ran);
}

TEST_CASE("limits that make no sense are refused at build") {
  ward::AppBuilder builder;
  builder.limits(ward::Limits{.max_depth = 0});
  auto built = builder.build();
  REQUIRE_FALSE(built);
  CHECK(built.error().code() == errc::invalid_argument);
}

TEST_CASE("commands are registered once; names are validated") {
  ward::AppBuilder builder;
  CHECK(builder.add_command("dup", [] { return 1; }));
  auto again = builder.add_command("dup", [] { return 2; });
  REQUIRE_FALSE(again);
  CHECK(again.error().code() == errc::duplicate_command);
  auto bad = builder.add_command("has space", [] { return 1; });
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == errc::invalid_name);
  CHECK_FALSE(builder.add_command("", [] { return 1; }));
  CHECK_FALSE(builder.add_command(std::string(257, 'a'), [] { return 1; }));
}

TEST_CASE("the chaining form reports its first error at build") {
  ward::AppBuilder builder;
  builder.command("x", [] { return 1; }).command("x", [] { return 2; });
  auto built = builder.build();
  REQUIRE_FALSE(built);
  CHECK(built.error().code() == errc::duplicate_command);
}

namespace {
struct Counter {
  std::mutex mutex;
  int value = 0;
  int increment() {
    std::lock_guard lock(mutex);
    return ++value;
  }
};
struct NeverManaged {};
} // namespace

TEST_CASE("managed state reaches handlers by type") {
  ward::AppBuilder builder;
  builder.manage_in_place<Counter>().command("increment", [](ward::State<Counter> counter) { return counter->increment(); });
  const auto app = build(builder);
  CHECK(body(invoke(app, "increment", "{}")) == "1");
  CHECK(body(invoke(app, "increment", "{}")) == "2");
  REQUIRE(app.state<Counter>() != nullptr);
  CHECK(app.state<Counter>()->value == 2);
  CHECK(app.state<NeverManaged>() == nullptr);
}

TEST_CASE("managing a type twice is an error, not a silent replace") {
  ward::AppBuilder builder;
  CHECK(builder.add_state_in_place<Counter>());
  auto again = builder.add_state_in_place<Counter>();
  REQUIRE_FALSE(again);
  CHECK(again.error().code() == errc::state_already_managed);
}

TEST_CASE("a command whose state is never managed fails the build, not the first call") {
  ward::AppBuilder builder;
  builder.command("needs", [](ward::State<NeverManaged>) { return 0; });
  auto built = builder.build();
  REQUIRE_FALSE(built);
  CHECK(built.error().code() == errc::state_not_managed);
  CHECK(built.error().message().find("needs") != std::string::npos);
}

TEST_CASE("a deferred handler answers later from another thread; invoke waits for it") {
  std::vector<std::thread> workers;
  ward::AppBuilder builder;
  builder.command(
      "later",
      [&](int n, ward::Responder responder) {
        workers.emplace_back([n, responder = std::move(responder)]() mutable { (void)responder.resolve(n * 2); });
      },
      ward::arg_names{"n"});
  builder.command("forget", [](ward::Responder) {});
  builder.command("twice", [](ward::Responder responder) {
    CHECK(responder.resolve(1));
    auto second = responder.resolve(2);
    CHECK_FALSE(second);
    CHECK(second.error().code() == errc::already_answered);
  });
  const auto app = build(builder);
  CHECK(body(invoke(app, "later", R"({"n":21})")) == "42");
  const auto forgotten = invoke(app, "forget", "{}");
  CHECK(forgotten.code == errc::internal);
  CHECK(body(invoke(app, "twice", "{}")) == "1");
  for (auto &worker : workers) worker.join();
}

TEST_CASE("invoke_async delivers exactly once, now or later") {
  std::thread worker;
  ward::AppBuilder builder;
  builder.command("now", [] { return 1; });
  builder.command("later", [&](ward::Responder responder) {
    worker = std::thread([responder = std::move(responder)]() mutable { (void)responder.resolve(2); });
  });
  const auto app = build(builder);
  std::atomic<int> calls = 0;
  std::atomic<int> sum = 0;
  for (std::string_view command : {"now", "later"}) {
    TauriRequest request{.url = "ipc://localhost/" + std::string(command), .key = std::string(app.invoke_key())};
    app.invoke_async(request.build(), [&](ward::Response response) {
      ++calls;
      sum += std::stoi(body(response));
    });
  }
  worker.join();
  CHECK(calls == 2);
  CHECK(sum == 3);
}

TEST_CASE("many threads invoking one app at once all get their own answers") {
  ward::AppBuilder builder;
  builder.manage_in_place<Counter>()
      .command("add", [](std::int64_t a, std::int64_t b) { return a + b; }, ward::arg_names{"a", "b"})
      .command("increment", [](ward::State<Counter> counter) { return counter->increment(); });
  const auto app = build(builder);
  constexpr int threads = 8;
  constexpr int per_thread = 2000;
  std::atomic<int> wrong = 0;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const auto response =
            invoke(app, "add", R"({"a":)" + std::to_string(t) + R"(,"b":)" + std::to_string(i) + "}");
        if (body(response) != std::to_string(t + i)) ++wrong;
        (void)invoke(app, "increment", "{}");
      }
    });
  }
  for (auto &thread : pool) thread.join();
  CHECK(wrong == 0);
  CHECK(app.state<Counter>()->value == threads * per_thread);
}

TEST_CASE("a handler may invoke another command on the same thread") {
  std::optional<ward::App> self;
  ward::AppBuilder builder;
  builder.command(
      "inner", [](std::string_view text) { return std::string(text) + "!"; }, ward::arg_names{"text"});
  builder.command(
      "outer",
      [&](std::string_view text) {
        const auto inner = invoke(*self, "inner", R"({"text":"in"})");
        return std::string(text) + body(inner); // `text` must still be valid after the nested parse
      },
      ward::arg_names{"text"});
  self = build(builder);
  CHECK(body(invoke(*self, "outer", R"({"text":"out"})")) == R"("out\"in!\"")");
}

// --- regressions found in review -------------------------------------------------------------

TEST_CASE("a synchronous rejection that is not valid JSON becomes an internal error") {
  ward::AppBuilder builder;
  builder.command("bad_utf8", []() -> ward::result<int> { return ward::Error(errc::command_rejected, "Not \xff found"); });
  builder.command("bad_json", []() -> ward::result<int> { return ward::Error::rejected("{bad"); });
  const auto app = build(builder);
  for (std::string_view command : {"bad_utf8", "bad_json"}) {
    const auto response = invoke(app, command, "{}");
    CHECK(response.code == errc::internal);
    CHECK(body(response) == R"("internal error")");
  }
}

TEST_CASE("the command comes from the URL's path, never from its query or fragment") {
  ward::AppBuilder builder;
  builder.command("greet", [] { return std::string("greet"); });
  builder.command("secret", [] { return std::string("secret"); });
  const auto app = build(builder);
  for (std::string url : {"/greet?next=ipc://host/secret", "/greet#ipc://host/secret", "ipc://localhost/greet?x=/secret"}) {
    TauriRequest request{.url = url, .key = std::string(app.invoke_key())};
    INFO(url);
    CHECK(body(app.invoke(request.build())) == R"("greet")");
  }
  TauriRequest no_path{.url = "ipc://localhost?next=/secret", .key = std::string(app.invoke_key())};
  CHECK(app.invoke(no_path.build()).code == errc::invalid_request);
}

TEST_CASE("max_depth is the deepest nesting allowed, not one less") {
  ward::AppBuilder builder;
  builder.limits(ward::Limits{.max_depth = 2}).command("any", [](ward::JsonValue) { return 0; }, ward::arg_names{"v"});
  const auto app = build(builder);
  CHECK(invoke(app, "any", R"({"v":[1]})").ok());
  CHECK(invoke(app, "any", R"({"v":{}})").ok());
  CHECK(invoke(app, "any", R"({"v":[[1]]})").code == errc::limit_exceeded);
  ward::AppBuilder shallow;
  shallow.limits(ward::Limits{.max_depth = 1}).command("any", [](ward::JsonValue) { return 0; }, ward::arg_names{"v"});
  const auto shallow_app = build(shallow);
  CHECK(invoke(shallow_app, "any", R"({"v":1})").ok());
}

namespace {
std::size_t largest_allocation = 0;
template <class T> struct TrackingAllocator {
  using value_type = T;
  TrackingAllocator() = default;
  template <class U> TrackingAllocator(const TrackingAllocator<U> &) {}
  T *allocate(std::size_t n) {
    largest_allocation = std::max(largest_allocation, n);
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T *p, std::size_t n) { std::allocator<T>().deallocate(p, n); }
  bool operator==(const TrackingAllocator &) const { return true; }
};
struct Big {
  std::array<char, 200> bytes{};
};
} // namespace

template <> struct ward::Codec<Big> {
  static ward::result<void> decode(const ward::JsonValue &json, Big &) {
    if (!json.is_null()) return ward::detail::type_mismatch("null", json);
    return ward::success();
  }
  static void encode(ward::JsonWriter &writer, const Big &) { writer.null(); }
};

TEST_CASE("a large element type does not turn a small body into a huge reservation") {
  ward::AppBuilder builder;
  builder.command("bigs", [](std::vector<Big, TrackingAllocator<Big>> items) { return items.size(); },
                  ward::arg_names{"items"});
  const auto app = build(builder);
  std::string request = R"({"items":[1)";
  for (int i = 0; i < 50000; ++i) request += ",null";
  request += "]}";
  largest_allocation = 0;
  CHECK(invoke(app, "bigs", request).code == errc::invalid_args); // items[0] is not null
  CHECK(largest_allocation <= 1024);
}

TEST_CASE("array limits above simdjson's 24-bit element count are still enforced") {
  ward::AppBuilder builder;
  builder.limits(ward::Limits{.max_body_bytes = 64u << 20, .max_array_length = 0xFFFFFF})
      .command("count", [](ward::JsonValue v) { return v.array()->size(); }, ward::arg_names{"v"});
  const auto app = build(builder);
  std::string request = R"({"v":[0)";
  request.reserve(2 * 0x1000010);
  for (int i = 0; i < 0xFFFFFF + 10; ++i) request += ",0";
  request += "]}";
  const auto response = invoke(app, "count", request);
  CHECK(response.code == errc::limit_exceeded);
  CHECK(body(response).find("max_array_length") != std::string::npos);
}

TEST_CASE("an exception after the handler answered is logged; the answer stands") {
  std::vector<std::string> logged;
  ward::AppBuilder builder;
  builder.log_sink([&](const ward::LogRecord &record) { logged.emplace_back(record.detail); });
  builder.command("answer_then_throw", [](ward::Responder responder) {
    (void)responder.resolve(42);
    throw std::runtime_error("after the answer");
  });
  const auto app = build(builder);
  const auto response = invoke(app, "answer_then_throw", "{}");
  CHECK(body(response) == "42");
  REQUIRE(logged.size() == 1);
  CHECK(logged[0].find("after the answer") != std::string::npos);
}

TEST_CASE("a response callback that throws is logged, never terminates") {
  int logged = 0;
  ward::AppBuilder builder;
  builder.log_sink([&](const ward::LogRecord &record) {
    if (record.detail.find("response callback threw") != std::string_view::npos) ++logged;
  });
  builder.command("drop", [](ward::Responder) {}); // the dropped Responder answers from its destructor
  builder.command("now", [] { return 1; });
  const auto app = build(builder);
  for (std::string_view command : {"drop", "now"}) {
    TauriRequest request{.url = "ipc://localhost/" + std::string(command), .key = std::string(app.invoke_key())};
    app.invoke_async(request.build(), [](ward::Response) { throw std::runtime_error("host bug"); });
  }
  CHECK(logged == 2);
}

TEST_CASE("an empty postMessage is a clear error") {
  const auto app = greeter_app();
  const auto response = app.invoke(ward::MessageRequest{"tauri://localhost", "main", "main", ""});
  CHECK(response.code == errc::invalid_request);
  CHECK(body(response) == R"("IPC message is not valid JSON")");
}

TEST_CASE("labels must be valid UTF-8") {
  const auto app = greeter_app();
  TauriRequest request{.url = "ipc://localhost/greet", .body = R"({"name":"x"})", .window = "ma\xffin"};
  request.key = std::string(app.invoke_key());
  CHECK(app.invoke(request.build()).code == errc::invalid_request);
}

TEST_CASE("a bad callback header without the key is answered as a bad key") {
  const auto app = greeter_app();
  TauriRequest request{.url = "ipc://localhost/greet", .key = "nope", .callback = "x"};
  CHECK(app.invoke(request.build()).code == errc::invalid_invoke_key);
}
