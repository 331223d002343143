"""The Pythonic API of ward: AppBuilder, App, Invocation, Responder, Response, and access control."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ctypes
import dataclasses
import enum
import functools
import inspect
import json
import logging
import os
import sys
import threading
from contextlib import contextmanager
from ctypes import byref, c_char_p, c_size_t, c_uint64, c_void_p, sizeof
from pathlib import Path
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence,
                    Set, Tuple, Union)

from . import _native
from ._common import (NativeHandle, encode_json, encode_text, in_callback, running_callback,
                      uint)
from ._native import (ABI_VERSION, ACL_JSON, ACL_TOML, AUDIT_FN, CANCEL_FN, COMMAND_FN,
                      DELIVERY_FN, EVENT_FILTER_FN, EVENT_FN, FREE_FN, LOG_FN, RESPONSE_FN,
                      WardBuilderOptions, WardCommandOptions, WardExecutorOptions, WardHeader,
                      WardLimits, WardMessageRequest, WardRequest, borrowed_bytes,
                      borrowed_string, check, handles, last_error, take_library_string)
from .channel import Channel
from .delivery import Delivery, DeliveryOptions
from .errors import (AlreadyAnsweredError, CancelledError, CommandError, InternalError,
                     InvalidArgumentError, Status, status_of)
from .events import Event, EventTarget

_logger = logging.getLogger("ward")

JSON_CONTENT_TYPE = "application/json"
RAW_CONTENT_TYPE = "application/octet-stream"

#: The prefix of a channel argument: a @tauri-apps/api Channel serializes to "__CHANNEL__:<id>".
CHANNEL_PREFIX = "__CHANNEL__:"

BytesLike = Union[bytes, bytearray, memoryview]
Headers = Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]


class LogLevel(enum.IntEnum):
    """``ward_log_level``."""

    DEBUG = 0
    INFO = 1
    WARN = 2
    ERROR = 3


_PYTHON_LOG_LEVELS = {
    LogLevel.DEBUG: logging.DEBUG,
    LogLevel.INFO: logging.INFO,
    LogLevel.WARN: logging.WARNING,
    LogLevel.ERROR: logging.ERROR,
}

#: A log sink: sink(level, code, message, detail). ``detail`` holds the private part (exception
#: messages, which handler failed) that ward never sends to a page.
LogSink = Callable[[LogLevel, "Status | int", str, str], None]


def log_to_python_logging(level: LogLevel, code: "Status | int", message: str, detail: str) -> None:
    """The default log sink: ward's diagnostics go to the ``ward`` logger of :mod:`logging`."""
    status = code.name.lower() if isinstance(code, Status) else str(code)
    python_level = _PYTHON_LOG_LEVELS.get(level, logging.ERROR)
    if detail and not message:
        _logger.log(python_level, "%s [%s]", detail, status)
    elif detail:
        _logger.log(python_level, "%s [%s]: %s", message, status, detail)
    else:
        _logger.log(python_level, "%s [%s]", message, status)


@dataclasses.dataclass(frozen=True)
class Limits:
    """Limits applied to every request before any large allocation; 0 means ward's default."""

    max_body_bytes: int = 0     # request body size [64 MiB]
    max_depth: int = 0          # JSON nesting depth [128]
    max_string_bytes: int = 0   # one JSON string, in bytes [16 MiB]
    max_array_length: int = 0   # elements of one JSON array [8,388,608]
    max_object_keys: int = 0    # keys of one JSON object [65,536]

    def __post_init__(self) -> None:
        # ctypes would silently wrap a negative or oversized value into a different limit.
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            bits = 32 if field.name == "max_depth" else 64
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2 ** bits:
                raise ValueError(f"Limits.{field.name} must be an int in [0, 2**{bits}), got {value!r}")

    def _to_native(self) -> WardLimits:
        return WardLimits(sizeof(WardLimits), self.max_body_bytes, self.max_depth,
                          self.max_string_bytes, self.max_array_length, self.max_object_keys)


@dataclasses.dataclass(frozen=True)
class ExecutorOptions:
    """The executor that runs async commands (:meth:`AppBuilder.async_command`); 0 means ward's
    default."""

    workers: int = 0         # worker threads [2]
    queue_capacity: int = 0  # invokes waiting for a worker; beyond it BUSY at once [1024]

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            uint(getattr(self, field.name), 32, f"ExecutorOptions.{field.name}")

    def _to_native(self) -> WardExecutorOptions:
        return WardExecutorOptions(sizeof(WardExecutorOptions), self.workers, self.queue_capacity)


#: A delivery sink: deliver(webview_label, delivery), on ward's delivery thread, one at a time.
DeliverySink = Callable[[str, Delivery], None]

#: A backend event listener: listener(event), on the emitting thread.
EventListener = Callable[[Event], None]

#: An audit sink: audit(command, window, webview, origin, invoke_id), called for every denied
#: request on the invoking thread, before the denial is answered.
AuditSink = Callable[[str, str, str, str, int], None]

#: The origins of a Tauri v2 app's own pages ("local" in a capability) unless app_origins says
#: otherwise.
DEFAULT_APP_ORIGINS: Tuple[str, ...] = ("tauri://localhost", "http://tauri.localhost")

#: A capability or permission file: its text (str or bytes), a dict (written as JSON), or the path
#: of a file (os.PathLike, e.g. pathlib.Path; a plain str is always text, never a path).
AclDocument = Union[str, bytes, Mapping[str, Any], "os.PathLike[str]"]

_ACL_FORMATS = {"json": ACL_JSON, "toml": ACL_TOML}


def _acl_source(document: AclDocument, name: Optional[str], format: Optional[str],
                kind: str) -> Tuple[bytes, bytes, int]:
    """(name, text, ward_acl_format) of a capability or permission document.

    ``name`` is what ward's error messages call the file: by default the path of a file, the
    identifier of a dict, else "<kind>.<format>".
    """
    format = format.lower() if format else None
    if isinstance(document, os.PathLike):
        path = Path(document)
        text = path.read_bytes()
        name = name or str(path)
        format = format or path.suffix.lstrip(".")
    elif isinstance(document, Mapping):
        if format not in (None, "json"):
            raise ValueError(f"a {kind} given as a dict is written as JSON, not {format!r}")
        text = _encode_json(document)
        format = "json"
        identifier = document.get("identifier")
        name = name or (f"{identifier}.json" if isinstance(identifier, str) else f"{kind}.json")
    elif isinstance(document, (str, bytes)):
        text = _encode_text(document)
        format = format or "json"
        name = name or f"{kind}.{format}"
    else:
        raise TypeError(f"a {kind} is text, a dict or a path, not {type(document).__name__}")
    native_format = _ACL_FORMATS.get(format.lower())  # a file suffix may be upper case
    if native_format is None:
        raise ValueError(f"the format of {kind} {name!r} must be 'json' or 'toml', not {format!r}")
    return name.encode("utf-8"), text, native_format


_encode_json = encode_json
_encode_text = encode_text


def _returned(out: c_void_p) -> int:
    """The handle a successful call stored in ``out``; never hand NULL on to the library."""
    if not out.value:
        raise InternalError(Status.INTERNAL, "libward reported success but returned no handle")
    return out.value


def _read_string(function: Callable[..., Optional[int]], *args: Any) -> str:
    length = c_size_t(0)
    pointer = function(*args, byref(length))
    return borrowed_string(pointer, length.value)


# ---------------------------------------------------------------------------
# Responses

@dataclasses.dataclass(frozen=True)
class Response:
    """The answer to one request (a copy: it outlives the native ward_response)."""

    ok: bool
    code: "Status | int"
    content_type: str
    body: bytes
    is_raw: bool
    callback_id: int
    error_id: int

    def json(self) -> Any:
        """The body decoded as JSON: the value, or the rejection value of an error."""
        if self.is_raw:
            raise ValueError("the response body is raw bytes (application/octet-stream), not JSON")
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def _take_response(pointer: int) -> Response:
    """Copies a native response into a Response and frees the native one."""
    native = _native.lib()
    try:
        length = c_size_t(0)
        body = borrowed_bytes(native.ward_response_body(pointer, byref(length)), length.value)
        content_type = native.ward_response_content_type(pointer) or b""
        return Response(
            ok=bool(native.ward_response_is_ok(pointer)),
            code=status_of(native.ward_response_code(pointer)),
            content_type=content_type.decode("ascii"),
            body=body,
            is_raw=bool(native.ward_response_is_raw(pointer)),
            callback_id=int(native.ward_response_callback_id(pointer)),
            error_id=int(native.ward_response_error_id(pointer)),
        )
    finally:
        native.ward_response_free(pointer)


