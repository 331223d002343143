"""Access control through the binding: default deny, capabilities (window, webview, origin),
permission manifests and scopes, run-time capabilities, explain(), the audit sink, and errors
naming the file at fault."""

from __future__ import annotations

import json
import tempfile
import threading
import unittest
from pathlib import Path
from typing import Any, Dict, List, Tuple

import ward
from support import ORIGIN, invoke_json
from ward import _native

DENIED_GREET = "Command greet not allowed by ACL"

MAIN_GREET = {"identifier": "main", "windows": ["main"], "permissions": ["allow-greet"]}

# A permission manifest of plugin "fs", as tauri-plugin-fs ships them (TOML): a global scope
# (allow-home: a permission without commands), and a permission for read_file with a command scope.
FS_MANIFEST = """
[[permission]]
identifier = "allow-home"
description = "Global scope: the home directory."
[[permission.scope.allow]]
path = "$HOME/**"

[[permission]]
identifier = "read-scoped"
commands.allow = ["read_file"]
[[permission.scope.allow]]
path = "$APPDATA/*"
[[permission.scope.deny]]
path = "$APPDATA/secret"
"""


class Calls:
    """Records the handler calls, which may come from several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.commands: List[str] = []

    def record(self, ctx: ward.Invocation) -> None:
        with self._lock:
            self.commands.append(ctx.command)


def greeting_builder(calls: Calls, **options: Any) -> ward.AppBuilder:
    """A builder with commands greet and plugin:fs|read_file, the fs manifest and no capability."""
    builder = ward.AppBuilder(**options)

    def greet(args: Dict[str, Any], ctx: ward.Invocation) -> str:
        calls.record(ctx)
        return "hi"

    def read_file(args: Dict[str, Any], ctx: ward.Invocation) -> Dict[str, Any]:
        calls.record(ctx)
        return ctx.scopes

    builder.add_command("greet", greet)
    builder.add_command("plugin:fs|read_file", read_file)
    builder.permissions("fs", FS_MANIFEST, name="fs.toml", format="toml")
    return builder


def assert_denied(test: unittest.TestCase, response: ward.Response,
                  command: str = "greet") -> None:
    test.assertFalse(response.ok)
    test.assertEqual(response.code, ward.Status.NOT_ALLOWED)
    test.assertEqual(response.content_type, "application/json")
    test.assertEqual(response.json(), f"Command {command} not allowed by ACL")


class DefaultDenyTest(unittest.TestCase):
    def test_no_capability_denies_every_command_without_running_it(self) -> None:
        calls = Calls()
        with greeting_builder(calls).build() as app:
            for origin in (ORIGIN, "http://tauri.localhost", "https://evil.example"):
                assert_denied(self, invoke_json(app, "greet", {}, origin=origin))
            assert_denied(self, invoke_json(app, "plugin:fs|read_file", {}),
                          "plugin:fs|read_file")
            message = json.dumps({"cmd": "greet", "callback": 1, "error": 2, "payload": {},
                                  "__TAURI_INVOKE_KEY__": app.invoke_key})
            assert_denied(self, app.invoke_message(message, origin=ORIGIN))
            self.assertEqual(response_body(app, "nope"), "Command nope not found")
        self.assertEqual(calls.commands, [])

    def test_a_capability_grants_only_what_it_names(self) -> None:
        calls = Calls()
        builder = greeting_builder(calls)
        builder.capability(MAIN_GREET)
        with builder.build() as app:
            response = invoke_json(app, "greet", {})
            self.assertEqual((response.ok, response.json()), (True, "hi"))
            assert_denied(self, invoke_json(app, "plugin:fs|read_file", {}),
                          "plugin:fs|read_file")
        self.assertEqual(calls.commands, ["greet"])


def response_body(app: ward.App, command: str) -> Any:
    return invoke_json(app, command, {}).json()


class CapabilityMatchingTest(unittest.TestCase):
    def test_window_main_only(self) -> None:
        calls = Calls()
        builder = greeting_builder(calls)
        builder.capability(MAIN_GREET)
        with builder.build() as app:
            self.assertTrue(invoke_json(app, "greet", {}, window="main", webview="main").ok)
            self.assertTrue(invoke_json(app, "greet", {}, window="main", webview="panel").ok)
            assert_denied(self, invoke_json(app, "greet", {}, window="settings",
                                            webview="settings"))
            assert_denied(self, invoke_json(app, "greet", {}, window="main-2", webview="main"))
        self.assertEqual(len(calls.commands), 2)

    def test_webview_labels(self) -> None:
        builder = greeting_builder(Calls())
        builder.capability({"identifier": "panel", "webviews": ["panel-?"],
                            "permissions": ["allow-greet"]})
        with builder.build() as app:
            self.assertTrue(invoke_json(app, "greet", {}, window="any", webview="panel-1").ok)
            assert_denied(self, invoke_json(app, "greet", {}, window="any", webview="panel-10"))

    def test_remote_url_capability(self) -> None:
        builder = greeting_builder(Calls())
        builder.capability({"identifier": "site", "windows": ["main"], "local": False,
                            "remote": {"urls": ["https://tauri.app"]},
                            "permissions": ["allow-greet"]})
        with builder.build() as app:
            self.assertTrue(invoke_json(app, "greet", {}, origin="https://tauri.app").ok)
            assert_denied(self, invoke_json(app, "greet", {}, origin="https://evil.example"))
            assert_denied(self, invoke_json(app, "greet", {}, origin="http://tauri.app"))
            assert_denied(self, invoke_json(app, "greet", {}, origin=ORIGIN))  # local: false
            # ... and a remote page never passes for a local one either way round.
            self.assertEqual(app.explain("greet", origin="https://tauri.app")["origin_kind"],
                             "remote")

    def test_local_capability_does_not_reach_remote_pages(self) -> None:
        builder = greeting_builder(Calls())
        builder.capability(MAIN_GREET)  # "local" defaults to true, no remote URLs
        with builder.build() as app:
            for origin in ward.DEFAULT_APP_ORIGINS:
                self.assertTrue(invoke_json(app, "greet", {}, origin=origin).ok, origin)
            assert_denied(self, invoke_json(app, "greet", {}, origin="https://tauri.app"))

    def test_app_origins_replace_the_default_local_origins(self) -> None:
        dev_server = "http://localhost:1420"
        for builder in (greeting_builder(Calls(), app_origins=[dev_server]),
                        greeting_builder(Calls()).app_origins([dev_server])):
            builder.capability(MAIN_GREET)
            with builder.build() as app:
                self.assertTrue(invoke_json(app, "greet", {}, origin=dev_server).ok)
                assert_denied(self, invoke_json(app, "greet", {}, origin=ORIGIN))
                self.assertEqual(app.explain("greet", origin=dev_server)["origin_kind"], "local")
        with self.assertRaises(TypeError):
            ward.AppBuilder(app_origins=dev_server)  # one string is not a list of origins

    def test_deny_wins(self) -> None:
        builder = greeting_builder(Calls())
        builder.capability(MAIN_GREET)
        builder.capability({"identifier": "no-greet", "windows": ["main"],
                            "permissions": ["deny-greet"]})
        with builder.build() as app:
            assert_denied(self, invoke_json(app, "greet", {}))
            explained = app.explain("greet")
            self.assertEqual(explained["decision"], "denied")
            self.assertEqual([grant["capability"] for grant in explained["denied_by"]],
                             ["no-greet"])

    def test_toml_capability_and_capability_file(self) -> None:
        toml_capability = 'identifier = "main"\nwindows = ["main"]\npermissions = ["allow-greet"]\n'
        builder = greeting_builder(Calls())
        builder.capability(toml_capability, name="main.toml", format="toml")
        with builder.build() as app:
            self.assertTrue(invoke_json(app, "greet", {}).ok)
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory, "main.toml")
            path.write_text(toml_capability)
            builder = greeting_builder(Calls())
            builder.capability(path)  # format from the suffix
            with builder.build() as app:
                self.assertTrue(invoke_json(app, "greet", {}).ok)
                self.assertEqual(app.explain("greet")["allowed_by"][0]["file"], str(path))

    def test_platforms(self) -> None:
        capability = dict(MAIN_GREET, platforms=["linux"])
        for platform, allowed in (("linux", True), ("windows", False)):
            builder = greeting_builder(Calls(), acl_platform=platform)
            builder.capability(capability)
            with builder.build() as app:
                self.assertEqual(invoke_json(app, "greet", {}).ok, allowed, platform)
        with ward.AppBuilder() as builder:
            with self.assertRaises(ward.InvalidArgumentError) as raised:
                builder.acl_platform("beos")
            self.assertIn("beos", raised.exception.message)


class RunTimeCapabilityTest(unittest.TestCase):
    def test_add_capability_takes_effect_at_once(self) -> None:
        calls = Calls()
        with greeting_builder(calls).build() as app:
            assert_denied(self, invoke_json(app, "greet", {}))
            with self.assertRaises(ward.WardError) as raised:
                app.add_capability({"identifier": "bad", "windows": ["main"],
                                    "permissions": ["nope"]})
            self.assertIn("bad.json", raised.exception.message)
            self.assertIn("nope", raised.exception.message)
            assert_denied(self, invoke_json(app, "greet", {}))  # the policy in force is unchanged
            app.add_capability(json.dumps(MAIN_GREET), name="late.json")
            self.assertTrue(invoke_json(app, "greet", {}).ok)
            self.assertEqual(app.explain("greet")["allowed_by"][0]["file"], "late.json")
            assert_denied(self, invoke_json(app, "greet", {}, window="other"))
        self.assertEqual(calls.commands, ["greet"])


class ExplainTest(unittest.TestCase):
    def setUp(self) -> None:
        builder = greeting_builder(Calls())
        builder.capability(MAIN_GREET, name="capabilities/main.json")
        self.app = builder.build()

    def tearDown(self) -> None:
        self.app.close()

    def test_allowed(self) -> None:
        explained = self.app.explain("greet", "main", "main", ORIGIN)
        self.assertEqual(explained["decision"], "allowed")
        self.assertEqual((explained["command"], explained["window"], explained["webview"],
                          explained["origin"], explained["origin_kind"]),
                         ("greet", "main", "main", ORIGIN, "local"))
        [grant] = explained["allowed_by"]
        self.assertEqual(grant["capability"], "main")
        self.assertEqual(grant["permission"], "allow-greet")
        self.assertEqual(grant["file"], "capabilities/main.json")
        self.assertEqual(explained["denied_by"], [])
        self.assertEqual(explained["to_allow"], [])

    def test_other_window_is_a_near_miss(self) -> None:
        explained = self.app.explain("greet", window="settings", webview="settings")
        self.assertEqual(explained["decision"], "denied")
        self.assertEqual(explained["allowed_by"], [])
        [miss] = explained["near_misses"]
        self.assertEqual((miss["capability"], miss["mismatch"]), ("main", ["window_or_webview"]))
        self.assertTrue(any("settings" in hint and "main" in hint
                            for hint in explained["to_allow"]), explained["to_allow"])

    def test_ungranted_command_suggests_its_permission(self) -> None:
        explained = self.app.explain("plugin:fs|read_file")
        self.assertEqual(explained["decision"], "denied")
        self.assertIn("default deny", explained["reason"])
        self.assertTrue(any("fs:allow-read-file" in hint for hint in explained["to_allow"]),
                        explained["to_allow"])

    def test_explain_agrees_with_invoke(self) -> None:
        for window, origin in (("main", ORIGIN), ("settings", ORIGIN),
                               ("main", "https://evil.example")):
            allowed = invoke_json(self.app, "greet", {}, window=window, origin=origin).ok
            decision = self.app.explain("greet", window, window, origin)["decision"]
            self.assertEqual(decision, "allowed" if allowed else "denied", (window, origin))

    def test_resolved_acl(self) -> None:
        resolved = self.app.resolved_acl()
        self.assertIn("greet", resolved["allowed_commands"])
        self.assertNotIn("plugin:fs|read_file", resolved["allowed_commands"])
        self.assertEqual(resolved["denied_commands"], {})

    def test_closed_app_refuses_acl_calls(self) -> None:
        self.app.close()
        with self.assertRaises(ValueError):
            self.app.explain("greet")
        with self.assertRaises(ValueError):
            self.app.add_capability(MAIN_GREET)


class AuditTest(unittest.TestCase):
    def test_audit_receives_each_denial_before_it_is_answered(self) -> None:
        denials: List[Tuple[str, str, str, str, int]] = []
        builder = greeting_builder(Calls(), audit=lambda *record: denials.append(record))
        builder.capability(MAIN_GREET)
        with builder.build() as app:
            self.assertTrue(invoke_json(app, "greet", {}).ok)  # allowed: not audited
            self.assertEqual(denials, [])
            assert_denied(self, invoke_json(app, "greet", {}, window="settings",
                                            webview="panel", origin="https://evil.example"))
            self.assertEqual(len(denials), 1)  # synchronously, before the response came back
            command, window, webview, origin, invoke_id = denials[0]
            self.assertEqual((command, window, webview, origin),
                             ("greet", "settings", "panel", "https://evil.example"))
            self.assertIsInstance(invoke_id, int)
            self.assertGreater(invoke_id, 0)
            assert_denied(self, invoke_json(app, "greet", {}, window="other"))
            self.assertEqual([denial[1] for denial in denials], ["settings", "other"])
            self.assertNotEqual(denials[0][4], denials[1][4])

    def test_failing_audit_sink_does_not_change_the_denial(self) -> None:
        def broken(*record: Any) -> None:
            raise RuntimeError("audit failure")

        builder = greeting_builder(Calls()).audit(broken)
        with builder.build() as app:
            with self.assertLogs("ward", level="ERROR") as logs:
                assert_denied(self, invoke_json(app, "greet", {}))
            self.assertTrue(any("audit failure" in line for line in logs.output))

    def test_replaced_and_freed_audit_sinks_are_released(self) -> None:
        baseline = len(_native.handles)
        first: List[Any] = []
        second: List[Any] = []
        builder = ward.AppBuilder(log=lambda *record: None)
        builder.add_command("greet", lambda args, ctx: "hi")
        builder.audit(lambda *record: first.append(record))
        self.assertEqual(len(_native.handles), baseline + 3)  # log sink, command, audit sink
        builder.audit(lambda *record: second.append(record))  # the first one is released
        self.assertEqual(len(_native.handles), baseline + 3)
        with builder.build() as app:
            assert_denied(self, invoke_json(app, "greet", {}))
        self.assertEqual((len(first), len(second)), (0, 1))
        self.assertEqual(len(_native.handles), baseline)
        with self.assertRaises(TypeError):
            ward.AppBuilder().audit("not callable")  # type: ignore[arg-type]


class ScopesTest(unittest.TestCase):
    CAPABILITY = {"identifier": "main", "windows": ["main"], "permissions": [
        # The entry's own scope comes on top of the permission's.
        {"identifier": "fs:read-scoped", "allow": [{"path": "$DOCS/*"}]},
        "fs:allow-home",
    ]}

    def test_handler_receives_the_scopes_that_let_it_in(self) -> None:
        calls = Calls()
        builder = greeting_builder(calls)
        builder.capability(self.CAPABILITY)
        # A global scope granted to another window must not reach main's requests.
        builder.permissions("fs", '[[permission]]\nidentifier = "allow-tmp"\n'
                                  '[[permission.scope.allow]]\npath = "$TEMP/**"\n',
                            name="tmp.toml", format="toml")
        builder.capability({"identifier": "other", "windows": ["other"],
                            "permissions": ["fs:allow-tmp", "fs:allow-read-file"]})
        with builder.build() as app:
            response = invoke_json(app, "plugin:fs|read_file", {})
            self.assertTrue(response.ok, response.body)
            self.assertEqual(response.json(), {
                "allow": [{"path": "$DOCS/*"}, {"path": "$APPDATA/*"}],
                "deny": [{"path": "$APPDATA/secret"}],
                "global_allow": [{"path": "$HOME/**"}],
                "global_deny": [],
            })
            other = invoke_json(app, "plugin:fs|read_file", {}, window="other").json()
            self.assertEqual(other, {"allow": [], "deny": [], "global_allow": [{"path": "$TEMP/**"}],
                                     "global_deny": []})
            explained = app.explain("plugin:fs|read_file")
            self.assertEqual(explained["scope"]["allow"], [{"path": "$DOCS/*"}, {"path": "$APPDATA/*"}])
        self.assertEqual(len(calls.commands), 2)

    def test_unscoped_grant_has_empty_scopes(self) -> None:
        builder = greeting_builder(Calls())
        builder.capability({"identifier": "main", "windows": ["main"],
                            "permissions": ["fs:allow-read-file"]})
        with builder.build() as app:
            self.assertEqual(invoke_json(app, "plugin:fs|read_file", {}).json(),
                             {"allow": [], "deny": [], "global_allow": [], "global_deny": []})

    def test_deferred_handler_reads_scopes_after_returning(self) -> None:
        contexts: List[ward.Invocation] = []
        builder = ward.AppBuilder()
        builder.permissions("fs", FS_MANIFEST, name="fs.toml", format="toml")

        @builder.command("plugin:fs|read_file", deferred=True)
        def read_file(args: Dict[str, Any], ctx: ward.Invocation,
                      responder: ward.Responder) -> None:
            contexts.append(ctx)
            # Answered from another thread, after the handler call (and the native invocation)
            # ended: the scopes were copied when it did.
            threading.Timer(0.02, lambda: responder.resolve(ctx.scopes["allow"])).start()

        builder.capability(self.CAPABILITY)
        with builder.build() as app:
            response = invoke_json(app, "plugin:fs|read_file", {})
            self.assertEqual(response.json(), [{"path": "$DOCS/*"}, {"path": "$APPDATA/*"}])
        with self.assertRaises(RuntimeError):  # what was not copied is gone
            contexts[0].body


class AclFilesTest(unittest.TestCase):
    def test_load_acl_directory(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            root = Path(directory)
            (root / "capabilities").mkdir()
            (root / "capabilities" / "main.json").write_text(json.dumps(
                {"identifier": "main", "windows": ["main"],
                 "permissions": ["allow-greet", "fs:read-scoped", "app-set"]}))
            (root / "permissions" / "fs").mkdir(parents=True)
            (root / "permissions" / "fs" / "fs.toml").write_text(FS_MANIFEST)
            (root / "permissions" / "app").mkdir(parents=True)
            (root / "permissions" / "app" / "sets.toml").write_text(
                '[[set]]\nidentifier = "app-set"\ndescription = "greet"\n'
                'permissions = ["allow-greet"]\n')
            builder = ward.AppBuilder()
            builder.add_command("greet", lambda args, ctx: "hi")
            builder.add_command("plugin:fs|read_file", lambda args, ctx: ctx.scopes["deny"])
            builder.load_acl_directory(root)
            with builder.build() as app:
                self.assertEqual(invoke_json(app, "greet", {}).json(), "hi")
                self.assertEqual(invoke_json(app, "plugin:fs|read_file", {}).json(),
                                 [{"path": "$APPDATA/secret"}])
                assert_denied(self, invoke_json(app, "greet", {}, window="other"))
                self.assertEqual(app.explain("greet")["allowed_by"][0]["capability"], "main")

    def test_missing_directory_fails_at_once(self) -> None:
        with ward.AppBuilder() as builder:
            with self.assertRaises(ward.WardError) as raised:
                builder.load_acl_directory("/nonexistent/src-tauri")
            self.assertIn("/nonexistent/src-tauri", raised.exception.message)

    def test_broken_capability_fails_build_naming_the_file(self) -> None:
        builder = greeting_builder(Calls())
        builder.capability('{"identifier": "c",', name="capabilities/broken.json")
        with self.assertRaises(ward.WardError) as raised:
            builder.build()
        self.assertIn("capabilities/broken.json", raised.exception.message)
        self.assertIn("invalid JSON", raised.exception.message)

    def test_unknown_permission_fails_build_naming_the_file_and_entry(self) -> None:
        builder = greeting_builder(Calls())
        builder.capability({"identifier": "c", "windows": ["main"], "permissions": ["fs:nope"]},
                           name="cap.json")
        with self.assertRaises(ward.WardError) as raised:
            builder.build()
        self.assertIn("cap.json: /permissions/0: unknown permission `fs:nope`",
                      raised.exception.message)

    def test_unknown_field_is_an_error_unless_not_strict(self) -> None:
        capability = dict(MAIN_GREET, colour="red")
        builder = greeting_builder(Calls())
        builder.capability(capability)
        with self.assertRaises(ward.WardError) as raised:
            builder.build()
        self.assertIn("main.json", raised.exception.message)
        self.assertIn("colour", raised.exception.message)

        warnings: List[str] = []

        def sink(level: ward.LogLevel, code: Any, message: str, detail: str) -> None:
            if level == ward.LogLevel.WARN:
                warnings.append(f"{message} {detail}")

        builder = greeting_builder(Calls(), log=sink, acl_strict=False)
        builder.capability(capability)
        with builder.build() as app:
            self.assertTrue(invoke_json(app, "greet", {}).ok)
        self.assertTrue(any("colour" in warning for warning in warnings), warnings)

    def test_documents_are_checked_before_reaching_the_library(self) -> None:
        with ward.AppBuilder() as builder:
            with self.assertRaises(ValueError):
                builder.capability(MAIN_GREET, format="toml")  # a dict is written as JSON
            with self.assertRaises(ValueError):
                builder.capability("identifier = 'x'", format="yaml")
            with self.assertRaises(TypeError):
                builder.capability(42)  # type: ignore[arg-type]
            with self.assertRaises(FileNotFoundError):
                builder.capability(Path("/nonexistent/main.json"))

    def test_failed_constructor_option_frees_the_builder(self) -> None:
        baseline = len(_native.handles)
        with self.assertRaises(ward.InvalidArgumentError):
            ward.AppBuilder(audit=lambda *record: None, acl_platform="beos")
        self.assertEqual(len(_native.handles), baseline)


if __name__ == "__main__":
    unittest.main()
