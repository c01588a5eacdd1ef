"""Feeds the service keeps current on a schedule: a :class:`~newsweave.ingest.watch.Watcher` in one background
thread, started and stopped with the app (``newsweave serve --watch FEEDS --every SECONDS``).

Each run is a watch run as ``newsweave watch`` does it (polite fetching, every fetch a fate, the incremental
pipeline under the store's exclusive lock, so it takes turns with ingest jobs and other writers while the API
keeps reading). The latest runs' reports are kept in memory for ``GET /api/watch``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from typing import Any

from newsweave.config import Settings
from newsweave.ingest.watch import Watcher, WatchReport

#: finished runs kept for ``GET /api/watch``
RUNS_KEPT = 20


def run_summary(report: WatchReport) -> dict[str, Any]:
    """One finished run as ``GET /api/watch`` shows it: when, counts by fate, every fetch, what each stage did."""
    return {"started": report.started, "finished": report.finished, "counts": report.counts(),
            "fates": [{"role": f.role, "url": f.url, "status": f.status, "reason": f.reason,
                       "article_id": f.article_id, "http_status": f.http_status, "feed": f.feed, "retry": f.retry}
                      for f in report.fates],
            "stages": dict(report.stages),
            "failures": {name: f"{type(exc).__name__}: {exc}" for name, exc in report.failures.items()}}


class ServiceWatch:
    """A watcher of ``feeds`` run every ``every_s`` seconds in a background thread (first run at start)."""

    def __init__(self, feeds: Sequence[str], every_s: float, settings: Settings,
                 watcher: Watcher | None = None) -> None:
        if every_s <= 0:
            raise ValueError(f"every_s={every_s!r}: a watch interval must be positive")
        self.feeds = list(feeds)
        self.every_s = every_s
        self.watcher = watcher or Watcher(self.feeds, settings)
        self.stop = threading.Event()
        self._runs: deque[dict[str, Any]] = deque(maxlen=RUNS_KEPT)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the schedule (its first run begins now)."""
        self._thread = threading.Thread(target=self.watcher.run_forever, args=(self.every_s, self.stop),
                                        kwargs={"on_report": self._record}, name="newsweave-watch", daemon=True)
        self._thread.start()

    def close(self, timeout: float | None = None) -> None:
        """Stop the schedule; a run under way finishes first (its writes are whole transactions either way)."""
        self.stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _record(self, report: WatchReport) -> None:
        with self._lock:
            self._runs.appendleft(run_summary(report))

    def status(self) -> dict[str, Any]:
        """The feeds, the interval, whether the schedule runs, and the latest runs first."""
        with self._lock:
            runs = list(self._runs)
        return {"feeds": self.feeds, "every_s": self.every_s, "running": self.running, "runs": runs}
