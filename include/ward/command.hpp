#pragma once
// Commands: the handler interface and the typed adapter that turns an ordinary C++ callable into
// one. A typed handler's parameters are, in any order:
//   - JSON arguments, taken by name from the args object (see codec.hpp for the types);
//   - State<T>                     managed state, resolved when the app is built;
//   - const InvokeContext &        who invoked;
//   - const Invocation &           the whole request;
//   - std::span<const std::byte>   the raw body (application/octet-stream), zero-copy;
//   - Responder                    answer later, from any thread (the handler then returns void);
//   - Scopes<T>                    the ACL scope entries that let this request in, decoded as T;
//   - Channel                      a JSON argument ("__CHANNEL__:<id>") turned into a stream to the page;
//   - CancellationToken            fires when the invoke is cancelled (async commands and Responders);
//   - Resources                    the resource table of the invoking webview;
//   - const App &                  the app (to emit events); it never keeps the app from shutting down.
// It returns void (null), a value, Bytes (sent raw), result<T> (an Error's public message becomes
// the rejection) or command_result<T, E> (E's JSON is the rejection value, as in Tauri).

#include <ward/acl.hpp>
#include <ward/cancel.hpp>
#include <ward/channel.hpp>
#include <ward/codec.hpp>
#include <ward/context.hpp>
#include <ward/error.hpp>
#include <ward/host.hpp>
#include <ward/resources.hpp>
#include <ward/responder.hpp>
#include <ward/state.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeindex>
#include <utility>
#include <vector>

