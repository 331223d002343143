"""Channels: a stream of messages from a handler to its page, as Tauri's ``Channel<T>``."""

from __future__ import annotations

import sys
from typing import Any, Optional, Union

from . import _native
from ._common import NativeHandle, encode_json, encode_text, timeout_ms
from .errors import ClosedError, Status
from ._native import check

BytesLike = Union[bytes, bytearray, memoryview]


class Channel:
    """A channel the page passed as an argument (``new Channel()`` of ``@tauri-apps/api``), got
    in a handler with ``ctx.channel("onEvent")``.

    Messages reach the page in order through the app's delivery callback. Memory is bounded: a
    channel holds at most ``DeliveryOptions.channel_capacity`` messages the delivery callback has
    not taken yet, so a slow page slows its sender down (``send`` waits for room, ``try_send``
    reports a full channel at once).

    The page gets the end message when the channel is closed: by :meth:`close` (or leaving a
    ``with`` block), or when the last reference to it is dropped, as Tauri does when the last clone
    of a Rust ``Channel`` is dropped. It may outlive the handler call and be used from any thread.
    """

    #: Seconds :meth:`send` waits for room by default.
    DEFAULT_TIMEOUT = 5.0

    def __init__(self, pointer: int) -> None:
        native = _native.lib()
        #: The page's id of the channel (the ``callback`` of its deliveries).
        self.id = channel_id = int(native.ward_channel_id(pointer))
        # The error factory must not hold `self`: a cycle would delay the end message until the
        # garbage collector runs, where Tauri sends it when the last reference goes.
        self._handle = NativeHandle(
            pointer, native.ward_channel_free,
            lambda: ClosedError(Status.CLOSED, f"channel {channel_id} is closed"))

    def send(self, message: Any, timeout: Optional[float] = DEFAULT_TIMEOUT) -> None:
        """Sends ``message``: bytes-like values as raw bytes (an ArrayBuffer in the page), anything
        else as JSON. Waits up to ``timeout`` seconds for room (None: as long as needed, 0: not at
        all). Raises BusyError if the channel stays full, ClosedError once it or its webview is
        closed."""
        if isinstance(message, (bytes, bytearray, memoryview)):
            self.send_bytes(message, timeout)
        else:
            self._send_json(encode_json(message), timeout)

    def send_json(self, json_text: Union[str, bytes],
                  timeout: Optional[float] = DEFAULT_TIMEOUT) -> None:
        """Sends JSON text as it is (ward validates it), with :meth:`send`'s timeout."""
        self._send_json(encode_text(json_text), timeout)

    def send_bytes(self, data: BytesLike, timeout: Optional[float] = DEFAULT_TIMEOUT) -> None:
        """Sends raw bytes (an ArrayBuffer in the page), with :meth:`send`'s timeout."""
        payload = bytes(data)
        milliseconds = timeout_ms(timeout)
        with self._handle.use() as channel:
            check(_native.lib().ward_channel_send_bytes(channel, payload, len(payload),
                                                        milliseconds))

    def try_send(self, message: Any) -> bool:
        """Sends ``message`` (as :meth:`send`) only if there is room now: False if the channel is
        full (the page is slower than the sender). Raises ClosedError once it is closed."""
        try:
            self.send(message, timeout=0)
        except ClosedError:
            raise
        except Exception as error:
            if getattr(error, "code", None) == Status.BUSY:
                return False
            raise
        return True

    def _send_json(self, payload: bytes, timeout: Optional[float]) -> None:
        milliseconds = timeout_ms(timeout)
        with self._handle.use() as channel:
            check(_native.lib().ward_channel_send_json(channel, payload, len(payload),
                                                       milliseconds))

    @property
    def queued(self) -> int:
        """Messages sent and not yet taken by the delivery callback (0 once closed)."""
        try:
            with self._handle.use() as channel:
                return int(_native.lib().ward_channel_queued(channel))
        except ClosedError:
            return 0

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called. (A channel that ward closed, because its webview
        navigated or was destroyed, reports that by raising ClosedError from a send.)"""
        return self._handle.closed

    def close(self) -> None:
        """Sends the end message now; later sends raise ClosedError. Idempotent."""
        self._handle.close(_native.lib().ward_channel_close)

    def _release(self) -> None:
        """Lets go of this handle without closing (the end goes out with the last handle)."""
        self._handle.close()

    def __enter__(self) -> "Channel":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if not sys.is_finalizing():
                self._release()
        except Exception:  # a finalizer must not raise
            pass

    def __repr__(self) -> str:
        return f"<ward.Channel {self.id} {'closed' if self.closed else 'open'}>"
