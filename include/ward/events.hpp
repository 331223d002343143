#pragma once
// Events between the backend and pages: validated names, Tauri's targets, and what a backend
// listener receives.

#include <ward/error.hpp>
#include <ward/names.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ward {

/// An event name: 1..256 bytes of Unicode letters and digits and `- / : _` (Tauri's rule;
/// where Tauri panics on a bad name, parse returns errc::invalid_name).
class EventName {
public:
  static constexpr std::size_t max_length = 256;
  static result<EventName> parse(std::string_view name);
  [[nodiscard]] const std::string &str() const noexcept { return name_; }
  [[nodiscard]] std::string_view view() const noexcept { return name_; }
  friend bool operator==(const EventName &, const EventName &) = default;

private:
  explicit EventName(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

/// Where an event goes, or what a listener listens on; Tauri's EventTarget. Built from validated
/// labels only.
class EventTarget {
public:
  enum class Kind : std::uint8_t { any, any_label, app, window, webview, webview_window };

  EventTarget() = default;
  static EventTarget any() { return {Kind::any, {}}; }
  static EventTarget any_label(const Label &label) { return {Kind::any_label, label.str()}; }
  static EventTarget app() { return {Kind::app, {}}; }
  static EventTarget window(const Label &label) { return {Kind::window, label.str()}; }
  static EventTarget webview(const Label &label) { return {Kind::webview, label.str()}; }
  static EventTarget webview_window(const Label &label) { return {Kind::webview_window, label.str()}; }
  /// A target of any kind; `label` is ignored for any and app.
  static EventTarget of(Kind kind, const Label &label) {
    return kind == Kind::any || kind == Kind::app ? EventTarget{kind, {}} : EventTarget{kind, label.str()};
  }

  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  /// Empty for any and app.
  [[nodiscard]] const std::string &label() const noexcept { return label_; }
  friend bool operator==(const EventTarget &, const EventTarget &) = default;

private:
  EventTarget(Kind kind, std::string label) : kind_(kind), label_(std::move(label)) {}
  Kind kind_ = Kind::any;
  std::string label_;
};

/// Tauri's rule for emit_to: a listener on `Any` hears every emit; an emit to `AnyLabel{l}` reaches
/// listeners whose target has label l; any other emit reaches listeners on an equal target.
[[nodiscard]] bool event_target_matches(const EventTarget &listener, const EventTarget &emitted) noexcept;

using ListenerId = std::uint64_t;

/// One event as a backend listener receives it. Borrowed for the call.
struct Event {
  std::string_view name;
  std::string_view payload_json; ///< JSON text
  ListenerId listener = 0;       ///< the id `listen` returned (the page's `id` field)
};
using EventListener = std::function<void(const Event &)>;
/// Chooses the targets of emit_filter: called once per listener target.
using EventFilter = std::function<bool(const EventTarget &)>;

} // namespace ward
