"""Events stage: PLOVER events per article (extracted once) and one merged timeline per story (rebuilt when
its inputs changed)."""

from __future__ import annotations

from typing import Any, cast

from newsweave.config import Settings
from newsweave.reuse.stage import origin_map
from newsweave.steps import ArticleExtractions, Stage, StoryExtractions, article_ids, fingerprint
from newsweave.store import Store
from newsweave.stories.stage import story_map, top_stories

#: Bump when the event records or timelines made from stored extractions change: every article's
#: event records are then rewritten and every timeline rebuilt, without extracting again (bump
#: :data:`newsweave.events.extract.EXTRACT_VERSION` for that).
EVENTS_VERSION = "events/8"
#: state: ``{"extract": EXTRACT_VERSION, "articles": {article id: [digest of its extraction,
#: fingerprint of what its entity links read, fingerprint of its event records, number of events]}}``
_ARTICLES_KEY = "events:articles"
#: state: story id -> fingerprint of what its timeline was last built from
_STORIES_KEY = "events:timelines"
#: the fields of an ``event_raw`` row that the ``event`` record does not have
_RAW_ONLY = ("lemma", "actor_head", "target_head")
#: the record kinds that entity linking (:class:`~newsweave.entities.link.EntityLinker`) reads
_LINK_KINDS = ("mention", "demonym", "reference")


class _Records:
    """Some records by kind, read by :class:`~newsweave.entities.link.EntityLinker` as it reads a store
    (a kind it does not hold raises: the linker then reads more than this stage fingerprints)."""

    def __init__(self, by_kind: dict[str, list[dict[str, Any]]]) -> None:
        self.by_kind = by_kind

    def records(self, kind: str) -> list[dict[str, Any]]:
        return self.by_kind[kind]


def _extract(doc: Any) -> dict[str, Any]:
    """The ``event_raw`` payload of one annotated article: its events without entity ids."""
    from newsweave.events.extract import EXTRACT_VERSION, events_for_article

    rows = [e.to_raw(doc.article.text) for e in events_for_article(doc)]
    return {"article_id": doc.article.id, "version": EXTRACT_VERSION, "digest": fingerprint(rows), "events": rows}


def _chain(aid: str, origins: dict[str, str]) -> list[str]:
    """The article, what it copied, what that copied, ... (a cycle ends on its first repeat)."""
    out, r = [aid], aid
    while r in origins:
        r = origins[r]
        out.append(r)
        if r in out[:-1]:
            break
    return out


