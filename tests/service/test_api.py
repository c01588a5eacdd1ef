"""The REST API on the analysed demo store, on SQLite and PostgreSQL, through FastAPI's TestClient.

Every endpoint answers what the read model and the store hold; lists page with totals and
links; filters by date, outlet and entity narrow them; ETags are stable while the store is
unchanged, answer 304 to If-None-Match, and change when it changes; errors have one JSON body
with stable codes; ingest needs the token and gives every input a fate; and every evidence
span any answer cites lies within its article's text (and quotes it, where the span carries text).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from newsweave.models import Article
from newsweave.service import read
from newsweave.store import Store
from tests.service.conftest import OUTLETS, TOKEN, make_client

AUTH = {"Authorization": f"Bearer {TOKEN}"}
GUAIDO = "Juan Guaidó"


def ok(client: TestClient, path: str, **kw: Any) -> Any:
    """The JSON of a 200 answer to GET ``path``."""
    r = client.get(path, **kw)
    assert r.status_code == 200, (path, r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("application/json")
    return r.json()


def error(client: TestClient, method: str, path: str, status: int, code: str, **kw: Any) -> dict[str, Any]:
    """The error body of an answer that must fail with ``status`` and ``code``."""
    r = client.request(method, path, **kw)
    assert r.status_code == status, (path, r.status_code, r.text[:500])
    body = r.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["status"] == status
    assert body["error"]["message"].startswith(f"[{code}] ")
    return dict(body["error"])


def every_page(client: TestClient, path: str) -> list[dict[str, Any]]:
    """All items of a list, following ``next`` links."""
    items: list[dict[str, Any]] = []
    url: str | None = path
    while url:
        page = ok(client, url)
        assert page["offset"] == len(items)
        items += page["items"]
        url = page["next"]
    assert len(items) == page["total"]
    return items


@pytest.fixture(scope="module")
def ids(api: TestClient) -> dict[str, Any]:
    """Ids found in the demo store: a storyline, an event story, Guaidó, a discrepancy, an outlet profile."""
    store: Store = api.app.state.store  # type: ignore[attr-defined]
    stories = store.records("story")
    guaido = store.entities_named("Guaido")
    assert len(guaido) == 1
    return {"storyline": next(s["id"] for s in stories if s["level"] == "storyline"),
            "event": next(s["id"] for s in stories if s["level"] == "event"),
            "entity": guaido[0]["id"], "discrepancy": store.records("discrepancy")[0]["id"],
            "outlet": store.records("profile")[0]["outlet"], "articles": [a.id for a in store.articles()]}


# -- every endpoint ----------------------------------------------------------------------------------


def test_health_and_openapi(api: TestClient) -> None:
    health = ok(api, "/api/health")
    assert health["status"] == "ok" and health["articles"] == 5 and health["store"] in ("sqlite", "postgresql")
    spec = ok(api, "/api/openapi.json")
    paths = set(spec["paths"])
    for path in ("/api/stories", "/api/storylines", "/api/stories/{story_id}", "/api/stories/{story_id}/timeline",
                 "/api/events", "/api/articles", "/api/articles/{article_id}", "/api/entities",
                 "/api/entities/{entity_id}", "/api/quotes", "/api/claims", "/api/discrepancies",
                 "/api/discrepancies/{discrepancy_id}", "/api/profiles", "/api/profiles/{outlet}", "/api/reuse",
                 "/api/search", "/api/ingest", "/api/ingest/jobs", "/api/ingest/jobs/{job_id}", "/api/outlets"):
        assert path in paths, path
        for method, op in spec["paths"][path].items():  # every answer is described by a schema
            schema = op["responses"]["200" if method == "get" else "202"]["content"]["application/json"]["schema"]
            assert schema, (method, path)
            assert "ErrorBody" in str(op["responses"].get("422", op["responses"].get("404", {})))


def test_stories_list_most_active_first(api: TestClient, ids: dict[str, Any]) -> None:
    page = ok(api, "/api/stories")
    assert page["total"] == 1 and page["items"][0]["id"] == ids["storyline"]
    item = page["items"][0]
    assert item["article_count"] == 5 and item["level"] == "storyline"
    assert item["outlets"] == sorted(OUTLETS.values())
    assert item["coverage"] and sum(c["count"] for c in item["coverage"]) >= 1 and item["coverage_unit"] == "day"
    assert ok(api, "/api/storylines")["items"] == page["items"]
    events = ok(api, "/api/stories?level=event")
    assert [s["id"] for s in events["items"]] == [ids["event"]] and events["items"][0]["parent_id"] == ids["storyline"]


def test_story_page(api: TestClient, ids: dict[str, Any]) -> None:
    story = ok(api, f"/api/stories/{ids['storyline']}")
    assert story["story"]["id"] == ids["storyline"] and len(story["articles"]) == 5
    assert [e["id"] for e in story["events"]] == [ids["event"]]
    assert story["summary"] and story["key_timeline"] and story["timeline"] and story["quotes"]
    assert story["discrepancies"] and story["profiles"] and story["reuse"]
    assert len(story["claims"]) == min(read.SECTION_CAPS["claims"], story["claims_total"]) > 0
    support = [c["independent_sources"] for c in story["claims"]]
    assert support == sorted(support, reverse=True)
    # long sections hold their first items; totals count them all, ?all=true gives every one
    assert story["totals"]["claims"] == story["claims_total"] and not story["complete"]
    whole = ok(api, f"/api/stories/{ids['storyline']}?all=true")
    assert whole["complete"] and len(whole["claims"]) == whole["claims_total"] == story["claims_total"]
    for key, n in story["totals"].items():
        assert len(whole[key]) == n and story[key] == read.thin(whole[key][:len(story[key])]), key
    # within an item, long lists keep their first entries (spans spread over articles) and say how many
    cut = [v for e in story["entities"] for v in e["variants"] if "evidence_total" in v]
    assert cut and all(len(v["evidence"]) == read.ITEM_CAPS["evidence"] < v["evidence_total"] for v in cut)
    guaido = next(e for e in story["entities"] if e["id"] == ids["entity"])
    assert {v["text"] for v in guaido["variants"]} >= {GUAIDO, "Guadio"}  # every spelling, the misspelling too
    outlets = {a["id"]: a["outlet"] for a in story["articles"]}
    assert {outlets[a] for a in OUTLETS} == set(OUTLETS.values())
    # the event story has the same articles here, and the same discrepancies
    event = ok(api, f"/api/stories/{ids['event']}")
    assert {d["id"] for d in event["discrepancies"]} == {d["id"] for d in story["discrepancies"]}


def test_timeline_and_events(api: TestClient, ids: dict[str, Any]) -> None:
    tl = ok(api, f"/api/stories/{ids['storyline']}/timeline")
    dates = [k["date"] for k in tl["key_timeline"]]
    assert dates and dates == sorted(dates)
    assert tl["timeline"] and all("phrase" in e for e in tl["timeline"])
    assert ok(api, f"/api/stories/{ids['event']}/timeline")["timeline"] == tl["timeline"]
    events = every_page(api, "/api/events?since=2019-01-01&until=2019-12-31&limit=7")
    assert events and all("2019-01-01" <= e["date"][:10] <= "2019-12-31" for e in events)
    days = [e["date"][:10] for e in events]
    assert days == sorted(days)
    mine = ok(api, f"/api/events?entity={ids['entity']}&limit=200")["items"]
    assert mine and all(ids["entity"] in (e.get("actor_entity_id"), e.get("target_entity_id")) for e in mine)
    assert ok(api, "/api/events?since=2030-01-01")["total"] == 0


def test_articles_list_and_filters(api: TestClient, ids: dict[str, Any]) -> None:
    every = every_page(api, "/api/articles?limit=2")
    assert sorted(a["id"] for a in every) == sorted(ids["articles"]) and all("text" not in a for a in every)
    reuters = ok(api, "/api/articles?outlet=Reuters")
    assert [a["id"] for a in reuters["items"]] == ["a62974f1fe56c4210"] and reuters["items"][0]["source"] == "Reuters"
    assert ok(api, "/api/articles?outlet=Nobody")["total"] == 0
    dated = ok(api, "/api/articles?since=2019-01-27&until=2019-01-27")["items"]
    assert dated and all(a["published"][:10] == "2019-01-27" for a in dated)
    assert ok(api, f"/api/articles?entity={ids['entity']}")["total"] == 5
    assert ok(api, f"/api/articles?story={ids['event']}")["total"] == 5


def test_article_page(api: TestClient, ids: dict[str, Any]) -> None:
    aid = "a0c14f903980846ee"
    art = ok(api, f"/api/articles/{aid}")
    assert art["id"] == aid and art["chars"] == len(art["text"]) and art["annotations"] is None
    assert {s["id"] for s in art["stories"]} == {ids["storyline"], ids["event"]}
    kinds = {c["kind"] for c in art["citations"]}
    assert {"mention", "quote", "event", "claim", "discrepancy", "reuse"} <= kinds
    starts = [c["start"] for c in art["citations"]]
    assert starts == sorted(starts)
    with_ann = ok(api, f"/api/articles/{aid}?annotations=true")["annotations"]
    assert with_ann["article_id"] == aid and with_ann["sentences"] and with_ann["tokens"]


def test_entities(api: TestClient, ids: dict[str, Any]) -> None:
    every = every_page(api, "/api/entities?limit=20")
    assert len({e["id"] for e in every}) == len(every) > 10
    found = ok(api, "/api/entities?name=juan%20guaido")["items"]  # accents and case aside
    assert [e["id"] for e in found] == [ids["entity"]]
    people = ok(api, "/api/entities?kind=person&limit=200")["items"]
    assert people and all(e["kind"] == "person" for e in people)
    assert ok(api, f"/api/entities?story={ids['event']}")["total"] == len(every)
    ent = ok(api, f"/api/entities/{ids['entity']}")
    assert ent["name"] == GUAIDO and ent["totals"]["stories"] == 2
    for v in ent["variants"]:  # every spelling, with the articles that use it
        assert v["article_ids"] and set(v["article_ids"]) <= set(ids["articles"])
    assert sum(ent["mention_counts"].values()) > 5 and ent["quotes"] and ent["claims"] and ent["discrepancies"]
    assert {s["id"] for s in ent["stories"]} == {ids["storyline"], ids["event"]}
    whole = ok(api, f"/api/entities/{ids['entity']}?all=true")  # no list is long enough to cut at this size
    for key in ("articles", "quotes", "claims", "stories", "discrepancies", "events"):
        assert [x.get("id") for x in ent[key]] == [x.get("id") for x in whole[key]], key
    for cut, every in zip(ent["variants"], whole["variants"], strict=True):  # spans spread over the articles
        assert cut["article_ids"] == every["article_ids"] and cut["text"] == every["text"]
        assert len(cut["evidence"]) == min(len(every["evidence"]), read.ITEM_CAPS["evidence"])
        assert {e["article_id"] for e in cut["evidence"]} == {e["article_id"] for e in every["evidence"]}


def test_entity_lists_are_cut_in_order(api_url: str, ids: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    with make_client(api_url, api_cache_mb=0) as api:  # answers built now, with the cap below
        whole = ok(api, f"/api/entities/{ids['entity']}?all=true")
        monkeypatch.setattr(read, "DETAIL_CAP", 2)
        cut = ok(api, f"/api/entities/{ids['entity']}")
    assert cut["totals"] == whole["totals"] and whole["totals"]["articles"] > 2
    for key in ("articles", "quotes", "claims", "stories"):
        assert cut[key] == read.thin(whole[key][:2]), key
    published = [a["published"] or "" for a in whole["articles"]]
    assert published == sorted(published, reverse=True)
    assert set(cut["mention_counts"]) == {a["id"] for a in cut["articles"]}


def test_quotes(api: TestClient, ids: dict[str, Any]) -> None:
    every = every_page(api, "/api/quotes?limit=25")
    carried = [len(q["article_ids"]) for q in every]
    assert carried == sorted(carried, reverse=True)  # grouped across outlets, the most widely carried first
    assert any(len({v["article_id"] for v in q["variants"]}) > 1 for q in every)
    by = ok(api, f"/api/quotes?speaker={ids['entity']}&limit=200")["items"]
    assert by and all(any(v.get("speaker_entity_id", q["speaker_entity_id"]) == ids["entity"]
                          for v in q["variants"]) for q in by)
    assert all(q["speaker_name"] for q in by if q["speaker_entity_id"] == ids["entity"])
    assert ok(api, f"/api/quotes?story={ids['storyline']}")["total"] == len(every)
    assert ok(api, f"/api/quotes?speaker={ids['entity']}&story={ids['event']}")["total"] == len(by)
    in_one = ok(api, "/api/quotes?article=a62974f1fe56c4210&limit=200")["items"]
    assert in_one and all("a62974f1fe56c4210" in q["article_ids"] for q in in_one)


def test_claims_and_support(api: TestClient, ids: dict[str, Any]) -> None:
    every = every_page(api, "/api/claims?limit=100")
    support = [c["independent_sources"] for c in every]
    assert support == sorted(support, reverse=True) and max(support) >= 2
    strong = ok(api, "/api/claims?min_sources=2&limit=200")
    assert strong["total"] == sum(1 for s in support if s >= 2)
    about = ok(api, f"/api/claims?entity={ids['entity']}&limit=200")["items"]
    assert about and all(c["subject_id"] == ids["entity"] for c in about)
    names = ok(api, f"/api/claims?entity={ids['entity']}&slot=name&limit=200")["items"]
    assert names and all(c["slot"] == "name" for c in names)


def test_discrepancies(api: TestClient, ids: dict[str, Any]) -> None:
    every = ok(api, "/api/discrepancies")["items"]
    assert every and all(d["values"] for d in every)
    spelling = next(d for d in every if d["kind"] == "spelling" and d["entity_id"] == ids["entity"])
    assert spelling["supported_value"] == GUAIDO
    both = ok(api, f"/api/discrepancies?story={ids['storyline']}&entity={ids['entity']}")["items"]
    assert spelling["id"] in {d["id"] for d in both} and all(d["entity_id"] == ids["entity"] for d in both)
    assert ok(api, "/api/discrepancies?kind=spelling")["total"] == sum(1 for d in every if d["kind"] == "spelling")
    assert ok(api, f"/api/discrepancies/{ids['discrepancy']}")["id"] == ids["discrepancy"]


def test_profiles_and_reuse(api: TestClient, ids: dict[str, Any]) -> None:
    profiles = ok(api, "/api/profiles")["items"]
    assert len(profiles) == 5 and ok(api, f"/api/profiles?story={ids['storyline']}")["total"] == 5
    one = ok(api, "/api/profiles/" + ids["outlet"].replace(" ", "%20").replace("(", "%28").replace(")", "%29"))
    assert one["outlet"] == ids["outlet"]
    links = every_page(api, "/api/reuse?limit=1")
    shares = [r["share"] for r in links]
    assert links and shares == sorted(shares, reverse=True)
    assert all(r["passages"] for r in links)
    mine = ok(api, "/api/reuse?article=a62974f1fe56c4210")["items"]
    assert mine and all("a62974f1fe56c4210" in (r["copy_article_id"], r["origin_article_id"]) for r in mine)
    assert ok(api, "/api/reuse?min_share=1")["total"] == sum(1 for s in shares if s >= 1)


def test_search(api: TestClient, ids: dict[str, Any]) -> None:
    hits = ok(api, "/api/search?q=defected%20military")
    assert hits["total"] >= 1
    for hit in hits["items"]:
        text = ok(api, f"/api/articles/{hit['id']}")["text"]
        ev = hit["evidence"]
        assert ev is not None and text[ev["start"]:ev["end"]].lower().startswith(("defect", "militar"))
        assert text[hit["snippet"]["start"]:hit["snippet"]["end"]] == hit["snippet"]["text"]
        assert ids["event"] in hit["story_ids"]
    assert ok(api, "/api/search?q=defected&outlet=Reuters")["total"] <= 1
    assert ok(api, "/api/search?q=zzzyqx")["total"] == 0
    assert ok(api, "/api/stories?q=Maduro")["total"] == 1 and ok(api, "/api/stories?q=zzzyqx")["total"] == 0


def test_story_filters(api: TestClient, ids: dict[str, Any]) -> None:
    assert ok(api, "/api/stories?outlet=Reuters")["total"] == 1
    assert ok(api, "/api/stories?outlet=Nobody")["total"] == 0
    assert ok(api, f"/api/stories?entity={ids['entity']}")["total"] == 1
    assert ok(api, "/api/stories?entity=ent_0000")["total"] == 0
    assert ok(api, "/api/stories?since=2019-01-01&until=2019-12-31")["total"] == 1
    assert ok(api, "/api/stories?since=2020-01-01")["total"] == 0
    assert ok(api, "/api/stories?until=2018-12-31")["total"] == 0


# -- evidence ---------------------------------------------------------------------------------------


def _spans(value: Any) -> Iterator[dict[str, Any]]:
    """Every ``{article_id, start, end}`` anywhere in a JSON value."""
    if isinstance(value, dict):
        if isinstance(value.get("article_id"), str) and isinstance(value.get("start"), int) \
                and isinstance(value.get("end"), int):
            yield value
        for v in value.values():
            yield from _spans(v)
    elif isinstance(value, list):
        for v in value:
            yield from _spans(v)


def test_every_cited_span_is_valid(api: TestClient, ids: dict[str, Any]) -> None:
    texts = {aid: ok(api, f"/api/articles/{aid}")["text"] for aid in ids["articles"]}
    answers = [ok(api, f"/api/stories/{ids['storyline']}"), ok(api, f"/api/stories/{ids['event']}"),
               ok(api, f"/api/entities/{ids['entity']}"), ok(api, "/api/quotes?limit=200"),
               ok(api, "/api/claims?limit=200"), ok(api, "/api/discrepancies"), ok(api, "/api/profiles"),
               ok(api, "/api/search?q=Maduro"), ok(api, "/api/events?limit=200"),
               *[ok(api, f"/api/articles/{aid}") for aid in ids["articles"]]]
    checked = 0
    for answer in answers:
        for span in _spans(answer):
            text = texts[span["article_id"]]
            assert 0 <= span["start"] < span["end"] <= len(text), span
            quoted = span.get("text")
            if isinstance(quoted, str) and quoted and "variants" not in span:
                assert text[span["start"]:span["end"]].strip() == quoted.strip(), span
            checked += 1
    assert checked > 1000
    for aid, text in texts.items():  # each article's citations: exactly the characters they point at
        for c in ok(api, f"/api/articles/{aid}")["citations"]:
            assert c["article_id"] == aid and 0 <= c["start"] < c["end"] <= len(text)


# -- pages, ETags, errors, tokens -------------------------------------------------------------------


def test_pages_and_links(api: TestClient) -> None:
    first = ok(api, "/api/entities?limit=5")
    assert first["limit"] == 5 and first["offset"] == 0 and first["prev"] is None and len(first["items"]) == 5
    second = ok(api, first["next"])
    assert second["offset"] == 5 and second["prev"] is not None and ok(api, second["prev"]) == first
    assert not {e["id"] for e in first["items"]} & {e["id"] for e in second["items"]}
    last = ok(api, f"/api/entities?limit=5&offset={first['total'] - 1}")
    assert len(last["items"]) == 1 and last["next"] is None
    assert ok(api, f"/api/entities?offset={first['total'] + 10}")["items"] == []
    error(api, "GET", "/api/entities?limit=0", 422, "E101")
    error(api, "GET", f"/api/entities?limit={read.MAX_LIMIT + 1}", 422, "E101")
    error(api, "GET", "/api/entities?offset=-1", 422, "E101")


def test_etags(api: TestClient, ids: dict[str, Any]) -> None:
    path = f"/api/stories/{ids['storyline']}"
    first = api.get(path)
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/") and first.headers["cache-control"] == "no-cache"
    assert api.get(path).headers["etag"] == etag  # strong: the same bytes for the same state
    assert api.get(path).content == first.content
    not_modified = api.get(path, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b"" and not_modified.headers["etag"] == etag
    assert api.get(path, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    assert api.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    assert api.get(f"/api/stories/{ids['event']}").headers["etag"] != etag  # per resource
    assert api.get("/api/stories?limit=1").headers["etag"] != api.get("/api/stories?limit=2").headers["etag"]


def test_a_changed_store_changes_the_etags(fresh_copy: Any) -> None:
    with fresh_copy() as url, make_client(url) as client:
        before = client.get("/api/stories").headers["etag"]
        with Store(url) as store:
            store.add_articles([Article(id="anew", text="A new article about the Venezuelan military and Maduro.",
                                        input="new.txt", language="en")])
        after = client.get("/api/stories", headers={"If-None-Match": before})
        assert after.status_code == 200 and after.headers["etag"] != before
        assert ok(client, "/api/search?q=Venezuelan%20military")["total"] >= 1  # indexed as it was stored
        with Store(url) as store, store.transaction() as conn:  # a stage's new records (its fingerprint) too
            store.set_state("stage:summary", {"changed": True}, conn)
        assert client.get("/api/stories").headers["etag"] != after.headers["etag"]


def test_error_bodies(api: TestClient) -> None:
    assert "no story 'nope'" in error(api, "GET", "/api/stories/nope", 404, "E103")["message"]
    error(api, "GET", "/api/stories/nope/timeline", 404, "E103")
    error(api, "GET", "/api/entities/nope", 404, "E103")
    error(api, "GET", "/api/articles/nope", 404, "E103")
    error(api, "GET", "/api/discrepancies/nope", 404, "E103")
    error(api, "GET", "/api/profiles/nope", 404, "E103")
    error(api, "GET", "/api/nothing/here", 404, "E103")
    detail = error(api, "GET", "/api/articles?since=2019-02-01&until=2019-01-01", 422, "E102")["detail"]
    assert detail == {"since": "2019-02-01", "until": "2019-01-01"}
    for bad in ("yesterday", "0", "20190101", "2019-02-30"):  # ISO days only: no timestamps, no 30 February
        bad_date = error(api, "GET", f"/api/stories?since={bad}", 422, "E101")
        assert bad_date["detail"][0]["location"] == ["query", "since"]
    error(api, "GET", "/api/search?q=%21%3F", 422, "E110")
    error(api, "GET", "/api/search", 422, "E101")
    error(api, "GET", "/api/stories?level=chapter", 422, "E101")
    error(api, "DELETE", "/api/stories", 405, "E107")
    error(api, "POST", "/api/ingest", 422, "E101", json={"articles": [], "urls": []}, headers=AUTH)
    error(api, "POST", "/api/ingest", 422, "E101", json={"articles": []}, headers=AUTH)
    error(api, "POST", "/api/ingest", 422, "E101", content=b"{not json", headers={**AUTH,
                                                                                  "content-type": "application/json"})


def test_tokens(api_url: str) -> None:
    with make_client(api_url) as client:  # reads open, ingest with the token
        ok(client, "/api/stories")
        missing = client.post("/api/ingest", json={"articles": [{"text": "x"}]})
        assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
        assert missing.json()["error"]["code"] == "E104"
        error(client, "POST", "/api/ingest", 401, "E104", json={"articles": [{"text": "x"}]},
              headers={"Authorization": "Bearer wrong"})
        error(client, "GET", "/api/ingest/jobs", 401, "E104")
        assert client.get("/api/ingest/jobs", headers=AUTH).json() == []
    with make_client(api_url, api_token=None) as client:  # no token configured: ingest is off
        error(client, "POST", "/api/ingest", 403, "E105", json={"articles": [{"text": "x"}]}, headers=AUTH)
        ok(client, "/api/stories")
    with make_client(api_url, api_protect_reads=True) as client:  # reads need the token too
        error(client, "GET", "/api/stories", 401, "E104")
        error(client, "GET", "/api/health", 401, "E104")
        ok(client, "/api/stories", headers=AUTH)
        error(client, "GET", "/api/stories", 401, "E104", headers={"Authorization": "Bearer wrong"})


# -- ingest -----------------------------------------------------------------------------------------


def wait_for(client: TestClient, job: dict[str, Any], seconds: float = 120) -> dict[str, Any]:
    """The job once it is done or failed (polling its URL)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = ok(client, f"/api/ingest/jobs/{job['id']}", headers=AUTH)
        if state["status"] in ("done", "failed"):
            return dict(state)
        time.sleep(0.05)
    raise AssertionError(f"job {job['id']} did not finish in {seconds} s")


