"""Readers and a writer on one store at once: no "database is locked", no half-written answer.

A writer thread runs ``pipeline.analyze`` over the demo corpus plus one new article — with a
store of its own, as a feed watcher or an ingest job does — on a copy of the analysed demo
store: the new article is stored, annotated, and every stage whose input changed replaces its
records in a transaction of its own. Meanwhile the API is read through the test client in a
loop. Every read must answer 200 with a whole answer (the story page's sections all present,
each page's items as many as it says), on SQLite (WAL) and PostgreSQL; the writer must finish
without error, and its article must then be found. (A thread rather than a process: the
store's locking is the same across threads and processes — SQLite file locks, PostgreSQL
advisory locks — and a thread spares the test loading the models again.)
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from newsweave import pipeline
from newsweave.config import Settings
from newsweave.store import Store
from tests.service.conftest import make_client

PATHS = ["/api/stories", "/api/stories/{line}", "/api/entities?limit=20", "/api/quotes?limit=10",
         "/api/search?q=Maduro", "/api/health", "/api/articles?limit=5", "/api/claims?limit=20"]
NEW = ('{"id": "c1", "source": "Test Wire", "published": "2019-01-29", "text": "Venezuela\'s military attache in '
       'Washington said on Tuesday that more officers would follow him, and opposition leader Juan Guaido thanked '
       'him in a statement read to the quokka-keepers of Caracas."}\n')


def test_reads_while_the_pipeline_writes(fresh_copy: Any, seeds_dir: Path, tmp_path: Path) -> None:
    extra = tmp_path / "new.jsonl"
    extra.write_text(NEW)
    outcome: dict[str, Any] = {}

    def write(url: str) -> None:
        try:
            with Store(url) as store:
                outcome["report"] = pipeline.analyze([seeds_dir, extra], store, Settings(db_url=url))
        except BaseException as exc:  # the test reports it
            outcome["error"] = exc

    with fresh_copy() as url, make_client(url) as client:
        line = client.get("/api/stories").json()["items"][0]["id"]
        writer = threading.Thread(target=write, args=(url,), daemon=True)
        writer.start()
        reads, failures = 0, []
        deadline = time.monotonic() + 600
        while writer.is_alive() and time.monotonic() < deadline:
            for path in PATHS:
                r = client.get(path.format(line=line))
                reads += 1
                if r.status_code != 200:
                    failures.append((path, r.status_code, r.text[:300]))
                    continue
                body = r.json()
                if "items" in body:
                    assert len(body["items"]) == min(body["total"] - body["offset"], body["limit"]), path
                if path == "/api/stories/{line}":
                    assert body["articles"] and body["entities"], "a story page without its sections"
        writer.join(timeout=max(1.0, deadline - time.monotonic()))
        assert not writer.is_alive(), "the writer did not finish"
        assert "error" not in outcome, outcome.get("error")
        report = outcome["report"]
        assert not report.failures and report.counts()["stored"] == 1
        assert not failures, failures[:5]
        assert reads >= len(PATHS)
        # after the writer: its article is there and answers too
        assert client.get("/api/search?q=quokka%20keepers").json()["total"] == 1
        assert client.get("/api/articles?outlet=Test%20Wire").json()["total"] == 1
