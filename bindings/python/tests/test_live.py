"""The live half through the Python binding: async commands on ward's executor and on an asyncio
loop, cancellation, shutdown, deliveries, events, channels, resources, posting and the webview
lifecycle, against the real libward."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import shutil
import subprocess
import threading
import time
import unittest
from typing import Any, Callable, Dict, List

import ward
from support import (ORIGIN, DeliveryRecorder, EventLoopThread, GrantingAppBuilder, command_url,
                     invoke_json, tauri_headers)
from ward import EventTarget, _native

WAIT = 10.0  # seconds a test waits for something that should happen at once


def invoke_later(app: ward.App, command: str, args: Any = None, *, webview: str = "main",
                 callback: int = 11, error: int = 12) -> "concurrent.futures.Future[ward.Response]":
    body = b"" if args is None else json.dumps(args).encode("utf-8")
    return app.invoke_async(command_url(command), origin=ORIGIN, window="main", webview=webview,
                            headers=tauri_headers(app, callback=callback, error=error), body=body)


def wait_for(event: threading.Event, what: str) -> None:
    if not event.wait(WAIT):
        raise AssertionError(f"timed out waiting for {what}")


class AsyncCommandTest(unittest.TestCase):
    def test_async_command_runs_on_an_executor_thread(self) -> None:
        seen: Dict[str, Any] = {}
        builder = GrantingAppBuilder()

        @builder.async_command("where")
        def where(args: Dict[str, Any], ctx: ward.Invocation) -> Dict[str, Any]:
            seen["thread"] = threading.get_ident()
            seen["callback"] = ctx.header("Tauri-Callback")
            seen["cancelled"] = ctx.cancelled
            return {"echo": args, "body": ctx.body.decode()}

        with builder.build() as app:
            response = invoke_json(app, "where", {"k": [1, 2]}, callback=5)
        self.assertTrue(response.ok, response.body)
        self.assertEqual(response.json(), {"echo": {"k": [1, 2]}, "body": '{"k": [1, 2]}'})
        self.assertNotEqual(seen["thread"], threading.get_ident())
        self.assertEqual(seen["callback"], "5")
        self.assertFalse(seen["cancelled"])

    def test_async_def_handlers_run_on_the_given_loop(self) -> None:
        seen: Dict[str, Any] = {}
        with EventLoopThread() as loop_thread:
            builder = GrantingAppBuilder(event_loop=loop_thread.loop)
            builder.manage("factor", 3)

            @builder.command(requires=["factor"])
            async def triple(args: Dict[str, Any], ctx: ward.Invocation) -> int:
                await asyncio.sleep(0.01)
                seen["loop"] = asyncio.get_running_loop()
                seen["thread"] = threading.get_ident()
                seen["body"] = ctx.body
                return args["n"] * ctx.state("factor")

            @builder.async_command()
            async def on_executor(args: Dict[str, Any], ctx: ward.Invocation) -> str:
                await asyncio.sleep(0)
                return f"{ctx.command} from {ctx.webview}"

            @builder.async_command()
            async def refuse(args: Dict[str, Any], ctx: ward.Invocation) -> None:
                raise ward.CommandError({"why": "async"})

            @builder.command()
            async def explode(args: Dict[str, Any], ctx: ward.Invocation) -> None:
                raise KeyError("secret-async-detail")

            with builder.build() as app:
                self.assertEqual(invoke_json(app, "triple", {"n": 14}).json(), 42)
                self.assertIs(seen["loop"], loop_thread.loop)
                self.assertEqual(seen["thread"], loop_thread.thread_id)
                self.assertEqual(seen["body"], b'{"n": 14}')
                self.assertEqual(invoke_json(app, "on_executor", {}).json(),
                                 "on_executor from main")
                refused = invoke_json(app, "refuse", {})
                self.assertEqual((refused.code, refused.json()),
                                 (ward.Status.COMMAND_REJECTED, {"why": "async"}))
                with self.assertLogs("ward", level="ERROR") as logs:
                    exploded = invoke_json(app, "explode", {})
                self.assertEqual(exploded.code, ward.Status.INTERNAL)
                self.assertNotIn(b"secret-async-detail", exploded.body)
                self.assertTrue(any("secret-async-detail" in line for line in logs.output))
                # Many at once: none blocks a thread while it awaits.
                futures = [invoke_later(app, "triple", {"n": n}) for n in range(50)]
                self.assertEqual([future.result(WAIT).json() for future in futures],
                                 [3 * n for n in range(50)])

    def test_deferred_async_command_answers_later(self) -> None:
        builder = GrantingAppBuilder()

        @builder.async_command(deferred=True)
        def later(args: Dict[str, Any], ctx: ward.Invocation, responder: ward.Responder) -> None:
            threading.Timer(0.05, responder.resolve, [args["n"] + 1]).start()

        with builder.build() as app:
            response = invoke_json(app, "later", {"n": 41})
        self.assertEqual((response.code, response.body), (ward.Status.OK, b"42"))

    def test_async_def_handler_needs_an_event_loop(self) -> None:
        async def handler(args: Any, ctx: Any) -> None:
            return None

        builder = GrantingAppBuilder()
        builder.add_command("needs_loop", handler)
        with self.assertRaises(ValueError) as raised:
            builder.build()
        self.assertIn("needs_loop", str(raised.exception))
        with self.assertRaises(TypeError):
            GrantingAppBuilder().add_command("deferred_async", handler, deferred=True)

    def test_busy_when_the_executor_queue_is_full(self) -> None:
        gate = threading.Event()
        started = threading.Event()
        builder = GrantingAppBuilder(executor=ward.ExecutorOptions(workers=1, queue_capacity=1))

        @builder.async_command()
        def block(args: Dict[str, Any], ctx: ward.Invocation) -> int:
            started.set()
            gate.wait(WAIT)
            return args["n"]

        with builder.build() as app:
            running = invoke_later(app, "block", {"n": 1})
            wait_for(started, "the first handler to start")
            queued = invoke_later(app, "block", {"n": 2})
            time.sleep(0.05)
            began = time.monotonic()
            busy = invoke_json(app, "block", {"n": 3})
            self.assertLess(time.monotonic() - began, 2.0)  # answered at once, not queued
            self.assertEqual(busy.code, ward.Status.BUSY)
            self.assertFalse(busy.ok)
            gate.set()
            self.assertEqual(running.result(WAIT).json(), 1)
            self.assertEqual(queued.result(WAIT).json(), 2)

    def test_executor_options_are_validated(self) -> None:
        with self.assertRaises(ValueError):
            ward.ExecutorOptions(workers=-1)
        with self.assertRaises(ValueError):
            ward.ExecutorOptions(queue_capacity=2 ** 32)


class CancellationTest(unittest.TestCase):
    def cancel(self, app: ward.App, callback: int) -> ward.Response:
        return invoke_json(app, "plugin:ward|cancel", {"callback": callback})

    def test_cancel_a_plain_handler(self) -> None:
        started = threading.Event()
        outcome: Dict[str, Any] = {}
        on_cancel_ran = threading.Event()
        builder = GrantingAppBuilder(grant_core=True)

        @builder.async_command()
        def slow(args: Dict[str, Any], ctx: ward.Invocation) -> str:
            ctx.on_cancel(on_cancel_ran.set)
            started.set()
            outcome["saw_cancel"] = ctx.wait_cancelled(WAIT)
            outcome["cancelled"] = ctx.cancelled
            return "too late"

        with builder.build() as app:
            pending = invoke_later(app, "slow", {}, callback=31, error=32)
            wait_for(started, "the handler to start")
            self.assertEqual(self.cancel(app, 999).json(), False)  # no such invoke
            self.assertEqual(self.cancel(app, 31).json(), True)
            response = pending.result(WAIT)
            self.assertEqual(response.code, ward.Status.CANCELLED)
            self.assertFalse(response.ok)
            wait_for(on_cancel_ran, "on_cancel")
            deadline = time.monotonic() + WAIT
            while "cancelled" not in outcome and time.monotonic() < deadline:
                time.sleep(0.01)
            self.assertEqual(outcome, {"saw_cancel": True, "cancelled": True})
            self.assertEqual(self.cancel(app, 31).json(), False)  # answered already

    def test_cancel_a_coroutine(self) -> None:
        for on_executor in (False, True):
            with self.subTest(on_executor=on_executor):
                self.check_cancel_a_coroutine(on_executor)

    def check_cancel_a_coroutine(self, on_executor: bool) -> None:
        started = threading.Event()
        saw_cancelled_error = threading.Event()

        async def sleepy(args: Dict[str, Any], ctx: ward.Invocation) -> str:
            started.set()
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                saw_cancelled_error.set()
                raise
            return "never"

        with EventLoopThread() as loop_thread:
            builder = GrantingAppBuilder(grant_core=True, event_loop=loop_thread.loop)
            builder.add_command("sleepy", sleepy, on_executor=on_executor)
            with builder.build() as app:
                pending = invoke_later(app, "sleepy", {}, callback=41)
                wait_for(started, "the coroutine to start")
                self.assertEqual(self.cancel(app, 41).json(), True)
                self.assertEqual(pending.result(WAIT).code, ward.Status.CANCELLED)
                wait_for(saw_cancelled_error, "the coroutine to see CancelledError")

    def test_cancel_a_deferred_sync_handler(self) -> None:
        kept: List[ward.Responder] = []
        cancelled = threading.Event()
        builder = GrantingAppBuilder(grant_core=True)

        @builder.command(deferred=True)
        def later(args: Dict[str, Any], ctx: ward.Invocation, responder: ward.Responder) -> None:
            responder.on_cancel(cancelled.set)
            kept.append(responder)

        with builder.build() as app:
            pending = invoke_later(app, "later", {}, callback=51)
            deadline = time.monotonic() + WAIT
            while not kept and time.monotonic() < deadline:
                time.sleep(0.01)
            self.assertTrue(kept)
            self.assertFalse(kept[0].cancelled)
            self.assertEqual(self.cancel(app, 51).json(), True)
            self.assertEqual(pending.result(WAIT).code, ward.Status.CANCELLED)
            wait_for(cancelled, "on_cancel")
            self.assertTrue(kept[0].cancelled)
            with self.assertRaises(ward.AlreadyAnsweredError):  # the late answer is dropped
                kept[0].resolve("late")
            self.assertTrue(kept[0].cancelled)

    def test_navigation_cancels_the_webviews_invokes(self) -> None:
        started = threading.Event()
        builder = GrantingAppBuilder()
        builder.add_async_command("wait", lambda args, ctx: started.set() or ctx.wait_cancelled(WAIT))
        with builder.build() as app:
            app.webview_created("main")
            pending = invoke_later(app, "wait", {})
            wait_for(started, "the handler to start")
            app.webview_navigated("main")
            self.assertEqual(pending.result(WAIT).code, ward.Status.CANCELLED)


class ShutdownTest(unittest.TestCase):
    def test_shutdown_waits_for_a_running_handler(self) -> None:
        started, finished = threading.Event(), threading.Event()
        builder = GrantingAppBuilder()

        @builder.async_command()
        def stubborn(args: Dict[str, Any], ctx: ward.Invocation) -> str:
            started.set()
            time.sleep(0.3)  # ignores cancellation on purpose
            finished.set()
            return "done"

        app = builder.build()
        pending = invoke_later(app, "stubborn", {})
        wait_for(started, "the handler to start")
        app.shutdown()
        self.assertTrue(finished.is_set(), "shutdown returned while a handler still ran")
        self.assertEqual(pending.result(WAIT).code, ward.Status.CANCELLED)
        self.assertEqual(invoke_json(app, "stubborn", {}).code, ward.Status.CLOSED)
        app.shutdown()  # idempotent
        app.close()
        app.shutdown()  # and harmless once closed

    def test_shutdown_cancels_a_pending_coroutine(self) -> None:
        started, saw_cancelled_error = threading.Event(), threading.Event()
        with EventLoopThread() as loop_thread:
            builder = GrantingAppBuilder(event_loop=loop_thread.loop)

            @builder.command()
            async def forever(args: Dict[str, Any], ctx: ward.Invocation) -> None:
                started.set()
                try:
                    await asyncio.sleep(30)
                except asyncio.CancelledError:
                    saw_cancelled_error.set()
                    raise

            app = builder.build()
            pending = invoke_later(app, "forever", {})
            wait_for(started, "the coroutine to start")
            app.close()  # shuts down: the invoke in flight is cancelled, and so is its coroutine
            self.assertEqual(pending.result(WAIT).code, ward.Status.CANCELLED)
            wait_for(saw_cancelled_error, "the coroutine to see CancelledError")

    def test_shutdown_from_inside_a_handler_is_refused(self) -> None:
        holder: List[ward.App] = []
        builder = GrantingAppBuilder()

        @builder.command()
        def suicide(args: Dict[str, Any], ctx: ward.Invocation) -> str:
            try:
                holder[0].shutdown()
            except RuntimeError:
                return "refused"
            return "shut down"

        with builder.build() as app:
            holder.append(app)
            self.assertEqual(invoke_json(app, "suicide", {}).json(), "refused")

    def test_close_releases_every_handle(self) -> None:
        baseline = len(_native.handles)
        recorder = DeliveryRecorder()
        builder = GrantingAppBuilder(delivery=recorder)
        builder.add_async_command("noop", lambda args, ctx: None)
        with builder.build() as app:
            app.listen("tick", lambda event: None)
            app.once("tick", lambda event: None)
            removed = app.listen("tock", lambda event: None)
            app.unlisten(removed)
            invoke_json(app, "noop", {})
        self.assertEqual(len(_native.handles), baseline)


class EventTest(unittest.TestCase):
    def setUp(self) -> None:
        self.recorder = DeliveryRecorder()
        self.builder = GrantingAppBuilder(grant_core=True, delivery=self.recorder)

    def test_page_listener_receives_events_in_order(self) -> None:
        with self.builder.build() as app:
            listen = invoke_json(app, "plugin:event|listen",
                                 {"event": "tick", "target": {"kind": "Any"}, "handler": 7})
            self.assertTrue(listen.ok, listen.body)
            listener_id = listen.json()
            for n in range(100):
                app.emit("tick", {"n": n})
            deliveries = self.recorder.wait_until(lambda got: len(got) >= 100)
            self.assertEqual(len(deliveries), 100)
            for n, (webview, delivery) in enumerate(deliveries):
                self.assertEqual(webview, "main")
                self.assertEqual(delivery.kind, ward.DeliveryKind.EVENT)
                self.assertEqual(delivery.callback, 7)
                self.assertEqual(delivery.json(),
                                 {"event": "tick", "id": listener_id, "payload": {"n": n}})
            unlisten = invoke_json(app, "plugin:event|unlisten",
                                   {"event": "tick", "eventId": listener_id})
            self.assertTrue(unlisten.ok, unlisten.body)
            app.emit("tick", {"n": "after unlisten"})
            invoke_json(app, "plugin:event|listen",
                        {"event": "done", "target": {"kind": "Any"}, "handler": 8})
            app.emit("done")
            deliveries = self.recorder.wait_until(lambda got: any(d.callback == 8 for _, d in got))
            self.assertEqual(len(deliveries), 101)  # nothing for the removed listener

    def test_page_emit_reaches_backend_listeners(self) -> None:
        received: List[ward.Event] = []
        with self.builder.build() as app:
            listener_id = app.listen("from-page", received.append)
            response = invoke_json(app, "plugin:event|emit",
                                   {"event": "from-page", "payload": {"x": [1, "é"]}})
            self.assertTrue(response.ok, response.body)
            self.assertEqual(len(received), 1)
            self.assertEqual(received[0].name, "from-page")
            self.assertEqual(received[0].payload, {"x": [1, "é"]})
            self.assertEqual(received[0].id, listener_id)

    def test_backend_listen_once_and_unlisten(self) -> None:
        every: List[Any] = []
        first: List[Any] = []
        with self.builder.build() as app:
            listener_id = app.listen("count", lambda event: every.append(event.payload))
            app.once("count", lambda event: first.append(event.payload))
            app.emit("count", 1)
            app.emit("count", 2)
            app.unlisten(listener_id)
            app.emit("count", 3)
            self.assertEqual(every, [1, 2])
            self.assertEqual(first, [1])
            with self.assertRaises(ward.InvalidArgumentError):
                app.unlisten(listener_id)

    def test_targets(self) -> None:
        heard: Dict[str, List[Any]] = {}

        def recorder(name: str) -> Callable[[ward.Event], None]:
            return lambda event: heard.setdefault(name, []).append(event.payload)

        with self.builder.build() as app:
            app.listen("t", recorder("any"))
            app.listen("t", recorder("app"), target=EventTarget.app())
            app.listen("t", recorder("window main"), target=EventTarget.window("main"))
            app.listen("t", recorder("webview w2"), target=EventTarget.webview("w2"))
            app.listen("t", recorder("webview_window w3"),
                       target=EventTarget.webview_window("w3"))
            app.emit_to(EventTarget.window("main"), "t", "to window main")
            app.emit_to("w2", "t", "to label w2")  # a str is any_label
            app.emit_to(EventTarget.app(), "t", "to app")
            app.emit_to(EventTarget.webview_window("w3"), "t", "to w3")
            app.emit("t", "to all")
        self.assertEqual(heard, {
            "any": ["to window main", "to label w2", "to app", "to w3", "to all"],
            "app": ["to app", "to all"],
            "window main": ["to window main", "to all"],
            "webview w2": ["to label w2", "to all"],
            "webview_window w3": ["to w3", "to all"],
        })

    def test_emit_filter(self) -> None:
        heard: List[str] = []
        offered: List[EventTarget] = []

        def only_webviews(target: EventTarget) -> bool:
            offered.append(target)
            return target.kind == ward.EventTargetKind.WEBVIEW

        with self.builder.build() as app:
            app.listen("f", lambda event: heard.append("window"), target=EventTarget.window("main"))
            app.listen("f", lambda event: heard.append("webview"), target=EventTarget.webview("v"))
            app.listen("f", lambda event: heard.append("any"))
            app.emit_filter("f", None, only_webviews)
            # As in Tauri, listeners on any hear every emit: the filter chooses among the others.
            self.assertEqual(sorted(heard), ["any", "webview"])
            self.assertEqual(sorted(offered, key=repr),
                             [EventTarget.webview("v"), EventTarget.window("main")])
            heard.clear()
            with self.assertLogs("ward", level="ERROR"):  # a failing predicate counts as False
                app.emit_filter("f", None, lambda target: 1 / 0)
            self.assertEqual(heard, ["any"])

    def test_invalid_event_names(self) -> None:
        with self.builder.build() as app:
            for bad in ("", "has space", "semi;colon", "x" * 257):
                with self.assertRaises(ward.InvalidNameError):
                    app.emit(bad, 1)
                with self.assertRaises(ward.InvalidNameError):
                    app.emit_to(EventTarget.any(), bad, 1)
                with self.assertRaises(ward.InvalidNameError):
                    app.listen(bad, lambda event: None)
            app.emit("ok-name/with:all_of_them", None)

    def test_failing_listener_is_logged_and_others_still_hear(self) -> None:
        heard: List[Any] = []
        with self.builder.build() as app:
            app.listen("e", lambda event: 1 / 0)
            app.listen("e", lambda event: heard.append(event.payload))
            with self.assertLogs("ward", level="ERROR"):
                app.emit("e", "payload")
        self.assertEqual(heard, ["payload"])

    def test_event_target_constructors(self) -> None:
        self.assertEqual(EventTarget.any(), EventTarget(ward.EventTargetKind.ANY))
        self.assertEqual(EventTarget.any_label("a").label, "a")
        self.assertEqual(EventTarget.of("a"), EventTarget.any_label("a"))
        with self.assertRaises(TypeError):
            EventTarget(ward.EventTargetKind.WINDOW)
        with self.assertRaises(ValueError):
            EventTarget(ward.EventTargetKind.APP, "label")


class ChannelTest(unittest.TestCase):
    CHANNEL_ID = 42

    def channel_args(self) -> Dict[str, str]:
        return {"onEvent": f"{ward.CHANNEL_PREFIX}{self.CHANNEL_ID}"}

    def ended(self, recorder: DeliveryRecorder) -> Callable[[Any], bool]:
        return lambda got: any(d.end for _, d in got if d.callback == self.CHANNEL_ID)

    def test_stream_of_ordered_messages_then_end(self) -> None:
        recorder = DeliveryRecorder()
        builder = GrantingAppBuilder(delivery=recorder)

        @builder.async_command()
        def stream(args: Dict[str, Any], ctx: ward.Invocation) -> int:
            with ctx.channel("onEvent") as channel:
                self.assertEqual(channel.id, self.CHANNEL_ID)
                for n in range(1000):
                    channel.send({"n": n})
            return 1000

        with builder.build() as app:
            self.assertEqual(invoke_json(app, "stream", self.channel_args()).json(), 1000)
            deliveries = recorder.wait_until(self.ended(recorder))
        self.assertEqual(len(deliveries), 1001)
        for n, (webview, delivery) in enumerate(deliveries[:1000]):
            self.assertEqual((webview, delivery.kind, delivery.callback),
                             ("main", ward.DeliveryKind.CHANNEL, self.CHANNEL_ID))
            self.assertEqual((delivery.index, delivery.end, delivery.json()), (n, False, {"n": n}))
        end = deliveries[1000][1]
        self.assertTrue(end.end)
        self.assertEqual(end.index, 1000)  # as Tauri: the end carries the next index

    def test_raw_bytes_and_end_when_dropped(self) -> None:
        recorder = DeliveryRecorder()
        builder = GrantingAppBuilder(delivery=recorder)

        @builder.command()
        def raw(args: Dict[str, Any], ctx: ward.Invocation) -> None:
            channel = ctx.channel("onEvent")
            self.assertIs(ctx.channel("onEvent"), channel)
            channel.send_bytes(b"\x00\x01\xff")
            channel.send(bytearray(b"second"))
            channel.send_json('{"json":true}')
            # no close: dropping the last reference ends the channel, as in Tauri

        with builder.build() as app:
            self.assertTrue(invoke_json(app, "raw", self.channel_args()).ok)
            deliveries = [d for _, d in recorder.wait_until(self.ended(recorder))]
        self.assertEqual([(d.raw, d.body) for d in deliveries[:3]],
                         [(True, b"\x00\x01\xff"), (True, b"second"), (False, '{"json":true}')])
        self.assertEqual([d.index for d in deliveries], [0, 1, 2, 3])
        self.assertTrue(deliveries[3].end)

    def test_argument_that_is_not_a_channel(self) -> None:
        errors: List[ward.WardError] = []
        builder = GrantingAppBuilder(delivery=DeliveryRecorder())

        @builder.command()
        def probe(args: Dict[str, Any], ctx: ward.Invocation) -> None:
            for key in ("missing", "plain"):
                try:
                    ctx.channel(key)
                except ward.InvalidArgsError as error:
                    errors.append(error)

        with builder.build() as app:
            invoke_json(app, "probe", {"plain": "text"})
        self.assertEqual(len(errors), 2)
        self.assertIn("missing", errors[0].message)
        self.assertIn("plain", errors[1].message)

    def test_backpressure_on_a_slow_delivery_callback(self) -> None:
        gate = threading.Event()
        recorder = DeliveryRecorder()

        page_busy = threading.Event()

        def slow_page(webview: str, delivery: ward.Delivery) -> None:
            page_busy.set()
            gate.wait(WAIT)
            recorder(webview, delivery)

        kept: List[ward.Channel] = []
        builder = GrantingAppBuilder(delivery=slow_page,
                                     delivery_options=ward.DeliveryOptions(channel_capacity=2))
        builder.add_command("open", lambda args, ctx: kept.append(ctx.channel("onEvent")))
        with builder.build() as app:
            invoke_json(app, "open", self.channel_args())
            channel = kept[0]
            self.assertTrue(channel.try_send(0))
            wait_for(page_busy, "the delivery callback to take the first message")
            # A message counts against the capacity until the delivery callback has returned, so
            # with the first one held up in the callback there is room for one more.
            sent = 1
            while channel.try_send(sent):
                sent += 1
                self.assertLessEqual(sent, 2, "the channel accepted more than its capacity")
            self.assertEqual(sent, 2)
            self.assertEqual(channel.queued, 2)
            with self.assertRaises(ward.BusyError):
                channel.send("waits", timeout=0.05)
            gate.set()
            channel.send(sent, timeout=WAIT)  # room again once the page catches up
            channel.close()
            with self.assertRaises(ward.ClosedError):
                channel.send("after close")
            with self.assertRaises(ward.ClosedError):
                channel.try_send("after close")
            deliveries = [d for _, d in recorder.wait_until(self.ended(recorder))]
        self.assertEqual([d.json() for d in deliveries[:-1]], list(range(sent + 1)))
        self.assertEqual([d.index for d in deliveries], list(range(sent + 2)))

    def test_threads_share_a_channel_and_one_closes_it(self) -> None:
        kept: List[ward.Channel] = []
        recorder = DeliveryRecorder()
        builder = GrantingAppBuilder(delivery=recorder)
        builder.add_command("open", lambda args, ctx: kept.append(ctx.channel("onEvent")))
        outcomes: Dict[str, int] = {"sent": 0, "closed": 0}
        lock = threading.Lock()
        barrier = threading.Barrier(5)

        def sender() -> None:
            barrier.wait()
            for n in range(300):
                try:
                    kept[0].send(n, timeout=WAIT)
                    outcome = "sent"
                except ward.ClosedError:
                    outcome = "closed"
                with lock:
                    outcomes[outcome] += 1

        with builder.build() as app:
            invoke_json(app, "open", self.channel_args())
            threads = [threading.Thread(target=sender) for _ in range(4)]
            for thread in threads:
                thread.start()
            barrier.wait()
            time.sleep(0.005)
            kept[0].close()  # while the others send
            for thread in threads:
                thread.join()
            deliveries = [d for _, d in recorder.wait_until(self.ended(recorder))]
        self.assertEqual(outcomes["sent"] + outcomes["closed"], 1200)
        self.assertEqual(len(deliveries), outcomes["sent"] + 1)
        self.assertEqual([d.index for d in deliveries], list(range(outcomes["sent"] + 1)))

    def test_navigation_closes_channels(self) -> None:
        kept: List[ward.Channel] = []
        recorder = DeliveryRecorder()
        builder = GrantingAppBuilder(delivery=recorder)
        builder.add_command("open", lambda args, ctx: kept.append(ctx.channel("onEvent")))
        with builder.build() as app:
            app.webview_created("main")
            invoke_json(app, "open", self.channel_args())
            kept[0].send("before")
            app.webview_navigated("main")
            with self.assertRaises(ward.ClosedError):
                kept[0].send("after")

    def test_async_def_handler_streams_through_its_channel(self) -> None:
        recorder = DeliveryRecorder()
        with EventLoopThread() as loop_thread:
            builder = GrantingAppBuilder(delivery=recorder, event_loop=loop_thread.loop)

            @builder.command()
            async def ticks(args: Dict[str, Any], ctx: ward.Invocation) -> str:
                channel = ctx.channel("onEvent")
                for n in range(5):
                    await asyncio.sleep(0)
                    channel.send(n)
                channel.close()
                return "ticked"

            with builder.build() as app:
                self.assertEqual(invoke_json(app, "ticks", self.channel_args()).json(), "ticked")
                deliveries = [d for _, d in recorder.wait_until(self.ended(recorder))]
        self.assertEqual([d.json() for d in deliveries[:5]], [0, 1, 2, 3, 4])
        self.assertTrue(deliveries[5].end)


class Thing:
    def __init__(self, name: str) -> None:
        self.name = name


class ResourceTest(unittest.TestCase):
    def test_resources_belong_to_their_webview(self) -> None:
        closed: List[str] = []
        builder = GrantingAppBuilder(grant_core=True)

        @builder.command()
        def open_thing(args: Dict[str, Any], ctx: ward.Invocation) -> int:
            return ctx.add_resource(Thing(args["name"]), on_close=lambda t: closed.append(t.name))

        @builder.command()
        def read_thing(args: Dict[str, Any], ctx: ward.Invocation) -> Any:
            try:
                return ctx.resource(args["rid"]).name
            except ward.InvalidArgumentError:
                return None

        @builder.command()
        def close_thing(args: Dict[str, Any], ctx: ward.Invocation) -> None:
            ctx.close_resource(args["rid"])

        def call(command: str, args: Any, webview: str = "main") -> ward.Response:
            return invoke_json(app, command, args, window="main", webview=webview)

        with builder.build() as app:
            first = call("open_thing", {"name": "first"}).json()
            second = call("open_thing", {"name": "second"}).json()
            third = call("open_thing", {"name": "third"}).json()
            other = call("open_thing", {"name": "other's"}, webview="other").json()
            for rid in (first, second, third, other):
                self.assertTrue(0 < rid < 2 ** 53)
            self.assertEqual(len({first, second, third, other}), 4)
            self.assertEqual(call("read_thing", {"rid": first}).json(), "first")
            self.assertIsNone(call("read_thing", {"rid": first}, webview="other").json())
            self.assertEqual(call("read_thing", {"rid": other}, webview="other").json(), "other's")
            # The page closes its own resource, never another webview's.
            self.assertFalse(call("plugin:resources|close", {"rid": first}, webview="other").ok)
            self.assertEqual(closed, [])
            self.assertTrue(call("plugin:resources|close", {"rid": first}).ok)
            self.assertEqual(closed, ["first"])
            self.assertIsNone(call("read_thing", {"rid": first}).json())
            with self.assertLogs("ward", level="ERROR"):  # closed already: the handler raises
                self.assertFalse(call("close_thing", {"rid": first}).ok)
            self.assertTrue(call("close_thing", {"rid": second}).ok)
            self.assertEqual(closed, ["first", "second"])
            app.webview_destroyed("other")
            self.assertEqual(closed, ["first", "second", "other's"])
        self.assertEqual(closed, ["first", "second", "other's", "third"])  # closed by shutdown

    def test_a_handler_outliving_its_webview_adds_and_finds_no_resource(self) -> None:
        # A handler still running when its webview is destroyed (then created again under the
        # same label) can neither add a resource nor reach the new webview's.
        baseline = len(_native.handles)
        closed: List[str] = []
        started, go_on, finished = threading.Event(), threading.Event(), threading.Event()
        handed: Dict[str, int] = {}
        outcome: Dict[str, Any] = {}
        builder = GrantingAppBuilder(grant_core=True)

        @builder.async_command()
        def outlive(args: Dict[str, Any], ctx: ward.Invocation) -> None:
            started.set()
            go_on.wait(WAIT)  # the test destroys "main" and creates it again meanwhile
            try:
                outcome["added"] = ctx.add_resource(Thing("late"),
                                                    on_close=lambda t: closed.append(t.name))
            except ward.WardError as error:
                outcome["add_error"] = error
            for what, attempt in (("found", ctx.resource), ("closed", ctx.close_resource)):
                try:
                    outcome[what] = attempt(handed["rid"])
                except ward.WardError as error:
                    outcome[what + "_error"] = error
            finished.set()

        @builder.command()
        def open_thing(args: Dict[str, Any], ctx: ward.Invocation) -> int:
            return ctx.add_resource(Thing(args["name"]), on_close=lambda t: closed.append(t.name))

        @builder.command()
        def read_thing(args: Dict[str, Any], ctx: ward.Invocation) -> Any:
            return ctx.resource(args["rid"]).name

        with builder.build() as app:
            try:
                app.webview_created("main")
                pending = invoke_later(app, "outlive", {})
                wait_for(started, "the handler to start")
                app.webview_destroyed("main")
                app.webview_created("main")
                self.assertEqual(pending.result(WAIT).code, ward.Status.CANCELLED)
                opened = invoke_json(app, "open_thing", {"name": "new"})  # the new webview's
                self.assertTrue(opened.ok, opened.body)
                handed["rid"] = opened.json()
            finally:
                go_on.set()
            wait_for(finished, "the handler to finish")
            # Refused (CLOSED), so the value stays the handler's: as the C ABI documents, a
            # refused resource's free callback (here on_close) is not called, and nothing of it
            # is left in the table to be closed later.
            self.assertNotIn("added", outcome)
            self.assertIsInstance(outcome.get("add_error"), ward.ClosedError)
            self.assertEqual(outcome["add_error"].code, ward.Status.CLOSED)
            self.assertEqual(closed, [])
            # The new webview's resource is not the old handler's to see or close.
            self.assertIsInstance(outcome.get("found_error"), ward.InvalidArgumentError)
            self.assertIsInstance(outcome.get("closed_error"), ward.InvalidArgumentError)
            self.assertNotIn("found", outcome)
            self.assertEqual(closed, [])
            self.assertEqual(invoke_json(app, "read_thing", {"rid": handed["rid"]}).json(), "new")
            app.webview_destroyed("main")
            self.assertEqual(closed, ["new"])
        self.assertEqual(closed, ["new"])  # shutdown found nothing left: "late" was never kept
        self.assertEqual(len(_native.handles), baseline)


class NavigationTest(unittest.TestCase):
    def test_what_the_old_page_queued_is_dropped_not_handed_to_the_new_page(self) -> None:
        recorder = DeliveryRecorder()
        first_started, release = threading.Event(), threading.Event()
        held: List[Any] = []

        # The first delivery holds the delivery thread until the test has queued the rest and
        # navigated; the delivery callback is called one delivery at a time.
        def sink(webview: str, delivery: ward.Delivery) -> None:
            if not held:
                held.append((webview, delivery.callback, delivery.json()["payload"]))
                first_started.set()
                release.wait(WAIT)
            recorder(webview, delivery)

        builder = GrantingAppBuilder(grant_core=True, delivery=sink)

        @builder.command()
        def stream(args: Dict[str, Any], ctx: ward.Invocation) -> int:
            sent = 0
            with ctx.channel("channel") as channel:
                try:
                    for n in range(3):
                        channel.send(n)
                        sent += 1
                except ward.ClosedError:  # run after the navigation: its channel is closed
                    pass
            return sent

        def listen(webview: str, handler: int) -> int:
            response = invoke_json(app, "plugin:event|listen",
                                   {"event": "tick", "target": {"kind": "Any"}, "handler": handler},
                                   webview=webview)
            self.assertTrue(response.ok, response.body)
            return response.json()

        with builder.build() as app:
            try:
                old_main = listen("main", 7)
                side = listen("side", 8)
                app.emit("tick", 0)  # main's copy holds the delivery thread; side's waits behind it
                wait_for(first_started, "the first delivery")
                # Queued for the old page of "main": an event, channel messages and the reply of
                # a posted request.
                app.emit("tick", 1)
                streamed = invoke_json(app, "stream", {"channel": "__CHANNEL__:50"})
                self.assertEqual(streamed.json(), 3)
                app.post(command_url("stream"), origin=ORIGIN, webview="main",
                         headers=tauri_headers(app, callback=61, error=62),
                         body='{"channel":"__CHANNEL__:51"}')
                app.webview_navigated("main")
                # The new page listens, and gets what is emitted from now on.
                new_main = listen("main", 9)
                app.emit("tick", 2)
            finally:
                release.set()
            recorder.wait_until(lambda got: len(got) >= 5)
        # Closing the app delivered whatever was still queued: anything wrongly kept shows here.
        self.assertEqual(held, [("main", 7, 0)])
        seen = [(webview, (d.kind, d.callback, None if d.end else d.json()))  # an end has no body
                for webview, d in recorder.deliveries]
        to_main = [delivery for webview, delivery in seen if webview == "main"]
        to_side = [delivery for webview, delivery in seen if webview != "main"]
        tick = ward.DeliveryKind.EVENT
        self.assertEqual(to_side, [(tick, 8, {"event": "tick", "payload": n, "id": side})
                                   for n in range(3)])
        self.assertEqual(to_main, [(tick, 7, {"event": "tick", "payload": 0, "id": old_main}),
                                   (tick, 9, {"event": "tick", "payload": 2, "id": new_main})])
        self.assertEqual({webview for webview, _ in seen}, {"main", "side"})


class PostTest(unittest.TestCase):
    def test_replies_arrive_as_deliveries(self) -> None:
        recorder = DeliveryRecorder()
        builder = GrantingAppBuilder(delivery=recorder)
        builder.add_command("greet", lambda args, ctx: f"Hello, {args['name']}!")
        with builder.build() as app:
            app.post(command_url("greet"), origin=ORIGIN, webview="main",
                     headers=tauri_headers(app, callback=21, error=22), body='{"name":"Ada"}')
            app.post(command_url("nope"), origin=ORIGIN,
                     headers=tauri_headers(app, callback=23, error=24), body="{}")
            app.post_message(json.dumps({"cmd": "greet", "callback": 25, "error": 26,
                                         "payload": {"name": "Bo"},
                                         "__TAURI_INVOKE_KEY__": app.invoke_key}), origin=ORIGIN)
            deliveries = recorder.wait_until(lambda got: len(got) >= 3)
        by_callback = {delivery.callback: (webview, delivery) for webview, delivery in deliveries}
        webview, ok = by_callback[21]
        self.assertEqual((webview, ok.kind, ok.ok, ok.json()),
                         ("main", ward.DeliveryKind.REPLY, True, "Hello, Ada!"))
        _, error = by_callback[24]  # rejected: the Tauri-Error id
        self.assertEqual((error.ok, error.json()), (False, "Command nope not found"))
        self.assertEqual(by_callback[25][1].json(), "Hello, Bo!")

    def test_post_needs_a_delivery_callback(self) -> None:
        with GrantingAppBuilder().build() as app:
            with self.assertRaises(ward.InvalidArgumentError):
                app.post(command_url("x"), origin=ORIGIN, headers=tauri_headers(app))


NODE = shutil.which("node")


class RenderScriptTest(unittest.TestCase):
    CASES = [
        ward.Delivery(ward.DeliveryKind.REPLY, 3, ok=True, body='{"a":[1,"\u2028"]}'),
        ward.Delivery(ward.DeliveryKind.REPLY, 4, ok=False, body='"no"'),
        ward.Delivery(ward.DeliveryKind.EVENT, 5, body='{"event":"e","id":9,"payload":null}'),
        ward.Delivery(ward.DeliveryKind.CHANNEL, 6, body='{"n":1}', index=2),
        ward.Delivery(ward.DeliveryKind.CHANNEL, 7, body=b"\x00\xffA", index=0),
        ward.Delivery(ward.DeliveryKind.CHANNEL, 8, index=3, end=True),
    ]
    EXPECTED = [
        [3, {"a": [1, "\u2028"]}],
        [4, "no"],
        [5, {"event": "e", "id": 9, "payload": None}],
        [6, {"index": 2, "message": {"n": 1}}],
        [7, {"index": 0, "message": {"bytes": [0, 255, 65]}}],
        [8, {"index": 3, "end": True}],
    ]

    def test_script_names_runCallback_and_the_callback(self) -> None:
        for delivery in self.CASES:
            script = delivery.script()
            self.assertEqual(script, ward.render_script(delivery))
            self.assertIn("runCallback", script)
            self.assertIn(str(delivery.callback), script)

    @unittest.skipUnless(NODE, "needs node to run the scripts")
    def test_scripts_call_runCallback_with_the_value(self) -> None:
        # Run each script against a stand-in window.__TAURI_INTERNALS__ and print what it got;
        # an ArrayBuffer is printed as {"bytes": [...]}.
        prelude = """
            const calls = [];
            globalThis.window = {__TAURI_INTERNALS__: {runCallback: (id, value) => calls.push([id, value])}};
            const plain = (v) => v instanceof ArrayBuffer ? {bytes: Array.from(new Uint8Array(v))}
              : (v && typeof v === 'object' && !Array.isArray(v))
                ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v;
        """
        scripts = "\n".join(f"{delivery.script()};" for delivery in self.CASES)
        program = prelude + scripts + "\nconsole.log(JSON.stringify(calls.map(([i, v]) => [i, plain(v)])));"
        result = subprocess.run([NODE, "-e", program], capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout), self.EXPECTED)


if __name__ == "__main__":
    unittest.main()
