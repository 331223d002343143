"""Helpers shared by the binding's tests: requests shaped as a Tauri v2 page sends them, and a
builder that grants its own commands (ward denies every command no capability grants)."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Optional

import ward

ORIGIN = "tauri://localhost"


def tauri_headers(app: ward.App, *, content_type: str = "application/json", callback: int = 11,
                  error: int = 12, invoke_key: Optional[str] = None) -> Dict[str, str]:
    """Headers as the Tauri v2 frontend's custom-protocol invoke sends them."""
    return {
        "Content-Type": content_type,
        "Tauri-Callback": str(callback),
        "Tauri-Error": str(error),
        "Tauri-Invoke-Key": app.invoke_key if invoke_key is None else invoke_key,
    }


def invoke_json(app: ward.App, command: str, args: Any = None, *, origin: str = ORIGIN,
                window: str = "main", webview: str = "main",
                **header_options: Any) -> ward.Response:
    body = b"" if args is None else json.dumps(args).encode("utf-8")
    return app.invoke(f"ipc://localhost/{command}", origin=origin, window=window, webview=webview,
                      headers=tauri_headers(app, **header_options), body=body)


def allow_permission(command: str) -> str:
    """The permission ward generates to allow ``command``: ``allow-<cmd>`` with ``_`` written
    ``-``, prefixed ``<plugin>:`` for a ``plugin:<plugin>|<cmd>`` command."""
    plugin = ""
    if command.startswith("plugin:") and "|" in command:
        plugin, command = command[len("plugin:"):].split("|", 1)
    permission = "allow-" + command.replace("_", "-")
    return f"{plugin}:{permission}" if plugin else permission


class GrantingAppBuilder(ward.AppBuilder):
    """A ward.AppBuilder whose build() first grants window "main" every command registered on it,
    as an app's capabilities/main.json would. For the tests that are about everything but the ACL
    (test_acl.py tests the ACL with plain ward.AppBuilder)."""

    def __init__(self, **options: Any) -> None:
        self.registered: List[str] = []
        super().__init__(**options)

    def add_command(self, name: str, handler: Callable[..., Any], **options: Any) -> "GrantingAppBuilder":
        super().add_command(name, handler, **options)
        self.registered.append(name)
        return self

    def build(self) -> ward.App:
        if self.registered:
            self.capability({"identifier": "test-main", "windows": ["main"],
                             "permissions": [allow_permission(name) for name in self.registered]})
        return super().build()
