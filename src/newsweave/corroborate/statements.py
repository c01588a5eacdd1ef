"""Statements outside quotes that two articles make in the same words, with one slot different.

A rewrite that negates a sentence, changes a figure or shifts a date says something else than the
article it rewrites, and neither the quote groups nor the extracted events need to see it. Here the
sentences of different articles of one story are paired when they state the same thing in nearly the
same words, and compared slot by slot as quote renderings are (:func:`.claims.compare_tokens`): a
negation on one side only, a different figure for the same quantity, a different date; and, where those
agree, a name written one edit apart or another title before a name (:mod:`.slots`).

Candidates are blocked cheaply: each sentence is keyed by its few rarest content words within the
story, and only sentences of different articles sharing two keys are compared (never all pairs).
Articles published more than :data:`STATEMENT_SAME_DAYS` apart may state a later figure ("3 dead",
then "5 dead"): an update, not a conflict, so they are not compared. Lines cut into fields by pipes (page
headers, datelines) are no statements, and a live blog's entry time is not part of its entry. Discrepancy kinds:
``statement_polarity``, ``statement_number``, ``statement_date``, ``statement_spelling``, ``statement_role``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from spacy.lang.en.stop_words import STOP_WORDS

from newsweave.corroborate.claims import (
    Discrepancy,
    ValueSupport,
    WordingConflict,
    _days_apart,
    _slot_kind,
    _support,
    compare_tokens,
    wording_tokens,
)
from newsweave.corroborate.slots import name_or_title
from newsweave.models import Evidence
from newsweave.reuse.independence import Independence
from newsweave.textutil import caption_lines

#: Articles published further apart than this (days) may report a change ("3 dead" on day 1, "5 dead" on day
#: 2, a suspect "not found" then found): not compared. Fixed, not tuned.
STATEMENT_SAME_DAYS = 1
#: A statement needs this many aligned words in common, and this many words besides figures and dates (a short
#: sentence shares a formula, not a statement).
MIN_MATCHED = 6
#: Keys per sentence (its rarest content words in the story) and keys two sentences must share.
KEYS, MIN_SHARED_KEYS = 4, 2
#: A key held by more sentences than this is not used for blocking.
MAX_POSTING = 500
#: A sentence of more tokens than this is a run-on list or page furniture, not one statement.
MAX_TOKENS = 80

KIND_OF = {"negation": "statement_polarity", "number": "statement_number", "date": "statement_date",
           "name": "statement_spelling", "title": "statement_role"}

#: A web address (its digits are an id, not a figure).
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_CONTENT = re.compile(r"[a-z][a-z']{2,}")
#: Words that make no key (a key should name what the statement is about): spaCy's English stop words.
_COMMON = frozenset(STOP_WORDS) | {"said", "says", "told", "according"}


@dataclass(slots=True)
class _Sentence:
    article_id: str
    start: int
    end: int
    text: str
    tokens: list[str]
    content: frozenset[str]


def _pieces(text: str, spans: Iterable[tuple[int, int]]) -> Iterable[tuple[int, int]]:
    """Sentence spans cut at line breaks: a sentence running over a line break is page furniture glued to
    running text (a web address, a headline, a date line "Updated: July 7, 2012, 10:04 PM ET")."""
    for start, end in spans:
        pos = start
        for line in text[start:end].split("\n"):
            lo = pos + len(line) - len(line.lstrip())
            hi = pos + len(line.rstrip())
            if hi > lo:
                yield lo, hi
            pos += len(line) + 1


#: Page chrome: a line cut into fields by pipes ("MEXICO CITY | Mon Apr 27, 2009 3:10 am BST", "January 31, 2011 at
#: 5:56 pm | Jack Cafferty sounds off hourly ...").
_FIELDS = re.compile(r"\s\|\s")
#: A live blog's entry time before the entry ("0908 International aid charities are appealing ..."): the entry's
#: time, not a figure of what it says.
_ENTRY_TIME = re.compile(r"(?:[01]\d|2[0-3])[0-5]\d\s+(?=[A-Z])")


def _sentences(article_id: str, text: str, spans: Iterable[tuple[int, int]]) -> list[_Sentence]:
    captions = caption_lines(text)
    out = []
    for start, end in _pieces(text, spans):
        if any(s <= start and end <= e + 1 for s, e in captions) or _FIELDS.search(text, start, end):
            continue
        stamp = _ENTRY_TIME.match(text, start, end)
        if stamp:
            start = stamp.end()
        sent = text[start:end]
        tokens = wording_tokens(_URL.sub(" ", sent))
        words = [t for t in tokens if not _slot_kind(t)]
        content = frozenset(t for t in words if _CONTENT.fullmatch(t) and t not in _COMMON)
        # Words besides figures and dates: a date line ("23 July 2013 Last updated at 13:42 GMT") is no statement.
        if len(words) < MIN_MATCHED or len(tokens) > MAX_TOKENS or len(content) < MIN_SHARED_KEYS:
            continue
        out.append(_Sentence(article_id, start, end, sent, tokens, content))
    return out


def _candidates(sents: Sequence[_Sentence]) -> set[tuple[int, int]]:
    """Pairs of sentences of different articles that share :data:`MIN_SHARED_KEYS` of their rarest words."""
    df: Counter[str] = Counter(w for s in sents for w in s.content)
    postings: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sents):
        for w in sorted(s.content, key=lambda w: (df[w], w))[:KEYS]:
            postings[w].append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for ids in postings.values():
        if len(ids) > MAX_POSTING:
            continue  # a word this many sentences share blocks nothing (bounds the work on a big story)
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                i, j = ids[x], ids[y]
                if sents[i].article_id != sents[j].article_id:
                    shared[(i, j)] += 1
    return {p for p, n in shared.items() if n >= MIN_SHARED_KEYS}


def _contemporary(a: str, b: str, dates: Mapping[str, str | None]) -> bool:
    days = _days_apart(dates.get(a), dates.get(b))
    return days is None or days <= STATEMENT_SAME_DAYS


def _readings(n: int, agree: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Sentence index -> every sentence of its reading: sentences that align and agree, transitively
    (connected components, scipy)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rows, cols = [i for i, _ in agree], [j for _, j in agree]
    graph = coo_matrix(([1] * len(agree), (rows, cols)), shape=(n, n))
    labels = connected_components(graph, directed=False)[1]
    members: dict[int, list[int]] = defaultdict(list)
    for k, label in enumerate(labels):
        members[int(label)].append(k)
    return [members[int(label)] for label in labels]


def _side(value: str, ks: Iterable[int], sents: Sequence[_Sentence], ind: Independence) -> ValueSupport:
    """One conflicting value, stated by the sentences ``ks``: their articles, spans and independent origins."""
    evid = [Evidence(sents[k].article_id, sents[k].start, sents[k].end, sents[k].text) for k in sorted(ks)]
    return ValueSupport(value, sorted({e.article_id for e in evid}), evid, ind.count(evid))


def _overlaps(ev: Evidence, s: _Sentence) -> bool:
    return ev.article_id == s.article_id and ev.start < s.end and s.start < ev.end


def statement_discrepancies(texts: Mapping[str, str], sentences: Mapping[str, Sequence[tuple[int, int]]],
                            ind: Independence, dates: Mapping[str, str | None] | None = None,
                            stories: Mapping[str, str] | None = None,
                            labels: Mapping[str, str] | None = None,
                            known: Sequence[Discrepancy] = ()) -> list[Discrepancy]:
    """Sentences of different articles of one story that state the same thing with one slot different.

    Args:
        texts: article id -> text.
        sentences: article id -> sentence spans (character offsets into the text).
        ind: independence of evidence (copied passages count for their origin).
        dates: article id -> ISO publication date; articles more than :data:`STATEMENT_SAME_DAYS` apart are
            not compared (a later figure is an update). An undated article is compared within its story.
        stories: article id -> event-level story id; only articles of one story are compared (articles
            without a story are not compared). ``None``: all articles are one story.
        labels: readable article names for descriptions.
        known: discrepancies already found (quote wording, events): a pair of sentences both cited by one
            of them is not raised again.

    Returns:
        One discrepancy per pair of conflicting readings, kind ``statement_polarity``,
        ``statement_number`` or ``statement_date``; each value is a reading's sentence with every article
        and sentence span stating it, and the supported value is the one more independent origins state.
    """
    dates = dates or {}
    labels = labels or {}
    groups: dict[str, list[str]] = defaultdict(list)
    for aid in sorted(texts):
        story = "all" if stories is None else stories.get(aid)
        if story is not None and aid in sentences:
            groups[story].append(aid)
    known_ev = [e for d in known for v in d.values for e in v.evidence]
    out: list[Discrepancy] = []
    seen: set[str] = set()
    for aids in groups.values():
        if len(aids) < 2:
            continue
        sents = [s for aid in aids for s in _sentences(aid, texts[aid], sentences[aid])]
        agree: list[tuple[int, int]] = []
        conflicts: list[tuple[int, int, WordingConflict]] = []
        for i, j in sorted(_candidates(sents)):
            a, b = sents[i], sents[j]
            if not _contemporary(a.article_id, b.article_id, dates):
                continue
            if 2 * len(a.content & b.content) < len(a.content | b.content):
                continue  # cheap check before aligning: fewer than a third of the content words shared
            aligned, conflict = compare_tokens(a.tokens, b.tokens, MIN_MATCHED, 0.8, slot_only=True)
            if not aligned:
                continue
            if conflict is None:  # the same figures and dates: a misspelt name or another title before a name?
                conflict = name_or_title(a.text, a.tokens, b.text, b.tokens)
            if conflict is None:
                agree.append((i, j))
            elif not any(_overlaps(e, a) for e in known_ev) or not any(_overlaps(e, b) for e in known_ev):
                conflicts.append((i, j, conflict))
        reading = _readings(len(sents), agree)

        # a name or title written two ways is one discrepancy per story however many sentences show it
        slots: dict[tuple[str, frozenset[str]], dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        for i, j, conflict in conflicts:
            if reading[i] is reading[j]:
                continue  # linked through agreeing renderings: no clear conflict
            if conflict.kind in ("name", "title"):
                words = slots[(conflict.kind, frozenset((conflict.a, conflict.b)))]
                words[conflict.a].update(reading[i])
                words[conflict.b].update(reading[j])
                continue
            sides = [_side(sents[k].text.strip(), reading[k], sents, ind) for k in (i, j)]
            if set(sides[0].article_ids) == set(sides[1].article_ids):
                continue
            d = _discrepancy(conflict, sides, labels)
            if d.id not in seen:
                seen.add(d.id)
                out.append(d)
        for (kind, _), words in sorted(slots.items(), key=lambda kv: sorted(kv[0][1])):
            sides = [_side(word, using, sents, ind) for word, using in sorted(words.items())]
            if len(sides) != 2 or set(sides[0].article_ids) == set(sides[1].article_ids):
                continue
            sides.sort(key=lambda v: (-v.independent_sources, v.value))  # the better supported spelling first
            d = _discrepancy(WordingConflict(kind, sides[0].value, sides[1].value), sides, labels)
            if d.id not in seen:
                seen.add(d.id)
                out.append(d)
    return out


def _discrepancy(c: WordingConflict, sides: list[ValueSupport], labels: Mapping[str, str]) -> Discrepancy:
    supported, conf = _support(sides)
    who = [", ".join(sorted({labels.get(a, a) for a in v.article_ids})) for v in sides]
    if c.kind == "negation":
        detail = f'one states it negated ("{c.a or "-"}" vs "{c.b or "-"}")'
    elif c.kind == "name":
        detail = f'a name is spelled "{c.a}" vs "{c.b}"'
    elif c.kind == "title":
        detail = f'another title before the name: "{c.a}" vs "{c.b}"'
    else:
        detail = f"{c.kind}s differ: {c.a} vs {c.b}"
    desc = f"{who[0]} and {who[1]} state the same thing differently ({detail})"
    return Discrepancy(KIND_OF[c.kind], desc, None, sides, supported, conf)
