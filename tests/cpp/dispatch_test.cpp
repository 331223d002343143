// The dispatch half's fast paths give the answers of the slow paths they replaced: the flat
// command index (vs. an exact-name map), the integer answer written straight into a String (vs.
// JsonWriter), the per-thread policy cache (vs. reading the policy under its mutex), the
// decision cache's hash and compare (vs. a fresh decision), and the cold paths still answer once
// with their exact messages.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace ward_test;
using ward::errc;

namespace {

ward::App built(ward::AppBuilder &builder) {
  auto app = builder.build();
  REQUIRE(app);
  return std::move(app).assume_value();
}

/// A capability granting `commands` to the window `window`.
ward::acl::Source grant(const std::string &identifier, const std::vector<std::string> &commands,
                        const std::string &window = "main") {
  std::string permissions;
  for (const auto &command : commands) permissions += (permissions.empty() ? "\"" : ",\"") + allow_permission(command) + "\"";
  return ward::acl::Source{identifier + ".json",
                           R"({"identifier":")" + identifier + R"(","windows":[")" + window +
                               R"("],"permissions":[)" + permissions + "]}",
                           ward::acl::Format::json};
}

ward::Response invoke_from(const ward::App &app, const std::string &command, const std::string &window) {
  TauriRequest request{.url = "ipc://localhost/" + command, .body = "{}", .key = std::string(app.invoke_key())};
  request.window = window;
  return app.invoke(request.build());
}

template <class T> std::string written_by_writer(T value) {
  ward::String out;
  ward::JsonWriter writer(out);
  if constexpr (std::is_signed_v<T>) writer.integer(value);
  else writer.unsigned_integer(value);
  return std::string(out.data(), out.size());
}

template <class T> void check_integer_text() {
  using limits = std::numeric_limits<T>;
  std::vector<T> values{0, 1, 9, 10, 11, 99, 100, limits::max(), static_cast<T>(limits::max() - 1),
                        static_cast<T>(limits::max() / 10), static_cast<T>(limits::max() / 10 + 1)};
  if constexpr (std::is_signed_v<T>) {
    for (T v : {T(-1), T(-9), T(-10), T(-100), limits::min(), static_cast<T>(limits::min() + 1),
                static_cast<T>(limits::min() / 10)})
      values.push_back(v);
  }
  // Every power of ten and its neighbours the type holds.
  for (std::uint64_t p = 1; p <= static_cast<std::uint64_t>(limits::max()) / 10; p *= 10) {
    values.push_back(static_cast<T>(p * 10 - 1));
    values.push_back(static_cast<T>(p * 10));
    if constexpr (std::is_signed_v<T>) values.push_back(static_cast<T>(-static_cast<std::int64_t>(p * 10)));
  }
  for (const T value : values) {
    const ward::String fast = ward::to_json(value);
    INFO(written_by_writer(value));
    CHECK(std::string(fast.data(), fast.size()) == written_by_writer(value));
  }
}

} // namespace

TEST_CASE("integer answers: to_json writes exactly what JsonWriter writes, for every integer type") {
  check_integer_text<std::int8_t>();
  check_integer_text<std::uint8_t>();
  check_integer_text<std::int16_t>();
  check_integer_text<std::uint16_t>();
  check_integer_text<std::int32_t>();
  check_integer_text<std::uint32_t>();
  check_integer_text<std::int64_t>();
  check_integer_text<std::uint64_t>();
  check_integer_text<long long>();
  check_integer_text<unsigned long long>();
  // Through a handler, as a page gets it.
  ward::AppBuilder builder;
  builder.command("min", [] { return std::numeric_limits<std::int64_t>::min(); });
  builder.command("max", [] { return std::numeric_limits<std::uint64_t>::max(); });
  builder.capability(grant("numbers", {"min", "max"}));
  const auto app = built(builder);
  CHECK(body(invoke(app, "min", "{}")) == "-9223372036854775808");
  CHECK(body(invoke(app, "max", "{}")) == "18446744073709551615");
}

