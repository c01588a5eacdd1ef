"""Timeline: one entry per real-world event across articles, ordered by date, with source counts.

Cross-document event coreference is a greedy merge: two asserted, actual events
corefer when their PLOVER type agrees, their modes do not conflict, their dates
are compatible (placeholders such as ``XXXX-WXX-3`` match any date on that
weekday; publication-date fallbacks match any date not after them) and their
actors or targets agree (same entity id, else similar surface text). An entry
takes the most precise date of its members. Independent sources count copies
of one origin once (``origin_of`` from reuse detection).

:func:`temporal_awareness` implements the SemEval-2015 Task 4 scoring: each
timeline becomes a graph (every event SIMULTANEOUS with a node for its date,
BEFORE between events of consecutive positions, SIMULTANEOUS within one
position) scored with the TempEval-3 temporal-awareness metric (UzZaman &
Allen 2011): P = |Sys⁻ ∩ Ref⁺| / |Sys⁻|, R = |Ref⁻ ∩ Sys⁺| / |Ref⁻| over the
transitive reduction (⁻) and closure (⁺), micro-averaged over timelines.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from newsweave.events.extract import Event
from newsweave.events.timex_values import value_precision
from newsweave.models import content_id
from newsweave.textutil import fold

_PREC_RANK = {"day": 0, "week": 1, "month": 2, "quarter": 3, "season": 3, "year": 4, "unknown": 9}


@dataclass(slots=True)
class TimelineEntry:
    """One event as reported by one or more articles."""

    type: str
    mode: str | None
    date: str | None
    date_precision: str
    events: list[Event]
    article_ids: list[str]
    independent_sources: int
    id: str = field(default="")

    def to_dict(self, texts: dict[str, str] | None = None) -> dict[str, Any]:
        """Dossier form: an event record (schema "events") with the timeline's counts."""
        first = self.events[0]
        actor = next((e.actor_entity_id for e in self.events if e.actor_entity_id), None)
        target = next((e.target_entity_id for e in self.events if e.target_entity_id), None)
        ev = []
        for e in self.events:
            ev.extend(e.evidence(texts.get(e.article_id) if texts else None))
        return {
            "id": self.id, "type": self.type, "mode": self.mode,
            "actor_entity_id": actor, "target_entity_id": target,
            "actor_text": next((e.actor_text for e in self.events if e.actor_text), None),
            "target_text": next((e.target_text for e in self.events if e.target_text), None),
            "date": self.date, "date_precision": self.date_precision,
            "article_ids": self.article_ids, "n_articles": len(self.article_ids),
            "independent_sources": self.independent_sources, "evidence": ev,
            "event_ids": [e.id for e in self.events], "polarity": first.polarity, "modality": first.modality,
        }


def _weekday_ok(placeholder: str, date: str) -> bool:
    m = re.fullmatch(r"XXXX-WXX-(\d)", placeholder)
    d = _iso(date)
    return bool(m and d and d.isoweekday() == int(m[1]))


def _iso(v: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(v) if v and re.fullmatch(r"\d{4}-\d\d-\d\d", v) else None
    except ValueError:
        return None


def dates_compatible(a: Event, b: Event) -> bool:
    """Could two events' dates denote the same day (placeholders and 'by publication' included)?"""
    da, db = a.date, b.date
    if da is None or db is None:
        return True
    for x, y, ex in ((da, db, a), (db, da, b)):
        if ex.date_source == "publication":
            dy = _iso(y)
            dx = _iso(x)
            if dy and dx:
                return dy <= dx
            return True
        if "X" in x:
            if x.startswith("XXXX-WXX-"):
                return _weekday_ok(x, y) if _iso(y) else True
            if re.fullmatch(r"XXXX-(\d\d)-(\d\d)", x) and _iso(y):
                return x[5:] == y[5:]
            return True
    return da[: min(len(da), len(db))] == db[: min(len(da), len(db))]


def _similar(ta: str | None, tb: str | None, ia: str | None, ib: str | None) -> bool | None:
    """True/False when both sides are known, None when one is missing."""
    if ia and ib:
        return ia == ib
    if not ta or not tb:
        return None
    na, nb = fold(ta), fold(tb)
    if na in _PRONOUNS or nb in _PRONOUNS:
        return None
    return fuzz.token_set_ratio(na, nb) >= 70


_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "you", "his", "her", "their", "its", "that", "who"})