def run_events(store: Store, settings: Settings) -> str:
    """PLOVER events per article (with polarity and modality), and one merged timeline per story.

    Extraction runs once per article and :data:`~newsweave.events.extract.EXTRACT_VERSION`
    (``event_raw`` records, scoped by article). Entity ids are attached again only to the
    articles whose entity records (mentions, demonyms, references) changed, and an article's
    ``event`` records (scoped by article) are rewritten only when that changed them. A story's
    ``timeline`` (scoped by story) is rebuilt only when its articles, their events or their reuse
    origins changed. Annotations and extractions are loaded only for the articles that need them.
    """
    from newsweave.entities.link import EntityLinker
    from newsweave.events.extract import EXTRACT_VERSION, Event, link_entities
    from newsweave.events.timeline import build_timeline

    order = article_ids(store)
    annotated = set(store.annotated_ids())
    state = store.get_state(_ARTICLES_KEY) or {}
    current = state.get("extract") == EXTRACT_VERSION
    prev: dict[str, list[Any]] = state.get("articles", {}) if current else {}
    # 1. extraction: only the annotated articles without a current one
    ext = ArticleExtractions(store, "event_raw")
    live = ext.update(order, annotated, prev, _extract)
    raw, fresh = ext.raw, ext.fresh
    again = 0 if current else len(fresh & set(state.get("articles", {})))
    load_raw = ext.load

    # 2. entity links: again for the articles whose extraction or entity records changed
    linking: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for kind in _LINK_KINDS:
        for r in store.records(kind):
            linking.setdefault(r["article_id"], {k: [] for k in _LINK_KINDS})[kind].append(r)
    digest = {a: raw[a]["digest"] if a in fresh else prev[a][0] for a in live}
    link_fp = {a: fingerprint(EVENTS_VERSION, digest[a], linking.get(a)) for a in live}
    relink = [a for a in live if a not in prev or prev[a][1] != link_fp[a]]
    load_raw(relink)
    linker = EntityLinker(cast(Store, _Records(
        {k: [r for a in relink for r in linking.get(a, {}).get(k, [])] for k in _LINK_KINDS})))
    # gone articles, and scope "" of events/7 (dropped first: its ids come back in their article's scope)
    store.drop_scopes("event", store.record_scopes("event") - set(live))
    events_of: dict[str, list[Event]] = {}
    now = {a: prev[a] for a in live if a in prev}
    rewritten = 0
    for aid in relink:
        evs = [Event.from_raw(row) for row in raw[aid]["events"]]
        link_entities(evs, linker)
        events_of[aid] = evs
        rec_fp = fingerprint(EVENTS_VERSION, digest[aid], [(e.actor_entity_id, e.target_entity_id) for e in evs])
        now[aid] = [digest[aid], link_fp[aid], rec_fp, len(evs)]
        if aid in prev and prev[aid][2] == rec_fp:
            continue
        rows = []
        for e, row in zip(evs, raw[aid]["events"], strict=True):
            rec = {k: v for k, v in row.items() if k not in _RAW_ONLY}
            rec["actor_entity_id"], rec["target_entity_id"] = e.actor_entity_id, e.target_entity_id
            rows.append((e.id, rec, [aid]))
        store.replace_records("event", rows, scope=aid)
        rewritten += 1
    store.set_state(_ARTICLES_KEY, {"extract": EXTRACT_VERSION, "articles": {a: now[a] for a in live}})

    # 3. timelines: only the stories whose articles, events (as linked) or reuse origins changed
    smap = story_map(store)
    origins = origin_map(store)
    members: dict[str, list[str]] = {}
    for aid in live:
        if now[aid][3]:
            members.setdefault(smap.get(aid, "all"), []).append(aid)
    story_fp = {sid: fingerprint(EVENTS_VERSION, [(a, now[a][2], _chain(a, origins)) for a in ids])
                for sid, ids in members.items()}
    built = store.get_state(_STORIES_KEY) or {}
    todo = sorted(sid for sid in members if built.get(sid) != story_fp[sid])
    store.drop_scopes("timeline", store.record_scopes("timeline") - set(members))  # vanished; "" of events/7
    needed = [a for sid in todo for a in members[sid]]
    load_raw(needed)
    texts = {a.id: a.text for a in store.articles(needed)} if needed else {}
    for aid in needed:
        if aid not in events_of:  # unchanged: its entity ids are those of its stored records
            ids = {r["id"]: (r["actor_entity_id"], r["target_entity_id"]) for r in store.records("event", scope=aid)}
            events_of[aid] = evs = [Event.from_raw(row) for row in raw[aid]["events"]]
            for e in evs:
                e.actor_entity_id, e.target_entity_id = ids[e.id]
    for sid in todo:
        evs = [e for a in members[sid] for e in events_of[a]]
        entries = [t.to_dict(texts) for t in build_timeline(evs, origin_of=origins)]
        store.replace_records("timeline", [(sid, {"story_id": sid, "entries": entries},
                                            sorted({a for t in entries for a in t["article_ids"]}))], scope=sid)
    store.set_state(_STORIES_KEY, story_fp)

    n_events = sum(now[a][3] for a in live)
    extracted = (f"extracted {len(fresh) - again} new articles and {again} again ({EXTRACT_VERSION})" if again
                 else f"extracted {len(fresh)} new articles")
    return (f"{extracted}, reused {len(live) - len(fresh)}; {n_events} event mentions, "
            f"{len(relink)} articles linked again, {rewritten} rewritten; "
            f"{len(todo)} of {len(members)} story timelines rebuilt")