TEXT = ("Venezuela's opposition leader Juan Guaido called on Monday for new street protests in Caracas, "
        "his aides said, as the military weighed its loyalty to President Nicolas Maduro.")


def test_ingest_articles_gives_every_input_a_fate(fresh_copy: Any) -> None:
    with fresh_copy() as url, make_client(url) as client:
        records = [{"id": "n1", "title": "Protests", "source": "Test Wire", "published": "2019-01-28", "text": TEXT},
                   {"id": "n2", "source": "Test Wire", "text": TEXT},  # the same text from the same outlet
                   {"id": "n3", "text": 5}, {"id": "n4", "html": "<p>short</p>"}, "not an object"]
        r = client.post("/api/ingest", json={"articles": records, "analyze": False}, headers=AUTH)
        assert r.status_code == 202 and r.json()["status"] in ("queued", "running", "done")
        assert r.headers["location"].endswith(f"/api/ingest/jobs/{r.json()['id']}")
        job = wait_for(client, r.json())
        assert job["status"] == "done" and job["inputs"] == 5, job
        fates = [(f["input"].rsplit("#", 1)[1], f["status"]) for f in job["fates"]]
        assert fates == [("n1", "stored"), ("n2", "duplicate"), ("n3", "skipped"), ("n4", "skipped"),
                         ("item4", "skipped")]
        assert "not a string" in job["fates"][2]["reason"] and job["counts"] == {"stored": 1, "duplicate": 1,
                                                                                  "skipped": 3}
        new_id = job["fates"][0]["article_id"]
        art = ok(client, f"/api/articles/{new_id}")
        assert art["source"] == "Test Wire" and art["published"] == "2019-01-28" and art["text"] == TEXT
        assert new_id in {h["id"] for h in ok(client, "/api/search?q=street%20protests")["items"]}
        again = client.post("/api/ingest", json={"articles": records[:1], "analyze": False}, headers=AUTH)
        assert wait_for(client, again.json())["fates"][0]["status"] == "duplicate"
        listed = ok(client, "/api/ingest/jobs", headers=AUTH)
        assert [j["id"] for j in listed] == [again.json()["id"], job["id"]]
        error(client, "GET", "/api/ingest/jobs/nope", 404, "E103", headers=AUTH)


