"""The service keeps a store current from feeds on a schedule (``newsweave serve --watch``): the first run
starts with the app, ``GET /api/watch`` shows every fetch's fate, and the schedule stops with the app."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsweave.config import Settings
from newsweave.ingest.fetch import Fetcher
from newsweave.ingest.watch import Watcher
from newsweave.service.app import create_app
from tests.ingest.local_http import LocalSite, Reply

WATCH = Path(__file__).resolve().parents[1] / "resources" / "watch"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def test_no_feeds_no_runs(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(db_url=f"sqlite:///{tmp_path / 's.db'}"))) as client:
        assert client.get("/api/watch").json() == {"feeds": [], "every_s": None, "running": False, "runs": []}


@pytest.mark.slow
def test_watched_feed_is_stored_and_analysed_while_the_api_answers(tmp_path: Path, nlp: object) -> None:
    settings = Settings(db_url=f"sqlite:///{tmp_path / 's.db'}", fetch_host_delay_s=0.0, fetch_retries=0)
    with LocalSite() as site:
        site.routes["/robots.txt"] = Reply(404)
        for name in ("wire", "rewrite"):
            site.routes[f"/{name}.html"] = Reply(200, (WATCH / f"{name}.html").read_bytes(), HTML)
        xml = (WATCH / "feed.xml").read_text().replace("http://127.0.0.1:8000", site.url(""))
        head, _, rest = xml.partition("<item>")
        items = [i for i in rest.split("<item>") if "/followup.html" not in i]
        site.routes["/feed.xml"] = Reply(200, (head + "<item>" + "<item>".join(items)).encode(),
                                         {"Content-Type": "application/rss+xml"})
        watcher = Watcher([site.url("/feed.xml")], settings,
                          fetcher_factory=lambda s, st: Fetcher(s, state=st, sleep=lambda _: None))
        app = create_app(settings, feeds=[site.url("/feed.xml")], watch_every=3600, watcher=watcher)
        with TestClient(app) as client:
            runs: list = []
            deadline = time.monotonic() + 600
            while not runs and time.monotonic() < deadline:
                assert client.get("/api/health").status_code == 200  # the API answers while the run writes
                runs = client.get("/api/watch").json()["runs"]
                time.sleep(0.5)
            assert runs, "no watch run finished"
            status = client.get("/api/watch").json()
            assert status["feeds"] == [site.url("/feed.xml")] and status["every_s"] == 3600 and status["running"]
            pages = {f["url"]: f for f in runs[0]["fates"] if f["role"] == "page"}
            names = {u.rsplit("/", 1)[1].split("?")[0]: f["status"] for u, f in pages.items()}
            assert names == {"wire.html": "stored", "rewrite.html": "stored"}
            assert runs[0]["stages"] and not runs[0]["failures"], runs[0]
            assert client.get("/api/articles").json()["total"] == 2
            assert client.get("/api/stories").json()["total"] >= 1  # analysed, not only stored
        assert not app.state.watch.running  # stopped with the app
