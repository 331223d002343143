// The dispatch side's fast paths answer exactly as the general paths they short-cut: the
// one-pass argument lookup (against JsonObject::find per key), the integer getters read off the
// tape (against simdjson's own getters), and a typed command's argument errors (against a
// handler that decodes with find and decode, one key at a time).
#include "json/element.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace ward_test;
using ward::errc;

namespace {

/// Names as a page may send them: one to thirteen bytes, sharing first bytes, differing only in
/// length or in the last byte, unicode, escaped, the empty name.
const std::vector<std::string> &key_pool() {
  static const std::vector<std::string> pool{
      "a", "b", "ab", "abc", "abcd", "abcde", "abcdx", "abcdefgh", "abcdefgX", "abcdefghi", "longerArgumentName",
      "longerArgumentNamf", "filePath", "file_path", "é", "名前", "", "A", "aa", "abcdefghijklm"};
  return pool;
}

/// The JSON text of a key: escaped (\uXXXX) now and then, which the parser unescapes.
std::string key_json(const std::string &key, std::mt19937 &random) {
  std::string out = "\"";
  for (const char c : key) {
    if ((random() % 4) == 0 && static_cast<unsigned char>(c) < 0x80) {
      static const char hex[] = "0123456789abcdef";
      out += "\\u00";
      out += hex[static_cast<unsigned char>(c) >> 4];
      out += hex[static_cast<unsigned char>(c) & 0xF];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

/// A value whose text tells the members apart (so a wrong pick among repeated keys shows).
std::string value_json(std::size_t member, std::mt19937 &random) {
  const std::string n = std::to_string(member);
  switch (random() % 8) {
  case 0: return n;
  case 1: return "-" + n + ".5";
  case 2: return "\"v" + n + "\"";
  case 3: return "[" + n + ",{\"a\":" + n + "}]";
  case 4: return "{\"a\":" + n + ",\"b\":[" + n + "]}";
  case 5: return "null";
  case 6: return member % 2 ? "true" : "false";
  default: return "18446744073709551" + std::to_string(600 + member % 16);
  }
}

/// find_arguments' answer, compared with JsonObject::find for each key; 0 when they agree.
int lookup_disagreements(const ward::JsonValue &args, const std::vector<std::string> &names) {
  std::vector<ward::detail::ArgumentKey> keys;
  for (const auto &name : names) keys.push_back(ward::detail::argument_key(name));
  std::vector<ward::JsonValue> values(keys.size());
  const std::uint64_t found = ward::detail::find_arguments(args, keys.data(), keys.size(), values.data());
  const auto object = args.object();
  int disagreements = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::optional<ward::JsonValue> expected = object ? object->find(names[i]) : std::nullopt;
    const bool present = (found >> i) & 1u;
    if (present != expected.has_value()) ++disagreements;
    else if (present && (ward::detail::tape_of(ward::detail::element_of(values[i])).json_index !=
                         ward::detail::tape_of(ward::detail::element_of(*expected)).json_index))
      ++disagreements; // not the same member
  }
  if (found >> names.size() != 0) ++disagreements; // a bit past the keys
  return disagreements;
}

} // namespace

TEST_CASE("argument lookup: one pass finds what JsonObject::find finds, for any member order") {
  std::mt19937 random(20261207);
  const auto &pool = key_pool();
  int disagreements = 0;
  int objects = 0;
  for (int round = 0; round < 4000; ++round) {
    // Distinct expected names (1 to 6 of them), as a typed command has.
    std::vector<std::string> names;
    const std::size_t wanted = 1 + random() % 6;
    while (names.size() < wanted) {
      const std::string &name = pool[random() % pool.size()];
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    // Members: the names in order (Tauri), shuffled, some left out, some repeated, some extra.
    std::vector<std::string> members = names;
    switch (round % 5) {
    case 0: break;
    case 1: std::shuffle(members.begin(), members.end(), random); break;
    case 2: members.erase(members.begin() + static_cast<std::ptrdiff_t>(random() % members.size())); break;
    case 3: members.insert(members.begin() + static_cast<std::ptrdiff_t>(random() % (members.size() + 1)),
                           names[random() % names.size()]);
      break;
    default:
      for (int extra = 0; extra < 3; ++extra)
        members.insert(members.begin() + static_cast<std::ptrdiff_t>(random() % (members.size() + 1)),
                       pool[random() % pool.size()]);
      std::shuffle(members.begin(), members.end(), random);
    }
    std::string json = "{";
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i) json += ',';
      json += key_json(members[i], random) + ":" + value_json(i, random);
    }
    json += "}";
    INFO(json);
    const auto parsed = ward::detail::with_parsed_json(json, [&](const ward::JsonValue &args) {
      disagreements += lookup_disagreements(args, names);
      ++objects;
      return ward::success();
    });
    REQUIRE(parsed.has_value());
  }
  CHECK(objects == 4000);
  CHECK(disagreements == 0);
  // Not an object, or no document at all: nothing found, as find says.
  for (const char *json : {"[1,2]", "\"a\"", "null", "3", "{}"}) {
    (void)ward::detail::with_parsed_json(json, [&](const ward::JsonValue &args) {
      CHECK(lookup_disagreements(args, {"a", "b"}) == 0);
      return ward::success();
    });
  }
  CHECK(lookup_disagreements(ward::JsonValue(), {"a"}) == 0);
}

TEST_CASE("the integer getters read off the tape exactly what simdjson's getters read") {
  const std::string json = R"([0,1,-1,9223372036854775807,-9223372036854775808,9223372036854775808,
    18446744073709551615,1.0,-0.0,1e3,2.5,"1",null,true,false,[],{},[1],{"a":1}])";
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(json).get(root) == simdjson::SUCCESS);
  int checked = 0;
  for (const simdjson::dom::element element : root.get_array()) {
    const ward::JsonValue value = ward::detail::make_value(element);
    std::int64_t signed_fast = 7, signed_slow = 7;
    std::uint64_t unsigned_fast = 7, unsigned_slow = 7;
    const bool signed_ok = (element.is_int64() || element.is_uint64()) && element.get(signed_slow) == simdjson::SUCCESS;
    const bool unsigned_ok =
        (element.is_int64() || element.is_uint64()) && element.get(unsigned_slow) == simdjson::SUCCESS;
    INFO(simdjson::minify(element));
    CHECK(value.get(signed_fast) == signed_ok);
    CHECK(signed_fast == (signed_ok ? signed_slow : 7)); // untouched on failure
    CHECK(value.get(unsigned_fast) == unsigned_ok);
    CHECK(unsigned_fast == (unsigned_ok ? unsigned_slow : 7));
    ++checked;
  }
  CHECK(checked == 19);
  std::int64_t untouched = 5;
  CHECK_FALSE(ward::JsonValue().get(untouched));
  CHECK(untouched == 5);
}