def test_jobs_outlive_a_restart(fresh_copy: Any) -> None:
    from newsweave.service.jobs import STATE_PREFIX

    with fresh_copy() as url:
        with make_client(url) as client:
            r = client.post("/api/ingest", json={"articles": [{"id": "r1", "text": TEXT}], "analyze": False},
                            headers=AUTH)
            done = wait_for(client, r.json())
        with Store(url) as store:  # as if the service had stopped in the middle of a second job
            store.set_state(STATE_PREFIX + "cut0ff", {**done, "id": "cut0ff", "status": "running",
                                                      "created": "9999-01-01T00:00:00+00:00", "finished": None})
        with make_client(url, api_jobs_kept=1) as client:
            listed = ok(client, "/api/ingest/jobs", headers=AUTH)
            assert [j["id"] for j in listed] == ["cut0ff", done["id"]]  # newest first
            assert ok(client, f"/api/ingest/jobs/{done['id']}", headers=AUTH) == done
            cut = listed[0]
            assert cut["status"] == "failed" and cut["error"].startswith("interrupted") and cut["finished"]
            # a new job makes room: only the latest api_jobs_kept finished ones stay, in the store too
            r = client.post("/api/ingest", json={"articles": [{"id": "r2", "text": TEXT + " More."}],
                                                 "analyze": False}, headers=AUTH)
            wait_for(client, r.json())
        with Store(url) as store:
            assert store.get_state(STATE_PREFIX + done["id"]) is None
            assert store.get_state(STATE_PREFIX + r.json()["id"])["status"] == "done"


