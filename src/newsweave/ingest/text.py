"""Plain-text articles: headline, byline/date lines, body, page furniture.

Scraped text files carry header lines (a section name, a headline, a dateline,
"Published :"), page furniture (share buttons, poll shortcodes, "Latest News")
and repeated photo captions. No library parses this shape, so the rules live
here; each rule is narrow and tested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsweave.ingest.metadata import dateline_date, leading_date_prefix, normalize_text

#: Whole lines that are page furniture, not article text.
FURNITURE = re.compile(
    r"^(?:share this (?:news|article|story)|share|tweet|email|print|latest news|related(?: (?:news|articles|stories))?|"
    r"read more|advertisement|ad|sponsored|recommended|most read|trending|subscribe|sign up.*newsletter.*|"
    r"(?:published|updated|posted|last updated)\s*:?\s*|follow us.*|comments?|"
    r"\[[a-z_]+(?:\s+[a-z_]+=[^\]]*)*\]|"
    r"(?:photo|image|video)\s*:.*credit.*)$",
    re.I,
)
#: A scrape-relative time stamp line such as "5 years ago" or "2 hours ago".
RELATIVE_STAMP = re.compile(
    r"^(?:about\s+)?(?:\d+|an?|one)\s+(?:second|minute|hour|day|week|month|year)s?\s+ago$", re.I
)


@dataclass(slots=True)
class ParsedText:
    """The result of parsing one plain-text article."""

    text: str
    title: str | None
    published: str | None
    dropped: list[str]


def _is_title(line: str) -> bool:
    words = line.split()
    return (
        3 <= len(words) <= 30
        and len(line) <= 220
        and not line.rstrip().endswith((".", ",", ";", ":"))
        and not line.lstrip().startswith(("“", '"', "‘", "'", "("))
        and not RELATIVE_STAMP.match(line.strip())
        and dateline_date(line) is None
    )


def parse_text(raw: str, max_header_lines: int = 6) -> ParsedText:
    """Split a scraped text file into title, publication date and body.

    Header lines (before the first body paragraph) may hold a section label, a
    relative time stamp, the headline and datelines; only a stand-alone dateline
    there (or a ``date YYYY-MM-DD`` marker opening the body) gives a publication
    date. Furniture lines anywhere are dropped, and so are exact repeats of an
    earlier paragraph (photo captions printed twice).
    """
    text = normalize_text(raw)
    lines = text.split("\n")
    dropped: list[str] = []
    title: str | None = None
    published: str | None = None
    body_start = 0
    non_empty_seen = 0
    for i, line in enumerate(lines):
        s = line.strip()
        if not s:
            continue
        if non_empty_seen >= max_header_lines:
            break
        non_empty_seen += 1
        d = dateline_date(s)
        if d is not None:
            published = published or d
            dropped.append(s)
            body_start = i + 1
            continue
        if FURNITURE.match(s) or RELATIVE_STAMP.match(s):
            dropped.append(s)
            body_start = i + 1
            continue
        if title is None and _is_title(s):
            # A single short word line before the title ("America") is a section label.
            title = s
            body_start = i + 1
            continue
        if title is None and len(s.split()) <= 2 and not s.endswith("."):
            dropped.append(s)
            body_start = i + 1
            continue
        break
    body_lines = lines[body_start:]
    kept: list[str] = []
    seen_paragraphs: set[str] = set()
    for line in body_lines:
        s = line.strip()
        if s and (FURNITURE.match(s) or RELATIVE_STAMP.match(s)):
            dropped.append(s)
            continue
        if s and len(s) > 40:
            if s in seen_paragraphs:
                dropped.append(s)
                continue
            seen_paragraphs.add(s)
        kept.append(line)
    body = normalize_text("\n".join(kept))
    lead_date, cut = leading_date_prefix(body)
    if lead_date:
        published = published or lead_date
        dropped.append(body[:cut].strip())
        body = body[cut:]
    return ParsedText(text=body, title=title, published=published, dropped=dropped)