# ---------------------------------------------------------------------------
# Inside a handler

class _CancelWatch:
    """Python's side of one invoke's cancellation: registered once with ward_responder_on_cancel,
    it wakes waiters and runs the callbacks added with on_cancel.

    It has its own lock, never the responder's: ward calls ``fire`` on the cancelling thread, which
    may be inside ward while the responder's owner waits for ward."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fired = False
        self._settled = threading.Event()  # cancelled, or answered (then it never will be)
        self._callbacks: List[Callable[[], Any]] = []

    @property
    def fired(self) -> bool:
        return self._fired

    def wait(self, timeout: Optional[float]) -> bool:
        self._settled.wait(timeout)
        return self._fired

    def add(self, callback: Callable[[], Any]) -> None:
        with self._lock:
            if not self._fired:
                self._callbacks.append(callback)
                return
        _run_cancel_callback(callback)

    def fire(self) -> None:
        with self._lock:
            if self._fired:
                return
            self._fired = True
            callbacks, self._callbacks = self._callbacks, []
        self._settled.set()
        for callback in callbacks:
            _run_cancel_callback(callback)

    def settle(self) -> None:
        """The invoke was answered: it can no longer be cancelled."""
        with self._lock:
            if not self._fired:
                self._callbacks = []
        self._settled.set()


def _run_cancel_callback(callback: Callable[[], Any]) -> None:
    try:
        callback()
    except Exception:
        _logger.exception("ward: an on_cancel callback failed")


class Invocation:
    """One command call as a handler sees it (the ``ctx`` argument).

    ``command``, ``window``, ``webview``, ``origin``, ``id`` and ``is_raw`` are copied up front and
    stay readable forever; so does ``scopes`` in a deferred handler (copied when its call ends).
    ``body``, ``args_json``, ``header()``, ``state()``, ``channel()`` and the resource methods read
    the native invocation, which lives only during the handler call: a deferred handler must use
    them before it returns.

    An ``async def`` handler runs on the app's event loop after its call has ended, so its ctx is
    a copy taken before the coroutine starts: ``body``, ``args_json``, ``scopes``, the state named
    in ``requires=`` and the channels among its arguments are there; ``header()``, other state
    and the resource methods are not.

    ``cancelled``, ``wait_cancelled()`` and ``on_cancel()`` tell whether the invoke was cancelled
    (by the page with ``plugin:ward|cancel``, its webview navigating or being destroyed, or the app
    shutting down): they work until the invoke is answered, in every kind of handler.
    """

    __slots__ = ("_pointer", "command", "window", "webview", "origin", "id", "is_raw", "_body",
                 "_scopes", "_responder", "_args_json", "_states", "_channels",
                 "_channel_errors", "_claimed_channels", "_detached")

    def __init__(self, pointer: int, responder: Optional["Responder"] = None) -> None:
        native = _native.lib()
        self._pointer: Optional[int] = pointer
        self.command = _read_string(native.ward_invocation_command, pointer)
        self.window = _read_string(native.ward_invocation_window, pointer)
        self.webview = _read_string(native.ward_invocation_webview, pointer)
        self.origin = _read_string(native.ward_invocation_origin, pointer)
        self.id = int(native.ward_invocation_id(pointer))
        self.is_raw = bool(native.ward_invocation_is_raw(pointer))
        self._body: Optional[bytes] = None
        self._scopes: Optional[Dict[str, List[Any]]] = None
        self._responder = responder
        self._args_json: Optional[str] = None
        self._states: Dict[str, Any] = {}
        self._channels: Dict[str, Channel] = {}
        self._channel_errors: Dict[str, Exception] = {}
        self._claimed_channels: Set[str] = set()
        self._detached = False

    def _live(self) -> int:
        if self._pointer is None:
            if self._detached:
                raise RuntimeError(
                    "an async def handler runs after its call has ended: its ctx holds copies of "
                    "body, args_json, scopes, the state named in requires= and the channels among "
                    "its arguments; header(), other state and resources are not available")
            raise RuntimeError("an Invocation is only readable during its handler call; "
                               "copy what you need (ctx.body, ctx.header(...)) before returning")
        return self._pointer

    def _end(self, keep_scopes: bool = False) -> None:
        """Ends the handler call. ``keep_scopes`` copies the scopes first, for a deferred handler
        that reads them when it answers later (a plain handler does not pay for the copy).
        Channels fetched for an async def handler that it never asked for are released."""
        if keep_scopes and self._scopes is None and self._pointer is not None:
            try:
                self._read_scopes()
            except Exception:
                _logger.exception("ward: copying the scopes of command %r failed", self.command)
        self._pointer = None
        channels, self._channels = self._channels, {}
        for key, channel in channels.items():
            if key not in self._claimed_channels:
                channel._release()

    def _detach(self, required_state: Sequence[str], args: Any) -> None:
        """Copies what an async def handler may read, then ends the native call."""
        for cached in ("body", "args_json", "scopes"):  # reading one keeps a copy
            getattr(self, cached)
        for name in required_state:
            self._states[name] = self.state(name)
        if isinstance(args, Mapping):
            for key, value in args.items():
                if isinstance(value, str) and value.startswith(CHANNEL_PREFIX):
                    try:
                        self._channels[key] = self._open_channel(key)
                    except Exception as error:  # raised again if the handler asks for it
                        self._channel_errors[key] = error
        self._pointer = None
        self._detached = True

    def _read_scopes(self) -> Dict[str, List[Any]]:
        text = _read_string(_native.lib().ward_invocation_scopes_json, self._live())
        self._scopes = json.loads(text)
        return self._scopes

    @property
    def scopes(self) -> Dict[str, List[Any]]:
        """The access-control scopes that let this request in:
        ``{"allow": [...], "deny": [...], "global_allow": [...], "global_deny": [...]}``.

        ``allow``/``deny`` are the command scopes of the capability grants that matched (the
        entry's own ``allow``/``deny`` first, then the permission's), ``global_*`` the plugin's
        global scope from the capabilities that match this request. Each entry is the JSON value
        written in the capability or permission file (e.g. ``{"path": "$HOME/*"}``). Enforcing
        them is the handler's job, as in Tauri. Readable during the handler call; a deferred
        handler's copy stays readable after it returns.
        """
        return self._scopes if self._scopes is not None else self._read_scopes()

    @property
    def args_json(self) -> str:
        """The arguments as JSON text, as sent ("{}" for an empty or raw body)."""
        if self._args_json is None:
            self._args_json = _read_string(_native.lib().ward_invocation_args_json, self._live())
        return self._args_json

    @property
    def body(self) -> bytes:
        """The request body: raw bytes (application/octet-stream) or the JSON text."""
        if self._body is None:
            length = c_size_t(0)
            pointer = _native.lib().ward_invocation_body(self._live(), byref(length))
            self._body = borrowed_bytes(pointer, length.value)
        return self._body

    def header(self, name: str) -> Optional[str]:
        """A request header's value (case-insensitive name), or None if absent."""
        encoded = name.encode("utf-8")
        length = c_size_t(0)
        pointer = _native.lib().ward_invocation_header(self._live(), encoded, len(encoded),
                                                         byref(length))
        return None if not pointer else borrowed_string(pointer, length.value)

    def state(self, name: str) -> Any:
        """The object managed under ``name``; raises StateNotManagedError if there is none."""
        if name in self._states:
            return self._states[name]
        encoded = name.encode("utf-8")
        out = c_void_p()
        check(_native.lib().ward_invocation_state(self._live(), encoded, len(encoded), byref(out)))
        managed = handles.get(out.value)
        if not isinstance(managed, _ManagedState):
            raise InvalidArgumentError(Status.INVALID_ARGUMENT,
                                       f"state {name!r} is not a Python object of this binding")
        return managed.value

    # -- channels ----------------------------------------------------------------------------

    def channel(self, key: str) -> Channel:
        """The :class:`Channel` the argument ``key`` names (the page passed a ``new Channel()``).
        Raises InvalidArgsError naming ``key`` if that argument is not a channel. Asking twice
        gives the same Channel; it may outlive the handler call."""
        if key in self._channels:
            self._claimed_channels.add(key)
            return self._channels[key]
        if key in self._channel_errors:
            raise self._channel_errors[key]
        channel = self._open_channel(key)
        self._channels[key] = channel
        self._claimed_channels.add(key)
        return channel

    def _open_channel(self, key: str) -> Channel:
        encoded = key.encode("utf-8")
        out = c_void_p()
        check(_native.lib().ward_invocation_channel(self._live(), encoded, len(encoded),
                                                    byref(out)))
        return Channel(_returned(out))

    # -- resources ---------------------------------------------------------------------------

    def add_resource(self, resource: Any, on_close: Optional[Callable[[Any], None]] = None) -> int:
        """Keeps ``resource`` (any Python object but None) for the invoking webview and returns its
        id (a number the page can hold, below 2**53). It lives until closed, by
        :meth:`close_resource` or the page's ``plugin:resources|close``, until its webview is
        destroyed, or until the app shuts down; then ``on_close(resource)`` runs, if given.
        ClosedError if the app is shut down or the invoking webview has been destroyed since the
        request arrived; then on_close does not run, and the caller still owns the resource."""
        if resource is None:
            raise ValueError("a resource is an object, not None")
        invocation = self._live()
        key = handles.add(_Resource(resource, on_close))
        out = c_uint64(0)
        status = _native.lib().ward_invocation_add_resource(invocation, key, _FREE_RESOURCE,
                                                            byref(out))
        if status != Status.OK:
            error = last_error(status)
            handles.pop(key)  # on failure the library does not call free_resource
            raise error
        return int(out.value)

    def resource(self, rid: int) -> Any:
        """The resource ``rid`` of the invoking webview; InvalidArgumentError if this webview has
        none of that id (another webview's resources are not found)."""
        out = c_void_p()
        check(_native.lib().ward_invocation_resource(self._live(), uint(rid, 64, "rid"),
                                                     byref(out)))
        held = handles.get(out.value)
        if not isinstance(held, _Resource):
            raise InvalidArgumentError(Status.INVALID_ARGUMENT,
                                       f"resource {rid} is not a Python object of this binding")
        return held.value

    def close_resource(self, rid: int) -> None:
        """Closes the resource ``rid`` of the invoking webview (its on_close runs)."""
        check(_native.lib().ward_invocation_close_resource(self._live(), uint(rid, 64, "rid")))

    # -- cancellation ------------------------------------------------------------------------

    @property
    def cancelled(self) -> bool:
        """True once the invoke was cancelled (the page has then been answered CANCELLED and the
        handler's answer is dropped)."""
        return self._responder is not None and self._responder.cancelled

    def wait_cancelled(self, timeout: Optional[float] = None) -> bool:
        """Sleeps up to ``timeout`` seconds (None: until cancelled or answered) and returns True
        at once when the invoke is cancelled: the interruptible sleep of a polling handler."""
        if self._responder is None:
            raise RuntimeError("this Invocation has no responder to watch")
        return self._responder.wait_cancelled(timeout)

    def on_cancel(self, callback: Callable[[], Any]) -> None:
        """Runs ``callback()`` once if the invoke is cancelled: on the cancelling thread, or at
        once if it already is. It must be quick and must not shut the app down."""
        if self._responder is None:
            raise RuntimeError("this Invocation has no responder to watch")
        self._responder.on_cancel(callback)

    def __repr__(self) -> str:
        return (f"Invocation(command={self.command!r}, window={self.window!r}, "
                f"webview={self.webview!r}, origin={self.origin!r}, id={self.id})")


