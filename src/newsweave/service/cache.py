"""Built answers kept by ETag, and large records kept parsed, so that what was made for one store state is
not made again while the store stays in that state.

An answer's ETag names the store's state, the path and the query (:func:`newsweave.service.deps.etag_for`),
so a kept answer is the one that would be built now for as long as its ETag is current; once articles
or any stage's records change, every ETag changes and the old answers are never asked for again
(they age out). Only answers whose store state did not change while they were built are kept. The
least recently used answers are dropped past ``Settings.api_cache_mb`` megabytes (0: nothing kept).

The read model keeps large records (an entity named in a thousand articles, a claim with thousands of
cited spans: hundreds of KB of JSON each, and many story pages cite the same ones) parsed for the
store state it read them in (:data:`newsweave.service.read.STATE`), in a :class:`SizedCache` of its own.
Plain objects in this process: each worker process of a server keeps its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


class SizedCache(Generic[V]):
    """Values by key, at most ``max_bytes`` of them by their given sizes, the least recently used dropped first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, int(max_bytes))
        self._items: OrderedDict[str, tuple[V, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str) -> V | None:
        """The kept value for ``key``, or None."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[0]

    def put_sized(self, key: str, value: V, size: int) -> None:
        """Keep ``value`` (counted as ``size`` bytes) under ``key``; not when it alone is larger than the cache."""
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._size -= old[1] if old is not None else 0
            self._items[key] = (value, size)
            self._size += size
            while self._size > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._size -= dropped

    @property
    def size(self) -> int:
        """Bytes kept."""
        return self._size

    def __len__(self) -> int:
        return len(self._items)


class AnswerCache(SizedCache[bytes]):
    """Answer bodies by ETag (see the module's docstring)."""

    def put(self, etag: str, body: bytes) -> None:
        """Keep ``body`` under ``etag``."""
        self.put_sized(etag, body, len(body))
