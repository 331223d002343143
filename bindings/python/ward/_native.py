"""ctypes declarations of ward.h, locating and loading libward, and the handle table.

Everything here mirrors capi/include/ward.h; keep the two in step.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import os
import sys
import threading
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_int, c_size_t, c_uint32, c_uint64,
                    c_void_p)
from pathlib import Path
from typing import Any, Dict, List, Optional

from .errors import AbiMismatchError, LibraryNotFoundError, Status, error_for

#: The ABI version this binding was written for (WARD_ABI_VERSION of ward.h).
ABI_VERSION = 1

# ---------------------------------------------------------------------------
# Types of ward.h. Handles are plain void pointers: they are opaque to Python.

LOG_FN = CFUNCTYPE(None, c_int, c_int, c_void_p, c_size_t, c_void_p, c_size_t, c_void_p)
COMMAND_FN = CFUNCTYPE(None, c_void_p, c_void_p, c_void_p)
RESPONSE_FN = CFUNCTYPE(None, c_void_p, c_void_p)
FREE_FN = CFUNCTYPE(None, c_void_p)
# ward_audit_fn: command, window, webview, origin (each pointer, length), invoke id, user_data.
AUDIT_FN = CFUNCTYPE(None, c_void_p, c_size_t, c_void_p, c_size_t, c_void_p, c_size_t, c_void_p,
                     c_size_t, c_uint64, c_void_p)

# ward_acl_format
ACL_TOML = 0
ACL_JSON = 1

#: ward_channel_send_*'s timeout meaning "wait as long as needed" (UINT64_MAX).
WAIT_FOREVER = 2 ** 64 - 1


class WardLimits(Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("max_body_bytes", c_uint64),
        ("max_depth", c_uint32),
        ("max_string_bytes", c_uint64),
        ("max_array_length", c_uint64),
        ("max_object_keys", c_uint64),
    ]


class WardBuilderOptions(Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("abi_version", c_uint32),
        ("limits", POINTER(WardLimits)),
        ("log", LOG_FN),
        ("log_user_data", c_void_p),
        ("log_free_user_data", FREE_FN),
    ]


class WardCommandOptions(Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("required_state", POINTER(c_char_p)),
        ("required_state_lens", POINTER(c_size_t)),
        ("required_state_count", c_size_t),
    ]


class WardHeader(Structure):
    _fields_ = [
        ("name", c_char_p),
        ("name_len", c_size_t),
        ("value", c_char_p),
        ("value_len", c_size_t),
    ]


class WardRequest(Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("url", c_char_p),
        ("url_len", c_size_t),
        ("origin", c_char_p),
        ("origin_len", c_size_t),
        ("window", c_char_p),
        ("window_len", c_size_t),
        ("webview", c_char_p),
        ("webview_len", c_size_t),
        ("headers", POINTER(WardHeader)),
        ("header_count", c_size_t),
        ("body", c_char_p),  # uint8_t* in C; c_char_p lets a bytes object be passed without a copy
        ("body_len", c_size_t),
    ]


class WardMessageRequest(Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("origin", c_char_p),
        ("origin_len", c_size_t),
        ("window", c_char_p),
        ("window_len", c_size_t),
        ("webview", c_char_p),
        ("webview_len", c_size_t),
        ("message", c_char_p),
        ("message_len", c_size_t),
    ]


class WardExecutorOptions(Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("workers", c_uint32),
        ("queue_capacity", c_uint32),
    ]


class WardDeliveryOptions(Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("channel_capacity", c_uint32),
        ("queue_capacity", c_uint32),
    ]


# Pointers the library hands out with a length (body, label, name) are c_void_p rather than
# c_char_p: c_char_p would read up to a NUL, which neither raw bytes nor these views guarantee.

class WardDelivery(Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("kind", c_int),
        ("callback", c_uint32),
        ("ok", c_int),
        ("raw", c_int),
        ("body", c_void_p),
        ("body_len", c_size_t),
        ("index", c_uint64),
        ("end", c_int),
    ]


class WardEventTarget(Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("kind", c_int),
        ("label", c_void_p),
        ("label_len", c_size_t),
    ]


class WardEvent(Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("name", c_void_p),
        ("name_len", c_size_t),
        ("payload_json", c_void_p),
        ("payload_len", c_size_t),
        ("listener", c_uint64),
    ]


# ward_delivery_fn: webview (pointer, length), delivery, user_data.
DELIVERY_FN = CFUNCTYPE(None, c_void_p, c_size_t, POINTER(WardDelivery), c_void_p)
EVENT_FN = CFUNCTYPE(None, POINTER(WardEvent), c_void_p)
EVENT_FILTER_FN = CFUNCTYPE(c_int, POINTER(WardEventTarget), c_void_p)
# ward_responder_on_cancel's callback has the shape of a free function: void (*)(void *).
CANCEL_FN = FREE_FN


def bytes_pointer(data: bytes) -> Optional[int]:
    """The address of a bytes object's buffer, for a c_void_p field (valid while ``data`` lives)."""
    return ctypes.cast(c_char_p(data), c_void_p).value if data else None


