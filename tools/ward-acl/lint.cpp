// Each check uses only the public ACL API. Checks that need per-capability grants (allow/deny
// pairs that cancel, windows no capability names, unregistered commands, capabilities without
// windows) wait for an API that exposes them; see README.md.
#include "lint.hpp"

#include <utility>

namespace ward_acl {
namespace {

using ward::acl::Policy;
using ward::acl::PolicyInput;

/// Fields the library did not know, read with unknown_fields_are_errors = false.
void unknown_fields(const Policy &policy, std::vector<Finding> &findings) {
  for (const auto &warning : policy.warnings()) findings.push_back({"unknown-field", warning});
}

/// A capability file resolved on its own gives the same policy as no capability at all: none of
/// its entries expands to a grant on this platform (empty sets, platform-specific permissions),
/// or it applies to no origin (`local = false` and no remote URL).
ward::result<void> grants_nothing(const PolicyInput &input, std::vector<Finding> &findings) {
  PolicyInput without_capabilities = input;
  without_capabilities.capabilities.clear();
  auto baseline = Policy::resolve(without_capabilities);
  if (!baseline) return std::move(baseline).assume_error();
  const std::string nothing = baseline.value().resolved_json();

  for (const auto &source : input.capabilities) {
    PolicyInput alone = without_capabilities;
    alone.capabilities.push_back(source);
    auto policy = Policy::resolve(alone);
    if (!policy) return std::move(policy).assume_error();
    if (policy.value().resolved_json() != nothing) continue;
    for (const auto &identifier : policy.value().capability_identifiers())
      findings.push_back({"grants-nothing", source.name + ": capability `" + identifier + "` grants nothing on " +
                                                std::string(ward::acl::platform_name(input.platform)) +
                                                ": its permissions expand to no command or scope, or it applies "
                                                "to no origin (`local = false` without remote URLs)"});
  }
  return ward::success();
}

} // namespace

ward::result<std::vector<Finding>> lint(PolicyInput input) {
  input.unknown_fields_are_errors = false;
  auto policy = Policy::resolve(input);
  if (!policy) return std::move(policy).assume_error();

  std::vector<Finding> findings;
  unknown_fields(policy.value(), findings);
  if (auto checked = grants_nothing(input, findings); !checked) return std::move(checked).assume_error();
  return findings;
}

} // namespace ward_acl
