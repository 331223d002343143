"""Runs the built ward-acl tool and checks its output and exit statuses.

Environment (set by tests/cli/CMakeLists.txt):
  WARD_ACL              the ward-acl executable
  WARD_CONFORMANCE_DIR  Tauri's ACL conformance cases (tests/data/conformance/tauri-acl)
  WARD_CLI_WORK_DIR     a scratch folder in the build tree for the DIR layouts built here

Run one group with `python3 test_ward_acl.py -v ResolveConformanceTest`.
"""

import json
import os
import re
import shutil
import subprocess
import unittest
from pathlib import Path

TOOL = os.environ["WARD_ACL"]
CONFORMANCE = Path(os.environ["WARD_CONFORMANCE_DIR"])
WORK = Path(os.environ["WARD_CLI_WORK_DIR"])
FIXTURES = Path(__file__).resolve().parent / "fixtures"

EXIT_OK, EXIT_NEGATIVE, EXIT_BAD_INPUT = 0, 1, 2
FINDING = re.compile(r"^warning: (?P<message>.+) \[(?P<check>[a-z-]+)\]$")


def run(*arguments):
    return subprocess.run([TOOL, *map(str, arguments)], capture_output=True, text=True, timeout=60)


def fixture(name):
    return FIXTURES / name


def canonical(value):
    """JSON text with object keys sorted and every array sorted as a multiset: the conformance
    README compares lists as sets, duplicates included."""
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k) + ":" + canonical(v) for k, v in sorted(value.items())) + "}"
    if isinstance(value, list):
        return "[" + ",".join(sorted(canonical(item) for item in value)) + "]"
    return json.dumps(value, sort_keys=True)


def canonical_policy(policy):
    """A global scope entry with empty allow and deny equals no entry."""
    scopes = {plugin: scope for plugin, scope in policy["global_scope"].items() if scope["allow"] or scope["deny"]}
    return canonical({
        "allowed_commands": policy["allowed_commands"],
        "denied_commands": policy["denied_commands"],
        "global_scope": scopes,
    })


class ToolTestCase(unittest.TestCase):
    def assert_exit(self, result, status):
        self.assertEqual(result.returncode, status, f"stdout: {result.stdout}\nstderr: {result.stderr}")

    def assert_succeeds(self, result, status=EXIT_OK):
        """Exit `status` with nothing on stderr (a sanitizer report would land there)."""
        self.assert_exit(result, status)
        self.assertEqual(result.stderr, "")

    def assert_bad_input(self, result, *message_parts):
        """Exit 2, nothing on stdout, and a message on stderr containing every part."""
        self.assert_exit(result, EXIT_BAD_INPUT)
        self.assertEqual(result.stdout, "")
        self.assertTrue(result.stderr.startswith("ward-acl: "), result.stderr)
        for part in message_parts:
            self.assertIn(part, result.stderr)

    def assert_usage_error(self, result, message):
        self.assert_bad_input(result, message, "Usage:")


