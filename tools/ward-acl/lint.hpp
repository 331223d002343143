#pragma once
// `ward-acl lint`: what resolves but looks wrong.

#include <ward/acl.hpp>
#include <ward/error.hpp>

#include <string>
#include <vector>

namespace ward_acl {

struct Finding {
  std::string check;   ///< the check's stable name ("unknown-field"), printed after the message
  std::string message; ///< starts with the file and position concerned
};

/// Resolves `input` with unknown fields as warnings and runs every check; `known_windows` are
/// the windows the app creates. Fails, with the library's message, only when the input does
/// not resolve.
ward::result<std::vector<Finding>> lint(ward::acl::PolicyInput input, const std::vector<std::string> &known_windows);

} // namespace ward_acl
