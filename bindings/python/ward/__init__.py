"""ward: the Python binding of ward's C ABI (libward), pure Python over ctypes.

    import ward

    builder = ward.AppBuilder()

    @builder.command()
    def greet(args, ctx):
        return f"Hello, {args['name']}!"

    # Default deny: a command runs only for the windows and origins a capability grants it to.
    builder.capability({"identifier": "main", "windows": ["main"], "permissions": ["allow-greet"]})

    with builder.build() as app:
        response = app.invoke("ipc://localhost/greet", origin="tauri://localhost",
                              headers={"Content-Type": "application/json",
                                       "Tauri-Invoke-Key": app.invoke_key},
                              body='{"name": "Ada"}')
        assert response.json() == "Hello, Ada!"

libward is loaded on first use: from $WARD_LIBRARY, else a CMake build tree above this package
(build/*/capi/libward.so.1), else the system library path. Its ABI version is checked on load.
"""

from __future__ import annotations

from ._native import ABI_VERSION, find_library, load_library, loaded_library_path
from .app import (CHANNEL_PREFIX, DEFAULT_APP_ORIGINS, JSON_CONTENT_TYPE, RAW_CONTENT_TYPE,
                  AclDocument, App, AppBuilder, AuditSink, DeliverySink, EventListener,
                  ExecutorOptions, Invocation, Limits, LogLevel, LogSink, Responder, Response,
                  log_to_python_logging)
from .channel import Channel
from .delivery import Delivery, DeliveryKind, DeliveryOptions, render_script
from .events import Event, EventTarget, EventTargetKind
from .errors import (AbiMismatchError, AlreadyAnsweredError, BusyError, CancelledError,
                     ClosedError, CommandError, CommandRejectedError, DuplicateCommandError,
                     InternalError, InvalidArgsError, InvalidArgumentError, InvalidInvokeKeyError,
                     InvalidNameError, InvalidRequestError, LibraryNotFoundError,
                     LimitExceededError, NotAllowedError, OutOfMemoryError,
                     StateAlreadyManagedError, StateNotManagedError, Status, UnknownCommandError,
                     WardError)

__version__ = "0.1.0"


def abi_version() -> int:
    """The ABI version the loaded libward implements."""
    return int(load_library().ward_abi_version())


def library_version() -> str:
    """The loaded libward's version, "MAJOR.MINOR.PATCH"."""
    return load_library().ward_version_string().decode("ascii")


def status_name(status: int) -> str:
    """libward's stable lower_snake_case name of a status ("unknown_command")."""
    name = load_library().ward_status_name(int(status))
    return name.decode("ascii") if name else ""


__all__ = [
    "ABI_VERSION", "CHANNEL_PREFIX", "DEFAULT_APP_ORIGINS", "JSON_CONTENT_TYPE", "RAW_CONTENT_TYPE",
    "AclDocument", "App", "AppBuilder", "AuditSink", "Channel", "Delivery", "DeliveryKind",
    "DeliveryOptions", "DeliverySink", "Event", "EventListener", "EventTarget", "EventTargetKind",
    "ExecutorOptions", "Invocation", "Limits", "LogLevel", "LogSink", "Responder", "Response",
    "Status",
    "abi_version", "find_library", "library_version", "load_library", "loaded_library_path",
    "log_to_python_logging", "render_script", "status_name",
    "CommandError", "LibraryNotFoundError", "WardError",
    "AbiMismatchError", "AlreadyAnsweredError", "BusyError", "CancelledError", "ClosedError",
    "CommandRejectedError", "DuplicateCommandError", "InternalError", "InvalidArgsError",
    "InvalidArgumentError", "InvalidInvokeKeyError", "InvalidNameError", "InvalidRequestError",
    "LimitExceededError", "NotAllowedError", "OutOfMemoryError", "StateAlreadyManagedError",
    "StateNotManagedError", "UnknownCommandError",
]