class ResolveConformanceTest(ToolTestCase):
    """`resolve` on DIR layouts built from Tauri's conformance cases gives the expected JSON."""

    @classmethod
    def setUpClass(cls):
        cls.root = WORK / "conformance"
        shutil.rmtree(cls.root, ignore_errors=True)

    def cases(self):
        """(case name, capability files, required plugins, [(platform, expected file)])."""
        cases = []
        for case_dir in sorted((CONFORMANCE / "capabilities").iterdir()):
            name = case_dir.name
            plugins = json.loads((case_dir / "required-plugins.json").read_text())
            capability_files = sorted(p for p in case_dir.iterdir() if p.name.startswith("cap"))
            single = CONFORMANCE / "expected" / f"{name}.json"
            if single.exists():
                variants = [("linux", single)]
            else:
                variants = [(p, CONFORMANCE / "expected" / f"{name}.{p}.json") for p in ("linux", "macos", "windows")]
            cases.append((name, capability_files, plugins, variants))
        return cases

    def build_dirs(self, name, capability_files, plugins, split):
        """One DIR holding everything, or (split) one DIR per plugin and one for the capabilities."""
        base = self.root / ("split" if split else "single") / name
        capabilities_dir = base / ("capabilities-only" if split else "all")
        dirs = [capabilities_dir]
        (capabilities_dir / "capabilities").mkdir(parents=True)
        for file in capability_files:
            shutil.copy(file, capabilities_dir / "capabilities" / file.name)
        for plugin in plugins:
            plugin_root = base / f"plugin-{plugin}" if split else capabilities_dir
            shutil.copytree(CONFORMANCE / "plugins" / plugin, plugin_root / "permissions" / plugin)
            if split:
                dirs.append(plugin_root)
        return dirs

    def check_cases(self, split):
        compared = 0
        for name, capability_files, plugins, variants in self.cases():
            dirs = self.build_dirs(name, capability_files, plugins, split)
            for platform, expected_file in variants:
                with self.subTest(case=name, platform=platform, split=split):
                    self.assertTrue(expected_file.exists(), expected_file)
                    result = run("resolve", *dirs, "--platform", platform, "--json")
                    self.assert_succeeds(result)
                    expected = json.loads(expected_file.read_text())
                    self.assertEqual(canonical_policy(json.loads(result.stdout)), canonical_policy(expected))
                    compared += 1
        self.assertEqual(compared, 10)  # 7 platform-independent cases + 3 platform variants

    def test_each_case_in_one_dir(self):
        self.check_cases(split=False)

    def test_each_case_merged_from_one_dir_per_plugin(self):
        self.check_cases(split=True)


class ResolveTest(ToolTestCase):
    def test_default_platform_is_the_build_platform(self):
        # The fixture's only platform-specific permission is Windows-only.
        result = run("resolve", fixture("grants-nothing"))
        self.assert_succeeds(result)
        commands = json.loads(result.stdout)["allowed_commands"]
        self.assertIn("plugin:os|uptime", commands)
        self.assertEqual("plugin:os|registry" in commands, os.name == "nt")

    def test_platform_selects_platform_specific_permissions(self):
        on_windows = json.loads(run("resolve", fixture("grants-nothing"), "--platform", "windows").stdout)
        on_linux = json.loads(run("resolve", fixture("grants-nothing"), "--platform", "linux").stdout)
        self.assertIn("plugin:os|registry", on_windows["allowed_commands"])
        self.assertNotIn("plugin:os|registry", on_linux["allowed_commands"])
        on_macos = json.loads(run("resolve", fixture("grants-nothing"), "--platform=macOS").stdout)
        # The mac-only capability adds a second grant of uptime.
        self.assertEqual(len(on_macos["allowed_commands"]["plugin:os|uptime"]), 2)

    def test_app_permissions_live_under_permissions_app(self):
        result = run("resolve", fixture("app"))
        self.assert_succeeds(result)
        policy = json.loads(result.stdout)
        self.assertEqual(len(policy["allowed_commands"]["greet"]), 3)  # main, panel, remote
        self.assertEqual(policy["global_scope"]["fs"], {"allow": [{"path": "$APPDATA/**"}], "deny": []})

    def test_registered_commands_get_allow_and_deny_permissions(self):
        self.assert_bad_input(run("resolve", fixture("registered")), "main.toml", "unknown permission `allow-ping`")
        result = run("resolve", fixture("registered"), "--register", "ping", "--register", "plugin:echo|say")
        self.assert_succeeds(result)
        self.assertEqual(set(json.loads(result.stdout)["allowed_commands"]), {"ping", "plugin:echo|say"})

    def test_unknown_fields_are_errors_unless_lenient(self):
        self.assert_bad_input(run("resolve", fixture("unknown-field")),
                              "unknown-field/capabilities/main.toml: line 4, column 12: unknown field `webveiws`")
        result = run("resolve", fixture("unknown-field"), "--lenient")
        self.assert_exit(result, EXIT_OK)
        self.assertIn("greet", json.loads(result.stdout)["allowed_commands"])
        self.assertRegex(result.stderr, r"^ward-acl: warning: .*main\.toml: line 4, column 12: unknown field `webveiws`")

    def test_bad_input(self):
        self.assert_bad_input(run("resolve", WORK / "no-such-dir"), "no-such-dir: not a directory")
        self.assert_bad_input(run("resolve", fixture("app"), WORK / "no-such-dir"), "not a directory")
        self.assert_bad_input(run("resolve", fixture("unknown-permission")),
                              "unknown-permission/capabilities/main.toml: line 3, column 38",
                              "unknown permission `fs:allow-read-everything`")
        # The same DIR twice defines everything twice.
        self.assert_bad_input(run("resolve", fixture("app"), fixture("app")), "defined twice")


