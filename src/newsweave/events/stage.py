"""Events stage: PLOVER events per article and one merged timeline per story."""

from __future__ import annotations

from typing import Any

from newsweave.config import Settings
from newsweave.entities.link import entity_index
from newsweave.reuse.stage import origin_map
from newsweave.steps import Stage, article_ids, fingerprint, load_annotated
from newsweave.store import Store
from newsweave.stories.stage import story_map, top_stories


def run_events(store: Store, settings: Settings) -> str:
    """PLOVER events per article (with polarity and modality), and one merged timeline per story."""
    from newsweave.events.extract import extract_events
    from newsweave.events.timeline import build_timeline

    docs = [d for d in load_annotated(store) if d.annotation is not None]
    texts = {d.article.id: d.article.text for d in docs}
    index = entity_index(store)
    events = extract_events(docs, entity_of=index)
    store.replace_records("event", [(e.id, e.to_dict(texts[e.article_id]), [e.article_id]) for e in events])
    smap = story_map(store)
    origins = origin_map(store)
    by_story: dict[str, list[Any]] = {}
    for e in events:
        by_story.setdefault(smap.get(e.article_id, "all"), []).append(e)
    timelines = []
    for story_id, evs in sorted(by_story.items()):
        entries = [t.to_dict(texts) for t in build_timeline(evs, origin_of=origins)]
        timelines.append((story_id, {"story_id": story_id, "entries": entries},
                          sorted({a for t in entries for a in t["article_ids"]})))
    store.replace_records("timeline", timelines)
    n_entries = sum(len(t[1]["entries"]) for t in timelines)
    return f"{len(events)} event mentions; {n_entries} timeline entries in {len(timelines)} stories"


def inputs_events(store: Store) -> str:
    """Articles, stories, entity mentions, pronoun/nominal references and reuse links."""
    return fingerprint("events/7", article_ids(store), sorted(story_map(store).items()),
                       store.records("mention"), store.records("reference"), sorted(origin_map(store).items()))


#: the events stage, in the order of :data:`newsweave.stages.STAGES`
STAGE = Stage("events", run_events, inputs_events)


#: Bump when the key timeline's selection or record shape changes: every story's is then redone.
KEY_TIMELINE_VERSION = "key_timeline/4"


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
