"""Small pure helpers that turn read-model records into what the web templates show.

Nothing here writes HTML: the helpers return plain data (numbers, strings, lists of
segments) and the Jinja2 templates escape every string they print. That keeps one
escaping rule for the whole UI (autoescape) instead of a second hand-escaped path
like ``report/render.py`` needs for its self-contained pages.

- :func:`sparkline` scales a per-day coverage list into SVG polyline points.
- :func:`word_diff` marks the wording differences between two renderings of a quote,
  word by word, with the standard library's ``difflib`` (the same matcher
  :func:`newsweave.quotes.group.word_differences` uses for the stored differences, on the
  same normalized words, but keeping each original word and its spacing for display).
- :func:`article_segments` cuts an article text at every cited span so the template can
  underline what is cited and wrap the one followed citation in a single element whose
  text is exactly ``text[start:end]``.
- :func:`safe_url` lets only http(s) URLs become links.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from newsweave.models import input_label
from newsweave.quotes.group import normalize

_HL = re.compile(r"^(\d{1,9})-(\d{1,9})$")
_WORDS = re.compile(r"\S+\s*|\s+")


# -- citations -------------------------------------------------------------------------------

def parse_span(value: str | None) -> tuple[int, int] | None:
    """``"START-END"`` as a pair of offsets (None when it is not a non-empty span)."""
    m = _HL.match(value or "")
    if not m:
        return None
    start, end = int(m[1]), int(m[2])
    return (start, end) if start < end else None


def cite_href(evidence: Mapping[str, Any]) -> str:
    """The link that opens an article with one cited span highlighted: ``/articles/ID?hl=S-E#c-S-E``."""
    start, end = int(evidence["start"]), int(evidence["end"])
    return f"/articles/{quote(str(evidence['article_id']), safe='')}?hl={start}-{end}#c-{start}-{end}"


