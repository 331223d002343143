"""Helpers shared by the binding's modules: JSON and text encoding, timeouts, knowing whether this
thread is inside a callback from ward, and a native handle several threads may use and one closes."""

from __future__ import annotations

import json
import logging
import math
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional, Union

from ._native import WAIT_FOREVER

logger = logging.getLogger("ward")


def encode_json(value: Any) -> bytes:
    # Compact, like the serde_json output a Tauri page gets; ward escapes U+2028/U+2029 itself.
    # allow_nan=False: NaN and Infinity are not JSON, so fail here rather than in libward.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def encode_text(text: Union[str, bytes]) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8")


def timeout_ms(timeout: Optional[float]) -> int:
    """A timeout in seconds (None: wait as long as needed) as ward's milliseconds."""
    if timeout is None:
        return WAIT_FOREVER
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or math.isnan(timeout) \
            or timeout < 0:
        raise ValueError(f"a timeout is a number of seconds >= 0 or None, not {timeout!r}")
    if math.isinf(timeout):
        return WAIT_FOREVER
    # Round up: a positive timeout must not become "never wait".
    return min(math.ceil(timeout * 1000), WAIT_FOREVER - 1)


def uint(value: int, bits: int, what: str) -> int:
    """``value`` checked to fit a C unsigned integer (ctypes would silently wrap it)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2 ** bits:
        raise ValueError(f"{what} must be an int in [0, 2**{bits}), got {value!r}")
    return value


# ---------------------------------------------------------------------------
# Callbacks from ward. Some calls (shutting the app down) wait for ward's callbacks to return, so
# making them from inside one deadlocks; the trampolines mark the thread to refuse that early.

_callback_state = threading.local()


@contextmanager
def running_callback() -> Iterator[None]:
    depth = getattr(_callback_state, "depth", 0)
    _callback_state.depth = depth + 1
    try:
        yield
    finally:
        _callback_state.depth = depth


def in_callback() -> bool:
    """True on a thread that is running a command handler, delivery, listener or cancel callback."""
    return getattr(_callback_state, "depth", 0) > 0


# ---------------------------------------------------------------------------

class NativeHandle:
    """A library handle that several threads may use at once and that one of them closes.

    The library's free function must not race with calls on the handle, so calls in flight are
    counted: close() frees the handle at once if none is in flight, else the last one to end
    frees it. ``closed_error`` makes the exception for a call after close().
    """

    def __init__(self, pointer: int, free: Callable[[int], None],
                 closed_error: Callable[[], Exception]) -> None:
        self._lock = threading.Lock()
        self._pointer: Optional[int] = pointer
        self._calls = 0
        self._closing = False
        self._free = free
        self._closed_error = closed_error

    @property
    def closed(self) -> bool:
        return self._closing

    @contextmanager
    def use(self) -> Iterator[int]:
        with self._lock:
            if self._closing or self._pointer is None:
                raise self._closed_error()
            self._calls += 1
            pointer = self._pointer
        try:
            yield pointer
        finally:
            self._leave()

    def close(self, last_call: Optional[Callable[[int], None]] = None) -> bool:
        """Refuses later calls and frees the handle once no call is in flight. ``last_call`` runs on
        the handle first (concurrently with the calls in flight). False if already closed."""
        with self._lock:
            if self._closing:
                return False
            self._closing = True
            if self._pointer is None:
                return True
            self._calls += 1
            pointer = self._pointer
        try:
            if last_call is not None:
                last_call(pointer)
        finally:
            self._leave()
        return True

    def _leave(self) -> None:
        with self._lock:
            self._calls -= 1
            to_free = None
            if self._closing and self._calls == 0:
                to_free, self._pointer = self._pointer, None
        if to_free is not None:
            self._free(to_free)
