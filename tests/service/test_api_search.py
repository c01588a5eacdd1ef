"""Full-text search and its index (store migration 0005), on SQLite and PostgreSQL, without the pipeline.

A store made before revision 0005 gets its articles indexed when it is opened (migrated); every
article stored later is searchable at once, an article whose title or text changes is found by
its new words only; a query is words, all of which must occur (stemmed, case aside), never syntax
(quotes, operators and column filters in user text are plain words); hits carry a snippet and the
matched span, and filter by outlet and date.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, insert, text, update

from newsweave.models import Article
from newsweave.service import read
from newsweave.service.search import SearchQueryError, snippet, words
from newsweave.store import Store
from newsweave.store.repository import MIGRATIONS, _article_row, head_revision
from newsweave.store.schema import articles


def art(k: int, body: str, **kw: Any) -> Article:
    return Article(id=f"a{k:03d}", text=body, input=f"in/{k}.txt", language="en", **kw)


OLD = [art(1, "Officials in Caracas said the colonel defected to the opposition on Saturday.", source="Wire",
           published="2019-01-26"),
       art(2, "The storm closed the roads of the city on Monday, officials said.", source="Daily",
           published="2019-02-03")]


def test_an_older_store_is_indexed_when_it_opens(db_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(db_url)
    with engine.begin() as conn:  # a store at revision 0004, with articles, before search existed
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
        conn.execute(insert(articles), [{**_article_row(a), "seq": k} for k, a in enumerate(OLD, 1)])
    engine.dispose()
    with Store(db_url) as store:
        with store.engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()
        assert [h["id"] for h in read.search(store, "defecting colonels").items] == ["a001"]  # stemmed
        assert [h["id"] for h in read.search(store, "STORM").items] == ["a002"]
        store.add_articles([art(3, "A second storm hit the coast; the colonel's family left the city.",
                                source="Wire", published="2019-02-10")])
        assert {h["id"] for h in read.search(store, "storm").items} == {"a002", "a003"}
        assert [h["id"] for h in read.search(store, "storm colonel").items] == ["a003"]  # every word must occur
        assert [h["id"] for h in read.search(store, "storm", outlet="Wire").items] == ["a003"]
        assert [h["id"] for h in read.search(store, "storm", until="2019-02-05").items] == ["a002"]
        with store.transaction() as conn:  # a changed text is found by its new words only
            assert conn is not None
            conn.execute(update(articles).where(articles.c.id == "a002").values(text="Floods closed the bridges."))
        assert [h["id"] for h in read.search(store, "storm").items] == ["a003"]
        assert [h["id"] for h in read.search(store, "bridges").items] == ["a002"]


def test_hits_carry_snippets_and_spans(db_store: Store) -> None:
    body = ("Opening words. " * 30) + "The attaché said the military would defect. " + ("Closing words. " * 30)
    db_store.add_articles([art(1, body, title="A defection")])
    page = read.search(db_store, "defect")
    assert page.total == 1
    hit = page.items[0]
    ev, snip = hit["evidence"], hit["snippet"]
    assert body[ev["start"]:ev["end"]] == "defect" and snip["start"] <= ev["start"] < ev["end"] <= snip["end"]
    assert body[snip["start"]:snip["end"]] == snip["text"] and len(snip["text"]) <= 240
    assert read.search(db_store, "attaché").total == 1


@pytest.mark.parametrize("query", ['"colonel', "colonel OR storm", "title:storm", "colonel*", "NEAR(a b)",
                                   "a AND NOT b", "(colonel", "'; DROP TABLE articles; --", "colonel -storm"])
def test_user_text_is_never_syntax(db_store: Store, query: str) -> None:
    db_store.add_articles(OLD)
    page = read.search(db_store, query)  # no error whatever the text: its words are searched
    assert page.total == len({h["id"] for h in page.items})
    assert db_store.count_articles() == 2


@pytest.mark.parametrize(("query", "expected"), [("Guaidó's aides", ["Guaidó", "s", "aides"]), ("  ", []),
                                                  ("!?", []), ("a a b", ["a", "b"]), ("x_y", ["x_y"])])
def test_words(query: str, expected: list[str]) -> None:
    assert words(query) == expected


def test_accents_are_folded_on_both_backends(db_store: Store) -> None:
    db_store.add_articles([art(10, "Juan Guaidó spoke in São Paulo.", title="Guaidó abroad"),
                           art(11, "Guaido and Sao Paulo, written without accents.")])
    for q in ("guaido", "Guaidó", "GUAIDÓ sao paulo"):
        assert {h["id"] for h in read.search(db_store, q).items} == {"a010", "a011"}, q
    hit = next(h for h in read.search(db_store, "guaido").items if h["id"] == "a010")
    ev = hit["evidence"]
    assert "Juan Guaidó spoke in São Paulo."[ev["start"]:ev["end"]] == "Guaidó"


def test_a_query_without_words_is_an_error(db_store: Store) -> None:
    with pytest.raises(SearchQueryError, match=r"\[E110\]"):
        read.search(db_store, "?!")


def test_snippet_without_a_literal_match() -> None:
    assert snippet("Short text.", ["zebra"]) == {"text": "Short text.", "start": 0, "end": 11, "match": None}