namespace {

/// What the typed command below answers, written out by a handler that finds each argument with
/// JsonObject::find and decodes it with ward::decode: the general path.
ward::result<std::string> reference_add(const ward::Invocation &invocation, std::string_view command,
                                        const std::array<std::string, 3> &keys) {
  const ward::JsonObject args(invocation.args());
  std::int64_t a = 0;
  std::optional<std::string> label;
  std::uint8_t small = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto value = args.find(keys[i]);
    if (!value) {
      if (i == 1) continue; // optional
      return ward::detail::missing_argument(command, keys[i]);
    }
    ward::result<void> decoded = i == 0 ? ward::decode(*value, a) : i == 1 ? ward::decode(*value, label)
                                                                           : ward::decode(*value, small);
    if (!decoded) return ward::detail::invalid_argument(command, keys[i], std::move(decoded).assume_error());
  }
  return std::to_string(a) + "/" + label.value_or("-") + "/" + std::to_string(small);
}

} // namespace

TEST_CASE("a typed command's arguments: same answers and errors as finding each key apart") {
  for (const auto arg_case : {ward::ArgCase::camel, ward::ArgCase::snake}) {
    const std::array<std::string, 3> keys = arg_case == ward::ArgCase::camel
                                                ? std::array<std::string, 3>{"firstValue", "label", "smallNumber"}
                                                : std::array<std::string, 3>{"first_value", "label", "small_number"};
    for (const std::string command : {"add_things", "addThings"}) {
      ward::AppBuilder typed_builder;
      typed_builder.command(
          command,
          [](std::int64_t a, std::optional<std::string> label, std::uint8_t small) {
            return std::to_string(a) + "/" + label.value_or("-") + "/" + std::to_string(small);
          },
          ward::arg_names{"first_value", "label", "small_number"}, ward::CommandOptions{arg_case});
      const auto typed = build(typed_builder);
      ward::AppBuilder reference_builder;
      reference_builder.command(
          command,
          [command, keys](const ward::Invocation &invocation) { return reference_add(invocation, command, keys); },
          ward::arg_names<0>{});
      const auto reference = build(reference_builder);

      std::mt19937 random(7);
      const std::vector<std::string> values{"1", "-9223372036854775808", "9223372036854775808", "2.5", "\"x\"",
                                            "null", "true", "[1]", "{\"a\":1}", "255", "256", "-1", "\"é\""};
      std::vector<std::string> names{keys[0], keys[1], keys[2], "extra", "firstvalue", "Label", "first_value",
                                     "firstValue", "smallNumber", "small_number"};
      int compared = 0;
      for (int round = 0; round < 600; ++round) {
        std::vector<std::string> members;
        if (round % 3 == 0) members.assign(keys.begin(), keys.end()); // declaration order
        const std::size_t more = random() % 4;
        for (std::size_t i = 0; i < more; ++i)
          members.insert(members.begin() + static_cast<std::ptrdiff_t>(random() % (members.size() + 1)),
                         names[random() % names.size()]);
        if (round % 3 == 1) std::shuffle(members.begin(), members.end(), random);
        std::string json = "{";
        for (std::size_t i = 0; i < members.size(); ++i)
          json += (i ? "," : "") + key_json(members[i], random) + ":" + values[random() % values.size()];
        json += "}";
        INFO(command << " " << json);
        const auto fast = invoke(typed, command, json);
        const auto slow = invoke(reference, command, json);
        CHECK(fast.code == slow.code);
        CHECK(body(fast) == body(slow));
        ++compared;
      }
      CHECK(compared == 600);
    }
  }
}

