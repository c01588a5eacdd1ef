"""The read model of the service: plain functions over a :class:`~newsweave.store.Store`, shared by the API and web UI.

Every function answers from indexes: the typed tables (:mod:`newsweave.store.queries`),
the ``records`` primary key and its ``(kind, scope)`` index, ``record_articles`` by article,
and the article columns without their text. A list view never reads an article's text or
annotations, nor every record of a kind; a page of a list is cut in SQL (``LIMIT``/``OFFSET``
with a ``COUNT`` for the total). Records come back in their stored JSON form (the dossier's
shapes, ``schemas/dossier-1.json``), so every cited item carries its evidence as
``{"article_id", "start", "end"}``, character offsets into the article text; where a record
cites articles outside the story asked for (an entity, an outlet's profile), its evidence is
cut down to the story's articles.

Plain SQLAlchemy Core, no ORM: the store has no ORM models and the payloads are JSON already.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, desc, func, literal, select
from sqlalchemy.engine import Connection

from newsweave.corroborate.profiles import outlet_of as profile_outlet
from newsweave.models import Article, input_label
from newsweave.report.dossier import provenance_notes
from newsweave.report.render import event_phrase, evidence_everywhere, main_entry, profile_hits
from newsweave.service.cache import SizedCache
from newsweave.service.search import matches, matching_ids, snippet, words_or_fail
from newsweave.store import Store
from newsweave.store.queries import link_kind
from newsweave.store.schema import (
    annotation_table,
    articles,
    claims,
    discrepancies,
    entities,
    entity_names,
    mentions,
    quotes,
    record_articles,
    records,
    reuse_links,
    state,
    stories,
    story_articles,
)
from newsweave.store.typed import name_key

#: The most items one page may hold.
MAX_LIMIT = 200
#: How many of a long list a detail view embeds (the rest through the list endpoints).
DETAIL_CAP = 100
#: How many items of each long section a story's page holds unless asked for everything (``?all=1``);
#: each cut in SQL, the best supported, most widely carried or most central first.
SECTION_CAPS = {"key_timeline": 60, "timeline": 60, "entities": 40, "quotes": 25, "claims": 100, "discrepancies": 30,
                "reuse": 30, "profiles": 30}
#: Within one item of a story's or entity's page (unless everything is asked for), how many entries of each long
#: list it keeps: cited spans (the first span of each article first, so that the kept ones name as many
#: articles as they can), article ids, an outlet's wordings of a statement, copied passages. A cut list is
#: followed by ``<name>_total``, how many there are; the item's own endpoint or ``?all=true`` gives them all.
ITEM_CAPS = {"evidence": 8, "hits": 8, "article_ids": 50, "variants": 12, "passages": 10}
#: lists whose entries hold no list to cut (spans, ids): not walked
_FLAT_LISTS = frozenset({"evidence", "hits", "article_ids"})
IN_CHUNK = 500

#: Article columns shown in lists: everything but the text (its length instead).
_META = (articles.c.id, articles.c.seq, articles.c.input, articles.c.source, articles.c.url, articles.c.title,
         articles.c.published, articles.c.published_from, articles.c.language, articles.c.author, articles.c.meta,
         func.length(articles.c.text).label("chars"))


@dataclass(slots=True)
class Page:
    """One page of a list: its items, how many there are in all, and where the page starts."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    extra: dict[str, Any] = field(default_factory=dict)  # facts about the whole list (e.g. the search query)


def clamp(limit: int, offset: int) -> tuple[int, int]:
    """``limit`` within 1..MAX_LIMIT, ``offset`` at least 0."""
    return max(1, min(int(limit), MAX_LIMIT)), max(0, int(offset))


# -- store state ------------------------------------------------------------------------------------


