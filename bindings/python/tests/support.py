"""Helpers shared by the binding's tests: requests shaped as a Tauri v2 page sends them, and a
builder that grants its own commands (ward denies every command no capability grants)."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.parse
from typing import Any, Callable, Dict, List, Optional, Tuple

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
    return app.invoke(command_url(command), origin=origin, window=window, webview=webview,
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
    as an app's capabilities/main.json would, plus ``core:default`` (the event, resource and
    cancel plugins a page uses) with ``grant_core=True``. For the tests that are about everything
    but the ACL (test_acl.py tests the ACL with plain ward.AppBuilder)."""

    def __init__(self, *, grant_core: bool = False, **options: Any) -> None:
        self.registered: List[str] = []
        self.grant_core = grant_core
        super().__init__(**options)

    def add_command(self, name: str, handler: Callable[..., Any], **options: Any) -> "GrantingAppBuilder":
        super().add_command(name, handler, **options)
        self.registered.append(name)
        return self

    def build(self) -> ward.App:
        permissions = [allow_permission(name) for name in self.registered]
        if self.grant_core:
            permissions.append("core:default")
        if permissions:
            self.capability({"identifier": "test-main", "windows": ["main"],
                             "permissions": permissions})
        return super().build()


class DeliveryRecorder:
    """A delivery callback that records (webview, delivery) pairs and lets a test wait for them."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self.deliveries: List[Tuple[str, ward.Delivery]] = []

    def __call__(self, webview: str, delivery: ward.Delivery) -> None:
        with self._condition:
            self.deliveries.append((webview, delivery))
            self._condition.notify_all()

    def wait_until(self, predicate: Callable[[List[Tuple[str, ward.Delivery]]], bool],
                   timeout: float = 10.0) -> List[Tuple[str, ward.Delivery]]:
        """The deliveries so far, once ``predicate(deliveries)`` holds; AssertionError on timeout."""
        with self._condition:
            if not self._condition.wait_for(lambda: predicate(self.deliveries), timeout):
                raise AssertionError(f"deliveries did not arrive in {timeout}s: {self.deliveries}")
            return list(self.deliveries)

    def of_callback(self, callback: int) -> List[ward.Delivery]:
        with self._condition:
            return [delivery for _, delivery in self.deliveries if delivery.callback == callback]


class EventLoopThread:
    """An asyncio event loop running in its own thread, as a GUI app would run one."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="test-event-loop", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    @property
    def thread_id(self) -> Optional[int]:
        return self._thread.ident

    def __enter__(self) -> "EventLoopThread":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


def command_url(command: str) -> str:
    """The custom-protocol URL of a command, percent-encoded as the Tauri frontend does."""
    return "ipc://localhost/" + urllib.parse.quote(command, safe="")
