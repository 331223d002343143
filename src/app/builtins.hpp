#pragma once
// ward's built-in commands (events, resources, cancellation) and the permission manifests that
// authorize them, in Tauri's names: plugin:event|listen under core:event:allow-listen, ...

#include "app/core.hpp"

namespace ward::detail {

/// Registers the built-in commands and their manifests (unless the app supplies its own
/// manifest of that plugin).
result<void> add_builtin_commands(CommandTable &commands, acl::PolicyInput &acl);

} // namespace ward::detail
