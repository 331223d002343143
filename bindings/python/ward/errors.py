"""Status codes and exceptions of the ward binding."""

from __future__ import annotations

import enum
from typing import Any, Dict, Type


class Status(enum.IntEnum):
    """``ward_status``: stable status codes of the C ABI (values never change meaning)."""

    OK = 0
    INVALID_ARGUMENT = 1
    ABI_MISMATCH = 2
    UNKNOWN_COMMAND = 3
    INVALID_ARGS = 4
    INVALID_REQUEST = 5
    INVALID_INVOKE_KEY = 6
    LIMIT_EXCEEDED = 7
    COMMAND_REJECTED = 8
    INTERNAL = 9
    DUPLICATE_COMMAND = 10
    STATE_NOT_MANAGED = 11
    STATE_ALREADY_MANAGED = 12
    INVALID_NAME = 13
    ALREADY_ANSWERED = 14
    NOT_ALLOWED = 15
    CANCELLED = 16
    BUSY = 17
    OUT_OF_MEMORY = 18
    CLOSED = 19


def status_of(code: int) -> "Status | int":
    """The Status for a raw code; a code newer than this binding stays a plain int."""
    try:
        return Status(code)
    except ValueError:
        return code


class LibraryNotFoundError(OSError):
    """libward could not be located or loaded."""


class WardError(Exception):
    """A ward C call failed. ``code`` is the Status, ``message`` the library's explanation."""

    def __init__(self, code: "Status | int", message: str = "") -> None:
        self.code = code
        self.message = message
        name = code.name if isinstance(code, Status) else str(code)
        super().__init__(f"{message} [{name.lower()}]" if message else name.lower())


class InvalidArgumentError(WardError, ValueError):
    pass


class AbiMismatchError(WardError):
    """The loaded libward implements another ABI than the one this binding was written for."""


class UnknownCommandError(WardError):
    pass


class InvalidArgsError(WardError, ValueError):
    pass


class InvalidRequestError(WardError, ValueError):
    pass


class InvalidInvokeKeyError(WardError):
    pass


class LimitExceededError(WardError):
    pass


class CommandRejectedError(WardError):
    pass


class InternalError(WardError):
    pass


class DuplicateCommandError(WardError):
    pass


class StateNotManagedError(WardError, LookupError):
    pass


class StateAlreadyManagedError(WardError):
    pass


class InvalidNameError(WardError, ValueError):
    pass


class AlreadyAnsweredError(WardError):
    pass


class NotAllowedError(WardError):
    pass


class CancelledError(WardError):
    pass


class BusyError(WardError):
    pass


class OutOfMemoryError(WardError, MemoryError):
    pass


class ClosedError(WardError):
    """The channel, webview or app is closed."""


_ERROR_CLASSES: Dict[int, Type[WardError]] = {
    Status.INVALID_ARGUMENT: InvalidArgumentError,
    Status.ABI_MISMATCH: AbiMismatchError,
    Status.UNKNOWN_COMMAND: UnknownCommandError,
    Status.INVALID_ARGS: InvalidArgsError,
    Status.INVALID_REQUEST: InvalidRequestError,
    Status.INVALID_INVOKE_KEY: InvalidInvokeKeyError,
    Status.LIMIT_EXCEEDED: LimitExceededError,
    Status.COMMAND_REJECTED: CommandRejectedError,
    Status.INTERNAL: InternalError,
    Status.DUPLICATE_COMMAND: DuplicateCommandError,
    Status.STATE_NOT_MANAGED: StateNotManagedError,
    Status.STATE_ALREADY_MANAGED: StateAlreadyManagedError,
    Status.INVALID_NAME: InvalidNameError,
    Status.ALREADY_ANSWERED: AlreadyAnsweredError,
    Status.NOT_ALLOWED: NotAllowedError,
    Status.CANCELLED: CancelledError,
    Status.BUSY: BusyError,
    Status.OUT_OF_MEMORY: OutOfMemoryError,
    Status.CLOSED: ClosedError,
}


def error_for(code: int, message: str) -> WardError:
    """The WardError subclass matching ``code``, carrying ``message``."""
    status = status_of(code)
    return _ERROR_CLASSES.get(int(status), WardError)(status, message)


class CommandError(Exception):
    """Raise from a command handler to reject the invoke with ``value`` (any JSON-encodable value).

    The page's promise rejects with exactly ``value``, as Tauri does for a command returning ``Err``.
    """

    def __init__(self, value: Any) -> None:
        self.value = value
        super().__init__(value)