TEST_CASE("argument names that give one key still find it for both parameters") {
  ward::AppBuilder builder;
  // "file_path" and "filePath" both become the key "filePath": the per-key lookup is used.
  builder.command("twice", [](std::string_view a, std::string_view b) { return std::string(a) + std::string(b); },
                  ward::arg_names{"file_path", "filePath"});
  const auto app = build(builder);
  CHECK(body(invoke(app, "twice", R"({"filePath":"x","filePath":"y"})")) == R"("xx")");
  CHECK(body(invoke(app, "twice", R"({"file_path":"x"})")).find("missing required key filePath") != std::string::npos);
}

namespace {

ward::acl::Policy memo_policy() {
  ward::acl::PolicyInput input;
  input.commands = {"greet", "greeu", "plugin:fs|read_file", "secret"};
  input.capabilities.push_back(ward::acl::Source{
      "main.json",
      R"({"identifier":"main","windows":["main","pop-*"],"permissions":["allow-greet","allow-greeu","fs:allow-read-file"]})",
      ward::acl::Format::json});
  input.capabilities.push_back(ward::acl::Source{
      "remote.json",
      R"({"identifier":"remote","windows":["main"],"remote":{"urls":["https://*.example.com"]},"permissions":["allow-secret"]})",
      ward::acl::Format::json});
  input.capabilities.push_back(ward::acl::Source{
      "deny.json", R"({"identifier":"deny","webviews":["side","mainx"],"permissions":["deny-greet"]})",
      ward::acl::Format::json});
  auto resolved = ward::acl::Policy::resolve(input);
  if (!resolved) throw std::runtime_error(resolved.error().message());
  return std::move(resolved).assume_value();
}

} // namespace

