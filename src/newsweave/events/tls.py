"""Timeline summarization (TLS): a story's key dates, each with the sentence(s) that say what happened.

The dossier's timeline is not the list of every extracted event (that stays in ``events``):
it is a short, dated summary, as in the TLS literature (date selection, then one summary
per date; Martschat & Markert 2018, Ghalandari & Ifrim 2020 "Examining the
state-of-the-art in news timeline summarization").

1. **Dated sentences.** Every candidate sentence of the story (furniture and captions left
   out, :func:`newsweave.summarize.extractive.candidate_sentences`) is linked to the
   days it names: its time expressions of day precision (:func:`newsweave.events.timex.
   timexes_for_article`, relative ones resolved against the article's own date) whose clause
   states a fact: not negated, hypothetical, conditional or a wish
   (:func:`newsweave.events.extract.states_fact`). A sentence
   naming no day belongs to its article's publication day only as a *report* of that day
   (weaker evidence, used when nothing names the day). Direct speech, first-person sentences,
   sentences over 40 words and time expressions in photo captions are left out: a timeline
   states reported facts.
2. **Date selection.** A day scores by how many sentences of *different articles* name it
   (mentions) plus how many articles were published on it, each share normalized over the
   story, equal weights (fixed a priori, not fitted: ``bench/bench_tls.py`` reports both
   parts alone beside it). Days after the story's last publication day are not candidates,
   nor, in a story of ten articles or more, days named by only one article. Days more than
   a year before the story's first article are history it recalls: they do not compete
   with its developments; up to three are listed, labelled ``background``.
3. **Per-date summary.** Among the sentences naming the day (else the leads of that day's
   articles that name no other day), the one closest to the day's TF-IDF centroid plus the
   whole story's centroid (IDF over the story; central to the day and to the story) is
   chosen, then the next closest that does not repeat it, up to the asked number per date.
   The dossier asks for none: a day gets as many statements as articles name it, at most
   three (a further development of the same day needs a further witness; fixed a priori).

Written here because no installed package does TLS (``tilse`` only scores timelines).
Every entry cites its article and span and says how many articles support its date.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from newsweave.events.extract import fact_test
from newsweave.events.timex import timexes_for_article
from newsweave.models import AnnotatedArticle, Article

#: sentences longer than this are poor timeline entries (several facts at once)
MAX_WORDS = 40
#: a timeline states what happened: direct speech and first-person sentences are someone's words, not facts
_QUOTE_MARKS = "\"“”«»„"
_FIRST_PERSON = {"i", "we", "my", "our", "me", "us"}
#: weight of the story centroid beside the date centroid when choosing a date's sentence
STORY_WEIGHT = 1.0
#: a story with fewer articles than this is short enough for days named by one article to count
SMALL_STORY = 10
#: cosine above which a second sentence of one date repeats the first
REDUNDANT = 0.5
#: days further than this before the story's first article are background history, not developments
BACKGROUND_DAYS = 365
#: at most this many background dates are listed (labelled as background), beside the key dates
MAX_BACKGROUND = 3
#: at most this many statements for one date when the count is left to the story (the dossier's timeline)
MAX_PER_DATE = 3


@dataclass(slots=True)
class DatedSentence:
    """A candidate sentence and the days it names (``YYYY-MM-DD``)."""

    article_id: str
    start: int
    end: int
    text: str
    published: str | None
    days: tuple[str, ...]
    lead: bool
    lemmas: frozenset[str] = field(default_factory=frozenset)


@dataclass(slots=True)
class TimelineEntry:
    """One date of a story's timeline: what happened, cited, with its support."""

    date: str
    sentences: list[DatedSentence]
    #: articles that name the date in a sentence, and articles published on it
    mentioned_by: list[str]
    published_on: list[str]
    score: float
    #: history recalled by the story (long before its first article), not a development of it
    background: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Dossier form: the date, each statement with its citation, the supporting articles."""
        return {
            "date": self.date,
            "background": self.background,
            "statements": [
                {"text": s.text, "evidence": {"article_id": s.article_id, "start": s.start, "end": s.end},
                 "dated_by": "mention" if self.date in s.days else "publication"}
                for s in self.sentences
            ],
            "mentioned_by": self.mentioned_by,
            "published_on": self.published_on,
            "score": round(self.score, 4),
        }


def dated_sentences(docs: Sequence[AnnotatedArticle]) -> list[DatedSentence]:
    """The story's candidate sentences with the days each names (see the module docstring)."""
    from newsweave.summarize.extractive import candidate_sentences

    by_id = {d.article.id: d for d in docs}
    days_at: dict[str, list[tuple[int, int, str]]] = {}
    for d in docs:
        if d.annotation is None:
            continue
        toks = d.annotation.tokens
        starts = [t.start for t in toks]
        fact = fact_test(toks)
        days_at[d.article.id] = sorted(
            (t.start, t.end, t.value[:10]) for t in timexes_for_article(d)
            if t.type in ("DATE", "TIME") and t.precision == "day" and t.value[:4].isdigit() and not t.caption
            and (not toks or fact(max(0, bisect_right(starts, t.start) - 1)))
        )
    # each article's day expressions by start: a sentence's are a slice
    starts_at = {a: [s for s, _, _ in ds] for a, ds in days_at.items()}
    out = []
    seen_article: set[str] = set()
    for c in candidate_sentences(docs):
        art = by_id[c.article_id].article
        named, starts = days_at.get(c.article_id, []), starts_at.get(c.article_id, [])
        lo = bisect_left(starts, c.span.start)
        days = tuple(sorted({v for _, _, v in named[lo : bisect_left(starts, c.span.end, lo)]}))
        lead = c.article_id not in seen_article
        seen_article.add(c.article_id)
        out.append(DatedSentence(c.article_id, c.span.start, c.span.end, c.text, art.published, days, lead,
                                 c.lemmas))
    return out


