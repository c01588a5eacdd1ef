"""The events stage works incrementally: extraction once per article, timelines only for changed stories.

Whatever it reuses, its ``event`` and ``timeline`` records are the ones a full recompute makes
from the same store (:func:`_full`: the events/7 stage, which extracted everything each run).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from newsweave import pipeline, steps
from newsweave.config import Settings
from newsweave.entities.link import entity_index
from newsweave.events import stage
from newsweave.events.extract import Event, events_for_article, extract_events, link_entities
from newsweave.events.timeline import build_timeline
from newsweave.reuse.stage import origin_map
from newsweave.steps import load_annotated
from newsweave.store import Store
from newsweave.stories.stage import story_map
from tests.conftest import BACKENDS, fresh_database, move_mentions, spy_annotation_loads

pytestmark = pytest.mark.slow


def _full(store: Store) -> tuple[dict[str, Any], dict[str, Any]]:
    """Event and timeline records as the events/7 stage made them: everything recomputed."""
    docs = [d for d in load_annotated(store) if d.annotation is not None]
    texts = {d.article.id: d.article.text for d in docs}
    events = extract_events(docs, entity_of=entity_index(store))
    smap, origins = story_map(store), origin_map(store)
    by_story: dict[str, list[Event]] = {}
    for e in events:
        by_story.setdefault(smap.get(e.article_id, "all"), []).append(e)
    timelines = {sid: {"story_id": sid, "entries": [t.to_dict(texts) for t in build_timeline(evs, origin_of=origins)]}
                 for sid, evs in by_story.items()}
    return {e.id: e.to_dict(texts[e.article_id]) for e in events}, timelines


def _stored(store: Store) -> tuple[dict[str, Any], dict[str, Any]]:
    return ({r["id"]: r for r in store.records("event")}, {r["story_id"]: r for r in store.records("timeline")})


def _run(store: Store, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[str]]:
    """Run the stage as the pipeline does; returns its message and the ids whose annotations it loaded."""
    loaded = spy_annotation_loads(monkeypatch, steps)  # the stage reads annotations only through extraction
    with store.deferred():
        said = stage.run_events(store, Settings(db_url=store.url))
    return said, loaded


def test_pipeline_records_equal_full_recompute(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(demo_url) as store:
        full = _full(store)
        assert full[0] and full[1]
        assert _stored(store) == full
        said, loaded = _run(store, monkeypatch)  # nothing changed: nothing loaded, extracted or rebuilt
        assert loaded == []
        assert said.startswith("extracted 0 new articles, reused 5;"), said
        assert said.endswith("0 articles linked again, 0 rewritten; 0 of 1 story timelines rebuilt"), said
        assert _stored(store) == full


def test_entity_change_relinks_without_extracting(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(demo_url) as store:
        linked = {e["actor_entity_id"] for e in store.records("event")} - {None}
        victim = sorted(linked)[0]
        # the entities stage re-resolves: the victim's mentions now belong to a new entity
        move_mentions(store, victim, "ent_renamed")
        said, loaded = _run(store, monkeypatch)
        assert loaded == []
        assert said.startswith("extracted 0 new articles, reused 5;"), said
        assert said.endswith("rewritten; 1 of 1 story timelines rebuilt"), said
        assert "0 rewritten" not in said and "0 articles linked again" not in said, said
        events, timelines = _stored(store)
        assert victim not in {e["actor_entity_id"] for e in events.values()}
        assert "ent_renamed" in {e["actor_entity_id"] for e in events.values()}
        assert (events, timelines) == _full(store)


def test_version_bump_and_vanished_stories(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(demo_url) as store:
        monkeypatch.setattr("newsweave.events.extract.EXTRACT_VERSION", "extract/test")
        said, loaded = _run(store, monkeypatch)
        assert sorted(loaded) == sorted(store.annotated_ids())
        assert said.startswith("extracted 0 new articles and 5 again (extract/test), reused 0;"), said
        assert _stored(store) == _full(store)
        # the story vanishes: its articles go to two new ones
        (old,) = [s for s in store.records("story") if s.get("level") == "event"]
        ids = sorted(old["article_ids"])
        new = [dict(old, id="x1", article_ids=ids[:3]), dict(old, id="x2", article_ids=ids[3:])]
        store.replace_records("story", [(s["id"], s, s["article_ids"]) for s in new])
        said, loaded = _run(store, monkeypatch)
        assert loaded == [] and said.endswith("2 of 2 story timelines rebuilt"), said
        assert set(store.record_scopes("timeline")) == {"x1", "x2"}
        assert _stored(store) == _full(store)


@pytest.mark.parametrize("backend", BACKENDS)
def test_arrivals_extract_only_new_articles(backend: str, seeds_dir: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Three articles, then two more: only the two are extracted; the result is a full recompute's."""
    first = tmp_path / "first"
    first.mkdir()
    seeds = sorted(seeds_dir.iterdir())
    for p in seeds[:3]:
        shutil.copy(p, first / p.name)
    with fresh_database(backend, tmp_path) as url, Store(url) as store:
        settings = Settings(db_url=url)
        pipeline.analyze([first], store, settings)
        before = set(store.record_scopes("event_raw"))
        assert len(before) == 3
        calls: list[str] = []
        real = events_for_article

        def counting(doc: Any, *a: Any, **k: Any) -> Any:
            calls.append(doc.article.id)
            return real(doc, *a, **k)

        monkeypatch.setattr("newsweave.events.extract.events_for_article", counting)
        report = pipeline.analyze([seeds_dir], store, settings)
        assert report.stages["events"].startswith("extracted 2 new articles, reused 3;"), report.stages
        assert len(calls) == 2 and not set(calls) & before
        assert _stored(store) == _full(store)


def test_raw_round_trip(demo_runs: Any) -> None:
    with Store(demo_runs.get("sqlite").url) as store:
        docs = [d for d in load_annotated(store) if d.annotation is not None]
        index = entity_index(store)
        for d in docs:
            for e in events_for_article(d, entity_of=index):
                back = Event.from_raw(e.to_raw(d.article.text))
                assert back.actor_entity_id is None and back.target_entity_id is None
                link_entities([back], index)
                assert back == e
