// Every conversion between JSON arguments / results and C++ types, through a real invoke.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

using namespace ward_test;
using ward::errc;

namespace {

struct Point {
  int x = 0;
  int y = 0;
};

struct Shape {
  std::string name;
  std::vector<Point> points;
  std::optional<std::string> label;
  std::map<std::string, double> tags;
};

} // namespace

WARD_DESCRIBE(Point, x, y);
WARD_DESCRIBE(Shape, name, points, label, tags);

namespace {

/// Builds an app whose `echo` command takes a T named `v` and returns it.
template <class T> ward::App echo_app() {
  ward::AppBuilder builder;
  builder.command("echo", [](T value) { return value; }, ward::arg_names{"v"});
  return build(builder);
}

template <class T> ward::Response echo(std::string_view value_json) {
  static const auto app = echo_app<T>();
  return invoke(app, "echo", R"({"v":)" + std::string(value_json) + "}");
}

template <class T> std::string echo_body(std::string_view value_json) { return body(echo<T>(value_json)); }

template <class T> std::string echo_error(std::string_view value_json) {
  const auto response = echo<T>(value_json);
  CHECK(response.code == errc::invalid_args);
  return body(response);
}

} // namespace

TEST_CASE("booleans") {
  CHECK(echo_body<bool>("true") == "true");
  CHECK(echo_body<bool>("false") == "false");
  CHECK(echo_error<bool>("1") == R"("invalid args `v` for command `echo`: invalid type: expected a boolean, got integer")");
  CHECK(echo_error<bool>(R"("true")").find("got string") != std::string::npos);
  CHECK(echo_error<bool>("null").find("got null") != std::string::npos);
}

TEMPLATE_TEST_CASE("signed integers round-trip at their limits and refuse one past them", "", std::int8_t,
                   std::int16_t, std::int32_t, std::int64_t) {
  using limits = std::numeric_limits<TestType>;
  const auto min = std::to_string(static_cast<std::int64_t>(limits::min()));
  const auto max = std::to_string(static_cast<std::int64_t>(limits::max()));
  CHECK(echo_body<TestType>(min) == min);
  CHECK(echo_body<TestType>(max) == max);
  CHECK(echo_body<TestType>("0") == "0");
  if constexpr (sizeof(TestType) < 8) {
    const auto above = std::to_string(static_cast<std::int64_t>(limits::max()) + 1);
    const auto below = std::to_string(static_cast<std::int64_t>(limits::min()) - 1);
    CHECK(echo_error<TestType>(above).find("number " + above + " is out of range for i") != std::string::npos);
    CHECK(echo_error<TestType>(below).find("out of range") != std::string::npos);
  } else {
    CHECK(echo_error<TestType>("9223372036854775808").find("out of range for i64") != std::string::npos);
  }
  CHECK(echo_error<TestType>("1.5").find("got floating point number") != std::string::npos);
  CHECK(echo_error<TestType>("1.0").find("got floating point number") != std::string::npos);
  CHECK(echo_error<TestType>(R"("1")").find("got string") != std::string::npos);
  CHECK(echo_error<TestType>("[]").find("got sequence") != std::string::npos);
}

TEMPLATE_TEST_CASE("unsigned integers round-trip at their limits and refuse negatives", "", std::uint8_t,
                   std::uint16_t, std::uint32_t, std::uint64_t) {
  const auto max = std::to_string(std::numeric_limits<TestType>::max());
  CHECK(echo_body<TestType>(max) == max);
  CHECK(echo_body<TestType>("0") == "0");
  CHECK(echo_error<TestType>("-1").find("number -1 is out of range for u") != std::string::npos);
  if constexpr (sizeof(TestType) < 8) {
    const auto above = std::to_string(static_cast<std::uint64_t>(std::numeric_limits<TestType>::max()) + 1);
    CHECK(echo_error<TestType>(above).find("out of range") != std::string::npos);
  } else {
    const auto response = echo<TestType>("18446744073709551616");
    CHECK(response.code == errc::invalid_request);
    CHECK(body(response) == R"("request body has a malformed number or one beyond the 64-bit range")");
  }
}

TEST_CASE("floating point accepts integers, rounds trip shortest, refuses strings") {
  CHECK(echo_body<double>("1.5") == "1.5");
  CHECK(echo_body<double>("3") == "3");
  CHECK(echo_body<double>("-0.1") == "-0.1");
  CHECK(echo_body<double>("1e300") == "1e+300");
  CHECK(echo_body<double>("18446744073709551615") == "18446744073709551616");
  CHECK(echo_error<double>(R"("1.5")").find("expected f64, got string") != std::string::npos);
  CHECK(echo_body<float>("0.5") == "0.5");
  CHECK(echo_error<float>("1e300").find("out of range for f32") != std::string::npos);
}

