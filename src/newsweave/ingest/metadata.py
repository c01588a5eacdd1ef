"""Metadata helpers shared by every reader: dates, outlets, language, clean text.

Dates follow one rule: a publication date comes from metadata, else from a
dateline in the article's header lines, else it stays unknown. Relative phrases
("5 years ago", "yesterday") are never turned into dates, because they are
relative to a scrape time we do not know.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from urllib.parse import urlsplit

import py3langid

from newsweave.models import content_id

_RELATIVE = re.compile(
    r"\b(ago|yesterday|today|tonight|tomorrow|last|next|this|hours?|minutes?|seconds?|just now)\b", re.I
)
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\b")
_MDY = re.compile(rf"\b({_MONTHS})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS}),?\s+(\d{{4}})\b", re.I)
_URL_DATE = re.compile(r"/(\d{4})/(\d{1,2}|[a-z]{3})/(\d{1,2})/", re.I)
_MONTH_NUM = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}

#: Words allowed on a stand-alone dateline besides the date itself.
_DATELINE_WORDS = re.compile(
    r"^(date|published|updated|posted|last|modified|on|at|am|pm|a\.m\.|p\.m\.|[a-z]{2,4}t|gmt|utc|"
    r"mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday|by|:|\||-|—|,)$",
    re.I,
)


def _valid(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def dates_in(line: str) -> list[tuple[int, int, str]]:
    """Every unambiguous absolute date in ``line`` as ``(start, end, iso)``."""
    found: list[tuple[int, int, str]] = []
    for m in _ISO.finditer(line):
        iso = _valid(int(m[1]), int(m[2]), int(m[3]))
        if iso:
            found.append((m.start(), m.end(), iso))
    for m in _MDY.finditer(line):
        iso = _valid(int(m[3]), _MONTH_NUM[m[1][:3].lower()], int(m[2]))
        if iso:
            found.append((m.start(), m.end(), iso))
    for m in _DMY.finditer(line):
        iso = _valid(int(m[3]), _MONTH_NUM[m[2][:3].lower()], int(m[1]))
        if iso:
            found.append((m.start(), m.end(), iso))
    return sorted(found)


def dateline_date(line: str) -> str | None:
    """The publication date of a stand-alone dateline such as ``January 27, 2019 Updated: ...``.

    The line must consist of dates plus a few dateline words (Published, Updated,
    weekday, time, time zone). A sentence that merely contains a date (a photo
    caption, a quote) is not a dateline. When the line holds several dates (a
    publication and an update), the first one is the publication date.
    """
    stripped = line.strip()
    if not stripped or len(stripped) > 120:
        return None
    found = dates_in(stripped)
    if not found:
        return None
    rest = stripped
    for start, end, _ in reversed(found):
        rest = rest[:start] + " " + rest[end:]
    rest = re.sub(r"\d{1,2}:\d{2}(:\d{2})?", " ", rest)
    words = [w for w in re.split(r"[\s:|,]+", rest) if w]
    if any(not _DATELINE_WORDS.match(w) for w in words):
        return None
    return found[0][2]


def leading_date_prefix(text: str) -> tuple[str | None, int]:
    """A ``date YYYY-MM-DD`` marker at the very start of a body: (iso, chars to strip)."""
    m = re.match(r"\s*(?:date|published|updated)\s*:?\s*(\d{4}-\d{2}-\d{2})\s+", text, re.I)
    if not m:
        return None, 0
    iso = _valid(*(int(x) for x in m[1].split("-")))
    return (iso, m.end()) if iso else (None, 0)


def parse_metadata_date(value: object) -> str | None:
    """A publication date from a metadata field (ISO string, RFC 822, epoch, datetime).

    Relative phrases are refused. Returns ``YYYY-MM-DD`` or ``None``.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        try:
            return datetime.utcfromtimestamp(float(value)).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    if not text or _RELATIVE.search(text):
        return None
    found = dates_in(text)
    if found:
        return found[0][2]
    import dateparser

    parsed = dateparser.parse(
        text,
        languages=None,
        settings={"REQUIRE_PARTS": ["day", "month", "year"], "RETURN_AS_TIMEZONE_AWARE": False,
                  "PREFER_DAY_OF_MONTH": "first"},
    )
    return parsed.date().isoformat() if parsed else None


def url_date(url: str | None) -> str | None:
    """A ``/YYYY/MM/DD/`` date in a URL path."""
    if not url:
        return None
    m = _URL_DATE.search(url)
    if not m:
        return None
    month = int(m[2]) if m[2].isdigit() else _MONTH_NUM.get(m[2].lower()[:3], 0)
    return _valid(int(m[1]), month, int(m[3]))


def outlet_from_url(url: str | None) -> str | None:
    """The outlet's host name from a URL, without ``www.``."""
    if not url:
        return None
    host = urlsplit(url).hostname
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def detect_language(text: str) -> str | None:
    """ISO 639-1 language of the text (py3langid), ``None`` for too little text."""
    sample = text[:5000]
    if sum(ch.isalpha() for ch in sample) < 20:
        return None
    lang, _ = py3langid.classify(sample)
    return str(lang)


def normalize_text(text: str) -> str:
    """Unicode NFC, Unix newlines, no trailing spaces, at most one blank line between paragraphs."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\ufeff", "")
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def article_id(text: str, source: str | None) -> str:
    """Content-hash id: the same text from the same outlet is the same article."""
    body = re.sub(r"\s+", " ", text).strip()
    return content_id(f"{source or ''}\n{body}", prefix="a")
