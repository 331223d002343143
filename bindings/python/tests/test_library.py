"""Locating and loading libward, and the ABI version check."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path
from unittest import mock

import ward
from ward import _native

PACKAGE_ROOT = Path(ward.__file__).resolve().parent.parent  # bindings/python


class FakeLibrary:
    def __init__(self, abi: int) -> None:
        self._abi = abi

    def ward_abi_version(self) -> int:
        return self._abi


class AbiCheckTest(unittest.TestCase):
    def test_loaded_library_implements_the_binding_abi(self) -> None:
        self.assertEqual(ward.ABI_VERSION, 1)
        self.assertEqual(ward.abi_version(), ward.ABI_VERSION)
        major, minor, patch = ward.library_version().split(".")
        self.assertTrue(major.isdigit() and minor.isdigit() and patch.isdigit())
        self.assertEqual(ward.status_name(ward.Status.UNKNOWN_COMMAND), "unknown_command")

    def test_status_names_match_the_library(self) -> None:
        for status in ward.Status:
            self.assertEqual(ward.status_name(status), status.name.lower())

    def test_other_abi_is_refused(self) -> None:
        _native.check_abi(FakeLibrary(ward.ABI_VERSION))
        for other in (0, 2, 99):
            with self.assertRaises(ward.AbiMismatchError) as raised:
                _native.check_abi(FakeLibrary(other), "libward-test.so")
            error = raised.exception
            self.assertEqual(error.code, ward.Status.ABI_MISMATCH)
            self.assertIn(f"ABI version {other}", error.message)
            self.assertIn(f"ABI version {ward.ABI_VERSION}", error.message)
            self.assertIn("libward-test.so", error.message)

    @unittest.skipUnless(shutil.which("cc"), "needs a C compiler to build a stand-in library")
    def test_loading_a_library_of_another_abi_fails(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            source = Path(directory, "future_ward.c")
            library = Path(directory, "libward.so.2")
            source.write_text("unsigned ward_abi_version(void) { return 2; }\n")
            subprocess.run(["cc", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
            script = textwrap.dedent("""
                import ward
                try:
                    ward.AppBuilder()
                except ward.AbiMismatchError as error:
                    print("refused:", error.code.name, error.message)
                else:
                    print("loaded")
            """)
            environment = dict(os.environ, WARD_LIBRARY=str(library),
                               PYTHONPATH=str(PACKAGE_ROOT), PYTHONDONTWRITEBYTECODE="1")
            result = subprocess.run([sys.executable, "-c", script], env=environment,
                                    capture_output=True, text=True, timeout=60)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn("refused: ABI_MISMATCH", result.stdout)
            self.assertIn("implements ward ABI version 2", result.stdout)


class LookupTest(unittest.TestCase):
    def test_environment_variable_wins(self) -> None:
        with tempfile.NamedTemporaryFile(suffix=".so") as library:
            with mock.patch.dict(os.environ, {"WARD_LIBRARY": library.name}):
                self.assertEqual(ward.find_library(), library.name)

    def test_environment_variable_naming_nothing_is_an_error(self) -> None:
        with mock.patch.dict(os.environ, {"WARD_LIBRARY": "/nonexistent/libward.so.1"}):
            with self.assertRaises(ward.LibraryNotFoundError) as raised:
                ward.find_library()
        self.assertIn("/nonexistent/libward.so.1", str(raised.exception))

    def test_build_tree_is_searched_upward(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            root = Path(directory)
            package = root / "bindings" / "python" / "ward"
            package.mkdir(parents=True)
            self.assertEqual(_native._build_tree_candidates(package), [])
            older = root / "build" / "release" / "capi" / "libward.so.1"
            newer = root / "build" / "dev" / "capi" / "libward.so"
            for library in (older, newer):
                library.parent.mkdir(parents=True)
                library.write_bytes(b"")
            os.utime(older, (1_000_000, 1_000_000))
            self.assertEqual(_native._build_tree_candidates(package), [newer, older])

    def test_order_without_environment_variable(self) -> None:
        environment = {key: value for key, value in os.environ.items() if key != "WARD_LIBRARY"}
        in_build_tree = Path("/src/build/dev/capi/libward.so.1")
        with mock.patch.dict(os.environ, environment, clear=True):
            with mock.patch.object(_native, "_build_tree_candidates", return_value=[in_build_tree]), \
                    mock.patch("ctypes.util.find_library", return_value="libward.so.1"):
                self.assertEqual(ward.find_library(), str(in_build_tree))  # build tree before system
            with mock.patch.object(_native, "_build_tree_candidates", return_value=[]):
                with mock.patch("ctypes.util.find_library", return_value="libward.so.7") as system:
                    self.assertEqual(ward.find_library(), "libward.so.7")
                    system.assert_called_once_with("ward")
                with mock.patch("ctypes.util.find_library", return_value=None):
                    # left to the dynamic loader's own search path
                    self.assertEqual(ward.find_library(), _native._LIBRARY_FILE_NAMES[0])

    def test_the_library_in_use_came_from_ward_library(self) -> None:
        ward.abi_version()  # make sure it is loaded
        expected = os.environ.get("WARD_LIBRARY")
        if expected:
            self.assertEqual(ward.loaded_library_path(), expected)

    def test_unloadable_library_is_a_clear_error(self) -> None:
        script = "import ward\ntry:\n    ward.load_library()\nexcept ward.LibraryNotFoundError as e:\n" \
                 "    print('not found:', e)\n"
        with tempfile.NamedTemporaryFile(suffix=".so") as not_a_library:
            not_a_library.write(b"this is not an ELF file")
            not_a_library.flush()
            environment = dict(os.environ, WARD_LIBRARY=not_a_library.name,
                               PYTHONPATH=str(PACKAGE_ROOT), PYTHONDONTWRITEBYTECODE="1")
            result = subprocess.run([sys.executable, "-c", script], env=environment,
                                    capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("not found: cannot load libward", result.stdout)
        self.assertIn("WARD_LIBRARY", result.stdout)


if __name__ == "__main__":
    unittest.main()