namespace ward {

class App;

/// Raw bytes a handler answers with, sent as application/octet-stream without JSON or base64.
using Bytes = std::vector<std::byte>;

/// The access-control scopes of an allowed request, decoded into the handler's type: the command
/// scope of the grants that matched and the plugin's global scope from capabilities that match
/// the request. Enforcing them is the handler's business (as in Tauri).
template <class T> struct Scopes {
  std::vector<T> allow;
  std::vector<T> deny;
  std::vector<T> global_allow;
  std::vector<T> global_deny;
};

/// How argument names given at registration map to JSON keys: Tauri's default turns
/// `file_path` into `filePath`; `snake` uses the names as given.
enum class ArgCase : std::uint8_t { camel, snake };

/// Where a command's handler runs: on the invoking thread, or on the app's executor (an async
/// command: its request is copied, it gets a cancellation token, a full queue answers errc::busy).
enum class Execution : std::uint8_t { caller, executor };

struct CommandOptions {
  ArgCase arg_case = ArgCase::camel;
  Execution execution = Execution::caller;
};

/// The names of a handler's JSON arguments, in parameter order: `ward::arg_names{"name", "times"}`.
/// The count is checked against the handler's signature at compile time.
template <std::size_t N> struct arg_names {
  std::array<std::string_view, N> names;
};
template <class... S> arg_names(S...) -> arg_names<sizeof...(S)>;

namespace detail {
class StateRegistry;
[[nodiscard]] void *find_state(const StateRegistry &registry, std::type_index type) noexcept;
[[nodiscard]] void *find_state(const StateRegistry &registry, std::string_view name) noexcept;
[[nodiscard]] Error state_not_managed(std::string_view command, std::string_view type_name);
[[nodiscard]] std::string to_arg_key(std::string_view name, ArgCase arg_case);
[[nodiscard]] Error missing_argument(std::string_view command, std::string_view key);
[[nodiscard]] Error invalid_argument(std::string_view command, std::string_view key, Error &&cause);
[[nodiscard]] Error not_raw_body(std::string_view command);
[[nodiscard]] String encode_error_value(const Error &error);
/// Parses one JSON text and hands its root to `use` (for scope entries).
[[nodiscard]] result<void> with_parsed_json(std::string_view text, const std::function<result<void>(const JsonValue &)> &use);
[[nodiscard]] Error invalid_scope_entry(std::string_view command, std::string_view entry, const Error &cause);
[[nodiscard]] Error not_a_channel(std::string_view command, std::string_view key);
} // namespace detail

/// Where a handler's answer goes. Exactly one of resolve / reject / defer per call.
class ReplyTarget {
public:
  virtual void resolve(String body, BodyKind kind) = 0;
  /// Resolves with the JSON text of an integer, as resolve(to_json(value), BodyKind::json) does:
  /// what a typed handler's integer result takes, so a target may write the digits straight into
  /// its response.
  virtual void resolve_integer(std::uint64_t magnitude, bool negative) {
    resolve(detail::integer_json(magnitude, negative), BodyKind::json);
  }
  virtual void reject(Error error) = 0;
  /// Hands the answer to a Responder the handler keeps (allocates; only for deferred replies).
  virtual Responder defer() = 0;

protected:
  ~ReplyTarget() = default;
};

/// A command implementation. Typed handlers are adapted to this; foreign-language handlers
/// (the C ABI) implement it directly.
class CommandHandler {
public:
  virtual ~CommandHandler() = default;
  /// Resolves injected state when the app is built; an error here fails the build.
  virtual result<void> bind(const detail::StateRegistry &registry) {
    (void)registry;
    return success();
  }
  /// Runs the command. May throw: the app turns an exception into an internal-error response.
  virtual void call(const Invocation &invocation, ReplyTarget &target) = 0;
  /// Where call() runs. Asked once, when the app is built.
  [[nodiscard]] virtual Execution execution() const noexcept { return Execution::caller; }
};

namespace detail {

template <class T> struct is_state : std::false_type {};
template <class T> struct is_state<State<T>> : std::true_type {
  using value_type = T;
};
template <class T> struct is_scopes : std::false_type {};
template <class T> struct is_scopes<Scopes<T>> : std::true_type {
  using value_type = T;
};
template <class T> struct is_command_result : std::false_type {};
template <class T, class E>
struct is_command_result<boost::outcome_v2::basic_result<T, E, boost::outcome_v2::policy::terminate>>
    : std::true_type {};

enum class ParamKind { json, state, context, invocation, body, responder, scopes, channel, cancel, resources, app };

template <class P> constexpr ParamKind param_kind() {
  using D = std::remove_cvref_t<P>;
  if constexpr (is_state<D>::value) return ParamKind::state;
  else if constexpr (std::is_same_v<D, Channel>) return ParamKind::channel;
  else if constexpr (std::is_same_v<D, CancellationToken>) return ParamKind::cancel;
  else if constexpr (std::is_same_v<D, Resources>) return ParamKind::resources;
  else if constexpr (std::is_same_v<D, App>) return ParamKind::app;
  else if constexpr (std::is_same_v<D, InvokeContext>) return ParamKind::context;
  else if constexpr (std::is_same_v<D, Invocation>) return ParamKind::invocation;
  else if constexpr (std::is_same_v<D, std::span<const std::byte>>) return ParamKind::body;
  else if constexpr (std::is_same_v<D, Responder>) return ParamKind::responder;
  else if constexpr (is_scopes<D>::value) return ParamKind::scopes;
  else return ParamKind::json;
}

/// What a parameter is held in between decoding and the call.
template <class P, ParamKind = param_kind<P>()> struct ParamSlot {
  using Value = std::remove_cvref_t<P>;
  static_assert(Decodable<Value>, "a JSON argument's type has no ward::Codec (see codec.hpp)");
  Value value{};
  decltype(auto) get() {
    if constexpr (std::is_lvalue_reference_v<P>) return static_cast<P>(value);
    else return std::move(value);
  }
};
template <class P> struct ParamSlot<P, ParamKind::state> {
  using Value = typename is_state<std::remove_cvref_t<P>>::value_type;
  std::remove_cvref_t<P> get() const { return std::remove_cvref_t<P>(*pointer); }
  Value *pointer = nullptr;
};
template <class P> struct ParamSlot<P, ParamKind::context> {
  const InvokeContext *context = nullptr;
  const InvokeContext &get() const { return *context; }
};
template <class P> struct ParamSlot<P, ParamKind::invocation> {
  const Invocation *invocation = nullptr;
  const Invocation &get() const { return *invocation; }
};
template <class P> struct ParamSlot<P, ParamKind::body> {
  std::span<const std::byte> bytes;
  std::span<const std::byte> get() const { return bytes; }
};
template <class P> struct ParamSlot<P, ParamKind::scopes> {
  std::remove_cvref_t<P> scopes;
  decltype(auto) get() {
    if constexpr (std::is_lvalue_reference_v<P>) return static_cast<P>(scopes);
    else return std::move(scopes);
  }
};
template <class P> struct ParamSlot<P, ParamKind::channel> {
  std::optional<Channel> channel;
  Channel get() { return std::move(*channel); }
};
template <class P> struct ParamSlot<P, ParamKind::cancel> {
  CancellationToken token;
  CancellationToken get() const { return token; }
};
template <class P> struct ParamSlot<P, ParamKind::resources> {
  std::optional<Resources> resources;
  Resources get() { return std::move(*resources); }
};
template <class P> struct ParamSlot<P, ParamKind::app> {
  const App *app = nullptr;
  const App &get() const { return *app; }
};
template <class P> struct ParamSlot<P, ParamKind::responder> {
  std::optional<Responder> responder;
  Responder get() { return std::move(*responder); }
};

template <class F> struct Signature : Signature<decltype(&F::operator())> {};
template <class R, class... P> struct Signature<R (*)(P...)> {
  using Result = R;
  using Params = std::tuple<P...>;
};
template <class R, class... P> struct Signature<R(P...)> : Signature<R (*)(P...)> {};
template <class C, class R, class... P> struct Signature<R (C::*)(P...)> : Signature<R (*)(P...)> {};
template <class C, class R, class... P> struct Signature<R (C::*)(P...) const> : Signature<R (*)(P...)> {};
template <class C, class R, class... P> struct Signature<R (C::*)(P...) noexcept> : Signature<R (*)(P...)> {};
template <class C, class R, class... P>
struct Signature<R (C::*)(P...) const noexcept> : Signature<R (*)(P...)> {};
template <class R, class... P> struct Signature<R (*)(P...) noexcept> : Signature<R (*)(P...)> {};

template <class Params> struct ParamInfo;
template <class... P> struct ParamInfo<std::tuple<P...>> {
  static constexpr std::size_t count = sizeof...(P);
  static constexpr std::array<ParamKind, count> kinds{param_kind<P>()...};
  static constexpr bool takes_key(ParamKind kind) { return kind == ParamKind::json || kind == ParamKind::channel; }
  static constexpr std::size_t json_count = ((takes_key(param_kind<P>()) ? 1u : 0u) + ... + 0u);
  static constexpr bool defers = ((param_kind<P>() == ParamKind::responder) || ...);
  /// For each parameter, its index among the JSON arguments.
  static constexpr std::array<std::size_t, count> json_index = [] {
    std::array<std::size_t, count> indices{};
    std::size_t next = 0;
    for (std::size_t i = 0; i < count; ++i) indices[i] = takes_key(kinds[i]) ? next++ : 0;
    return indices;
  }();
};

/// Delivers what a handler returned.
template <class R> void deliver(ReplyTarget &target, R &&value) {
  using D = std::remove_cvref_t<R>;
  if constexpr (std::is_same_v<D, Bytes>) {
    target.resolve(String(reinterpret_cast<const char *>(value.data()), value.size()), BodyKind::raw);
  } else if constexpr (std::is_same_v<D, result<void>>) {
    if (value) target.resolve(String("null"), BodyKind::json);
    else target.reject(std::move(value).assume_error());
  } else if constexpr (is_command_result<D>::value) {
    using E = typename D::error_type;
    if (value.has_value()) {
      if constexpr (std::is_void_v<typename D::value_type>) target.resolve(String("null"), BodyKind::json);
      else deliver(target, std::move(value).assume_value());
    } else if constexpr (std::is_same_v<E, Error>) {
      target.reject(std::move(value).assume_error());
    } else {
      auto json = to_json(value.assume_error());
      target.reject(Error::rejected(std::string(json.data(), json.size())));
    }
  } else if constexpr (requires { Codec<D>::builtin_integer; }) {
    // ward's own integer codec (not one a program specialized): the text to_json would write.
    if constexpr (std::is_signed_v<D>) {
      const auto wide = static_cast<std::int64_t>(value);
      const auto magnitude = static_cast<std::uint64_t>(wide);
      target.resolve_integer(wide < 0 ? 0 - magnitude : magnitude, wide < 0);
    } else {
      target.resolve_integer(static_cast<std::uint64_t>(value), false);
    }
  } else {
    static_assert(Encodable<D>, "a handler's result type has no ward::Codec (see codec.hpp)");
    target.resolve(to_json(value), BodyKind::json);
  }
}

template <class F> class TypedCommand final : public CommandHandler {
  using Sig = Signature<std::remove_cvref_t<F>>;
  using Params = typename Sig::Params;
  using Info = ParamInfo<Params>;

public:
  template <std::size_t N>
  TypedCommand(std::string command, F fn, const arg_names<N> &names, CommandOptions options)
      : command_(std::move(command)), fn_(std::move(fn)), execution_(options.execution) {
    static_assert(N == Info::json_count,
                  "ward::arg_names must name exactly the handler's JSON arguments (Channels included), in order");
    for (std::size_t i = 0; i < N; ++i) keys_[i] = argument_key(to_arg_key(names.names[i], options.arg_case));
    // Two names can give one key ("file_path" and "filePath"): find_arguments needs distinct ones.
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t j = i + 1; j < N; ++j)
        if (keys_[i].name == keys_[j].name) distinct_keys_ = false;
  }