def corefer(a: Event, b: Event) -> bool:
    """Do two event mentions denote the same real-world event?"""
    if a.type != b.type or a.polarity != b.polarity:
        return False
    if a.mode and b.mode and a.mode != b.mode:
        return False
    if not dates_compatible(a, b):
        return False
    act = _similar(a.actor_text, b.actor_text, a.actor_entity_id, b.actor_entity_id)
    tar = _similar(a.target_text, b.target_text, a.target_entity_id, b.target_entity_id)
    if act is False and tar is False:
        return False
    if act or tar:
        return True
    same_day = a.date is not None and a.date == b.date and value_precision(a.date) == "day" and \
        a.date_source != "publication"
    return bool(same_day and a.mode and a.mode == b.mode)


def _best_date(events: Sequence[Event]) -> tuple[str | None, str]:
    """The most precise known date of a group (publication fallbacks last); resolves placeholders."""
    dated = [e for e in events if e.date and "X" not in e.date and e.date_source != "publication"]
    if dated:
        best = min(dated, key=lambda e: (_PREC_RANK.get(e.date_precision, 9),
                                         ["clause", "governing", "sentence"].index(e.date_source)
                                         if e.date_source in ("clause", "governing", "sentence") else 3))
        return best.date, best.date_precision
    pub = [e for e in events if e.date and e.date_source == "publication"]
    if pub:
        return min(e.date or "" for e in pub), "unknown"
    holder = next((e.date for e in events if e.date), None)
    return holder, "unknown"


def independent_count(article_ids: Iterable[str], origin_of: dict[str, str] | None) -> int:
    """Number of independent sources: articles that copied another count as their origin."""
    roots = set()
    for a in article_ids:
        seen = {a}
        r = a
        while origin_of and r in origin_of:
            r = origin_of[r]
            if r in seen:  # a cycle: its smallest id stands for it
                r = min(seen)
                break
            seen.add(r)
        roots.add(r)
    return len(roots)


def build_timeline(
    events: Sequence[Event],
    origin_of: dict[str, str] | None = None,
    include_hypothetical: bool = False,
) -> list[TimelineEntry]:
    """Merge event mentions across articles into dated timeline entries.

    Args:
        events: event mentions of one story (from :func:`newsweave.events.extract_events`).
        origin_of: article id -> id of the article it copied from (reuse detection); copies of
            one origin count once in ``independent_sources``.
        include_hypothetical: also place conditional/hypothetical or negated events (off by
            default: "would recognize if ..." did not happen).

    Returns:
        Entries ordered by date (undated last), each with its member events and counts.
    """
    pool = [e for e in events if include_hypothetical or (e.polarity == "asserted" and e.modality == "actual")]
    groups: list[list[Event]] = []
    # Every member of a group shares its first event's type and polarity (an event joins only a group where
    # it corefers with some member, which needs both equal), so an event is compared only with the groups
    # of its own type and polarity, in the order they were made: the same first match as over all groups.
    by_kind: dict[tuple[str, str], list[list[Event]]] = {}
    for e in sorted(pool, key=lambda x: (x.article_id, x.trigger.start)):
        kind = by_kind.setdefault((e.type, e.polarity), [])
        for g in kind:
            if all(corefer(e, m) for m in g if m.article_id != e.article_id) and any(
                corefer(e, m) for m in g
            ):
                g.append(e)
                break
        else:
            groups.append([e])
            kind.append(groups[-1])
    entries = []
    for g in groups:
        date, prec = _best_date(g)
        arts = sorted({e.article_id for e in g})
        mode = next((e.mode for e in g if e.mode), None)
        eid = content_id("|".join(sorted(e.id for e in g)), "tl_")
        entries.append(TimelineEntry(g[0].type, mode, date, prec, g, arts, independent_count(arts, origin_of),
                                     eid))
    entries.sort(key=lambda t: (t.date is None or t.date.startswith("X"), t.date or "", -len(t.article_ids)))
    return entries


# ---------------------------------------------------------------------------
# SemEval-2015 Task 4 scoring (TempEval-3 temporal awareness)
# ---------------------------------------------------------------------------
TimelineLines = Sequence[tuple[int, str, Sequence[str]]]  # (order, date, event ids)