class Responder:
    """Answers one invocation exactly once, now or later, from any thread.

    A deferred handler receives one. If it is dropped unanswered, the page gets an internal error,
    so an invoke never hangs on a forgotten responder. If the invoke is cancelled, the page has
    already been answered CANCELLED: a later answer raises AlreadyAnsweredError and is dropped.
    """

    def __init__(self, pointer: int, command: str) -> None:
        self._pointer: Optional[int] = pointer
        # Guards the pointer: a native call on it (is_cancelled, on_cancel) holds the lock, so the
        # answer, which frees it, cannot run meanwhile.
        self._lock = threading.Lock()
        self.command = command
        self._watch: Optional[_CancelWatch] = None
        self._cancelled_at_answer = False

    @property
    def answered(self) -> bool:
        return self._pointer is None

    def _take(self) -> int:
        with self._lock:
            pointer, self._pointer = self._pointer, None
        if pointer is None:
            raise AlreadyAnsweredError(Status.ALREADY_ANSWERED,
                                       f"the responder of command {self.command!r} was already answered")
        return pointer

    def _answer(self, answer: Callable[[int], int]) -> None:
        status = answer(self._take())
        # ward answered the page already: the invoke was cancelled before this answer.
        error = last_error(status) if status != Status.OK else None
        if status == Status.ALREADY_ANSWERED:
            self._cancelled_at_answer = True
        self._settle_watch()
        if error is not None:
            raise error

    def _settle_watch(self) -> None:
        watch = self._watch
        if watch is not None:
            if self._cancelled_at_answer:
                watch.fire()
            watch.settle()

    def resolve(self, value: Any = None) -> None:
        """Answers with ``value``: bytes-like values are sent raw, anything else as JSON."""
        if isinstance(value, (bytes, bytearray, memoryview)):
            self.resolve_bytes(value)
            return
        payload = _encode_json(value)  # before taking the responder: a TypeError leaves it open
        self._answer(lambda pointer: _native.lib().ward_responder_resolve_json(
            pointer, payload, len(payload)))

    def resolve_bytes(self, data: BytesLike) -> None:
        """Answers with raw bytes, sent as application/octet-stream."""
        payload = bytes(data)
        self._answer(lambda pointer: _native.lib().ward_responder_resolve_bytes(
            pointer, payload, len(payload)))

    def reject(self, value: Any) -> None:
        """Rejects with ``value`` (any JSON-encodable value) as the page's rejection value."""
        payload = _encode_json(value)
        self._answer(lambda pointer: _native.lib().ward_responder_reject_json(
            pointer, payload, len(payload)))

    def reject_message(self, message: str) -> None:
        """Rejects with a message, sent to the page as a JSON string."""
        payload = message.encode("utf-8")
        self._answer(lambda pointer: _native.lib().ward_responder_reject_message(
            pointer, payload, len(payload)))

    def _abandon(self) -> bool:
        """Frees the responder if it is still unanswered (the page gets an internal error, unless
        the invoke was cancelled and so already answered)."""
        with self._lock:
            pointer, self._pointer = self._pointer, None
        if pointer is None:
            return False
        _native.lib().ward_responder_free(pointer)
        self._settle_watch()
        return True

    # -- cancellation ------------------------------------------------------------------------

    @property
    def cancelled(self) -> bool:
        """True once the invoke was cancelled."""
        with self._lock:
            if self._pointer is not None:
                return bool(_native.lib().ward_responder_is_cancelled(self._pointer))
        watch = self._watch
        return self._cancelled_at_answer or (watch is not None and watch.fired)

    def wait_cancelled(self, timeout: Optional[float] = None) -> bool:
        """Waits up to ``timeout`` seconds (None: no limit) for the invoke to be cancelled or
        answered; True if it was cancelled."""
        return self._cancel_watch().wait(timeout)

    def on_cancel(self, callback: Callable[[], Any]) -> None:
        """Runs ``callback()`` once if the invoke is cancelled: on the cancelling thread, or at
        once if it already is. Exceptions it raises are logged."""
        if not callable(callback):
            raise TypeError("the on_cancel callback is not callable")
        self._cancel_watch().add(callback)

    def _cancel_watch(self) -> _CancelWatch:
        """The invoke's cancel watch, registered with ward on first use."""
        with self._lock:
            if self._watch is not None:
                return self._watch
            watch = self._watch = _CancelWatch()
            if self._pointer is None:  # answered already: no cancellation can come any more
                if self._cancelled_at_answer:
                    watch.fire()
                watch.settle()
                return watch
            # If the invoke is already cancelled ward calls the watch at once, on this thread;
            # it has no callbacks yet, so no user code runs under this lock.
            key = handles.add(watch)
            status = _native.lib().ward_responder_on_cancel(self._pointer, _CANCEL_TRAMPOLINE, key,
                                                            _FREE_HANDLE)
            if status != Status.OK:
                error = last_error(status)
                handles.pop(key)  # on failure the library does not call free_user_data
                self._watch = None
                raise error
            return watch

    def __del__(self) -> None:
        try:
            if self._pointer is not None and not sys.is_finalizing():
                try:
                    cancelled = self.cancelled
                except Exception:
                    cancelled = False
                if not cancelled:  # a cancelled invoke has its answer already
                    _logger.warning("the responder of command %r was dropped unanswered; "
                                    "the page gets an internal error", self.command)
                self._abandon()
        except Exception:  # a finalizer must not raise
            pass

    def __repr__(self) -> str:
        return f"Responder(command={self.command!r}, answered={self.answered})"


