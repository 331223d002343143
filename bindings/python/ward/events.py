"""Events between the backend and pages: Tauri's event targets and what a listener receives."""

from __future__ import annotations

import dataclasses
import enum
import json
from ctypes import sizeof
from typing import Any, List, Optional, Tuple, Union

from ._native import WardEvent, WardEventTarget, borrowed_string, bytes_pointer


class EventTargetKind(enum.IntEnum):
    """``ward_event_target_kind``; Tauri's ``EventTarget`` variants."""

    ANY = 0
    ANY_LABEL = 1
    APP = 2
    WINDOW = 3
    WEBVIEW = 4
    WEBVIEW_WINDOW = 5


_LABELLED = frozenset({EventTargetKind.ANY_LABEL, EventTargetKind.WINDOW, EventTargetKind.WEBVIEW,
                       EventTargetKind.WEBVIEW_WINDOW})


@dataclasses.dataclass(frozen=True)
class EventTarget:
    """Where an event goes, or what a listener listens on (Tauri's ``EventTarget``).

    Build one with the constructors named after Tauri's variants: ``EventTarget.any()``,
    ``any_label(label)``, ``app()``, ``window(label)``, ``webview(label)``,
    ``webview_window(label)``. Where a target is expected a plain ``str`` means
    ``any_label(str)``, as ``&str`` does in Tauri's ``emit_to``.

    Tauri's matching rule: a listener on ``any`` hears every emit; an emit to ``any_label(l)``
    reaches listeners whose target has label ``l``; any other emit reaches listeners on an equal
    target.
    """

    kind: EventTargetKind
    label: Optional[str] = None

    def __post_init__(self) -> None:
        if not isinstance(self.kind, EventTargetKind):
            object.__setattr__(self, "kind", EventTargetKind(self.kind))
        if self.kind in _LABELLED:
            if not isinstance(self.label, str):
                raise TypeError(f"an event target of kind {self.kind.name} needs a str label")
        elif self.label is not None:
            raise ValueError(f"an event target of kind {self.kind.name} has no label")

    @classmethod
    def any(cls) -> "EventTarget":
        return cls(EventTargetKind.ANY)

    @classmethod
    def any_label(cls, label: str) -> "EventTarget":
        return cls(EventTargetKind.ANY_LABEL, label)

    @classmethod
    def app(cls) -> "EventTarget":
        return cls(EventTargetKind.APP)

    @classmethod
    def window(cls, label: str) -> "EventTarget":
        return cls(EventTargetKind.WINDOW, label)

    @classmethod
    def webview(cls, label: str) -> "EventTarget":
        return cls(EventTargetKind.WEBVIEW, label)

    @classmethod
    def webview_window(cls, label: str) -> "EventTarget":
        return cls(EventTargetKind.WEBVIEW_WINDOW, label)

    @classmethod
    def of(cls, target: Union["EventTarget", str]) -> "EventTarget":
        """``target`` itself, or ``any_label(target)`` for a str."""
        if isinstance(target, EventTarget):
            return target
        if isinstance(target, str):
            return cls.any_label(target)
        raise TypeError(f"an event target is an EventTarget or a label, not {type(target).__name__}")

    def _to_native(self) -> Tuple[WardEventTarget, List[Any]]:
        """The native target and what it points into, which must outlive the call."""
        label = (self.label or "").encode("utf-8")
        native = WardEventTarget(struct_size=sizeof(WardEventTarget), kind=int(self.kind),
                                 label=bytes_pointer(label), label_len=len(label))
        return native, [label]

    @classmethod
    def _from_native(cls, native: WardEventTarget) -> "EventTarget":
        kind = EventTargetKind(native.kind)
        label = borrowed_string(native.label, native.label_len) if kind in _LABELLED else None
        return cls(kind, label)

    def __repr__(self) -> str:
        name = self.kind.name.lower()
        return f"EventTarget.{name}({self.label!r})" if self.label is not None \
            else f"EventTarget.{name}()"


@dataclasses.dataclass(frozen=True)
class Event:
    """An event as a backend listener receives it."""

    name: str
    payload_json: str  # the payload as JSON text
    id: int            # the listener's id (what App.listen returned)

    @property
    def payload(self) -> Any:
        """The payload decoded from JSON (None for an empty payload)."""
        return json.loads(self.payload_json) if self.payload_json else None

    @classmethod
    def _from_native(cls, native: WardEvent) -> "Event":
        return cls(name=borrowed_string(native.name, native.name_len),
                   payload_json=borrowed_string(native.payload_json, native.payload_len),
                   id=int(native.listener))
