"""The analysis stages after annotation, wired to the store, in order.

Each stage reads typed records from the store and replaces its own records in
one transaction, so it can be re-run alone over what is stored. A stage's
fingerprint covers what it reads (the stored articles and the upstream records
it uses) plus its version: when that fingerprint is unchanged the pipeline
skips it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from newsweave.config import Settings
from newsweave.models import Article
from newsweave.pipeline import STAGES, Stage, fingerprint, load_annotated
from newsweave.store import Store

logger = logging.getLogger(__name__)


def article_label(article: Article) -> str:
    """A short readable name: the input file's stem (plus record), else the title, else the id."""
    base = Path(article.input.split("#")[0]).stem
    rec = article.input.split("#", 1)[1] if "#" in article.input else ""
    if base and rec:
        return f"{base}#{rec[:40]}"
    return base or (article.title or article.id)[:60]


def _article_ids(store: Store) -> list[str]:
    return list(store.iter_article_ids())


def story_map(store: Store) -> dict[str, str]:
    """Article id -> id of its event-level story (empty before the stories stage ran)."""
    out: dict[str, str] = {}
    for story in store.records("story"):
        if story.get("level") == "event":
            for aid in story["article_ids"]:
                out[aid] = story["id"]
    return out


def origin_map(store: Store) -> dict[str, str]:
    """Article id -> the article it mostly copied (reuse share >= 0.5)."""
    out: dict[str, str] = {}
    for link in sorted(store.records("reuse"), key=lambda r: -r.get("share", 0)):
        if link.get("share", 0) >= 0.5:
            out.setdefault(link["copy_article_id"], link["origin_article_id"])
    return out


def entity_index(store: Store) -> Any:
    """Span -> entity lookup rebuilt from the stored resolution."""
    from newsweave.entities import SpanIndex

    return SpanIndex.from_records({"mentions": store.records("mention"), "demonyms": store.records("demonym")})


# -- entities -------------------------------------------------------------------------------

def run_entities(store: Store, settings: Settings) -> str:
    """Cross-document entity resolution over every annotated article."""
    from newsweave.entities import resolve_entities

    docs = [d for d in load_annotated(store) if d.annotation is not None]
    res = resolve_entities(docs, story_map(store) or None)
    data = res.to_dict()
    store.replace_records("entity", [(e["id"], e, e.get("article_ids", [])) for e in data["entities"]])
    store.replace_records("mention", [(f"{m['article_id']}:{m['start']}:{m['end']}", m, [m["article_id"]])
                                      for m in data["mentions"]])
    store.replace_records("demonym", [(f"{d['article_id']}:{d['start']}:{d['end']}", d, [d["article_id"]])
                                      for d in data["demonyms"]])
    flagged = sum(1 for e in data["entities"] for v in e["variants"] if "likely_misspelling" in v.get("flags", []))
    return f"{len(data['entities'])} entities from {len(data['mentions'])} mentions; {flagged} likely misspellings"


def inputs_entities(store: Store) -> str:
    """Articles and story assignment."""
    return fingerprint("entities/1", _article_ids(store), sorted(story_map(store).items()))


# -- corroboration and source profiles -------------------------------------------------------

def run_corroborate(store: Store, settings: Settings) -> str:
    """Claims, discrepancies and source profiles from the stored records."""
    from newsweave.corroborate import claims, find_discrepancies
    from newsweave.profiles import build_profiles

    entities, quotes = store.records("entity"), store.records("quote")
    events, reuse = store.records("event"), store.records("reuse")
    articles = store.articles()
    found = find_discrepancies(entities, quotes, events, reuse, {a.id: article_label(a) for a in articles})
    smap = story_map(store)
    for d in found:
        stories = {smap.get(a) for a in d.article_ids()} - {None}
        d.story_id = next(iter(stories)) if len(stories) == 1 else None
    all_claims = claims(entities, events, quotes, reuse)
    store.replace_records("claim", [(c.id, c.to_dict(), c.article_ids) for c in all_claims])
    store.replace_records("discrepancy", [(d.id, d.to_dict(), d.article_ids()) for d in found])
    article_reuse = {r["article_id"]: r for r in store.records("article_reuse")}
    profiles = build_profiles(articles, store.annotations(), article_reuse, all_claims, found, smap)
    store.replace_records("profile", [(p.outlet, p.to_dict(), p.article_ids) for p in profiles])
    return f"{len(all_claims)} claims, {len(found)} discrepancies, {len(profiles)} source profiles"


def inputs_corroborate(store: Store) -> str:
    """Every upstream record kind."""
    return fingerprint("corroborate/1", _article_ids(store),
                       *(store.records(k) for k in ("entity", "quote", "event", "reuse", "story")))


STAGES[:] = [
    Stage("entities", run_entities, inputs_entities),
    Stage("corroborate", run_corroborate, inputs_corroborate),
]
