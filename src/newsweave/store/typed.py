"""Typed rows of the main record kinds: which table each kind fills, and how a payload becomes rows.

The JSON payload in ``records`` stays the source of truth. For the kinds in :data:`KINDS`
the store also writes, in the same transaction, the columns that queries select and join on
(tables in :mod:`newsweave.store.schema`), so that "every quote by this person" or "the
stories that mention this entity this week" are index look-ups instead of scans in Python.
A record of any other kind is stored as before, JSON only.

The row functions never refuse a payload: a field that is missing or of another type
gives NULL (text without NUL characters or lone surrogates, offsets as 32-bit integers, finite floats),
so a record that was storable before stays storable. Changing what a function writes
needs a migration that calls :func:`rebuild` for the kinds it changes.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, inspect, select
from sqlalchemy.engine import Connection

from newsweave.store.schema import (
    claims,
    discrepancies,
    entities,
    entity_names,
    events,
    mentions,
    quotes,
    records,
    reuse_links,
    stories,
    story_articles,
    timeline_entries,
)
from newsweave.textutil import fold

Row = dict[str, Any]
RowsOf = Callable[[str, str, dict[str, Any]], list[Row]]  # (kind, record id, payload) -> rows


@dataclass(frozen=True, slots=True)
class Typed:
    """One table a record kind fills, and the function that makes its rows from one record."""

    table: Table
    rows: RowsOf


# -- safe field access ------------------------------------------------------------------------------

_INT_MAX = 2**31 - 1


def _text(value: Any) -> str | None:
    """``value`` if it is text a column of both backends can hold (NUL dropped, lone surrogates as U+FFFD)."""
    if not isinstance(value, str):
        return None
    if value.isascii() and "\x00" not in value:  # the usual case, checked fast
        return value
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return value


def _int(value: Any) -> int | None:
    return value if type(value) is int and 0 <= value <= _INT_MAX else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _ids(value: Any) -> list[str]:
    """The distinct text ids of a list, in order."""
    return list(dict.fromkeys(t for t in map(_text, _list(value)) if t))


# -- dates ------------------------------------------------------------------------------------------

_SEASONS = {"SP": (3, 5), "SU": (6, 8), "FA": (9, 11)}
_TIMEX = re.compile(
    r"(?P<y>\d{4})(?:-(?:(?P<m>\d{2})(?:-(?P<d>\d{2}))?|W(?P<w>\d{2})(?:-(?P<wd>[1-7]|WE))?|Q(?P<q>[1-4])"
    r"|H(?P<h>[12])|(?P<s>SP|SU|FA|WI)))?(?:T.*)?|(?P<dec>\d{3})|(?P<cen>\d{2})")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def day_span(value: Any) -> tuple[str, str] | None:
    """The first and last calendar day a TIMEX3 date value covers, as ISO dates; None when unknown.

    ``2019-01-27`` is that day, ``2019-01`` its month, ``2019-W04-WE`` that weekend,
    ``2019`` the year, ``201`` the 2010s. A winter (``2019-WI``) is taken as widely as
    it may be read: 1 January 2019 to the end of February 2020. A value with an
    ``X``, a reference (``PAST_REF``) or a year before the era has none.
    """
    match = _TIMEX.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    g = match.groupdict()
    try:
        if g["cen"]:
            first, last = date(max(int(g["cen"]) * 100, 1), 1, 1), date(int(g["cen"]) * 100 + 99, 12, 31)
        elif g["dec"]:
            first, last = date(max(int(g["dec"]) * 10, 1), 1, 1), date(int(g["dec"]) * 10 + 9, 12, 31)
        else:
            year = int(g["y"])
            if g["d"]:
                first = last = date(year, int(g["m"]), int(g["d"]))
            elif g["m"]:
                first, last = date(year, int(g["m"]), 1), _month_end(year, int(g["m"]))
            elif g["w"]:
                monday = date.fromisocalendar(year, int(g["w"]), 1)
                if g["wd"] == "WE":
                    first, last = monday + timedelta(days=5), monday + timedelta(days=6)
                elif g["wd"]:
                    first = last = monday + timedelta(days=int(g["wd"]) - 1)
                else:
                    first, last = monday, monday + timedelta(days=6)
            elif g["q"]:
                q = int(g["q"])
                first, last = date(year, 3 * q - 2, 1), _month_end(year, 3 * q)
            elif g["h"]:
                h = int(g["h"])
                first, last = date(year, 6 * h - 5, 1), _month_end(year, 6 * h)
            elif g["s"] == "WI":
                first, last = date(year, 1, 1), _month_end(year + 1, 2)
            elif g["s"]:
                lo, hi = _SEASONS[g["s"]]
                first, last = date(year, lo, 1), _month_end(year, hi)
            else:
                first, last = date(year, 1, 1), date(year, 12, 31)
    except (ValueError, OverflowError):  # 2019-02-30, week 54, year 0
        return None
    return first.isoformat(), last.isoformat()


def _dated(item: dict[str, Any]) -> dict[str, Any]:
    """``date``, ``day_first`` and ``day_last`` of an event or timeline entry.

    A ``date_precision`` of "unknown" means the date only bounds the event (it happened
    by then, e.g. the publication date): no days are claimed for it.
    """
    value = _text(item.get("date"))
    span = None if item.get("date_precision") == "unknown" else day_span(value)
    return {"date": value, "day_first": span[0] if span else None, "day_last": span[1] if span else None}


# -- one function per kind -------------------------------------------------------------------------


def _story(kind: str, rid: str, p: dict[str, Any]) -> list[Row]:
    return [{"record_id": rid, "level": _text(p.get("level")), "parent_id": _text(p.get("parent_id")),
             "first_date": _text(p.get("first_date")), "last_date": _text(p.get("last_date"))}]


def _story_articles(kind: str, rid: str, p: dict[str, Any]) -> list[Row]:
    level = _text(p.get("level"))
    return [{"record_id": rid, "article_id": aid, "level": level} for aid in _ids(p.get("article_ids"))]


def _entity(kind: str, rid: str, p: dict[str, Any]) -> list[Row]:
    return [{"record_id": rid, "kind": _text(p.get("kind")), "name": _text(p.get("name"))}]


def name_key(name: str) -> str:
    """How names are compared in ``entity_names``: accents and case folded, spaces collapsed."""
    return " ".join(fold(name).split())


def _entity_names(kind: str, rid: str, p: dict[str, Any]) -> list[Row]:
    names = [_text(p.get("name"))] + [_text(_dict(v).get("text")) for v in _list(p.get("variants"))]
    out: dict[str, Row] = {}
    for name in names:
        key = name_key(name) if name else ""
        if key and key not in out:
            out[key] = {"record_id": rid, "name_key": key, "name": name}
    return list(out.values())


def _mention(kind: str, rid: str, p: dict[str, Any]) -> list[Row]:
    return [{"record_kind": kind, "record_id": rid, "article_id": _text(p.get("article_id")),
             "start": _int(p.get("start")), "end": _int(p.get("end")),
             "kind": _text(p.get("kind")) or (kind if kind == "demonym" else None),
             "entity_id": _text(p.get("entity_id"))}]


def _quote(kind: str, rid: str, p: dict[str, Any]) -> list[Row]:
    variants = [_dict(v) for v in _list(p.get("variants"))] or [{}]  # a group without variants: one row
    rows = []
    for n, v in enumerate(variants):
        who = v if "speaker_entity_id" in v else p  # the variant's own speaker (the group's is one of them)
        rows.append({"record_id": rid, "n": n, "quote_id": _text(v.get("quote_id")),
                     "article_id": _text(v.get("article_id")), "start": _int(v.get("start")),
                     "end": _int(v.get("end")), "kind": _text(v.get("kind")),
                     "speaker_entity_id": _text(who.get("speaker_entity_id")),
                     "speaker_text": _text(who.get("speaker_text"))})
    return rows


def _event(kind: str, rid: str, p: dict[str, Any]) -> list[Row]:
    common = {"record_id": rid, "type": _text(p.get("type")), "date_precision": _text(p.get("date_precision")),
              "actor_entity_id": _text(p.get("actor_entity_id")),
              "target_entity_id": _text(p.get("target_entity_id")), **_dated(p)}
    return [{**common, "n": n, "article_id": aid} for n, aid in enumerate(_ids(p.get("article_ids")) or [None])]


def _timeline(kind: str, rid: str, p: dict[str, Any]) -> list[Row]:
    story = _text(p.get("story_id")) or rid
    rows = []
    for n, e in enumerate(_dict(e) for e in _list(p.get("entries"))):
        background = e.get("background")
        rows.append({"record_kind": kind, "record_id": rid, "n": n, "story_id": story,
                     "entry_id": _text(e.get("id")), "type": _text(e.get("type")),
                     "background": background if isinstance(background, bool) else None, **_dated(e)})
    return rows


def _claim(kind: str, rid: str, p: dict[str, Any]) -> list[Row]:
    return [{"record_id": rid, "subject_id": _text(p.get("subject_id")), "slot": _text(p.get("slot")),
             "independent_sources": _int(p.get("independent_sources"))}]


def _reuse(kind: str, rid: str, p: dict[str, Any]) -> list[Row]:
    share = p.get("share")
    value = float(share) if isinstance(share, int | float) and not isinstance(share, bool) else None
    return [{"record_id": rid, "copy_article_id": _text(p.get("copy_article_id")),
             "origin_article_id": _text(p.get("origin_article_id")),
             "share": value if value is not None and math.isfinite(value) else None}]


def _discrepancy(kind: str, rid: str, p: dict[str, Any]) -> list[Row]:
    return [{"record_id": rid, "kind": _text(p.get("kind")), "entity_id": _text(p.get("entity_id")),
             "story_id": _text(p.get("story_id"))}]


#: Record kind -> the typed tables it fills. Kinds not here are stored as JSON only.
KINDS: dict[str, tuple[Typed, ...]] = {
    "story": (Typed(stories, _story), Typed(story_articles, _story_articles)),
    "entity": (Typed(entities, _entity), Typed(entity_names, _entity_names)),
    "mention": (Typed(mentions, _mention),),
    "reference": (Typed(mentions, _mention),),
    "demonym": (Typed(mentions, _mention),),
    "quote": (Typed(quotes, _quote),),
    "event": (Typed(events, _event),),
    "timeline": (Typed(timeline_entries, _timeline),),
    "key_timeline": (Typed(timeline_entries, _timeline),),
    "claim": (Typed(claims, _claim),),
    "discrepancy": (Typed(discrepancies, _discrepancy),),
    "reuse": (Typed(reuse_links, _reuse),),
}

#: Every typed table, once.
TABLES: tuple[Table, ...] = tuple(dict.fromkeys(t.table for spec in KINDS.values() for t in spec))


def typed_rows(kind: str, items: Iterable[tuple[str, Any]]) -> list[tuple[Table, list[Row]]]:
    """The typed rows of records ``(id, payload)`` of ``kind``, per table; empty for a kind without any."""
    spec = KINDS.get(kind, ())
    if not spec:
        return []
    out: list[tuple[Table, list[Row]]] = [(t.table, []) for t in spec]
    for rid, payload in items:
        p = _dict(payload)
        for (_, rows), t in zip(out, spec, strict=True):
            rows.extend(t.rows(kind, rid, p))
    return out


def _of_kind(table: Table, kind: str) -> Any:
    return table.c.record_kind == kind if "record_kind" in table.c else None


def delete_typed(conn: Connection, kind: str, scope: str) -> None:
    """Delete the typed rows of the records of ``kind`` in ``scope`` (before those records go)."""
    old = select(records.c.id).where(records.c.kind == kind, records.c.scope == scope)
    for table in dict.fromkeys(t.table for t in KINDS.get(kind, ())):
        stmt = delete(table).where(table.c.record_id.in_(old))
        cond = _of_kind(table, kind)
        conn.execute(stmt if cond is None else stmt.where(cond))


def insert_typed(conn: Connection, tables: Sequence[tuple[Table, list[Row]]]) -> None:
    """Insert typed rows made by :func:`typed_rows`.

    The rows hold only text, integers, booleans and NULL, which both drivers take as they
    are, so they go to the driver's ``executemany`` directly: SQLAlchemy's processing of
    each parameter would cost as much as the whole insert.
    """
    for table, rows in tables:
        if not rows:
            continue
        compiled = insert(table).values({k: bindparam(k) for k in rows[0]}).compile(dialect=conn.dialect)
        order = compiled.positiontup
        params = [tuple(r[k] for k in order) for r in rows] if order is not None else rows
        conn.exec_driver_sql(str(compiled), params)


def _pages(conn: Connection, kind: str, size: int) -> Iterator[list[tuple[str, Any]]]:
    """All records of ``kind`` as ``(id, payload)``, ``size`` at a time (by id, so no cursor stays open)."""
    last: str | None = None
    while True:
        query = select(records.c.id, records.c.payload).where(records.c.kind == kind)
        if last is not None:
            query = query.where(records.c.id > last)
        page = [(r[0], r[1]) for r in conn.execute(query.order_by(records.c.id).limit(size))]
        if not page:
            return
        yield page
        last = page[-1][0]


def rebuild(conn: Connection, kinds: Iterable[str] | None = None, page: int = 2000) -> int:
    """Rewrite the typed rows of ``kinds`` (default: all of :data:`KINDS`) from the stored payloads.

    Run by migrations: revision 0004 fills the tables of a store that had records before.
    Only the tables and columns the database has are written, so an older revision's
    rebuild keeps working after a later one adds columns or tables. Returns the number
    of records read.
    """
    have = inspect(conn)
    names = set(have.get_table_names())
    columns = {t.name: {c["name"] for c in have.get_columns(t.name)} for t in TABLES if t.name in names}
    done = 0
    for kind in kinds if kinds is not None else KINDS:
        spec = [t for t in KINDS.get(kind, ()) if t.table.name in columns]
        for table in dict.fromkeys(t.table for t in spec):
            cond = _of_kind(table, kind)
            conn.execute(delete(table) if cond is None else delete(table).where(cond))
        for chunk in _pages(conn, kind, page):
            done += len(chunk)
            for table, rows in typed_rows(kind, chunk):
                if table.name in columns:
                    keep = columns[table.name]
                    insert_typed(conn, [(table, [{k: v for k, v in r.items() if k in keep} for r in rows])])
    return done
