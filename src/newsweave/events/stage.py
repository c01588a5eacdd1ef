"""Events stage: PLOVER events per article (extracted once) and one merged timeline per story (rebuilt when
its inputs changed)."""

from __future__ import annotations

from typing import Any

from newsweave.config import Settings
from newsweave.entities.link import entity_index
from newsweave.reuse.stage import origin_map
from newsweave.steps import Stage, article_ids, fingerprint, load_annotated
from newsweave.store import Store
from newsweave.stories.stage import story_map, top_stories

#: Bump when the event records or timelines made from stored extractions change: every article's
#: event records are then rewritten and every timeline rebuilt, without extracting again (bump
#: :data:`newsweave.events.extract.EXTRACT_VERSION` for that).
EVENTS_VERSION = "events/8"
#: state: article id -> fingerprint of its event records as last written
_ARTICLES_KEY = "events:articles"
#: state: story id -> fingerprint of what its timeline was last built from
_STORIES_KEY = "events:timelines"
#: the fields of an ``event_raw`` row that the ``event`` record does not have
_RAW_ONLY = ("lemma", "actor_head", "target_head")


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
    (``event_raw`` records, scoped by article); entity ids are attached on every run from the
    current resolution, and an article's ``event`` records (scoped by article) are rewritten only
    when they changed. A story's ``timeline`` (scoped by story) is rebuilt only when its articles,
    their events or their reuse origins changed.
    """
    from newsweave.events.extract import EXTRACT_VERSION, Event, link_entities
    from newsweave.events.timeline import build_timeline

    order = article_ids(store)
    annotated = set(store.annotated_ids())
    stored = store.records("event_raw")
    raw = {r["article_id"]: r for r in stored if r.get("version") == EXTRACT_VERSION}
    outdated = {r["article_id"] for r in stored if r.get("version") != EXTRACT_VERSION}
    del stored
    # 1. extraction: only the annotated articles without a current one (annotations are big: load only those)
    fresh: dict[str, dict[str, Any]] = {}
    need = [a for a in order if a in annotated and a not in raw]
    for doc in load_annotated(store, need) if need else []:
        if doc.annotation is not None:
            fresh[doc.article.id] = payload = _extract(doc)
            store.replace_records("event_raw", [(doc.article.id, payload, [doc.article.id])], scope=doc.article.id)
    raw.update(fresh)
    live = [a for a in order if a in annotated and a in raw]
    store.drop_scopes("event_raw", store.record_scopes("event_raw") - set(live))

    # 2. entity ids from the current resolution (cheap lookups); rewrite the articles whose records changed
    entity_of = entity_index(store)
    events_of: dict[str, list[Event]] = {}
    art_fp: dict[str, str] = {}
    for aid in live:
        evs = [Event.from_raw(row) for row in raw[aid]["events"]]
        link_entities(evs, entity_of)
        events_of[aid] = evs
        art_fp[aid] = fingerprint(EVENTS_VERSION, raw[aid]["digest"],
                                  [(e.actor_entity_id, e.target_entity_id) for e in evs])
    # gone articles, and scope "" of events/7 (dropped first: its ids come back in their article's scope)
    store.drop_scopes("event", store.record_scopes("event") - set(live))
    written = store.get_state(_ARTICLES_KEY) or {}
    rewritten = 0
    for aid in live:
        if written.get(aid) == art_fp[aid]:
            continue
        rows = []
        for e, row in zip(events_of[aid], raw[aid]["events"], strict=True):
            rec = {k: v for k, v in row.items() if k not in _RAW_ONLY}
            rec["actor_entity_id"], rec["target_entity_id"] = e.actor_entity_id, e.target_entity_id
            rows.append((e.id, rec, [aid]))
        store.replace_records("event", rows, scope=aid)
        rewritten += 1
    store.set_state(_ARTICLES_KEY, art_fp)

    # 3. timelines: only the stories whose articles, events (as linked) or reuse origins changed
    smap = story_map(store)
    origins = origin_map(store)
    members: dict[str, list[str]] = {}
    for aid in live:
        if events_of[aid]:
            members.setdefault(smap.get(aid, "all"), []).append(aid)
    story_fp = {sid: fingerprint(EVENTS_VERSION, [(a, art_fp[a], _chain(a, origins)) for a in ids])
                for sid, ids in members.items()}
    built = store.get_state(_STORIES_KEY) or {}
    todo = sorted(sid for sid in members if built.get(sid) != story_fp[sid])
    store.drop_scopes("timeline", store.record_scopes("timeline") - set(members))  # vanished; "" of events/7
    texts = {a.id: a.text for a in store.articles([a for sid in todo for a in members[sid]])} if todo else {}
    for sid in todo:
        evs = [e for a in members[sid] for e in events_of[a]]
        entries = [t.to_dict(texts) for t in build_timeline(evs, origin_of=origins)]
        store.replace_records("timeline", [(sid, {"story_id": sid, "entries": entries},
                                            sorted({a for t in entries for a in t["article_ids"]}))], scope=sid)
    store.set_state(_STORIES_KEY, story_fp)

    n_events = sum(len(v) for v in events_of.values())
    again = len(outdated & fresh.keys())
    extracted = (f"extracted {len(fresh) - again} new articles and {again} again ({EXTRACT_VERSION})" if again
                 else f"extracted {len(fresh)} new articles")
    return (f"{extracted}, reused {len(live) - len(fresh)}; "
            f"{n_events} event mentions, of {rewritten} articles rewritten; "
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


def run_key_timeline(store: Store, settings: Settings) -> str:
    """Each storyline's key dates, each with the cited sentence(s) that say what happened (TLS);
    only stories whose articles or reuse links changed are redone."""
    from newsweave.events.tls import summarize_timeline
    from newsweave.reuse.independence import Independence

    independence = Independence(store.records("reuse"))
    origins = independence.origin_of
    stories = top_stories(store)
    done = 0
    for story_id, ids in stories.items():
        key = fingerprint(KEY_TIMELINE_VERSION, sorted(ids), sorted((a, origins[a]) for a in ids if a in origins))
        if store.get_state(f"key_timeline:{story_id}") == key:
            continue
        docs = [d for d in load_annotated(store, ids) if d.annotation is not None]
        entries = []
        for e in summarize_timeline(docs, per_date=None) if docs else []:
            row = e.to_dict()
            support = sorted(set(e.mentioned_by) | set(e.published_on))
            row["article_ids"] = support
            row["independent_sources"] = len({independence.origin(a) for a in support})
            entries.append(row)
        cited = sorted({a for r in entries for a in r["article_ids"]})
        store.replace_records("key_timeline", [(story_id, {"story_id": story_id, "entries": entries}, cited)]
                              if entries else [], scope=story_id)
        store.set_state(f"key_timeline:{story_id}", key)
        done += 1
    store.drop_scopes("key_timeline", store.record_scopes("key_timeline") - set(stories))
    return f"{done} of {len(stories)} story timelines (re)written"


def inputs_key_timeline(store: Store) -> str:
    """Stories (their articles) and reuse links."""
    return fingerprint(KEY_TIMELINE_VERSION, sorted(top_stories(store).items()), sorted(origin_map(store).items()))


#: the key-timeline stage (after events and reuse; reads stories and annotations)
KEY_TIMELINE_STAGE = Stage("key_timeline", run_key_timeline, inputs_key_timeline)
