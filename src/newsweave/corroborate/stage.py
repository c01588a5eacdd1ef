"""Corroboration stage: claims, discrepancies and source profiles from the stored records."""

from __future__ import annotations

from newsweave.config import Settings
from newsweave.models import article_label
from newsweave.steps import Stage, article_ids, fingerprint
from newsweave.store import Store
from newsweave.stories.stage import story_map


def run_corroborate(store: Store, settings: Settings) -> str:
    """Claims, discrepancies and source profiles from the stored records."""
    from newsweave.corroborate.claims import claims, find_discrepancies
    from newsweave.corroborate.profiles import build_profiles
    from newsweave.corroborate.statements import statement_discrepancies
    from newsweave.reuse.independence import Independence

    entities, quotes = store.records("entity"), store.records("quote")
    events, reuse = store.records("event"), store.records("reuse")
    articles = store.articles()
    dates = {a.id: a.published for a in articles}
    smap = story_map(store)
    labels = {a.id: article_label(a) for a in articles}
    found = find_discrepancies(entities, quotes, events, reuse, labels, dates, smap or None)
    annotations = store.annotations()
    found += statement_discrepancies({a.id: a.text for a in articles},
                                     {aid: [(s.start, s.end) for s in ann.sentences]
                                      for aid, ann in annotations.items()},
                                     Independence(reuse), dates, smap or None, labels, found)
    for d in found:
        stories = {smap.get(a) for a in d.article_ids()} - {None}
        d.story_id = next(iter(stories)) if len(stories) == 1 else None
    all_claims = claims(entities, events, quotes, reuse, dates)
    store.replace_records("claim", [(c.id, c.to_dict(), c.article_ids) for c in all_claims])
    store.replace_records("discrepancy", [(d.id, d.to_dict(), d.article_ids()) for d in found])
    article_reuse = {r["article_id"]: r for r in store.records("article_reuse")}
    profiles = build_profiles(articles, annotations, article_reuse, all_claims, found, smap)
    store.replace_records("profile", [(p.outlet, p.to_dict(), p.article_ids) for p in profiles])
    return f"{len(all_claims)} claims, {len(found)} discrepancies, {len(profiles)} source profiles"


def inputs_corroborate(store: Store) -> str:
    """Every upstream record kind."""
    return fingerprint("corroborate/13", article_ids(store),
                       *(store.records(k) for k in ("entity", "quote", "event", "reuse", "story", "article_reuse")))


#: the corroborate stage, in the order of :data:`newsweave.stages.STAGES`
STAGE = Stage("corroborate", run_corroborate, inputs_corroborate)