TEST_CASE("non-finite results are written as null, since JSON has no NaN") {
  ward::AppBuilder builder;
  builder.command("nan", [] { return std::nan(""); });
  builder.command("inf", [] { return std::numeric_limits<double>::infinity(); });
  const auto app = build(builder);
  CHECK(body(invoke(app, "nan", "")) == "null");
  CHECK(body(invoke(app, "inf", "")) == "null");
}

TEST_CASE("strings: unicode, escapes and control characters round-trip") {
  CHECK(echo_body<std::string>(R"("plain")") == R"("plain")");
  CHECK(echo_body<std::string>(R"("caf\u00e9 \ud83d\ude00")") == "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
  CHECK(echo_body<std::string>(R"("tab\tnl\nquote\"back\\slash")") == R"("tab\tnl\nquote\"back\\slash")");
  CHECK(echo_body<std::string>(R"("\u0001\u001f")") == R"("\u0001\u001f")");
  CHECK(echo_body<std::string>(R"("")") == R"("")");
  CHECK(echo_error<std::string>("12").find("expected a string, got integer") != std::string::npos);
}

TEST_CASE("a request with invalid UTF-8 is refused before any handler runs") {
  const auto app = echo_app<std::string>();
  const auto response = invoke(app, "echo", "{\"v\":\"\xff\"}");
  CHECK(response.code == errc::invalid_request);
  CHECK(body(response) == R"("request body is not valid UTF-8")");
}

TEST_CASE("string_view arguments point into the request, zero-copy") {
  const char *seen = nullptr;
  ward::AppBuilder builder;
  builder.command(
      "view",
      [&](std::string_view text) {
        seen = text.data();
        return text.size();
      },
      ward::arg_names{"text"});
  const auto app = build(builder);
  CHECK(body(invoke(app, "view", R"({"text":"abc"})")) == "3");
  CHECK(seen != nullptr);
}

TEST_CASE("optional: null or missing is empty; a value decodes") {
  CHECK(echo_body<std::optional<int>>("null") == "null");
  CHECK(echo_body<std::optional<int>>("5") == "5");
  CHECK(echo_error<std::optional<int>>(R"("5")").find("expected i32") != std::string::npos);
}

TEST_CASE("vectors: elements decode; a bad element is named by index") {
  CHECK(echo_body<std::vector<int>>("[1,2,3]") == "[1,2,3]");
  CHECK(echo_body<std::vector<int>>("[]") == "[]");
  CHECK(echo_body<std::vector<std::string>>(R"(["a","b"])") == R"(["a","b"])");
  CHECK(echo_body<std::vector<std::vector<int>>>("[[1],[2,3]]") == "[[1],[2,3]]");
  CHECK(echo_error<std::vector<int>>(R"([1,"two",3])") ==
        R"("invalid args `v` for command `echo`: invalid type: expected i32, got string at `v[1]`")");
  CHECK(echo_error<std::vector<int>>("{}").find("expected a sequence, got map") != std::string::npos);
}

TEST_CASE("vector<double> takes the bulk path and still names a bad element") {
  CHECK(echo_body<std::vector<double>>("[1,2.5,-3e2]") == "[1,2.5,-300]");
  CHECK(echo_error<std::vector<double>>(R"([1,2,null])").find("at `v[2]`") != std::string::npos);
}

TEST_CASE("maps with string keys") {
  CHECK(echo_body<std::map<std::string, int>>(R"({"b":2,"a":1})") == R"({"a":1,"b":2})");
  CHECK(echo_body<std::unordered_map<std::string, int>>(R"({"k":1})") == R"({"k":1})");
  CHECK(echo_error<std::map<std::string, int>>(R"({"a":1,"b":true})").find("at `v.b`") != std::string::npos);
  CHECK(echo_error<std::map<std::string, int>>("[]").find("expected a map") != std::string::npos);
}

TEST_CASE("structs described once decode and encode, nested") {
  CHECK(echo_body<Point>(R"({"x":1,"y":2})") == R"({"x":1,"y":2})");
  CHECK(echo_body<Point>(R"({"y":2,"x":1,"unknown":true})") == R"({"x":1,"y":2})");
  CHECK(echo_body<Shape>(R"({"name":"tri","points":[{"x":0,"y":0},{"x":1,"y":1}],"tags":{"w":1.5}})") ==
        R"({"name":"tri","points":[{"x":0,"y":0},{"x":1,"y":1}],"label":null,"tags":{"w":1.5}})");
  CHECK(echo_error<Point>(R"({"x":1})") == R"("invalid args `v` for command `echo`: missing field `y`")");
  CHECK(echo_error<Point>(R"({"x":1,"x":2,"y":3})").find("duplicate field `x`") != std::string::npos);
  CHECK(echo_error<Shape>(R"({"name":"n","points":[{"x":0,"y":"zero"}],"tags":{}})") ==
        R"("invalid args `v` for command `echo`: invalid type: expected i32, got string at `v.points[0].y`")");
  CHECK(echo_error<Point>("[1,2]").find("expected a struct, got sequence") != std::string::npos);
}

TEST_CASE("a raw JSON view passes any value through") {
  CHECK(echo_body<ward::JsonValue>(R"({"any":[1,"two",null,{"x":true}]})") == R"({"any":[1,"two",null,{"x":true}]})");
  CHECK(echo_body<ward::RawJson>(R"([1, 2 ,3])") == "[1,2,3]");
  CHECK(ward::RawJson::parse("{not json").has_error());
  CHECK(ward::RawJson::parse(R"({"ok":1})").has_value());
}

TEST_CASE("JsonValue exposes types, arrays and objects") {
  std::string description;
  ward::AppBuilder builder;
  builder.command(
      "inspect",
      [&](ward::JsonValue value) {
        const auto object = value.object(); // keep the optional alive across the loop
        for (auto [key, member] : *object) {
          description += std::string(key) + ":" + std::string(ward::json_type_name(member.type())) + ";";
        }
        const auto list = value.object()->find("list")->array();
        description += "size=" + std::to_string(list->size());
        return 0;
      },
      ward::arg_names{"value"});
  const auto app = build(builder);
  CHECK(invoke(app, "inspect", R"({"value":{"n":null,"b":true,"i":-1,"u":18446744073709551615,"d":1.5,"s":"","list":[1,2],"o":{}}})")
            .ok());
  CHECK(description ==
        "n:null;b:boolean;i:integer;u:integer;d:floating point number;s:string;list:sequence;o:map;size=2");
}

TEST_CASE("results encode every supported type") {
  ward::AppBuilder builder;
  builder.command("unit", [] {});
  builder.command("text", [] { return "literal"; });
  builder.command("list", [] { return std::vector<std::optional<bool>>{true, std::nullopt}; });
  builder.command("point", [] { return Point{3, 4}; });
  builder.command("ok_void", []() -> ward::result<void> { return ward::success(); });
  const auto app = build(builder);
  CHECK(body(invoke(app, "unit", "")) == "null");
  CHECK(body(invoke(app, "text", "")) == R"("literal")");
  CHECK(body(invoke(app, "list", "")) == "[true,null]");
  CHECK(body(invoke(app, "point", "")) == R"({"x":3,"y":4})");
  CHECK(body(invoke(app, "ok_void", "")) == "null");
}

TEST_CASE("the error category names every code") {
  CHECK(std::string(ward::error_category().name()) == "ward");
  CHECK(ward::make_error_code(errc::unknown_command).message() == "unknown_command");
  CHECK(ward::errc_name(errc::limit_exceeded) == "limit_exceeded");
  const std::error_code code = errc::busy;
  CHECK(code.category() == ward::error_category());
}

namespace {
struct WithValue {
  ward::JsonValue value;
};
} // namespace
WARD_DESCRIBE(WithValue, value);

TEST_CASE("a default-constructed JsonValue is JSON null") {
  const ward::JsonValue value;
  CHECK(value.is_null());
  CHECK(value.to_json() == "null");
  CHECK_FALSE(value.array().has_value());
  CHECK(std::string(ward::to_json(WithValue{}).c_str()) == R"({"value":null})");
}

#include <dlfcn.h>
#include <cstdlib>

TEST_CASE("ward never replaces the host's malloc or operator new") {
  // Debian's libmimalloc exports malloc; linking it would take over the whole process.
  Dl_info info{};
  REQUIRE(dladdr(reinterpret_cast<void *>(&std::malloc), &info) != 0);
  CHECK(std::string(info.dli_fname).find("mimalloc") == std::string::npos);
  void *(*new_operator)(std::size_t) = &::operator new;
  REQUIRE(dladdr(reinterpret_cast<void *>(new_operator), &info) != 0);
  CHECK(std::string(info.dli_fname).find("mimalloc") == std::string::npos);
#if WARD_TEST_EXPECTS_MIMALLOC
  CHECK(ward::uses_mimalloc()); // ward's own buffers still come from mimalloc
#endif
  CHECK(std::string(ward::to_json(std::string(100, 'x')).c_str()).size() == 102);
}
