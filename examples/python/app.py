#!/usr/bin/env python3
"""ward example app in Python: the same small app as the other languages' examples.

    greet      {"name": "..."}  -> "Hello, <name>!"
    add        {"a": 2, "b": 3} -> 5
    increment  {}               -> 1, 2, ...            (managed state: a lock-guarded counter)
    checksum   raw bytes        -> CRC-32, 4 raw bytes  (application/octet-stream both ways)

ward denies every command that no capability grants. Like a Tauri app, this one ships its
capabilities in capabilities/ next to it: capabilities/main.json grants the four commands to the
pages of window "main", so a request from any other window is "Command ... not allowed by ACL".

A real host (a webview shell) hands the requests of its page to ward; here the script builds them
itself, shaped exactly as a Tauri v2 page sends them over the ipc:// custom protocol (and once in
the postMessage form), prints every response, and exits non-zero if one is not the expected one.

Run from a build tree:  WARD_LIBRARY=build/dev/capi/libward.so.1 python3 examples/python/app.py
"""

from __future__ import annotations

import json
import struct
import sys
import threading
import zlib
from pathlib import Path
from typing import Any, Dict, List, Tuple

try:
    import ward
except ImportError:  # run straight from a source checkout: use the binding next door
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python"))
    import ward

ORIGIN = "tauri://localhost"  # the origin of a Tauri v2 app's pages on Linux and macOS
APP_DIRECTORY = Path(__file__).resolve().parent  # holds capabilities/, as src-tauri/ does


class Counter:
    """Managed state is shared by concurrent invokes, so it guards itself."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = 0

    def increment(self) -> int:
        with self._lock:
            self._value += 1
            return self._value


def build_app() -> ward.App:
    builder = ward.AppBuilder(limits=ward.Limits(max_body_bytes=1 << 20))
    builder.load_acl_directory(APP_DIRECTORY)  # capabilities/main.json
    builder.manage("counter", Counter())

    @builder.command()
    def greet(args: Dict[str, Any], ctx: ward.Invocation) -> str:
        name = args.get("name")
        if not isinstance(name, str):
            raise ward.CommandError("greet needs a string argument `name`")
        return f"Hello, {name}!"

    @builder.command()
    def add(args: Dict[str, Any], ctx: ward.Invocation) -> int:
        a, b = args.get("a"), args.get("b")
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (a, b)):
            raise ward.CommandError("add needs integer arguments `a` and `b`")
        return a + b

    @builder.command(requires=["counter"])
    def increment(args: Dict[str, Any], ctx: ward.Invocation) -> int:
        return ctx.state("counter").increment()

    @builder.command()
    def checksum(args: Dict[str, Any], ctx: ward.Invocation) -> bytes:
        if not ctx.is_raw:
            raise ward.CommandError("checksum takes an application/octet-stream body")
        return struct.pack(">I", zlib.crc32(ctx.body))

    return builder.build()


class Frontend:
    """Sends requests the way @tauri-apps/api's invoke() does over the ipc:// custom protocol."""

    def __init__(self, app: ward.App, window: str = "main") -> None:
        self.app = app
        self.window = window  # the label of the window (and webview) the page lives in
        self.invoke_key = app.invoke_key  # what the host injected into the page
        self._lock = threading.Lock()
        self._next_callback = 1

    def _callback_ids(self) -> Tuple[int, int]:
        with self._lock:
            callback = self._next_callback
            self._next_callback += 2
        return callback, callback + 1

    def invoke(self, command: str, payload: Any = None, *, raw: bool = False) -> ward.Response:
        callback, error = self._callback_ids()
        headers = {
            "Content-Type": "application/octet-stream" if raw else "application/json",
            "Tauri-Callback": str(callback),
            "Tauri-Error": str(error),
            "Tauri-Invoke-Key": self.invoke_key,
        }
        body = payload if raw else json.dumps({} if payload is None else payload)
        response = self.app.invoke(f"ipc://localhost/{command}", origin=ORIGIN, window=self.window,
                                   webview=self.window, headers=headers, body=body)
        if (response.callback_id, response.error_id) != (callback, error):
            raise RuntimeError(f"the response to {command} carries the ids of another request: "
                               f"{response!r}")
        return response

    def post_message(self, command: str, payload: Any) -> ward.Response:
        """The fallback transport: the whole invoke as one postMessage JSON string."""
        message = json.dumps({"cmd": command, "callback": 101, "error": 102, "payload": payload,
                              "options": {}, "__TAURI_INVOKE_KEY__": self.invoke_key})
        return self.app.invoke_message(message, origin=ORIGIN, window=self.window,
                                       webview=self.window)


