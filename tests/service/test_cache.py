"""Built answers kept by ETag: served again until the store changes, dropped least recently used, off at 0 MB."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from newsweave.service.cache import AnswerCache
from newsweave.store import Store
from newsweave.store.schema import records
from tests.service.conftest import make_client


def test_least_recently_used_answers_go_first() -> None:
    cache = AnswerCache(10)
    cache.put("a", b"1234")
    cache.put("b", b"5678")
    assert cache.get("a") == b"1234"  # a is now the most recently used
    cache.put("c", b"90ab")
    assert cache.get("b") is None and cache.get("a") == b"1234" and cache.get("c") == b"90ab"
    assert cache.size == 8 and len(cache) == 2
    cache.put("huge", b"x" * 11)  # larger than the whole cache: not kept, nothing dropped for it
    assert cache.get("huge") is None and len(cache) == 2
    cache.put("a", b"12")  # replaced, size follows
    assert cache.size == 6 and cache.hits == 3 and cache.misses == 2


def _story(client: Any) -> str:
    return str(client.get("/api/stories").json()["items"][0]["id"])


def test_a_page_is_built_once_per_store_state(fresh_copy: Any) -> None:
    with fresh_copy() as url, make_client(url) as client:
        cache: AnswerCache = client.app.state.answers  # type: ignore[attr-defined]
        sid = _story(client)
        for path in (f"/api/stories/{sid}", f"/stories/{sid}"):
            first = client.get(path, headers={"accept": "text/html"})
            hits = cache.hits
            again = client.get(path, headers={"accept": "text/html"})
            assert again.status_code == 200 and again.content == first.content and cache.hits == hits + 1
            assert again.headers["etag"] == first.headers["etag"]
            assert again.headers["content-type"] == first.headers["content-type"]
            if path.startswith("/stories/"):
                assert "content-security-policy" in again.headers  # a kept page keeps the UI's headers
        # a stage changes a record (and its fingerprint, as stages do): the page is built again from it
        before = client.get(f"/api/stories/{sid}")
        with Store(url) as store, store.transaction() as conn:
            assert conn is not None
            conn.execute(update(records).where(records.c.kind == "story", records.c.id == sid)
                         .values(payload={**before.json()["story"], "id": sid, "label": "A new label"}))
            store.set_state("stage:stories", {"changed": True}, conn)
        after = client.get(f"/api/stories/{sid}")
        assert after.headers["etag"] != before.headers["etag"] and after.json()["story"]["label"] == "A new label"


def test_no_cache_at_zero_megabytes(fresh_copy: Any) -> None:
    with fresh_copy() as url, make_client(url, api_cache_mb=0) as client:
        sid = _story(client)
        client.get(f"/api/stories/{sid}")
        client.get(f"/api/stories/{sid}")
        cache: AnswerCache = client.app.state.answers  # type: ignore[attr-defined]
        assert len(cache) == 0 and cache.hits == 0


def test_large_records_are_kept_parsed_for_one_store_state(api_url: str, monkeypatch: Any) -> None:
    from newsweave.service import read

    monkeypatch.setattr(read, "PARSED_MIN_BYTES", 0)  # every record counts as large here
    monkeypatch.setattr(read, "_PARSED", read.SizedCache(2**20))
    with Store(api_url) as store:
        eid = read.list_entities(store, limit=1).items[0]["id"]
        assert read.record(store, "entity", eid) is not read.record(store, "entity", eid)  # outside a request
        token = read.STATE.set("state-1")
        try:
            first = read.record(store, "entity", eid)
            assert first is not None and read.record(store, "entity", eid) is first
            assert read.record(store, "story", read.list_stories(store).items[0]["id"]) is not None
            assert len(read._PARSED) == 1  # only the kinds that grow large are kept
            read.STATE.set("state-2")  # the store changed: read again
            again = read.record(store, "entity", eid)
            assert again is not first and again == first
        finally:
            read.STATE.reset(token)