def _graph(lines: TimelineLines) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """Equivalence classes (node -> class) and BEFORE edges between classes of a timeline graph."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    by_order: dict[int, list[str]] = {}
    for order, date, evs in lines:
        for ev in evs:
            find("E:" + ev)
            if date and not date.startswith("XXXX"):
                union("E:" + ev, "T:" + date)
        if order > 0 and evs:
            by_order.setdefault(order, []).extend("E:" + e for e in evs)
    for evs in by_order.values():
        for e in evs[1:]:
            union(evs[0], e)
    orders = sorted(by_order)
    before = set()
    for a, b in itertools.pairwise(orders):
        before.add((find(by_order[a][0]), find(by_order[b][0])))
    cls = {n: find(n) for n in list(parent)}
    return cls, {(a, b) for a, b in before if a != b}


class _Closure:
    """All relations a timeline graph entails, answered from its classes without listing them (that list grows
    with the square of a class's size): SIMULTANEOUS within a class, BEFORE along paths between classes."""

    def __init__(self, cls: dict[str, str], before: set[tuple[str, str]]) -> None:
        succ: dict[str, set[str]] = {}
        for a, b in before:
            succ.setdefault(a, set()).add(b)
        self.cls = cls
        #: class -> the classes reachable from it by BEFORE edges
        self.reach: dict[str, set[str]] = {}
        for c in set(cls.values()):
            seen: set[str] = set()
            stack = list(succ.get(c, ()))
            while stack:
                x = stack.pop()
                if x not in seen:
                    seen.add(x)
                    stack.extend(succ.get(x, ()))
            self.reach[c] = seen

    def __contains__(self, rel: tuple[str, str, str]) -> bool:
        r, x, y = rel
        cx, cy = self.cls.get(x), self.cls.get(y)
        if cx is None or cy is None:
            return False
        if r == "SIMULTANEOUS":
            return x != y and cx == cy
        return r == "BEFORE" and cy in self.reach[cx]


def _reduction(cls: dict[str, str], before: set[tuple[str, str]]) -> set[tuple[str, str, str]]:
    """Transitive reduction: a chain inside each class, Hasse edges between class representatives."""
    members: dict[str, list[str]] = {}
    for n, c in cls.items():
        members.setdefault(c, []).append(n)
    rel: set[tuple[str, str, str]] = set()
    for ms in members.values():
        ms.sort()
        for a, b in itertools.pairwise(ms):
            rel.add(("SIMULTANEOUS", a, b))
    reach = _Closure(cls, before).reach
    for a, rs in reach.items():
        for b in rs:  # a BEFORE b is a Hasse edge unless some class lies between them
            if not any(b in reach[m] for m in rs):
                rel.add(("BEFORE", min(members[a]), min(members[b])))
    return rel


def _holds(rel: tuple[str, str, str], closure: _Closure) -> bool:
    r, a, b = rel
    if r == "SIMULTANEOUS":
        return (r, a, b) in closure or (r, b, a) in closure
    return (r, a, b) in closure


def temporal_awareness(gold: Sequence[TimelineLines], system: Sequence[TimelineLines]) -> dict[str, float]:
    """Micro-averaged temporal-awareness P/R/F1 over pairs of (gold, system) timelines.

    Args:
        gold: per target, the gold timeline as ``(order, date, [event ids])`` lines; order 0 = undated.
        system: the system timelines for the same targets, same form.

    Returns:
        ``{"p", "r", "f1", "sys_relations", "gold_relations"}``.
    """
    p_num = p_den = r_num = r_den = 0
    for g, s in zip(gold, system, strict=True):
        gc, gb = _graph(g)
        sc, sb = _graph(s)
        g_plus, s_plus = _Closure(gc, gb), _Closure(sc, sb)
        g_minus, s_minus = _reduction(gc, gb), _reduction(sc, sb)
        # time-date nodes only matter through their events; relations among date nodes alone are dropped
        s_minus = {x for x in s_minus if x[1].startswith("E:") or x[2].startswith("E:")}
        g_minus = {x for x in g_minus if x[1].startswith("E:") or x[2].startswith("E:")}
        p_num += sum(1 for x in s_minus if _holds(x, g_plus))
        p_den += len(s_minus)
        r_num += sum(1 for x in g_minus if _holds(x, s_plus))
        r_den += len(g_minus)
    p = p_num / p_den if p_den else 0.0
    r = r_num / r_den if r_den else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": p, "r": r, "f1": f, "sys_relations": p_den, "gold_relations": r_den}
