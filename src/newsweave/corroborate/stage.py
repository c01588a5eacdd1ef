"""Corroboration stage: claims, discrepancies and source profiles from the stored records."""

from __future__ import annotations

from typing import Any

from newsweave.config import Settings
from newsweave.models import AnnotatedArticle, article_label
from newsweave.steps import ArticleExtractions, Stage, article_ids, fingerprint
from newsweave.store import Store
from newsweave.stories.stage import story_map

#: Bump when what is kept of each article's annotation changes (sentence spans, machine-translation indicators)
EXTRACT_VERSION = "corroborate-extract/2"  # sentence spans; profiles.profile_inputs
#: state: ``{"extract": EXTRACT_VERSION, "articles": [ids of the articles with a current extraction]}``
_ARTICLES_KEY = "corroborate:articles"


def _extract(doc: AnnotatedArticle) -> dict[str, Any]:
    """What corroboration reads of one article's annotation: its sentence spans and what its outlet's profile
    reads (MT indicators, loaded terms)."""
    from newsweave.corroborate.profiles import profile_inputs

    ann = doc.annotation
    assert ann is not None
    return {"article_id": doc.article.id, "version": EXTRACT_VERSION,
            "sentences": [[s.start, s.end] for s in ann.sentences],
            "profile": profile_inputs(doc.article, ann)}


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
    # annotations are read once per article (sentence spans and profile inputs kept as corroborate_raw records)
    state = store.get_state(_ARTICLES_KEY) or {}
    done = set(state.get("articles", [])) if state.get("extract") == EXTRACT_VERSION else set()
    ext = ArticleExtractions(store, "corroborate_raw")
    live = ext.update([a.id for a in articles], set(store.annotated_ids()), done, _extract)
    store.set_state(_ARTICLES_KEY, {"extract": EXTRACT_VERSION, "articles": live})
    ext.load(live)
    found += statement_discrepancies({a.id: a.text for a in articles},
                                     {aid: [(s, e) for s, e in ext.raw[aid]["sentences"]] for aid in live},
                                     Independence(reuse), dates, smap or None, labels, found)
    for d in found:
        stories = {smap.get(a) for a in d.article_ids()} - {None}
        d.story_id = next(iter(stories)) if len(stories) == 1 else None
    all_claims = claims(entities, events, quotes, reuse, dates)
    store.replace_records("claim", [(c.id, c.to_dict(), c.article_ids) for c in all_claims])
    store.replace_records("discrepancy", [(d.id, d.to_dict(), d.article_ids()) for d in found])
    article_reuse = {r["article_id"]: r for r in store.records("article_reuse")}
    profiles = build_profiles(articles, {aid: ext.raw[aid]["profile"] for aid in live}, article_reuse,
                              all_claims, found, smap)
    store.replace_records("profile", [(p.outlet, p.to_dict(), p.article_ids) for p in profiles])
    return f"{len(all_claims)} claims, {len(found)} discrepancies, {len(profiles)} source profiles"


def inputs_corroborate(store: Store) -> str:
    """Every upstream record kind."""
    return fingerprint("corroborate/13", article_ids(store),
                       *(store.records(k) for k in ("entity", "quote", "event", "reuse", "story", "article_reuse")))


#: the corroborate stage, in the order of :data:`newsweave.stages.STAGES`
STAGE = Stage("corroborate", run_corroborate, inputs_corroborate)
