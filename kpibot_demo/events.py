"""Live updates for the page: emulator state changes and demo events fanned out to each browser's queue.

    hub = EventHub()
    unsubscribe = emulator.subscribe(hub.on_state_event)   # runs under the emulator's lock: only enqueue
    with hub.connect() as client:                           # one per Server-Sent Events connection
        event = client.next(timeout=15)                     # None on timeout: send a keep-alive comment

Events are small ({"kind", "channel", "ts", "user", ...}); the page fetches what changed from the JSON API.
A client that falls too far behind gets one {"kind": "resync"} and reloads its view.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_sandbox import StateEvent

# What the page shows; api_call and delivery events only matter to tests.
PAGE_KINDS = frozenset(
    {
        "message",
        "message_changed",
        "message_deleted",
        "ephemeral",
        "ephemeral_changed",
        "ephemeral_deleted",
        "file_shared",
        "channel_created",
        "channel_changed",
        "user_added",
        "home_published",
    }
)
QUEUE_SIZE = 500


class EventClient:
    """One browser's queue of pending events."""

    def __init__(self, ident: int) -> None:
        self.ident = ident
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=QUEUE_SIZE)
        self._overflowed = False

    def put(self, event: dict[str, Any]) -> None:
        if self._overflowed:
            return
        try:
            self._queue.put_nowait(event)
        except queue.Full:  # too slow a reader: drop the backlog and ask it to reload its view
            self._overflowed = True

    def next(self, *, timeout: float) -> dict[str, Any] | None:
        """The next event, or None when nothing arrived within `timeout` seconds."""
        if self._overflowed:
            self._overflowed = False
            with self._queue.mutex:
                self._queue.queue.clear()
            return {"kind": "resync"}
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None


class EventHub:
    """Fans events out to every connected page. Thread-safe; `publish` never blocks."""

    def __init__(self) -> None:
        self._clients: dict[int, EventClient] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)

    @contextmanager
    def connect(self) -> Iterator[EventClient]:
        client = EventClient(next(self._ids))
        with self._lock:
            self._clients[client.ident] = client
        try:
            yield client
        finally:
            with self._lock:
                self._clients.pop(client.ident, None)

    @property
    def client_count(self) -> int:
        with self._lock:
            return len(self._clients)

    def publish(self, kind: str, **data: Any) -> None:
        """Send {"kind": kind, "id": n, **data} to every connected page."""
        event = {"kind": kind, "id": next(self._seq), **data}
        with self._lock:
            clients = list(self._clients.values())
        for client in clients:
            client.put(event)

    def on_state_event(self, event: StateEvent) -> None:
        """The emulator's subscriber: runs under its lock, so it only enqueues."""
        if event.kind not in PAGE_KINDS:
            return
        self.publish(event.kind, channel=event.channel, ts=event.ts, user=event.user)
