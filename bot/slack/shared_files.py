"""Chart files already shared, by what they show and where: a chart is uploaded once per conversation.

Sixteen people asking `/kpi mrr` get sixteen DMs with the same picture, but one person asking five times
gets one upload: Slack shows a file shared into a conversation in any later message there, so the file id
is reused instead of uploading the same bytes again (an upload is three Slack calls and most of an answer's
wall time).

    files = SharedFiles()
    file_id = files.share(chart_key, chart, channel="D123", upload=lambda: share_chart(client, chart, ...))
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class SharedFiles:
    """A bounded LRU of file ids by (chart key, channel); thread-safe. Failed uploads are not remembered."""

    def __init__(self, max_entries: int = 4096) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries}")
        self.max_entries = max_entries
        self._ids: OrderedDict[tuple[Hashable, str], str] = OrderedDict()
        self._lock = threading.Lock()
        self.uploads = 0  # uploads started (for tests and the benchmark)

    def share(self, key: Hashable, *, channel: str, upload: Callable[[], str | None]) -> str | None:
        """The file id of the chart `key` already shared into `channel`, else `upload()`'s (remembered)."""
        entry = (key, channel)
        with self._lock:
            found = self._ids.get(entry)
            if found is not None:
                self._ids.move_to_end(entry)
                return found
            self.uploads += 1
        file_id = upload()
        if file_id is not None:
            with self._lock:
                self._ids[entry] = file_id
                while len(self._ids) > self.max_entries:
                    self._ids.popitem(last=False)
        return file_id

    def forget(self, file_id: str) -> None:
        """Drop every entry for `file_id` (the file was deleted, or Slack rejected it)."""
        with self._lock:
            for entry in [e for e, f in self._ids.items() if f == file_id]:
                del self._ids[entry]

    def clear(self) -> None:
        with self._lock:
            self._ids.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._ids)