TEST_CASE("the command index finds exactly the registered names") {
  // Names that share prefixes, suffixes and lengths, so that hashes and probe runs meet.
  std::vector<std::string> names;
  for (const char *stem : {"a", "ab", "abc", "abcd", "abcdefgh", "abcdefghi", "abcdefgh_abcdefgh",
                           "abcdefgh_xbcdefgh", "read_text_file", "read_text_filf", "reax_text_file"})
    names.emplace_back(stem);
  for (int i = 0; i < 40; ++i) names.push_back("cmd_" + std::to_string(i)); // many same-length names
  ward::AppBuilder builder;
  for (const auto &name : names) builder.command(name, [name] { return name; });
  builder.capability(grant("all", names));
  const auto app = built(builder);
  for (const auto &name : names) {
    const auto response = invoke(app, name, "{}");
    INFO(name);
    REQUIRE(response.ok());
    CHECK(body(response) == "\"" + name + "\"");
  }
  // Near misses: prefixes, extensions, one byte changed at the start, middle or end.
  for (const char *unknown : {"abcde", "abcdefg", "abcdefghij", "abcdefgh_abcdefgi", "abcdefgh_abcdxfgh", "b", "bb",
                              "read_text_fil", "read_text_files", "read_text_filx", "cmd_40", "cmd_", "xmd_1"}) {
    const auto response = invoke(app, unknown, "{}");
    INFO(unknown);
    CHECK(response.code == errc::unknown_command);
    CHECK(body(response) == "\"Command " + std::string(unknown) + " not found\"");
  }
}

TEST_CASE("the decision cache tells apart requests whose hashes are built to meet") {
  // The hash reads only the lengths and the first and last eight bytes of each part: these
  // windows differ only in the middle, and these commands trade a byte with the window.
  ward::AppBuilder builder;
  for (const char *name : {"ab", "a", "cmd"}) builder.command(name, [] { return 1; });
  builder.capability(grant("middle", {"cmd"}, "left-wall-X-right-wall"));
  builder.capability(grant("split", {"ab"}, "c"));
  const auto app = built(builder);
  const auto policy = app.policy();
  for (int round = 0; round < 3; ++round) { // the first round fills the cache
    CHECK(invoke_from(app, "cmd", "left-wall-X-right-wall").ok());
    CHECK(invoke_from(app, "cmd", "left-wall-Y-right-wall").code == errc::not_allowed);
    CHECK(invoke_from(app, "cmd", "left-wall-XX-right-wall").code == errc::not_allowed);
    CHECK(invoke_from(app, "ab", "c").ok());
    CHECK(invoke_from(app, "a", "bc").code == errc::not_allowed);
  }
  for (const char *window : {"left-wall-X-right-wall", "left-wall-Y-right-wall", "left-wall-XX-right-wall", "c", "bc"}) {
    for (const char *command : {"ab", "a", "cmd"}) {
      const ward::acl::AccessRequest request{command, window, "main", "tauri://localhost"};
      INFO(command << " " << window);
      CHECK(app.policy().allows(request) == app.policy().decide(request));
    }
  }
}

TEST_CASE("the per-thread policy cache sees a new policy at the next request, on any thread") {
  ward::AppBuilder builder;
  builder.command("late", [] { return 1; });
  builder.command("early", [] { return 2; });
  builder.capability(grant("early", {"early"}));
  const auto app = built(builder);

  // The same thread: denied, granted, then denied again by a later deny.
  CHECK(invoke_from(app, "late", "main").code == errc::not_allowed);
  REQUIRE(app.add_capability(grant("late", {"late"})));
  CHECK(invoke_from(app, "late", "main").ok());
  REQUIRE(app.add_capability(ward::acl::Source{
      "deny.json", R"({"identifier":"deny","windows":["main"],"permissions":["deny-late"]})", ward::acl::Format::json}));
  CHECK(invoke_from(app, "late", "main").code == errc::not_allowed);

  // Another thread invoking all along: once add_capability has returned (and told it so), its
  // very next request is decided by the new policy.
  ward::AppBuilder other_builder;
  other_builder.command("late", [] { return 1; });
  const auto other = built(other_builder);
  std::atomic<int> phase{0}; // 0: before the grant, 1: granted, 2: stop
  std::atomic<int> wrong{0};
  std::atomic<int> after_grant{0};
  std::thread invoker([&] {
    while (phase.load() != 2) {
      const int seen = phase.load(); // read before the request: a grant seen here must hold for it
      const auto code = invoke_from(other, "late", "main").code;
      if (seen == 1) {
        if (code != errc::ok) wrong.fetch_add(1);
        after_grant.fetch_add(1);
      }
    }
  });
  for (int i = 0; i < 50 && wrong.load() == 0; ++i) std::this_thread::yield();
  REQUIRE(other.add_capability(grant("late", {"late"})));
  phase.store(1);
  while (after_grant.load() < 200) std::this_thread::yield();
  phase.store(2);
  invoker.join();
  CHECK(wrong.load() == 0);
}

