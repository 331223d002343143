"""Behaviour of the ward Python binding against the real libward (found via WARD_LIBRARY).

The access control has its own tests (test_acl.py); here every app grants window "main" all its
commands (GrantingAppBuilder), as an app's capabilities/main.json would."""

from __future__ import annotations

import gc
import json
import threading
import time
import unittest
from typing import Any, Dict

import ward
from support import ORIGIN, GrantingAppBuilder, invoke_json, tauri_headers
from ward import _native


class Counter:
    """Mutable state shared by concurrent handlers, so it guards itself."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def increment(self) -> int:
        with self._lock:
            self.value += 1
            return self.value


class CommandRoundtripTest(unittest.TestCase):
    def setUp(self) -> None:
        builder = GrantingAppBuilder()

        @builder.command("greet")
        def greet(args: Dict[str, Any], ctx: ward.Invocation) -> str:
            return f"Hello, {args['name']}!"

        @builder.command()
        def add(args: Dict[str, Any], ctx: ward.Invocation) -> int:
            return args["a"] + args["b"]

        @builder.command
        def describe(args: Dict[str, Any], ctx: ward.Invocation) -> Dict[str, Any]:
            return {
                "command": ctx.command, "window": ctx.window, "webview": ctx.webview,
                "origin": ctx.origin, "id": ctx.id, "is_raw": ctx.is_raw,
                "callback": ctx.header("tauri-callback"), "missing": ctx.header("X-Missing"),
                "args": args, "body": ctx.body.decode("utf-8"),
            }

        self.app = builder.build()

    def tearDown(self) -> None:
        self.app.close()

    def test_json_args_roundtrip(self) -> None:
        response = invoke_json(self.app, "greet", {"name": "Ada"})
        self.assertTrue(response.ok)
        self.assertEqual(response.code, ward.Status.OK)
        self.assertEqual(response.content_type, "application/json")
        self.assertFalse(response.is_raw)
        self.assertEqual(response.json(), "Hello, Ada!")
        self.assertEqual(response.body, b'"Hello, Ada!"')
        self.assertEqual((response.callback_id, response.error_id), (11, 12))

    def test_command_named_after_function(self) -> None:
        self.assertEqual(invoke_json(self.app, "add", {"a": 40, "b": 2}).json(), 42)

    def test_invocation_context(self) -> None:
        body = {"x": [1, 2, {"y": "é"}]}
        described = invoke_json(self.app, "describe", body, callback=77).json()
        self.assertEqual(described["command"], "describe")
        self.assertEqual((described["window"], described["webview"]), ("main", "main"))
        self.assertEqual(described["origin"], ORIGIN)
        self.assertGreater(described["id"], 0)
        self.assertFalse(described["is_raw"])
        self.assertEqual(described["callback"], "77")
        self.assertIsNone(described["missing"])
        self.assertEqual(described["args"], body)
        self.assertEqual(json.loads(described["body"]), body)

    def test_invocation_ids_differ(self) -> None:
        first = invoke_json(self.app, "describe", {}).json()["id"]
        second = invoke_json(self.app, "describe", {}).json()["id"]
        self.assertNotEqual(first, second)

    def test_empty_body_gives_empty_args(self) -> None:
        self.assertEqual(invoke_json(self.app, "describe").json()["args"], {})

    def test_url_path_is_decoded_and_path_only_url_accepted(self) -> None:
        headers = tauri_headers(self.app)
        encoded = self.app.invoke("ipc://localhost/gr%65et", origin=ORIGIN, headers=headers,
                                  body='{"name":"Bob"}')
        self.assertEqual(encoded.json(), "Hello, Bob!")
        path_only = self.app.invoke("/greet", origin=ORIGIN, headers=headers, body='{"name":"Cy"}')
        self.assertEqual(path_only.json(), "Hello, Cy!")

    def test_headers_as_pairs(self) -> None:
        pairs = list(tauri_headers(self.app).items())
        response = self.app.invoke("ipc://localhost/greet", origin=ORIGIN, headers=pairs,
                                   body=b'{"name":"Di"}')
        self.assertEqual(response.json(), "Hello, Di!")

    def test_unknown_command(self) -> None:
        response = invoke_json(self.app, "nope", {})
        self.assertFalse(response.ok)
        self.assertEqual(response.code, ward.Status.UNKNOWN_COMMAND)
        self.assertEqual(response.json(), "Command nope not found")

    def test_invalid_json_body(self) -> None:
        with self.assertLogs("ward", level="ERROR"):  # greet needs args["name"]: internal error
            response = invoke_json(self.app, "greet", None)
        self.assertEqual(response.code, ward.Status.INTERNAL)
        bad = self.app.invoke("ipc://localhost/greet", origin=ORIGIN,
                              headers=tauri_headers(self.app), body=b'{"name": ')
        self.assertFalse(bad.ok)
        self.assertIn(bad.code, (ward.Status.INVALID_ARGS, ward.Status.INVALID_REQUEST))

    def test_missing_invoke_key(self) -> None:
        headers = tauri_headers(self.app)
        del headers["Tauri-Invoke-Key"]
        response = self.app.invoke("ipc://localhost/greet", origin=ORIGIN, headers=headers,
                                   body='{"name":"Ada"}')
        self.assertFalse(response.ok)
        self.assertEqual(response.code, ward.Status.INVALID_INVOKE_KEY)
        self.assertNotIn(b"Hello", response.body)

    def test_wrong_invoke_key(self) -> None:
        wrong = "0" * len(self.app.invoke_key)
        self.assertNotEqual(wrong, self.app.invoke_key)
        response = invoke_json(self.app, "greet", {"name": "Ada"}, invoke_key=wrong)
        self.assertFalse(response.ok)
        self.assertEqual(response.code, ward.Status.INVALID_INVOKE_KEY)
        self.assertNotIn(self.app.invoke_key.encode(), response.body)

    def test_invoke_keys_are_per_app_secrets(self) -> None:
        self.assertGreaterEqual(len(self.app.invoke_key), 16)
        with GrantingAppBuilder().build() as other:
            self.assertNotEqual(other.invoke_key, self.app.invoke_key)

    def test_post_message_form(self) -> None:
        message = json.dumps({
            "cmd": "greet", "callback": 7, "error": 8, "payload": {"name": "Ada"}, "options": {},
            "__TAURI_INVOKE_KEY__": self.app.invoke_key,
        })
        response = self.app.invoke_message(message, origin=ORIGIN, window="main", webview="main")
        self.assertTrue(response.ok)
        self.assertEqual(response.json(), "Hello, Ada!")
        self.assertEqual((response.callback_id, response.error_id), (7, 8))

    def test_post_message_wrong_key(self) -> None:
        message = json.dumps({"cmd": "greet", "callback": 1, "error": 2,
                              "payload": {"name": "Ada"}, "__TAURI_INVOKE_KEY__": "wrong"})
        response = self.app.invoke_message(message, origin=ORIGIN)
        self.assertEqual(response.code, ward.Status.INVALID_INVOKE_KEY)

    def test_async_invoke(self) -> None:
        future = self.app.invoke_async("ipc://localhost/add", origin=ORIGIN,
                                       headers=tauri_headers(self.app), body='{"a":1,"b":2}')
        self.assertEqual(future.result(timeout=10).json(), 3)
        message = json.dumps({"cmd": "add", "callback": 1, "error": 2, "payload": {"a": 5, "b": 6},
                              "__TAURI_INVOKE_KEY__": self.app.invoke_key})
        self.assertEqual(self.app.invoke_message_async(message, origin=ORIGIN)
                         .result(timeout=10).json(), 11)


class RawBytesTest(unittest.TestCase):
    def test_raw_body_in_and_raw_bytes_out(self) -> None:
        seen: Dict[str, Any] = {}
        builder = GrantingAppBuilder()

        @builder.command()
        def reverse(args: Dict[str, Any], ctx: ward.Invocation) -> bytes:
            seen.update(args=args, is_raw=ctx.is_raw)
            return ctx.body[::-1]

        @builder.command()
        def as_memoryview(args: Dict[str, Any], ctx: ward.Invocation) -> memoryview:
            return memoryview(bytearray(b"\x00\x01\xfe\xff"))

        payload = bytes(range(256)) + b"\x00tail"
        with builder.build() as app:
            headers = tauri_headers(app, content_type="application/octet-stream")
            response = app.invoke("ipc://localhost/reverse", origin=ORIGIN, headers=headers,
                                  body=bytearray(payload))
            self.assertTrue(response.ok)
            self.assertTrue(response.is_raw)
            self.assertEqual(response.content_type, "application/octet-stream")
            self.assertEqual(response.body, payload[::-1])
            self.assertEqual(seen, {"args": {}, "is_raw": True})
            with self.assertRaises(ValueError):
                response.json()
            view = app.invoke("ipc://localhost/as_memoryview", origin=ORIGIN,
                              headers=tauri_headers(app), body="{}")
            self.assertEqual((view.is_raw, view.body), (True, b"\x00\x01\xfe\xff"))


class StateTest(unittest.TestCase):
    def test_state_access_and_release(self) -> None:
        released = []
        counter = Counter()
        builder = GrantingAppBuilder()
        builder.manage("counter", counter, on_free=released.append)

        @builder.command(requires=["counter"])
        def increment(args: Dict[str, Any], ctx: ward.Invocation) -> int:
            return ctx.state("counter").increment()

        @builder.command()
        def missing_state(args: Dict[str, Any], ctx: ward.Invocation) -> Any:
            return ctx.state("nothing")

        app = builder.build()
        self.assertEqual([invoke_json(app, "increment", {}).json() for _ in range(3)], [1, 2, 3])
        self.assertEqual(counter.value, 3)
        with self.assertLogs("ward", level="ERROR"):
            self.assertEqual(invoke_json(app, "missing_state", {}).code, ward.Status.INTERNAL)
        self.assertEqual(released, [])
        app.close()
        self.assertEqual(released, [counter])
        app.close()  # idempotent
        self.assertEqual(released, [counter])

    def test_state_lookup_error_is_a_ward_error(self) -> None:
        caught = []
        builder = GrantingAppBuilder()

        @builder.command()
        def probe(args: Dict[str, Any], ctx: ward.Invocation) -> str:
            try:
                ctx.state("absent")
            except ward.StateNotManagedError as error:
                caught.append(error)
            return "done"

        with builder.build() as app:
            self.assertEqual(invoke_json(app, "probe", {}).json(), "done")
        self.assertEqual(len(caught), 1)
        self.assertEqual(caught[0].code, ward.Status.STATE_NOT_MANAGED)

    def test_state_managed_twice(self) -> None:
        with GrantingAppBuilder() as builder:
            builder.manage("config", {"a": 1})
            with self.assertRaises(ward.StateAlreadyManagedError) as raised:
                builder.manage("config", {"a": 2})
            self.assertEqual(raised.exception.code, ward.Status.STATE_ALREADY_MANAGED)
            self.assertIn("config", raised.exception.message)

    def test_required_state_not_managed_fails_build(self) -> None:
        builder = GrantingAppBuilder()
        builder.add_command("needs", lambda args, ctx: 1, requires="database")
        with self.assertRaises(ward.StateNotManagedError) as raised:
            builder.build()
        self.assertEqual(raised.exception.code, ward.Status.STATE_NOT_MANAGED)
        self.assertIn("database", raised.exception.message)
        with self.assertRaises(ValueError):  # build consumed the builder even though it failed
            builder.build()


class RegistrationTest(unittest.TestCase):
    def test_duplicate_command(self) -> None:
        builder = GrantingAppBuilder()
        builder.add_command("same", lambda args, ctx: "first")
        with self.assertRaises(ward.DuplicateCommandError) as raised:
            builder.add_command("same", lambda args, ctx: "second")
        self.assertEqual(raised.exception.code, ward.Status.DUPLICATE_COMMAND)
        self.assertIn("same", raised.exception.message)
        self.assertIsInstance(raised.exception, ward.WardError)
        with builder.build() as app:  # the first registration still stands
            self.assertEqual(invoke_json(app, "same", {}).json(), "first")

    def test_invalid_name(self) -> None:
        with GrantingAppBuilder() as builder:
            with self.assertRaises(ward.InvalidNameError) as raised:
                builder.add_command("", lambda args, ctx: None)
            self.assertEqual(raised.exception.code, ward.Status.INVALID_NAME)

    def test_builder_is_single_use(self) -> None:
        builder = GrantingAppBuilder()
        builder.build().close()
        with self.assertRaises(ValueError):
            builder.add_command("late", lambda args, ctx: None)

    def test_handles_are_released(self) -> None:
        """Every callback and state the binding keeps for C is released when C is done with it."""
        baseline = len(_native.handles)
        builder = GrantingAppBuilder()
        builder.add_command("a", lambda args, ctx: 1)
        builder.manage("s", object())
        self.assertEqual(len(_native.handles), baseline + 3)  # log sink, command, state
        builder.close()  # freed unbuilt
        self.assertEqual(len(_native.handles), baseline)

        builder = GrantingAppBuilder()
        builder.add_command("a", lambda args, ctx: 1)
        with self.assertRaises(ward.DuplicateCommandError):
            builder.add_command("a", lambda args, ctx: 2)
        app = builder.build()
        invoke_json(app, "a", {})
        app.invoke_async("/a", origin=ORIGIN, headers=tauri_headers(app), body="{}").result(10)
        app.close()
        self.assertEqual(len(_native.handles), baseline)

    def test_callbacks_survive_garbage_collection(self) -> None:
        def make_app() -> ward.App:
            builder = GrantingAppBuilder(log=lambda *record: None)
            builder.add_command("echo", lambda args, ctx: args)
            return builder.build()

        app = make_app()
        gc.collect()
        with app:
            self.assertEqual(invoke_json(app, "echo", {"k": [1, None]}).json(), {"k": [1, None]})

    def test_closed_app_refuses_calls(self) -> None:
        app = GrantingAppBuilder().build()
        key = app.invoke_key
        with app:
            pass
        self.assertTrue(app.closed)
        with self.assertRaises(ValueError):
            app.invoke("/x", origin=ORIGIN, headers={"Tauri-Invoke-Key": key})


class HandlerFailureTest(unittest.TestCase):
    def setUp(self) -> None:
        builder = GrantingAppBuilder()

        @builder.command()
        def refuse(args: Dict[str, Any], ctx: ward.Invocation) -> None:
            raise ward.CommandError({"code": 42, "reason": "not today", "list": [1, "é"]})

        @builder.command()
        def refuse_text(args: Dict[str, Any], ctx: ward.Invocation) -> None:
            raise ward.CommandError("denied")

        @builder.command()
        def explode(args: Dict[str, Any], ctx: ward.Invocation) -> None:
            raise ValueError("secret-detail-4711 in /home/user/private.db")

        @builder.command()
        def unencodable(args: Dict[str, Any], ctx: ward.Invocation) -> Any:
            return {"not json": object()}

        @builder.command()
        def not_a_number(args: Dict[str, Any], ctx: ward.Invocation) -> Any:
            return float("nan")  # json.dumps would write NaN, which is not JSON

        self.app = builder.build()

    def tearDown(self) -> None:
        self.app.close()

    def test_command_error_rejects_with_exact_json(self) -> None:
        response = invoke_json(self.app, "refuse", {})
        self.assertFalse(response.ok)
        self.assertEqual(response.code, ward.Status.COMMAND_REJECTED)
        self.assertEqual(response.content_type, "application/json")
        self.assertEqual(response.json(), {"code": 42, "reason": "not today", "list": [1, "é"]})
        self.assertEqual(response.body,
                         '{"code":42,"reason":"not today","list":[1,"é"]}'.encode("utf-8"))
        text = invoke_json(self.app, "refuse_text", {})
        self.assertEqual((text.code, text.body), (ward.Status.COMMAND_REJECTED, b'"denied"'))

    def test_exception_is_internal_and_private(self) -> None:
        with self.assertLogs("ward", level="ERROR") as logs:
            response = invoke_json(self.app, "explode", {})
        self.assertFalse(response.ok)
        self.assertEqual(response.code, ward.Status.INTERNAL)
        self.assertNotIn(b"secret-detail-4711", response.body)
        self.assertNotIn(b"ValueError", response.body)
        self.assertNotIn(b"private.db", response.body)
        self.assertTrue(any("secret-detail-4711" in line for line in logs.output))

    def test_unencodable_result_is_internal(self) -> None:
        with self.assertLogs("ward", level="ERROR"):
            response = invoke_json(self.app, "unencodable", {})
        self.assertEqual(response.code, ward.Status.INTERNAL)
        self.assertNotIn(b"object", response.body)
        with self.assertLogs("ward", level="ERROR"):
            response = invoke_json(self.app, "not_a_number", {})
        self.assertEqual(response.code, ward.Status.INTERNAL)


class DeferredTest(unittest.TestCase):
    def test_answer_from_another_thread(self) -> None:
        threads = []
        builder = GrantingAppBuilder()

        @builder.command(deferred=True)
        def slow_square(args: Dict[str, Any], ctx: ward.Invocation, responder: ward.Responder) -> None:
            number = args["n"]

            def answer_later() -> None:
                time.sleep(0.05)
                if number < 0:
                    responder.reject({"negative": number})
                else:
                    responder.resolve(number * number)

            thread = threading.Thread(target=answer_later)
            threads.append(thread)
            thread.start()

        @builder.command(deferred=True)
        def raw_later(args: Dict[str, Any], ctx: ward.Invocation, responder: ward.Responder) -> None:
            body = ctx.body  # the invocation is only readable during this call
            threading.Thread(target=lambda: responder.resolve_bytes(body.upper())).start()

        with builder.build() as app:
            started = time.monotonic()
            response = invoke_json(app, "slow_square", {"n": 12})
            self.assertGreaterEqual(time.monotonic() - started, 0.04)
            self.assertEqual(response.json(), 144)
            rejected = invoke_json(app, "slow_square", {"n": -3})
            self.assertEqual((rejected.code, rejected.json()),
                             (ward.Status.COMMAND_REJECTED, {"negative": -3}))
            raw = app.invoke("/raw_later", origin=ORIGIN,
                             headers=tauri_headers(app, content_type="application/octet-stream"),
                             body=b"abc")
            self.assertEqual((raw.is_raw, raw.body), (True, b"ABC"))
        for thread in threads:
            thread.join()

    def test_answer_twice_and_invocation_lifetime(self) -> None:
        outcomes: Dict[str, Any] = {}
        builder = GrantingAppBuilder()

        @builder.command(deferred=True)
        def twice(args: Dict[str, Any], ctx: ward.Invocation, responder: ward.Responder) -> None:
            responder.resolve("first")
            outcomes["answered"] = responder.answered
            try:
                responder.resolve("second")
            except ward.AlreadyAnsweredError as error:
                outcomes["error"] = error.code
            outcomes["ctx"] = ctx

        with builder.build() as app:
            self.assertEqual(invoke_json(app, "twice", {}).json(), "first")
        self.assertEqual(outcomes["error"], ward.Status.ALREADY_ANSWERED)
        self.assertTrue(outcomes["answered"])
        ctx = outcomes["ctx"]
        self.assertEqual(ctx.command, "twice")  # copied up front
        with self.assertRaises(RuntimeError):  # the native invocation is gone
            ctx.body

    def test_dropped_responder_answers_internal_error(self) -> None:
        builder = GrantingAppBuilder()
        builder.add_command("forget", lambda args, ctx, responder: None, deferred=True)
        with builder.build() as app:
            with self.assertLogs("ward", level="WARNING"):
                response = invoke_json(app, "forget", {})
            self.assertEqual(response.code, ward.Status.INTERNAL)

    def test_deferred_handler_raising_before_answering(self) -> None:
        builder = GrantingAppBuilder()

        def reject_now(args: Any, ctx: Any, responder: Any) -> None:
            raise ward.CommandError("nope")

        builder.add_command("reject_now", reject_now, deferred=True)
        with builder.build() as app:
            response = invoke_json(app, "reject_now", {})
            self.assertEqual((response.code, response.body),
                             (ward.Status.COMMAND_REJECTED, b'"nope"'))


class LimitsTest(unittest.TestCase):
    def test_small_max_body_bytes(self) -> None:
        calls = []
        builder = GrantingAppBuilder(limits=ward.Limits(max_body_bytes=64))
        builder.add_command("echo", lambda args, ctx: calls.append(args) or args)
        with builder.build() as app:
            fits = invoke_json(app, "echo", {"s": "x" * 10})
            self.assertTrue(fits.ok)
            response = invoke_json(app, "echo", {"s": "x" * 200})
            self.assertFalse(response.ok)
            self.assertEqual(response.code, ward.Status.LIMIT_EXCEEDED)
            self.assertIn("max_body_bytes", response.json())
            raw = app.invoke("/echo", origin=ORIGIN, body=b"\x00" * 65,
                             headers=tauri_headers(app, content_type="application/octet-stream"))
            self.assertEqual(raw.code, ward.Status.LIMIT_EXCEEDED)
        self.assertEqual(len(calls), 1)

    def test_small_max_depth(self) -> None:
        builder = GrantingAppBuilder(limits=ward.Limits(max_depth=4))
        builder.add_command("echo", lambda args, ctx: args)
        with builder.build() as app:
            response = invoke_json(app, "echo", {"a": [[[[[[1]]]]]]})
            self.assertEqual(response.code, ward.Status.LIMIT_EXCEEDED)
            self.assertIn("max_depth", response.json())

    def test_limits_are_validated(self) -> None:
        with self.assertRaises(ValueError):
            ward.Limits(max_body_bytes=-1)
        with self.assertRaises(ValueError):
            ward.Limits(max_depth=2 ** 32)


class OutputEscapingTest(unittest.TestCase):
    def test_line_and_paragraph_separators_are_escaped(self) -> None:
        text = "a\u2028b\u2029c"
        builder = GrantingAppBuilder()
        builder.add_command("separators", lambda args, ctx: {"text": text, "echo": args["s"]})

        @builder.command()
        def reject_separators(args: Dict[str, Any], ctx: ward.Invocation) -> None:
            raise ward.CommandError(text)

        with builder.build() as app:
            response = invoke_json(app, "separators", {"s": text})
            self.assertTrue(response.ok)
            self.assertNotIn("\u2028".encode("utf-8"), response.body)
            self.assertNotIn("\u2029".encode("utf-8"), response.body)
            self.assertIn(b"\\u2028", response.body)
            self.assertIn(b"\\u2029", response.body)
            self.assertEqual(response.json(), {"text": text, "echo": text})
            rejected = invoke_json(app, "reject_separators", {})
            self.assertEqual(rejected.code, ward.Status.COMMAND_REJECTED)
            self.assertNotIn("\u2028".encode("utf-8"), rejected.body)
            self.assertEqual(rejected.json(), text)


class ConcurrencyTest(unittest.TestCase):
    def test_many_threads_invoke_at_once(self) -> None:
        thread_count, calls_per_thread = 16, 150
        counter = Counter()
        builder = GrantingAppBuilder()
        builder.manage("counter", counter)
        builder.add_command("add", lambda args, ctx: args["a"] + args["b"])
        builder.add_command("increment", lambda args, ctx: ctx.state("counter").increment(),
                            requires=["counter"])
        builder.add_command("raw", lambda args, ctx: ctx.body + b"!")
        failures = []
        barrier = threading.Barrier(thread_count)

        def worker(app: ward.App, index: int) -> None:
            try:
                barrier.wait()
                for call in range(calls_per_thread):
                    response = invoke_json(app, "add", {"a": index, "b": call},
                                           callback=index, error=call)
                    if response.json() != index + call or response.callback_id != index \
                            or response.error_id != call:
                        failures.append((index, call, response))
                    if not invoke_json(app, "increment", {}).ok:
                        failures.append((index, call, "increment"))
                    raw = app.invoke("/raw", origin=ORIGIN, body=f"{index}:{call}",
                                     headers=tauri_headers(app,
                                                           content_type="application/octet-stream"))
                    if raw.body != f"{index}:{call}!".encode():
                        failures.append((index, call, raw))
            except Exception as error:  # reported below: an exception in a thread is not a failure
                failures.append((index, error))

        with builder.build() as app:
            threads = [threading.Thread(target=worker, args=(app, index))
                       for index in range(thread_count)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.assertEqual(failures, [])
        self.assertEqual(counter.value, thread_count * calls_per_thread)


    def test_close_while_other_threads_invoke(self) -> None:
        released = []
        builder = GrantingAppBuilder()
        builder.manage("token", "state", on_free=released.append)
        builder.add_command("slow", lambda args, ctx: time.sleep(0.001) or ctx.state("token"))
        app = builder.build()
        outcomes: Dict[str, int] = {"ok": 0, "closed": 0}
        unexpected = []
        lock = threading.Lock()

        def worker() -> None:
            while True:
                try:
                    response = invoke_json(app, "slow", {})
                except ValueError:  # the app was closed: every later call is refused too
                    with lock:
                        outcomes["closed"] += 1
                    return
                with lock:
                    if response.json() == "state":
                        outcomes["ok"] += 1
                    else:
                        unexpected.append(response)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(0.1)
        app.close()  # while invokes are in flight: the last one to finish frees the app
        for thread in threads:
            thread.join()
        self.assertEqual(unexpected, [])
        self.assertGreater(outcomes["ok"], 0)
        self.assertEqual(outcomes["closed"], len(threads))
        self.assertEqual(released, ["state"])


class LoggingTest(unittest.TestCase):
    def test_custom_log_sink_must_not_break_requests(self) -> None:
        def broken_sink(level: Any, code: Any, message: str, detail: str) -> None:
            raise RuntimeError("sink failure")

        builder = GrantingAppBuilder(log=broken_sink)
        builder.add_command("explode", lambda args, ctx: 1 / 0)
        with builder.build() as app:
            with self.assertLogs("ward", level="ERROR"):
                response = invoke_json(app, "explode", {})
            self.assertEqual(response.code, ward.Status.INTERNAL)


if __name__ == "__main__":
    unittest.main()