def evidence_list(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A record's evidence as a list of ``{article_id, start, end}`` (one dict or a list of them)."""
    ev = record.get("evidence")
    if isinstance(ev, Mapping):
        ev = [ev]
    return [dict(e) for e in ev or [] if isinstance(e, Mapping) and {"article_id", "start", "end"} <= e.keys()]


def article_label(article: Mapping[str, Any]) -> str:
    """A short readable name for an article: its outlet, else its label (input file stem), else its id."""
    aid = str(article.get("id") or article.get("article_id") or "")
    return str(article.get("source") or article.get("label") or input_label(str(article.get("input") or ""), aid))


def cite_groups(record: Mapping[str, Any], most: int = 6) -> tuple[list[list[dict[str, Any]]], int]:
    """A record's evidence grouped by article (in order of first citation), at most ``most`` articles.

    Returns:
        The groups (each a list of spans of one article) and how many articles were left out.
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for ev in evidence_list(record):
        groups.setdefault(str(ev["article_id"]), []).append(ev)
    found = list(groups.values())
    return found[:most], max(0, len(found) - most)


# -- sparklines ------------------------------------------------------------------------------

@dataclass(slots=True)
class Sparkline:
    """SVG columns for a coverage series, with a sentence that says the same for screen readers."""

    bars: list[tuple[float, float, float, float]]  # x, y, width, height of each non-empty bucket
    width: int
    height: int
    description: str


def _counts(coverage: Iterable[Any]) -> list[tuple[str | None, int]]:
    """Coverage as ``(day, count)``: from ``{"date", "count"}`` items, ``[day, count]`` pairs or plain counts."""
    out: list[tuple[str | None, int]] = []
    for item in coverage:
        if isinstance(item, Mapping):
            out.append((str(item.get("date") or "") or None, int(item.get("count") or 0)))
        elif isinstance(item, list | tuple) and len(item) == 2:
            out.append((str(item[0]), int(item[1] or 0)))
        else:
            out.append((None, int(item or 0)))
    return out


def sparkline(coverage: Iterable[Any] | None, unit: str | None = "day", width: int = 120,
              height: int = 28) -> Sparkline | None:
    """Columns for an inline SVG sparkline of articles per ``unit`` (None when there is nothing to draw).

    ``coverage`` is :func:`newsweave.service.read.coverage`'s list: one count per day, week or
    month, without gaps, each bucket named by its first day. Columns rather than a line, so
    one busy day among quiet ones (the usual shape of news) still reads as one.
    """
    days = _counts(coverage or [])
    if not days or not any(n for _, n in days):
        return None
    top = max(n for _, n in days)
    slot = width / max(len(days), 8)  # a short series keeps narrow columns instead of one wide block
    bar = max(slot * 0.8, 1.0)
    left = (width - slot * len(days)) / 2
    bars = []
    for k, (_, n) in enumerate(days):
        if n:
            h = max(2.0, (height - 2) * n / top)
            bars.append((round(left + k * slot + (slot - bar) / 2, 2), round(height - 1 - h, 2), round(bar, 2),
                         round(h, 2)))
    total = sum(n for _, n in days)
    peak_day, peak = max(days, key=lambda d: d[1])
    first, last = days[0][0], days[-1][0]
    span = f" from {first} to {last}" if first and last and first != last else (f" on {first}" if first else "")
    unit = unit or "day"
    buckets = f"{len(days)} {unit}{'s' if len(days) != 1 else ''}"
    text = f"{total} dated article{'s' if total != 1 else ''} over {buckets}{span}"
    if len(days) > 1:
        when = f"in the {unit} of {peak_day}" if unit != "day" else f"on {peak_day}"
        text += f"; most {when} ({peak})" if peak_day else f"; at most {peak} a {unit}"
    return Sparkline(bars, width, height, text)


# -- quotes ----------------------------------------------------------------------------------

@dataclass(slots=True)
class Piece:
    """A run of words of a quote rendering: ``same`` as the reference, ``added`` (or changed), or ``removed``."""

    op: str
    text: str


def word_diff(reference: str, variant: str) -> list[Piece]:
    """The variant's words, each marked against the reference; words only the reference has are ``removed``.

    Words are compared as :func:`newsweave.quotes.group.normalize` sees them (case, accents,
    quote styles and punctuation do not count), so the marks agree with the stored differences.
    """
    a, b = _WORDS.findall(reference), _WORDS.findall(variant)
    ka, kb = [normalize(w) for w in a], [normalize(w) for w in b]
    out: list[Piece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=ka, b=kb, autojunk=False).get_opcodes():
        if op in ("delete", "replace") and any(ka[i1:i2]):
            out.append(Piece("removed", "".join(a[i1:i2]).strip()))
        if op == "equal":
            out.append(Piece("same", "".join(b[j1:j2])))
        elif op in ("insert", "replace"):
            out.append(Piece("added", "".join(b[j1:j2])))
    # Merge neighbours of the same kind so the page has few elements.
    merged: list[Piece] = []
    for op, group in itertools.groupby(out, key=lambda p: p.op):
        merged.append(Piece(op, ("" if op != "removed" else " ").join(p.text for p in group)))
    return merged


def outlet_columns(group: Mapping[str, Any], articles: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A quote group's renderings side by side, one column per outlet, each marked against the group's wording."""
    variants = list(group.get("variants") or [])
    reference = str(group.get("text") or (variants[0].get("text") if variants else "") or "")
    cols: dict[str, dict[str, Any]] = {}
    for v in variants:
        art = articles.get(str(v.get("article_id")), {"id": v.get("article_id")})
        outlet = article_label(art)
        col = cols.setdefault(outlet, {"outlet": outlet, "renderings": []})
        pieces = word_diff(reference, str(v.get("text") or ""))
        col["renderings"].append({
            "article_id": v.get("article_id"), "text": v.get("text") or "",
            "speaker": v.get("speaker_text"), "cue": v.get("cue_text"), "kind": v.get("kind"),
            "pieces": pieces, "changed": any(p.op != "same" for p in pieces),
            "evidence": {"article_id": v.get("article_id"), "start": v.get("start"), "end": v.get("end")}
            if v.get("start") is not None else None,
        })
    return list(cols.values())


# -- article text ----------------------------------------------------------------------------

@dataclass(slots=True)
class Segment:
    """A run of article text: its offsets, whether it is cited (and by what), copied, inside the followed span."""

    start: int
    end: int
    text: str
    cited: list[str] = field(default_factory=list)
    copied: bool = False


def article_segments(text: str, citations: Sequence[Mapping[str, Any]],
                     copied: Sequence[tuple[int, int]] = (), hl: tuple[int, int] | None = None,
                     ) -> tuple[list[Segment], list[Segment], list[Segment]]:
    """The article cut at every cited span's edges: the segments before, inside and after ``hl``.

    The middle list joined is exactly ``text[hl[0]:hl[1]]``, so the template can wrap it in one
    element. Without ``hl`` (or with one outside the text) everything is in the first list.
    """
    n = len(text)
    spans: list[tuple[int, int, str]] = []
    for c in citations:
        try:
            s, e = max(0, min(int(c["start"]), n)), max(0, min(int(c["end"]), n))
        except (KeyError, TypeError, ValueError):
            continue
        if s < e:
            spans.append((s, e, str(c.get("label") or c.get("kind") or "cited")))
    copies = [(max(0, s), min(e, n)) for s, e in copied if max(0, s) < min(e, n)]
    cuts = {0, n}
    for s, e, _ in spans:
        cuts.update((s, e))
    for s, e in copies:
        cuts.update((s, e))
    if hl is not None:
        cuts.update(hl)
    segments: list[Segment] = []
    for a, b in itertools.pairwise(sorted(cuts)):
        labels = sorted({label for s, e, label in spans if s <= a and b <= e})
        segments.append(Segment(a, b, text[a:b], labels, any(s <= a and b <= e for s, e in copies)))
    if hl is None:
        return segments, [], []
    before = [s for s in segments if s.end <= hl[0]]
    inside = [s for s in segments if hl[0] <= s.start and s.end <= hl[1]]
    after = [s for s in segments if s.start >= hl[1]]
    return before, inside, after


def valid_hl(hl: tuple[int, int] | None, text: str) -> tuple[int, int] | None:
    """``hl`` when it is a non-empty span inside ``text``, else None."""
    if hl is None or not (0 <= hl[0] < hl[1] <= len(text)):
        return None
    return hl


def snippet_parts(snippet: Any) -> tuple[str, str, str] | None:
    """A search snippet ``{text, start, match}`` as the text before, of and after the matched word."""
    if not isinstance(snippet, Mapping) or not isinstance(snippet.get("text"), str):
        return None
    text, lo, m = snippet["text"], int(snippet.get("start") or 0), snippet.get("match")
    if not isinstance(m, Mapping):
        return text, "", ""
    s, e = max(0, int(m["start"]) - lo), max(0, int(m["end"]) - lo)
    return text[:s], text[s:e], text[e:]


# -- links -----------------------------------------------------------------------------------

def safe_url(url: Any) -> str | None:
    """``url`` when it is an absolute http(s) URL with a host (only those become links), else None."""
    if not isinstance(url, str) or any(c in url for c in "\x00\r\n\t"):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None