class CheckTest(ToolTestCase):
    def check(self, *arguments, directories=("app",)):
        return run("check", *(fixture(d) for d in directories), *arguments)

    def decision(self, result, status):
        self.assert_succeeds(result, status)
        return json.loads(result.stdout)

    def test_allowed(self):
        explained = self.decision(self.check("--command", "greet", "--window", "main", "--url", "tauri://localhost",
                                             "--json"), EXIT_OK)
        self.assertEqual(explained["decision"], "allowed")
        self.assertEqual(explained["origin_kind"], "local")
        self.assertEqual([g["capability"] for g in explained["allowed_by"]], ["main"])
        self.assertEqual(explained["allowed_by"][0]["permission"], "allow-greet")

    def test_scopes_of_an_allowed_request(self):
        explained = self.decision(self.check("--command", "plugin:fs|read_file", "--window", "main",
                                             "--url", "http://tauri.localhost/index.html"), EXIT_OK)
        self.assertEqual(explained["global_scope"]["allow"], [{"path": "$APPDATA/**"}])

    def test_denied(self):
        explained = self.decision(self.check("--command", "greet", "--window", "other", "--url", "tauri://localhost"),
                                  EXIT_NEGATIVE)
        self.assertEqual(explained["decision"], "denied")
        self.assertTrue(explained["near_misses"])
        self.assertTrue(explained["to_allow"])
        ungranted = self.decision(self.check("--command", "plugin:fs|write_file", "--window", "main",
                                             "--url", "tauri://localhost"), EXIT_NEGATIVE)
        self.assertIn("no capability grants this command", ungranted["reason"])

    def test_remote_pages(self):
        allowed = self.decision(self.check("--command", "greet", "--window", "main",
                                           "--url", "https://app.example.com/page"), EXIT_OK)
        self.assertEqual([g["capability"] for g in allowed["allowed_by"]], ["remote"])
        self.decision(self.check("--command", "greet", "--window", "main", "--url", "https://example.org/"),
                      EXIT_NEGATIVE)
        # The remote capability grants only greet.
        self.decision(self.check("--command", "plugin:fs|read_file", "--window", "main",
                                 "--url", "https://app.example.com/"), EXIT_NEGATIVE)

    def test_webview_defaults_to_the_window_label(self):
        self.decision(self.check("--command", "greet", "--window", "panel", "--url", "tauri://localhost"), EXIT_OK)
        self.decision(self.check("--command", "greet", "--window", "other", "--webview", "panel",
                                 "--url", "tauri://localhost"), EXIT_OK)
        explained = self.decision(self.check("--command", "greet", "--window", "panel", "--webview", "inner",
                                             "--url", "tauri://localhost"), EXIT_NEGATIVE)
        self.assertEqual(explained["webview"], "inner")

    def test_app_origins(self):
        dev_server = ("--command", "greet", "--window", "main", "--url", "http://localhost:1420/index.html")
        self.decision(self.check(*dev_server), EXIT_NEGATIVE)  # not local by default
        explained = self.decision(self.check(*dev_server, "--app-origin", "http://localhost:1420",
                                             "--app-origin", "tauri://localhost"), EXIT_OK)
        self.assertEqual(explained["origin_kind"], "local")
        # Given origins replace the defaults.
        self.decision(self.check("--command", "greet", "--window", "main", "--url", "tauri://localhost",
                                 "--app-origin", "http://localhost:1420"), EXIT_NEGATIVE)

    def test_registered_commands(self):
        request = ("--command", "plugin:echo|say", "--window", "main", "--url", "tauri://localhost")
        self.assert_bad_input(self.check(*request, directories=("registered",)), "unknown permission `allow-ping`")
        self.decision(self.check(*request, "--register", "ping", "--register", "plugin:echo|say",
                                 directories=("registered",)), EXIT_OK)

    def test_lenient(self):
        request = ("--command", "greet", "--window", "main", "--url", "tauri://localhost")
        self.assert_bad_input(self.check(*request, directories=("unknown-field",)), "unknown field `webveiws`")
        result = self.check(*request, "--lenient", directories=("unknown-field",))
        self.assert_exit(result, EXIT_OK)
        self.assertIn("unknown field `webveiws`", result.stderr)

    def test_bad_input(self):
        request = ("--command", "greet", "--window", "main", "--url", "tauri://localhost")
        self.assert_bad_input(run("check", WORK / "no-such-dir", *request), "not a directory")
        self.assert_bad_input(self.check(*request, directories=("unknown-permission",)),
                              "main.toml: line 3, column 38", "unknown permission")
        self.assert_bad_input(self.check(*request, "--app-origin", "not an origin"), "not an origin")

    def test_usage_errors(self):
        self.assert_usage_error(self.check("--window", "main", "--url", "tauri://localhost"), "`--command` is required")
        self.assert_usage_error(self.check("--command", "greet", "--url", "tauri://localhost"), "`--window` is required")
        self.assert_usage_error(self.check("--command", "greet", "--window", "main"), "`--url` is required")
        self.assert_usage_error(self.check("--command", "greet", "--window", "main", "--window", "other",
                                           "--url", "tauri://localhost"), "`--window` is given twice")
        self.assert_usage_error(self.check("--command", "greet", "--window", "main", "--url", "tauri://localhost",
                                           "--platform", "beos"), "unknown platform `beos`")
        self.assert_usage_error(run("check", "--command", "greet", "--window", "main", "--url", "tauri://localhost"),
                                "needs at least one DIR")


