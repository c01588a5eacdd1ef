"""The summary and key-timeline stages keep each article's sentences (made once per article) and give the
records that summarizing the annotated articles gives; a story that gained articles reads only theirs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from newsweave import steps
from newsweave.config import Settings
from newsweave.events import stage as events_stage
from newsweave.events.tls import summarize_timeline
from newsweave.models import AnnotatedArticle
from newsweave.reuse.independence import Independence
from newsweave.reuse.stage import origin_map
from newsweave.steps import load_annotated
from newsweave.store import Store
from newsweave.stories.stage import top_stories
from newsweave.summarize import stage as summary_stage
from newsweave.summarize.extractive import (
    SummaryOptions,
    candidate_rows,
    candidate_sentences,
    candidates_from_rows,
    summarize_candidates,
    summarize_story,
)
from newsweave.summarize.lexical import LexicalEncoder
from tests.conftest import spy_annotation_loads
from tests.summarize.test_summarize import RIVERTON, _docs

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def riverton() -> tuple[list[AnnotatedArticle], dict[str, str]]:
    data = json.loads(RIVERTON.read_text(encoding="utf-8"))
    return _docs(data["articles"]), data["origin_of"]


def _from_rows(docs: list[AnnotatedArticle], options: SummaryOptions | None = None) -> list[Any]:
    annotated = [d for d in docs if d.annotation is not None]
    return [c for k, d in enumerate(annotated) for c in candidates_from_rows(d.article, k, candidate_rows(d, options))]


def test_stored_candidates_are_the_candidates(riverton: tuple[list[AnnotatedArticle], dict[str, str]]) -> None:
    docs, _ = riverton
    for opts in (None, SummaryOptions(min_words=3, max_sentence_words=30)):
        assert _from_rows(docs, opts) == candidate_sentences([d for d in docs if d.annotation is not None], opts)


@pytest.mark.parametrize("options", [SummaryOptions(), SummaryOptions(max_pool=4), SummaryOptions(use_titles=True)])
def test_summary_from_stored_candidates(riverton: tuple[list[AnnotatedArticle], dict[str, str]],
                                        options: SummaryOptions) -> None:
    docs, origins = riverton
    want = summarize_story(docs, origin_of=origins, story_id="s", options=options, encoder=LexicalEncoder())
    assert want
    annotated = [d for d in docs if d.annotation is not None]
    titles = [d.article.title for d in annotated if d.article.title]
    got = summarize_candidates(_from_rows(docs, options), [d.article for d in annotated], titles=titles,
                               origin_of=origins, story_id="s", options=options, encoder=LexicalEncoder())
    assert [s.to_dict() for s in got] == [s.to_dict() for s in want]
    assert [(s.score, s.independent_sources) for s in got] == [(s.score, s.independent_sources) for s in want]


def _expected(store: Store) -> tuple[dict[str, Any], dict[str, Any]]:
    """Summaries and key timelines as the stages made them before (summary/4, key_timeline/5): from the
    annotated articles of each story, every story recomputed."""
    origins = origin_map(store)
    independence = Independence(store.records("reuse"))
    summaries: dict[str, Any] = {}
    timelines: dict[str, Any] = {}
    for sid, ids in top_stories(store).items():
        docs = [d for d in load_annotated(store, ids) if d.annotation is not None]
        sents = summarize_story(docs, origin_of=origins, story_id=sid, encoder=LexicalEncoder()) if docs else []
        summaries.update((f"{sid}:{k:02d}", s.to_dict()) for k, s in enumerate(sents))
        entries = []
        for e in summarize_timeline(docs, per_date=None) if docs else []:
            row = e.to_dict()
            row["article_ids"] = sorted(set(e.mentioned_by) | set(e.published_on))
            row["independent_sources"] = len({independence.origin(a) for a in row["article_ids"]})
            entries.append(row)
        if entries:
            timelines[sid] = {"story_id": sid, "entries": entries}
    return summaries, timelines


def _stored(store: Store) -> tuple[dict[str, Any], dict[str, Any]]:
    summaries = {}
    for sid in top_stories(store):
        recs = store.records("summary", scope=sid)
        summaries.update((f"{sid}:{k:02d}", {k2: v for k2, v in r.items() if k2 != "id"}) for k, r in enumerate(recs))
    return summaries, {r["story_id"]: r for r in store.records("key_timeline")}


def _rerun(store: Store, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    loaded = spy_annotation_loads(monkeypatch, steps)
    with store.deferred():
        said = [events_stage.run_key_timeline(store, Settings(db_url=store.url)),
                summary_stage.run_summary(store, Settings(db_url=store.url))]
    return said, loaded


def test_stages_equal_the_recompute_and_read_only_new_articles(demo_url: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(demo_url) as store:
        want = _expected(store)
        assert want[0] and want[1]
        assert _stored(store) == want
        for sid in top_stories(store):  # forget every story: redone from the stored sentences alone
            store.set_state(f"key_timeline:{sid}", None)
            store.set_state(f"summary:{sid}", None)
        said, loaded = _rerun(store, monkeypatch)
        assert loaded == [], said
        assert "dated sentences read from 0 new articles" in said[0] and "candidates read from 0" in said[1]
        assert _stored(store) == want
        # one article's stored sentences are lost (as for an article new to the story): only it is read
        aid = store.annotated_ids()[0]
        store.set_state("key_timeline_articles", None)
        state = store.get_state("summary_articles")
        store.set_state("summary_articles", dict(state, articles=[a for a in state["articles"] if a != aid]))
        for sid in top_stories(store):
            store.set_state(f"summary:{sid}", None)
        said, loaded = _rerun(store, monkeypatch)
        assert sorted(loaded) == sorted([*store.annotated_ids(), aid]), said  # every one for the timeline again
        assert _stored(store) == want
