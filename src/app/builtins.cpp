#include "app/builtins.hpp"

#include "acl/match.hpp"
#include "try.hpp"

#include <ward/app.hpp>
#include <ward/command.hpp>
#include <ward/names.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <string>

namespace ward {

/// Tauri's EventTarget in JSON: {"kind":"Any"} or {"kind":"Window","label":"main"}.
template <> struct Codec<EventTarget> {
  static constexpr std::array<std::pair<std::string_view, EventTarget::Kind>, 6> kinds{{
      {"Any", EventTarget::Kind::any},
      {"AnyLabel", EventTarget::Kind::any_label},
      {"App", EventTarget::Kind::app},
      {"Window", EventTarget::Kind::window},
      {"Webview", EventTarget::Kind::webview},
      {"WebviewWindow", EventTarget::Kind::webview_window},
  }};

  static result<void> decode(const JsonValue &json, EventTarget &out) {
    const auto object = json.object();
    if (!object) return Error(errc::invalid_args, "expected an event target object {kind, label}");
    const auto kind_value = object->find("kind");
    std::string_view kind_name;
    if (!kind_value || !kind_value->get(kind_name))
      return Error(errc::invalid_args, "expected `kind`: Any, AnyLabel, App, Window, Webview or WebviewWindow");
    const auto kind = std::find_if(kinds.begin(), kinds.end(), [&](const auto &entry) { return entry.first == kind_name; });
    if (kind == kinds.end())
      return Error(errc::invalid_args, "unknown target kind; expected Any, AnyLabel, App, Window, Webview or WebviewWindow");
    if (kind->second == EventTarget::Kind::any || kind->second == EventTarget::Kind::app) {
      out = kind->second == EventTarget::Kind::any ? EventTarget::any() : EventTarget::app();
      return success();
    }
    const auto label = object->find("label");
    std::string_view text;
    if (!label || !label->get(text)) return Error(errc::invalid_args, "this target kind needs a string `label`");
    auto parsed = Label::parse(text);
    if (!parsed) return Error(errc::invalid_args, "`label` is not a valid label");
    out = EventTarget::of(kind->second, parsed.value());
    return success();
  }
};

namespace detail {
namespace {

struct Manifest {
  std::string_view plugin;
  std::string_view toml;
};

constexpr std::array<Manifest, 3> builtin_manifests{{
    {"core:event", R"([default]
description = "Default permissions for the event plugin: listen, unlisten, emit and emit_to."
permissions = ["allow-listen", "allow-unlisten", "allow-emit", "allow-emit-to"]
)"},
    {"core:resources", R"([default]
description = "Default permissions for the resources plugin: close a resource of this webview."
permissions = ["allow-close"]
)"},
    {"core:ward", R"([default]
description = "Default permissions of ward's additions: cancel an in-flight invoke of this webview."
permissions = ["allow-cancel"]
)"},
}};

Error invalid(std::string_view command, std::string_view key, Error cause) {
  return invalid_argument(command, key, std::move(cause));
}

result<EventName> parse_event_name(std::string_view command, std::string_view name) {
  auto parsed = EventName::parse(name);
  if (!parsed) return invalid(command, "event", Error(errc::invalid_args, parsed.error().message()));
  return parsed;
}

/// Beyond Tauri: a capability may limit the event names a webview may use, with scope entries
/// `{"event": "<glob>"}` on core:event permissions. No allow entry means any name.
result<void> check_event_scope(const Invocation &invocation, const EventName &event) {
  const auto &scopes = invocation.scopes();
  const auto matches = [&](const std::string &entry) {
    bool matched = false;
    (void)with_parsed_json(entry, [&](const JsonValue &json) -> result<void> {
      std::string_view pattern;
      const auto object = json.object();
      const auto value = object ? object->find("event") : std::nullopt;
      if (value && value->get(pattern)) {
        auto glob = acl::detail::Glob::compile(pattern);
        matched = glob && glob.value().matches(event.view());
      }
      return success();
    });
    return matched;
  };
  const auto &command = scopes.command;
  if (std::any_of(command.deny.begin(), command.deny.end(), matches) ||
      (!command.allow.empty() && std::none_of(command.allow.begin(), command.allow.end(), matches)))
    return Error(errc::not_allowed, "event `" + event.str() + "` is not allowed by the capability's scope");
  return success();
}

/// The event a page names, checked against the capability's event scope.
result<EventName> page_event(const Invocation &invocation, std::string_view command, std::string_view event) {
  auto parsed = parse_event_name(command, event);
  if (!parsed) return parsed;
  if (auto allowed = check_event_scope(invocation, parsed.value()); !allowed) return std::move(allowed).assume_error();
  return parsed;
}

std::string_view payload_text(const std::optional<RawJson> &payload) {
  return payload ? std::string_view(payload->text()) : std::string_view("null");
}

} // namespace

result<void> add_builtin_commands(CommandTable &commands, acl::PolicyInput &acl) {
  for (const auto &manifest : builtin_manifests) {
    const bool supplied = std::any_of(acl.plugins.begin(), acl.plugins.end(),
                                      [&](const auto &plugin) { return plugin.plugin == manifest.plugin; });
    if (!supplied)
      acl.plugins.push_back(acl::PluginManifests{
          std::string(manifest.plugin),
          {acl::Source{"(built in) " + std::string(manifest.plugin), std::string(manifest.toml), acl::Format::toml}}});
  }

  const auto add = [&](std::string_view name, auto handler, const auto &names) -> result<void> {
    if (commands.contains(name)) return Error(errc::duplicate_command, "command `" + std::string(name) + "` is built in");
    commands.emplace(std::string(name),
                     std::make_unique<TypedCommand<decltype(handler)>>(std::string(name), std::move(handler), names,
                                                                      CommandOptions{}));
    return success();
  };

  WARD_TRY(add(
      "plugin:event|listen",
      [](const Invocation &invocation, std::string_view event, EventTarget target,
         std::uint32_t handler) -> result<ListenerId> {
        auto parsed = page_event(invocation, "plugin:event|listen", event);
        if (!parsed) return std::move(parsed).assume_error();
        const EventName &name = parsed.value();
        const auto &data = data_of(invocation);
        auto listener = std::make_shared<Listener>();
        listener->target = std::move(target);
        listener->webview = std::string(data.context.webview);
        listener->handler = handler;
        listener->page = data.page;
        const auto &core = **data.core;
        auto id = core.events.add_page(name, std::move(listener));
        // Checked after adding: a navigation that removed the webview's listeners before this one
        // was added must not leave it behind for the next page.
        if (id && !core.pages->page_is_current(data.context.webview, data.page)) {
          (void)core.events.remove(id.value());
          return Error(errc::closed, "the page that asked has gone");
        }
        return id;
      },
      arg_names{"event", "target", "handler"}));

  WARD_TRY(add(
      "plugin:event|unlisten",
      [](const Invocation &invocation, std::string_view event, ListenerId event_id) -> result<void> {
        WARD_TRY(parse_event_name("plugin:event|unlisten", event));
        const auto &data = data_of(invocation);
        (void)(*data.core)->events.remove_page_listener(data.context.webview, event_id);
        return success();
      },
      arg_names{"event", "event_id"}));

  WARD_TRY(add(
      "plugin:event|emit",
      [](const Invocation &invocation, std::string_view event, std::optional<RawJson> payload) -> result<void> {
        auto parsed = page_event(invocation, "plugin:event|emit", event);
        if (!parsed) return std::move(parsed).assume_error();
        const EventName &name = parsed.value();
        return (*data_of(invocation).core)->emit(name, payload_text(payload), [](const EventTarget &) { return true; });
      },
      arg_names{"event", "payload"}));

  WARD_TRY(add(
      "plugin:event|emit_to",
      [](const Invocation &invocation, EventTarget target, std::string_view event,
         std::optional<RawJson> payload) -> result<void> {
        auto parsed = page_event(invocation, "plugin:event|emit_to", event);
        if (!parsed) return std::move(parsed).assume_error();
        const EventName &name = parsed.value();
        return (*data_of(invocation).core)->emit(name, payload_text(payload), [&](const EventTarget &listener) {
          return event_target_matches(listener, target);
        });
      },
      arg_names{"target", "event", "payload"}));

  WARD_TRY(add(
      "plugin:resources|close",
      [](const Invocation &invocation, ResourceId rid) -> result<void> { return invocation.resources().close(rid); },
      arg_names{"rid"}));

  WARD_TRY(add(
      "plugin:ward|cancel",
      [](const Invocation &invocation, std::uint32_t callback) -> bool {
        const auto &data = data_of(invocation);
        const std::string_view webview = data.context.webview;
        return (*data.core)->inflight.cancel_where(
                   [&](const InflightInvoke &invoke) {
                     return invoke.webview == webview && invoke.callback_id == callback && callback != 0;
                   },
                   CancelReason::requested) > 0;
      },
      arg_names{"callback"}));
  return success();
}

} // namespace detail
} // namespace ward