_SIZE_OUT = POINTER(c_size_t)

# name: (restype, argtypes). A status return is declared c_int: ward_status is a C enum.
_SIGNATURES: Dict[str, Any] = {
    "ward_abi_version": (c_uint32, []),
    "ward_version_string": (c_char_p, []),
    "ward_status_name": (c_char_p, [c_int]),
    "ward_last_error_code": (c_int, []),
    "ward_last_error_message": (c_void_p, [_SIZE_OUT]),
    "ward_builder_new": (c_int, [POINTER(WardBuilderOptions), POINTER(c_void_p)]),
    "ward_builder_free": (None, [c_void_p]),
    "ward_builder_command": (c_int, [c_void_p, c_char_p, c_size_t, POINTER(WardCommandOptions),
                                     COMMAND_FN, c_void_p, FREE_FN]),
    "ward_builder_manage": (c_int, [c_void_p, c_char_p, c_size_t, c_void_p, FREE_FN]),
    "ward_builder_add_capability": (c_int, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t,
                                            c_int]),
    "ward_builder_add_permissions": (c_int, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t,
                                             c_char_p, c_size_t, c_int]),
    "ward_builder_load_acl_directory": (c_int, [c_void_p, c_char_p, c_size_t]),
    "ward_builder_set_app_origins": (c_int, [c_void_p, POINTER(c_char_p), POINTER(c_size_t),
                                             c_size_t]),
    "ward_builder_set_acl_platform": (c_int, [c_void_p, c_char_p, c_size_t]),
    "ward_builder_set_acl_strict": (c_int, [c_void_p, c_int]),
    "ward_builder_set_audit": (c_int, [c_void_p, AUDIT_FN, c_void_p, FREE_FN]),
    "ward_builder_build": (c_int, [c_void_p, POINTER(c_void_p)]),
    "ward_app_free": (None, [c_void_p]),
    "ward_app_invoke_key": (c_void_p, [c_void_p, _SIZE_OUT]),
    "ward_app_add_capability": (c_int, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_int]),
    # The out strings are declared c_void_p, not c_char_p, so that ctypes keeps the pointer
    # (to hand back to ward_string_free) instead of converting it to bytes.
    "ward_app_explain": (c_int, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p,
                                 c_size_t, c_char_p, c_size_t, POINTER(c_void_p), _SIZE_OUT]),
    "ward_app_resolved_acl": (c_int, [c_void_p, POINTER(c_void_p), _SIZE_OUT]),
    "ward_string_free": (None, [c_void_p]),
    "ward_app_invoke": (c_int, [c_void_p, POINTER(WardRequest), POINTER(c_void_p)]),
    "ward_app_invoke_async": (c_int, [c_void_p, POINTER(WardRequest), RESPONSE_FN, c_void_p,
                                      FREE_FN]),
    "ward_app_invoke_message": (c_int, [c_void_p, POINTER(WardMessageRequest),
                                        POINTER(c_void_p)]),
    "ward_app_invoke_message_async": (c_int, [c_void_p, POINTER(WardMessageRequest), RESPONSE_FN,
                                              c_void_p, FREE_FN]),
    "ward_response_is_ok": (c_int, [c_void_p]),
    "ward_response_code": (c_int, [c_void_p]),
    "ward_response_is_raw": (c_int, [c_void_p]),
    "ward_response_content_type": (c_char_p, [c_void_p]),
    "ward_response_body": (c_void_p, [c_void_p, _SIZE_OUT]),
    "ward_response_callback_id": (c_uint32, [c_void_p]),
    "ward_response_error_id": (c_uint32, [c_void_p]),
    "ward_response_free": (None, [c_void_p]),
    "ward_invocation_command": (c_void_p, [c_void_p, _SIZE_OUT]),
    "ward_invocation_window": (c_void_p, [c_void_p, _SIZE_OUT]),
    "ward_invocation_webview": (c_void_p, [c_void_p, _SIZE_OUT]),
    "ward_invocation_origin": (c_void_p, [c_void_p, _SIZE_OUT]),
    "ward_invocation_id": (c_uint64, [c_void_p]),
    "ward_invocation_is_raw": (c_int, [c_void_p]),
    "ward_invocation_args_json": (c_void_p, [c_void_p, _SIZE_OUT]),
    "ward_invocation_body": (c_void_p, [c_void_p, _SIZE_OUT]),
    "ward_invocation_header": (c_void_p, [c_void_p, c_char_p, c_size_t, _SIZE_OUT]),
    "ward_invocation_scopes_json": (c_void_p, [c_void_p, _SIZE_OUT]),
    "ward_invocation_state": (c_int, [c_void_p, c_char_p, c_size_t, POINTER(c_void_p)]),
    "ward_responder_resolve_json": (c_int, [c_void_p, c_char_p, c_size_t]),
    "ward_responder_resolve_bytes": (c_int, [c_void_p, c_char_p, c_size_t]),
    "ward_responder_reject_json": (c_int, [c_void_p, c_char_p, c_size_t]),
    "ward_responder_reject_message": (c_int, [c_void_p, c_char_p, c_size_t]),
    "ward_responder_free": (None, [c_void_p]),
    # The live half: executor, deliveries, events, posting, cancellation, channels, resources.
    "ward_builder_set_executor": (c_int, [c_void_p, POINTER(WardExecutorOptions)]),
    "ward_builder_async_command": (c_int, [c_void_p, c_char_p, c_size_t,
                                           POINTER(WardCommandOptions), COMMAND_FN, c_void_p,
                                           FREE_FN]),
    "ward_builder_set_delivery": (c_int, [c_void_p, DELIVERY_FN, c_void_p, FREE_FN]),
    "ward_builder_set_delivery_options": (c_int, [c_void_p, POINTER(WardDeliveryOptions)]),
    "ward_delivery_render_script": (c_int, [POINTER(WardDelivery), POINTER(c_void_p), _SIZE_OUT]),
    "ward_app_shutdown": (None, [c_void_p]),
    "ward_app_webview_created": (c_int, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t]),
    "ward_app_webview_navigated": (c_int, [c_void_p, c_char_p, c_size_t]),
    "ward_app_webview_destroyed": (c_int, [c_void_p, c_char_p, c_size_t]),
    "ward_app_emit": (c_int, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t]),
    "ward_app_emit_to": (c_int, [c_void_p, POINTER(WardEventTarget), c_char_p, c_size_t, c_char_p,
                                 c_size_t]),
    "ward_app_emit_filter": (c_int, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t,
                                     EVENT_FILTER_FN, c_void_p]),
    "ward_app_listen": (c_int, [c_void_p, c_char_p, c_size_t, POINTER(WardEventTarget), c_int,
                                EVENT_FN, c_void_p, FREE_FN, POINTER(c_uint64)]),
    "ward_app_unlisten": (c_int, [c_void_p, c_uint64]),
    "ward_app_post": (c_int, [c_void_p, POINTER(WardRequest)]),
    "ward_app_post_message": (c_int, [c_void_p, POINTER(WardMessageRequest)]),
    "ward_responder_is_cancelled": (c_int, [c_void_p]),
    "ward_responder_on_cancel": (c_int, [c_void_p, CANCEL_FN, c_void_p, FREE_FN]),
    "ward_responder_wait_cancelled": (c_int, [c_void_p, c_uint64]),
    "ward_invocation_channel": (c_int, [c_void_p, c_char_p, c_size_t, POINTER(c_void_p)]),
    "ward_channel_id": (c_uint32, [c_void_p]),
    "ward_channel_send_json": (c_int, [c_void_p, c_char_p, c_size_t, c_uint64]),
    "ward_channel_send_bytes": (c_int, [c_void_p, c_char_p, c_size_t, c_uint64]),
    "ward_channel_queued": (c_size_t, [c_void_p]),
    "ward_channel_close": (None, [c_void_p]),
    "ward_channel_free": (None, [c_void_p]),
    "ward_invocation_add_resource": (c_int, [c_void_p, c_void_p, FREE_FN, POINTER(c_uint64)]),
    "ward_invocation_resource": (c_int, [c_void_p, c_uint64, POINTER(c_void_p)]),
    "ward_invocation_close_resource": (c_int, [c_void_p, c_uint64]),
}