  [[nodiscard]] Execution execution() const noexcept override { return execution_; }

  result<void> bind(const StateRegistry &registry) override {
    return bind_states(registry, std::make_index_sequence<Info::count>{});
  }

  void call(const Invocation &invocation, ReplyTarget &target) override {
    call_with(invocation, target, std::make_index_sequence<Info::count>{});
  }

private:
  template <std::size_t I> using Param = std::tuple_element_t<I, Params>;

  /// The JSON arguments' values, all found before any is decoded.
  struct FoundArguments {
    std::array<std::uint64_t, (Info::json_count + 63) / 64> found{}; ///< bit i: keys_[i] is present
    std::array<JsonValue, Info::json_count> values;
    [[nodiscard]] bool has(std::size_t index) const noexcept { return (found[index / 64] >> (index % 64)) & 1u; }
  };

  void find_all(const Invocation &invocation, FoundArguments &arguments) const {
    const JsonValue args = invocation.args();
    if constexpr (Info::json_count <= 64) {
      if (distinct_keys_) [[likely]] {
        arguments.found[0] = find_arguments(args, keys_.data(), Info::json_count, arguments.values.data());
        return;
      }
    }
    const JsonObject object(args);
    for (std::size_t i = 0; i < Info::json_count; ++i) {
      if (const auto value = object.find(keys_[i].name)) {
        arguments.values[i] = *value;
        arguments.found[i / 64] |= std::uint64_t{1} << (i % 64);
      }
    }
  }