def store_version(store: Store) -> str:
    """A digest of the store's state: it changes whenever articles, annotations or any stage's records change.

    Articles and annotations are counted (and the last article ``seq`` taken); every analysis
    stage writes its fingerprint (state key ``stage:<name>``) in the same transaction as its
    records, so hashing those rows catches every record change without reading a record.
    Other state (a feed's validators, the URLs a watcher has seen) does not change what the
    service shows and is left out.
    """
    h = hashlib.sha256()
    with store.engine.connect() as conn:
        n, last = conn.execute(select(func.count(), func.max(articles.c.seq)).select_from(articles)).one()
        annotated = conn.scalar(select(func.count()).select_from(annotation_table))
        h.update(f"{n}:{last}:{annotated}".encode())
        rows = conn.execute(select(state.c.key, state.c.value).where(state.c.key.startswith("stage:"))
                            .order_by(store._ordered(state.c.key)))
        for key, value in rows:
            h.update(key.encode("utf-8", "surrogatepass") + b"\0")
            h.update(json.dumps(value, sort_keys=True).encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()[:32]


# -- helpers ----------------------------------------------------------------------------------------


#: The store state (:func:`store_version`) the current request reads, set by the service before it builds an
#: answer; None outside a request (nothing is then kept parsed).
STATE: ContextVar[str | None] = ContextVar("newsweave_store_state", default=None)
#: Records of these kinds larger than :data:`PARSED_MIN_BYTES` of JSON are kept parsed for the state they were
#: read in (a story page reads the same big entities and claims as the next one); at most :data:`PARSED_MAX_BYTES`
#: of their JSON (parsed, they take a few times that in memory).
#: Callers never change a payload they got (they copy what they cut), so one parsed object serves them all.
PARSED_KINDS = frozenset({"entity", "claim", "profile"})
PARSED_MIN_BYTES = 20_000
PARSED_MAX_BYTES = 32 * 2**20
_PARSED: SizedCache[dict[str, Any]] = SizedCache(PARSED_MAX_BYTES)


def _payloads(conn: Connection, kind: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Record id -> payload for the records of ``kind`` with these ids (primary key look-ups)."""
    out: dict[str, dict[str, Any]] = {}
    state = STATE.get() if kind in PARSED_KINDS else None
    want = list(ids)
    if state is not None:
        for rid in ids:
            if (kept := _PARSED.get(f"{state}\n{kind}\n{rid}")) is not None:
                out[rid] = kept
        want = [rid for rid in ids if rid not in out]
    size: Any = literal(0)  # the JSON's size, read only where a large payload may be kept
    if state is not None:
        size = (func.pg_column_size(records.c.payload) if conn.dialect.name == "postgresql"
                else func.length(records.c.payload))
    for k in range(0, len(want), IN_CHUNK):
        for rid, payload, n in conn.execute(select(records.c.id, records.c.payload, size).where(
                records.c.kind == kind, records.c.id.in_(want[k : k + IN_CHUNK]))):
            out[rid] = payload
            if state is not None and (n or 0) >= PARSED_MIN_BYTES:
                _PARSED.put_sized(f"{state}\n{kind}\n{rid}", payload, int(n))
    return out


def record(store: Store, kind: str, record_id: str) -> dict[str, Any] | None:
    """One record of ``kind`` by id, or None."""
    with store.engine.connect() as conn:
        return _payloads(conn, kind, [record_id]).get(record_id)


def _scoped(store: Store, kind: str, scopes: Iterable[str]) -> list[dict[str, Any]]:
    """Records of ``kind`` in any of ``scopes`` (the ``(kind, scope)`` index), by scope and id."""
    wanted = list(dict.fromkeys(scopes))
    if not wanted:
        return []
    query = (select(records.c.payload).where(records.c.kind == kind, records.c.scope.in_(wanted))
             .order_by(store._ordered(records.c.scope), store._ordered(records.c.id)))
    with store.engine.connect() as conn:
        return list(conn.scalars(query))


def _page_ids(store: Store, kind: str, ids: Select[Any], order: Callable[[Any], Sequence[Any]], limit: int | None,
              offset: int, **extra: Any) -> Page:
    """A page of the records of ``kind`` whose ids ``ids`` selects (one column ``record_id``), in ``order``.

    ``limit`` None: every record from ``offset`` on (the complete detail views, never a request's page).
    """
    if limit is None:
        offset = max(0, int(offset))
    else:
        limit, offset = clamp(limit, offset)
    sub = ids.subquery()
    query = select(sub.c.record_id).order_by(*order(sub)).offset(offset)
    with store.engine.connect() as conn:
        total = int(conn.scalar(select(func.count()).select_from(sub)) or 0)
        page = list(conn.scalars(query if limit is None else query.limit(limit)))
        found = _payloads(conn, kind, page)
    return Page([found[i] for i in page if i in found], total, len(page) if limit is None else limit, offset, extra)


def _ordered_ids(store: Store) -> Callable[[Any], Sequence[Any]]:
    return lambda sub: [store._ordered(sub.c.record_id)]


def article_meta(row: Any) -> dict[str, Any]:
    """An article's metadata as the API shows it (the dossier's form, plus a readable label)."""
    a = Article(id=row.id, text="", input=row.input, title=row.title, source=row.source, url=row.url,
                published=row.published, published_from=row.published_from, language=row.language,
                author=row.author, meta=dict(row.meta or {}))
    return {"id": row.id, "label": input_label(row.input or "", (row.title or row.id)[:60]), "input": row.input,
            "source": row.source, "url": row.url, "title": row.title, "published": row.published,
            "published_from": row.published_from, "language": row.language, "author": row.author,
            "chars": int(row.chars or 0), **provenance_notes(a)}


def articles_meta(store: Store, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Metadata (no text) of the given articles, by id, in ingestion order."""
    wanted = list(dict.fromkeys(ids))
    rows: list[Any] = []
    with store.engine.connect() as conn:
        for k in range(0, len(wanted), IN_CHUNK):
            rows += conn.execute(select(*_META).where(articles.c.id.in_(wanted[k : k + IN_CHUNK]))).all()
    return {r.id: article_meta(r) for r in sorted(rows, key=lambda r: r.seq)}


def entity_names_of(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """Canonical names of entities by id (the typed ``entities`` table)."""
    wanted = [i for i in dict.fromkeys(ids) if i]
    out: dict[str, str] = {}
    with store.engine.connect() as conn:
        for k in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[k : k + IN_CHUNK]
            out.update((rid, name or rid) for rid, name in conn.execute(
                select(entities.c.record_id, entities.c.name).where(entities.c.record_id.in_(chunk))))
    return out


def _in(items: Iterable[dict[str, Any]], ids: set[str]) -> list[dict[str, Any]]:
    return [x for x in items if x.get("article_id") in ids]


def _trim_entity(e: dict[str, Any], ids: set[str]) -> dict[str, Any]:
    """An entity with only the spellings, roles and evidence found in the articles ``ids``."""
    def part(v: dict[str, Any]) -> dict[str, Any]:
        return {**v, "article_ids": [a for a in v.get("article_ids") or [] if a in ids],
                "evidence": _in(v.get("evidence") or [], ids)}

    variants = [part(v) for v in e.get("variants") or [] if set(v.get("article_ids") or []) & ids]
    roles = [part(r) for r in e.get("roles") or [] if set(r.get("article_ids") or []) & ids]
    return {**e, "variants": variants, "roles": roles,
            "article_ids": [a for a in e.get("article_ids") or [] if a in ids],
            "all_article_count": len(e.get("article_ids") or [])}


def _trim_profile(p: dict[str, Any], ids: set[str]) -> dict[str, Any]:
    """An outlet's profile with its cited spans (loaded terms, translation signs) cut to the articles ``ids``."""
    mt = {k: {**ind, "hits": _in(ind.get("hits") or [], ids)}
          for k, ind in (p.get("machine_translation") or {}).items()}
    return {**p, "loaded_vocabulary": _in(p.get("loaded_vocabulary") or [], ids), "machine_translation": mt}


def story_summary(s: dict[str, Any]) -> dict[str, Any]:
    """A story in a list: id, level, label, dates, its storyline, how many articles."""
    return {"id": s["id"], "level": s.get("level"), "label": s.get("label") or s["id"],
            "parent_id": s.get("parent_id"), "first_date": s.get("first_date"), "last_date": s.get("last_date"),
            "article_count": len(s.get("article_ids") or [])}


# -- outlets and coverage ---------------------------------------------------------------------------


def list_outlets(store: Store) -> list[str]:
    """The distinct outlet names (article ``source``), sorted."""
    with store.engine.connect() as conn:
        return sorted(conn.scalars(select(articles.c.source).where(articles.c.source.is_not(None)).distinct()))


def coverage(days: Iterable[str | None]) -> tuple[str, list[dict[str, Any]]]:
    """Articles per day (a span of up to 92 days), per week (up to two years) or per month, without gaps.

    Returns:
        ``(unit, [{"date": first day of the bucket, "count": articles}, ...])``; articles
        without a publication day are not counted.
    """
    parsed = []
    for d in days:
        try:
            parsed.append(date.fromisoformat((d or "")[:10]))
        except ValueError:
            continue
    if not parsed:
        return "day", []
    lo, hi = min(parsed), max(parsed)
    span = (hi - lo).days
    unit = "day" if span <= 92 else "week" if span <= 731 else "month"

    def bucket(d: date) -> date:
        if unit == "week":
            return d - timedelta(days=d.weekday())
        return d.replace(day=1) if unit == "month" else d

    counts = Counter(bucket(d) for d in parsed)
    out, cur = [], bucket(lo)
    while cur <= hi:
        out.append({"date": cur.isoformat(), "count": counts.get(cur, 0)})
        if unit == "day":
            cur += timedelta(days=1)
        elif unit == "week":
            cur += timedelta(days=7)
        else:
            cur = (cur.replace(day=28) + timedelta(days=4)).replace(day=1)
    return unit, out


# -- stories ----------------------------------------------------------------------------------------


def _story_filter(store: Store, *, level: str | None, since: str | None, until: str | None, outlet: str | None,
                  entity: str | None, q: str | None) -> Select[Any]:
    """``record_id`` of the stories that pass the filters (the same window rule as ``newsweave stories``)."""
    query = select(stories.c.record_id.label("record_id"), stories.c.first_date, stories.c.last_date)
    if level:
        query = query.where(stories.c.level == level)
    if since:
        query = query.where(stories.c.last_date >= since)
    if until:
        query = query.where(stories.c.first_date <= until)
    if outlet:
        query = query.where(stories.c.record_id.in_(
            select(story_articles.c.record_id).where(story_articles.c.article_id.in_(
                select(articles.c.id).where(articles.c.source == outlet)))))
    if entity:
        query = query.where(stories.c.record_id.in_(
            select(story_articles.c.record_id).where(story_articles.c.article_id.in_(
                select(mentions.c.article_id).where(mentions.c.entity_id == entity)))))
    if q:

        query = query.where(stories.c.record_id.in_(
            select(story_articles.c.record_id).where(story_articles.c.article_id.in_(matching_ids(store, q)))))
    return query


def list_stories(store: Store, *, since: str | None = None, until: str | None = None, outlet: str | None = None,
                 entity: str | None = None, q: str | None = None, limit: int = 50, offset: int = 0,
                 level: str | None = None) -> Page:
    """Stories, most active first: the latest last day, then the most articles.

    Args:
        since, until: ISO days; a story is kept when its first-to-last dates meet the window
            (an undated story is then left out).
        outlet: only stories with an article from this outlet (``source``).
        entity: only stories with an article that mentions this entity id.
        q: only stories with an article that matches this full-text query.
        level: "storyline" or "event"; default: storylines, or event stories when there are none.

    Returns:
        A :class:`Page` of ``{id, level, label, title, parent_id, first_date, last_date, article_count,
        outlets, coverage_unit, coverage: [{date, count}]}``.
    """
    limit, offset = clamp(limit, offset)
    if level is None:
        with store.engine.connect() as conn:
            has_lines = conn.scalar(select(stories.c.record_id).where(stories.c.level == "storyline").limit(1))
        level = "storyline" if has_lines else "event"
    sub = _story_filter(store, level=level, since=since, until=until, outlet=outlet, entity=entity, q=q).subquery()
    size = (select(func.count()).select_from(story_articles).where(story_articles.c.record_id == sub.c.record_id)
            .scalar_subquery())
    query = (select(sub.c.record_id, size.label("n")).order_by(sub.c.last_date.is_(None), desc(sub.c.last_date),
                                                               desc("n"), store._ordered(sub.c.record_id))
             .limit(limit).offset(offset))
    with store.engine.connect() as conn:
        total = int(conn.scalar(select(func.count()).select_from(sub)) or 0)
        page = [r[0] for r in conn.execute(query)]
        found = _payloads(conn, "story", page)
        rows = conn.execute(select(story_articles.c.record_id, articles.c.source, articles.c.published)
                            .join(articles, articles.c.id == story_articles.c.article_id)
                            .where(story_articles.c.record_id.in_(page))).all() if page else []
    per: dict[str, list[tuple[str | None, str | None]]] = defaultdict(list)
    for sid, source, published in rows:
        per[sid].append((source, published))
    items = []
    for sid in page:
        s = found.get(sid)
        if s is None:
            continue
        unit, cov = coverage(p for _, p in per[sid])
        items.append({**story_summary(s), "title": s.get("label") or sid,
                      "outlets": sorted({src for src, _ in per[sid] if src}),
                      "coverage_unit": unit, "coverage": cov})
    return Page(items, total, limit, offset, {"level": level})


def _key_entries(key_timelines: Iterable[dict[str, Any]], ids: set[str]) -> list[dict[str, Any]]:
    """Key timeline entries that cite one of the articles ``ids``, in date order."""
    rows = [e for t in key_timelines for e in t.get("entries") or [] if set(e.get("article_ids") or []) & ids]
    return sorted(rows, key=lambda e: str(e.get("date")))


def _spread(spans: list[Any], n: int) -> list[Any]:
    """``n`` of ``spans``, in their order: the first span of each article first, then the next ones."""
    seen: set[Any] = set()
    keep: list[int] = []
    for k, x in enumerate(spans):
        aid = x.get("article_id") if isinstance(x, dict) else None
        if aid not in seen:
            seen.add(aid)
            keep.append(k)
            if len(keep) == n:
                break
    chosen = set(keep)
    for k in range(len(spans)):
        if len(chosen) >= n:
            break
        chosen.add(k)
    return [x for k, x in enumerate(spans) if k in chosen]


def thin(value: Any, cuts: list[str] | None = None) -> Any:
    """``value`` with each long list of :data:`ITEM_CAPS` cut (cited spans spread over articles) and its
    length beside it as ``<name>_total``; everything else as it is. The names of the lists cut are added
    to ``cuts``."""
    if isinstance(value, list):
        return [thin(x, cuts) for x in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if type(item) is list:
            cap = ITEM_CAPS.get(key)
            if cap is not None and len(item) > cap:
                out[f"{key}_total"] = len(item)
                item = _spread(item, cap) if key in ("evidence", "hits") else item[:cap]
                if cuts is not None:
                    cuts.append(key)
            out[key] = item if key in _FLAT_LISTS else [thin(x, cuts) for x in item]
        elif type(item) is dict:
            out[key] = thin(item, cuts)
        else:
            out[key] = item
    return out


def _ranked_in_story(store: Store, kind: str, story_id: str, limit: int | None,
                     name: Any = None) -> tuple[list[str], int]:
    """Ids of the records of ``kind`` that cite a story's articles, those citing the most of them first (then
    by ``name``, a column of a typed table keyed by ``record_id``, then id), at most ``limit``; and how many."""
    per = (select(record_articles.c.record_id.label("record_id"), func.count().label("n"))
           .where(link_kind(kind), record_articles.c.article_id.in_(
               select(story_articles.c.article_id).where(story_articles.c.record_id == story_id)))
           .group_by(record_articles.c.record_id).subquery())
    query = select(per.c.record_id)
    order: list[Any] = [desc(per.c.n)]
    if name is not None:
        query = query.join(name.table, name.table.c.record_id == per.c.record_id, isouter=True)
        order.append(store._ordered(func.coalesce(name, "")))
    query = query.order_by(*order, store._ordered(per.c.record_id))
    with store.engine.connect() as conn:
        total = int(conn.scalar(select(func.count()).select_from(per)) or 0)
        return list(conn.scalars(query if limit is None else query.limit(limit))), total


def story_detail(store: Store, story_id: str, full: bool = False) -> dict[str, Any] | None:
    """What the store says about one story (storyline or event), every item with its evidence.

    Args:
        full: every item of every section; by default the long sections hold their first
            :data:`SECTION_CAPS` items (the best supported, most widely carried or most central first),
            each cut in SQL, and ``totals`` says how many there are (the list endpoints page through
            the rest: ``/api/quotes?story=``, ``/api/entities?story=``, ...).

    Returns:
        None when there is no such story; else ``{story, events, articles, summary, key_timeline,
        timeline, entities, quotes, claims, claims_total, discrepancies, profiles, reuse, totals,
        complete}``, each section in the dossier's record shape. Entities and profiles keep only
        the spellings, roles and spans found in this story's articles.
    """
    story = record(store, "story", story_id)
    if story is None:
        return None
    ids = list(story.get("article_ids") or [])
    aset = set(ids)
    if story.get("level") == "storyline":
        with store.engine.connect() as conn:
            child_ids = list(conn.scalars(select(stories.c.record_id).where(stories.c.parent_id == story_id)
                                          .order_by(stories.c.first_date, store._ordered(stories.c.record_id))))
            children = _payloads(conn, "story", child_ids)
        events = [children[c] for c in child_ids if c in children]
        line_id = story_id
    else:
        events, line_id = [], story.get("parent_id") or story_id
    event_ids = [e["id"] for e in events] or [story_id]

    def cap(section: str) -> int | None:
        return None if full else SECTION_CAPS[section]

    totals: dict[str, int] = {}

    def cut(section: str, items: list[dict[str, Any]], total: int | None = None) -> list[dict[str, Any]]:
        totals[section] = len(items) if total is None else total
        n = cap(section)
        return items if n is None else items[:n]

    metas = articles_meta(store, ids)
    summary = [s for s in _scoped(store, "summary", {line_id, story_id}) if set(s.get("article_ids") or []) & aset]
    key = cut("key_timeline", _key_entries(_scoped(store, "key_timeline", {line_id, story_id}), aset))
    entries = [e for t in _scoped(store, "timeline", event_ids) for e in t.get("entries") or []]
    entries.sort(key=lambda e: (not main_entry(e), e.get("date") is None, str(e.get("date") or "")))
    entity_ids, n_entities = _ranked_in_story(store, "entity", story_id, cap("entities"), entities.c.name)
    profile_ids, n_profiles = _ranked_in_story(store, "profile", story_id, cap("profiles"))
    with store.engine.connect() as conn:
        found = _payloads(conn, "entity", entity_ids)
        found_profiles = _payloads(conn, "profile", profile_ids)
    ents = cut("entities", [_trim_entity(found[e], aset) for e in entity_ids if e in found], n_entities)
    quote_page = list_quotes(store, story=story_id, limit=cap("quotes"))
    claim_page = list_claims(store, story=story_id, limit=cap("claims"))
    disc_page = list_discrepancies(store, story=story_id, limit=cap("discrepancies"))
    reuse_page = list_reuse(store, story=story_id, copy_in_story=True, limit=cap("reuse"))
    profiles = cut("profiles", [_trim_profile(found_profiles[p], aset) for p in profile_ids
                                if p in found_profiles], n_profiles)
    for aid, meta in metas.items():  # the outlet its profile is under
        meta["outlet"] = profile_outlet(Article(id=aid, text="", input=meta.get("input") or "",
                                                source=meta.get("source")))
    out: dict[str, Any] = {
        "story": {**story_summary(story), "article_ids": ids, "link_reason": story.get("link_reason")},
        "events": [story_summary(e) for e in events],
        "articles": list(metas.values()),
        "summary": summary,
        "key_timeline": key,
        "timeline": cut("timeline", entries),
        "entities": ents,
        "quotes": cut("quotes", quote_page.items, quote_page.total),
        "claims": cut("claims", claim_page.items, claim_page.total),
        "claims_total": claim_page.total,
        "discrepancies": cut("discrepancies", disc_page.items, disc_page.total),
        "profiles": profiles,
        "reuse": cut("reuse", reuse_page.items, reuse_page.total),
        "totals": totals,
    }
    if full:
        out["complete"] = True
        return out
    cuts: list[str] = []  # each item's long lists are cut too (the story's own article list stays whole)
    out.update({k: thin(v, cuts) for k, v in out.items() if k not in ("story", "articles", "totals")})
    out["complete"] = not cuts and all(len(out[k]) == n for k, n in totals.items())
    return out


def timeline(store: Store, story_id: str) -> dict[str, Any] | None:
    """A story's key timeline (key dates with cited statements) and every extracted event entry.

    Returns:
        None for an unknown story; else ``{story_id, key_timeline, timeline}`` (key dates in date
        order; event entries the main ones first, as the dossier page shows them).
    """
    detail_story = record(store, "story", story_id)
    if detail_story is None:
        return None
    aset = set(detail_story.get("article_ids") or [])
    if detail_story.get("level") == "storyline":
        with store.engine.connect() as conn:
            event_ids = list(conn.scalars(select(stories.c.record_id).where(stories.c.parent_id == story_id)))
        line_id = story_id
    else:
        event_ids, line_id = [story_id], detail_story.get("parent_id") or story_id
    entries = [e for t in _scoped(store, "timeline", event_ids or [story_id]) for e in t.get("entries") or []]
    entries.sort(key=lambda e: (not main_entry(e), e.get("date") is None, str(e.get("date") or "")))
    for e in entries:
        e.setdefault("phrase", event_phrase(e))
    return {"story_id": story_id,
            "key_timeline": _key_entries(_scoped(store, "key_timeline", {line_id, story_id}), aset),
            "timeline": entries}


# -- articles ---------------------------------------------------------------------------------------


def list_articles(store: Store, *, since: str | None = None, until: str | None = None, outlet: str | None = None,
                  entity: str | None = None, story: str | None = None, limit: int = 50, offset: int = 0) -> Page:
    """Article metadata (no text), the latest published first (undated last), then newest ingested.

    Args:
        since, until: ISO days the publication day must lie within (undated articles are then left out).
        outlet: only this outlet's (``source``).
        entity: only articles that mention this entity id.
        story: only the articles of this story.
    """
    limit, offset = clamp(limit, offset)
    cond: list[Any] = []
    if since:
        cond.append(articles.c.published >= since)
    if until:
        cond.append(articles.c.published < f"{until}~")  # a date-time on the last day is still in
    if outlet:
        cond.append(articles.c.source == outlet)
    if entity:
        cond.append(articles.c.id.in_(select(mentions.c.article_id).where(mentions.c.entity_id == entity)))
    if story:
        cond.append(articles.c.id.in_(select(story_articles.c.article_id).where(story_articles.c.record_id == story)))
    where = and_(literal(True), *cond)
    with store.engine.connect() as conn:
        total = int(conn.scalar(select(func.count()).select_from(articles).where(where)) or 0)
        rows = conn.execute(select(*_META).where(where).order_by(articles.c.published.is_(None),
                                                                 desc(articles.c.published), desc(articles.c.seq))
                            .limit(limit).offset(offset)).all()
    return Page([article_meta(r) for r in rows], total, limit, offset)


_CITING_KINDS = ("summary", "claim", "discrepancy", "reuse", "key_timeline", "profile", "article_reuse")


def article_detail(store: Store, article_id: str, annotations: bool = False) -> dict[str, Any] | None:
    """One article: metadata, text, its stories, and every cited span that points into it.

    Args:
        annotations: also return the stored annotation (sentences, tokens, named entities), or None.

    Returns:
        None for an unknown id; else the metadata plus ``text``, ``stories`` ([{id, label, level}]),
        ``citations`` ([{kind, record_id, article_id, start, end, label, story_id}], by start) and,
        on request, ``annotations``.
    """
    with store.engine.connect() as conn:
        row = conn.execute(select(*_META, articles.c.text).where(articles.c.id == article_id)).first()
        if row is None:
            return None
        ment = conn.execute(select(mentions.c.record_kind, mentions.c.record_id, mentions.c.start, mentions.c.end,
                                   mentions.c.kind, mentions.c.entity_id)
                            .where(mentions.c.article_id == article_id).order_by(mentions.c.start)).all()
        link = and_(record_articles.c.kind == records.c.kind, record_articles.c.record_id == records.c.id)
        citing = conn.execute(select(records.c.kind, records.c.payload).join(record_articles, link).where(
            record_articles.c.article_id == article_id, record_articles.c.kind.in_(_CITING_KINDS))).all()
    text: str = row.text
    names = entity_names_of(store, [m.entity_id for m in ment])
    cites: list[dict[str, Any]] = []

    def add(kind: str, rid: str | None, start: Any, end: Any, label: str, story_id: str | None = None) -> None:
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            cites.append({"kind": kind, "record_id": rid, "article_id": article_id, "start": start, "end": end,
                          "label": label[:200], "story_id": story_id})

    for m in ment:
        who = names.get(m.entity_id or "", "")
        add(m.record_kind, m.record_id, m.start, m.end, f"{m.kind or m.record_kind}: {who}".strip(": "))
    for q in store.quotes_in_article(article_id):
        for v in q.get("variants") or []:
            if v.get("article_id") == article_id:
                add("quote", q.get("id"), v.get("start"), v.get("end"),
                    f"{v.get('speaker_text') or q.get('speaker_text') or 'unattributed'}: {v.get('text') or ''}")
    for e in store.events_of_article(article_id):
        for x in e.get("evidence") or []:
            if x.get("article_id") == article_id:
                add("event", e.get("id"), x.get("start"), x.get("end"), f"{e.get('date') or ''} {event_phrase(e)}")
    for kind, p in citing:
        if kind == "reuse":
            mine = "copy" if p.get("copy_article_id") == article_id else "origin"
            for s in p.get("passages") or []:
                add("reuse", f"{p.get('origin_article_id')}>{p.get('copy_article_id')}", s.get(f"{mine}_start"),
                    s.get(f"{mine}_end"), f"copied passage ({mine}; {p.get('share', 0):.0%} of the copy)")
        elif kind == "article_reuse":
            for w in p.get("credited_wires") or []:
                add("credit", p.get("article_id"), w.get("start"), w.get("end"), f"credits {w.get('wire')}")
        elif kind == "key_timeline":
            for e in p.get("entries") or []:
                for s in e.get("statements") or []:
                    ev = s.get("evidence") or {}
                    if ev.get("article_id") == article_id:
                        add("key_date", p.get("story_id"), ev.get("start"), ev.get("end"),
                            f"{e.get('date')}: {s.get('text') or ''}", p.get("story_id"))
        elif kind == "profile":
            for h in profile_hits(p):
                if h.get("article_id") == article_id:
                    add("profile", p.get("outlet"), h.get("start"), h.get("end"),
                        f"{p.get('outlet')}: {h.get('label') or 'translation sign'} '{h.get('text') or ''}'")
        else:
            label = {"summary": p.get("text"), "claim": f"{p.get('subject')} {p.get('slot')}: {p.get('value')}",
                     "discrepancy": f"{p.get('kind')}: {p.get('description')}"}.get(kind) or kind
            for ev in evidence_everywhere([p]):
                if ev.get("article_id") == article_id:
                    add(kind, p.get("id"), ev.get("start"), ev.get("end"), str(label), p.get("story_id"))
    cites.sort(key=lambda c: (c["start"], c["end"], c["kind"]))
    out = {**article_meta(row), "meta": dict(row.meta or {}), "text": text,
           "stories": [story_summary(s) for s in store.stories_of_article(article_id)], "citations": cites}
    if annotations:
        ann = store.annotations([article_id]).get(article_id)
        out["annotations"] = ann.to_dict() if ann is not None else None
    return out


# -- entities ---------------------------------------------------------------------------------------


def list_entities(store: Store, *, kind: str | None = None, name: str | None = None, story: str | None = None,
                  limit: int = 50, offset: int = 0) -> Page:
    """Entities, the most mentioned first (articles with a mention), each with its spellings and roles.

    Args:
        kind: person, organization, place, ...
        name: any spelling of the name (accents, case and spacing aside).
        story: only entities mentioned in an article of this story.
    """
    n_articles = (select(func.count(func.distinct(mentions.c.article_id))).where(
        mentions.c.entity_id == entities.c.record_id).scalar_subquery())
    ids = select(entities.c.record_id.label("record_id"), n_articles.label("n"))
    if kind:
        ids = ids.where(entities.c.kind == kind)
    if name:
        ids = ids.where(entities.c.record_id.in_(select(entity_names.c.record_id)
                                                 .where(entity_names.c.name_key == name_key(name))))
    if story:
        ids = ids.where(entities.c.record_id.in_(select(mentions.c.entity_id).where(mentions.c.article_id.in_(
            select(story_articles.c.article_id).where(story_articles.c.record_id == story)))))
    return _page_ids(store, "entity", ids, lambda sub: [desc(sub.c.n), store._ordered(sub.c.record_id)],
                     limit, offset)


def entity_detail(store: Store, entity_id: str, full: bool = False) -> dict[str, Any] | None:
    """One entity: every spelling and role with the articles using each, its stories, quotes, claims, ...

    Args:
        full: every item of every list; by default each long list holds its first :data:`DETAIL_CAP`
            items, cut in SQL, and ``totals`` says how many there are.

    Returns:
        None for an unknown id; else the entity record plus ``stories`` (the latest first),
        ``articles`` (metadata of the articles that mention it, the latest first), ``mention_counts``
        ({article id: mentions} of those articles), ``quotes`` (as speaker, the most widely carried
        first), ``claims`` (about it, the best supported first), ``discrepancies`` and ``events``
        (dated, as actor or target), and ``totals``.
    """
    ent = record(store, "entity", entity_id)
    if ent is None:
        return None
    cap = None if full else DETAIL_CAP
    with store.engine.connect() as conn:
        counts = {aid: int(n) for aid, n in conn.execute(
            select(mentions.c.article_id, func.count()).where(mentions.c.entity_id == entity_id)
            .group_by(mentions.c.article_id))}
        used = sorted(set(counts) | {a for v in ent.get("variants") or [] for a in v.get("article_ids") or []})
        dated = [(aid, published or "") for k in range(0, len(used), IN_CHUNK) for aid, published in conn.execute(
            select(articles.c.id, articles.c.published).where(articles.c.id.in_(used[k : k + IN_CHUNK])))]
        in_stories = (select(stories.c.record_id).where(stories.c.record_id.in_(
            select(story_articles.c.record_id).where(story_articles.c.article_id.in_(
                select(mentions.c.article_id).where(mentions.c.entity_id == entity_id)))))
            .order_by(stories.c.last_date.is_(None), desc(stories.c.last_date), store._ordered(stories.c.record_id)))
        n_stories = int(conn.scalar(select(func.count()).select_from(in_stories.subquery())) or 0)
        story_ids = list(conn.scalars(in_stories if cap is None else in_stories.limit(cap)))
        found = _payloads(conn, "story", story_ids)
    dated.sort(key=lambda x: (x[1], x[0]), reverse=True)
    shown = [aid for aid, _ in (dated if cap is None else dated[:cap])]
    metas = articles_meta(store, shown)
    quote_page = list_quotes(store, speaker=entity_id, limit=cap)
    claim_page = list_claims(store, entity=entity_id, limit=cap)
    disc_page = list_discrepancies(store, entity=entity_id, limit=cap)
    evs = store.events_between(entity=entity_id)
    out = {**ent, "stories": [story_summary(found[s]) for s in story_ids if s in found],
           "mention_counts": {a: counts[a] for a in shown if a in counts},
           "articles": [metas[a] for a in shown if a in metas], "quotes": quote_page.items,
           "claims": claim_page.items, "discrepancies": disc_page.items, "events": evs if cap is None else evs[:cap],
           "totals": {"articles": len(dated), "quotes": quote_page.total, "claims": claim_page.total,
                      "events": len(evs), "stories": n_stories, "discrepancies": disc_page.total}}
    if full:
        return out
    # each item's long lists cut as on a story's page; the entity's own spellings and roles keep every article
    # id (the articles using each), their cited spans spread over articles
    keep = {"articles", "totals", "mention_counts", "stories"}
    thinned = {k: v if k in keep else thin(v) for k, v in out.items()}
    for key in ("variants", "roles"):
        thinned[key] = [{**thin(x), "article_ids": x.get("article_ids") or []} for x in out.get(key) or []]
    return thinned


def entities_named(store: Store, name: str) -> list[dict[str, Any]]:
    """Entities with ``name`` among their spellings (as ``newsweave --entity NAME`` finds them)."""
    return store.entities_named(name)


# -- quotes, claims, discrepancies, profiles, reuse -------------------------------------------------


def list_quotes(store: Store, *, speaker: str | None = None, story: str | None = None, article: str | None = None,
                limit: int | None = 50, offset: int = 0) -> Page:
    """Quote groups (one statement as each outlet worded it), the most widely carried first.

    Args:
        speaker: entity id of the speaker (of any variant).
        story: only groups with a variant in this story.
        article: only groups with a variant in this article.
    """
    cond: list[Any] = [literal(True)]
    if speaker:
        cond.append(quotes.c.speaker_entity_id == speaker)
    if story:
        cond.append(quotes.c.article_id.in_(select(story_articles.c.article_id)
                                            .where(story_articles.c.record_id == story)))
    if article:
        cond.append(quotes.c.article_id == article)
    size = select(func.count(func.distinct(quotes.c.article_id))).where(quotes.c.record_id == records.c.id)
    ids = (select(records.c.id.label("record_id"), size.scalar_subquery().label("n"))
           .where(records.c.kind == "quote", records.c.id.in_(select(quotes.c.record_id).where(and_(*cond)))))
    page = _page_ids(store, "quote", ids, lambda sub: [desc(sub.c.n), store._ordered(sub.c.record_id)], limit, offset)
    names = entity_names_of(store, [q.get("speaker_entity_id") or "" for q in page.items])
    for q in page.items:
        q["speaker_name"] = names.get(q.get("speaker_entity_id") or "")
    return page


def _citing(kind: str, story: str | None = None, article: str | None = None) -> Any:
    """Condition: a record of ``kind`` cites an article of ``story`` / the article ``article``."""
    cond = []
    if story:
        cond.append(records.c.id.in_(select(record_articles.c.record_id).where(
            link_kind(kind), record_articles.c.article_id.in_(
                select(story_articles.c.article_id).where(story_articles.c.record_id == story)))))
    if article:
        cond.append(records.c.id.in_(select(record_articles.c.record_id).where(
            link_kind(kind), record_articles.c.article_id == article)))
    return and_(literal(True), *cond)


def of_story(store: Store, kind: str, story: str) -> list[dict[str, Any]]:
    """Records of ``kind`` that cite an article of ``story``, by id (as :meth:`Store.records_of_story`).

    The same answer, driven by the article index (see :func:`_link_kind`).
    """
    query = (select(records.c.payload).where(records.c.kind == kind, _citing(kind, story))
             .order_by(store._ordered(records.c.id)))
    return store._fetch(query)


def _where_typed(ids: Select[Any], table: Any, **equal: str | None) -> Select[Any]:
    """``ids`` (of ``records``) narrowed to the records whose typed row in ``table`` has the given values."""
    given = {k: v for k, v in equal.items() if v}
    if not given:
        return ids
    return ids.where(records.c.id.in_(select(table.c.record_id).where(*(table.c[k] == v for k, v in given.items()))))


def list_claims(store: Store, *, entity: str | None = None, story: str | None = None, slot: str | None = None,
                min_sources: int = 0, limit: int | None = 50, offset: int = 0) -> Page:
    """Claims (subject, slot, value), the best independently supported first.

    Args:
        entity: only claims about this entity id.
        story: only claims citing an article of this story.
        slot: "role", "name", ... (see the corroborate stage).
        min_sources: only claims with at least this many independent sources.
    """
    support = claims.c.independent_sources
    ids: Select[Any] = (select(records.c.id.label("record_id"), support.label("n"))
           .join(claims, claims.c.record_id == records.c.id)
           .where(records.c.kind == "claim", _citing("claim", story)))
    ids = _where_typed(ids, claims, subject_id=entity, slot=slot)
    if min_sources > 0:
        ids = ids.where(support >= min_sources)
    return _page_ids(store, "claim", ids, lambda s: [s.c.n.is_(None), desc(s.c.n), store._ordered(s.c.record_id)],
                     limit, offset)


def list_discrepancies(store: Store, *, story: str | None = None, entity: str | None = None, kind: str | None = None,
                       limit: int | None = 50, offset: int = 0) -> Page:
    """Discrepancies (values that sources disagree on, and the supported one), by id.

    Args:
        story: those citing an article of this story (as its dossier page lists them).
        entity: those about this entity id (both: those of the story about the entity, as the CLI does).
        kind: spelling, role, number, ...
    """
    ids = select(records.c.id.label("record_id")).where(records.c.kind == "discrepancy", _citing("discrepancy", story))
    ids = _where_typed(ids, discrepancies, entity_id=entity, kind=kind)
    return _page_ids(store, "discrepancy", ids, _ordered_ids(store), limit, offset)


def list_profiles(store: Store, *, story: str | None = None, limit: int = 50, offset: int = 0) -> Page:
    """Source profiles (one per outlet): originality, credited wires, loaded terms, translation signs."""
    ids = select(records.c.id.label("record_id")).where(records.c.kind == "profile", _citing("profile", story))
    return _page_ids(store, "profile", ids, _ordered_ids(store), limit, offset)


def profile(store: Store, outlet: str) -> dict[str, Any] | None:
    """One outlet's profile, by outlet name (as the profile names it), or None."""
    found = store._fetch(select(records.c.payload).where(records.c.kind == "profile",
                                                         records.c.payload["outlet"].as_string() == outlet).limit(1))
    return found[0] if found else None


def list_reuse(store: Store, *, article: str | None = None, story: str | None = None, min_share: float = 0.0,
               copy_in_story: bool = False, limit: int | None = 50, offset: int = 0) -> Page:
    """Reuse links (who copied whom, with the passages' spans on both sides), the largest share first.

    Args:
        article: links where this article is the copy or the origin.
        story: links citing an article of this story.
        min_share: only links where the copy reuses at least this share of its text.
        copy_in_story: with ``story``, only links whose copy is an article of the story (its page).
    """
    share = reuse_links.c.share
    ids = (select(records.c.id.label("record_id"), share.label("n"))
           .join(reuse_links, reuse_links.c.record_id == records.c.id)
           .where(records.c.kind == "reuse", _citing("reuse", story, article)))
    if story and copy_in_story:
        ids = ids.where(reuse_links.c.copy_article_id.in_(
            select(story_articles.c.article_id).where(story_articles.c.record_id == story)))
    if min_share > 0:
        ids = ids.where(share >= min_share)
    return _page_ids(store, "reuse", ids, lambda s: [desc(s.c.n), store._ordered(s.c.record_id)], limit, offset)


def originality(store: Store, article_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Per-article originality and credited wires (record kind ``article_reuse``) of the given articles."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(records.c.payload).where(
            records.c.kind == "article_reuse", records.c.id.in_(select(record_articles.c.record_id).where(
                record_articles.c.kind == "article_reuse", record_articles.c.article_id.in_(list(article_ids))))))
        return [r[0] for r in rows]


# -- events -----------------------------------------------------------------------------------------


def list_events(store: Store, *, since: str | None = None, until: str | None = None, story: str | None = None,
                entity: str | None = None, limit: int = 50, offset: int = 0) -> Page:
    """Dated events within ``since``..``until`` (every day the date may mean inside it), by date.

    Undated events (or those dated only by their article's publication) are in no range: the
    story timeline lists them. ``story``/``entity`` as :meth:`Store.events_between`.
    """
    limit, offset = clamp(limit, offset)
    found = store.events_between(since, until, story=story, entity=entity)
    page = found[offset : offset + limit]
    for e in page:
        e["phrase"] = event_phrase(e)
    return Page(page, len(found), limit, offset)


# -- search -----------------------------------------------------------------------------------------


def search(store: Store, q: str, limit: int = 20, offset: int = 0, *, since: str | None = None,
           until: str | None = None, outlet: str | None = None) -> Page:
    """Articles matching ``q``, the best first (BM25 on SQLite, ``ts_rank_cd`` on PostgreSQL).

    Args:
        q: words, all of which must occur (stemmed, case and accents aside).
        since, until: ISO days the publication day must lie within.
        outlet: only this outlet's articles.

    Returns:
        A :class:`Page` of article metadata, each with ``snippet``
        (``{text, start, end, match}``), ``evidence`` (the matched word's span, or None)
        and ``story_ids``; ``extra`` holds the words searched for.

    Raises:
        SearchQueryError: the query has no word.
    """
    limit, offset = clamp(limit, offset)
    found = words_or_fail(q)
    ids, rank = matches(store, q)
    cond: list[Any] = []
    if since:
        cond.append(articles.c.published >= since)
    if until:
        cond.append(articles.c.published < f"{until}~")
    if outlet:
        cond.append(articles.c.source == outlet)
    for c in cond:
        ids = ids.where(c)
    with store.engine.connect() as conn:
        total = int(conn.scalar(select(func.count()).select_from(ids.subquery())) or 0)
        page = [r[0] for r in conn.execute(ids.order_by(rank, articles.c.seq).limit(limit).offset(offset))]
        rows = {r.id: r for r in conn.execute(select(*_META, articles.c.text).where(articles.c.id.in_(page)))}
    in_stories = stories_of(store, page)
    items = []
    for aid in page:
        row = rows.get(aid)
        if row is None:
            continue
        snip = snippet(row.text, found)
        m = snip["match"]
        items.append({**article_meta(row), "snippet": snip, "story_ids": in_stories.get(aid, []),
                      "evidence": {"article_id": aid, **m} if m else None})
    return Page(items, total, limit, offset, {"q": q, "words": found})


def stories_of(store: Store, article_ids: Iterable[str]) -> dict[str, list[str]]:
    """Story ids (both levels) of each article."""
    wanted = list(dict.fromkeys(article_ids))
    out: dict[str, list[str]] = defaultdict(list)
    with store.engine.connect() as conn:
        for k in range(0, len(wanted), IN_CHUNK):
            for sid, aid in conn.execute(select(story_articles.c.record_id, story_articles.c.article_id).where(
                    story_articles.c.article_id.in_(wanted[k : k + IN_CHUNK]))):
                out[aid].append(sid)
    return dict(out)


__all__ = [
    "MAX_LIMIT", "Page", "article_detail", "articles_meta", "clamp", "coverage", "entity_detail", "list_articles",
    "list_claims", "list_discrepancies", "list_entities", "list_events", "list_outlets", "list_profiles",
    "list_quotes", "list_reuse", "list_stories", "originality", "profile", "record", "search", "store_version",
    "stories_of", "story_detail", "timeline",
]

