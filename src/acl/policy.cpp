// Compiling a resolved policy for fast decisions, and the decisions, explanations and neutral
// JSON made from it.
#include "acl/decision_cache.hpp"
#include "acl/match.hpp"
#include "acl/resolve.hpp"
#include "app/strings.hpp"
#include "try.hpp"

#include <ward/acl.hpp>
#include <ward/json.hpp>

#include <algorithm>
#include <span>
#include <unordered_map>

namespace ward::acl {
namespace detail {
namespace {

using ward::detail::StringHash;

/// Where a grant or global scope applies, compiled.
struct Applicability {
  bool local = false;                ///< applies to the app's own pages
  std::vector<std::size_t> patterns; ///< remote URL patterns (indexes into CompiledPolicy::patterns)
  std::vector<Glob> windows;
  std::vector<Glob> webviews;
};

struct CompiledGrant {
  Applicability applies;
  const Grant *grant;
};

/// Grants indexed by literal window and webview labels, so a decision looks at the few grants
/// that can match instead of all of a command's grants.
struct GrantIndex {
  std::vector<CompiledGrant> grants;
  std::unordered_map<std::string, std::vector<std::uint32_t>, StringHash, std::equal_to<>> by_window;
  std::unordered_map<std::string, std::vector<std::uint32_t>, StringHash, std::equal_to<>> by_webview;
  std::vector<std::uint32_t> unindexed; ///< grants with a glob that is not a literal

  void build() {
    for (std::uint32_t i = 0; i < grants.size(); ++i) {
      const auto &applies = grants[i].applies;
      const auto literal = [](const Glob &glob) { return glob.is_literal(); };
      if (!std::all_of(applies.windows.begin(), applies.windows.end(), literal) ||
          !std::all_of(applies.webviews.begin(), applies.webviews.end(), literal)) {
        unindexed.push_back(i);
        continue;
      }
      for (const auto &glob : applies.windows) by_window[glob.pattern()].push_back(i);
      for (const auto &glob : applies.webviews) by_webview[glob.pattern()].push_back(i);
    }
  }

  /// Calls `visit` with each grant that may match the labels (a grant may come twice); stops
  /// and returns true as soon as `visit` does.
  template <class Visit> bool any_candidate(std::string_view window, std::string_view webview, Visit visit) const {
    const auto in = [&](const std::vector<std::uint32_t> &list) {
      return std::any_of(list.begin(), list.end(), [&](std::uint32_t i) { return visit(grants[i]); });
    };
    if (grants.empty()) return false;
    if (!by_window.empty())
      if (const auto found = by_window.find(window); found != by_window.end() && in(found->second)) return true;
    if (!by_webview.empty())
      if (const auto found = by_webview.find(webview); found != by_webview.end() && in(found->second)) return true;
    return in(unindexed);
  }
};

struct CommandRules {
  GrantIndex allow;
  GrantIndex deny;
};

struct CompiledGlobal {
  Applicability applies;
  const GlobalScopeGrant *grant;
};

/// The request. Its origin is classified on first need (a grant whose labels match), and then
/// only parsed if the fast local check fails.
struct RequestView {
  std::string_view origin;
  std::string_view window;
  std::string_view webview;
  mutable bool classified = false;
  mutable UrlParts url;
  mutable bool valid_url = false;
  mutable bool local = false;
};

/// "scheme://host[:port]" of an app origin as typed into requests, for the fast path.
std::string origin_prefix(const AppOrigin &origin) {
  return origin.scheme + "://" + origin.host + (origin.port.empty() ? std::string() : ":" + origin.port);
}

} // namespace

struct CompiledPolicy {
  PolicyInput input;
  ResolvedPolicy resolved;
  std::vector<AppOrigin> app_origins;
  std::vector<std::string> app_origin_prefixes;
  std::vector<UrlPattern> patterns;
  std::unordered_map<std::string, CommandRules, StringHash, std::equal_to<>> rules;
  std::unordered_map<std::string, std::vector<CompiledGlobal>, StringHash, std::equal_to<>> globals;
  mutable DecisionCache decisions;

