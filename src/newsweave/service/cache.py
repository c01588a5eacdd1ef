"""Built answers kept by ETag, so that a page asked for again before the store changes is not built again.

An answer's ETag names the store's state, the path and the query (:func:`newsweave.service.deps.etag_for`),
so a kept answer is the one that would be built now for as long as its ETag is current; once articles
or any stage's records change, every ETag changes and the old answers are never asked for again
(they age out). Only answers whose store state did not change while they were built are kept. The
least recently used answers are dropped past ``Settings.api_cache_mb`` megabytes (0: nothing kept).
Plain bytes in this process: each worker process of a server keeps its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class AnswerCache:
    """Answer bodies by ETag, at most ``max_bytes`` of them, the least recently used dropped first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, int(max_bytes))
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, etag: str) -> bytes | None:
        """The kept body for ``etag``, or None."""
        with self._lock:
            body = self._items.get(etag)
            if body is None:
                self.misses += 1
                return None
            self._items.move_to_end(etag)
            self.hits += 1
            return body

    def put(self, etag: str, body: bytes) -> None:
        """Keep ``body`` under ``etag`` (not when it alone is larger than the whole cache)."""
        if len(body) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(etag, None)
            self._size -= len(old) if old is not None else 0
            self._items[etag] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)

    @property
    def size(self) -> int:
        """Bytes kept."""
        return self._size

    def __len__(self) -> int:
        return len(self._items)