TEST_CASE("the decision memo: a request that differs from the thread's last one in any part is decided afresh") {
  const ward::acl::Policy policy = memo_policy();
  // Text that stays put, so that a label can be passed for both window and webview (one pointer).
  const std::vector<std::string> commands{"greet", "greeu", "gree", "greets", "plugin:fs|read_file",
                                          "plugin:fs|read_filf", "secret", ""};
  const std::vector<std::string> labels{"main", "maim", "mainx", "pop-1", "pop-2", "side", "sidf", "", "m"};
  const std::vector<std::string> origins{"tauri://localhost", "tauri://localhosu", "tauri://localhost/",
                                         "https://a.example.com", "https://b.example.con", "http://tauri.localhost", ""};
  // Copies of the same labels at other addresses, for the pointer check.
  const std::vector<std::string> copies(labels);
  std::vector<ward::acl::AccessRequest> requests;
  for (const auto &command : commands)
    for (std::size_t window = 0; window < labels.size(); ++window)
      for (std::size_t webview = 0; webview < labels.size(); ++webview)
        for (const auto &origin : origins) {
          // The webview as the window's own text (same pointer) and as a copy of equal text.
          requests.push_back({command, labels[window], labels[webview], origin});
          if (window == webview) requests.push_back({command, labels[window], copies[webview], origin});
        }
  std::mt19937 random(3);
  int disagreements = 0;
  int pairs = 0;
  for (int round = 0; round < 3; ++round) {
    for (const auto &first : requests) {
      // One part changed at a time, then a random request: each is judged right after `first`
      // became the thread's last decision.
      ward::acl::AccessRequest changed[5] = {first, first, first, first, requests[random() % requests.size()]};
      changed[0].command = commands[random() % commands.size()];
      changed[1].window = labels[random() % labels.size()];
      changed[2].webview = round == 1 ? std::string_view(copies[random() % copies.size()])
                                      : std::string_view(labels[random() % labels.size()]);
      changed[3].origin = origins[random() % origins.size()];
      for (const auto &second : changed) {
        disagreements += policy.allows(first) != policy.decide(first);
        disagreements += policy.allows(second) != policy.decide(second);
        disagreements += policy.allows(second) != policy.decide(second); // now from the memo
        ++pairs;
      }
    }
  }
  CHECK(pairs == static_cast<int>(requests.size()) * 15);
  CHECK(disagreements == 0);
}

TEST_CASE("the decision memo: one label passed for window and webview, then a webview of other text") {
  const ward::acl::Policy policy = memo_policy();
  const std::string main = "main";
  const std::string mainx = "mainx";
  const std::string side = "side";
  const ward::acl::AccessRequest shared{"greet", main, main, "tauri://localhost"};
  CHECK(policy.allows(shared));
  CHECK(policy.allows(shared)); // the memo, with the pointer check
  // The same window text, a webview the deny grant names: never the memo's answer.
  CHECK_FALSE(policy.allows(ward::acl::AccessRequest{"greet", main, side, "tauri://localhost"}));
  CHECK(policy.allows(shared));
  CHECK_FALSE(policy.allows(ward::acl::AccessRequest{"greet", mainx, mainx, "tauri://localhost"}));
  CHECK(policy.allows(shared));
  const std::string main_copy = main;
  CHECK(policy.allows(ward::acl::AccessRequest{"greet", main, main_copy, "tauri://localhost"}));
  // Too long to be cached: decided afresh, after a memo hit and before the next.
  const std::string long_origin(70000, 'a');
  CHECK(policy.allows(shared));
  CHECK(policy.allows(ward::acl::AccessRequest{"greet", main, main, long_origin}) ==
        policy.decide(ward::acl::AccessRequest{"greet", main, main, long_origin}));
}

TEST_CASE("the command index: each command runs where it was registered to, after any other's hit") {
  // The index answers with the command's execution, asked once at build: alternate lookups of
  // caller and executor commands with names one byte apart must each run where they belong.
  ward::AppBuilder builder;
  builder.command("here", [] { return 1; });
  builder.async_command("herf", [] { return 2; });
  builder.command("hera", [](const ward::InvokeContext &context) { return context.command.size(); });
  const auto app = build(builder);
  const auto caller = std::this_thread::get_id();
  std::thread::id seen;
  ward::AppBuilder thread_builder;
  thread_builder.command("where", [&] {
    seen = std::this_thread::get_id();
    return 0;
  });
  thread_builder.async_command("wherf", [&] {
    seen = std::this_thread::get_id();
    return 1;
  });
  const auto threads = build(thread_builder);
  for (int round = 0; round < 20; ++round) {
    CHECK(body(invoke(app, "here", "{}")) == "1");
    CHECK(body(invoke(app, "herf", "{}")) == "2");
    CHECK(body(invoke(app, "hera", "{}")) == "4");
    CHECK(invoke(app, "herg", "{}").code == errc::unknown_command);
    seen = {};
    CHECK(body(invoke(threads, "where", "{}")) == "0");
    CHECK(seen == caller);
    seen = {};
    CHECK(body(invoke(threads, "wherf", "{}")) == "1");
    CHECK(seen != caller);
    CHECK(seen != std::thread::id());
  }
}