  template <std::size_t... I> result<void> bind_states(const StateRegistry &registry, std::index_sequence<I...>) {
    result<void> outcome = success();
    (void)((bind_state<I>(registry, outcome)) && ...);
    return outcome;
  }
  template <std::size_t I> bool bind_state(const StateRegistry &registry, result<void> &outcome) {
    if constexpr (param_kind<Param<I>>() == ParamKind::state) {
      using T = typename is_state<std::remove_cvref_t<Param<I>>>::value_type;
      void *found = find_state(registry, std::type_index(typeid(std::remove_cv_t<T>)));
      if (!found) {
        outcome = state_not_managed(command_, typeid(std::remove_cv_t<T>).name());
        return false;
      }
      std::get<I>(states_) = static_cast<T *>(found);
    }
    return true;
  }

  template <std::size_t... I>
  void call_with(const Invocation &invocation, ReplyTarget &target, std::index_sequence<I...>) {
    std::tuple<ParamSlot<Param<I>>...> slots;
    FoundArguments args;
    if constexpr (Info::json_count > 0) find_all(invocation, args);
    // The Responder is taken last, once every argument decoded: a failed decode must still be
    // able to answer through `target` directly.
    if (!(load<I, false>(std::get<I>(slots), invocation, args, target) && ...)) return;
    (void)(load<I, true>(std::get<I>(slots), invocation, args, target) && ...);
    if constexpr (Info::defers) {
      static_assert(std::is_void_v<typename Sig::Result>, "a handler that takes a Responder returns void");
      std::apply([&](auto &...slot) { fn_(slot.get()...); }, slots);
    } else if constexpr (std::is_void_v<typename Sig::Result>) {
      std::apply([&](auto &...slot) { fn_(slot.get()...); }, slots);
      target.resolve(String("null"), BodyKind::json);
    } else {
      deliver(target, std::apply([&](auto &...slot) -> decltype(auto) { return fn_(slot.get()...); }, slots));
    }
  }