  [[nodiscard]] static RequestView view_of(const AccessRequest &request) noexcept {
    RequestView view;
    view.origin = request.origin;
    view.window = request.window;
    view.webview = request.webview;
    return view;
  }

  void classify(const RequestView &view) const noexcept {
    if (view.classified) return;
    view.classified = true;
    // Fast path: the origin starts with an app origin exactly as the app declared it, followed
    // by nothing or a path, query or fragment. Anything else takes the full parse below.
    for (const auto &prefix : app_origin_prefixes) {
      if (view.origin.starts_with(prefix) &&
          (view.origin.size() == prefix.size() || std::string_view("/?#").find(view.origin[prefix.size()]) != std::string_view::npos)) {
        view.local = true;
        return;
      }
    }
    view.valid_url = split_url(view.origin, view.url);
    view.local = view.valid_url &&
                 std::any_of(app_origins.begin(), app_origins.end(), [&](const AppOrigin &o) { return o.matches(view.url); });
  }

  [[nodiscard]] bool context_matches(const Applicability &applies, const RequestView &request) const noexcept {
    classify(request);
    if (request.local) return applies.local; // valid_url may be unset on the fast path
    return request.valid_url && std::any_of(applies.patterns.begin(), applies.patterns.end(),
                                            [&](std::size_t pattern) { return patterns[pattern].matches(request.url); });
  }

  [[nodiscard]] static bool labels_match(const Applicability &applies, const RequestView &request) noexcept {
    const auto matches = [](const std::vector<Glob> &globs, std::string_view label) {
      return std::any_of(globs.begin(), globs.end(), [&](const Glob &glob) { return glob.matches(label); });
    };
    return matches(applies.windows, request.window) || matches(applies.webviews, request.webview);
  }

  [[nodiscard]] bool applies(const Applicability &applies, const RequestView &request) const noexcept {
    return labels_match(applies, request) && context_matches(applies, request); // labels are cheaper
  }

