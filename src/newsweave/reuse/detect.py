"""Text reuse: near-duplicate articles, copied passages, their origin, and originality.

* Near-duplicates: MinHash LSH (datasketch) over word 5-shingles.
* Copied passages: seed-and-chain alignment over normalized word tokens. Seeds are
  shared word 4-grams; seeds that lie on nearly the same diagonal within a small
  gap are chained into one passage, so small edits (a changed word, a dropped
  clause, other quote marks or punctuation) do not break a passage, and
  reordered paragraphs or trimmed sentences simply give several passages. This is
  hand-written because ``difflib``/``rapidfuzz`` opcodes give one monotone
  alignment and so lose passages whose order was changed.
* Origin: the earlier publication date decides when both dates are known and
  differ; otherwise attribution cues ("Reuters contributed", "told Reuters",
  "reports Reuters", "(AP) —") decide and the link is marked uncertain with the
  reason; with no cue either, the order is undetermined and says so.
* Page furniture (lines repeated across articles of one outlet: captions, "Share
  this news") is found per outlet and never counts as reuse.

Every passage is a pair of character spans into ``Article.text`` of the origin and
of the copy.

:func:`detect_reuse` works from scratch over a list of articles; :mod:`newsweave.reuse.index`
keeps the same records current as articles arrive, from the same pieces (:func:`reuse_link`,
:func:`article_reuse`, :func:`duplicate_pair`, :func:`furniture_spans` and the per-article
:mod:`newsweave.reuse.fingerprint`).
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from newsweave.models import Article, Span
from newsweave.reuse.fingerprint import (
    GRAM,
    MAX_DF,
    band_keys,
    gram_hashes,
    line_keys,
    minhash_values,
    outlet_of,
    shingles,
    words,
)

logger = logging.getLogger(__name__)

#: Wire services recognized in attribution cues: canonical name -> name patterns.
WIRES: dict[str, str] = {
    "Reuters": r"Reuters",
    "AP": r"AP|Associated Press",
    "AFP": r"AFP|Agence France[- ]Presse",
    "Bloomberg": r"Bloomberg",
    "dpa": r"dpa|DPA|Deutsche Presse-Agentur",
    "EFE": r"EFE",
    "ANSA": r"ANSA",
    "Xinhua": r"Xinhua",
    "UPI": r"UPI|United Press International",
    "Kyodo": r"Kyodo",
    "TASS": r"TASS|Tass",
    "Interfax": r"Interfax",
    "PTI": r"PTI|Press Trust of India",
    "ANI": r"ANI",
    "IANS": r"IANS",
}

_W = "(?P<wire>" + "|".join(f"(?:{p})" for p in WIRES.values()) + r")\b"
#: Cue kind -> pattern. "credit" kinds say the article took material from the wire;
#: "voice" kinds are what a wire's own story says (and what copies of it keep).
_CUES: list[tuple[str, str, re.Pattern[str]]] = [
    ("contributed", "credit", re.compile(_W + r"[^.\n]{0,80}?\bcontributed\b")),
    ("reports", "credit", re.compile(r"\b[Rr]eports?,? (?:the news agency |news agency )?" + _W)),
    ("reported", "credit", re.compile(r"\b" + _W + r",? (?:news agency )?reported\b")),
    ("according_to", "credit", re.compile(r"\b[Aa]ccording to (?:the )?(?:news agency )?" + _W)),
    ("via", "credit", re.compile(r"\b[Vv]ia " + _W)),
    ("dateline", "credit", re.compile(r"\(" + _W + r"\)\s*[—–-]")),
    ("told", "voice", re.compile(r"\btold (?:the )?(?:[Nn]ews [Aa]gency )?" + _W)),
    ("interviewed_by", "voice", re.compile(r"\binterviewed by " + _W)),
    ("own_voice", "voice", re.compile(r"\b" + _W + r" (?:was|were|could) not (?:able|immediately)")),
]


def _wire_of(name: str) -> str:
    """Canonical wire name for a matched name."""
    for wire, pat in WIRES.items():
        if re.fullmatch(pat, name):
            return wire
    return name


@dataclass(slots=True)
class WireCredit:
    """One attribution cue naming a wire service in an article."""

    wire: str
    cue: str
    kind: str
    span: Span

    def to_dict(self) -> dict[str, Any]:
        """Dossier form."""
        return {"wire": self.wire, "cue": self.cue, "kind": self.kind, "start": self.span.start, "end": self.span.end}


def credited_wires(text: str) -> list[WireCredit]:
    """Find attribution cues that name a wire service.

    Args:
        text: article text.

    Returns:
        Cues in text order; ``kind`` is ``"credit"`` (the article credits the wire
        as a source) or ``"voice"`` (wording of the wire's own reporting).
    """
    out: list[WireCredit] = []
    for cue, kind, pat in _CUES:
        for m in pat.finditer(text):
            out.append(WireCredit(_wire_of(m.group("wire")), cue, kind, Span(m.start(), m.end())))
    out.sort(key=lambda c: c.span.start)
    return out


# ---------------------------------------------------------------------------
# near-duplicates
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class DuplicatePair:
    """Two articles whose texts are (near-)identical."""

    article_a: str
    article_b: str
    jaccard: float
    exact: bool

    def to_dict(self) -> dict[str, Any]:
        """Dossier form."""
        return {
            "article_a": self.article_a,
            "article_b": self.article_b,
            "jaccard": round(self.jaccard, 4),
            "exact": self.exact,
        }


def duplicate_pair(a: Article, b: Article, threshold: float = 0.8) -> DuplicatePair | None:
    """The pair (``a`` earlier) when their shingle Jaccard reaches ``threshold``, else ``None``."""
    sa, sb = shingles(a.text), shingles(b.text)
    jac = len(sb & sa) / len(sb | sa)
    if jac < threshold:
        return None
    exact = " ".join(w for w, _, _ in words(a.text)) == " ".join(w for w, _, _ in words(b.text))
    return DuplicatePair(a.id, b.id, jac, exact)


def near_duplicates(articles: Sequence[Article], threshold: float = 0.8, num_perm: int = 128) -> list[DuplicatePair]:
    """Exact and near-duplicate article pairs by MinHash LSH over word 5-shingles.

    Args:
        articles: the articles to compare.
        threshold: Jaccard similarity of shingle sets at or above which a pair is reported.
        num_perm: MinHash permutations.

    Returns:
        Pairs with their exact shingle Jaccard (LSH only proposes candidates), the earlier article first.
    """
    bands: dict[int, list[int]] = defaultdict(list)
    seen: set[str] = set()
    pairs: list[DuplicatePair] = []
    for n, art in enumerate(articles):
        values = minhash_values(art.text, num_perm)
        if values is None or art.id in seen:
            continue
        seen.add(art.id)
        keys = band_keys(values, threshold, num_perm)
        for other in sorted({m for k in keys for m in bands[k]}):
            pair = duplicate_pair(articles[other], art, threshold)
            if pair is not None:
                pairs.append(pair)
        for k in keys:
            bands[k].append(n)
    return pairs


# ---------------------------------------------------------------------------
# page furniture
# ---------------------------------------------------------------------------


def furniture_spans(lines: Iterable[Sequence[int]], count: Callable[[int], int], min_articles: int = 2) -> list[Span]:
    """The lines (``(key, start, end)``) whose key occurs in at least ``min_articles`` articles (``count``)."""
    return [Span(s, e) for k, s, e in lines if count(k) >= min_articles]


def find_furniture(articles: Sequence[Article], min_articles: int = 2) -> dict[str, list[Span]]:
    """Lines that repeat across articles of one outlet (captions, share buttons, bylines).

    Args:
        articles: articles; only those with a ``source`` are grouped.
        min_articles: a line is furniture when it occurs in at least this many
            articles of the same source.

    Returns:
        ``{article_id: [Span, ...]}`` of furniture lines.
    """
    lines = {art.id: line_keys(art.text, outlet_of(art)) for art in articles}
    counts: Counter[int] = Counter()
    for items in lines.values():
        counts.update({k for k, _, _ in items})
    out = {aid: furniture_spans(items, counts.__getitem__, min_articles) for aid, items in lines.items()}
    return {aid: spans for aid, spans in out.items() if spans}


# ---------------------------------------------------------------------------
# passage alignment
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class Passage:
    """A copied passage: ``origin`` span in the origin article, ``copy`` span in the copy."""

    origin: Span
    copy: Span
    words: int
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        """Dossier form."""
        return {
            "origin_start": self.origin.start,
            "origin_end": self.origin.end,
            "copy_start": self.copy.start,
            "copy_end": self.copy.end,
            "words": self.words,
            "similarity": round(self.similarity, 4),
        }


def _covered(spans: Sequence[Span], span: Span) -> float:
    """Share of ``span`` covered by ``spans``."""
    if len(span) <= 0:
        return 0.0
    cov = sum(max(0, min(s.end, span.end) - max(s.start, span.start)) for s in spans)
    return min(1.0, cov / len(span))


def align_passages(
    origin_text: str,
    copy_text: str,
    seed: int = 4,
    max_gap: int = 10,
    min_words: int = 8,
    origin_skip: Sequence[Span] = (),
    copy_skip: Sequence[Span] = (),
) -> list[Passage]:
    """Align passages of ``copy_text`` that come from ``origin_text``.

    Args:
        origin_text: text of the (supposed) origin.
        copy_text: text of the (supposed) copy.
        seed: words per seed n-gram.
        max_gap: largest gap, in words on either side, bridged inside one passage.
        min_words: shortest passage (in copy words) that is kept.
        origin_skip: spans of the origin to ignore (page furniture).
        copy_skip: spans of the copy to ignore (page furniture).

    Returns:
        Passages ordered by their position in the copy.
    """
    ow = words(origin_text)
    cw = words(copy_text)
    if len(ow) < seed or len(cw) < seed:
        return []
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i in range(len(ow) - seed + 1):
        index[tuple(w for w, _, _ in ow[i : i + seed])].append(i)
    # chains: [first_i, first_j, last_i, last_j, n_seeds]
    chains: list[list[int]] = []
    open_chains: list[list[int]] = []
    for j in range(len(cw) - seed + 1):
        hits = index.get(tuple(w for w, _, _ in cw[j : j + seed]))
        if not hits or len(hits) > 5:
            continue
        open_chains = [c for c in open_chains if j - c[3] <= max_gap + seed]
        for i in hits:
            best: list[int] | None = None
            best_skew = max_gap + 1
            for c in open_chains:
                di, dj = i - c[2], j - c[3]
                if 0 < di <= max_gap + seed and 0 < dj <= max_gap + seed:
                    skew = abs(di - dj)
                    if skew < best_skew:
                        best, best_skew = c, skew
            if best is not None and best_skew <= max_gap:
                best[2], best[3], best[4] = i, j, best[4] + 1
            elif not any(c[2] == i and c[3] == j for c in open_chains):
                chain = [i, j, i, j, 1]
                chains.append(chain)
                open_chains.append(chain)
    out: list[Passage] = []
    for fi, fj, li, lj, n in chains:
        n_words = lj + seed - fj
        if n_words < min_words:
            continue
        ospan = Span(ow[fi][1], ow[li + seed - 1][2])
        cspan = Span(cw[fj][1], cw[lj + seed - 1][2])
        if _covered(copy_skip, cspan) > 0.5 or _covered(origin_skip, ospan) > 0.5:
            continue
        o_words = li + seed - fi
        # seeds cover at least n + seed - 1 words; the rest of the span are edits
        sim = min(1.0, (n + seed - 1) / max(n_words, o_words))
        out.append(Passage(ospan, cspan, n_words, sim))
    out.sort(key=lambda p: p.copy.start)
    return _drop_nested(out)


def _drop_nested(passages: list[Passage]) -> list[Passage]:
    """Drop passages whose copy span lies inside a longer kept passage."""
    kept: list[Passage] = []
    for p in sorted(passages, key=lambda p: -p.words):
        if not any(k.copy.start <= p.copy.start and p.copy.end <= k.copy.end for k in kept):
            kept.append(p)
    kept.sort(key=lambda p: p.copy.start)
    return kept


# ---------------------------------------------------------------------------
# origin and links
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class ReuseLink:
    """Passages of ``copy_article_id`` taken from ``origin_article_id``.

    ``share`` is the part of the copy's (non-furniture) text covered by the
    passages. ``origin_uncertain`` is true when publication times did not decide
    the direction; ``origin_reason`` says what did.
    """

    origin_article_id: str
    copy_article_id: str
    share: float
    passages: list[Passage]
    origin_uncertain: bool
    origin_reason: str
    origin_confidence: float

    def to_dict(self) -> dict[str, Any]:
        """Dossier form (schema section ``reuse``, plus origin fields)."""
        return {
            "origin_article_id": self.origin_article_id,
            "copy_article_id": self.copy_article_id,
            "share": round(self.share, 4),
            "passages": [p.to_dict() for p in self.passages],
            "origin_uncertain": self.origin_uncertain,
            "origin_reason": self.origin_reason,
            "origin_confidence": round(self.origin_confidence, 3),
        }


def decide_origin(a: Article, b: Article) -> tuple[Article, Article, bool, str, float]:
    """Decide which of two articles sharing passages is the origin.

    Args:
        a: one article.
        b: the other.

    Returns:
        ``(origin, copy, uncertain, reason, confidence)``.
    """
    if a.published and b.published and a.published != b.published:
        origin, copy = (a, b) if a.published < b.published else (b, a)
        return origin, copy, False, f"published earlier ({origin.published} < {copy.published})", 0.95
    cues = {x.id: credited_wires(x.text) for x in (a, b)}
    why = "same publication date" if a.published and b.published else "publication date unknown"
    for x, y in ((a, b), (b, a)):
        y_credit = {c.wire: c for c in cues[y.id] if c.kind == "credit"}
        x_credit = {c.wire for c in cues[x.id] if c.kind == "credit"}
        x_voice = {c.wire: c for c in cues[x.id] if c.kind == "voice"}
        x_source = (x.source or "").strip().lower()
        for wire, cue in y_credit.items():
            if wire in x_credit:
                continue
            cue_text = y.text[cue.span.start : cue.span.end]
            if x_source and re.fullmatch(WIRES.get(wire, re.escape(wire)).lower(), x_source):
                return x, y, True, f"{why}; {y.id} credits {wire} ('{cue_text}') and {x.id} is from {x.source}", 0.85
            if wire in x_voice:
                v = x_voice[wire]
                v_text = x.text[v.span.start : v.span.end]
                return (
                    x,
                    y,
                    True,
                    f"{why}; {y.id} credits {wire} ('{cue_text}'), {x.id} reads as a {wire} report ('{v_text}')",
                    0.75,
                )
            if not x_credit:
                return x, y, True, f"{why}; {y.id} credits {wire} ('{cue_text}'), {x.id} credits no other outlet", 0.65
    origin, copy = sorted((a, b), key=lambda x: x.id)
    return origin, copy, True, f"{why}; no attribution cue decides; direction undetermined (ordered by id)", 0.5


def _coverage(spans: Sequence[Span]) -> int:
    """Characters covered by the union of spans."""
    total, end = 0, -1
    for s in sorted(spans, key=lambda s: s.start):
        if s.end <= end:
            continue
        total += s.end - max(s.start, end)
        end = s.end
    return total


def _content_chars(text: str, furniture: Sequence[Span]) -> int:
    """Non-whitespace extent of the text outside furniture."""
    return max(1, len(text.strip()) - _coverage(furniture))


@dataclass(slots=True)
class ArticleReuse:
    """Per-article reuse summary."""

    article_id: str
    originality: float
    originality_uncertain: bool
    credited_wires: list[WireCredit]
    furniture: list[Span] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "article_id": self.article_id,
            "originality": round(self.originality, 4),
            "originality_uncertain": self.originality_uncertain,
            "credited_wires": [c.to_dict() for c in self.credited_wires],
            "furniture": [[s.start, s.end] for s in self.furniture],
        }


@dataclass(slots=True)
class ReuseResult:
    """Everything :func:`detect_reuse` finds."""

    links: list[ReuseLink]
    articles: dict[str, ArticleReuse]
    duplicates: list[DuplicatePair]

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``reuse`` (links) plus per-article summaries and duplicates."""
        return {
            "reuse": [link.to_dict() for link in self.links],
            "articles": [a.to_dict() for a in self.articles.values()],
            "duplicates": [d.to_dict() for d in self.duplicates],
        }


def candidate_pairs(
    articles: Sequence[Article], seed: int = GRAM, min_shared: int = 1, max_df: int = MAX_DF
) -> set[tuple[int, int]]:
    """Index pairs sharing at least ``min_shared`` word ``seed``-grams (inverted index, not all pairs)."""
    postings: dict[int, list[int]] = defaultdict(list)
    for n, art in enumerate(articles):
        for g in gram_hashes(art.text, seed):
            postings[g].append(n)
    counts: Counter[tuple[int, int]] = Counter()
    for ids in postings.values():
        if 1 < len(ids) <= max_df:
            counts.update(combinations(ids, 2))
    return {p for p, c in counts.items() if c >= min_shared}


def reuse_link(a: Article, b: Article, furniture: Mapping[str, Sequence[Span]], min_words: int = 8,
               min_share: float = 0.0) -> tuple[str, str, ReuseLink | None]:
    """Align a candidate pair (``a`` stored before ``b``): ``(origin id, copy id, link or None)``."""
    origin, copy, uncertain, reason, conf = decide_origin(a, b)
    passages = align_passages(
        origin.text,
        copy.text,
        min_words=min_words,
        origin_skip=furniture.get(origin.id, []),
        copy_skip=furniture.get(copy.id, []),
    )
    if not passages:
        return origin.id, copy.id, None
    share = _coverage([p.copy for p in passages]) / _content_chars(copy.text, furniture.get(copy.id, []))
    if share < min_share:
        return origin.id, copy.id, None
    return origin.id, copy.id, ReuseLink(origin.id, copy.id, min(1.0, share), passages, uncertain, reason, conf)


def article_reuse(art: Article, copied: Sequence[Span], uncertain: bool, furniture: list[Span]) -> ArticleReuse:
    """An article's summary from the copy spans of the links where it is the copy (any order)."""
    return ArticleReuse(
        article_id=art.id,
        originality=max(0.0, 1.0 - _coverage(copied) / _content_chars(art.text, furniture)),
        originality_uncertain=uncertain,
        credited_wires=credited_wires(art.text),
        furniture=furniture,
    )


def detect_reuse(articles: Sequence[Article], min_words: int = 8, min_share: float = 0.0) -> ReuseResult:
    """Find copied passages between articles, their origin, and per-article originality.

    The reference, from scratch: :mod:`newsweave.reuse.index` keeps the same results current
    as articles arrive, from the same functions.

    Args:
        articles: the articles (any language; alignment is on word tokens), in the order they were stored.
        min_words: shortest passage kept, in words.
        min_share: links whose copy share is below this are dropped.

    Returns:
        A :class:`ReuseResult` with one link per (origin, copy) pair that shares passages.
    """
    furniture = find_furniture(articles)
    links: list[ReuseLink] = []
    for x, y in sorted(candidate_pairs(articles)):
        link = reuse_link(articles[x], articles[y], furniture, min_words, min_share)[2]
        if link is not None:
            links.append(link)
    per: dict[str, ArticleReuse] = {}
    for art in articles:
        mine = [link for link in links if link.copy_article_id == art.id]
        per[art.id] = article_reuse(art, [p.copy for link in mine for p in link.passages],
                                    any(link.origin_uncertain for link in mine), furniture.get(art.id, []))
    return ReuseResult(links, per, near_duplicates(articles))