class LintTest(ToolTestCase):
    def findings(self, result):
        """[(check, message)] from lint's stdout, every line a finding."""
        out = []
        for line in result.stdout.splitlines():
            match = FINDING.match(line)
            self.assertIsNotNone(match, f"not a finding: {line!r}")
            out.append((match["check"], match["message"]))
        return out

    def test_clean_fixture_has_no_findings(self):
        result = run("lint", fixture("app"), "--window", "main", "--window", "panel", "--register", "greet")
        self.assert_succeeds(result)
        self.assertEqual(result.stdout, "")

    def test_unknown_fields(self):
        result = run("lint", fixture("unknown-field"))
        self.assert_succeeds(result, EXIT_NEGATIVE)
        findings = self.findings(result)
        self.assertEqual([check for check, _ in findings], ["unknown-field"])
        self.assertIn("unknown-field/capabilities/main.toml: line 4, column 12: unknown field `webveiws`", findings[0][1])

    def test_capabilities_that_grant_nothing(self):
        def reported(platform):
            result = run("lint", fixture("grants-nothing"), "--platform", platform)
            self.assert_succeeds(result, EXIT_NEGATIVE)
            findings = self.findings(result)
            self.assertTrue(all(check == "grants-nothing" for check, _ in findings), findings)
            return {re.search(r"capability `([^`]+)`", message)[1] for _, message in findings}

        # windows-extras names only Windows permissions; nowhere applies to no origin; mac-only is
        # not loaded off macOS, which is no finding.
        self.assertEqual(reported("linux"), {"windows-extras", "nowhere"})
        self.assertEqual(reported("windows"), {"nowhere"})
        self.assertEqual(reported("macos"), {"windows-extras", "nowhere"})

    def test_capabilities_without_windows(self):
        result = run("lint", fixture("windowless"))
        self.assert_succeeds(result, EXIT_NEGATIVE)
        findings = self.findings(result)
        self.assertEqual(len(findings), 1, findings)
        self.assertEqual(findings[0][0], "grants-nothing")
        self.assertRegex(findings[0][1], r"windowless\.toml: line 1, column 1: capability `windowless` names no window")

    def test_allow_and_deny_that_cancel(self):
        result = run("lint", fixture("cancelled"))
        self.assert_succeeds(result, EXIT_NEGATIVE)
        findings = self.findings(result)
        # One finding for main (its local and remote grants are one conflict); `other` denies
        # greet in another window, which is no conflict.
        self.assertEqual(len(findings), 1, findings)
        check, message = findings[0]
        self.assertEqual(check, "cancelled")
        self.assertIn("main.toml: line 5, column 16: capability `main` allows `greet` through `allow-greet`", message)
        self.assertIn("denies it through `deny-greet` (", message)

    def test_windows_no_capability_names(self):
        result = run("lint", fixture("windows"), "--window", "main", "--window", "tool-7", "--window", "panel",
                     "--window", "settings", "--window", "toolbox")
        self.assert_succeeds(result, EXIT_NEGATIVE)
        findings = self.findings(result)
        self.assertTrue(all(check == "unnamed-window" for check, _ in findings), findings)
        # main and tool-7 match window globs, panel a webview glob.
        self.assertEqual([re.search(r"window `([^`]+)`", m)[1] for _, m in findings], ["settings", "toolbox"])
        self.assert_succeeds(run("lint", fixture("windows"), "--window", "main", "--window=panel"))

    def test_unregistered_commands(self):
        def reported(*registered):
            result = run("lint", fixture("unregistered"), *(f"--register={c}" for c in registered))
            findings = self.findings(result)
            self.assertTrue(all(check == "unregistered-command" for check, _ in findings), findings)
            self.assert_succeeds(result, EXIT_NEGATIVE if findings else EXIT_OK)
            return [re.search(r"allows `([^`]+)`", m)[1] for _, m in findings]

        self.assertEqual(reported(), [])  # nothing registered: nothing to compare with
        # A plugin is checked only when some command of it is registered.
        self.assertEqual(reported("greet"), ["gret"])
        self.assertEqual(reported("greet", "plugin:fs|read_file"), ["gret"])
        self.assertEqual(reported("greet", "plugin:fs|write_file"), ["gret", "plugin:fs|read_file"])
        self.assertEqual(reported("greet", "gret"), [])

    def test_what_does_not_resolve_is_bad_input(self):
        self.assert_bad_input(run("lint", fixture("unknown-permission")), "unknown permission `fs:allow-read-everything`")
        self.assert_bad_input(run("lint", WORK / "no-such-dir"), "not a directory")

    def test_usage_errors(self):
        self.assert_usage_error(run("lint"), "needs at least one DIR")
        self.assert_usage_error(run("lint", fixture("app"), "--lenient"), "unknown option `--lenient`")