  [[nodiscard]] const CommandRules *rules_for(std::string_view command) const noexcept {
    const auto found = rules.find(command);
    return found == rules.end() ? nullptr : &found->second;
  }
};

namespace {

result<Applicability> compile_applicability(std::span<const Context> contexts, const std::vector<std::string> &windows,
                                            const std::vector<std::string> &webviews, CompiledPolicy &policy,
                                            const Origin &where) {
  Applicability out;
  for (const auto &context : contexts) {
    if (context.local) {
      out.local = true;
      continue;
    }
    const auto existing = std::find_if(policy.patterns.begin(), policy.patterns.end(),
                                       [&](const UrlPattern &p) { return p.text() == context.remote_pattern; });
    if (existing != policy.patterns.end()) {
      out.patterns.push_back(static_cast<std::size_t>(existing - policy.patterns.begin()));
    } else {
      auto pattern = UrlPattern::compile(context.remote_pattern);
      if (!pattern) return Error(errc::invalid_argument, where.describe() + ": " + pattern.error().message());
      out.patterns.push_back(policy.patterns.size());
      policy.patterns.push_back(std::move(pattern).assume_value());
    }
  }
  for (const auto *list : {&windows, &webviews}) {
    for (const auto &text : *list) {
      auto glob = Glob::compile(text);
      if (!glob) return Error(errc::invalid_argument, where.describe() + ": " + glob.error().message());
      (list == &windows ? out.windows : out.webviews).push_back(std::move(glob).assume_value());
    }
  }
  return out;
}

result<std::shared_ptr<CompiledPolicy>> compile(const PolicyInput &input) {
  auto policy = std::make_shared<CompiledPolicy>();
  policy->input = input;
  WARD_TRY_ASSIGN(policy->resolved, resolve_policy(input));
  const std::vector<std::string> default_origins{"tauri://localhost", "http://tauri.localhost"};
  for (const auto &origin : input.app_origins.empty() ? default_origins : input.app_origins) {
    auto parsed = AppOrigin::parse(origin);
    if (!parsed) return std::move(parsed).assume_error();
    policy->app_origin_prefixes.push_back(origin_prefix(parsed.value()));
    policy->app_origins.push_back(std::move(parsed).assume_value());
  }
  // Capability origins for messages: an entry's own file and position.
  for (const auto &[command, grants] : policy->resolved.allowed) {
    auto &rules = policy->rules[command];
    for (const auto &grant : grants) {
      Applicability applies;
      WARD_TRY_ASSIGN(applies, compile_applicability(std::span(&grant.context, 1), grant.windows, grant.webviews, *policy, grant.provenance.where));
      rules.allow.grants.push_back(CompiledGrant{std::move(applies), &grant});
    }
  }
  for (const auto &[command, grants] : policy->resolved.denied) {
    auto &rules = policy->rules[command];
    for (const auto &grant : grants) {
      Applicability applies;
      WARD_TRY_ASSIGN(applies, compile_applicability(std::span(&grant.context, 1), grant.windows, grant.webviews, *policy, grant.provenance.where));
      rules.deny.grants.push_back(CompiledGrant{std::move(applies), &grant});
    }
  }
  for (auto &[command, rules] : policy->rules) {
    rules.allow.build();
    rules.deny.build();
  }
  for (const auto &global : policy->resolved.global) {
    Applicability applies;
    WARD_TRY_ASSIGN(applies, compile_applicability(global.contexts, global.windows, global.webviews, *policy, global.provenance.where));
    policy->globals[global.plugin].push_back(CompiledGlobal{std::move(applies), &global});
  }
  return policy;
}

void write_strings(JsonWriter &writer, const std::vector<std::string> &values) {
  writer.begin_array();
  for (const auto &value : values) writer.string(value);
  writer.end_array();
}

void write_raw_list(JsonWriter &writer, const std::vector<std::string> &values) {
  writer.begin_array();
  for (const auto &value : values) writer.raw(value);
  writer.end_array();
}

void write_scope(JsonWriter &writer, const ScopeEntries &scope) {
  writer.begin_object();
  writer.key("allow");
  write_raw_list(writer, scope.allow);
  writer.key("deny");
  write_raw_list(writer, scope.deny);
  writer.end_object();
}

void write_context(JsonWriter &writer, const Context &context) {
  if (context.local) {
    writer.string("local");
    return;
  }
  writer.begin_object();
  writer.key("remote");
  writer.string(context.remote_pattern);
  writer.end_object();
}

void write_neutral_grant(JsonWriter &writer, const Grant &grant) {
  writer.begin_object();
  writer.key("context");
  write_context(writer, grant.context);
  writer.key("windows");
  write_strings(writer, grant.windows);
  writer.key("webviews");
  write_strings(writer, grant.webviews);
  writer.key("scope");
  if (grant.scope) write_scope(writer, *grant.scope);
  else writer.null();
  writer.end_object();
}

void write_explained_grant(JsonWriter &writer, const Context &context, const std::vector<std::string> &windows,
                           const std::vector<std::string> &webviews, const Provenance &provenance) {
  writer.key("capability");
  writer.string(provenance.capability);
  writer.key("entry");
  writer.string(provenance.entry);
  writer.key("permission");
  writer.string(provenance.permission);
  writer.key("file");
  writer.string(provenance.where.file);
  writer.key("position");
  writer.string(provenance.where.position);
  writer.key("context");
  write_context(writer, context);
  writer.key("windows");
  write_strings(writer, windows);
  writer.key("webviews");
  write_strings(writer, webviews);
}

std::string to_string(const String &text) { return std::string(text.data(), text.size()); }

} // namespace
} // namespace detail

result<Policy> Policy::resolve(const PolicyInput &input) {
  auto compiled = detail::compile(input);
  if (!compiled) return std::move(compiled).assume_error();
  return Policy(std::move(compiled).assume_value());
}

namespace detail {
namespace {

/// allows() past the thread's last decision: the cache, then a fresh decision. Apart, so that
/// the common case saves no registers.
[[gnu::noinline]] bool allows_uncached(const Policy &policy, const CompiledPolicy &compiled,
                                       const AccessRequest &request) noexcept {
  const std::uint64_t lengths = DecisionCache::packed_lengths(request);
  const std::uint64_t hash = DecisionCache::hash(request, lengths);
  if (const auto cached = compiled.decisions.find(request, hash, lengths)) return *cached;
  const bool allowed = policy.decide(request);
  compiled.decisions.insert(request, hash, allowed);
  return allowed;
}

} // namespace
} // namespace detail

bool Policy::allows(const AccessRequest &request) const noexcept {
  const detail::CompiledPolicy &compiled = *compiled_;
  const auto recent = compiled.decisions.find_recent(request);
  if (recent != detail::DecisionCache::Recent::unknown) [[likely]]
    return recent == detail::DecisionCache::Recent::allowed;
  return detail::allows_uncached(*this, compiled, request);
}

std::size_t Policy::cached_decisions() const { return compiled_->decisions.size(); }

bool Policy::decide(const AccessRequest &request) const noexcept {
  const auto *rules = compiled_->rules_for(request.command);
  if (!rules || rules->allow.grants.empty()) return false;
  const auto view = detail::CompiledPolicy::view_of(request);
  const auto applies = [&](const detail::CompiledGrant &grant) { return compiled_->applies(grant.applies, view); };
  if (rules->deny.any_candidate(view.window, view.webview, applies)) return false;
  return rules->allow.any_candidate(view.window, view.webview, applies);
}

ResolvedScopes Policy::scopes(const AccessRequest &request) const {
  ResolvedScopes out;
  if (!allows(request)) return out;
  const auto view = detail::CompiledPolicy::view_of(request);
  const auto append = [](ScopeEntries &to, const ScopeEntries &from) {
    to.allow.insert(to.allow.end(), from.allow.begin(), from.allow.end());
    to.deny.insert(to.deny.end(), from.deny.begin(), from.deny.end());
  };
  for (const auto &grant : compiled_->rules_for(request.command)->allow.grants)
    if (grant.grant->scope && compiled_->applies(grant.applies, view)) append(out.command, *grant.grant->scope);
  const auto globals = compiled_->globals.find(detail::plugin_of_command(request.command));
  if (globals != compiled_->globals.end())
    for (const auto &global : globals->second)
      if (compiled_->applies(global.applies, view)) append(out.global, global.grant->scope);
  return out;
}

std::string Policy::resolved_json() const {
  String out;
  JsonWriter writer(out);
  const auto &resolved = compiled_->resolved;
  writer.begin_object();
  for (const auto &[name, commands] : {std::pair{"allowed_commands", &resolved.allowed}, std::pair{"denied_commands", &resolved.denied}}) {
    writer.key(name);
    writer.begin_object();
    for (const auto &[command, grants] : *commands) {
      writer.key(command);
      writer.begin_array();
      for (const auto &grant : grants) detail::write_neutral_grant(writer, grant);
      writer.end_array();
    }
    writer.end_object();
  }
  writer.key("global_scope");
  writer.begin_object();
  std::map<std::string, ScopeEntries> merged;
  for (const auto &global : resolved.global) {
    auto &scope = merged[global.plugin];
    scope.allow.insert(scope.allow.end(), global.scope.allow.begin(), global.scope.allow.end());
    scope.deny.insert(scope.deny.end(), global.scope.deny.begin(), global.scope.deny.end());
  }
  for (const auto &[plugin, scope] : merged) {
    if (scope.empty()) continue;
    writer.key(plugin.empty() ? std::string_view("__app-acl__") : std::string_view(plugin)); // Tauri's key for the app
    detail::write_scope(writer, scope);
  }
  writer.end_object();
  writer.end_object();
  return detail::to_string(out);
}

std::string Policy::explain(const AccessRequest &request) const {
  const auto &policy = *compiled_;
  const auto view = detail::CompiledPolicy::view_of(request);
  policy.classify(view);
  const auto *rules = policy.rules_for(request.command);
  const bool allowed = allows(request);

  String out;
  JsonWriter writer(out);
  writer.begin_object();
  writer.key("command");
  writer.string(request.command);
  writer.key("window");
  writer.string(request.window);
  writer.key("webview");
  writer.string(request.webview);
  writer.key("origin");
  writer.string(request.origin);
  writer.key("origin_kind");
  writer.string(view.local ? "local" : view.valid_url ? "remote" : "invalid");
  writer.key("decision");
  writer.string(allowed ? "allowed" : "denied");

  std::vector<const detail::CompiledGrant *> matched_allow, matched_deny, other_allow;
  if (rules) {
    for (const auto &grant : rules->allow.grants)
      (policy.applies(grant.applies, view) ? matched_allow : other_allow).push_back(&grant);
    for (const auto &grant : rules->deny.grants)
      if (policy.applies(grant.applies, view)) matched_deny.push_back(&grant);
  }
  writer.key("reason");
  if (allowed) writer.string("an allow grant matches and no deny grant does");
  else if (!matched_deny.empty()) writer.string("a deny grant matches the request (deny wins)");
  else if (!rules || rules->allow.grants.empty()) writer.string("no capability grants this command (default deny)");
  else writer.string("no allow grant matches this origin, window or webview (default deny)");

  const auto write_grants = [&](std::string_view key, const std::vector<const detail::CompiledGrant *> &grants,
                                bool with_mismatch) {
    writer.key(key);
    writer.begin_array();
    for (const auto *compiled : grants) {
      const auto &grant = *compiled->grant;
      writer.begin_object();
      detail::write_explained_grant(writer, grant.context, grant.windows, grant.webviews, grant.provenance);
      writer.key("scope");
      if (grant.scope) detail::write_scope(writer, *grant.scope);
      else writer.null();
      if (with_mismatch) {
        writer.key("mismatch");
        writer.begin_array();
        if (!policy.context_matches(compiled->applies, view)) writer.string("context");
        if (!policy.labels_match(compiled->applies, view)) writer.string("window_or_webview");
        writer.end_array();
      }
      writer.end_object();
    }
    writer.end_array();
  };
  write_grants("allowed_by", matched_allow, false);
  write_grants("denied_by", matched_deny, false);
  write_grants("near_misses", other_allow, true);

  const auto scopes = allowed ? this->scopes(request) : ResolvedScopes{};
  writer.key("scope");
  detail::write_scope(writer, scopes.command);
  writer.key("global_scope");
  detail::write_scope(writer, scopes.global);

  writer.key("to_allow");
  writer.begin_array();
  if (!allowed) {
    const std::string window(request.window);
    for (const auto *grant : matched_deny)
      writer.string("remove `" + grant->grant->provenance.entry + "` from capability `" +
                    grant->grant->provenance.capability + "` (" + grant->grant->provenance.where.describe() +
                    "), which denies it here");
    if (matched_deny.empty()) {
      for (const auto *grant : other_allow) {
        const auto &provenance = grant->grant->provenance;
        if (!policy.labels_match(grant->applies, view))
          writer.string("add window `" + window + "` (or webview `" + std::string(request.webview) +
                        "`) to capability `" + provenance.capability + "`, which grants it through `" + provenance.entry + "`");
        if (!policy.context_matches(grant->applies, view))
          writer.string(view.local ? "capability `" + provenance.capability + "` grants it only to remote URLs; set `local` to true"
                                   : "add a remote URL pattern matching `" + std::string(request.origin) +
                                         "` to capability `" + provenance.capability + "`");
      }
      if (other_allow.empty()) {
        const auto [plugin, name] = detail::split_command(request.command);
        std::string permission = name;
        std::replace(permission.begin(), permission.end(), '_', '-');
        permission = (plugin.empty() ? std::string() : plugin + ":") + "allow-" + permission;
        writer.string("add `" + permission + "` (or a set that includes it) to a capability for window `" + window +
                      "` and " + (view.local ? std::string("local pages") : "remote URL `" + std::string(request.origin) + "`"));
      }
    }
  }
  writer.end_array();
  writer.end_object();
  return detail::to_string(out);
}

std::vector<std::string> Policy::capability_identifiers() const {
  std::vector<std::string> out;
  for (const auto &capability : compiled_->resolved.capabilities) out.push_back(capability.identifier);
  return out;
}

std::vector<CapabilityInfo> Policy::capabilities() const {
  std::vector<CapabilityInfo> out;
  for (const auto &capability : compiled_->resolved.capabilities) {
    CapabilityInfo info{capability.identifier, capability.description, capability.origin.file,
                        capability.origin.position, capability.local, capability.remote_urls,
                        capability.windows, capability.webviews, {}};
    for (const auto &entry : capability.permissions)
      info.permissions.push_back(CapabilityInfo::Entry{entry.identifier, entry.origin.position});
    out.push_back(std::move(info));
  }
  return out;
}

std::vector<GrantInfo> Policy::grants() const {
  const auto &resolved = compiled_->resolved;
  std::vector<GrantInfo> out;
  const auto with_provenance = [](GrantInfo info, const detail::Provenance &provenance) {
    info.capability = provenance.capability;
    info.entry = provenance.entry;
    info.permission = provenance.permission;
    const auto separator = provenance.permission.rfind(':');
    info.plugin = separator == std::string::npos ? std::string() : provenance.permission.substr(0, separator);
    info.file = provenance.where.file;
    info.position = provenance.where.position;
    return info;
  };
  for (const auto &[kind, commands] : {std::pair{GrantInfo::Kind::allow, &resolved.allowed},
                                       std::pair{GrantInfo::Kind::deny, &resolved.denied}}) {
    for (const auto &[command, grants] : *commands) {
      for (const auto &grant : grants) {
        GrantInfo info;
        info.kind = kind;
        info.command = command;
        info.local = grant.context.local;
        if (!grant.context.local) info.remote_urls.push_back(grant.context.remote_pattern);
        info.windows = grant.windows;
        info.webviews = grant.webviews;
        info.scope = grant.scope;
        out.push_back(with_provenance(std::move(info), grant.provenance));
      }
    }
  }
  for (const auto &global : resolved.global) {
    GrantInfo info;
    info.kind = GrantInfo::Kind::global_scope;
    for (const auto &context : global.contexts) {
      if (context.local) info.local = true;
      else info.remote_urls.push_back(context.remote_pattern);
    }
    info.windows = global.windows;
    info.webviews = global.webviews;
    info.scope = global.scope;
    out.push_back(with_provenance(std::move(info), global.provenance));
  }
  return out;
}

std::vector<std::string> Policy::capabilities_for(std::string_view window, std::string_view webview) const {
  const auto any_matches = [](const std::vector<std::string> &patterns, std::string_view label) {
    return std::any_of(patterns.begin(), patterns.end(), [&](const std::string &pattern) {
      auto glob = detail::Glob::compile(pattern);
      return glob && glob.value().matches(label);
    });
  };
  std::vector<std::string> out;
  for (const auto &capability : compiled_->resolved.capabilities)
    if (any_matches(capability.windows, window) || any_matches(capability.webviews, webview))
      out.push_back(capability.identifier);
  return out;
}

const PolicyInput &Policy::input() const noexcept { return compiled_->input; }
const std::vector<std::string> &Policy::warnings() const noexcept { return compiled_->resolved.warnings; }

Platform current_platform() noexcept {
#if defined(__APPLE__)
  return Platform::MacOS;
#elif defined(_WIN32)
  return Platform::Windows;
#elif defined(__ANDROID__)
  return Platform::Android;
#else
  return Platform::Linux;
#endif
}

result<Platform> parse_platform(std::string_view name) {
  std::string lower;
  std::transform(name.begin(), name.end(), std::back_inserter(lower),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  if (lower == "linux") return Platform::Linux;
  if (lower == "macos") return Platform::MacOS;
  if (lower == "windows") return Platform::Windows;
  if (lower == "android") return Platform::Android;
  if (lower == "ios") return Platform::IOS;
  return Error(errc::invalid_argument,
               "unknown platform `" + std::string(name) + "` (expected linux, macOS, windows, android or iOS)");
}

std::string_view platform_name(Platform platform) noexcept {
  switch (platform) {
  case Platform::Linux: return "linux";
  case Platform::MacOS: return "macos";
  case Platform::Windows: return "windows";
  case Platform::Android: return "android";
  case Platform::IOS: return "ios";
  }
  return "unknown";
}

} // namespace ward::acl