# ---------------------------------------------------------------------------
# Locating and loading the library.

if sys.platform == "win32":
    _LIBRARY_FILE_NAMES = ["ward.dll"]
elif sys.platform == "darwin":
    _LIBRARY_FILE_NAMES = ["libward.1.dylib", "libward.dylib"]
else:
    _LIBRARY_FILE_NAMES = ["libward.so.1", "libward.so"]

_load_lock = threading.Lock()
_library: Optional[ctypes.CDLL] = None
_library_path: Optional[str] = None


def _build_tree_candidates(start: Path) -> List[Path]:
    """libward files in build/*/capi of the nearest ancestor of ``start`` that has any, newest first."""
    for directory in [start, *start.parents]:
        found = [candidate
                 for file_name in _LIBRARY_FILE_NAMES
                 for candidate in directory.glob(f"build/*/capi/{file_name}")
                 if candidate.is_file()]
        if found:
            # Several build directories (dev, release, ...) may coexist: the most recently built wins.
            return sorted(found, key=lambda path: path.stat().st_mtime, reverse=True)
    return []


def find_library() -> str:
    """Where libward will be loaded from.

    Order: the WARD_LIBRARY environment variable (a path), then a CMake build tree above this
    package (build/*/capi/libward.so.1 or libward.so), then the system's library search path.
    """
    explicit = os.environ.get("WARD_LIBRARY")
    if explicit:
        if not os.path.isfile(explicit):
            raise LibraryNotFoundError(f"WARD_LIBRARY={explicit!r} does not name a file")
        return explicit
    in_build_tree = _build_tree_candidates(Path(__file__).resolve().parent)
    if in_build_tree:
        return str(in_build_tree[0])
    on_system = ctypes.util.find_library("ward")
    if on_system:
        return on_system
    # find_library misses libraries that only the dynamic loader's own path would find.
    return _LIBRARY_FILE_NAMES[0]


