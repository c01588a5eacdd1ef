"""The quotes and summary stages with the store's embedding cache: the same records as without it, and a
rerun encodes nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from newsweave.annotate.embeddings import english_encoder_id
from newsweave.config import Settings
from newsweave.quotes.stage import run_quotes
from newsweave.store import Store
from newsweave.summarize.stage import run_summary
from tests.conftest import BACKENDS, DemoRuns


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend in turn (the demo store of that backend is built once per session)."""
    return str(request.param)


def _rerun(store: Store, settings: Settings) -> tuple[str, str, dict[str, Any]]:
    """Run quotes and every story's summary again (in one stage transaction each); their messages and records."""
    store.set_state("quotes:stories", {})  # forget that every story's quotes are grouped: they are regrouped
    with store.deferred():
        said_quotes = run_quotes(store, settings)
    for scope in store.record_scopes("summary"):
        store.set_state(f"summary:{scope}", None)  # forget that the summary is current: it is redone
    with store.deferred():
        said_summary = run_summary(store, settings)
    return said_quotes, said_summary, {kind: store.records(kind) for kind in ("quote", "summary")}


def test_cached_vectors_give_the_same_quotes_and_summaries(demo_runs: DemoRuns, backend: str) -> None:
    run = demo_runs.get(backend)
    with Store(run.url) as store:  # made by the first run, which filled the cache (quotes; lexical summaries)
        made = {kind: store.records(kind) for kind in ("quote", "summary")}
        cached = store.count_embeddings(english_encoder_id())
    assert made["quote"] and made["summary"] and cached > 0
    with demo_runs.copy(backend) as url, Store(url) as store:
        said_quotes, said_summary, again = _rerun(store, Settings(db_url=url))
        assert again == made  # lexical summary vectors are fitted per story: the same summary again
        assert "(0 texts embedded," in said_quotes and "embedded" not in said_summary
        assert store.count_embeddings() == cached
        # MiniLM summary vectors: the first run fills the cache, a rerun reads every vector back
        minilm = Settings(db_url=url, summary_vectors="minilm")
        _, first, with_minilm = _rerun(store, minilm)
        assert "texts embedded" in first and with_minilm["quote"] == made["quote"]
        _, said_summary, again = _rerun(store, minilm)
        assert "(0 texts embedded," in said_summary and again == with_minilm
        _, _, fresh = _rerun(store, Settings(db_url=url, embedding_cache=False, summary_vectors="minilm"))
        assert fresh == with_minilm  # every vector encoded now: the same records