# ---------------------------------------------------------------------------
# Objects behind the C side's user_data pointers, and the C-callable trampolines. The trampolines
# are module-level so they live as long as the module: a collected CFUNCTYPE object that C still
# calls is a crash.

class _Runtime:
    """What the commands of one builder (then app) share: the event loop of async def handlers."""

    __slots__ = ("loop",)

    def __init__(self) -> None:
        self.loop: Optional[asyncio.AbstractEventLoop] = None


async def _await(awaitable: Any) -> Any:
    return await awaitable


class _Command:
    __slots__ = ("name", "function", "deferred", "required_state", "runtime")

    def __init__(self, name: str, function: Callable[..., Any], deferred: bool,
                 required_state: Sequence[str], runtime: _Runtime) -> None:
        self.name = name
        self.function = function
        self.deferred = deferred
        self.required_state = tuple(required_state)
        self.runtime = runtime

    def run(self, invocation_pointer: int, responder_pointer: int) -> None:
        responder = Responder(responder_pointer, self.name)
        context: Optional[Invocation] = None
        on_loop = False
        try:
            context = Invocation(invocation_pointer, responder)
            args = json.loads(context.args_json)
            if self.deferred:
                returned = self.function(args, context, responder)
                if inspect.isawaitable(returned):
                    if asyncio.iscoroutine(returned):
                        returned.close()
                    raise TypeError(f"the deferred handler of command {self.name!r} returned an "
                                    "awaitable: an async def handler returns its answer instead")
            else:
                result = self.function(args, context)
                if inspect.isawaitable(result):
                    self._start_on_loop(result, args, context, responder)
                    on_loop = True
                else:
                    self._resolve(responder, result)
        except CommandError as rejection:
            self._reject(responder, rejection.value)
        except Exception as error:
            self._fail(responder, error)
        finally:
            if context is not None and not on_loop:
                context._end(keep_scopes=self.deferred)
            if not self.deferred and not on_loop:
                responder._abandon()

    def _start_on_loop(self, awaitable: Any, args: Any, context: Invocation,
                       responder: Responder) -> None:
        """Runs an async def handler's coroutine on the app's event loop; its outcome answers the
        invoke, and cancelling the invoke cancels it."""
        coroutine = awaitable if asyncio.iscoroutine(awaitable) else _await(awaitable)
        try:
            loop = self.runtime.loop
            if loop is None or loop.is_closed():
                raise RuntimeError(
                    f"command {self.name!r} is async but the app has no open event loop; give "
                    "one with AppBuilder(event_loop=loop) or builder.event_loop(loop)")
            context._detach(self.required_state, args)
            watch = responder._cancel_watch()
            future = asyncio.run_coroutine_threadsafe(coroutine, loop)
        except BaseException:
            coroutine.close()  # never started: close it rather than warn "never awaited"
            context._end()
            raise
        future.add_done_callback(functools.partial(self._finish_on_loop, context=context,
                                                   responder=responder))
        watch.add(future.cancel)

    def _finish_on_loop(self, future: "concurrent.futures.Future[Any]", context: Invocation,
                        responder: Responder) -> None:
        # Runs on the loop's thread when the coroutine ends, or on the cancelling thread.
        try:
            if future.cancelled():
                if not responder.cancelled:
                    _logger.warning("the coroutine of ward command %r was cancelled, though its "
                                    "invoke was not; the page gets an internal error", self.name)
                return
            error = future.exception()
            if error is None:
                self._resolve(responder, future.result())
            elif isinstance(error, CommandError):
                self._reject(responder, error.value)
            else:
                self._fail(responder, error)
        except Exception as error:
            self._fail(responder, error)
        finally:
            responder._abandon()
            context._end()

    def _resolve(self, responder: Responder, value: Any) -> None:
        try:
            responder.resolve(value)
        except AlreadyAnsweredError:
            if not responder.cancelled:
                raise
            _logger.debug("ward command %r answered after its invoke was cancelled; the answer "
                          "is dropped", self.name)

    def _reject(self, responder: Responder, value: Any) -> None:
        try:
            responder.reject(value)
        except AlreadyAnsweredError:
            if not responder.cancelled:
                _logger.warning("ward command %r raised CommandError after answering; ignored",
                                self.name)
        except Exception:
            _logger.exception("ward command %r raised a CommandError whose value is not "
                              "JSON-encodable; the page gets an internal error", self.name)
            responder._abandon()

    def _fail(self, responder: Responder, error: BaseException) -> None:
        # The exception text may hold private details: it goes to the log, never to the page.
        exc_info = (type(error), error, error.__traceback__)
        if responder.cancelled:
            _logger.debug("ward command %r raised after its invoke was cancelled", self.name,
                          exc_info=exc_info)
            responder._abandon()
        else:
            # Logged before the page is answered, so whoever sees the answer can see the log.
            _logger.error("ward command %r failed; the page gets an internal error unless it was "
                          "answered already", self.name, exc_info=exc_info)
            responder._abandon()


class _ManagedState:
    __slots__ = ("value", "on_free")

    def __init__(self, value: Any, on_free: Optional[Callable[[Any], None]]) -> None:
        self.value = value
        self.on_free = on_free


class _Resource:
    __slots__ = ("value", "on_close")

    def __init__(self, value: Any, on_close: Optional[Callable[[Any], None]]) -> None:
        self.value = value
        self.on_close = on_close


def _on_command(invocation: int, responder: int, user_data: Optional[int]) -> None:
    try:
        with running_callback():
            command = handles.get(user_data)
            if command is None:  # cannot happen while the app lives; answer, do not hang the page
                _native.lib().ward_responder_free(responder)
                return
            command.run(invocation, responder)
    except BaseException:
        _logger.exception("ward: unexpected failure dispatching a command")


def _on_free_handle(user_data: Optional[int]) -> None:
    handles.pop(user_data)


def _on_free_state(user_data: Optional[int]) -> None:
    managed = handles.pop(user_data)
    if managed is not None and managed.on_free is not None:
        try:
            managed.on_free(managed.value)
        except Exception:
            _logger.exception("ward: on_free of a managed state failed")


def _on_free_resource(user_data: Optional[int]) -> None:
    try:
        resource = handles.pop(user_data)
        if isinstance(resource, _Resource) and resource.on_close is not None:
            with running_callback():
                resource.on_close(resource.value)
    except Exception:
        _logger.exception("ward: on_close of a resource failed")


def _on_log(level: int, code: int, message: int, message_len: int, detail: int, detail_len: int,
            user_data: Optional[int]) -> None:
    try:
        sink = handles.get(user_data)
        if sink is not None:
            try:
                log_level: Union[LogLevel, int] = LogLevel(level)
            except ValueError:
                log_level = level
            sink(log_level, status_of(code), borrowed_string(message, message_len),
                 borrowed_string(detail, detail_len))
    except Exception:
        _logger.exception("ward: the log sink failed")


def _on_audit(command: int, command_len: int, window: int, window_len: int, webview: int,
              webview_len: int, origin: int, origin_len: int, invoke_id: int,
              user_data: Optional[int]) -> None:
    try:
        sink = handles.get(user_data)
        if sink is not None:
            sink(borrowed_string(command, command_len), borrowed_string(window, window_len),
                 borrowed_string(webview, webview_len), borrowed_string(origin, origin_len),
                 int(invoke_id))
    except Exception:  # the denial is answered whatever the audit sink does
        _logger.exception("ward: the audit sink failed")


def _on_async_response(response: int, user_data: Optional[int]) -> None:
    try:
        result = _take_response(response)
        future = handles.get(user_data)
        if future is not None and not future.done():
            future.set_result(result)
    except Exception:
        _logger.exception("ward: delivering an asynchronous response failed")


def _on_free_pending(user_data: Optional[int]) -> None:
    future = handles.pop(user_data)
    if future is not None and not future.done():
        try:
            future.set_exception(CancelledError(Status.CANCELLED,
                                                "the app was freed before the invoke was answered"))
        except concurrent.futures.InvalidStateError:
            pass


