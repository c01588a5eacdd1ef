"""The indexed passes of :mod:`newsweave.events.timeline` and :mod:`newsweave.events.tls` give exactly what
the pairwise code they replaced gave (that code is copied here as ``_old_*``), on random and real fixtures."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest

from newsweave.events import timeline as tl
from newsweave.events import tls
from newsweave.events.extract import Event
from newsweave.models import AnnotatedArticle, Article, Span, content_id

# --- the code before (key_timeline/5, events/8 as of 57c2b59) --------------------------------------------

def _old_build_timeline(events: Sequence[Event], origin_of: dict[str, str] | None = None,
                        include_hypothetical: bool = False) -> list[tl.TimelineEntry]:
    pool = [e for e in events if include_hypothetical or (e.polarity == "asserted" and e.modality == "actual")]
    groups: list[list[Event]] = []
    for e in sorted(pool, key=lambda x: (x.article_id, x.trigger.start)):
        for g in groups:
            if all(tl.corefer(e, m) for m in g if m.article_id != e.article_id) and any(
                tl.corefer(e, m) for m in g
            ):
                g.append(e)
                break
        else:
            groups.append([e])
    entries = []
    for g in groups:
        date, prec = tl._best_date(g)
        arts = sorted({e.article_id for e in g})
        mode = next((e.mode for e in g if e.mode), None)
        eid = content_id("|".join(sorted(e.id for e in g)), "tl_")
        entries.append(tl.TimelineEntry(g[0].type, mode, date, prec, g, arts, tl.independent_count(arts, origin_of),
                                        eid))
    entries.sort(key=lambda t: (t.date is None or t.date.startswith("X"), t.date or "", -len(t.article_ids)))
    return entries


def _old_closure(cls: dict[str, str], before: set[tuple[str, str]]) -> set[tuple[str, str, str]]:
    succ: dict[str, set[str]] = {}
    for a, b in before:
        succ.setdefault(a, set()).add(b)
    reach: dict[str, set[str]] = {}
    for c in set(cls.values()):
        seen: set[str] = set()
        stack = list(succ.get(c, ()))
        while stack:
            x = stack.pop()
            if x not in seen:
                seen.add(x)
                stack.extend(succ.get(x, ()))
        reach[c] = seen
    members: dict[str, list[str]] = {}
    for n, c in cls.items():
        members.setdefault(c, []).append(n)
    rel: set[tuple[str, str, str]] = set()
    for ms in members.values():
        for x in ms:
            for y in ms:
                if x != y:
                    rel.add(("SIMULTANEOUS", x, y))
    for c, rs in reach.items():
        for d in rs:
            for x in members.get(c, []):
                for y in members.get(d, []):
                    rel.add(("BEFORE", x, y))
    return rel


def _old_reduction(cls: dict[str, str], before: set[tuple[str, str]]) -> set[tuple[str, str, str]]:
    members: dict[str, list[str]] = {}
    for n, c in cls.items():
        members.setdefault(c, []).append(n)
    rel: set[tuple[str, str, str]] = set()
    for ms in members.values():
        ms.sort()
        for a, b in itertools.pairwise(ms):
            rel.add(("SIMULTANEOUS", a, b))
    full = _old_closure(cls, before)
    cb = {(a, b) for r, a, b in full if r == "BEFORE" and a == cls[a] and b == cls[b]}
    for a, b in cb:
        if not any((a, m) in cb and (m, b) in cb for m in members):
            rel.add(("BEFORE", min(members[a]), min(members[b])))
    return rel


def _old_holds(rel: tuple[str, str, str], closure: set[tuple[str, str, str]]) -> bool:
    r, a, b = rel
    if r == "SIMULTANEOUS":
        return (r, a, b) in closure or (r, b, a) in closure
    return (r, a, b) in closure


def _old_temporal_awareness(gold: Sequence[Any], system: Sequence[Any]) -> dict[str, float]:
    p_num = p_den = r_num = r_den = 0
    for g, s in zip(gold, system, strict=True):
        gc, gb = tl._graph(g)
        sc, sb = tl._graph(s)
        g_plus, s_plus = _old_closure(gc, gb), _old_closure(sc, sb)
        g_minus, s_minus = _old_reduction(gc, gb), _old_reduction(sc, sb)
        s_minus = {x for x in s_minus if x[1].startswith("E:") or x[2].startswith("E:")}
        g_minus = {x for x in g_minus if x[1].startswith("E:") or x[2].startswith("E:")}
        p_num += sum(1 for x in s_minus if _old_holds(x, g_plus))
        p_den += len(s_minus)
        r_num += sum(1 for x in g_minus if _old_holds(x, s_plus))
        r_den += len(g_minus)
    p = p_num / p_den if p_den else 0.0
    r = r_num / r_den if r_den else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": p, "r": r, "f1": f, "sys_relations": p_den, "gold_relations": r_den}


def _old_summarize_timeline(docs: Sequence[AnnotatedArticle], n_dates: int | None = None, per_date: int | None = 1,
                            mode: str = "both") -> list[tls.TimelineEntry]:
    sents = [s for s in tls.dated_sentences(docs) if tls._statement_like(s.text)]
    scores = tls.date_scores(sents, mode)
    if not scores:
        return []
    named, published = tls.support(sents)
    least = tls._min_support(sents)
    strong = {d for d in scores if len(named.get(d, set()) | published.get(d, set())) >= least}
    first = min((s.published for s in sents if s.published), default=None)
    try:
        cutoff = (dt.date.fromisoformat(first[:10]) - dt.timedelta(days=tls.BACKGROUND_DAYS)).isoformat() \
            if first else ""
    except ValueError:
        cutoff = ""
    history = {d for d in scores if d < cutoff}
    key_days = [d for d in scores if d not in history]
    if n_dates is None:
        n_dates = min(30, max(1, len(strong - history)))
    days = sorted(key_days, key=lambda d: (-scores[d], d))[:n_dates]
    background = set(sorted(history & strong, key=lambda d: (-scores[d], d))[:tls.MAX_BACKGROUND])
    days += sorted(background)
    df = Counter(lem for s in sents for lem in s.lemmas)
    n = len(sents) or 1
    idf = {k: math.log(n / v) + 1.0 for k, v in df.items()}

    def vec(s: tls.DatedSentence) -> dict[str, float]:
        return {k: idf[k] for k in s.lemmas}

    story = {k: idf[k] * df[k] / n for k in df}
    story_norm = tls._norm(story)
    out = []
    used: set[tuple[str, int]] = set()
    for day in sorted(days):
        cands = [s for s in sents if day in s.days]
        if not cands:
            cands = [s for s in sents if s.published == day and s.lead and not s.days]
        if not cands:
            continue
        vecs = [vec(s) for s in cands]
        centroid = {k: math.fsum(v.get(k, 0.0) for v in vecs) / len(vecs) for k in {k for v in vecs for k in v}}
        rel = [tls._cosine(v, centroid) + tls.STORY_WEIGHT * tls._cosine(v, story, story_norm) for v in vecs]
        ranked = sorted(range(len(cands)), key=lambda i: (-rel[i], cands[i].article_id, cands[i].start))
        want = per_date if per_date is not None else max(1, min(tls.MAX_PER_DATE, len(named.get(day, ()))))
        chosen: list[int] = []
        for i in ranked:
            if len(chosen) >= want:
                break
            if chosen and (cands[i].article_id, cands[i].start) in used:
                continue
            if all(tls._cosine(vecs[i], vecs[j]) < tls.REDUNDANT for j in chosen):
                chosen.append(i)
        used.update((cands[i].article_id, cands[i].start) for i in chosen)
        out.append(tls.TimelineEntry(day, [cands[i] for i in chosen], sorted(named.get(day, ())),
                                     sorted(published.get(day, ())), scores[day], background=day in background))
    return out


# --- fixtures ------------------------------------------------------------------------------------------------

_TYPES = ("SANCTION", "PROTEST", "ASSAULT")
_MODES = (None, "break-relations", "defect")
_DATES = (None, "2019-01-23", "2019-01-24", "2019-01", "XXXX-WXX-3", "XXXX-01-23", "2019-01-26")
_ACTORS = (None, "Maduro", "Nicolás Maduro", "he", "Guaidó", "the army", "Juan Guaidó")


def _random_events(rng: random.Random, n: int) -> list[Event]:
    out = []
    for k in range(n):
        date = rng.choice(_DATES)
        ent = rng.random() < 0.3
        actor = rng.choice(_ACTORS)
        out.append(Event(
            article_id=f"a{rng.randrange(12)}", trigger=Span(k * 7, k * 7 + 3), trigger_text="cut", lemma="cut",
            type=rng.choice(_TYPES), mode=rng.choice(_MODES), sentence=Span(0, 50), actor_text=actor,
            target_text=rng.choice(_ACTORS), date=date,
            date_precision="day" if date and len(date) == 10 and "X" not in date else "unknown",
            date_source=rng.choice(("clause", "sentence", "publication")),
            actor_entity_id=rng.choice(("e1", "e2")) if ent and actor else None,
            polarity=rng.choice(("asserted", "asserted", "asserted", "negated")),
            modality=rng.choice(("actual", "actual", "actual", "conditional"))))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_build_timeline_equals_the_pairwise_merge(seed: int) -> None:
    rng = random.Random(seed)
    events = _random_events(rng, 20 + 15 * seed)
    origins = {"a1": "a0", "a3": "a1", "a5": "a4"}
    for hyp in (False, True):
        new = [t.to_dict() for t in tl.build_timeline(events, origin_of=origins, include_hypothetical=hyp)]
        old = [t.to_dict() for t in _old_build_timeline(events, origin_of=origins, include_hypothetical=hyp)]
        assert new == old


def _random_lines(rng: random.Random) -> list[tuple[int, str, list[str]]]:
    lines = []
    for _ in range(rng.randrange(0, 14)):
        date = rng.choice(("2004-XX-XX", "2005-01-01", "2005-01-02", "XXXX-XX-XX", "2006", ""))
        lines.append((rng.randrange(0, 6), date, [f"e{rng.randrange(25)}" for _ in range(rng.randrange(0, 4))]))
    return lines


@pytest.mark.parametrize("seed", range(30))
def test_temporal_awareness_equals_the_listed_closure(seed: int) -> None:
    rng = random.Random(seed)
    gold = [_random_lines(rng) for _ in range(3)]
    system = [_random_lines(rng) for _ in range(3)]
    assert tl.temporal_awareness(gold, system) == _old_temporal_awareness(gold, system)
    for lines in gold + system:
        cls, before = tl._graph(lines)
        assert tl._reduction(cls, before) == _old_reduction(cls, before)
        full, closure = _old_closure(cls, before), tl._Closure(cls, before)
        nodes = [*sorted(cls), "E:unknown"]
        for r in ("SIMULTANEOUS", "BEFORE"):
            for x in nodes:
                for y in nodes:
                    assert ((r, x, y) in closure) == ((r, x, y) in full)


_SENTENCES = (
    "Protesters filled Tahrir Square in Cairo on {d1}, demanding that President Hosni Mubarak step down.",
    "Police fired tear gas at crowds near the interior ministry on {d2}.",
    "The army deployed tanks in Cairo and Alexandria on {d1} as the curfew began.",
    "Mubarak dismissed his cabinet on {d2} after a day of rage across Egyptian cities.",
    "Officials said three people had died in Suez.",
    "\"We will stay until he leaves,\" one protester said on {d1}.",
    "Vice President Omar Suleiman met opposition groups on {d2} to discuss reforms.",
    "A vote on the new constitution is planned for {d3}.",
    "The protests that began on {d1} showed no sign of ending.",
)
_DAYS = ("January 25", "January 28", "February 1", "February 11", "Friday, January 28", "March 3")


@pytest.fixture(scope="module")
def story(nlp: Any) -> list[AnnotatedArticle]:
    """A synthetic storyline: 24 articles whose sentences name a few shared days."""
    from newsweave.annotate.nlp import annotate

    rng = random.Random(7)
    arts = []
    for k in range(24):
        body = " ".join(rng.choice(_SENTENCES).format(d1=rng.choice(_DAYS), d2=rng.choice(_DAYS),
                                                      d3=rng.choice(_DAYS)) for _ in range(rng.randrange(3, 9)))
        pub = f"2011-{rng.choice(('01-26', '01-29', '02-02', '02-12'))}" if k % 7 else None
        arts.append(Article(id=f"s{k:02d}", text=body, input=f"s{k}.txt", published=pub, language="en"))
    return [AnnotatedArticle(a, ann) for a, ann in zip(arts, annotate(arts, nlp), strict=True)]


@pytest.mark.parametrize(("n_dates", "per_date", "mode"),
                         [(None, None, "both"), (None, 1, "both"), (2, 2, "mention"), (3, 1, "pub"), (None, 3, "both")])
def test_key_timeline_equals_the_pairwise_code(story: list[AnnotatedArticle], n_dates: int | None,
                                               per_date: int | None, mode: str) -> None:
    for docs in (story, story[:9], story[5:]):  # a large story and a small one (days named once count)
        old = _old_summarize_timeline(docs, n_dates, per_date, mode)
        assert old or mode == "pub"  # no lead of a publication day names no other day here
        assert tls.summarize_timeline(docs, n_dates, per_date, mode) == old
        # from the stored per-article rows, as the key_timeline stage reads them back
        sents = [s for d in docs for s in tls.sentences_from_rows(d.article, tls.sentence_rows(d))]
        assert tls.timeline_of(sents, n_dates, per_date, mode) == old


def test_stored_rows_are_the_dated_sentences(story: list[AnnotatedArticle]) -> None:
    for d in story:
        want = [s for s in tls.dated_sentences([d]) if tls._statement_like(s.text)]
        assert tls.sentences_from_rows(d.article, tls.sentence_rows(d)) == want