def _norm(v: dict[str, float]) -> float:
    return math.sqrt(math.fsum(w * w for w in v.values()))


def _cosine(a: dict[str, float], b: dict[str, float], nb: float | None = None) -> float:
    """Cosine of two sparse vectors; ``nb``: ``b``'s norm when the caller has it (the story vector is large)."""
    # summed in key order and rounded: the same value in every process (set order follows the hash seed),
    # so a run resumed in another process picks the same sentences
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    dot = math.fsum(a[k] * b[k] for k in sorted(k for k in small if k in large))
    na = _norm(a)
    nb = _norm(b) if nb is None else nb
    return round(dot / (na * nb), 9) if na and nb else 0.0


def _statement_like(text: str) -> bool:
    """A sentence that can state a development: not too long, not direct speech, not first person."""
    words = text.split()
    if len(words) > MAX_WORDS or any(c in text for c in _QUOTE_MARKS):
        return False
    return not (words and words[0].lower().strip("'’,") in _FIRST_PERSON)


def support(sents: Sequence[DatedSentence]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Day -> the articles that name it in a sentence, and day -> the articles published on it."""
    named: dict[str, set[str]] = defaultdict(set)
    published: dict[str, set[str]] = defaultdict(set)
    for s in sents:
        for day in s.days:
            named[day].add(s.article_id)
        if s.published:
            published[s.published].add(s.article_id)
    return named, published


def _min_support(sents: Sequence[DatedSentence]) -> int:
    """Articles that must name a day (or be published on it) for it to count: 2, or 1 in a small story."""
    return 1 if len({s.article_id for s in sents}) < SMALL_STORY else 2


def date_scores(sents: Sequence[DatedSentence], mode: str = "both") -> dict[str, float]:
    """Score candidate days: ``mention`` (articles naming the day), ``pub`` (articles published), or ``both``."""
    named, published = support(sents)
    last = max(published) if published else None
    n_named = sum(len(v) for v in named.values()) or 1
    n_pub = sum(len(v) for v in published.values()) or 1
    least = _min_support(sents)
    out: dict[str, float] = {}
    for day in set(named) | set(published):
        if last is not None and day > last:
            continue  # announced, not (yet) happened as far as the story knows
        m, p = len(named.get(day, ())), len(published.get(day, ()))
        mentioned = m / n_named if m >= least else 0.0
        if mode == "mention":
            score = mentioned
        elif mode == "pub":
            score = p / n_pub
        else:
            score = mentioned + p / n_pub
        if score > 0:
            out[day] = score
    return out


def sentence_rows(doc: AnnotatedArticle) -> list[list[Any]]:
    """One article's statement-like dated sentences in stored form: ``[start, end, days, lead, lemmas]``.

    What :func:`timeline_of` needs of an article, made once per article (the key-timeline stage stores it);
    :func:`sentences_from_rows` reads it back.
    """
    return [[s.start, s.end, list(s.days), s.lead, sorted(s.lemmas)]
            for s in dated_sentences([doc]) if _statement_like(s.text)]


def sentences_from_rows(article: Article, rows: Sequence[Sequence[Any]]) -> list[DatedSentence]:
    """The dated sentences of ``article`` from its :func:`sentence_rows` (as :func:`dated_sentences` made them)."""
    text = article.text
    return [DatedSentence(article.id, start, end, text[start:end], article.published, tuple(days), bool(lead),
                          frozenset(lemmas)) for start, end, days, lead, lemmas in rows]


def summarize_timeline(
    docs: Sequence[AnnotatedArticle], n_dates: int | None = None, per_date: int | None = 1, mode: str = "both"
) -> list[TimelineEntry]:
    """A story's timeline: its ``n_dates`` key days, each with up to ``per_date`` cited sentences.

    Args:
        docs: the story's annotated articles.
        n_dates: how many dates; default: a length that fits the story (days named or
            published on by at least two articles, or one in a story under ten articles;
            at most 30).
        per_date: sentences per date; None: as many as different articles name the date, at most
            ``MAX_PER_DATE`` (one when none names it): each further statement needs a further witness.
        mode: date selection (``both``, ``mention`` or ``pub``; see :func:`date_scores`).

    Returns:
        Entries in date order: the key days, and up to ``MAX_BACKGROUND`` days of history the
        story recalls (over ``BACKGROUND_DAYS`` before its first article), marked ``background``.
    """
    return timeline_of([s for s in dated_sentences(docs) if _statement_like(s.text)], n_dates, per_date, mode)


def timeline_of(
    sents: Sequence[DatedSentence], n_dates: int | None = None, per_date: int | None = 1, mode: str = "both"
) -> list[TimelineEntry]:
    """:func:`summarize_timeline` from the story's statement-like dated sentences (in article order).

    Linear in the story's sentences: each day's candidates come from an index, each day's centroid is
    summed per lemma and its norm taken once (a day named by thousands of sentences costs no more than
    their lemmas).
    """
    scores = date_scores(sents, mode)
    if not scores:
        return []
    named, published = support(sents)
    least = _min_support(sents)
    strong = {d for d in scores if len(named.get(d, set()) | published.get(d, set())) >= least}
    # History the story recalls (long before its first article) is labelled, not a key development.
    first = min((s.published for s in sents if s.published), default=None)
    try:
        cutoff = (dt.date.fromisoformat(first[:10]) - dt.timedelta(days=BACKGROUND_DAYS)).isoformat() if first else ""
    except ValueError:
        cutoff = ""
    history = {d for d in scores if d < cutoff}
    key_days = [d for d in scores if d not in history]
    if n_dates is None:
        n_dates = min(30, max(1, len(strong - history)))
    days = sorted(key_days, key=lambda d: (-scores[d], d))[:n_dates]
    background = set(sorted(history & strong, key=lambda d: (-scores[d], d))[:MAX_BACKGROUND])
    days += sorted(background)
    # IDF over the story's sentences
    df = Counter(lem for s in sents for lem in s.lemmas)
    n = len(sents) or 1
    idf = {k: math.log(n / v) + 1.0 for k, v in df.items()}

    def vec(s: DatedSentence) -> dict[str, float]:
        return {k: idf[k] for k in s.lemmas}

    story = {k: idf[k] * df[k] / n for k in df}  # the mean of the sentences' vectors
    story_norm = _norm(story)
    # the candidates of each chosen day, in story order: the sentences naming it, else the leads
    # published on it that name no other day
    wanted = set(days)
    naming: dict[str, list[DatedSentence]] = defaultdict(list)
    leads: dict[str, list[DatedSentence]] = defaultdict(list)
    for s in sents:
        for day in s.days:
            if day in wanted:
                naming[day].append(s)
        if not s.days and s.lead and s.published in wanted:
            leads[s.published].append(s)
    out = []
    used: set[tuple[str, int]] = set()
    for day in sorted(days):
        cands = naming.get(day) or leads.get(day)
        if not cands:
            continue
        vecs = [vec(s) for s in cands]
        # the mean vector: each lemma's weights summed exactly (fsum), as a sum over every vector would be
        parts: dict[str, list[float]] = defaultdict(list)
        for v in vecs:
            for k, w in v.items():
                parts[k].append(w)
        centroid = {k: math.fsum(ws) / len(vecs) for k, ws in parts.items()}
        centroid_norm = _norm(centroid)
        rel = [_cosine(v, centroid, centroid_norm) + STORY_WEIGHT * _cosine(v, story, story_norm) for v in vecs]
        ranked = sorted(range(len(cands)), key=lambda i: (-rel[i], cands[i].article_id, cands[i].start))
        want = per_date if per_date is not None else max(1, min(MAX_PER_DATE, len(named.get(day, ()))))
        chosen: list[int] = []
        for i in ranked:
            if len(chosen) >= want:
                break
            if chosen and (cands[i].article_id, cands[i].start) in used:
                continue  # a further statement that already stands for another date adds nothing new
            if all(_cosine(vecs[i], vecs[j]) < REDUNDANT for j in chosen):
                chosen.append(i)
        used.update((cands[i].article_id, cands[i].start) for i in chosen)
        out.append(TimelineEntry(day, [cands[i] for i in chosen], sorted(named.get(day, ())),
                                 sorted(published.get(day, ())), scores[day], background=day in background))
    return out
