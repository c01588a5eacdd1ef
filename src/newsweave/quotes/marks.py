"""Quote-mark scanning: quoted stretches of a text from its quote marks alone.

Handles straight, curly, guillemet and low-9 double marks (single quotes nested
inside double quotes stay part of the content), top-level single quotes (an
apostrophe is never taken for an opener), and quotes that run over paragraphs
with the opening mark repeated and no closing mark. Hand-written: no library
pairs quote marks with these news conventions (textacy pairs only
same-paragraph double marks).
"""

from __future__ import annotations

from dataclasses import dataclass

from newsweave.models import Span

DOUBLE_MARKS = '"“”„«»‟'
SINGLE_OPEN = "‘'‹‚"
SINGLE_CLOSE = "’'›‘"


@dataclass(slots=True)
class MarkedQuote:
    """A quoted stretch found from quote marks alone: pieces between marks, outer span."""

    parts: list[Span]
    outer: Span
    closed: bool
    single: bool = False


def _is_space(ch: str) -> bool:
    return ch == "" or ch.isspace()


def _opening_context(line: str, i: int) -> bool:
    """A mark at ``i`` looks like an opener: start/space/bracket before it, no space after."""
    prev = line[i - 1] if i > 0 else ""
    nxt = line[i + 1] if i + 1 < len(line) else ""
    return (_is_space(prev) or prev in "([{—–-/:") and not _is_space(nxt)


def _closing_context(line: str, i: int) -> bool:
    """A mark at ``i`` looks like a closer: end/space/punctuation after it."""
    nxt = line[i + 1] if i + 1 < len(line) else ""
    return _is_space(nxt) or (not nxt.isalnum() and nxt not in "“‘„«")


def _scan_double(line: str) -> list[tuple[int, int | None]]:
    """Pairs of (open, close) indexes of top-level double quotes in one line; close None if unclosed."""
    out: list[tuple[int, int | None]] = []
    open_at: int | None = None
    open_ch = ""
    for i, ch in enumerate(line):
        if ch not in DOUBLE_MARKS:
            continue
        if open_at is None:
            if ch in "”»" and not _opening_context(line, i):
                continue  # stray closer
            if ch == '"' and not _opening_context(line, i) and _closing_context(line, i):
                continue
            open_at, open_ch = i, ch
            continue
        closes = False
        if ch in '”»"‟':
            closes = True
        elif ch == "“":
            closes = open_ch == "„" or (_closing_context(line, i) and not _opening_context(line, i))
        elif ch == "«" or ch == "„":
            closes = False
        if closes:
            if i > open_at + 1:
                out.append((open_at, i))
            open_at = None
        elif _opening_context(line, i):
            # A new opener while one is open: the first never closed; keep only the new one.
            open_at, open_ch = i, ch
    if open_at is not None and open_at + 1 < len(line):
        out.append((open_at, None))
    return out


def _scan_single(line: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Top-level single-quoted stretches inside ``line[lo:hi]`` (apostrophes are not openers)."""
    out: list[tuple[int, int]] = []
    i = lo
    while i < hi:
        ch = line[i]
        if ch in SINGLE_OPEN and _opening_context(line, i) and (i + 1 < hi and line[i + 1].isalnum()):
            j = i + 1
            close = None
            while j < hi:
                c = line[j]
                prev = line[j - 1]
                if c in SINGLE_CLOSE and not prev.isspace() and _closing_context(line, j):
                    nxt = line[j + 1] if j + 1 < len(line) else ""
                    # "officials’ view": plural possessive, a letter follows after one space
                    if not (prev == "s" and nxt == " " and j + 2 < len(line) and line[j + 2].islower()):
                        close = j
                        break
                j += 1
            if close is not None and close > i + 1:
                out.append((i, close))
                i = close + 1
                continue
        i += 1
    return out


def _trim(text: str, start: int, end: int, strip: str = " \t\n,") -> tuple[int, int]:
    while start < end and text[start] in strip:
        start += 1
    while end > start and text[end - 1] in strip:
        end -= 1
    return start, end


def find_marked_quotes(text: str) -> list[MarkedQuote]:
    """All quoted stretches of ``text`` found from quote marks, paragraph continuations joined.

    Args:
        text: the article text.

    Returns:
        Quotes in text order; each has its content pieces (marks excluded,
        surrounding spaces and a trailing comma trimmed) and the outer span.
    """
    lines: list[tuple[int, str]] = []
    pos = 0
    for raw in text.split("\n"):
        lines.append((pos, raw))
        pos += len(raw) + 1
    per_line: list[list[MarkedQuote]] = []
    for off, line in lines:
        found: list[MarkedQuote] = []
        # Two apostrophes stand for a double mark in some archives (''like this,''): scan them as
        # ' "' so that offsets stay put, then move the outer start back over the first apostrophe.
        doubles = _scan_double(line.replace("''", ' "'))
        covered: list[tuple[int, int]] = []
        for o, c in doubles:
            end = c if c is not None else len(line)
            if c is not None and line[c] == "'":
                end = c - 1
            s, e = _trim(text, off + o + 1, off + end)
            outer_start = o - 1 if line[o] == "'" else o
            if s < e:
                outer_end = off + (c + 1 if c is not None else len(line.rstrip()))
                found.append(MarkedQuote([Span(s, e)], Span(off + outer_start, outer_end), c is not None))
            covered.append((outer_start, (c if c is not None else len(line)) + 1))
        # single quotes only outside double-quoted stretches
        gaps: list[tuple[int, int]] = []
        cur = 0
        for a, b in covered:
            gaps.append((cur, a))
            cur = b
        gaps.append((cur, len(line)))
        for a, b in gaps:
            for o, c in _scan_single(line, a, b):
                s, e = _trim(text, off + o + 1, off + c)
                if s < e:
                    found.append(MarkedQuote([Span(s, e)], Span(off + o, off + c + 1), True, single=True))
        found.sort(key=lambda q: q.outer.start)
        per_line.append(found)
    out: list[MarkedQuote] = []
    carry: MarkedQuote | None = None
    for k, found in enumerate(per_line):
        off, line = lines[k]
        if not line.strip():
            continue
        if carry is not None:
            first = found[0] if found else None
            lead = len(line) - len(line.lstrip())
            if first is not None and first.outer.start == off + lead and not first.single:
                # The quote continues in this paragraph (opening mark repeated, previous not closed).
                carry.parts.extend(first.parts)
                carry.outer = Span(carry.outer.start, first.outer.end)
                carry.closed = first.closed
                found = found[1:]
                if not carry.closed and not found:
                    continue
                out.append(carry)
                carry = None
            else:
                out.append(carry)
                carry = None
        for q in found:
            if not q.closed and q is found[-1]:
                carry = q
            else:
                out.append(q)
    if carry is not None:
        out.append(carry)
    return out