def check_abi(lib: Any, where: str = "libward") -> None:
    """Refuses a library whose ABI differs from the one this binding was written for."""
    implemented = int(lib.ward_abi_version())
    if implemented != ABI_VERSION:
        raise AbiMismatchError(
            Status.ABI_MISMATCH,
            f"{where} implements ward ABI version {implemented}, but this Python binding was "
            f"written for ABI version {ABI_VERSION}; use a matching libward")


def _declare(lib: ctypes.CDLL) -> None:
    for name, (restype, argtypes) in _SIGNATURES.items():
        # A libward of the same ABI but older than this binding lacks the functions added since:
        # everything else keeps working, and using a missing one raises AttributeError naming it.
        function = getattr(lib, name, None)
        if function is None:
            continue
        function.restype = restype
        function.argtypes = argtypes


def load_library(path: Optional[str] = None) -> ctypes.CDLL:
    """Loads libward once per process (from ``path``, or found by :func:`find_library`).

    Raises LibraryNotFoundError if it cannot be loaded, AbiMismatchError if its ABI differs.
    Later calls return the already loaded library.
    """
    global _library, _library_path
    with _load_lock:
        if _library is not None:
            return _library
        location = path or find_library()
        try:
            lib = ctypes.CDLL(location)
        except OSError as error:
            raise LibraryNotFoundError(
                f"cannot load libward from {location!r} ({error}); set WARD_LIBRARY to its path, "
                f"build it under build/<dir>/ or install it on the library path") from error
        if not hasattr(lib, "ward_abi_version"):
            raise LibraryNotFoundError(f"{location!r} is not libward: it has no ward_abi_version")
        check_abi(lib, location)
        _declare(lib)
        _library, _library_path = lib, location
        return lib


def lib() -> ctypes.CDLL:
    """The loaded libward, loading it on first use."""
    return _library if _library is not None else load_library()


def loaded_library_path() -> Optional[str]:
    return _library_path


# ---------------------------------------------------------------------------
# Small helpers over the calling conventions.

def borrowed_string(pointer: Optional[int], length: int) -> str:
    """A library-owned (pointer, length) UTF-8 string, copied into a str."""
    if not pointer or length == 0:
        return ""
    return ctypes.string_at(pointer, length).decode("utf-8")


def borrowed_bytes(pointer: Optional[int], length: int) -> bytes:
    if not pointer or length == 0:
        return b""
    return ctypes.string_at(pointer, length)


def take_library_string(pointer: Optional[int], length: int) -> str:
    """A string the library allocated for the caller, copied into a str and freed."""
    try:
        return borrowed_string(pointer, length)
    finally:
        lib().ward_string_free(pointer)


def last_error(status: int) -> Exception:
    """The exception for a failed call that returned ``status``, with the thread's last message."""
    native = lib()
    length = c_size_t(0)
    pointer = native.ward_last_error_message(ctypes.byref(length))
    message = borrowed_string(pointer, length.value)
    return error_for(status, message)


def check(status: int) -> None:
    if status != Status.OK:
        raise last_error(status)


# ---------------------------------------------------------------------------
# The handle table. The C side keeps only `void *user_data`; it is a key into this table, which
# keeps the Python object alive until the library calls the matching free callback. A key (an
# integer that is never reused) instead of a raw PyObject pointer means a stale or duplicate
# callback from C can never touch freed Python memory.

class HandleTable:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._objects: Dict[int, Any] = {}
        self._next_key = itertools.count(1)  # 0 would reach C as NULL

    def add(self, obj: Any) -> int:
        with self._lock:
            key = next(self._next_key)
            self._objects[key] = obj
            return key

    def get(self, key: Optional[int]) -> Any:
        with self._lock:
            return self._objects.get(key or 0)

    def pop(self, key: Optional[int]) -> Any:
        with self._lock:
            return self._objects.pop(key or 0, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._objects)


handles = HandleTable()
