"""What every analysis stage is made of: its declaration, its input fingerprint, its view of the store.

Each capability's package declares its stage in its ``stage`` module (``STAGE``);
:mod:`newsweave.stages` lists them in order and :mod:`newsweave.pipeline` runs them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from newsweave.config import Settings
from newsweave.models import AnnotatedArticle
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


