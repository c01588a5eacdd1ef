"""What every analysis stage is made of: its declaration, its input fingerprint, its view of the store.

Each capability's package declares its stage in its ``stage`` module (``STAGE``);
:mod:`newsweave.stages` lists them in order and :mod:`newsweave.pipeline` runs them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
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