  template <std::size_t I, bool ResponderPass, class Slot>
  bool load(Slot &slot, const Invocation &invocation, const FoundArguments &args, ReplyTarget &target) {
    constexpr ParamKind kind = param_kind<Param<I>>();
    if constexpr (ResponderPass) {
      if constexpr (kind == ParamKind::responder) slot.responder.emplace(target.defer());
      return true;
    } else if constexpr (kind == ParamKind::json) {
      constexpr std::size_t index = Info::json_index[I];
      const std::string &key = keys_[index].name;
      if (!args.has(index)) {
        if constexpr (is_optional_v<typename Slot::Value>) return true;
        target.reject(missing_argument(command_, key));
        return false;
      }
      const JsonValue &value = args.values[index];
      if constexpr (requires { Codec<typename Slot::Value>::decode_success(value, slot.value); }) {
        if (Codec<typename Slot::Value>::decode_success(value, slot.value)) [[likely]]
          return true;
      }
      auto decoded = ward::decode(value, slot.value);
      if (!decoded) {
        target.reject(invalid_argument(command_, key, std::move(decoded).assume_error()));
        return false;
      }
    } else if constexpr (kind == ParamKind::channel) {
      constexpr std::size_t index = Info::json_index[I];
      const std::string &key = keys_[index].name;
      if (!args.has(index)) {
        target.reject(missing_argument(command_, key));
        return false;
      }
      auto channel = invocation.channel(args.values[index]);
      if (!channel) {
        target.reject(not_a_channel(command_, key));
        return false;
      }
      slot.channel.emplace(std::move(channel).assume_value());
    } else if constexpr (kind == ParamKind::cancel) {
      slot.token = invocation.cancellation();
    } else if constexpr (kind == ParamKind::resources) {
      slot.resources.emplace(invocation.resources());
    } else if constexpr (kind == ParamKind::app) {
      slot.app = &invocation.app();
    } else if constexpr (kind == ParamKind::state) {
      slot.pointer = std::get<I>(states_);
    } else if constexpr (kind == ParamKind::context) {
      slot.context = &invocation.context();
    } else if constexpr (kind == ParamKind::invocation) {
      slot.invocation = &invocation;
    } else if constexpr (kind == ParamKind::body) {
      if (!invocation.is_raw()) {
        target.reject(not_raw_body(command_));
        return false;
      }
      slot.bytes = invocation.body();
    } else if constexpr (kind == ParamKind::scopes) {
      using T = typename is_scopes<std::remove_cvref_t<Param<I>>>::value_type;
      const auto &resolved = invocation.scopes();
      const auto fill = [&](const std::vector<std::string> &entries, std::vector<T> &out) {
        for (const auto &entry : entries) {
          T value{};
          auto decoded = with_parsed_json(entry, [&](const JsonValue &json) { return ward::decode(json, value); });
          if (!decoded) {
            target.reject(invalid_scope_entry(command_, entry, decoded.error()));
            return false;
          }
          out.push_back(std::move(value));
        }
        return true;
      };
      return fill(resolved.command.allow, slot.scopes.allow) && fill(resolved.command.deny, slot.scopes.deny) &&
             fill(resolved.global.allow, slot.scopes.global_allow) && fill(resolved.global.deny, slot.scopes.global_deny);
    }
    return true;
  }

  template <class P> struct StatePointer {
    using type = void *; // unused slot for parameters that are not state
  };
  template <class T> struct StatePointer<State<T>> {
    using type = T *;
  };
  template <class Tuple> struct StatePointers;
  template <class... P> struct StatePointers<std::tuple<P...>> {
    using type = std::tuple<typename StatePointer<std::remove_cvref_t<P>>::type...>;
  };

  std::string command_;
  F fn_;
  Execution execution_;
  std::array<ArgumentKey, Info::json_count> keys_;
  bool distinct_keys_ = true;
  typename StatePointers<Params>::type states_{};
};

} // namespace detail
} // namespace ward