def _on_delivery(webview: int, webview_len: int, delivery: Any, user_data: Optional[int]) -> None:
    try:
        with running_callback():
            sink = handles.get(user_data)
            if sink is not None:
                sink(borrowed_string(webview, webview_len), Delivery._from_native(delivery.contents))
    except Exception:  # the next delivery comes anyway
        _logger.exception("ward: the delivery callback failed")


def _on_event(event: Any, user_data: Optional[int]) -> None:
    try:
        with running_callback():
            listener = handles.get(user_data)
            if listener is not None:
                listener(Event._from_native(event.contents))
    except Exception:
        _logger.exception("ward: an event listener failed")


def _on_event_filter(target: Any, user_data: Optional[int]) -> int:
    try:
        with running_callback():
            predicate = handles.get(user_data)
            return 1 if predicate is not None and predicate(EventTarget._from_native(target.contents)) \
                else 0
    except Exception:  # a failing filter delivers to nobody on that target
        _logger.exception("ward: an emit_filter predicate failed")
        return 0


def _on_cancel(user_data: Optional[int]) -> None:
    try:
        with running_callback():
            watch = handles.get(user_data)
            if watch is not None:
                watch.fire()
    except Exception:
        _logger.exception("ward: handling a cancellation failed")


_COMMAND_TRAMPOLINE = COMMAND_FN(_on_command)
_FREE_HANDLE = FREE_FN(_on_free_handle)
_FREE_STATE = FREE_FN(_on_free_state)
_FREE_RESOURCE = FREE_FN(_on_free_resource)
_LOG_TRAMPOLINE = LOG_FN(_on_log)
_AUDIT_TRAMPOLINE = AUDIT_FN(_on_audit)
_RESPONSE_TRAMPOLINE = RESPONSE_FN(_on_async_response)
_FREE_PENDING = FREE_FN(_on_free_pending)
_DELIVERY_TRAMPOLINE = DELIVERY_FN(_on_delivery)
_EVENT_TRAMPOLINE = EVENT_FN(_on_event)
_EVENT_FILTER_TRAMPOLINE = EVENT_FILTER_FN(_on_event_filter)
_CANCEL_TRAMPOLINE = CANCEL_FN(_on_cancel)


# ---------------------------------------------------------------------------
# Builder

