"""The entities stage extracts once per article, links references again only where their inputs changed and
writes only the records that changed; its records equal a full recompute from the annotations in every case."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from newsweave import steps
from newsweave.config import Settings
from newsweave.entities import stage
from newsweave.entities.nominal import link_references
from newsweave.entities.resolve import resolve_entities
from newsweave.steps import load_annotated
from newsweave.store import Store
from newsweave.store.schema import entities, mentions
from newsweave.stories.stage import story_map
from tests.conftest import spy_annotation_loads

pytestmark = pytest.mark.slow

KINDS = ("entity", "mention", "demonym", "reference")


def _full(store: Store, stories: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """The records as the stage made them before it was incremental: everything from the annotations."""
    docs = [d for d in load_annotated(store) if d.annotation is not None]
    smap = (stories if stories is not None else story_map(store)) or None
    res = resolve_entities(docs, smap, stage.storyline_map(store) or None)
    data = res.to_dict()
    refs = [r.to_dict() for r in link_references(docs, res.mentions, smap) if r.entity_id]
    return {
        "entity": {e["id"]: e for e in data["entities"]},
        **{kind: {stage._span_id(r): r for r in rows}
           for kind, rows in (("mention", data["mentions"]), ("demonym", data["demonyms"]), ("reference", refs))},
    }


def _stored(store: Store) -> dict[str, dict[str, Any]]:
    out = {"entity": {r["id"]: r for r in store.records("entity")}}
    out.update({k: {stage._span_id(r): r for r in store.records(k)} for k in KINDS[1:]})
    with store.engine.connect() as conn:  # the typed rows follow the records
        assert conn.scalar(select(func.count()).select_from(entities)) == len(out["entity"])
        assert conn.scalar(select(func.count()).select_from(mentions)) == sum(len(out[k]) for k in KINDS[1:])
    return out


def _run(store: Store, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[str]]:
    """Run the stage as the pipeline does; returns its message and the ids whose annotations it loaded."""
    loaded = spy_annotation_loads(monkeypatch, steps)  # the stage loads annotations through steps only
    with store.deferred():
        said = stage.run_entities(store, Settings(db_url=store.url))
    return said, loaded


def test_records_equal_full_recompute_and_rerun_does_nothing(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(demo_url) as store:
        full = _full(store)
        assert all(full[k] for k in KINDS)
        assert _stored(store) == full
        assert len(store.records("entity_raw")) == len(store.records("reference_raw")) == 5
        said, loaded = _run(store, monkeypatch)
        assert loaded == []
        assert said.endswith("extracted 0 articles, linked 0 again in the article and 0 of 1 stories across "
                             "articles; records of 0 articles and 0 entities written"), said
        assert _stored(store) == full


def test_added_articles_are_extracted_alone_and_records_equal_one_run(demo_url: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(demo_url) as store:
        full = _full(store)
        order = list(store.iter_article_ids())
        store.set_state(stage._STATE_KEY, None)  # as if the stage never ran: first with three articles only
        for kind in ("entity_raw", "reference_raw", *KINDS):
            store.drop_scopes(kind, store.record_scopes(kind))
        with monkeypatch.context() as m:
            m.setattr(stage, "article_ids", lambda s: order[:3])
            m.setattr(store, "annotated_ids", lambda: order[:3])
            said, loaded = _run(store, m)
        assert set(loaded) == set(order[:3]), said  # extracted, then linked
        assert _stored(store) != full
        said, loaded = _run(store, monkeypatch)  # two articles added
        assert loaded[:2] == order[3:] and set(loaded) <= set(order), said
        assert "extracted 2 articles" in said, said
        assert _stored(store) == full


def test_story_change_relinks_only_what_it_changes(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(demo_url) as store:
        smap = story_map(store)
        moved = sorted(smap)[0]
        split = {**smap, moved: "story_elsewhere"}
        monkeypatch.setattr(stage, "story_map", lambda s: split)
        said, _ = _run(store, monkeypatch)
        assert "extracted 0 articles" in said and "2 of 2 stories across articles" in said, said
        assert _stored(store) == _full(store, split)
        monkeypatch.setattr(stage, "story_map", lambda s: smap)
        _run(store, monkeypatch)
        assert _stored(store) == _full(store)


def test_update_records_writes_and_deletes_only_what_it_is_told(store: Store) -> None:
    store.replace_records("note", [("a", {"v": 1}, []), ("b", {"v": 2}, []), ("c", {"v": 3}, [])])
    assert store.update_records("note", [("b", {"v": 20}, []), ("d", {"v": 4}, [])], drop=["c"]) == 2
    assert store.records("note") == [{"v": 1}, {"v": 20}, {"v": 4}]
