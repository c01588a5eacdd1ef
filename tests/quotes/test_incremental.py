"""The quotes stage extracts once per article and regroups only the stories that changed; its records equal a
full recompute (extraction with the current entities, grouped per story) in every case."""

from __future__ import annotations

from typing import Any

import pytest

from newsweave import steps
from newsweave.config import Settings
from newsweave.entities.link import entity_index
from newsweave.quotes import extract_all, group_quotes
from newsweave.quotes import stage as qstage
from newsweave.steps import load_annotated
from newsweave.store import Store
from newsweave.stories.stage import top_stories
from tests.conftest import move_mentions, spy_annotation_loads

pytestmark = pytest.mark.slow


def _full(store: Store) -> dict[str, Any]:
    """The quote groups computed from scratch: extraction linked to the current entities, grouped per story
    (statements in ingestion order)."""
    docs = [d for d in load_annotated(store) if d.annotation is not None]
    texts = {d.article.id: d.article.text for d in docs}
    quotes = extract_all(docs, resolver=entity_index(store))
    rank = {a: k for k, a in enumerate(store.iter_article_ids())}
    out: dict[str, Any] = {}
    for ids in top_stories(store).values():
        members = set(ids)
        for g in group_quotes([q for q in quotes if q.article_id in members], texts, encoder=False, order=rank):
            out[g.id] = g.to_dict()
    return out


def _stored(store: Store) -> dict[str, Any]:
    return {q["id"]: q for q in store.records("quote")}


def _run(store: Store, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[str]]:
    """Run the stage (wording only, as :func:`_full`); returns its message and the ids whose annotations it
    loaded."""
    loaded = spy_annotation_loads(monkeypatch, steps)
    monkeypatch.setattr("newsweave.annotate.embeddings.english_sentences", lambda store=None: False)
    with store.deferred():
        said = qstage.run_quotes(store, Settings(db_url=store.url))
    return said, loaded