class AppBuilder:
    """Collects commands, state, access control and the live half (executor, deliveries, event
    loop), then builds an :class:`App`.

    Use it from one thread at a time. ``log`` receives ward's diagnostics (default: the ``ward``
    logger of :mod:`logging`); it may be called from any thread.

    Every command is denied until a capability grants it (see :meth:`capability`). The keyword
    arguments ``app_origins``, ``acl_platform``, ``acl_strict``, ``audit``, ``executor``,
    ``delivery``, ``delivery_options`` and ``event_loop`` do what the methods of the same name do.
    """

    def __init__(self, *, limits: Optional[Limits] = None, log: Optional[LogSink] = None,
                 app_origins: Optional[Iterable[str]] = None, acl_platform: Optional[str] = None,
                 acl_strict: Optional[bool] = None, audit: Optional[AuditSink] = None,
                 executor: Optional[ExecutorOptions] = None,
                 delivery: Optional[DeliverySink] = None,
                 delivery_options: Optional[DeliveryOptions] = None,
                 event_loop: Optional[asyncio.AbstractEventLoop] = None) -> None:
        native = _native.lib()
        self._lock = threading.Lock()
        self._pointer: Optional[int] = None
        self._runtime = _Runtime()
        self._async_def_commands: List[str] = []
        native_limits = limits._to_native() if limits is not None else None
        log_key = handles.add(log if log is not None else log_to_python_logging)
        options = WardBuilderOptions(
            struct_size=sizeof(WardBuilderOptions),
            abi_version=ABI_VERSION,
            limits=ctypes.pointer(native_limits) if native_limits is not None else None,
            log=_LOG_TRAMPOLINE,
            log_user_data=log_key,
            log_free_user_data=_FREE_HANDLE,
        )
        out = c_void_p()
        status = native.ward_builder_new(byref(options), byref(out))
        if status != Status.OK:
            error = last_error(status)
            handles.pop(log_key)  # idempotent: harmless if the library already released it
            raise error
        self._pointer = out.value
        try:
            if app_origins is not None:
                self.app_origins(app_origins)
            if acl_platform is not None:
                self.acl_platform(acl_platform)
            if acl_strict is not None:
                self.acl_strict(acl_strict)
            if audit is not None:
                self.audit(audit)
            if executor is not None:
                self.executor(workers=executor.workers, queue_capacity=executor.queue_capacity)
            if delivery is not None:
                self.delivery(delivery)
            if delivery_options is not None:
                self.delivery_options(channel_capacity=delivery_options.channel_capacity,
                                      queue_capacity=delivery_options.queue_capacity)
            if event_loop is not None:
                self.event_loop(event_loop)
        except BaseException:
            self.close()
            raise

    @contextmanager
    def _live(self) -> Iterator[int]:
        with self._lock:
            if self._pointer is None:
                raise ValueError("this AppBuilder was already built or closed")
            yield self._pointer

    def command(self, name: Union[str, Callable[..., Any], None] = None, *,
                requires: Union[str, Iterable[str]] = (), deferred: bool = False) -> Any:
        """Decorator registering a command, named ``name`` or after the function.

        ``handler(args, ctx)`` returns the answer: bytes-like values are sent raw
        (application/octet-stream), anything else as JSON. Raise :class:`ward.CommandError` to
        reject with a value; any other exception answers an internal error (and is logged).
        With ``deferred=True`` the handler is ``handler(args, ctx, responder)`` and answers
        through the :class:`Responder`, now or later, from any thread.
        An ``async def`` handler runs on the app's event loop (:meth:`event_loop`) and its result
        answers; cancelling the invoke cancels the coroutine.
        ``requires`` names managed state the command reads: build() fails if it is missing.

        The handler runs on the thread that hands ward the request; see :meth:`async_command`
        for one that runs on ward's executor.
        """
        return self._decorator(name, requires, deferred, on_executor=False)

    def async_command(self, name: Union[str, Callable[..., Any], None] = None, *,
                      requires: Union[str, Iterable[str]] = (), deferred: bool = False) -> Any:
        """Decorator registering a command whose handler runs on ward's executor threads
        (:meth:`executor`), as :meth:`command` otherwise. The request is copied first, so the
        invoking thread is free at once; a full executor queue answers BUSY at once.

        A long handler should watch for cancellation: ``ctx.cancelled``,
        ``ctx.wait_cancelled(timeout)`` (an interruptible sleep) or ``ctx.on_cancel(fn)``.
        """
        return self._decorator(name, requires, deferred, on_executor=True)

    def _decorator(self, name: Union[str, Callable[..., Any], None],
                   requires: Union[str, Iterable[str]], deferred: bool, on_executor: bool) -> Any:
        if callable(name):  # bare @builder.command
            self.add_command(name.__name__, name, on_executor=on_executor)
            return name

        def register(function: Callable[..., Any]) -> Callable[..., Any]:
            self.add_command(name or function.__name__, function, requires=requires,
                             deferred=deferred, on_executor=on_executor)
            return function

        return register

    def add_command(self, name: str, handler: Callable[..., Any], *,
                    requires: Union[str, Iterable[str]] = (), deferred: bool = False,
                    on_executor: bool = False) -> "AppBuilder":
        """Registers ``handler`` as command ``name`` (see :meth:`command`); with
        ``on_executor=True`` it runs on ward's executor (see :meth:`async_command`)."""
        if not callable(handler):
            raise TypeError(f"the handler of command {name!r} is not callable")
        is_async_def = inspect.iscoroutinefunction(handler) or \
            inspect.iscoroutinefunction(getattr(handler, "__call__", None))
        if deferred and is_async_def:
            raise TypeError(f"command {name!r}: an async def handler returns its answer; it "
                            "cannot be deferred")
        encoded_name = name.encode("utf-8")
        required = [requires] if isinstance(requires, str) else list(requires)
        required_names = [state.encode("utf-8") for state in required]
        count = len(required_names)
        options = WardCommandOptions(
            struct_size=sizeof(WardCommandOptions),
            required_state=(c_char_p * count)(*required_names) if count else None,
            required_state_lens=(c_size_t * count)(*map(len, required_names)) if count else None,
            required_state_count=count,
        )
        register = _native.lib().ward_builder_async_command if on_executor \
            else _native.lib().ward_builder_command
        key = handles.add(_Command(name, handler, deferred, required, self._runtime))
        with self._live() as builder:
            status = register(builder, encoded_name, len(encoded_name), byref(options),
                              _COMMAND_TRAMPOLINE, key, _FREE_HANDLE)
            if status != Status.OK:
                error = last_error(status)
                handles.pop(key)  # on failure the library does not call free_user_data
                raise error
        if is_async_def:
            self._async_def_commands.append(name)
        return self

    def add_async_command(self, name: str, handler: Callable[..., Any], *,
                          requires: Union[str, Iterable[str]] = (),
                          deferred: bool = False) -> "AppBuilder":
        """Registers ``handler`` as command ``name`` run on ward's executor (see
        :meth:`async_command`)."""
        return self.add_command(name, handler, requires=requires, deferred=deferred,
                                on_executor=True)

    # -- the live half -----------------------------------------------------------------------

    def executor(self, *, workers: int = 0, queue_capacity: int = 0) -> "AppBuilder":
        """The executor of async commands: ``workers`` threads [2] and ``queue_capacity`` invokes
        waiting for one [1024], beyond which an invoke is answered BUSY at once (0: default)."""
        options = ExecutorOptions(workers, queue_capacity)._to_native()
        with self._live() as builder:
            check(_native.lib().ward_builder_set_executor(builder, byref(options)))
        return self

    def delivery(self, sink: DeliverySink) -> DeliverySink:
        """Sets the delivery callback (replacing an earlier one); usable as a decorator.

        ``sink(webview_label, delivery)`` receives everything ward sends to pages (replies to
        :meth:`App.post`, events, channel messages) as a :class:`ward.Delivery`, on ward's
        delivery thread, one call at a time, so deliveries to a webview keep their order. A Tauri
        host evaluates ``delivery.script()`` in that webview. It may call the app (emit, send)
        but should return promptly: while it runs, deliveries queue up and channel senders feel
        the backpressure. It must not shut the app down. An exception it raises is logged.
        """
        if not callable(sink):
            raise TypeError("the delivery callback is not callable")
        key = handles.add(sink)
        with self._live() as builder:
            status = _native.lib().ward_builder_set_delivery(builder, _DELIVERY_TRAMPOLINE, key,
                                                             _FREE_HANDLE)
            if status != Status.OK:
                error = last_error(status)
                handles.pop(key)
                raise error
        return sink

    def delivery_options(self, *, channel_capacity: int = 0,
                         queue_capacity: int = 0) -> "AppBuilder":
        """Bounds on queued deliveries: ``channel_capacity`` messages one channel may have
        queued [1024], ``queue_capacity`` deliveries queued in all [65536], beyond which emit and
        send wait (0: default)."""
        options = DeliveryOptions(channel_capacity, queue_capacity)._to_native()
        with self._live() as builder:
            check(_native.lib().ward_builder_set_delivery_options(builder, byref(options)))
        return self

    def event_loop(self, loop: asyncio.AbstractEventLoop) -> "AppBuilder":
        """The asyncio event loop ``async def`` handlers run on (through
        ``asyncio.run_coroutine_threadsafe``). It must be running, usually in another thread,
        while such commands are invoked; never block it on a synchronous ``App.invoke`` of one
        (use ``asyncio.wrap_future(app.invoke_async(...))``)."""
        if not isinstance(loop, asyncio.AbstractEventLoop):
            raise TypeError(f"event_loop takes an asyncio event loop, not {type(loop).__name__}")
        with self._live():
            self._runtime.loop = loop
        return self

    def manage(self, name: str, state: Any, *,
               on_free: Optional[Callable[[Any], None]] = None) -> "AppBuilder":
        """Manages ``state`` (any Python object) under ``name``; handlers read it with ctx.state(name).

        The binding keeps it alive until the app (or this builder) is freed, then calls
        ``on_free(state)`` if given. Guarding mutation (e.g. with a lock) is up to you.
        """
        encoded_name = name.encode("utf-8")
        key = handles.add(_ManagedState(state, on_free))
        with self._live() as builder:
            status = _native.lib().ward_builder_manage(builder, encoded_name, len(encoded_name), key,
                                                       _FREE_STATE)
            if status != Status.OK:
                error = last_error(status)
                handles.pop(key)  # on failure the library does not call free_state
                raise error
        return self

    # -- access control --------------------------------------------------------------------

    def capability(self, document: AclDocument, *, name: Optional[str] = None,
                   format: Optional[str] = None) -> "AppBuilder":
        """Adds a capability (Tauri v2 capability file format), which grants permissions to
        windows, webviews and origins::

            builder.capability({"identifier": "main", "windows": ["main"],
                                "permissions": ["allow-greet"]})

        ``document`` is the file's text, a dict (written as JSON), or the path of a file
        (``pathlib.Path``; its suffix gives the format). ``format`` is ``"json"`` (the default for
        text) or ``"toml"``. ``name`` is what error messages call the file. The capability is
        parsed and resolved by :meth:`build`, which raises naming the file if it is wrong.
        """
        encoded_name, text, native_format = _acl_source(document, name, format, "capability")
        with self._live() as builder:
            check(_native.lib().ward_builder_add_capability(builder, encoded_name,
                                                            len(encoded_name), text, len(text),
                                                            native_format))
        return self

    def permissions(self, plugin: Optional[str], document: AclDocument, *,
                    name: Optional[str] = None, format: Optional[str] = None) -> "AppBuilder":
        """Adds a permission manifest (Tauri v2 permission file format) of ``plugin``, or of the
        app itself for ``plugin=None`` or ``""``. ``document``, ``name`` and ``format`` as for
        :meth:`capability`.

        Every registered command already has the permissions ``allow-<cmd>`` and ``deny-<cmd>``
        (``plugin:<p>|<cmd>`` commands: ``<p>:allow-<cmd>``); manifests add named permissions,
        sets and scopes on top.
        """
        encoded_plugin = (plugin or "").encode("utf-8")
        encoded_name, text, native_format = _acl_source(document, name, format, "permissions")
        with self._live() as builder:
            check(_native.lib().ward_builder_add_permissions(
                builder, encoded_plugin, len(encoded_plugin), encoded_name, len(encoded_name),
                text, len(text), native_format))
        return self

    def load_acl_directory(self, path: Union[str, "os.PathLike[str]"]) -> "AppBuilder":
        """Loads the ACL files of a Tauri app directory (``src-tauri``): ``path/capabilities/``
        and ``path/permissions/<plugin>/`` (the app's own under ``permissions/app/``), ``.json``
        and ``.toml`` files. Raises at once if the directory or a file cannot be read."""
        encoded = os.fsencode(path)
        with self._live() as builder:
            check(_native.lib().ward_builder_load_acl_directory(builder, encoded, len(encoded)))
        return self

    def app_origins(self, origins: Iterable[str]) -> "AppBuilder":
        """The origins (``scheme://host[:port]``) of the app's own pages, which capabilities with
        ``"local": true`` match. Default: :data:`DEFAULT_APP_ORIGINS`."""
        if isinstance(origins, (str, bytes)):
            raise TypeError("app_origins takes a list of origins, not one string")
        encoded = [_encode_text(origin) for origin in origins]
        count = len(encoded)
        with self._live() as builder:
            check(_native.lib().ward_builder_set_app_origins(
                builder, (c_char_p * count)(*encoded) if count else None,
                (c_size_t * count)(*map(len, encoded)) if count else None, count))
        return self

    def acl_platform(self, platform: str) -> "AppBuilder":
        """The platform capability files are resolved for (their ``platforms`` field):
        ``"linux"``, ``"macos"``, ``"windows"``, ``"android"`` or ``"ios"``. Default: the
        platform libward was built for."""
        encoded = platform.encode("utf-8")
        with self._live() as builder:
            check(_native.lib().ward_builder_set_acl_platform(builder, encoded, len(encoded)))
        return self

    def acl_strict(self, strict: bool = True) -> "AppBuilder":
        """True (the default): an unknown field in a capability or permission file fails
        :meth:`build`. False: it is ignored, as Tauri does, and logged as a warning."""
        with self._live() as builder:
            check(_native.lib().ward_builder_set_acl_strict(builder, 1 if strict else 0))
        return self

    def audit(self, sink: AuditSink) -> "AppBuilder":
        """Sets the audit sink (replacing an earlier one): ``sink(command, window, webview,
        origin, invoke_id)`` is called for every denied request, on the invoking thread, before
        the denial is answered. An exception it raises is logged; the page is denied anyway."""
        if not callable(sink):
            raise TypeError("the audit sink is not callable")
        key = handles.add(sink)
        with self._live() as builder:
            status = _native.lib().ward_builder_set_audit(builder, _AUDIT_TRAMPOLINE, key,
                                                          _FREE_HANDLE)
            if status != Status.OK:
                error = last_error(status)
                handles.pop(key)  # on failure the library does not call free_user_data
                raise error
        return self

    def build(self) -> "App":
        """Builds the app. This consumes the builder, whether building succeeds or not.

        Capability and permission files are parsed and resolved here: an error names the file
        (and the place in it). ``async def`` commands need an event loop (:meth:`event_loop`)."""
        with self._lock:
            if self._pointer is None:
                raise ValueError("this AppBuilder was already built or closed")
            builder, self._pointer = self._pointer, None
        if self._async_def_commands and self._runtime.loop is None:
            _native.lib().ward_builder_free(builder)
            raise ValueError(f"commands {self._async_def_commands} are async def: give the builder "
                             "the asyncio event loop they run on (AppBuilder(event_loop=loop) or "
                             "builder.event_loop(loop))")
        out = c_void_p()
        status = _native.lib().ward_builder_build(builder, byref(out))
        if status != Status.OK:
            raise last_error(status)
        return App(_returned(out))

    def close(self) -> None:
        """Frees the builder and everything registered on it, unless it was built."""
        with self._lock:
            builder, self._pointer = self._pointer, None
        if builder is not None:
            _native.lib().ward_builder_free(builder)

    def __enter__(self) -> "AppBuilder":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if not sys.is_finalizing():
                self.close()
        except Exception:  # a finalizer must not raise
            pass


