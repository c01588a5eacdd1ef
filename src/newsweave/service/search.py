"""Full-text search over article titles and texts: SQLite FTS5 or PostgreSQL full-text, behind one interface.

The index is the database's own (store migrations 0005 and 0007): on SQLite an external-content FTS5
table ``articles_fts`` (Porter stemmer, accents removed) kept current by triggers on
``articles``; on PostgreSQL a stored generated ``tsvector`` column ``articles.search``
(English configuration, over title and text with accents folded by the store's ``newsweave_fold``
function) with a GIN index. Both follow every write to ``articles`` in the
writer's own transaction, so nothing in the service has to remember to index an article.
A separate search engine (Whoosh, Tantivy, Elasticsearch) would be one more process or
index to keep in step with the store; the databases' built-in indexes need neither.

A query is reduced to its words, all of which must match (after stemming, case and accents
aside: "Guaido" finds "Guaidó" and "Guaidó" finds "Guaido"), on both backends alike: no
operators, so no user input can produce a syntax error. Each hit
carries a snippet and the character span of its first matched word, as evidence into the
article text.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Integer, column, desc, func, literal_column, select, text
from sqlalchemy.sql import Select

from newsweave.errors import NewsweaveError
from newsweave.store import Store
from newsweave.store.schema import articles
from newsweave.textutil import fold, fold_same_length

#: Words of a query (letters and digits); at most this many are used.
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 16
SNIPPET_CHARS = 240
PG_CONFIG = "english"


class SearchQueryError(NewsweaveError):
    """A search query without a word to search for."""

    code = "E110"


def words(q: str) -> list[str]:
    """The words of a query, in order, without repeats (at most :data:`MAX_WORDS`)."""
    return list(dict.fromkeys(w for w in _WORD.findall(q or "") if w.strip("_")))[:MAX_WORDS]


def words_or_fail(q: str) -> list[str]:
    found = words(q)
    if not found:
        raise SearchQueryError(f"the query {q!r} has no word to search for (letters or digits)")
    return found


def _fts5_query(found: list[str]) -> str:
    # each word a quoted string: FTS5 then reads no operator, column filter or prefix out of user text
    return " ".join('"' + w.replace('"', '""') + '"' for w in found)


def matches(store: Store, q: str) -> tuple[Select[Any], Any]:
    """``(select of article ids that match, a rank expression to order by)`` for this backend."""
    found = words_or_fail(q)
    if store.dialect == "postgresql":
        query = func.plainto_tsquery(PG_CONFIG, func.newsweave_fold(" ".join(found)))
        vector: Any = literal_column("articles.search")
        return (select(articles.c.id).where(vector.op("@@")(query)),
                desc(func.ts_rank_cd(vector, query)))
    hits = (text("SELECT rowid AS seq, bm25(articles_fts, 5.0, 1.0) AS score FROM articles_fts "
                 "WHERE articles_fts MATCH :fts")
            .bindparams(fts=_fts5_query(found)).columns(column("seq", Integer), column("score"))).subquery("hits")
    return select(articles.c.id).join(hits, hits.c.seq == articles.c.seq), hits.c.score


def matching_ids(store: Store, q: str) -> Select[Any]:
    """A select of the ids of the articles that match ``q`` (to use in ``IN (...)``).

    Raises:
        SearchQueryError: the query has no word.
    """
    return matches(store, q)[0]


def _span(text_: str, found: list[str]) -> tuple[int, int] | None:
    """The first place a query word (or a word it is the stem of) occurs, case and accents aside."""
    folded = None
    for w in found:
        pattern = re.compile(r"\b" + re.escape(w) + r"\w*", re.IGNORECASE)
        m = pattern.search(text_)
        if m is None and not text_.isascii():
            folded = folded if folded is not None else fold_same_length(text_)
            m = re.compile(r"\b" + re.escape(fold(w)) + r"\w*").search(folded)
        if m is None and len(w) > 4:  # a stemmed match: "defected" for "defection"
            m = re.compile(r"\b" + re.escape(w[: max(4, len(w) - 3)]) + r"\w*", re.IGNORECASE).search(text_)
        if m is not None:
            return m.start(), m.end()
    return None


def snippet(text_: str, found: list[str]) -> dict[str, Any]:
    """Up to :data:`SNIPPET_CHARS` characters around the first matched word, and that word's span."""
    span = _span(text_, found)
    if span is None:
        return {"text": text_[:SNIPPET_CHARS], "start": 0, "end": min(len(text_), SNIPPET_CHARS), "match": None}
    lo = max(0, span[0] - SNIPPET_CHARS // 3)
    hi = min(len(text_), lo + SNIPPET_CHARS)
    return {"text": text_[lo:hi], "start": lo, "end": hi, "match": {"start": span[0], "end": span[1]}}