def inputs_events(store: Store) -> str:
    """Articles, stories, entity mentions, demonyms, pronoun/nominal references and reuse links."""
    from newsweave.events.extract import EXTRACT_VERSION

    return fingerprint(EVENTS_VERSION, EXTRACT_VERSION, article_ids(store), sorted(story_map(store).items()),
                       store.records("mention"), store.records("demonym"), store.records("reference"),
                       sorted(origin_map(store).items()))


#: the events stage, in the order of :data:`newsweave.stages.STAGES`
STAGE = Stage("events", run_events, inputs_events)


#: Bump when the key timeline's selection or record shape changes: every story's is then redone.
KEY_TIMELINE_VERSION = "key_timeline/5"
#: Bump when what is kept of one article for its story's key timeline changes (its dated sentences,
#: :func:`newsweave.events.tls.sentence_rows`): every member article is read again.
TLS_SENTENCES_VERSION = "tls_sentences/2"


def _tls_extract(doc: Any) -> dict[str, Any]:
    """The ``tls_raw`` payload of one annotated article: its statement-like dated sentences."""
    from newsweave.events.tls import sentence_rows

    return {"article_id": doc.article.id, "sentences": sentence_rows(doc)}


def run_key_timeline(store: Store, settings: Settings) -> str:
    """Each storyline's key dates, each with the cited sentence(s) that say what happened (TLS);
    only stories whose articles or reuse links changed are redone.

    What one article contributes (its statement-like sentences and the days they name, which needs its
    annotation and time expressions) is made once per article and :data:`TLS_SENTENCES_VERSION` (``tls_raw``
    records, scoped by article): a story that gained a few articles reads only theirs from the annotations,
    and rescores its dates and sentences from the stored rows (linear in the story's sentences).
    """
    from newsweave.events.tls import sentences_from_rows, timeline_of
    from newsweave.reuse.independence import Independence

    independence = Independence(store.records("reuse"))
    origins = independence.origin_of
    stories = top_stories(store)
    work = StoryExtractions(store, stories, origins, "key_timeline", "tls_raw", _tls_extract,
                            KEY_TIMELINE_VERSION, TLS_SENTENCES_VERSION)
    for story_id, arts, raws in work.redo():
        sents = [s for art, raw in zip(arts, raws, strict=True) for s in sentences_from_rows(art, raw["sentences"])]
        entries = []
        for e in timeline_of(sents, per_date=None) if arts else []:
            row = e.to_dict()
            support = sorted(set(e.mentioned_by) | set(e.published_on))
            row["article_ids"] = support
            row["independent_sources"] = len({independence.origin(a) for a in support})
            entries.append(row)
        cited = sorted({a for r in entries for a in r["article_ids"]})
        store.replace_records("key_timeline", [(story_id, {"story_id": story_id, "entries": entries}, cited)]
                              if entries else [], scope=story_id)
    store.drop_scopes("key_timeline", store.record_scopes("key_timeline") - set(stories))
    return (f"{len(work.todo)} of {len(stories)} story timelines (re)written; "
            f"dated sentences read from {len(work.ext.fresh)} new articles")


def inputs_key_timeline(store: Store) -> str:
    """Stories (their articles) and reuse links."""
    return fingerprint(KEY_TIMELINE_VERSION, TLS_SENTENCES_VERSION, sorted(top_stories(store).items()),
                       sorted(origin_map(store).items()))


#: the key-timeline stage (after events and reuse; reads stories and annotations)
KEY_TIMELINE_STAGE = Stage("key_timeline", run_key_timeline, inputs_key_timeline)