namespace {
/// Invokes `app` from its destructor. Made thread_local before the thread's first request, it
/// is destroyed after ward's per-thread state (its policy reference and its JSON parsers).
struct InvokesAtThreadExit {
  const ward::App *app = nullptr;
  std::atomic<int> *answered_ok = nullptr;
  ~InvokesAtThreadExit() {
    if (!app) return;
    for (int i = 0; i < 3; ++i)
      if (invoke_from(*app, "late", "main").ok()) answered_ok->fetch_add(1);
  }
};
thread_local InvokesAtThreadExit invokes_at_thread_exit;
} // namespace

TEST_CASE("a request from a thread_local destroyed after ward's per-thread state is answered, and frees what it used") {
  ward::AppBuilder builder;
  builder.command("late", [] { return 1; });
  builder.capability(grant("late", {"late"}));
  const auto app = built(builder);
  std::atomic<int> answered_ok{0};
  std::atomic<int> first_answered_ok{0};
  for (int round = 0; round < 4; ++round) {
    std::thread thread([&] {
      invokes_at_thread_exit.app = &app; // constructed first, so destroyed last
      invokes_at_thread_exit.answered_ok = &answered_ok;
      if (invoke_from(app, "late", "main").ok()) first_answered_ok.fetch_add(1); // caches the policy for this thread
    });
    thread.join();
  }
  CHECK(first_answered_ok.load() == 4);
  CHECK(answered_ok.load() == 12);
  // The policy's count is intact: replacing it releases the old one exactly once (a count
  // taken down twice at thread exit would free it under the app: AddressSanitizer's
  // use-after-free here), and the app still decides.
  REQUIRE(app.add_capability(grant("again", {"late"})));
  CHECK(invoke_from(app, "late", "main").ok());
  CHECK(app.policy().capabilities().size() == 2);
}

TEST_CASE("the per-thread policy cache never confuses two apps, nor a dead app with a new one") {
  ward::AppBuilder allowing;
  allowing.command("x", [] { return 1; });
  allowing.capability(grant("x", {"x"}));
  ward::AppBuilder denying;
  denying.command("x", [] { return 1; });
  const auto allows_x = built(allowing);
  const auto denies_x = built(denying);
  for (int i = 0; i < 4; ++i) { // alternating on one thread: each request reads its own app's policy
    CHECK(invoke_from(allows_x, "x", "main").ok());
    CHECK(invoke_from(denies_x, "x", "main").code == errc::not_allowed);
  }
  // Apps built and dropped in turn (the allocator may well reuse an address): each decides by
  // its own policy.
  for (int i = 0; i < 20; ++i) {
    ward::AppBuilder builder;
    builder.command("x", [] { return 1; });
    if (i % 2 == 0) builder.capability(grant("x", {"x"}));
    const auto app = built(builder);
    INFO(i);
    CHECK(invoke_from(app, "x", "main").code == (i % 2 == 0 ? errc::ok : errc::not_allowed));
  }
}

TEST_CASE("a handler that returns without answering, or throws, gets exactly one answer with the old wording") {
  struct Silent final : ward::CommandHandler {
    void call(const ward::Invocation &, ward::ReplyTarget &) override {}
  };
  struct AnswersThenThrows final : ward::CommandHandler {
    void call(const ward::Invocation &, ward::ReplyTarget &target) override {
      target.resolve(ward::String("7"), ward::BodyKind::json);
      target.resolve(ward::String("8"), ward::BodyKind::json); // ignored: answered already
      throw std::runtime_error("late failure");
    }
  };
  std::vector<std::string> details;
  ward::AppBuilder builder;
  builder.log_sink([&](const ward::LogRecord &record) {
    if (record.code == errc::internal) details.emplace_back(record.detail);
  });
  REQUIRE(builder.add_handler("silent", std::make_unique<Silent>()));
  REQUIRE(builder.add_handler("answers_then_throws", std::make_unique<AnswersThenThrows>()));
  builder.command("throws", []() -> int { throw std::runtime_error("boom"); });
  builder.command("throws_int", []() -> int { throw 42; });
  builder.capability(grant("all", {"silent", "answers_then_throws", "throws", "throws_int"}));
  const auto app = built(builder);

  const auto silent = invoke(app, "silent", "{}");
  CHECK(silent.code == errc::internal);
  CHECK(body(silent) == "\"internal error\"");
  const auto late = invoke(app, "answers_then_throws", "{}");
  CHECK(late.ok());
  CHECK(body(late) == "7");
  CHECK(late.callback_id == 11);
  CHECK(late.error_id == 12);
  const auto thrown = invoke(app, "throws", "{}");
  CHECK(thrown.code == errc::internal);
  CHECK(thrown.callback_id == 11);
  CHECK(body(thrown) == "\"internal error\"");
  CHECK(invoke(app, "throws_int", "{}").code == errc::internal);
  CHECK(details == std::vector<std::string>{"command `silent` returned without answering",
                                            "command `answers_then_throws` threw: late failure",
                                            "command `throws` threw: boom",
                                            "command `throws_int` threw a non-standard exception"});
}

