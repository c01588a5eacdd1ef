"""What every analysis stage is made of: its declaration, its input fingerprint, its view of the store.

Each capability's package declares its stage in its ``stage`` module (``STAGE``);
:mod:`newsweave.stages` lists them in order and :mod:`newsweave.pipeline` runs them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from newsweave.config import Settings
from newsweave.models import AnnotatedArticle, Article
from newsweave.store import Store


def article_ids(store: Store) -> list[str]:
    """Ids of every stored article, in ingestion order."""
    return list(store.iter_article_ids())


def load_annotated(store: Store, ids: Iterable[str] | None = None) -> list[AnnotatedArticle]:
    """Stored articles with their annotations, in ingestion order."""
    arts = store.articles(ids)
    anns = store.annotations([a.id for a in arts])
    return [AnnotatedArticle(a, anns.get(a.id)) for a in arts]


#: annotated articles loaded at a time when extracting (annotations are big: a few hundred KB parsed each)
EXTRACT_CHUNK = 200


class ArticleExtractions:
    """What a stage extracts from one article alone, made once per article and extractor version.

    One record of ``kind`` per article, scoped by the article id (``{"article_id": ..., ...}``), written as
    each article is extracted; the stage keeps, in its own state, which articles hold a current extraction.
    Annotations are loaded only for the articles to extract, :data:`EXTRACT_CHUNK` at a time.
    """

    def __init__(self, store: Store, kind: str) -> None:
        self.store, self.kind = store, kind
        #: article id -> its extraction record (those made in this run, and those :meth:`load` read back)
        self.raw: dict[str, dict[str, Any]] = {}
        #: the articles extracted in this run
        self.fresh: set[str] = set()

    def update(self, order: Sequence[str], annotated: Collection[str], done: Collection[str],
               extract: Callable[[AnnotatedArticle], dict[str, Any]]) -> list[str]:
        """Extract the annotated articles of ``order`` that are not ``done``; drop the records of articles
        gone. Returns the articles that hold an extraction now, in ``order``."""
        need = [a for a in order if a in annotated and a not in done]
        for k in range(0, len(need), EXTRACT_CHUNK):
            for doc in load_annotated(self.store, need[k : k + EXTRACT_CHUNK]):
                if doc.annotation is not None:
                    aid = doc.article.id
                    self.raw[aid] = payload = extract(doc)
                    self.store.replace_records(self.kind, [(aid, payload, [aid])], scope=aid)
                    self.fresh.add(aid)
        live = [a for a in order if a in annotated and (a in done or a in self.fresh)]
        self.store.drop_scopes(self.kind, self.store.record_scopes(self.kind) - set(live))
        return live

    def load(self, ids: Iterable[str]) -> None:
        """Read back the stored extractions of ``ids`` not in :attr:`raw` (one query when there are many)."""
        want = [a for a in ids if a not in self.raw]
        if len(want) > 50:
            wanted = set(want)
            self.raw.update((r["article_id"], r) for r in self.store.records(self.kind) if r["article_id"] in wanted)
        else:
            self.raw.update((a, r) for a in want for r in self.store.records(self.kind, scope=a))


class StoryExtractions:
    """Per-story work from per-article extractions: which stories to redo, and their articles' extractions.

    A story is redone when its key (``fingerprint(*version, its article ids, their copy origins)``) differs
    from the one stored under ``<prefix>:<story id>``. The extraction ``kind`` (``extract``, one record per
    article) is made once per article and ``version[-1]`` for every annotated story member that has none
    (the state ``<prefix>_articles`` records which hold one); :meth:`redo` reads back those of the stories to
    redo in one query.
    """

    def __init__(self, store: Store, stories: dict[str, list[str]], origins: dict[str, str], prefix: str,
                 kind: str, extract: Callable[[AnnotatedArticle], dict[str, Any]], *version: str) -> None:
        self.store, self.prefix = store, prefix
        self.keys = {sid: fingerprint(*version, sorted(ids), sorted((a, origins[a]) for a in ids if a in origins))
                     for sid, ids in stories.items()}
        self.todo = [sid for sid in stories if store.get_state(f"{prefix}:{sid}") != self.keys[sid]]
        state_key, current = f"{prefix}_articles", version[-1]
        state = store.get_state(state_key) or {}
        done = set(state.get("articles", [])) if state.get("extract") == current else set()
        self.ext = ArticleExtractions(store, kind)
        members = {a for ids in stories.values() for a in ids}
        live = self.ext.update([a for a in article_ids(store) if a in members], set(store.annotated_ids()), done,
                               extract)
        store.set_state(state_key, {"extract": current, "articles": live})
        have = set(live)
        self.members = {sid: [a for a in stories[sid] if a in have] for sid in self.todo}

    def redo(self) -> Iterator[tuple[str, list[Article], list[dict[str, Any]]]]:
        """Each story to redo, its annotated articles (ingestion order) and their extractions; mark it done
        (``<prefix>:<story id>``) once the caller has taken the next."""
        self.ext.load(a for ids in self.members.values() for a in ids)
        for sid, ids in self.members.items():
            arts = self.store.articles(ids) if ids else []
            yield sid, arts, [self.ext.raw.pop(a.id) for a in arts]
            self.store.set_state(f"{self.prefix}:{sid}", self.keys[sid])


def fingerprint(*parts: Any) -> str:
    """A short stable hash of JSON-able parts (what a stage read, and its version)."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:20]


@dataclass(slots=True)
class Stage:
    """One analysis step after annotation.

    ``run(store, settings)`` reads what is stored and writes its records; it returns
    a one-line account of what it did. ``inputs(store)`` returns a fingerprint of
    what it reads: when unchanged since the last run, the stage is skipped.
    """

    name: str
    run: Callable[[Store, Settings], str]
    inputs: Callable[[Store], str]