# ---------------------------------------------------------------------------
# App

def _header_pairs(headers: Optional[Headers]) -> List[Tuple[bytes, bytes]]:
    if headers is None:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(_encode_text(str(name)), _encode_text(value if isinstance(value, (str, bytes))
                                                   else str(value)))
            for name, value in items]


def _body_bytes(body: Union[BytesLike, str, None]) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body)


def _free_app(pointer: int) -> None:
    if in_callback():
        # ward_app_free waits for running handlers and callbacks, the current one included:
        # freeing here would wait for itself, so another thread frees the app once it returns.
        threading.Thread(target=_native.lib().ward_app_free, args=(pointer,),
                         name="ward-app-free").start()
    else:
        _native.lib().ward_app_free(pointer)


class App:
    """A built, immutable, thread-safe ward app. Close it (or use ``with``) to free it."""

    def __init__(self, pointer: int) -> None:
        # ward_app_free must not race with calls on the app: the handle counts the calls in flight
        # and the last one frees the app if close() came meanwhile.
        self._handle = NativeHandle(pointer, _free_app,
                                    lambda: ValueError("this ward App is closed"))
        self._invoke_key = _read_string(_native.lib().ward_app_invoke_key, pointer)

    @property
    def invoke_key(self) -> str:
        """The per-app secret a host injects into its pages (header Tauri-Invoke-Key)."""
        return self._invoke_key

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def _live(self) -> "contextlib.AbstractContextManager[int]":
        return self._handle.use()

    def shutdown(self) -> None:
        """Shuts the app down: new requests are answered CLOSED, in-flight invokes are cancelled
        and answered CANCELLED, running handlers are waited for, queued deliveries reach the
        delivery callback, and channels and resources are closed. Idempotent; the app still needs
        :meth:`close`. Raises RuntimeError from inside a handler or callback of this binding,
        where it would wait for itself."""
        if in_callback():
            raise RuntimeError("App.shutdown() waits for running handlers and callbacks: call it "
                               "from outside them")
        try:
            with self._live() as app:
                _native.lib().ward_app_shutdown(app)
        except ValueError:  # closed: freeing it shut it down
            pass

    def close(self) -> None:
        """Frees the app (shutting it down, then releasing its state). Calls in flight finish
        first: the last one frees it (call :meth:`shutdown` first to cancel them)."""
        self._handle.close()

    def __enter__(self) -> "App":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if not sys.is_finalizing():
                self.close()
        except Exception:  # a finalizer must not raise
            pass

    # -- access control --------------------------------------------------------------------

    def add_capability(self, document: AclDocument, *, name: Optional[str] = None,
                       format: Optional[str] = None) -> None:
        """Adds a capability to the running app (arguments as for
        :meth:`AppBuilder.capability`). The new policy takes effect at once and as a whole; if the
        capability is wrong this raises, naming the file, and the policy in force is unchanged."""
        encoded_name, text, native_format = _acl_source(document, name, format, "capability")
        with self._live() as app:
            check(_native.lib().ward_app_add_capability(app, encoded_name, len(encoded_name), text,
                                                        len(text), native_format))

    def explain(self, command: str, window: str = "main", webview: str = "main",
                origin: str = DEFAULT_APP_ORIGINS[0]) -> Dict[str, Any]:
        """Why a request for ``command`` from this window, webview and page origin would be
        allowed or denied, without running anything.

        The dict holds ``decision`` (``"allowed"`` or ``"denied"``), ``reason``, ``origin_kind``
        (``"local"``, ``"remote"`` or ``"invalid"``), the grants that decided it (``allowed_by``,
        ``denied_by``; each with ``capability``, ``permission``, ``file``, ...), the allow grants
        that did not apply here (``near_misses``, with their ``mismatch``), the resolved ``scope``
        and ``global_scope``, and suggestions in ``to_allow``.
        """
        fields = [_encode_text(text) for text in (command, window, webview, origin)]
        arguments: List[Any] = []
        for field in fields:
            arguments += [field, len(field)]
        out, length = c_void_p(), c_size_t(0)
        with self._live() as app:
            check(_native.lib().ward_app_explain(app, *arguments, byref(out), byref(length)))
        return json.loads(take_library_string(out.value, length.value))

    def resolved_acl(self) -> Dict[str, Any]:
        """The resolved policy in force, in the neutral JSON of Tauri's ACL conformance suite."""
        out, length = c_void_p(), c_size_t(0)
        with self._live() as app:
            check(_native.lib().ward_app_resolved_acl(app, byref(out), byref(length)))
        return json.loads(take_library_string(out.value, length.value))

    # -- requests ---------------------------------------------------------------------------

    @staticmethod
    def _request(url: str, origin: str, window: str, webview: str, headers: Optional[Headers],
                 body: Union[BytesLike, str, None]) -> Tuple[WardRequest, List[Any]]:
        url_b, origin_b = _encode_text(url), _encode_text(origin)
        window_b, webview_b = _encode_text(window), _encode_text(webview)
        body_b = _body_bytes(body)
        pairs = _header_pairs(headers)
        native_headers = (WardHeader * len(pairs))(
            *[WardHeader(name, len(name), value, len(value)) for name, value in pairs])
        request = WardRequest(
            struct_size=sizeof(WardRequest),
            url=url_b, url_len=len(url_b),
            origin=origin_b, origin_len=len(origin_b),
            window=window_b, window_len=len(window_b),
            webview=webview_b, webview_len=len(webview_b),
            headers=native_headers if pairs else None, header_count=len(pairs),
            body=body_b, body_len=len(body_b),
        )
        # Everything the request points into must outlive the C call.
        return request, [url_b, origin_b, window_b, webview_b, body_b, pairs, native_headers]

    @staticmethod
    def _message_request(message: Union[str, bytes], origin: str, window: str,
                         webview: str) -> Tuple[WardMessageRequest, List[Any]]:
        message_b, origin_b = _encode_text(message), _encode_text(origin)
        window_b, webview_b = _encode_text(window), _encode_text(webview)
        request = WardMessageRequest(
            struct_size=sizeof(WardMessageRequest),
            origin=origin_b, origin_len=len(origin_b),
            window=window_b, window_len=len(window_b),
            webview=webview_b, webview_len=len(webview_b),
            message=message_b, message_len=len(message_b),
        )
        return request, [message_b, origin_b, window_b, webview_b]

    def invoke(self, url: str, *, origin: str, window: str = "main", webview: str = "main",
               headers: Optional[Headers] = None,
               body: Union[BytesLike, str, None] = None) -> Response:
        """Handles one custom-protocol request (``url`` like "ipc://localhost/greet") and waits
        for its response, even if the handler answers later from another thread.

        Failures of the request itself (unknown command, wrong invoke key, ...) are error
        responses; only bad arguments raise.
        """
        request, keep_alive = self._request(url, origin, window, webview, headers, body)
        out = c_void_p()
        with self._live() as app:
            status = _native.lib().ward_app_invoke(app, byref(request), byref(out))
            if status != Status.OK:
                raise last_error(status)
        del keep_alive
        return _take_response(_returned(out))

    def invoke_message(self, message: Union[str, bytes], *, origin: str, window: str = "main",
                       webview: str = "main") -> Response:
        """Handles one postMessage request (one JSON string {"cmd", "callback", "error",
        "payload", "options", "__TAURI_INVOKE_KEY__"}) and waits for its response."""
        request, keep_alive = self._message_request(message, origin, window, webview)
        out = c_void_p()
        with self._live() as app:
            status = _native.lib().ward_app_invoke_message(app, byref(request), byref(out))
            if status != Status.OK:
                raise last_error(status)
        del keep_alive
        return _take_response(_returned(out))

    def invoke_async(self, url: str, *, origin: str, window: str = "main", webview: str = "main",
                     headers: Optional[Headers] = None, body: Union[BytesLike, str, None] = None
                     ) -> "concurrent.futures.Future[Response]":
        """Like :meth:`invoke`, but returns at once with a Future of the Response
        (``asyncio.wrap_future`` adapts it to asyncio)."""
        request, keep_alive = self._request(url, origin, window, webview, headers, body)
        return self._start_async(lambda app, key: _native.lib().ward_app_invoke_async(
            app, byref(request), _RESPONSE_TRAMPOLINE, key, _FREE_PENDING), keep_alive)

    def invoke_message_async(self, message: Union[str, bytes], *, origin: str,
                             window: str = "main", webview: str = "main"
                             ) -> "concurrent.futures.Future[Response]":
        """Like :meth:`invoke_message`, but returns at once with a Future of the Response."""
        request, keep_alive = self._message_request(message, origin, window, webview)
        return self._start_async(lambda app, key: _native.lib().ward_app_invoke_message_async(
            app, byref(request), _RESPONSE_TRAMPOLINE, key, _FREE_PENDING), keep_alive)

    def _start_async(self, start: Callable[[int, int], int],
                     keep_alive: List[Any]) -> "concurrent.futures.Future[Response]":
        future: "concurrent.futures.Future[Response]" = concurrent.futures.Future()
        future.set_running_or_notify_cancel()
        key = handles.add(future)
        with self._live() as app:
            status = start(app, key)
            if status != Status.OK:
                error = last_error(status)
                handles.pop(key)  # on a failed call neither callback runs
                raise error
        del keep_alive  # the request is borrowed for the call only
        return future

    # -- posting (replies through the delivery callback) -------------------------------------

    def post(self, url: str, *, origin: str, window: str = "main", webview: str = "main",
             headers: Optional[Headers] = None, body: Union[BytesLike, str, None] = None) -> None:
        """Handles a request as :meth:`invoke` does, but returns at once: its reply is a REPLY
        delivery to ``webview``, ordered with that webview's events and channel messages (its
        callback is the request's Tauri-Callback id if ok, else its Tauri-Error id). Raises
        InvalidArgumentError if the app has no delivery callback."""
        request, keep_alive = self._request(url, origin, window, webview, headers, body)
        with self._live() as app:
            check(_native.lib().ward_app_post(app, byref(request)))
        del keep_alive

    def post_message(self, message: Union[str, bytes], *, origin: str, window: str = "main",
                     webview: str = "main") -> None:
        """The postMessage form of :meth:`post`."""
        request, keep_alive = self._message_request(message, origin, window, webview)
        with self._live() as app:
            check(_native.lib().ward_app_post_message(app, byref(request)))
        del keep_alive

    # -- webview lifecycle -------------------------------------------------------------------

    def webview_created(self, webview: str, window: Optional[str] = None) -> None:
        """Reports a new webview (``window`` defaults to the webview's label, as in a Tauri
        WebviewWindow)."""
        webview_b = _encode_text(webview)
        window_b = _encode_text(webview if window is None else window)
        with self._live() as app:
            check(_native.lib().ward_app_webview_created(app, webview_b, len(webview_b), window_b,
                                                         len(window_b)))

    def webview_navigated(self, webview: str) -> None:
        """Reports a navigation: the webview's in-flight invokes are cancelled, its page
        listeners removed and its channels closed; what the old page's work queued for delivery
        is dropped rather than delivered to the new page."""
        webview_b = _encode_text(webview)
        with self._live() as app:
            check(_native.lib().ward_app_webview_navigated(app, webview_b, len(webview_b)))

    def webview_destroyed(self, webview: str) -> None:
        """Reports a destroyed webview: as a navigation, and its resources are closed too; a
        handler still running for it can add none (ClosedError) nor reach a new webview's."""
        webview_b = _encode_text(webview)
        with self._live() as app:
            check(_native.lib().ward_app_webview_destroyed(app, webview_b, len(webview_b)))

    # -- events ------------------------------------------------------------------------------
    # Event names are 1..256 letters, digits and - / : _ (else InvalidNameError); payloads are
    # any JSON-encodable value.

    def emit(self, event: str, payload: Any = None) -> None:
        """Emits ``event`` to every listener, backend and pages."""
        name, data = _encode_text(event), _encode_json(payload)
        with self._live() as app:
            check(_native.lib().ward_app_emit(app, name, len(name), data, len(data)))

    def emit_to(self, target: Union[EventTarget, str], event: str, payload: Any = None) -> None:
        """Emits ``event`` to the listeners whose target matches ``target`` (Tauri's rules; a str
        is ``EventTarget.any_label(str)``)."""
        native_target, keep_alive = EventTarget.of(target)._to_native()
        name, data = _encode_text(event), _encode_json(payload)
        with self._live() as app:
            check(_native.lib().ward_app_emit_to(app, byref(native_target), name, len(name), data,
                                                 len(data)))
        del keep_alive

    def emit_filter(self, event: str, payload: Any,
                    predicate: Callable[[EventTarget], bool]) -> None:
        """Emits ``event`` to the listeners whose target ``predicate(target)`` accepts; it is
        called during this call only, once per listener target. An exception it raises is
        logged and counts as False."""
        if not callable(predicate):
            raise TypeError("the emit_filter predicate is not callable")
        name, data = _encode_text(event), _encode_json(payload)
        key = handles.add(predicate)
        try:
            with self._live() as app:
                check(_native.lib().ward_app_emit_filter(app, name, len(name), data, len(data),
                                                         _EVENT_FILTER_TRAMPOLINE, key))
        finally:
            handles.pop(key)

    def listen(self, event: str, listener: EventListener,
               target: Union[EventTarget, str, None] = None, once: bool = False) -> int:
        """Adds a backend listener: ``listener(ward.Event)`` runs on the emitting thread for each
        ``event`` emitted to a target matching ``target`` (None: any). With ``once`` it is removed
        after the first. Returns its id, for :meth:`unlisten`. An exception it raises is logged."""
        if not callable(listener):
            raise TypeError("the event listener is not callable")
        name = _encode_text(event)
        native_target, keep_alive = (EventTarget.of(target)._to_native() if target is not None
                                     else (None, []))
        key = handles.add(listener)
        out = c_uint64(0)
        with self._live() as app:
            status = _native.lib().ward_app_listen(
                app, name, len(name), byref(native_target) if native_target is not None else None,
                1 if once else 0, _EVENT_TRAMPOLINE, key, _FREE_HANDLE, byref(out))
            if status != Status.OK:
                error = last_error(status)
                handles.pop(key)  # on failure the library does not call free_user_data
                raise error
        del keep_alive
        return int(out.value)

    def once(self, event: str, listener: EventListener,
             target: Union[EventTarget, str, None] = None) -> int:
        """:meth:`listen` for the first matching event only."""
        return self.listen(event, listener, target, once=True)

    def unlisten(self, listener_id: int) -> None:
        """Removes a backend or page listener; InvalidArgumentError if there is none."""
        with self._live() as app:
            check(_native.lib().ward_app_unlisten(app, uint(listener_id, 64, "listener id")))

    def __repr__(self) -> str:
        return f"<ward.App {'closed' if self.closed else 'open'}>"
