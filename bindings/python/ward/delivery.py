"""Deliveries: everything ward sends to pages (replies to posted requests, events, channel
messages), handed to the host's delivery callback as data."""

from __future__ import annotations

import ctypes
import dataclasses
import enum
import json
from ctypes import byref, c_size_t, c_void_p, sizeof
from typing import Any, Union

from . import _native
from ._common import uint
from ._native import WardDelivery, WardDeliveryOptions, borrowed_bytes, check, take_library_string


class DeliveryKind(enum.IntEnum):
    """``ward_delivery_kind``."""

    REPLY = 0    # the reply to a posted request (App.post)
    EVENT = 1    # an event to a page listener
    CHANNEL = 2  # a channel message, or its end


@dataclasses.dataclass(frozen=True)
class Delivery:
    """One delivery to a page. For a Tauri page it means
    ``window.__TAURI_INTERNALS__.runCallback(callback, value)`` (:meth:`script` renders that),
    where value is:

    - ``REPLY``: the body, the JSON result if ``ok`` else the rejection value; ``callback`` is the
      request's Tauri-Callback id if ok, else its Tauri-Error id;
    - ``EVENT``: the body, ``{"event": name, "id": listener id, "payload": payload}``;
    - ``CHANNEL``: ``{"index": index, "message": body}``, or ``{"index": index, "end": true}`` when
      ``end``; ``callback`` is the channel id.

    ``body`` is JSON text (``str``) or raw bytes (``bytes``, an ArrayBuffer in the page); it is
    ``""`` for a channel's end.
    """

    kind: Union[DeliveryKind, int]
    callback: int
    ok: bool = True
    body: Union[str, bytes] = ""
    index: int = 0
    end: bool = False

    @property
    def raw(self) -> bool:
        """True if the body is raw bytes."""
        return isinstance(self.body, (bytes, bytearray))

    def json(self) -> Any:
        """The body decoded as JSON."""
        if self.raw:
            raise ValueError("the delivery's body is raw bytes, not JSON")
        if self.end:
            raise ValueError("a channel's end message has no body")
        return json.loads(self.body)

    def script(self) -> str:
        """The script a Tauri page expects for this delivery (see :func:`render_script`)."""
        return render_script(self)

    @classmethod
    def _from_native(cls, native: WardDelivery) -> "Delivery":
        raw = bool(native.raw)
        body_bytes = borrowed_bytes(native.body, native.body_len)
        try:
            kind: Union[DeliveryKind, int] = DeliveryKind(native.kind)
        except ValueError:  # a kind newer than this binding
            kind = int(native.kind)
        return cls(kind=kind, callback=int(native.callback), ok=bool(native.ok),
                   body=body_bytes if raw else body_bytes.decode("utf-8"),
                   index=int(native.index), end=bool(native.end))


def render_script(delivery: Delivery) -> str:
    """``window.__TAURI_INTERNALS__.runCallback(<callback>, <value>)`` for ``delivery``, for hosts
    that answer their pages by evaluating script (raw bytes are rebuilt as an ArrayBuffer)."""
    raw = delivery.raw
    body = bytes(delivery.body) if raw else str(delivery.body).encode("utf-8")
    # A ctypes buffer rather than the bytes object: the struct's body field is a plain address.
    buffer = ctypes.create_string_buffer(body, len(body)) if body else None
    native = WardDelivery(
        struct_size=sizeof(WardDelivery), kind=int(delivery.kind),
        callback=uint(delivery.callback, 32, "Delivery.callback"), ok=1 if delivery.ok else 0,
        raw=1 if raw else 0, body=ctypes.cast(buffer, c_void_p) if buffer is not None else None,
        body_len=len(body), index=uint(delivery.index, 64, "Delivery.index"),
        end=1 if delivery.end else 0)
    out, length = c_void_p(), c_size_t(0)
    check(_native.lib().ward_delivery_render_script(byref(native), byref(out), byref(length)))
    del buffer
    return take_library_string(out.value, length.value)


@dataclasses.dataclass(frozen=True)
class DeliveryOptions:
    """Bounds on queued deliveries; 0 means ward's default."""

    channel_capacity: int = 0  # messages one channel may have queued [1024]
    queue_capacity: int = 0    # deliveries queued in all; then emit and send wait [65536]

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            uint(getattr(self, field.name), 32, f"DeliveryOptions.{field.name}")

    def _to_native(self) -> WardDeliveryOptions:
        return WardDeliveryOptions(sizeof(WardDeliveryOptions), self.channel_capacity,
                                   self.queue_capacity)