TEST_CASE("a default JsonValue still reads as null everywhere (the check looks at the document pointer only)") {
  const ward::JsonValue empty;
  CHECK(empty.is_null());
  CHECK(empty.type() == ward::JsonType::null);
  std::int64_t integer = 5;
  CHECK_FALSE(empty.get(integer));
  CHECK(integer == 5);
  CHECK_FALSE(empty.object().has_value());
  CHECK_FALSE(ward::JsonObject(empty).find("a").has_value());
  CHECK(ward::JsonObject(empty).size() == 0);
  CHECK(empty.to_json() == "null");
  // A parsed null, and a parsed object's members, are real values with a document.
  REQUIRE(ward::detail::with_parsed_json(R"({"a":null,"b":{"c":1},"a":2})", [](const ward::JsonValue &root) {
    const ward::JsonObject object(root);
    const auto a = object.find("a");
    REQUIRE(a.has_value());
    CHECK(a->is_null()); // the first of duplicate keys
    CHECK_FALSE(object.find("c").has_value());
    CHECK_FALSE(object.find("").has_value());
    const auto b = object.find("b");
    REQUIRE(b.has_value());
    std::int64_t c = 0;
    CHECK(ward::JsonObject(*b).find("c")->get(c));
    CHECK(c == 1);
    return ward::result<void>(ward::success());
  }));
}

TEST_CASE("a thread's last command lookup never answers for another app, nor for a near-miss name") {
  const auto app_answering = [](int value) {
    ward::AppBuilder builder;
    builder.command("same", [value] { return value; });
    builder.command("samf", [value] { return -value; });
    builder.capability(grant("same", {"same", "samf"}));
    return built(builder);
  };
  const auto one = app_answering(1);
  const auto two = app_answering(2);
  for (int i = 0; i < 3; ++i) {
    CHECK(body(invoke(one, "same", "{}")) == "1");
    CHECK(body(invoke(two, "same", "{}")) == "2");
    CHECK(body(invoke(two, "samf", "{}")) == "-2"); // same length as the last hit, one byte apart
    CHECK(invoke(two, "samg", "{}").code == errc::unknown_command);
    CHECK(body(invoke(one, "samf", "{}")) == "-1");
  }
  for (int value = 3; value < 13; ++value) { // apps come and go (an index may reuse a dead one's memory)
    const auto app = app_answering(value);
    CHECK(body(invoke(app, "same", "{}")) == std::to_string(value));
  }
}

TEST_CASE("a handler that replaces the policy and invokes again keeps its own policy alive, on many threads") {
  // The outer request uses its thread's cached policy by raw pointer (pinned); the nested
  // request must see the new policy without releasing the pinned one, and the thread's next
  // request must see the newest policy. Sanitizer builds catch a pinned policy freed early.
  constexpr int threads = 4;
  constexpr int rounds = 25;
  ward::AppBuilder builder;
  builder.command("inner", [] { return 1; });
  std::atomic<int> added{0};
  builder.command("outer", [&](const ward::Invocation &invocation) -> int {
    const int id = added.fetch_add(1);
    const auto &app = invocation.app();
    // Catch2's assertions are not thread-safe: a failure here shows as a wrong answer below.
    if (!app.add_capability(grant("inner-" + std::to_string(id), {"inner"}))) return -2;
    // Nested on this thread, after add_capability returned: decided by the new policy.
    const auto inner = invoke_from(app, "inner", "main");
    // Computed from the outer request's (now replaced) policy, which must still be alive.
    const auto outer_scopes = invocation.scopes().command.allow.size();
    return inner.ok() ? static_cast<int>(outer_scopes) + 1 : -1;
  });
  builder.capability(grant("outer", {"outer"}));
  const auto app = built(builder);
  std::atomic<int> wrong{0};
  std::vector<std::thread> invokers;
  for (int t = 0; t < threads; ++t) {
    invokers.emplace_back([&] {
      for (int i = 0; i < rounds; ++i) {
        const auto response = invoke_from(app, "outer", "main");
        if (!response.ok() || body(response) != "1") wrong.fetch_add(1);
      }
    });
  }
  for (auto &invoker : invokers) invoker.join();
  CHECK(wrong.load() == 0);
  CHECK(added.load() == threads * rounds);
  // This thread's next request reads the newest policy.
  REQUIRE(app.add_capability(ward::acl::Source{
      "deny.json", R"({"identifier":"deny","windows":["main"],"permissions":["deny-inner"]})", ward::acl::Format::json}));
  CHECK(invoke_from(app, "inner", "main").code == errc::not_allowed);
}

