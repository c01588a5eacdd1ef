"""Events stage: PLOVER events per article and one merged timeline per story."""

from __future__ import annotations

from typing import Any

from newsweave.config import Settings
from newsweave.entities.link import entity_index
from newsweave.reuse.stage import origin_map
from newsweave.steps import Stage, article_ids, fingerprint, load_annotated
from newsweave.store import Store
from newsweave.stories.stage import story_map


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
    """Articles, stories, entity mentions and reuse links."""
    return fingerprint("events/3", article_ids(store), sorted(story_map(store).items()),
                       store.records("mention"), sorted(origin_map(store).items()))


#: the events stage, in the order of :data:`newsweave.stages.STAGES`
STAGE = Stage("events", run_events, inputs_events)
