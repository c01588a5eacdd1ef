"""Reuse stage: near-duplicates and copied passages with their origin (see :mod:`newsweave.reuse.detect`),
kept current by a persistent index (:mod:`newsweave.reuse.index`)."""

from __future__ import annotations

from newsweave.config import Settings
from newsweave.steps import Stage, article_ids, fingerprint
from newsweave.store import Store


def run_reuse(store: Store, settings: Settings) -> str:
    """Near-duplicates, copied passages with their origin, originality and wire credits.

    Incremental (:func:`newsweave.reuse.index.update_reuse`): only the articles stored since the
    last run are fingerprinted, and only the records they can change are rewritten; the records
    equal :func:`newsweave.reuse.detect.detect_reuse` over all stored articles.
    """
    from newsweave.reuse.index import update_reuse

    return update_reuse(store)


def inputs_reuse(store: Store) -> str:
    """The stored articles."""
    return fingerprint("reuse/2", article_ids(store))


def origin_map(store: Store) -> dict[str, str]:
    """Article id -> the article it mostly copied (see :class:`newsweave.corroborate.Independence`)."""
    from newsweave.corroborate.claims import Independence

    return Independence(store.records("reuse")).origin_of


#: the reuse stage, in the order of :data:`newsweave.stages.STAGES`
STAGE = Stage("reuse", run_reuse, inputs_reuse)