TEST_CASE("invoke ids are unique per app and never 0, across threads and alternating apps") {
  constexpr int threads = 4;
  constexpr int invokes = 700; // several per-thread blocks of ids
  std::mutex mutex;
  std::map<std::uint64_t, int> seen[2];
  const auto make = [&](int which) {
    ward::AppBuilder builder;
    builder.command("id", [&mutex, &seen, which](const ward::Invocation &invocation) -> int {
      std::lock_guard lock(mutex);
      ++seen[which][invocation.context().id];
      return 0;
    });
    builder.capability(grant("id", {"id"}));
    return built(builder);
  };
  const auto first = make(0);
  const auto second = make(1);
  std::vector<std::thread> invokers;
  for (int t = 0; t < threads; ++t) {
    invokers.emplace_back([&, t] {
      for (int i = 0; i < invokes; ++i) (void)invoke_from((i + t) % 3 == 0 ? second : first, "id", "main");
    });
  }
  for (auto &invoker : invokers) invoker.join();
  int total = 0;
  for (const auto &ids : seen) {
    CHECK(ids.count(0) == 0);
    for (const auto &[id, times] : ids) {
      INFO(id);
      CHECK(times == 1);
      total += times;
    }
  }
  CHECK(total == threads * invokes);
}

namespace {
/// decode_success must succeed exactly when decode does, with the same value.
template <class T> int decode_disagreements(const ward::JsonValue &json) {
  T fast{};
  T slow{};
  const bool fast_ok = ward::Codec<T>::decode_success(json, fast);
  const bool slow_ok = ward::decode(json, slow).has_value();
  return fast_ok != slow_ok || (fast_ok && fast != slow) ? 1 : 0;
}
} // namespace

TEST_CASE("an argument's integer fast decode succeeds exactly when decode does, with the same value") {
  int disagreements = -1;
  int checked = 0;
  ward::AppBuilder builder;
  builder.command(
      "check",
      [&](ward::JsonValue values) {
        disagreements = 0;
        const auto list = values.array(); // keep the optional alive across the loop
        for (const auto value : *list) {
          ++checked;
          disagreements += decode_disagreements<std::int8_t>(value) + decode_disagreements<std::uint8_t>(value) +
                           decode_disagreements<std::int16_t>(value) + decode_disagreements<std::uint16_t>(value) +
                           decode_disagreements<std::int32_t>(value) + decode_disagreements<std::uint32_t>(value) +
                           decode_disagreements<std::int64_t>(value) + decode_disagreements<std::uint64_t>(value);
        }
        return 0;
      },
      ward::arg_names{"values"});
  builder.command("narrow", [](std::int8_t a, std::uint16_t b) { return a + b; }, ward::arg_names{"a", "b"});
  builder.capability(grant("check", {"check", "narrow"}));
  const auto app = built(builder);
  const auto response = invoke(app, "check",
                               R"({"values":[0,1,-1,127,128,-128,-129,255,256,32767,32768,-32768,-32769,65535,65536,
                                  2147483647,2147483648,-2147483648,-2147483649,4294967295,4294967296,
                                  9223372036854775807,9223372036854775808,-9223372036854775808,
                                  18446744073709551615,1.5,1e3,"3",null,true,[],{}]})");
  REQUIRE(response.ok());
  CHECK(checked == 32);
  CHECK(disagreements == 0);
  // Through a bound command: the fast path answers, the slow path keeps its exact errors.
  CHECK(body(invoke(app, "narrow", R"({"a":-5,"b":65535})")) == "65530");
  const auto out_of_range = invoke(app, "narrow", R"({"a":128,"b":1})");
  CHECK(out_of_range.code != errc::ok);
  CHECK(body(out_of_range).find("invalid args `a` for command `narrow`") != std::string::npos);
  CHECK(invoke(app, "narrow", R"({"a":1,"b":"2"})").code == out_of_range.code);
}