def test_records_equal_full_recompute_and_rerun_does_nothing(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(demo_url) as store:
        store.set_state("quotes:stories", {})  # the demo run grouped with embeddings: regroup on wording only
        said, loaded = _run(store, monkeypatch)
        assert loaded == [] and said.startswith("extracted 0 new articles, reused 5; 1 of 1 stories grouped again")
        full = _full(store)
        assert any(len(q["article_ids"]) > 1 for q in full.values())
        assert _stored(store) == full
        said, loaded = _run(store, monkeypatch)  # nothing changed
        assert loaded == []
        assert said.startswith("extracted 0 new articles, reused 5; 0 of 1 stories grouped again"), said
        # a new extraction version: every article extracted again; the same quotes, so no story regrouped
        monkeypatch.setattr("newsweave.quotes.extract.EXTRACT_VERSION", "quotes-extract/test")
        said, loaded = _run(store, monkeypatch)
        assert sorted(loaded) == sorted(store.annotated_ids())
        assert said.startswith("extracted 5 new articles, reused 0; 0 of 1 stories grouped again"), said
        assert _stored(store) == full


def test_entity_change_relinks_without_extracting(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(demo_url) as store:
        store.set_state("quotes:stories", {})  # the demo run grouped with embeddings: regroup on wording only
        _run(store, monkeypatch)
        linked = {v.get("speaker_entity_id") for q in store.records("quote") for v in q["variants"]} - {None}
        victim = sorted(linked)[0]
        move_mentions(store, victim, "ent_renamed")
        said, loaded = _run(store, monkeypatch)
        assert loaded == [] and "1 of 1 stories grouped again" in said, said
        speakers = {v.get("speaker_entity_id") for q in store.records("quote") for v in q["variants"]}
        assert victim not in speakers and "ent_renamed" in speakers
        assert _stored(store) == _full(store)


def test_groups_stay_within_a_story(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(demo_url) as store:
        _run(store, monkeypatch)
        (old,) = [s for s in store.records("story") if s.get("level") == "storyline"] or [
            s for s in store.records("story") if s.get("level") == "event"]
        ids = sorted(old["article_ids"])
        new = [dict(old, id="x1", article_ids=ids[:3]), dict(old, id="x2", article_ids=ids[3:])]
        store.replace_records("story", [(s["id"], s, s["article_ids"]) for s in new])
        said, loaded = _run(store, monkeypatch)
        assert loaded == [] and "2 of 2 stories grouped again" in said, said
        assert set(store.record_scopes("quote")) <= {"x1", "x2"}
        for q in store.records("quote"):  # no group joins articles of the two stories
            assert set(q["article_ids"]) <= set(ids[:3]) or set(q["article_ids"]) <= set(ids[3:])
        assert _stored(store) == _full(store)


def _set_top_story(store: Store, ids: list[str]) -> None:
    (old,) = [s for s in store.records("story") if s.get("level") == "storyline"] or [
        s for s in store.records("story") if s.get("level") == "event"]
    store.replace_records("story", [(old["id"], dict(old, article_ids=ids), ids)])


def _partition(records: dict[str, Any]) -> set[frozenset[tuple[str, int, int]]]:
    return {frozenset((v["article_id"], v["start"], v["end"]) for v in q["variants"]) for q in records.values()}


def test_a_story_that_gained_articles_adds_their_statements(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(demo_url) as store:
        _run(store, monkeypatch)
        members = set(next(iter(top_stories(store).values())))
        ids = [a for a in store.iter_article_ids() if a in members]  # in ingestion order
        _set_top_story(store, ids[:3])  # two articles left: grouped from scratch
        said, _ = _run(store, monkeypatch)
        assert "1 of 1 stories grouped again (0 by adding" in said, said
        assert _stored(store) == _full(store)
        _set_top_story(store, ids)  # they come back, ingested after the others: added, the same as from scratch
        said, loaded = _run(store, monkeypatch)
        assert loaded == [] and "1 of 1 stories grouped again (1 by adding" in said, said
        full = _full(store)
        assert _stored(store) == full and any(len(q["article_ids"]) > 1 for q in full.values())
        # a speaker's entity has a new id: the stored groups are kept, with the new id
        linked = sorted({v.get("speaker_entity_id") for q in store.records("quote") for v in q["variants"]} - {None})
        move_mentions(store, linked[0], "ent_renamed")
        said, _ = _run(store, monkeypatch)
        assert "1 of 1 stories grouped again (1 by adding" in said, said
        assert _stored(store) == _full(store)
        # two speakers became one: grouped from scratch
        if len(linked) > 1:
            move_mentions(store, linked[1], "ent_renamed")
            said, _ = _run(store, monkeypatch)
            assert "1 of 1 stories grouped again (0 by adding" in said, said
            assert _stored(store) == _full(store)
        # articles ingested before the others join: their statements join in arrival order, nearly as from scratch
        full = _full(store)
        _set_top_story(store, ids[2:])
        _run(store, monkeypatch)
        _set_top_story(store, ids)
        said, _ = _run(store, monkeypatch)
        assert "(1 by adding" in said, said
        moved = _partition(_stored(store)) - _partition(full)
        assert sum(len(p) for p in moved) <= 0.1 * sum(len(q["variants"]) for q in full.values())


def test_inputs_change_when_a_speakers_entity_changes(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(demo_url) as store:
        _run(store, monkeypatch)
        before = qstage.inputs_quotes(store)
        assert qstage.inputs_quotes(store) == before
        linked = {v.get("speaker_entity_id") for q in store.records("quote") for v in q["variants"]} - {None}
        move_mentions(store, sorted(linked)[0], "ent_renamed")
        changed = qstage.inputs_quotes(store)
        assert changed != before
        store.set_state("stage:entities", "another run")  # what the entities stage ran on (e.g. confidences)
        assert qstage.inputs_quotes(store) != changed