class UsageTest(ToolTestCase):
    def test_help(self):
        for arguments in (["--help"], ["-h"], ["help"], ["check", "--help"], ["lint", fixture("app"), "-h"]):
            with self.subTest(arguments=arguments):
                result = run(*arguments)
                self.assert_succeeds(result)
                self.assertIn("Usage:", result.stdout)
                for subcommand in ("resolve", "check", "lint"):
                    self.assertIn(f"ward-acl {subcommand} DIR...", result.stdout)

    def test_version(self):
        result = run("--version")
        self.assert_succeeds(result)
        self.assertRegex(result.stdout, r"^ward-acl \d+\.\d+\.\d+\n$")

    def test_usage_errors(self):
        self.assert_usage_error(run(), "no subcommand given")
        self.assert_usage_error(run("frobnicate"), "unknown subcommand `frobnicate`")
        self.assert_usage_error(run("resolve", fixture("app"), "--bogus"), "unknown option `--bogus`")
        self.assert_usage_error(run("resolve", fixture("app"), "-x"), "unknown option `-x`")
        self.assert_usage_error(run("resolve", fixture("app"), "--platform"), "`--platform` needs a value")
        self.assert_usage_error(run("resolve", fixture("app"), "--json=yes"), "`--json` takes no value")
        self.assert_usage_error(run("resolve", fixture("app"), "--command", "greet"), "unknown option `--command`")

    def test_double_dash_ends_options(self):
        result = run("resolve", "--", fixture("app"))
        self.assert_succeeds(result)


if __name__ == "__main__":
    unittest.main()