class _Pages(BaseHTTPRequestHandler):
    """Serves one article page, a robots.txt 404 and a 404 for everything else."""

    def do_GET(self) -> None:
        if self.path == "/news/protests.html":
            body = (f"<html><head><title>Protests called</title></head><body><article><h1>Protests called</h1>"
                    f"<p>{TEXT}</p><p>{TEXT.replace('Monday', 'Tuesday')}</p></article></body></html>").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
        else:
            body = b"not here"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


def test_ingest_urls(fresh_copy: Any) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with fresh_copy() as url, make_client(url, fetch_host_delay_s=0.0, fetch_retries=0) as client:
            # by default a caller cannot make the service read from its own network
            r = client.post("/api/ingest", json={"urls": [f"{base}/news/protests.html"], "analyze": False},
                            headers=AUTH)
            job = wait_for(client, r.json())
            assert [f["status"] for f in job["fates"]] == ["skipped"]
            assert "refused" in job["fates"][0]["reason"] and "loopback address" in job["fates"][0]["reason"]
        with fresh_copy() as url, make_client(url, fetch_host_delay_s=0.0, fetch_retries=0,
                                              api_ingest_private_hosts=True) as client:
            urls = [f"{base}/news/protests.html", f"{base}/news/gone.html", "ftp://example.org/x"]
            r = client.post("/api/ingest", json={"urls": urls, "analyze": False}, headers=AUTH)
            job = wait_for(client, r.json())
            assert job["kind"] == "urls" and job["status"] == "done", job
            assert [f["status"] for f in job["fates"]] == ["stored", "skipped", "skipped"]
            assert "404" in job["fates"][1]["reason"] and "not an http(s) URL" in job["fates"][2]["reason"]
            art = ok(client, f"/api/articles/{job['fates'][0]['article_id']}")
            assert art["url"].endswith("/news/protests.html") and "street protests" in art["text"]
    finally:
        server.shutdown()
        server.server_close()


def test_too_many_items(api_url: str) -> None:
    with make_client(api_url, api_max_ingest_items=2) as client:
        error(client, "POST", "/api/ingest", 413, "E106", json={"urls": ["http://127.0.0.1/a"] * 3}, headers=AUTH)