def show(label: str, response: ward.Response) -> None:
    body = response.body.hex() if response.is_raw else response.text
    print(f"{label:<28} -> {'ok   ' if response.ok else 'error'} {response.code.name:<20} "
          f"{response.content_type:<24} {body}")


def increment_from_threads(page: Frontend, threads: int = 4, clicks: int = 25) -> bool:
    """Pages click concurrently: the counter must count every click exactly once."""
    results: List[bool] = []

    def click() -> None:
        results.extend(page.invoke("increment").ok for _ in range(clicks))

    workers = [threading.Thread(target=click) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(f"({threads} threads x {clicks} increments)")
    return len(results) == threads * clicks and all(results)


def main() -> int:
    failures: List[str] = []

    def expect(label: str, response: ward.Response, ok: bool, code: ward.Status,
               body: bytes) -> None:
        show(label, response)
        if (response.ok, response.code, response.body) != (ok, code, body):
            failures.append(f"{label}: expected {(ok, code, body)!r}, got "
                            f"{(response.ok, response.code, response.body)!r}")

    print(f"libward {ward.library_version()} (ABI {ward.abi_version()}) from "
          f"{ward.loaded_library_path()}")
    with build_app() as app:
        page = Frontend(app)
        stranger = Frontend(app)  # a page the host never gave the invoke key to
        stranger.invoke_key = "not-the-key"
        settings = Frontend(app, window="settings")  # no capability grants window "settings"

        expect("greet {name: 'Tauri'}", page.invoke("greet", {"name": "Tauri"}),
               True, ward.Status.OK, b'"Hello, Tauri!"')
        expect("greet {name: '\"quoted\" é'}", page.invoke("greet", {"name": '"quoted" é'}),
               True, ward.Status.OK, '"Hello, \\"quoted\\" é!"'.encode("utf-8"))
        expect("add {a: 2, b: 3}", page.invoke("add", {"a": 2, "b": 3}),
               True, ward.Status.OK, b"5")
        expect("add {b: -7, a: 10}", page.invoke("add", {"b": -7, "a": 10}),
               True, ward.Status.OK, b"3")
        expect("add {a: {b: 1}, b: 2}", page.invoke("add", {"a": {"b": 1}, "b": 2}),
               False, ward.Status.COMMAND_REJECTED, b'"add needs integer arguments `a` and `b`"')
        expect("increment", page.invoke("increment"), True, ward.Status.OK, b"1")
        expect("increment", page.invoke("increment"), True, ward.Status.OK, b"2")
        if not increment_from_threads(page):
            failures.append("concurrent increments failed")
        expect("increment", page.invoke("increment"), True, ward.Status.OK, b"103")
        expect("checksum <'123456789'>", page.invoke("checksum", b"123456789", raw=True),
               True, ward.Status.OK, bytes.fromhex("cbf43926"))  # the CRC-32 check value
        expect("postMessage greet", page.post_message("greet", {"name": "IPC"}),
               True, ward.Status.OK, b'"Hello, IPC!"')
        expect("nope", page.invoke("nope"),
               False, ward.Status.UNKNOWN_COMMAND, b'"Command nope not found"')
        wrong_key = stranger.invoke("greet", {"name": "Mallory"})
        show("greet (page without the key)", wrong_key)
        if wrong_key.ok or wrong_key.code != ward.Status.INVALID_INVOKE_KEY:
            failures.append(f"wrong invoke key: expected invalid_invoke_key, got {wrong_key!r}")
        expect("greet (window 'settings')", settings.invoke("greet", {"name": "Eve"}),
               False, ward.Status.NOT_ALLOWED, b'"Command greet not allowed by ACL"')

    for failure in failures:
        print("FAIL:", failure, file=sys.stderr)
    if failures:
        return 1
    print("example_python: all responses as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
