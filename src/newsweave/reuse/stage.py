"""Reuse stage: near-duplicates and copied passages with their origin (see :mod:`newsweave.reuse.detect`)."""

from __future__ import annotations

from newsweave.config import Settings
from newsweave.steps import Stage, article_ids, fingerprint
from newsweave.store import Store


def run_reuse(store: Store, settings: Settings) -> str:
    """Near-duplicates, copied passages with their origin, originality and wire credits."""
    from newsweave.reuse.detect import detect_reuse

    articles = store.articles()
    result = detect_reuse(articles).to_dict()
    store.replace_records("reuse", [(f"{r['copy_article_id']}<{r['origin_article_id']}", r,
                                     [r["copy_article_id"], r["origin_article_id"]]) for r in result["reuse"]])
    store.replace_records("article_reuse", [(r["article_id"], r, [r["article_id"]]) for r in result["articles"]])
    store.replace_records("duplicate", [(f"{d['article_a']}={d['article_b']}", d, [d["article_a"], d["article_b"]])
                                        for d in result["duplicates"]])
    copies = sum(1 for r in result["reuse"] if r["share"] >= 0.5)
    return (f"{len(result['reuse'])} reuse links ({copies} articles mostly copied), "
            f"{len(result['duplicates'])} near-duplicate pairs")


def inputs_reuse(store: Store) -> str:
    """The stored articles."""
    return fingerprint("reuse/1", article_ids(store))


def origin_map(store: Store) -> dict[str, str]:
    """Article id -> the article it mostly copied (see :class:`newsweave.corroborate.Independence`)."""
    from newsweave.corroborate.claims import Independence

    return Independence(store.records("reuse")).origin_of


#: the reuse stage, in the order of :data:`newsweave.stages.STAGES`
STAGE = Stage("reuse", run_reuse, inputs_reuse)
